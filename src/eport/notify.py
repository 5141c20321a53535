"""Notifications by e-mail, through Django's email framework (console backend by default, SMTP by
setting: docs/operations.md).

Each is sent after the commit of the change it reports (never for a change that rolled back), and a
mail server that is down never fails that change: the error is logged and the change stands.
Mail goes to the enterprise: its registered contact address and its card-less users' addresses.
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


def enterprise_recipients(enterprise) -> list[str]:
    from eport.accounts.models import UserKind

    emails = [enterprise.contact_email] + list(
        enterprise.users.filter(kind=UserKind.CARDLESS, is_active=True).exclude(email="")
        .values_list("email", flat=True))
    return sorted({e.strip().lower() for e in emails if e and e.strip()})


def _send(recipients: list[str], subject: str, body: str) -> bool:
    if not recipients:
        return False
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # noqa: BLE001 - a mail outage must not undo or fail the change it reports
        log.exception("notification not sent: %s", subject)
        return False
    return True


def _later(recipients, subject, body) -> None:
    transaction.on_commit(lambda: _send(recipients, subject, body))


def application_decided(app, step=None) -> None:
    """The applicant is told of an approval, or of a return with the reviewer's opinion."""
    from eport.applications.kinds import get_kind

    with translation.override(settings.LANGUAGE_CODE):
        kind = str(get_kind(app.kind).label)
        if step is None:
            subject = _("【电子口岸】%(k)s审核通过：%(n)s") % {"k": kind, "n": app.number}
            body = _("您单位（%(e)s）的%(k)s（申请编号 %(n)s）已审核通过。") % {"e": app.enterprise.name, "k": kind,
                                                                 "n": app.number}
        else:
            subject = _("【电子口岸】%(k)s被退回：%(n)s") % {"k": kind, "n": app.number}
            body = _("您单位（%(e)s）的%(k)s（申请编号 %(n)s）被%(u)s退回。\n审核意见：%(o)s\n请修改后重新申报。") % {
                "e": app.enterprise.name, "k": kind, "n": app.number, "u": step.unit.name, "o": step.opinion}
    _later(enterprise_recipients(app.enterprise), subject, body)


def card_changed(card, what: str) -> None:
    """The card's enterprise is told of every change of one of its cards (`what`: the action's label)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】IC卡%(a)s：%(c)s") % {"a": what, "c": card.card_no}
        body = _("您单位（%(e)s）的%(k)s %(c)s（持卡人 %(h)s）已办理%(a)s，当前状态：%(s)s，有效期至 %(d)s。\n"
                 "如非本单位办理，请立即联系数据分中心。") % {
            "e": card.enterprise.name, "k": card.get_kind_display(), "c": card.card_no, "h": card.holder_name,
            "a": what, "s": card.display_state, "d": card.valid_to}
    _later(enterprise_recipients(card.enterprise), subject, body)


def cards_expiring(*, days: int = 30, today: dt.date | None = None, send: bool = True) -> list[tuple]:
    """The daily reminder: usable cards whose validity ends within `days`, one mail per enterprise.
    Returns [(enterprise, [cards], sent)]."""
    from eport.cards.models import Card, CardState

    today = today or timezone.localdate()
    cards = (Card.objects.filter(valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=days))
             .exclude(state=CardState.VOIDED).select_related("enterprise").order_by("enterprise_id", "valid_to"))
    by_enterprise: dict = {}
    for c in cards.iterator(chunk_size=2000):
        by_enterprise.setdefault(c.enterprise_id, (c.enterprise, []))[1].append(c)
    out = []
    for enterprise, group in by_enterprise.values():
        sent = False
        if send:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("【电子口岸】%(n)d张IC卡将在%(d)d天内到期") % {"n": len(group), "d": days}
                lines = [_("您单位（%(e)s）以下IC卡即将到期，请在到期前办理延期（操作员卡：法人卡IC卡自主管理；"
                           "法人卡：数据分中心）：") % {"e": enterprise.name}]
                lines += [f"{c.card_no}  {c.get_kind_display()}  {c.holder_name}  {c.valid_to}" for c in group]
            sent = _send(enterprise_recipients(enterprise), subject, "\n".join(lines))
        out.append((enterprise, group, sent))
    return out
