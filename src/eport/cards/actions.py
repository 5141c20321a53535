"""IC卡业务: every state change of a card through the one transition table (transitions.py).

Each change is one transaction: the card row is locked, the move checked against `transitions.TABLE`, the
certificate effect applied and a delta CRL issued, sessions ended, the audit written, the enterprise told on
commit (`_move`). The actors' actions come in through `card_act`; the system's (a PIN lock, a reissue's void)
call `_move` the same way.
"""

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import ApiToken, User, UserKind
from eport.audit.services import record
from eport.cards.codes import Code
from eport.enterprises.models import Enterprise
from eport.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from eport.pki import ca as pki_ca
from eport.pki.models import CertStatus
from eport.pki.services import certificate_set_status

from . import challenges, notify, pins, transitions
from .making import CHINA, issue_certificate
from .models import Card, CardKind, CardState, VoidReason
from .proof import audit_refusal, proof_refusal
from .selectors import card_get
from .transitions import Action

VOID_REASONS = dict(VoidReason.choices)


@dataclass(frozen=True)
class CardActed:
    """What a card action did: the card as saved and, for 解锁, its new one-time PIN (the holder forgot the
    old one: that is why cards lock), for the caller to show once; it is kept nowhere."""

    card: Card
    one_time_pin: str | None = None


def end_sessions(card: Card, keep_token: str | None = None) -> None:
    """Sign the card out everywhere: its API tokens go, and a new unusable password changes the
    account's session hash, so Django ends every browser session of it on its next request."""
    user = card.made_user
    user.set_unusable_password()
    user.save(update_fields=["password"])
    ApiToken.objects.filter(user_id=user.pk).exclude(key_hash=ApiToken.hash(keep_token or "")).delete()


def card_refusal(actor: User, card: Card, action: str) -> DomainError | None:
    """Why the actor may not run the action on the card now (None: it may). Who may, from the table's
    rules; the state move; and the action's own condition."""
    kind = getattr(actor, "kind", None)
    if kind == UserKind.LEGAL_CARD and action in transitions.LEGAL_CARD_ACTIONS:
        if card.kind not in transitions.SELF_SERVICE_KINDS:
            return Forbidden(
                Code.LEGAL_CARD_AT_SUBCENTRE,
                _("法人卡本身的延期、挂失、解挂等业务沿用旧流程，请到数据分中心办理。"),
            )
        if (action == Action.CANCEL_LOST and card.lost_by_ra) or (
            action == Action.UNFREEZE and card.frozen_by_ra
        ):
            return Forbidden(
                Code.HELD_BY_SUBCENTRE, _("这张卡由数据分中心挂失或冻结，须到数据分中心办理解挂或解冻。")
            )
    elif not (kind == UserKind.RA and action in transitions.RA_ACTIONS):
        return Forbidden(
            Code.CARD_ACTION_FORBIDDEN, _("您无权对这张卡办理%(a)s。") % {"a": transitions.LABELS[action]}
        )
    if transitions.move_for(action, card.state) is None:
        if card.state == CardState.VOIDED:
            return Conflict(Code.CARD_VOIDED, _("IC卡已作废，不能再办理业务。"))
        return Conflict(
            Code.STATE_CONFLICT,
            transitions.REFUSALS.get(
                (action, card.state),
                _("IC卡当前状态（%(s)s）不能办理%(a)s。")
                % {"s": card.display_state, "a": transitions.LABELS[action]},
            ),
        )
    if card.certificate_id is None:
        return Conflict(Code.CARD_INCOMPLETE, _("IC卡尚未制作完成，不能办理业务。"))
    if action == Action.UNLOCK and not card.pin_locked:
        return Conflict(Code.CARD_NOT_LOCKED, _("IC卡未锁定，无需解锁。"))
    if action == Action.RENEW:
        if card.expired:
            return Conflict(Code.CARD_EXPIRED, _("IC卡已过有效期，不能延期，请重新申请制卡。"))
        window = settings.CARD_RENEW_WINDOW_DAYS
        if (card.valid_to - timezone.localdate()).days > window:
            return Conflict(
                Code.RENEW_TOO_EARLY,
                _("IC卡在有效期届满前%(n)d天内才能办理延期（有效期至 %(d)s）。")
                % {"n": window, "d": card.valid_to},
            )
        if _renewed_to(card) <= card.valid_to:
            return Conflict(Code.CA_EXPIRING, _("签发CA的有效期不足，不能再延期：请联系系统管理员更新CA。"))
    return None


def _renewed_to(card: Card) -> dt.date:
    """延期 adds the configured term, but never beyond the issuing CA's own validity."""
    ca_end = pki_ca.issuing_ca().certificate.not_valid_after_utc.astimezone(CHINA).date() - dt.timedelta(
        days=1
    )
    return min(card.valid_to + dt.timedelta(days=settings.CARD_RENEW_DAYS), ca_end)


def card_actions(actor: User, card: Card) -> list[str]:
    """The actions the actor may run on the card now (the buttons a screen shows): the same rule as card_act."""
    return [a for a in transitions.USER_ACTIONS if card_refusal(actor, card, a) is None]


def card_act(
    *,
    actor: User,
    card_no: str,
    action: str,
    reason: str = "",
    challenge_id: str = "",
    signature: str = "",
    version: int | str | None = None,
) -> CardActed:
    """Run one action of the transition table on a card the actor may see (404 otherwise).

    `version`, when given, is the card's version the caller saw (the screens always send it): if the card
    changed since, the action is refused with 409 — of two people acting on one card at once, exactly
    one wins, even when the table would allow both moves in a row.

    解锁 sets a new one-time PIN, returned once in the answer (`CardActed.one_time_pin`), and the holder must
    change it at the next sign-in."""
    if action not in transitions.USER_ACTIONS:
        raise NotFound(Code.ACTION_UNKNOWN, _("没有这项IC卡业务。"))
    if action == Action.VOID and reason and reason not in VOID_REASONS:
        raise InvalidInput(Code.REASON_INVALID, _("作废原因不正确。"), "reason")
    if action == Action.RENEW:
        # Scope and rules first (no challenge spent, nothing audited for someone who may not), then the
        # card being renewed proves it is present (插入所需延期的卡), in a transaction of its own that
        # commits the used challenge and any refusal.
        card = card_get(actor, card_no)
        if (refusal := card_refusal(actor, card, action)) is not None:
            raise refusal
        with transaction.atomic():
            refusal = proof_refusal(card, card.made_no, challenge_id, signature, challenges.RENEW)
            if refusal is not None:
                audit_refusal(refusal, card.made_no, action="card.renew_refused")
        if refusal is not None:
            raise refusal
    with transaction.atomic():
        card = card_get(actor, card_no, for_update=True)
        _check_version(card, version)
        if (refusal := card_refusal(actor, card, action)) is not None:
            raise refusal
        return _move(card, action, actor=actor, reason=reason)


def _check_version(card: Card, version: int | str | None) -> None:
    if version in (None, ""):
        return
    try:
        seen = int(version)
    except (TypeError, ValueError):
        raise InvalidInput(Code.VERSION_INVALID, _("版本号必须是数字。"), "version") from None
    if seen != card.version:
        raise Conflict(
            Code.STALE_VERSION,
            _("IC卡已被他人办理过业务（当前状态：%(s)s），请刷新后再办理。") % {"s": card.display_state},
            "version",
        )


def _move(card: Card, action: str, *, actor: User | None, reason: str = "", note: str = "") -> CardActed:
    """Apply the table's move to a card locked by the caller, who has checked who may: the state, the
    certificate effect (a delta CRL issued), sessions ended, the audit, and the enterprise told on commit."""
    move = transitions.move_for(action, card.state)
    if move is None:  # the callers check first (card_refusal, the PIN check); this is the table's last word
        raise Conflict(
            Code.STATE_CONFLICT,
            _("IC卡当前状态（%(s)s）不能办理%(a)s。")
            % {"s": card.display_state, "a": transitions.NOTICES[action]},
        )
    before = _snapshot(card)
    card.state = move.new_state
    by_ra = getattr(actor, "kind", None) == UserKind.RA
    if action in (Action.REPORT_LOST, Action.CANCEL_LOST):
        card.lost_by_ra = by_ra and action == Action.REPORT_LOST
    if action in (Action.FREEZE, Action.UNFREEZE):
        card.frozen_by_ra = by_ra and action == Action.FREEZE
    _certificate_effect(card, move.effect, action, reason)
    one_time_pin = None
    if action == Action.UNLOCK:
        one_time_pin = pins.pin_initial()
        card.pin_hash = pins.pin_verifier(card.made_no, one_time_pin)
        card.pin_locked, card.pin_failures, card.must_change_pin = False, 0, True
    if action == Action.PIN_LOCK:
        card.pin_locked = True
    if action == Action.VOID:  # kept for the card page and lists: when, why (作废原因)
        card.voided_at = timezone.now()
        card.void_reason = reason or VoidReason.UNSPECIFIED
        card.void_note = note[:200]
    card.version += 1
    card.save()
    if card.state != CardState.NORMAL or action in (Action.UNLOCK, Action.PIN_LOCK):
        end_sessions(card)  # a held, voided, locked or unlocked card is signed out everywhere
    if action == Action.VOID:
        card.made_user.is_active = False
        card.made_user.save(update_fields=["is_active"])
    record(
        actor=actor, action=f"card.{action}", obj=card, before=before, after=_snapshot(card), reason=reason
    )
    notify.card_changed(card, str(transitions.NOTICES[action]))
    return CardActed(card, one_time_pin)


def card_pin_lock(card: Card) -> Card:
    """The PIN was entered wrong too often: the system locks the card (row locked by the caller) by the table's
    move, so the lock bumps the version, ends the sessions and is audited like any card change."""
    return _move(card, Action.PIN_LOCK, actor=None).card


def legal_cards_supersede(
    *, enterprise: Enterprise, actor: User | None, reason: str = VoidReason.SUPERSEDED, note: str = ""
) -> list[Card]:
    """补办法人卡 approved: the enterprise's legal card(s) still in use are voided (the certificate revoked
    as superseded), so the sub-centre can make the new one. The kind's approval decides who may. `note`
    names the application (作废说明); the new card, once made, is recorded as the replacement."""
    cards = list(
        Card.objects.select_for_update(of=("self",))
        .select_related("certificate", "user", "enterprise")
        .filter(enterprise=enterprise, kind=CardKind.LEGAL)
        .exclude(state=CardState.VOIDED)
        .order_by("id")
    )
    return [_move(c, Action.VOID, actor=actor, reason=reason, note=note).card for c in cards]


def _certificate_effect(card: Card, effect: str | None, action: str, reason: str) -> None:
    cert = card.made_certificate
    if effect == transitions.HOLD:
        certificate_set_status(cert, status=CertStatus.HOLD, reason="certificate_hold")
    elif effect == transitions.RELEASE:
        certificate_set_status(cert, status=CertStatus.GOOD)
    elif effect == transitions.REVOKE:
        certificate_set_status(cert, status=CertStatus.REVOKED, reason=reason or "cessation_of_operation")
    elif effect == transitions.REISSUE:
        card.valid_to = _renewed_to(card)
        public_key = x509.load_der_x509_certificate(bytes(cert.der)).public_key()
        _cert, card.certificate = issue_certificate(card, public_key)
        if card.state in transitions.HELD_STATES:  # a frozen card's new certificate starts on hold too
            certificate_set_status(card.made_certificate, status=CertStatus.HOLD, reason="certificate_hold")
        certificate_set_status(cert, status=CertStatus.REVOKED, reason="superseded")


def _snapshot(card: Card) -> dict[str, object]:
    return {
        "state": card.state,
        "pin_locked": card.pin_locked,
        "valid_to": card.valid_to,
        "serial": card.certificate.serial if card.certificate is not None else None,
    }
