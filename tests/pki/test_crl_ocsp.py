"""The CRL and the OCSP responder as a relying party sees them (Django test client, `cryptography` only):
every card state change shows at once in both, signed by the issuing CA."""

import base64
import datetime as dt
import os
from urllib.parse import quote

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID
from django.utils import timezone

from eport.cards.actions import card_act
from eport.pki.ca import issue_end_entity, issuing_ca
from eport.pki.models import Certificate, CrlState
from eport.pki.services import crl_publish
from tests import factories as f

pytestmark = pytest.mark.django_db

R = x509.ReasonFlags
GOOD, REVOKED, UNKNOWN = ocsp.OCSPCertStatus.GOOD, ocsp.OCSPCertStatus.REVOKED, ocsp.OCSPCertStatus.UNKNOWN


# --- helpers -------------------------------------------------------------------------------------


def get_crl(client) -> x509.CertificateRevocationList:
    r = client.get("/pki/crl.der")
    assert r.status_code == 200 and r["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(r.content)
    ca = issuing_ca()
    assert crl.issuer == ca.certificate.subject
    assert crl.is_signature_valid(ca.certificate.public_key())
    return crl


def crl_number(crl) -> int:
    return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number


def listed(crl, serial: int):
    """None when the serial is not on the CRL; else its reason (None when the entry carries no reason)."""
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    if entry is None:
        return None
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return "no reason"


def serial_of(card) -> int:
    card.refresh_from_db()
    return card.certificate.serial_int


def cert_of(card) -> x509.Certificate:
    card.refresh_from_db()
    return x509.load_der_x509_certificate(bytes(card.certificate.der))


def act(ra, card, action, **kw):
    return card_act(actor=ra, card_no=card.card_no, action=action, **kw)


def ocsp_request(cert, *, algorithm=hashes.SHA1, nonce: bytes | None = None) -> bytes:
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuing_ca().certificate, algorithm())
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(serialization.Encoding.DER)


def post_ocsp(client, der: bytes) -> ocsp.OCSPResponse:
    r = client.post("/pki/ocsp", data=der, content_type="application/ocsp-request")
    assert r.status_code == 200, (r.status_code, r.content[:300].decode(errors="replace"))
    assert r["Content-Type"] == "application/ocsp-response"
    return ocsp.load_der_ocsp_response(r.content)


def verified(resp: ocsp.OCSPResponse) -> ocsp.OCSPResponse:
    """A successful answer signed by the issuing CA itself, naming it by key hash."""
    assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
    ca = issuing_ca().certificate
    ca.public_key().verify(resp.signature, resp.tbs_response_bytes, ec.ECDSA(resp.signature_hash_algorithm))
    assert resp.responder_key_hash.hex() == issuing_ca().key_id and resp.responder_name is None
    assert resp.next_update_utc - resp.this_update_utc == dt.timedelta(hours=1)
    return resp


def status(client, cert, **kw):
    resp = verified(post_ocsp(client, ocsp_request(cert, **kw)))
    assert resp.serial_number == cert.serial_number
    return resp.certificate_status, resp.revocation_reason


@pytest.fixture
def ra():
    return f.ra_officer()


@pytest.fixture
def made(ra):
    return f.make_card("legal", ra=ra)


# --- CRL -----------------------------------------------------------------------------------------


def test_crl_follows_lost_and_found(client, ra, made):
    card, serial = made.card, serial_of(made.card)
    first = get_crl(client)
    assert listed(first, serial) is None
    assert first.next_update_utc - first.last_update_utc == dt.timedelta(hours=24)

    act(ra, card, "report-lost")
    held = get_crl(client)
    assert crl_number(held) > crl_number(first)
    assert listed(held, serial) == R.certificate_hold
    entry = held.get_revoked_certificate_by_serial_number(serial)
    assert abs(entry.revocation_date_utc - timezone.now()) < dt.timedelta(minutes=1)

    act(ra, card, "cancel-lost")
    released = get_crl(client)
    assert crl_number(released) > crl_number(held)
    assert listed(released, serial) is None


def test_crl_lists_a_voided_card_with_its_reason(client, ra):
    compromised, stopped, other = (f.make_card("legal", ra=ra) for _ in range(3))
    before = crl_number(get_crl(client))
    act(ra, compromised.card, "void", reason="key_compromise")
    act(ra, stopped.card, "void")
    act(ra, other.card, "void", reason="unspecified")
    crl = get_crl(client)
    assert crl_number(crl) >= before + 3
    assert listed(crl, serial_of(compromised.card)) == R.key_compromise
    assert listed(crl, serial_of(stopped.card)) == R.cessation_of_operation  # the default reason
    assert listed(crl, serial_of(other.card)) == "no reason"  # RFC 5280: unspecified is left out


def test_crl_after_renew_lists_the_old_certificate_as_superseded(client, ra, made):
    old = serial_of(made.card)
    act(ra, made.card, "renew", **f.renewal(made))
    new = serial_of(made.card)
    assert new != old
    crl = get_crl(client)
    assert listed(crl, old) == R.superseded
    assert listed(crl, new) is None


def test_renewing_a_frozen_card_gives_a_new_certificate_on_hold(client, ra, made):
    act(ra, made.card, "freeze")
    old = serial_of(made.card)
    act(ra, made.card, "renew", **f.renewal(made))
    new = serial_of(made.card)
    crl = get_crl(client)
    assert listed(crl, old) == R.superseded and listed(crl, new) == R.certificate_hold
    act(ra, made.card, "unfreeze")
    crl = get_crl(client)
    assert listed(crl, old) == R.superseded and listed(crl, new) is None


def test_crl_pem_is_the_same_crl(client, ra, made):
    act(ra, made.card, "freeze")
    der = client.get("/pki/crl.der").content
    r = client.get("/pki/crl.pem")
    assert r.status_code == 200 and r["Content-Type"] == "application/x-pem-file"
    assert r.content.startswith(b"-----BEGIN X509 CRL-----")
    assert x509.load_pem_x509_crl(r.content).public_bytes(serialization.Encoding.DER) == der


def test_crl_is_renewed_when_half_its_life_is_gone(client, settings):
    number = crl_number(get_crl(client))
    assert crl_number(get_crl(client)) == number  # a fresh CRL is served as it is
    CrlState.objects.filter(issuer_key_id=issuing_ca().key_id).update(
        this_update=timezone.now() - settings.CRL_VALIDITY / 2 - dt.timedelta(seconds=1)
    )
    renewed = get_crl(client)
    assert crl_number(renewed) == number + 1
    assert renewed.next_update_utc > timezone.now() + settings.CRL_VALIDITY - dt.timedelta(minutes=1)


def test_expired_certificates_drop_off_the_crl(client, ra, made):
    act(ra, made.card, "void")
    serial = serial_of(made.card)
    assert listed(get_crl(client), serial) == R.cessation_of_operation
    Certificate.objects.filter(pk=made.card.certificate_id).update(
        not_after=timezone.now() - dt.timedelta(days=1)
    )
    crl_publish()
    assert listed(get_crl(client), serial) is None


# --- OCSP ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", [hashes.SHA1, hashes.SHA256])
def test_ocsp_follows_freeze_unfreeze_void(client, ra, made, algorithm):
    cert = cert_of(made.card)
    assert status(client, cert, algorithm=algorithm) == (GOOD, None)
    act(ra, made.card, "freeze")
    assert status(client, cert, algorithm=algorithm) == (REVOKED, R.certificate_hold)
    act(ra, made.card, "unfreeze")
    assert status(client, cert, algorithm=algorithm) == (GOOD, None)
    act(ra, made.card, "void", reason="key_compromise")
    resp = verified(post_ocsp(client, ocsp_request(cert, algorithm=algorithm)))
    assert (resp.certificate_status, resp.revocation_reason) == (REVOKED, R.key_compromise)
    assert abs(resp.revocation_time_utc - timezone.now()) < dt.timedelta(minutes=1)
    assert resp.hash_algorithm.name == algorithm.name
    req = ocsp.load_der_ocsp_request(ocsp_request(cert, algorithm=algorithm))
    assert (resp.issuer_name_hash, resp.issuer_key_hash) == (req.issuer_name_hash, req.issuer_key_hash)


def test_ocsp_after_report_lost_and_renew(client, ra, made):
    old = cert_of(made.card)
    act(ra, made.card, "report-lost")
    assert status(client, old) == (REVOKED, R.certificate_hold)
    act(ra, made.card, "cancel-lost")
    act(ra, made.card, "renew", **f.renewal(made))
    assert status(client, old) == (REVOKED, R.superseded)
    assert status(client, cert_of(made.card)) == (GOOD, None)


def test_ocsp_void_without_a_reason_says_unspecified_by_leaving_it_out(client, ra, made):
    act(ra, made.card, "void", reason="unspecified")
    assert status(client, cert_of(made.card)) == (REVOKED, None)


def test_ocsp_echoes_the_nonce(client, made):
    cert, nonce = cert_of(made.card), os.urandom(16)
    resp = verified(post_ocsp(client, ocsp_request(cert, nonce=nonce)))
    assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    resp = verified(post_ocsp(client, ocsp_request(cert)))
    with pytest.raises(x509.ExtensionNotFound):
        resp.extensions.get_extension_for_class(x509.OCSPNonce)


def test_ocsp_unknown_serial_of_our_ca(client):
    now = dt.datetime.now(dt.UTC)
    never_recorded = issue_end_entity(
        public_key=ec.generate_private_key(ec.SECP256R1()).public_key(),
        subject=x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "无此卡")]),
        not_before=now,
        not_after=now + dt.timedelta(days=1),
    )
    assert status(client, never_recorded) == (UNKNOWN, None)


def _other_ca_request(same_name: bool) -> bytes:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    name = (
        issuing_ca().certificate.subject
        if same_name
        else x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Some Other CA")])
    )
    other = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return (
        ocsp.OCSPRequestBuilder()
        .add_certificate_by_hash(
            _hash(name.public_bytes()),
            _hash(
                other.public_key().public_bytes(
                    serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
                )
            ),
            x509.random_serial_number(),
            hashes.SHA1(),
        )
        .build()
        .public_bytes(serialization.Encoding.DER)
    )


def _hash(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SHA1())
    h.update(data)
    return h.finalize()


@pytest.mark.parametrize("same_name", [False, True], ids=["other-name", "our-name-other-key"])
def test_ocsp_refuses_another_issuer(client, same_name):
    resp = post_ocsp(client, _other_ca_request(same_name))
    assert resp.response_status == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_ocsp_refuses_garbage_and_wrong_requests(client, made):
    assert post_ocsp(client, b"garbage").response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    assert post_ocsp(client, b"0\x00").response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    der = ocsp_request(cert_of(made.card))
    r = client.post("/pki/ocsp", data=der, content_type="application/octet-stream")
    assert r.status_code == 415
    r = client.post("/pki/ocsp", data=b"0" * (8 * 1024 + 1), content_type="application/ocsp-request")
    assert r.status_code == 413
    assert client.put("/pki/ocsp", data=der, content_type="application/ocsp-request").status_code == 405


def test_ocsp_get_answers_the_same(client, ra, made):
    cert = cert_of(made.card)
    act(ra, made.card, "freeze")
    # A nonce whose base64 has both '+' and '/', so the URL encoding matters.
    nonce = next(
        n
        for n in (os.urandom(16) for _ in range(10000))
        if {"+", "/"} <= set(base64.b64encode(ocsp_request(cert, nonce=n)).decode())
    )
    der = ocsp_request(cert, nonce=nonce)
    b64 = base64.b64encode(der).decode()
    for path in (b64, quote(b64, safe="")):  # RFC 6960 asks for URL-encoding; some clients send it raw
        r = client.get("/pki/ocsp/" + path)
        assert r.status_code == 200 and r["Content-Type"] == "application/ocsp-response"
        resp = verified(ocsp.load_der_ocsp_response(r.content))
        assert resp.serial_number == cert.serial_number
        assert (resp.certificate_status, resp.revocation_reason) == (REVOKED, R.certificate_hold)
        assert resp.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce == nonce
    r = client.get("/pki/ocsp/" + quote(base64.b64encode(b"garbage").decode(), safe=""))
    assert ocsp.load_der_ocsp_response(r.content).response_status == ocsp.OCSPResponseStatus.MALFORMED_REQUEST


# --- delta CRL -----------------------------------------------------------------------------------


def get_delta(client) -> x509.CertificateRevocationList:
    r = client.get("/pki/delta-crl.der")
    assert r.status_code == 200
    delta = x509.load_der_x509_crl(r.content)
    assert delta.is_signature_valid(issuing_ca().certificate.public_key())
    return delta


def test_delta_crl_lists_a_release_as_remove_from_crl(client, ra, made):
    serial = serial_of(made.card)
    act(ra, made.card, "report-lost")
    held, held_delta = get_crl(client), get_delta(client)
    base = held_delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number
    assert base < crl_number(held) == crl_number(held_delta)  # same number sequence, issued together
    assert listed(held_delta, serial) == R.certificate_hold
    freshest = held.extensions.get_extension_for_class(x509.FreshestCRL).value
    assert freshest[0].full_name[0].value.endswith("/pki/delta-crl.der")

    act(ra, made.card, "cancel-lost")
    released, delta = get_crl(client), get_delta(client)
    assert listed(released, serial) is None  # the complete CRL simply drops it
    assert listed(delta, serial) == R.remove_from_crl  # the delta tells holders of the older base
    assert delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number == base

    act(ra, made.card, "void", reason="key_compromise")
    assert listed(get_delta(client), serial) == R.key_compromise


def test_delta_base_moves_once_per_crl_lifetime(client, ra, made, settings):
    act(ra, made.card, "freeze")
    held = get_crl(client)  # a relying party fetches the complete CRL: it lists the hold
    assert listed(held, serial_of(made.card)) == R.certificate_hold
    state = CrlState.objects.get()
    CrlState.objects.filter(pk=state.pk).update(
        delta_base_at=timezone.now() - settings.CRL_VALIDITY - dt.timedelta(seconds=2)
    )
    act(ra, made.card, "unfreeze")
    delta = get_delta(client)
    base = delta.extensions.get_extension_for_class(x509.DeltaCRLIndicator).value.crl_number
    assert base == crl_number(held) < crl_number(delta)  # the latest complete CRL: holders may have it
    assert listed(delta, serial_of(made.card)) == R.remove_from_crl
    fresh = get_crl(client)  # the complete CRL fetched now: issued again, without the hold
    assert crl_number(fresh) > crl_number(delta) and listed(fresh, serial_of(made.card)) is None
    assert crl_number(get_delta(client)) == crl_number(fresh)  # issued together


def test_a_status_change_issues_only_the_delta_the_complete_crl_when_asked(client, ra):
    """A card action costs the changes since the delta's base, not a re-signing of every held or revoked
    certificate; whoever fetches the complete CRL afterwards still gets the change."""
    cards = [f.make_card("legal", ra=ra) for _ in range(3)]
    first = get_crl(client)
    full_before = CrlState.objects.get().der
    for m in cards:
        act(ra, m.card, "report-lost")
    state = CrlState.objects.get()
    assert bytes(state.der) == bytes(full_before) and state.full_number == crl_number(first) < state.number
    delta = get_delta(client)
    assert {listed(delta, serial_of(m.card)) for m in cards} == {R.certificate_hold}
    crl = get_crl(client)
    assert crl_number(crl) > state.number and all(listed(crl, serial_of(m.card)) for m in cards)
    assert crl_number(get_crl(client)) == crl_number(crl)  # no change since: served as it is
