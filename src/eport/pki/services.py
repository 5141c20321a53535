"""Certificate status and the CRLs. Every status change issues a new delta CRL in the same transaction;
the complete CRL is issued again whenever it is fetched after a change. So what `GET /pki/crl.der`,
`/pki/delta-crl.der` and the OCSP responder (which reads the table) say is never behind the card table,
while a status change costs only the size of the changes since the delta's base — not a re-signing of
every certificate ever held or revoked (1.7 s at national scale: docs/benchmarks.md).

The complete CRL lists what is on hold or revoked now. The delta CRL (RFC 5280 §5.2.4) lists what changed
since its base CRL: new holds and revocations with their reasons, and releases from hold as
removeFromCRL — the one place that reason may appear (§5.3.1).

With a task worker (EPORT_BROKER_URL), issuing the complete CRL leaves the request: a status change hands
the job to the worker after its commit (coalesced: one queued job at a time), the sweep (every minute)
issues it when that enqueue was lost, and a fetch serves the latest issued complete CRL — unless a change
it lacks is older than EPORT_CRL_GRACE_SECONDS (no worker has run: stopped, broker down), when the fetch
issues it itself as without a worker. So the complete CRL never lacks a status change older than the grace,
and the delta CRL (named in its Freshest CRL extension) and OCSP have every change at once."""

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from eport.tasks import enqueue, has_broker

from .ca import issuing_ca, public_url
from .models import Certificate, CertStatus, CrlState


def certificate_record(*, cert: x509.Certificate, subject_key: str) -> Certificate:
    return Certificate.objects.create(
        serial=format(cert.serial_number, "x"),
        subject_key=subject_key,
        der=cert.public_bytes(serialization.Encoding.DER),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def certificate_set_status(cert: Certificate, *, status: str, reason: str = "") -> Certificate:
    """Hold (reason certificate_hold), release (back to good) or revoke (with a reason), then issue the delta CRL.

    Must run inside the caller's transaction, with the certificate's owner row already locked.
    """
    _complete_crl_exists()  # the delta that publishes this change needs a complete CRL as its base
    now = timezone.now()
    cert.status = status
    cert.reason = "" if status == CertStatus.GOOD else (reason or "unspecified")
    cert.revoked_at = None if status == CertStatus.GOOD else now
    cert.status_changed_at = now
    cert.save(update_fields=["status", "reason", "revoked_at", "status_changed_at"])
    state = crl_publish(changed=cert)
    cert.status_crl = state.number
    if has_broker():
        transaction.on_commit(_queue_complete)
    return cert


def _queue_complete() -> None:
    """Hand issuing the complete CRL to the worker unless a job is already queued (one conditional UPDATE:
    of many changes at once, one enqueues). A queued mark older than the grace no longer counts (its job
    was lost); the sweep catches the rest."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.CRL_GRACE_SECONDS)
    queued = (
        CrlState.objects.filter(issuer_key_id=issuing_ca().key_id)
        .filter(Q(complete_queued_at__isnull=True) | Q(complete_queued_at__lt=stale))
        .update(complete_queued_at=now)
    )
    if queued:
        from .tasks import issue_complete_task

        enqueue(issue_complete_task)


def _entry(serial: str, reason: str, when: dt.datetime) -> x509.RevokedCertificate:
    entry = x509.RevokedCertificateBuilder().serial_number(int(serial, 16)).revocation_date(when)
    flag = x509.ReasonFlags[reason or "unspecified"]
    if flag != x509.ReasonFlags.unspecified:  # RFC 5280: unspecified is expressed by leaving the reason out
        entry = entry.add_extension(x509.CRLReason(flag), critical=False)
    return entry.build()


def _signed_crl(
    number: int, now: dt.datetime, extension: x509.ExtensionType, critical: bool, entries: list
) -> x509.CertificateRevocationList:
    """A CRL of the issuing CA with its number, key id and one more extension (Freshest CRL or Delta CRL
    Indicator). The entries go in all at once: add_revoked_certificate() copies the list each time,
    which is quadratic at 100k+ entries."""
    ca = issuing_ca()
    extensions = [
        (x509.CRLNumber(number), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.signer.public_key()), False),
        (extension, critical),
    ]
    return ca.signer.sign(
        x509.CertificateRevocationListBuilder(
            issuer_name=ca.certificate.subject,
            last_update=now,
            next_update=now + settings.CRL_VALIDITY,
            extensions=[x509.Extension(value.oid, crit, value) for value, crit in extensions],
            revoked_certificates=entries,
        )
    )


def _build_crl(number: int, now: dt.datetime) -> x509.CertificateRevocationList:
    freshest = x509.FreshestCRL(
        [
            x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(public_url("/pki/delta-crl.der"))],
                relative_name=None,
                reasons=None,
                crl_issuer=None,
            )
        ]
    )
    # Certificates past their own expiry are dropped (RFC 5280 §3.3): nobody may accept them anyway.
    rows = (
        Certificate.objects.exclude(status=CertStatus.GOOD)
        .filter(not_after__gt=now)
        .values_list("serial", "reason", "revoked_at")
        .order_by("id")
    )
    return _signed_crl(
        number,
        now,
        freshest,
        False,
        [
            _entry(serial, reason, revoked_at or now)
            for serial, reason, revoked_at in rows.iterator(chunk_size=5000)
        ],
    )


def _build_delta(number: int, base: int, now: dt.datetime) -> x509.CertificateRevocationList:
    rows = (
        Certificate.objects.filter(status_crl__gt=base, not_after__gt=now)
        .values_list("serial", "status", "reason", "status_changed_at")
        .order_by("id")
    )
    # Back to good since the base: a release from hold, which the base may still list as held.
    entries = [
        _entry(serial, "remove_from_crl" if status == CertStatus.GOOD else reason, changed_at or now)
        for serial, status, reason, changed_at in rows.iterator(chunk_size=5000)
    ]
    return _signed_crl(number, now, x509.DeltaCRLIndicator(base), True, entries)


@transaction.atomic
def crl_publish(changed: Certificate | None = None, *, full: bool = False) -> CrlState:
    """Issue the next CRL number (the state row is locked: numbers never repeat) as a new delta CRL and,
    with `full` (or when there is none yet), a new complete CRL under the same number.
    `changed`: the certificate whose status change this publishes."""
    key_id = issuing_ca().key_id
    if not CrlState.objects.filter(issuer_key_id=key_id).exists():
        CrlState.objects.get_or_create(issuer_key_id=key_id)
    # The complete CRL (megabytes at national scale) is neither read nor rewritten by a delta-only issue.
    state = CrlState.objects.select_for_update().defer("der", "delta_der").get(issuer_key_id=key_id)
    fields = ["number", "delta_der", "delta_this_update", "delta_base", "delta_base_at"]
    now = timezone.now().replace(microsecond=0)
    number = state.number + 1
    if changed is not None:
        Certificate.objects.filter(pk=changed.pk).update(status_crl=number)
    if (
        state.delta_base is None
        or state.delta_base_at is None
        or now - state.delta_base_at >= settings.CRL_VALIDITY
    ):
        # Once per CRL lifetime the delta's base moves to the latest complete CRL (which holders of CRLs
        # may have): the delta stays the size of about a day's changes.
        state.delta_base = state.full_number if state.full_number is not None else number
        state.delta_base_at = now
    state.number = number
    if full or state.full_number is None:
        state.der = _build_crl(number, now).public_bytes(serialization.Encoding.DER)
        state.full_number, state.this_update, state.next_update = number, now, now + settings.CRL_VALIDITY
        fields += ["der", "full_number", "this_update", "next_update"]
    state.delta_der = _build_delta(number, state.delta_base, now).public_bytes(serialization.Encoding.DER)
    state.delta_this_update = now
    state.save(update_fields=fields)
    return state


def _complete_crl_exists() -> None:
    if not CrlState.objects.filter(issuer_key_id=issuing_ca().key_id, full_number__isnull=False).exists():
        crl_publish(full=True)


def crl_issue_complete() -> CrlState:
    """Issue the complete CRL again without holding the CRL lock while it is built and signed (seconds at
    national scale, which card actions would otherwise queue behind): a new number and its delta are
    taken under the lock; the complete CRL of that number is then built from a snapshot taken after it
    (so it holds every change numbered before it) and stored unless a newer one got there first."""
    reserved = crl_publish()
    number, now = reserved.number, timezone.now().replace(microsecond=0)
    der = _build_crl(number, now).public_bytes(serialization.Encoding.DER)
    with transaction.atomic():
        state = (
            CrlState.objects.select_for_update()
            .defer("der", "delta_der")
            .get(issuer_key_id=issuing_ca().key_id)
        )
        if state.full_number is None or state.full_number < number:
            state.der, state.full_number, state.this_update, state.next_update = (
                der,
                number,
                now,
                now + settings.CRL_VALIDITY,
            )
            state.save(update_fields=["der", "full_number", "this_update", "next_update"])
    return CrlState.objects.get(pk=state.pk)


def crl_complete_due(now: dt.datetime | None = None) -> bool:
    """Whether the complete CRL must be issued again: a status change since it was, or half its life gone."""
    state = (
        CrlState.objects.filter(issuer_key_id=issuing_ca().key_id)
        .only("number", "full_number", "this_update")
        .first()
    )
    if state is None or state.full_number is None or state.this_update is None:
        return True
    now = now or timezone.now()
    return state.full_number != state.number or now >= state.this_update + settings.CRL_VALIDITY / 2


def crl_complete_task_run() -> CrlState | None:
    """The worker's job (and the sweep's): issue the complete CRL when it is due. The queued mark is
    cleared first, so a change while this runs queues the next job."""
    CrlState.objects.filter(issuer_key_id=issuing_ca().key_id).update(complete_queued_at=None)
    if not crl_complete_due():
        return None
    return crl_issue_complete()


def _lacks_a_change_past_grace(state: CrlState, now: dt.datetime) -> bool:
    """Whether a status change missing from the stored complete CRL is older than the grace (with a worker,
    the worker should have issued it by then)."""
    if not has_broker():
        return True  # no worker: issued by the fetch, as always
    oldest = Certificate.objects.filter(status_crl__gt=state.full_number).aggregate(
        at=Min("status_changed_at")
    )["at"]
    # None: the numbers moved by delta reissues alone, no status change is missing (the half-life rule ages it)
    return oldest is not None and now - oldest >= dt.timedelta(seconds=settings.CRL_GRACE_SECONDS)


def crl_current(delta: bool = False) -> bytes:
    """The current CRL or delta CRL. The complete one is issued again when a status changed since it was
    (with a worker: when that change is older than the grace, else the worker does it), and either when
    half its life is gone."""
    wanted = "delta_der" if delta else "der"
    state = (
        CrlState.objects.filter(issuer_key_id=issuing_ca().key_id)
        .only("number", "full_number", "this_update", "delta_this_update", wanted)
        .first()
    )
    now, half = timezone.now(), settings.CRL_VALIDITY / 2
    if state is None or None in (state.full_number, state.this_update, state.delta_this_update):
        state = crl_publish(full=True)
    elif not delta and now >= state.this_update + half:  # type: ignore[operator]
        state = crl_issue_complete()
    elif not delta and state.full_number != state.number and _lacks_a_change_past_grace(state, now):
        state = crl_issue_complete()
    elif delta and now >= state.delta_this_update + half:  # type: ignore[operator]
        state = crl_publish()
    return bytes(getattr(state, wanted))
