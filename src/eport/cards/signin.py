"""卡介质登录 and the card's PIN: signing in with the card, changing the PIN (counted and throttled like a
sign-in), locking the card at the PIN limit (through the transition table: actions.card_pin_lock), and the
session gate a signed-in card passes on every request."""

from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.accounts.models import User
from eport.accounts.permissions import CARD_KINDS
from eport.audit.services import record
from eport.cards.codes import Code
from eport.errors import DomainError, Forbidden, InvalidInput
from eport.throttles import services as throttles
from eport.throttles.codes import Code as ThrottleCode

from . import challenges, pins
from .actions import card_pin_lock, end_sessions
from .models import Card
from .numbers import card_no_valid
from .proof import (
    BLOCKED,
    CardBlocked,
    CardRefused,
    audit_refusal,
    card_for_proof,
    proof_refusal,
    usable_refusal,
)


def _pin_refusal(card: Card, pin: str, field: str = "pin") -> DomainError | None:
    """Inside the caller's transaction, the card row locked: count a wrong PIN and lock the card at
    the limit; a right one resets the count (saved by the caller). A wrong one is saved here."""
    limit = settings.CARD_PIN_LIMIT
    if pins.pin_matches(card, pin):
        card.pin_failures = 0
        return None
    card.pin_failures += 1
    if card.pin_failures >= limit:
        card_pin_lock(card)  # saves the count with the lock
        return CardBlocked(Code.CARD_LOCKED, _("IC卡密码已连续输错%(n)d次，卡已锁定。") % {"n": limit}, field)
    card.save(update_fields=["pin_failures"])
    return CardRefused(
        Code.PIN_WRONG, _("IC卡密码不正确，还可以尝试%(n)d次。") % {"n": limit - card.pin_failures}, field
    )


def card_sign_in(
    *,
    challenge_id: str,
    card_no: str,
    signature: str,
    pin: str,
    ip: str | None = None,
    then: Callable[[Card], object] | None = None,
) -> Card:
    """卡介质登录 (SPEC §4): the card proven by its signature, usable, and the PIN right.

    One transaction, one commit, whatever the outcome: the challenge is used up, a refusal audited and a
    wrong PIN counted, and only then is the refusal raised. The signature is checked before the PIN, so
    only the card's holder can spend PIN attempts. `then(card)` (e.g. issuing the API token) runs in the
    same transaction on success."""
    card_no = (card_no or "").strip()
    if not card_no_valid(card_no):
        raise CardRefused(Code.CARD_NO_INVALID, _("IC卡号格式不正确。"), "card_no")  # not audited: no card
    with transaction.atomic():
        card = card_for_proof(card_no, lock=True)
        refusal = proof_refusal(card, card_no, challenge_id, signature, challenges.LOGIN)
        if refusal is None:
            assert card is not None, "proof_refusal refuses an unknown card"
            refusal = usable_refusal(card) or _pin_refusal(card, pin)
            if refusal is None:
                card.last_sign_in_at = timezone.now()
                card.save(update_fields=["pin_failures", "last_sign_in_at"])
                if then is not None:
                    then(card)
                # Last before the commit: the audit chain's head is locked from here to the commit, and
                # every audited change of every node waits for it.
                record(actor=card.made_user, action="card.sign_in", obj=card, ip=ip)
                return card
        # Throttled only once refused (a refusal comes from someone without the card key or PIN, so
        # the holder behind the same address as a flood still signs in): over a limit the 429 goes
        # out and this refusal is neither counted nor written.
        throttles.credential_refused(
            account=throttles.card_key(card_no), ip=ip, code=ThrottleCode.CARD_LOGIN_THROTTLED
        )
        audit_refusal(refusal, card_no, ip=ip)
    raise refusal


def card_pin_change(*, actor: User, old_pin: str, new_pin: str, keep_token: str | None = None) -> Card:
    """修改IC卡密码: the first sign-in must do this before anything else. Every other session of the
    card ends (the caller keeps its own: the screen refreshes its session hash, the API keeps its token)."""
    if getattr(actor, "kind", None) not in CARD_KINDS:
        raise Forbidden(Code.CARD_ONLY, _("请使用IC卡登录后修改IC卡密码。"))
    if not old_pin:
        raise InvalidInput(Code.PIN_REQUIRED, _("请输入原IC卡密码。"), "old_pin")
    pins.pin_check_new(new_pin, old_pin)
    with transaction.atomic():
        card = (
            Card.objects.select_for_update(of=("self",))
            .select_related("user", "certificate")
            .get(user_id=actor.pk)
        )
        refusal: DomainError | None
        code = card.blocker()
        if code:
            refusal = CardBlocked(code, BLOCKED[code])
        else:  # a PIN guess: throttled like a sign-in, per client address and per card from that address
            account = throttles.card_key(card.made_no)
            throttles.credential_check(
                account=account, code=ThrottleCode.PIN_CHANGE_THROTTLED, field="old_pin"
            )
            refusal = _pin_refusal(card, old_pin, field="old_pin")
            if refusal is not None:
                throttles.credential_failed(account=account)
        if refusal is None:
            card.pin_hash = pins.pin_verifier(card.made_no, new_pin)
            card.must_change_pin = False
            card.version += 1
            card.save(update_fields=["pin_hash", "pin_failures", "must_change_pin", "version"])
            end_sessions(card, keep_token=keep_token)
            record(actor=actor, action="card.pin_change", obj=card)
        else:
            audit_refusal(refusal, card.made_no, action="card.pin_change_refused")
    if refusal is not None:
        raise refusal
    return card


def card_gate(user: User, card: Card | None = None) -> str | None:
    """What a signed-in card holder may do now: None (anything), "pin_change_required", or "card_unusable"
    (voided, lost, frozen, locked, expired or its certificate held since sign-in: the session ends)."""
    if card is None:  # `card`: the caller's fresh copy (the API token look-up loads it with the account)
        card = Card.objects.select_related("certificate").filter(user_id=user.pk).first()
    if card is None or card.blocker():
        return "card_unusable"
    return "pin_change_required" if card.must_change_pin else None
