"""Certificate status and the CRLs: every status change republishes the CRL (and its delta CRL) in the
same transaction, so what `GET /pki/crl.der` and the OCSP responder say is never behind the card table.

The complete CRL lists what is on hold or revoked now. The delta CRL (RFC 5280 §5.2.4) lists what changed
since its base CRL: new holds and revocations with their reasons, and releases from hold as
removeFromCRL — the one place that reason may appear (§5.3.1)."""

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .ca import issuing_ca, public_url
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
    cert.status_changed_at = now
    cert.save(update_fields=["status", "reason", "revoked_at", "status_changed_at"])
    state = crl_publish(changed=cert)
    cert.status_crl = state.number
    return cert


def _entry(serial: str, reason: str, when: dt.datetime) -> x509.RevokedCertificate:
    entry = x509.RevokedCertificateBuilder().serial_number(int(serial, 16)).revocation_date(when)
    flag = x509.ReasonFlags[reason or "unspecified"]
    if flag != x509.ReasonFlags.unspecified:  # RFC 5280: unspecified is expressed by leaving the reason out
        entry = entry.add_extension(x509.CRLReason(flag), critical=False)
    return entry.build()


def _crl_builder(number: int, now: dt.datetime) -> x509.CertificateRevocationListBuilder:
    ca = issuing_ca()
    return (x509.CertificateRevocationListBuilder()
            .issuer_name(ca.certificate.subject)
            .last_update(now).next_update(now + settings.CRL_VALIDITY)
            .add_extension(x509.CRLNumber(number), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.signer.public_key()),
                           critical=False))


def _build_crl(number: int, now: dt.datetime) -> x509.CertificateRevocationList:
    builder = _crl_builder(number, now).add_extension(x509.FreshestCRL([x509.DistributionPoint(
        full_name=[x509.UniformResourceIdentifier(public_url("/pki/delta-crl.der"))], relative_name=None, reasons=None,
        crl_issuer=None)]), critical=False)
    # Certificates past their own expiry are dropped (RFC 5280 §3.3): nobody may accept them anyway.
    rows = (Certificate.objects.exclude(status=CertStatus.GOOD).filter(not_after__gt=now)
            .values_list("serial", "reason", "revoked_at").order_by("id"))
    for serial, reason, revoked_at in rows.iterator(chunk_size=2000):
        builder = builder.add_revoked_certificate(_entry(serial, reason, revoked_at or now))
    return issuing_ca().signer.sign(builder)


def _build_delta(number: int, base: int, now: dt.datetime) -> x509.CertificateRevocationList:
    builder = _crl_builder(number, now).add_extension(x509.DeltaCRLIndicator(base), critical=True)
    rows = (Certificate.objects.filter(status_crl__gt=base, not_after__gt=now)
            .values_list("serial", "status", "reason", "status_changed_at").order_by("id"))
    for serial, status, reason, changed_at in rows.iterator(chunk_size=2000):
        # Back to good since the base: a release from hold, which the base may still list as held.
        reason = "remove_from_crl" if status == CertStatus.GOOD else reason
        builder = builder.add_revoked_certificate(_entry(serial, reason, changed_at or now))
    return issuing_ca().signer.sign(builder)


@transaction.atomic
def crl_publish(changed: Certificate | None = None) -> CrlState:
    """Regenerate the CRL and the delta CRL with the next CRL number (the state row is locked: numbers
    never repeat). `changed`: the certificate whose status change this publishes."""
    key_id = issuing_ca().key_id
    CrlState.objects.get_or_create(issuer_key_id=key_id)
    state = CrlState.objects.select_for_update().get(issuer_key_id=key_id)
    now = timezone.now().replace(microsecond=0)
    number = state.number + 1
    if changed is not None:
        Certificate.objects.filter(pk=changed.pk).update(status_crl=number)
    if state.delta_base is None or state.delta_base_at is None or now - state.delta_base_at >= settings.CRL_VALIDITY:
        # Once per CRL lifetime the delta's base moves to the complete CRL published before this one.
        state.delta_base, state.delta_base_at = state.number, now
    state.number = number
    state.der = _build_crl(number, now).public_bytes(serialization.Encoding.DER)
    state.delta_der = _build_delta(number, state.delta_base, now).public_bytes(serialization.Encoding.DER)
    state.this_update, state.next_update = now, now + settings.CRL_VALIDITY
    state.save()
    return state


def crl_current(delta: bool = False) -> bytes:
    """The current CRL (or delta CRL); new ones when there are none yet or past half their life."""
    state = CrlState.objects.filter(issuer_key_id=issuing_ca().key_id).first()
    if (state is None or state.der is None or state.delta_der is None
            or timezone.now() >= state.this_update + settings.CRL_VALIDITY / 2):
        state = crl_publish()
    return bytes(state.delta_der if delta else state.der)
