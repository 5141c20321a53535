"""What a card-less account may do before it is proven to act for its enterprise (SPEC §8).

Registering proves nothing (a USCC is public), so a new account is unverified. It works on an enterprise
row of its own (`Enterprise.candidate`: made by its registration for a USCC nobody has established), as
before: its 三证合一 entry, pre-entries and commerce filing, seeing only what it typed. An account named
for an established enterprise (in the network, or proven by another account) sees nothing of that
enterprise and files nothing until it is verified (enterprises/trust.py). Filing also needs a confirmed
e-mail address. This is the one place that says so; selectors, services, the API and the screens ask it.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.accounts.codes import Code
from eport.errors import Forbidden

from .models import UserKind

UNVERIFIED = gettext_lazy(
    "账号尚未通过身份认证：请由本企业法人卡确认本账号，或使用电子营业执照认证，认证后才能查看和办理本企业业务。"
)
EMAIL_UNCONFIRMED = gettext_lazy("请先点击注册邮件中的链接确认电子邮箱，确认后才能办理业务。")


def trust_refusal(user, *, filing: bool = False) -> Forbidden | None:
    """Why this card-less account may not read (or, with `filing`, change) its enterprise's records now;
    None when it may. Other actor kinds are not concerned (staff and cards are proven otherwise)."""
    if getattr(user, "kind", None) != UserKind.CARDLESS:
        return None
    enterprise = user.enterprise
    if enterprise is None:
        return Forbidden(Code.ENTERPRISE_ACTOR_REQUIRED, _("只有企业用户可以办理此业务。"))
    if user.closed_at is not None:
        return Forbidden(Code.ACCOUNT_CLOSED, _("账号已关闭：%(r)s") % {"r": user.closed_reason})
    if not user.is_verified and not enterprise.candidate:
        return Forbidden(Code.UNVERIFIED_ACCOUNT, UNVERIFIED)
    if filing and not user.email_confirmed:
        return Forbidden(Code.EMAIL_UNCONFIRMED, EMAIL_UNCONFIRMED)
    return None


def require_trusted(user, *, filing: bool = False) -> None:
    if (refusal := trust_refusal(user, filing=filing)) is not None:
        raise refusal
