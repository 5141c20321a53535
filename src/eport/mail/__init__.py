"""Mail by Django's email framework (console backend by default, SMTP by setting: docs/operations.md),
through a transactional outbox.

Each message is written by the app that owns what it reports (accounts/notify.py, applications/notify.py,
cards/notify.py, …), in the site's language. `send_on_commit` writes it as an `Outbox` row in the
transaction of the change it reports (so it rolls back with it) and, once that commits, hands it to the
`eport.mail.deliver` task: with a broker a worker sends it, without one this process does at once. A
mail server that is down never fails or undoes the change: the row stays pending and is tried again with
backoff (the sweep, every minute), and after `EPORT_MAIL_MAX_ATTEMPTS` it is marked failed for an
administrator (/admin/mail/outbox/). The states and what an operator does: docs/operations.md.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import translation

# The logger's name is the one docs/operations.md gives for mail not sent.
log = logging.getLogger("eport.notify")


def site_language() -> translation.override:
    """Write the message in the site's language, whoever's request sends it."""
    return translation.override(settings.LANGUAGE_CODE)


def _record(recipients: list[str], subject: str, body: str) -> int:
    from eport.mail.models import Outbox

    return Outbox.objects.create(recipients=list(recipients), subject=str(subject), body=str(body)).pk


def send(recipients: list[str], subject: str, body: str) -> bool:
    """Send now (a command's own mail, e.g. the daily reminders); False when there is nobody to tell or the
    mail server refused (logged; the outbox row stays pending and is tried again)."""
    if not recipients:
        return False
    return deliver(_record(recipients, subject, body)) is True


def send_on_commit(recipients: list[str], subject: str, body: str) -> None:
    """The message of a change: written in its transaction, sent once it commits (never if it rolls back)."""
    if not recipients:
        return
    from eport.mail.tasks import deliver_task
    from eport.tasks import after_commit

    after_commit(deliver_task, _record(recipients, subject, body))


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, then 1, 2, 4… minutes, at most an hour."""
    return timedelta(seconds=min(3600, 30 * 2 ** max(0, attempts - 1)))


def deliver(outbox_id: int) -> bool | None:
    """Claim the row (pending → sending, one conditional UPDATE: of two workers only one gets it), send it,
    mark it sent. None when it was not ours to send (already sent, claimed by another, not yet due); False
    when the mail server refused (pending again with the error, or failed after the last attempt)."""
    from django.core.mail import send_mail
    from django.db.models import F
    from django.utils import timezone

    from eport.mail.models import Outbox, OutboxState

    now = timezone.now()
    claimed = Outbox.objects.filter(pk=outbox_id, state=OutboxState.PENDING, next_attempt_at__lte=now).update(
        state=OutboxState.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    row = Outbox.objects.get(pk=outbox_id)
    try:
        send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, row.recipients)
    except Exception as exc:  # noqa: BLE001 - a mail outage must not undo or fail the change it reports
        row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if row.attempts >= settings.MAIL_MAX_ATTEMPTS:
            row.state = OutboxState.FAILED
            log.error(
                "notification failed after %d attempts, given up: %s (%s)", row.attempts, row.subject, exc
            )
        else:
            row.state = OutboxState.PENDING
            row.next_attempt_at = timezone.now() + backoff(row.attempts)
            log.warning(
                "notification not sent (attempt %d, tried again later): %s", row.attempts, row.subject
            )
        row.save(update_fields=["state", "last_error", "next_attempt_at"])
        return False
    Outbox.objects.filter(pk=outbox_id).update(state=OutboxState.SENT, sent_at=timezone.now(), last_error="")
    return True
