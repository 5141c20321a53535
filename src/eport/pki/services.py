"""Certificate status and the CRL: every status change republishes the CRL in the same transaction,
so what `GET /pki/crl.der` and the OCSP responder say is never behind the card table."""

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .ca import issuing_ca
from .models import Certificate, CertStatus, CrlState


def certificate_record(*, cert: x509.Certificate, subject_key: str) -> Certificate:
    return Certificate.objects.create(
        serial=format(cert.serial_number, "x"), subject_key=subject_key,
        der=cert.public_bytes(serialization.Encoding.DER),
        not_before=cert.not_valid_before_utc, not_after=cert.not_valid_after_utc)


def certificate_set_status(cert: Certificate, *, status: str, reason: str = "") -> Certificate:
    """Hold (reason certificate_hold), release (back to good) or revoke (with a reason), then republish.

    Must run inside the caller's transaction, with the certificate's owner row already locked.
    """
    now = timezone.now()
    cert.status = status
    cert.reason = "" if status == CertStatus.GOOD else (reason or "unspecified")
    cert.revoked_at = None if status == CertStatus.GOOD else now
    cert.save(update_fields=["status", "reason", "revoked_at"])
    crl_publish()
    return cert


def _build_crl(number: int, now: dt.datetime) -> x509.CertificateRevocationList:
    ca = issuing_ca()
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(ca.certificate.subject)
               .last_update(now).next_update(now + settings.CRL_VALIDITY)
               .add_extension(x509.CRLNumber(number), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.signer.public_key()),
                              critical=False))
    # Certificates past their own expiry are dropped (RFC 5280 §3.3): nobody may accept them anyway.
    rows = (Certificate.objects.exclude(status=CertStatus.GOOD).filter(not_after__gt=now)
            .values_list("serial", "reason", "revoked_at").order_by("id"))
    for serial, reason, revoked_at in rows.iterator(chunk_size=2000):
        entry = (x509.RevokedCertificateBuilder().serial_number(int(serial, 16))
                 .revocation_date(revoked_at or now))
        flag = x509.ReasonFlags[reason or "unspecified"]
        if flag != x509.ReasonFlags.unspecified:  # RFC 5280: unspecified is expressed by leaving the reason out
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return issuing_ca().signer.sign(builder)


@transaction.atomic
def crl_publish() -> CrlState:
    """Regenerate the CRL with the next CRL number (the state row is locked: numbers never repeat)."""
    key_id = issuing_ca().key_id
    CrlState.objects.get_or_create(issuer_key_id=key_id)
    state = CrlState.objects.select_for_update().get(issuer_key_id=key_id)
    now = timezone.now().replace(microsecond=0)
    crl = _build_crl(state.number + 1, now)
    state.number += 1
    state.der = crl.public_bytes(serialization.Encoding.DER)
    state.this_update, state.next_update = now, now + settings.CRL_VALIDITY
    state.save()
    return state


def crl_current() -> bytes:
    """The current CRL; a new one when there is none yet or the stored one is past half its life."""
    state = CrlState.objects.filter(issuer_key_id=issuing_ca().key_id).first()
    if state is None or state.der is None or timezone.now() >= state.this_update + settings.CRL_VALIDITY / 2:
        state = crl_publish()
    return bytes(state.der)
