"""Proving who acts for an enterprise (SPEC §8), and what follows once one account is proven.

A card-less account is verified by one of:
- the enterprise's legal card approving it (`account_approve`; the legal card may also refuse, or close an
  account it approved earlier: `account_refuse`);
- an electronic business-licence assertion naming the account's USCC and the nonce it was handed
  (`account_verify_licence`; registry/licence.py checks the signature);
- for an enterprise not yet in the network, the approval of its 三证合一 entry (`enterprise_established`,
  called by the entry kind: 工商 checked the licence).

When one is verified, the others naming that enterprise are told and closed: the unverified accounts of the
established row, and every other candidate row of the USCC with its accounts and open applications. What an
account may do meanwhile is decided in one place, accounts/trust.py.
"""

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from eport.accounts import notify
from eport.accounts.models import User, UserKind, Verification
from eport.accounts.permissions import require_legal_card
from eport.applications.models import OPEN_STATUSES, Application
from eport.applications.services import applications_close
from eport.audit.services import record
from eport.enterprises.codes import Code
from eport.errors import Conflict, Forbidden, InvalidInput, NotFound
from eport.registry.licence import licence_verifier

from .models import Enterprise

# Account states as the legal card's screen and the API name them.
PENDING, VERIFIED, CLOSED = "pending", "verified", "closed"
STATES = {
    PENDING: gettext_lazy("待确认"),
    VERIFIED: gettext_lazy("已认证"),
    CLOSED: pgettext_lazy("account", "已关闭"),
}
OTHER_VERIFIED = gettext_lazy(
    "本企业已由其他账号完成身份认证，本账号已关闭。如确为本企业人员，请联系本企业法人卡持有人。"
)
REFUSED = gettext_lazy("本企业法人卡拒绝了本账号代表企业办理业务。")
_LICENCE_SALT = "eport.enterprises.licence-nonce"


def account_state(user: User) -> str:
    if user.closed_at is not None:
        return CLOSED
    return VERIFIED if user.is_verified else PENDING


# --- the legal card decides ------------------------------------------------------------------------


def _legal_card_enterprise(actor) -> Enterprise:
    return require_legal_card(actor, purpose="accounts")


def enterprise_accounts(actor, *, state: str | None = None) -> QuerySet:
    """The card-less accounts naming the legal card's enterprise, pending ones first."""
    enterprise = _legal_card_enterprise(actor)
    qs = User.objects.filter(kind=UserKind.CARDLESS, enterprise=enterprise)
    if state not in (None, "", PENDING, VERIFIED, CLOSED):
        raise InvalidInput(Code.STATE_INVALID, _("账号状态只能是 pending、verified 或 closed。"), "state")
    if state == PENDING:
        qs = qs.filter(verified_at__isnull=True, closed_at__isnull=True)
    elif state == VERIFIED:
        qs = qs.filter(verified_at__isnull=False, closed_at__isnull=True)
    elif state == CLOSED:
        qs = qs.filter(closed_at__isnull=False)
    return qs.order_by("closed_at", "verified_at", "-date_joined", "-id")


def lock_namers(enterprise: Enterprise) -> None:
    """Lock, before anything is written, what proving an account of this enterprise may change: the open
    card-less accounts naming it or its USCC's candidates (ids ascending), those candidates and their open
    applications. The audit chain's head is taken by the first audit row and held to the commit, so a row
    locked after it could deadlock with a transaction that holds that row and waits for the head."""
    names = Q(enterprise=enterprise)
    if enterprise.uscc:
        names |= Q(enterprise__uscc=enterprise.uscc, enterprise__candidate=True)
    list(
        User.objects.select_for_update(of=("self",))
        .filter(names, kind=UserKind.CARDLESS, closed_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if enterprise.uscc:
        candidates = list(
            Enterprise.objects.select_for_update()
            .filter(uscc=enterprise.uscc, candidate=True)
            .exclude(pk=enterprise.pk)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        list(
            Application.objects.select_for_update()
            .filter(enterprise_id__in=candidates, status__in=OPEN_STATUSES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _account_for_legal_card(actor, account_id) -> User:
    try:
        pk = int(account_id)
    except (TypeError, ValueError):
        pk = -1
    enterprise = _legal_card_enterprise(actor)
    lock_namers(enterprise)
    user = (
        User.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(pk=pk, kind=UserKind.CARDLESS, enterprise=enterprise)
        .first()
    )
    if user is None:
        raise NotFound(Code.ACCOUNT_NOT_FOUND, _("没有找到这个无卡用户账号。"))
    return user


@transaction.atomic
def account_approve(*, actor, account_id) -> User:
    """The legal card confirms that this account acts for its enterprise."""
    user = _account_for_legal_card(actor, account_id)
    if account_state(user) != PENDING:
        raise Conflict(
            Code.ACCOUNT_NOT_PENDING,
            _("只有待确认的账号可以确认（当前：%(s)s）。") % {"s": STATES[account_state(user)]},
        )
    _verified(user, via=Verification.LEGAL_CARD, actor=actor)
    return user


@transaction.atomic
def account_refuse(*, actor, account_id, reason: str = "") -> User:
    """The legal card refuses a pending account, or withdraws one it confirmed earlier (停用): it is closed."""
    user = _account_for_legal_card(actor, account_id)
    if account_state(user) == CLOSED:
        raise Conflict(Code.ACCOUNT_ALREADY_CLOSED, _("这个账号已经关闭。"))
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise InvalidInput(Code.REASON_TOO_LONG, _("原因不能超过200字。"), "reason")
    _close(user, reason=reason or str(REFUSED), actor=actor)
    return user


# --- the electronic business licence -------------------------------------------------------------


def _require_unverified(user) -> None:
    if getattr(user, "kind", None) != UserKind.CARDLESS or user.enterprise_id is None:
        raise Forbidden(Code.CARDLESS_ONLY, _("只有无卡用户账号需要身份认证。"))
    if user.closed_at is not None:
        raise Forbidden(Code.ACCOUNT_CLOSED, _("账号已关闭：%(r)s") % {"r": user.closed_reason})
    if user.is_verified:
        raise Conflict(Code.ALREADY_VERIFIED, _("账号已经通过身份认证。"))


def licence_challenge(*, user) -> dict:
    """A nonce for the licence app to sign into its assertion, bound to this account and short-lived."""
    _require_unverified(user)
    verifier = licence_verifier()
    if not verifier.available:
        raise Conflict(
            Code.LICENCE_UNAVAILABLE, _("本系统未配置电子营业执照签发机构，暂不能使用电子营业执照认证。")
        )
    nonce = signing.dumps({"u": user.pk}, salt=_LICENCE_SALT, compress=True)
    return {
        "nonce": nonce,
        "app_url": verifier.app_url,
        "uscc": user.enterprise.uscc,
        "expires_in": settings.LICENCE_CHALLENGE_SECONDS,
    }


@transaction.atomic
def account_verify_licence(*, user, assertion: str) -> User:
    """The licence app's assertion proves the account: signed by the trusted issuer, for this portal, for
    the account's USCC, carrying a nonce handed to this very account."""
    _require_unverified(user)  # a card-less account of an enterprise, before anything is locked
    lock_namers(Enterprise.objects.get(pk=user.enterprise_id))
    user = User.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=user.pk)
    _require_unverified(user)
    claims = licence_verifier().verify(assertion)
    try:
        payload = signing.loads(claims.nonce, salt=_LICENCE_SALT, max_age=settings.LICENCE_CHALLENGE_SECONDS)
    except signing.SignatureExpired:
        raise InvalidInput(
            Code.LICENCE_NONCE_EXPIRED, _("认证已超时，请重新发起电子营业执照认证。"), "assertion"
        ) from None
    except signing.BadSignature:
        payload = None
    if not isinstance(payload, dict) or payload.get("u") != user.pk:
        raise InvalidInput(
            Code.LICENCE_NONCE_INVALID,
            _("这份电子营业执照授权不是为本账号发起的，请重新发起认证。"),
            "assertion",
        )
    if claims.uscc != user.enterprise.uscc:
        raise InvalidInput(
            Code.LICENCE_USCC_MISMATCH, _("电子营业执照的统一社会信用代码与本账号登记的不一致。"), "assertion"
        )
    enterprise = Enterprise.objects.select_for_update().get(pk=user.enterprise_id)
    if enterprise.candidate and claims.name:
        # The licence names the enterprise as registered; a candidate row only had what was typed.
        enterprise.name = claims.name
        enterprise.save(update_fields=["name", "updated_at"])
    _establish(enterprise)
    _verified(user, via=Verification.LICENCE, actor=user, reason=claims.issuer)
    return user


# --- the 三证合一 entry approved ----------------------------------------------------------------------


def enterprise_established(*, enterprise: Enterprise, account) -> None:
    """An entry was approved (in its transaction): the enterprise row is the USCC's, its applicant verified."""
    lock_namers(enterprise)
    _establish(enterprise)
    if account is not None and account.kind == UserKind.CARDLESS and account.enterprise_id == enterprise.pk:
        account = User.objects.select_for_update().get(pk=account.pk)
        if account.closed_at is None and not account.is_verified:
            _verified(account, via=Verification.ENTRY, actor=None)


def _establish(enterprise: Enterprise) -> None:
    """A candidate row becomes the USCC's established row (unique among those)."""
    if not enterprise.candidate:
        return
    enterprise.candidate = False
    try:
        with transaction.atomic():
            enterprise.save(update_fields=["candidate", "updated_at"])
    except IntegrityError:
        raise Conflict(
            Code.USCC_ESTABLISHED, _("该统一社会信用代码的企业已由其他账号完成认证或入网。"), "uscc"
        ) from None
    record(actor=None, action="enterprise.establish", obj=enterprise, after={"uscc": enterprise.uscc})


def established_elsewhere(enterprise: Enterprise) -> bool:
    """Is another row of this candidate's USCC established (so the candidate can no longer enter)?"""
    return enterprise.candidate and Enterprise.objects.filter(uscc=enterprise.uscc, candidate=False).exists()


def others_naming(enterprise: Enterprise) -> int:
    """How many other open accounts name this enterprise's USCC (on other candidate rows, or unverified)."""
    return (
        (
            User.objects.filter(
                kind=UserKind.CARDLESS, closed_at__isnull=True, enterprise__uscc=enterprise.uscc
            )
            .exclude(enterprise=enterprise)
            .count()
        )
        if enterprise.uscc
        else 0
    )


# --- what follows -----------------------------------------------------------------------------------


def _verified(user: User, *, via: str, actor, reason: str = "") -> None:
    """Mark the account verified, then close the others naming its enterprise; everyone is told on commit."""
    user.verified_at, user.verified_by = timezone.now(), via
    user.save(update_fields=["verified_at", "verified_by"])
    record(actor=actor, action="account.verify", obj=user, after={"verified_by": via}, reason=reason)
    notify.account_verified(user)
    enterprise = user.enterprise
    assert enterprise is not None  # only an account naming an enterprise is verified
    others = User.objects.select_for_update().filter(
        kind=UserKind.CARDLESS, enterprise=enterprise, verified_at__isnull=True, closed_at__isnull=True
    )
    for other in others.exclude(pk=user.pk).order_by("pk"):
        _close(other, reason=str(OTHER_VERIFIED), actor=None)
    candidates_close(enterprise)


def candidates_close(enterprise: Enterprise) -> None:
    """The USCC is established by this row: every other candidate row of it closes, with its accounts (told)
    and its open applications."""
    if not enterprise.uscc:
        return
    for candidate in (
        Enterprise.objects.select_for_update()
        .filter(uscc=enterprise.uscc, candidate=True)
        .exclude(pk=enterprise.pk)
        .order_by("pk")
    ):
        for other in candidate.users.select_for_update().filter(
            kind=UserKind.CARDLESS, closed_at__isnull=True
        ):
            _close(other, reason=str(OTHER_VERIFIED), actor=None)
        applications_close(enterprise=candidate, reason=str(OTHER_VERIFIED))


def _close(user: User, *, reason: str, actor) -> None:
    """The account stays able to sign in, so it is told why, but may do nothing more (accounts/trust.py)."""
    before = {"verified_at": user.verified_at, "closed_at": None}
    user.closed_at, user.closed_reason = timezone.now(), reason[:200]
    user.save(update_fields=["closed_at", "closed_reason"])
    record(
        actor=actor,
        action="account.close",
        obj=user,
        before=before,
        after={"closed_at": user.closed_at},
        reason=user.closed_reason,
    )
    notify.account_closed(user)
