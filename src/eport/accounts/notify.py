"""Mail to and about accounts (eport/mail sends it, after the commit).

Mail about an enterprise goes to its verified contacts: its registered contact address and the confirmed
addresses of its card-less accounts that may act for it (never an unverified stranger's: SPEC §8) —
`enterprise_recipients`, which every app's mail about an enterprise asks. Mail to a unit goes to its
reviewers' addresses (`unit_recipients`); mail to a customs code (a port, a 关区) to its unit's and its
direct customs' (`customs_recipients`).
"""

from django.conf import settings
from django.utils.translation import gettext as _

from eport import mail
from eport.refdata.lookup import direct_customs, unit_for
from eport.refdata.models import Dept

from .models import UserKind


def unit_recipients(unit) -> list[str]:
    """Who hears about what a unit must see (a 解约 of its agreement, a dossier declared in its 关区): the
    active, not closed reviewer accounts of that unit with an e-mail address."""
    if unit is None:
        return []
    emails = (
        unit.staff.filter(kind=UserKind.REVIEWER, is_active=True, closed_at__isnull=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return sorted({e.strip().lower() for e in emails if e.strip()})


def customs_recipients(code: str) -> list[str]:
    """Who hears about what happens at a customs code (a port, a 关区): the reviewers of its customs unit
    and of its direct customs (XX00), which reviews for the offices below it."""
    code = (code or "").strip()
    if not direct_customs(code):
        return []
    units = {unit_for(Dept.CUSTOMS, code), unit_for(Dept.CUSTOMS, direct_customs(code))}
    return sorted({e for u in units if u is not None for e in unit_recipients(u)})


def enterprise_recipients(enterprise) -> list[str]:
    accounts = enterprise.users.filter(
        kind=UserKind.CARDLESS, is_active=True, closed_at__isnull=True, email_confirmed_at__isnull=False
    ).exclude(email="")
    if not enterprise.candidate:  # a candidate row's own account is its contact, as it typed it
        accounts = accounts.filter(verified_at__isnull=False)
    emails = [enterprise.contact_email, *accounts.values_list("email", flat=True)]
    return sorted({e.strip().lower() for e in emails if e and e.strip()})


def email_confirmation(user, link: str) -> None:
    """The link that confirms a new account's e-mail address (SPEC §8: before it files anything)."""
    with mail.site_language():
        subject = _("【电子口岸】请确认您的电子邮箱")
        body = _(
            "您注册了电子口岸无卡用户账号 %(u)s。请打开以下链接确认电子邮箱（%(d)d天内有效）：\n%(l)s\n"
            "如果不是您本人注册，请忽略本邮件。"
        ) % {"u": user.username, "d": settings.EMAIL_CONFIRMATION_DAYS, "l": link}
    mail.send_on_commit([user.email] if user.email else [], subject, body)


def account_registered(user) -> None:
    """Someone registered an account naming an established enterprise: its verified contacts are told, so
    the legal card can confirm or refuse it."""
    e = user.enterprise
    with mail.site_language():
        subject = _("【电子口岸】有新账号申请代表贵单位办理业务：%(u)s") % {"u": user.username}
        body = _(
            "有人注册了无卡用户账号 %(u)s（联系人 %(c)s，电话 %(p)s，邮箱 %(m)s），申请代表贵单位（%(e)s）办理业务。\n"
            "该账号在本企业法人卡确认前看不到、也不能办理本企业的任何业务。如确为本单位人员，请使用法人卡在"
            "“无卡用户账号管理”中确认；如不是，请拒绝。"
        ) % {"u": user.username, "c": user.contact_name, "p": user.phone, "m": user.email, "e": e.name}
    mail.send_on_commit(enterprise_recipients(e), subject, body)


def account_verified(user) -> None:
    with mail.site_language():
        subject = _("【电子口岸】账号已通过身份认证：%(u)s") % {"u": user.username}
        body = _("您的无卡用户账号 %(u)s 已通过身份认证（%(v)s），可以代表%(e)s办理业务。") % {
            "u": user.username,
            "v": user.get_verified_by_display(),
            "e": user.enterprise.name,
        }
    mail.send_on_commit([user.email] if user.email else [], subject, body)


def account_closed(user) -> None:
    with mail.site_language():
        subject = _("【电子口岸】账号已关闭：%(u)s") % {"u": user.username}
        body = _(
            "您的无卡用户账号 %(u)s 已关闭，不能再代表统一社会信用代码为 %(c)s 的企业办理业务。\n原因：%(r)s"
        ) % {"u": user.username, "c": user.enterprise.code, "r": user.closed_reason}
    mail.send_on_commit([user.email] if user.email else [], subject, body)
