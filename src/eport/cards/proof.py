"""Proving a card: the caller holds it (a fresh challenge signed by the key of its current certificate) and it
is usable (Card.blocker()). Shared by sign-in (signin.py) and 延期 (actions.py), with the refusals they answer."""

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from eport.audit.services import record
from eport.cards.codes import Code
from eport.errors import DomainError
from eport.pki import ca as pki_ca

from . import challenges
from .models import Card


class CardRefused(DomainError):
    """A refused card sign-in: 401 when the caller has not proven the card, 403 when the card may not sign in."""

    status = 401


class CardBlocked(CardRefused):
    status = 403


class _Unknown(CardRefused):
    """Audited as card_unknown, answered as signature_invalid."""

    def as_dict(self) -> dict:
        return {**super().as_dict(), "code": "signature_invalid"}


BLOCKED = {
    Code.CARD_VOIDED: gettext_lazy("IC卡已作废，不能使用。"),
    Code.CARD_LOST: gettext_lazy("IC卡已挂失，不能使用。"),
    Code.CARD_FROZEN: gettext_lazy("IC卡已冻结，不能使用。"),
    Code.CARD_LOCKED: gettext_lazy(
        "IC卡密码错误次数过多，卡已锁定：操作员卡请由企业法人卡解锁，法人卡请到数据分中心解锁。"
    ),
    Code.CARD_EXPIRED: gettext_lazy("IC卡已过有效期，不能使用。"),
    Code.CARD_NOT_YET_VALID: gettext_lazy("IC卡尚未生效。"),
    Code.CERTIFICATE_ON_HOLD: gettext_lazy("IC卡证书已被暂停使用。"),
    Code.CERTIFICATE_REVOKED: gettext_lazy("IC卡证书已被吊销。"),
}


def audit_refusal(
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


def verify_signature(cert_der: bytes, nonce: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64 or "", validate=True)
        public_key = x509.load_der_x509_certificate(cert_der).public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey):  # cards hold EC keys only (card_make)
            return False
        public_key.verify(signature, nonce, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError, TypeError):
        return False
    return True


def card_for_proof(card_no: str, *, lock: bool) -> Card | None:
    # What the proof, the PIN and the token need: the enterprise, issuer and operator the answer shows come
    # with the card's cached menu (menu.py), so they are not joined on every sign-in.
    qs = Card.objects.select_related("certificate", "user")
    if lock:
        qs = qs.select_for_update(of=("self",))
    try:
        return qs.get(card_no=card_no)  # card_no is unique: no ORDER BY … LIMIT as first() would add
    except Card.DoesNotExist:
        return None


def proof_refusal(
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
        or not verify_signature(bytes(card.certificate.der), nonce, signature)
    ):
        # An unknown card answers like a wrong signature (no probing which numbers exist); the audit tells.
        message = _("IC卡签名验证失败：请确认插入的是这张卡。")
        return (
            CardRefused(Code.SIGNATURE_INVALID, message, "signature")
            if card
            else _Unknown(Code.CARD_UNKNOWN, message, "signature")
        )
    return None


def usable_refusal(card: Card) -> DomainError | None:
    """Everything but the PIN: the certificate chains to our CA, then Card.blocker()."""
    if not pki_ca.issued_by_us(bytes(card.made_certificate.der)):
        return CardRefused(Code.CERTIFICATE_UNTRUSTED, _("IC卡证书不是本系统CA签发的。"))
    code = card.blocker()
    return CardBlocked(code, BLOCKED[code]) if code else None
