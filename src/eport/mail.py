"""Mail by Django's email framework (console backend by default, SMTP by setting: docs/operations.md).

Only the sending: each message is written by the app that owns what it reports (accounts/notify.py,
applications/notify.py, cards/notify.py), in the site's language, and sent after the commit of the change
it reports (never for a change that rolled back). A mail server that is down never fails that change: the
error is logged and the change stands.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import translation

# The logger's name is the one docs/operations.md gives for mail not sent.
log = logging.getLogger("eport.notify")


def site_language() -> translation.override:
    """Write the message in the site's language, whoever's request sends it."""
    return translation.override(settings.LANGUAGE_CODE)


def send(recipients: list[str], subject: str, body: str) -> bool:
    """Send now; False when there is nobody to tell or the mail server refused (logged)."""
    if not recipients:
        return False
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # noqa: BLE001 - a mail outage must not undo or fail the change it reports
        log.exception("notification not sent: %s", subject)
        return False
    return True


def send_on_commit(recipients: list[str], subject: str, body: str) -> None:
    transaction.on_commit(lambda: send(recipients, subject, body))
