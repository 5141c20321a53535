"""Cards: making (制卡), card sign-in, PIN change, and every state change through the transition table.

Every state change is one transaction: the card row is locked, the move checked against
`transitions.TABLE`, the certificate effect applied and a delta CRL issued, the audit written.
"""

import base64
import binascii
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport import notify
from eport.accounts.models import CARD_KINDS, ApiToken, User, UserKind
from eport.audit.services import record
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from eport.operators.kinds import CANCELLATION, open_applications
from eport.operators.models import Operator, OperatorStatus
from eport.pki import ca as pki_ca
from eport.pki.models import CertStatus
from eport.pki.services import certificate_record, certificate_set_status
from eport.throttles import services as throttles

from . import cardfile, challenges, pins, transitions
from .models import Card, CardKind, CardState
from .numbers import card_no_make, card_no_valid
from .selectors import card_get
from .transitions import Action

CHINA = ZoneInfo(settings.TIME_ZONE)  # card validity dates are China dates (Asia/Shanghai)
VOID_REASONS = {
    "cessation_of_operation": gettext_lazy("停止使用"),
    "affiliation_changed": gettext_lazy("人员或企业变更"),
    "key_compromise": gettext_lazy("卡片或密钥泄露"),
    "superseded": gettext_lazy("补办换卡"),
    "unspecified": gettext_lazy("其他"),
}


class CardRefused(DomainError):
    """A refused card sign-in: 401 when the caller has not proven the card, 403 when the card may not sign in."""

    status = 401


class CardBlocked(CardRefused):
    status = 403


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=CHINA)


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA)


def _subject(card: Card) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, card.enterprise.name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, card.enterprise.code),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, card.kind),
            x509.NameAttribute(NameOID.COMMON_NAME, card.holder_name[:64]),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, card.card_no),
        ]
    )


def _issue_certificate(card: Card, public_key):
    cert = pki_ca.issue_end_entity(
        public_key=public_key,
        subject=_subject(card),
        not_before=_day_start(card.valid_from),
        not_after=_day_end(card.valid_to),
    )
    return cert, certificate_record(cert=cert, subject_key=f"card:{card.card_no}")


def _card_file(card: Card, key, cert: x509.Certificate, password: str) -> bytes:
    ca = pki_ca.issuing_ca()
    return cardfile.card_file_seal(card.card_no, key, cert, [ca.certificate, ca.root], password)


def _require_ra(actor) -> None:
    if getattr(actor, "kind", None) != UserKind.RA or not actor.unit_id:
        raise Forbidden("ra_only", _("只有数据分中心（操作中心）可以办理。"))


# --- 制卡 ----------------------------------------------------------------------------------------


@dataclass
class MadeCard:
    card: Card
    initial_pin: str  # for signing in (the holder changes it at the first sign-in)
    card_file: bytes
    card_file_password: str  # opens card_file; kept nowhere


def card_make(*, actor, kind: str, enterprise_uscc: str, operator_no: str | None = None) -> MadeCard:
    """Make a card for an enterprise in the network (legal card) or one of its approved operators.

    The key is generated here and leaves only inside the card file returned once, sealed under its own
    card file password (returned once too, never stored, logged or audited).
    """
    _require_ra(actor)
    if kind not in CardKind.values:
        raise InvalidInput("kind_invalid", _("卡类型须为 legal（法人卡）或 operator（操作员卡）。"), "kind")
    uscc, operator_no = (enterprise_uscc or "").strip().upper(), (operator_no or "").strip()
    key = ec.generate_private_key(ec.SECP256R1())
    try:
        with transaction.atomic():
            card, cert, initial_pin = _card_make(
                actor=actor, kind=kind, uscc=uscc, operator_no=operator_no, public_key=key.public_key()
            )
    except IntegrityError:
        # A concurrent making for the same enterprise or operator won (the partial unique indexes);
        # anything else is a real error and goes on up.
        usable = Card.objects.exclude(state=CardState.VOIDED)
        if (
            usable.filter(kind=CardKind.LEGAL, enterprise__uscc=uscc).exists()
            if kind == CardKind.LEGAL
            else usable.filter(operator__operator_no=operator_no, operator__enterprise__uscc=uscc).exists()
        ):
            raise Conflict(*_duplicate(kind)) from None
        raise
    # The card file is sealed after the commit: its PBKDF2 rounds need no database lock (on SQLite the
    # write lock of every other request).
    password = cardfile.card_file_password()
    return MadeCard(
        card=card,
        initial_pin=initial_pin,
        card_file=_card_file(card, key, cert, password),
        card_file_password=password,
    )


def _duplicate(kind: str) -> tuple:
    if kind == CardKind.LEGAL:
        return (
            "legal_card_exists",
            _("该企业已有未作废的法人卡；如需换卡，请先作废原卡或办理补办。"),
            "enterprise_uscc",
        )
    return ("operator_card_exists", _("该操作员已有未作废的操作员卡。"), "operator_no")


def _card_make(*, actor, kind, uscc, operator_no, public_key) -> tuple:
    if not uscc:
        raise InvalidInput("field_required", _("请输入企业统一社会信用代码。"), "enterprise_uscc")
    # An enterprise first approved by organization code (old system) is found by that code until it has a USCC.
    enterprise = (
        Enterprise.objects.select_for_update(of=("self",))
        .select_related("card_issuer")
        .filter(
            Q(uscc=uscc) | Q(uscc__isnull=True, org_code=uscc), card_issuer__path__startswith=actor.unit.path
        )
        .first()
    )
    if enterprise is None:
        raise NotFound("enterprise_not_found", _("本分中心辖区内没有这家企业。"), "enterprise_uscc")
    if not enterprise.in_network:
        raise Conflict("enterprise_not_in_network", _("企业尚未入网，不能制卡。"), "enterprise_uscc")
    operator = None
    if kind == CardKind.LEGAL:
        if operator_no:
            raise InvalidInput("operator_not_expected", _("法人卡不填写操作员编号。"), "operator_no")
        if Card.objects.filter(enterprise=enterprise, kind=kind).exclude(state=CardState.VOIDED).exists():
            raise Conflict(*_duplicate(kind))
        holder = (enterprise.legal_rep_name, enterprise.legal_rep_id_type, enterprise.legal_rep_id_no)
    else:
        if not operator_no:
            raise InvalidInput("field_required", _("请输入操作员统一编号。"), "operator_no")
        operator = (
            Operator.objects.select_for_update()
            .filter(enterprise=enterprise, operator_no=operator_no)
            .first()
        )
        if operator is None:
            raise NotFound("operator_not_found", _("该企业没有这个操作员。"), "operator_no")
        if operator.status != OperatorStatus.APPROVED:
            raise Conflict("operator_not_approved", _("操作员信息尚未审核通过，不能制卡。"), "operator_no")
        if operator.cards.exclude(state=CardState.VOIDED).exists():
            raise Conflict(*_duplicate(kind))
        if open_applications(operator.operator_no, CANCELLATION).exists():
            raise Conflict("operator_cancelling", _("该操作员正在注销申报中，不能制卡。"), "operator_no")
        holder = (operator.name, operator.id_type, operator.id_no)
    if not holder[0]:
        raise Conflict("holder_missing", _("企业法人信息不完整，不能制卡。"), "enterprise_uscc")

    today = timezone.localdate()
    card = Card(
        kind=kind,
        enterprise=enterprise,
        operator=operator,
        holder_name=holder[0],
        holder_id_type=holder[1],
        holder_id_no=holder[2],
        issuer=enterprise.card_issuer,
        valid_from=today,
        valid_to=today + dt.timedelta(days=settings.CARD_VALIDITY_DAYS),
        made_by=actor,
    )
    card.save()
    card.card_no = card_no_make(kind=kind, issuer_code=enterprise.card_issuer.code, serial=card.pk)
    # The card's account: a name registration cannot produce (":" is not allowed there), no password.
    user = User(
        username=f"card:{card.card_no}",
        enterprise=enterprise,
        kind=UserKind.LEGAL_CARD if kind == CardKind.LEGAL else UserKind.OPERATOR_CARD,
    )
    user.set_unusable_password()
    user.save()
    card.user = user
    cert, card.certificate = _issue_certificate(card, public_key)
    initial_pin = pins.pin_initial()
    card.pin_hash = pins.pin_verifier(card.card_no, initial_pin)
    card.save(update_fields=["card_no", "user", "certificate", "pin_hash"])
    record(
        actor=actor,
        action="card.make",
        obj=card,
        after={
            "card_no": card.card_no,
            "kind": kind,
            "uscc": enterprise.code,
            "holder": card.holder_name,
            "valid_to": card.valid_to,
            "serial": card.certificate.serial,
        },
    )
    notify.card_changed(card, _("制卡"))
    return card, cert, initial_pin


# --- 卡介质登录 -----------------------------------------------------------------------------------

BLOCKED = {
    "card_voided": gettext_lazy("IC卡已作废，不能使用。"),
    "card_lost": gettext_lazy("IC卡已挂失，不能使用。"),
    "card_frozen": gettext_lazy("IC卡已冻结，不能使用。"),
    "card_locked": gettext_lazy(
        "IC卡密码错误次数过多，卡已锁定：操作员卡请由企业法人卡解锁，法人卡请到数据分中心解锁。"
    ),
    "card_expired": gettext_lazy("IC卡已过有效期，不能使用。"),
    "card_not_yet_valid": gettext_lazy("IC卡尚未生效。"),
    "certificate_on_hold": gettext_lazy("IC卡证书已被暂停使用。"),
    "certificate_revoked": gettext_lazy("IC卡证书已被吊销。"),
}


def _audit_refusal(
    refusal: DomainError, card_no: str, *, ip: str | None = None, action: str = "card.sign_in_refused"
) -> DomainError:
    """Record a refused card check in the caller's transaction (which commits: the refusal is raised
    only after it), with the caller's address."""
    record(
        actor=None,
        action=action,
        object_type="cards.card",
        object_id=(card_no or "")[:64],
        reason=refusal.code,
        ip=ip,
    )
    return refusal


def _verify_signature(cert_der: bytes, nonce: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64 or "", validate=True)
        public_key = x509.load_der_x509_certificate(cert_der).public_key()
        public_key.verify(signature, nonce, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def _card_for_proof(card_no: str, *, lock: bool) -> Card | None:
    qs = Card.objects.select_related("certificate", "user", "enterprise", "issuer", "operator")
    if lock:
        qs = qs.select_for_update(of=("self",))
    return qs.filter(card_no=card_no).first()


def _proof_refusal(
    card: Card | None, card_no: str, challenge_id: str, signature: str, purpose: str
) -> DomainError | None:
    """Does the caller hold the card? A fresh challenge for this card number and purpose (now used up,
    whatever follows), signed by the key of the card's current certificate."""
    try:
        nonce = challenges.challenge_nonce(challenge_id, card_no, purpose)
        challenges.challenge_use(challenge_id)
    except challenges.ChallengeRefused as e:
        return CardRefused(e.code, e.message, "challenge_id")
    if (
        card is None
        or card.certificate is None
        or not _verify_signature(bytes(card.certificate.der), nonce, signature)
    ):
        # An unknown card answers like a wrong signature (no probing which numbers exist); the audit tells.
        message = _("IC卡签名验证失败：请确认插入的是这张卡。")
        return (
            CardRefused("signature_invalid", message, "signature")
            if card
            else _Unknown("card_unknown", message, "signature")
        )
    return None


class _Unknown(CardRefused):
    """Audited as card_unknown, answered as signature_invalid."""

    def as_dict(self) -> dict:
        return {**super().as_dict(), "code": "signature_invalid"}


def _usable_refusal(card: Card) -> DomainError | None:
    """Everything but the PIN: the certificate chains to our CA, then Card.blocker()."""
    if not pki_ca.issued_by_us(bytes(card.certificate.der)):
        return CardRefused("certificate_untrusted", _("IC卡证书不是本系统CA签发的。"))
    code = card.blocker()
    return CardBlocked(code, BLOCKED[code]) if code else None


def _pin_refusal(card: Card, pin: str, field: str = "pin") -> DomainError | None:
    """Inside the caller's transaction, the card row locked: count a wrong PIN and lock the card at
    the limit; a right one resets the count. The changes are saved here."""
    limit = settings.CARD_PIN_LIMIT
    if pins.pin_matches(card, pin):
        card.pin_failures = 0
        return None
    card.pin_failures += 1
    card.pin_locked = card.pin_failures >= limit
    card.save(update_fields=["pin_failures", "pin_locked"])
    if card.pin_locked:
        _end_sessions(card)
        record(actor=None, action="card.pin_locked", obj=card, after={"pin_failures": card.pin_failures})
        notify.card_changed(card, _("密码连续输错锁定"))
        return CardBlocked("card_locked", _("IC卡密码已连续输错%(n)d次，卡已锁定。") % {"n": limit}, field)
    return CardRefused(
        "pin_wrong", _("IC卡密码不正确，还可以尝试%(n)d次。") % {"n": limit - card.pin_failures}, field
    )


def _end_sessions(card: Card, keep_token: str | None = None) -> None:
    """Sign the card out everywhere: its API tokens go, and a new unusable password changes the
    account's session hash, so Django ends every browser session of it on its next request."""
    user = card.user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user_id=user.pk).exclude(key_hash=ApiToken.hash(keep_token or "")).delete()


def card_sign_in(
    *, challenge_id: str, card_no: str, signature: str, pin: str, ip: str | None = None, then=None
) -> Card:
    """卡介质登录 (SPEC §4): the card proven by its signature, usable, and the PIN right.

    One transaction, one commit, whatever the outcome: the challenge is used up, a refusal audited and a
    wrong PIN counted, and only then is the refusal raised. The signature is checked before the PIN, so
    only the card's holder can spend PIN attempts. `then(card)` (e.g. issuing the API token) runs in the
    same transaction on success."""
    card_no = (card_no or "").strip()
    if not card_no_valid(card_no):
        raise CardRefused("card_no_invalid", _("IC卡号格式不正确。"), "card_no")  # not audited: no card
    with transaction.atomic():
        card = _card_for_proof(card_no, lock=True)
        refusal = (
            _proof_refusal(card, card_no, challenge_id, signature, challenges.LOGIN)
            or _usable_refusal(card)
            or _pin_refusal(card, pin)
        )
        if refusal is None:
            card.last_sign_in_at = timezone.now()
            card.save(update_fields=["pin_failures", "last_sign_in_at"])
            record(actor=card.user, action="card.sign_in", obj=card, ip=ip)
            if then is not None:
                then(card)
        else:
            # Throttled only once refused (a refusal comes from someone without the card key or PIN, so
            # the holder behind the same address as a flood still signs in): over a limit the 429 goes
            # out and this refusal is neither counted nor written.
            throttles.credential_refused(
                account=throttles.card_key(card_no), ip=ip, code="card_login_throttled"
            )
            _audit_refusal(refusal, card_no, ip=ip)
    if refusal is not None:
        raise refusal
    return card


def card_pin_change(*, actor, old_pin: str, new_pin: str, keep_token: str | None = None) -> Card:
    """修改IC卡密码: the first sign-in must do this before anything else. Every other session of the
    card ends (the caller keeps its own: the screen refreshes its session hash, the API keeps its token)."""
    if getattr(actor, "kind", None) not in CARD_KINDS:
        raise Forbidden("card_only", _("请使用IC卡登录后修改IC卡密码。"))
    if not old_pin:
        raise InvalidInput("pin_required", _("请输入原IC卡密码。"), "old_pin")
    pins.pin_check_new(new_pin, old_pin)
    with transaction.atomic():
        card = (
            Card.objects.select_for_update(of=("self",))
            .select_related("user", "certificate")
            .get(user_id=actor.pk)
        )
        code = card.blocker()
        if code:
            refusal = CardBlocked(code, BLOCKED[code])
        else:  # a PIN guess: throttled like a sign-in, per client address and per card from that address
            account = throttles.card_key(card.card_no)
            throttles.credential_check(account=account, code="pin_change_throttled", field="old_pin")
            refusal = _pin_refusal(card, old_pin, field="old_pin")
            if refusal is not None:
                throttles.credential_failed(account=account)
        if refusal is None:
            card.pin_hash = pins.pin_verifier(card.card_no, new_pin)
            card.must_change_pin = False
            card.version += 1
            card.save(update_fields=["pin_hash", "pin_failures", "must_change_pin", "version"])
            _end_sessions(card, keep_token=keep_token)
            record(actor=actor, action="card.pin_change", obj=card)
        else:
            _audit_refusal(refusal, card.card_no, action="card.pin_change_refused")
    if refusal is not None:
        raise refusal
    return card


# --- state changes: one table -------------------------------------------------------------------


def card_refusal(actor, card: Card, action: str) -> DomainError | None:
    """Why the actor may not run the action on the card now (None: it may). Who may, from the table's
    rules; the state move; and the action's own condition."""
    kind = getattr(actor, "kind", None)
    if kind == UserKind.LEGAL_CARD and action in transitions.LEGAL_CARD_ACTIONS:
        if card.kind not in transitions.SELF_SERVICE_KINDS:
            return Forbidden(
                "legal_card_at_subcentre",
                _("法人卡本身的延期、挂失、解挂等业务沿用旧流程，请到数据分中心办理。"),
            )
        if (action == Action.CANCEL_LOST and card.lost_by_ra) or (
            action == Action.UNFREEZE and card.frozen_by_ra
        ):
            return Forbidden(
                "held_by_subcentre", _("这张卡由数据分中心挂失或冻结，须到数据分中心办理解挂或解冻。")
            )
    elif not (kind == UserKind.RA and action in transitions.RA_ACTIONS):
        return Forbidden(
            "card_action_forbidden", _("您无权对这张卡办理%(a)s。") % {"a": transitions.LABELS[action]}
        )
    if transitions.move_for(action, card.state) is None:
        if card.state == CardState.VOIDED:
            return Conflict("card_voided", _("IC卡已作废，不能再办理业务。"))
        return Conflict(
            "state_conflict",
            transitions.REFUSALS.get(
                (action, card.state),
                _("IC卡当前状态（%(s)s）不能办理%(a)s。")
                % {"s": card.display_state, "a": transitions.LABELS[action]},
            ),
        )
    if card.certificate_id is None:
        return Conflict("card_incomplete", _("IC卡尚未制作完成，不能办理业务。"))
    if action == Action.UNLOCK and not card.pin_locked:
        return Conflict("card_not_locked", _("IC卡未锁定，无需解锁。"))
    if action == Action.RENEW:
        if card.expired:
            return Conflict("card_expired", _("IC卡已过有效期，不能延期，请重新申请制卡。"))
        window = settings.CARD_RENEW_WINDOW_DAYS
        if (card.valid_to - timezone.localdate()).days > window:
            return Conflict(
                "renew_too_early",
                _("IC卡在有效期届满前%(n)d天内才能办理延期（有效期至 %(d)s）。")
                % {"n": window, "d": card.valid_to},
            )
        if _renewed_to(card) <= card.valid_to:
            return Conflict("ca_expiring", _("签发CA的有效期不足，不能再延期：请联系系统管理员更新CA。"))
    return None


def _renewed_to(card: Card) -> dt.date:
    """延期 adds the configured term, but never beyond the issuing CA's own validity."""
    ca_end = pki_ca.issuing_ca().certificate.not_valid_after_utc.astimezone(CHINA).date() - dt.timedelta(
        days=1
    )
    return min(card.valid_to + dt.timedelta(days=settings.CARD_RENEW_DAYS), ca_end)


def card_actions(actor, card: Card) -> list[str]:
    """The actions the actor may run on the card now (the buttons a screen shows): the same rule as card_act."""
    return [a for a in transitions.TABLE if card_refusal(actor, card, a) is None]


def card_act(
    *,
    actor,
    card_no: str,
    action: str,
    reason: str = "",
    challenge_id: str = "",
    signature: str = "",
    version=None,
) -> Card:
    """Run one action of the transition table on a card the actor may see (404 otherwise).

    `version`, when given, is the card's version the caller saw (the screens always send it): if the card
    changed since, the action is refused with 409 — of two people acting on one card at once, exactly
    one wins, even when the table would allow both moves in a row.

    解锁 sets a new one-time PIN, returned once as `card.issued_pin` (the holder forgot the old one:
    that is why cards lock), and the holder must change it at the next sign-in."""
    if action not in transitions.TABLE:
        raise NotFound("action_unknown", _("没有这项IC卡业务。"))
    if action == Action.VOID and reason and reason not in VOID_REASONS:
        raise InvalidInput("reason_invalid", _("作废原因不正确。"), "reason")
    if action == Action.RENEW:
        # Scope and rules first (no challenge spent, nothing audited for someone who may not), then the
        # card being renewed proves it is present (插入所需延期的卡), in a transaction of its own that
        # commits the used challenge and any refusal.
        card = card_get(actor, card_no)
        if (refusal := card_refusal(actor, card, action)) is not None:
            raise refusal
        with transaction.atomic():
            refusal = _proof_refusal(card, card.card_no, challenge_id, signature, challenges.RENEW)
            if refusal is not None:
                _audit_refusal(refusal, card.card_no, action="card.renew_refused")
        if refusal is not None:
            raise refusal
    with transaction.atomic():
        card = card_get(actor, card_no, for_update=True)
        _check_version(card, version)
        if (refusal := card_refusal(actor, card, action)) is not None:
            raise refusal
        return _move(card, action, actor=actor, reason=reason)


def _check_version(card: Card, version) -> None:
    if version in (None, ""):
        return
    try:
        seen = int(version)
    except (TypeError, ValueError):
        raise InvalidInput("version_invalid", _("版本号必须是数字。"), "version") from None
    if seen != card.version:
        raise Conflict(
            "stale_version",
            _("IC卡已被他人办理过业务（当前状态：%(s)s），请刷新后再办理。") % {"s": card.display_state},
            "version",
        )


def _move(card: Card, action: str, *, actor, reason: str = "") -> Card:
    """Apply the table's move to a card locked by the caller, who has checked who may: the state, the
    certificate effect (a delta CRL issued), sessions ended, the audit, and the enterprise told on commit."""
    move = transitions.move_for(action, card.state)
    before = _snapshot(card)
    card.state = move.new_state
    by_ra = getattr(actor, "kind", None) == UserKind.RA
    if action in (Action.REPORT_LOST, Action.CANCEL_LOST):
        card.lost_by_ra = by_ra and action == Action.REPORT_LOST
    if action in (Action.FREEZE, Action.UNFREEZE):
        card.frozen_by_ra = by_ra and action == Action.FREEZE
    _certificate_effect(card, move.effect, action, reason)
    if action == Action.UNLOCK:
        card.issued_pin = pins.pin_initial()
        card.pin_hash = pins.pin_verifier(card.card_no, card.issued_pin)
        card.pin_locked, card.pin_failures, card.must_change_pin = False, 0, True
    card.version += 1
    card.save()
    if card.state != CardState.NORMAL or action == Action.UNLOCK:
        _end_sessions(card)  # a held or voided card is signed out everywhere
    if action == Action.VOID:
        card.user.is_active = False
        card.user.save(update_fields=["is_active"])
    record(
        actor=actor, action=f"card.{action}", obj=card, before=before, after=_snapshot(card), reason=reason
    )
    notify.card_changed(card, str(transitions.LABELS[action]))
    return card


def legal_cards_supersede(*, enterprise, actor, reason: str = "superseded") -> list[Card]:
    """补办法人卡 approved: the enterprise's legal card(s) still in use are voided (the certificate revoked
    as superseded), so the sub-centre can make the new one. The kind's approval decides who may."""
    cards = list(
        Card.objects.select_for_update(of=("self",))
        .select_related("certificate", "user", "enterprise")
        .filter(enterprise=enterprise, kind=CardKind.LEGAL)
        .exclude(state=CardState.VOIDED)
        .order_by("id")
    )
    return [_move(c, Action.VOID, actor=actor, reason=reason) for c in cards]


def _certificate_effect(card: Card, effect: str | None, action: str, reason: str) -> None:
    cert = card.certificate
    if effect == transitions.HOLD:
        certificate_set_status(cert, status=CertStatus.HOLD, reason="certificate_hold")
    elif effect == transitions.RELEASE:
        certificate_set_status(cert, status=CertStatus.GOOD)
    elif effect == transitions.REVOKE:
        certificate_set_status(cert, status=CertStatus.REVOKED, reason=reason or "cessation_of_operation")
    elif effect == transitions.REISSUE:
        card.valid_to = _renewed_to(card)
        public_key = x509.load_der_x509_certificate(bytes(cert.der)).public_key()
        _cert, card.certificate = _issue_certificate(card, public_key)
        if card.state in transitions.HELD_STATES:  # a frozen card's new certificate starts on hold too
            certificate_set_status(card.certificate, status=CertStatus.HOLD, reason="certificate_hold")
        certificate_set_status(cert, status=CertStatus.REVOKED, reason="superseded")


def _snapshot(card: Card) -> dict:
    return {
        "state": card.state,
        "pin_locked": card.pin_locked,
        "valid_to": card.valid_to,
        "serial": card.certificate.serial if card.certificate_id else None,
    }


def card_gate(user, card: Card | None = None) -> str | None:
    """What a signed-in card holder may do now: None (anything), "pin_change_required", or "card_unusable"
    (voided, lost, frozen, locked, expired or its certificate held since sign-in: the session ends)."""
    if card is None:  # `card`: the caller's fresh copy (the API token look-up loads it with the account)
        card = Card.objects.select_related("certificate").filter(user_id=user.pk).first()
    if card is None or card.blocker():
        return "card_unusable"
    return "pin_change_required" if card.must_change_pin else None
