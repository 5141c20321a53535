"""A card signs a PDF document, in two steps (SPEC §6.1, API.md "Paperless clearance"):

1. `document_prepare(pdf, card)` reserves the signature field, keeps the prepared document server-side
   (a DocumentSigning row: single use, DOCUMENT_SIGN_MINUTES) and answers `(sign_id, signed_attrs_der)`:
   the CMS signed attributes the card agent signs with the card key (`POST /sign-document`).
2. `document_complete(sign_id, signature, card)` checks the card is usable (the sign-in rules:
   Card.blocker, the chain), the digest of the prepared document and the signature against the card's
   certificate, and only then embeds the CMS (PAdES) and audits the signing card and time.

The sign_id is spent by the first attempt to complete it, whatever follows (like a sign-in challenge).
"""

import base64
import binascii
import random
import secrets
from datetime import timedelta

from cryptography import x509
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from eport.audit.services import record
from eport.cards.codes import Code
from eport.errors import DomainError, InvalidInput
from eport.pki import documents as pdfsig

from .models import Card, DocumentSigning
from .proof import CardRefused, audit_refusal, usable_refusal

DOCUMENT_SIGN_MINUTES = 10


def _certificate(card: Card) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(card.made_certificate.der))


def document_prepare(
    pdf: bytes, card: Card, *, purpose: str = "", reason: str = "", context: dict | None = None
) -> tuple[str, bytes]:
    """Reserve `card`'s signature on `pdf`: (sign_id, DER signed attributes for the card to sign); `context`
    is kept with it for the domain that completes it (`signing_context`)."""
    if (refusal := usable_refusal(card)) is not None:
        raise refusal
    now = timezone.now()
    try:
        prepared = pdfsig.pdf_prepare(pdf, _certificate(card), when=now.replace(microsecond=0), reason=reason)
    except Exception:  # pyHanko's parse errors have no common base: any failure means "not a PDF we sign"
        raise InvalidInput(Code.DOCUMENT_INVALID, _("文件不是可以签名的PDF。"), "pdf") from None
    sign_id = secrets.token_urlsafe(32)
    with transaction.atomic():
        DocumentSigning.objects.create(
            sign_id=sign_id,
            card=card,
            purpose=purpose,
            context=context or {},
            pdf=prepared.pdf,
            reserved_start=prepared.start,
            reserved_end=prepared.end,
            digest=prepared.digest,
            signed_attrs=prepared.signed_attrs,
            expires_at=now + timedelta(minutes=DOCUMENT_SIGN_MINUTES),
        )
        record(
            actor=card.made_user,
            action="card.document_prepare",
            obj=card,
            after={"purpose": purpose, "digest": prepared.digest.hex()},
        )
    if random.random() < 0.01:  # now and then, forget documents that can no longer be completed anyway
        DocumentSigning.objects.filter(expires_at__lt=now).delete()
    return sign_id, prepared.signed_attrs


def signing_context(sign_id: str, card: Card, purpose: str) -> dict | None:
    """What the domain kept with a document prepared for `card` and `purpose`, while it can still be signed
    (unused, not expired); None otherwise, and document_complete then refuses it with the reason."""
    row = DocumentSigning.objects.filter(
        sign_id=sign_id or "",
        card=card,
        purpose=purpose,
        used_at__isnull=True,
        expires_at__gte=timezone.now(),
    ).first()
    return dict(row.context) if row is not None else None


def _decode(signature: str | bytes) -> bytes | None:
    if isinstance(signature, bytes):
        return signature
    try:
        return base64.b64decode(signature or "", validate=True)
    except (binascii.Error, ValueError):
        return None


def document_complete(
    sign_id: str, signature: str | bytes, card: Card, *, purpose: str | None = None, ip: str | None = None
) -> bytes:
    """The signed PDF, once the card, the prepared document and the signature (DER ECDSA, raw or base64)
    all check out. One transaction: the sign_id is used up and a refusal audited, then it is raised.
    `purpose`: the domain completing it; a document prepared for another purpose is not found here (and
    stays unspent for its own domain)."""
    refusal: DomainError | None = None
    with transaction.atomic():
        card = (
            Card.objects.select_for_update(of=("self",)).select_related("certificate", "user").get(pk=card.pk)
        )
        rows = DocumentSigning.objects.select_for_update().filter(sign_id=sign_id or "", card=card)
        if purpose is not None:
            rows = rows.filter(purpose=purpose)
        row = rows.first() if sign_id else None
        now = timezone.now()
        if row is None:
            refusal = CardRefused(
                Code.SIGN_ID_INVALID, _("没有这份待签名文件，或它不是为这张卡准备的。"), "sign_id"
            )
        elif row.used_at is not None:
            refusal = CardRefused(
                Code.SIGN_ID_USED, _("这份文件已签过名（或签名已失败），请重新发起签名。"), "sign_id"
            )
        elif row.expires_at < now:
            refusal = CardRefused(Code.SIGN_ID_EXPIRED, _("待签名文件已过期，请重新发起签名。"), "sign_id")
        if row is not None and row.used_at is None:
            row.used_at = now
            row.save(update_fields=["used_at"])
        refusal = refusal or usable_refusal(card)
        signed = b""
        if refusal is None:
            assert row is not None
            refusal, signed = _embed(row, card, _decode(signature))
        if refusal is not None:
            audit_refusal(refusal, card.made_no, ip=ip, action="card.document_sign_refused")
        else:
            assert row is not None
            attrs = pdfsig.signed_attrs_read(bytes(row.signed_attrs), _certificate(card))
            record(
                actor=card.made_user,
                action="card.document_sign",
                obj=card,
                ip=ip,
                after={
                    "purpose": row.purpose,
                    "digest": attrs.digest.hex(),
                    "signing_time": attrs.signing_time.isoformat(),
                    "certificate": card.made_certificate.serial,
                },
            )
    if refusal is not None:
        raise refusal
    return signed


def _embed(row: DocumentSigning, card: Card, signature: bytes | None) -> tuple[DomainError | None, bytes]:
    prepared = pdfsig.Prepared(
        pdf=bytes(row.pdf),
        start=row.reserved_start,
        end=row.reserved_end,
        digest=bytes(row.digest),
        signed_attrs=bytes(row.signed_attrs),
    )
    if signature is None:
        return CardRefused(
            Code.SIGNATURE_INVALID, _("IC卡签名验证失败：请确认插入的是这张卡。"), "signature"
        ), b""
    try:
        return None, pdfsig.pdf_embed(prepared, _certificate(card), signature)
    except pdfsig.DocumentRefused as e:
        if e.code == "digest_mismatch":
            return CardRefused(Code.DOCUMENT_DIGEST_MISMATCH, _("待签名文件已被改动，签名未写入。")), b""
        return CardRefused(
            Code.SIGNATURE_INVALID, _("IC卡签名验证失败：请确认插入的是这张卡。"), "signature"
        ), b""
