"""Notifications by e-mail, through Django's email framework (console backend by default, SMTP by
setting: docs/operations.md).

Each is sent after the commit of the change it reports (never for a change that rolled back), and a
mail server that is down never fails that change: the error is logged and the change stands.
Mail about an enterprise goes to its verified contacts: its registered contact address and the confirmed
addresses of its card-less accounts that may act for it (never an unverified stranger's: SPEC §8).
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

    accounts = enterprise.users.filter(
        kind=UserKind.CARDLESS, is_active=True, closed_at__isnull=True, email_confirmed_at__isnull=False
    ).exclude(email="")
    if not enterprise.candidate:  # a candidate row's own account is its contact, as it typed it
        accounts = accounts.filter(verified_at__isnull=False)
    emails = [enterprise.contact_email, *accounts.values_list("email", flat=True)]
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
            body = _("您单位（%(e)s）的%(k)s（申请编号 %(n)s）已审核通过。") % {
                "e": app.enterprise.name,
                "k": kind,
                "n": app.number,
            }
        else:
            subject = _("【电子口岸】%(k)s被退回：%(n)s") % {"k": kind, "n": app.number}
            body = _(
                "您单位（%(e)s）的%(k)s（申请编号 %(n)s）被%(u)s退回。\n审核意见：%(o)s\n请修改后重新申报。"
            ) % {"e": app.enterprise.name, "k": kind, "n": app.number, "u": step.unit.name, "o": step.opinion}
    _later(enterprise_recipients(app.enterprise), subject, body)


def email_confirmation(user, link: str) -> None:
    """The link that confirms a new account's e-mail address (SPEC §8: before it files anything)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】请确认您的电子邮箱")
        body = _(
            "您注册了电子口岸无卡用户账号 %(u)s。请打开以下链接确认电子邮箱（%(d)d天内有效）：\n%(l)s\n"
            "如果不是您本人注册，请忽略本邮件。"
        ) % {"u": user.username, "d": settings.EMAIL_CONFIRMATION_DAYS, "l": link}
    _later([user.email] if user.email else [], subject, body)


def account_registered(user) -> None:
    """Someone registered an account naming an established enterprise: its verified contacts are told, so
    the legal card can confirm or refuse it."""
    e = user.enterprise
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】有新账号申请代表贵单位办理业务：%(u)s") % {"u": user.username}
        body = _(
            "有人注册了无卡用户账号 %(u)s（联系人 %(c)s，电话 %(p)s，邮箱 %(m)s），申请代表贵单位（%(e)s）办理业务。\n"
            "该账号在本企业法人卡确认前看不到、也不能办理本企业的任何业务。如确为本单位人员，请使用法人卡在"
            "“无卡用户账号管理”中确认；如不是，请拒绝。"
        ) % {"u": user.username, "c": user.contact_name, "p": user.phone, "m": user.email, "e": e.name}
    _later(enterprise_recipients(e), subject, body)


def account_verified(user) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】账号已通过身份认证：%(u)s") % {"u": user.username}
        body = _("您的无卡用户账号 %(u)s 已通过身份认证（%(v)s），可以代表%(e)s办理业务。") % {
            "u": user.username,
            "v": user.get_verified_by_display(),
            "e": user.enterprise.name,
        }
    _later([user.email] if user.email else [], subject, body)


def account_closed(user) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】账号已关闭：%(u)s") % {"u": user.username}
        body = _(
            "您的无卡用户账号 %(u)s 已关闭，不能再代表统一社会信用代码为 %(c)s 的企业办理业务。\n原因：%(r)s"
        ) % {"u": user.username, "c": user.enterprise.code, "r": user.closed_reason}
    _later([user.email] if user.email else [], subject, body)


def reissue_filed(app) -> None:
    """补办法人卡 filed in the enterprise's name: its verified contacts are told at once (the legal card sees
    it on its home page), so the real enterprise can object before the sub-centre decides."""
    e = app.enterprise
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】贵单位提交了补办法人卡申请：%(n)s") % {"n": app.number}
        body = _(
            "账号 %(u)s 以贵单位（%(e)s）名义提交了补办法人卡申请（申请编号 %(n)s），数据分中心审核通过后，"
            "现有法人卡将作废。\n如非本单位办理，请立即联系数据分中心。"
        ) % {"u": app.applicant.username if app.applicant else "-", "e": e.name, "n": app.number}
    _later(enterprise_recipients(e), subject, body)


def card_changed(card, what: str) -> None:
    """The card's enterprise is told of every change of one of its cards (`what`: the action's label)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("【电子口岸】IC卡%(a)s：%(c)s") % {"a": what, "c": card.card_no}
        body = _(
            "您单位（%(e)s）的%(k)s %(c)s（持卡人 %(h)s）已办理%(a)s，当前状态：%(s)s，有效期至 %(d)s。\n"
            "如非本单位办理，请立即联系数据分中心。"
        ) % {
            "e": card.enterprise.name,
            "k": card.get_kind_display(),
            "c": card.card_no,
            "h": card.holder_name,
            "a": what,
            "s": card.display_state,
            "d": card.valid_to,
        }
    _later(enterprise_recipients(card.enterprise), subject, body)


def cards_expiring(*, days: int = 30, today: dt.date | None = None, send: bool = True) -> list[tuple]:
    """The daily reminder: usable cards whose validity ends within `days`, one mail per enterprise.
    Returns [(enterprise, [cards], sent)]."""
    from eport.cards.models import Card, CardState

    today = today or timezone.localdate()
    cards = (
        Card.objects.filter(valid_to__gte=today, valid_to__lte=today + dt.timedelta(days=days))
        .exclude(state=CardState.VOIDED)
        .select_related("enterprise")
        .order_by("enterprise_id", "valid_to")
    )
    by_enterprise: dict = {}
    for c in cards.iterator(chunk_size=2000):
        by_enterprise.setdefault(c.enterprise_id, (c.enterprise, []))[1].append(c)
    out = []
    for enterprise, group in by_enterprise.values():
        sent = False
        if send:
            with translation.override(settings.LANGUAGE_CODE):
                subject = _("【电子口岸】%(n)d张IC卡将在%(d)d天内到期") % {"n": len(group), "d": days}
                lines = [
                    _(
                        "您单位（%(e)s）以下IC卡即将到期，请在到期前办理延期（操作员卡：法人卡IC卡自主管理；"
                        "法人卡：数据分中心）："
                    )
                    % {"e": enterprise.name}
                ]
                lines += [
                    f"{c.card_no}  {c.get_kind_display()}  {c.holder_name}  {c.valid_to}" for c in group
                ]
            sent = _send(enterprise_recipients(enterprise), subject, "\n".join(lines))
        out.append((enterprise, group, sent))
    return out
