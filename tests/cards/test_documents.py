"""A card signs a PDF (eport/cards/documents.py): prepare, the card's signature, complete; every signed PDF
verifies with pyHanko against the system root and with `openssl cms -verify` on the embedded CMS."""

import base64
import shutil
import time
from datetime import timedelta

import pytest
from asn1crypto import cms
from asn1crypto import crl as asn1_crl
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone

from eport.audit.models import AuditEvent
from eport.cards import actions
from eport.cards.challenges import PREFIX, challenge_issue
from eport.cards.documents import document_complete, document_prepare
from eport.cards.models import Card, DocumentSigning
from eport.cards.proof import CardRefused, proof_refusal
from eport.errors import DomainError
from eport.pki import documents as pdfsig
from eport.pki.ca import issuing_ca
from eport.pki.services import crl_current
from tests import factories as f
from tests.pdf_checks import openssl_verify, pyhanko_status
from tests.sample_pdf import sample_pdf

pytestmark = pytest.mark.django_db


def sign(key, data: bytes) -> str:
    return base64.b64encode(key.sign(data, ec.ECDSA(hashes.SHA256()))).decode()


@pytest.fixture
def ra():
    return f.ra_officer()


@pytest.fixture
def made(ra):
    return f.legal_card(ra=ra)


@pytest.fixture
def key(made):
    return f.card_key(made)


def signed_pdf(made, key) -> bytes:
    sign_id, to_sign = document_prepare(sample_pdf(), made.card, purpose="test")
    return document_complete(sign_id, sign(key, to_sign), made.card)


def test_signed_pdf_verifies_with_pyhanko_and_openssl(made, key, tmp_path):
    pdf = signed_pdf(made, key)
    status = pyhanko_status(pdf)
    assert status.intact and status.valid and status.trusted, status.summary()
    assert status.signing_cert.serial_number == int(made.card.made_certificate.serial, 16)
    if shutil.which("openssl"):
        result = openssl_verify(pdf, tmp_path)
        assert result.returncode == 0, result.stderr
    # the CMS carries the card's certificate and the system's chain, and the four signed attributes
    signed_data = cms.ContentInfo.load(pdfsig.embedded_signature(pdf)[0])["content"]
    subjects = {c.chosen.subject.native.get("common_name") for c in signed_data["certificates"]}
    ca = issuing_ca()
    assert {ca.root.subject.rfc4514_string().split("CN=")[1].split(",")[0]} <= subjects
    assert len(signed_data["certificates"]) == 3
    attrs = {a["type"].native for a in signed_data["signer_infos"][0]["signed_attrs"]}
    assert attrs == {"content_type", "message_digest", "signing_time", "signing_certificate_v2"}
    event = AuditEvent.objects.filter(action="card.document_sign").latest("id")
    assert event.object_id == str(made.card.pk)
    assert event.after["certificate"] == made.card.made_certificate.serial
    assert event.after["signing_time"]


def test_replayed_sign_id_is_refused(made, key):
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    signature = sign(key, to_sign)
    document_complete(sign_id, signature, made.card)
    with pytest.raises(CardRefused) as e:
        document_complete(sign_id, signature, made.card)
    assert e.value.code == "sign_id_used"


def test_expired_or_unknown_sign_id_is_refused(made, key):
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    DocumentSigning.objects.filter(sign_id=sign_id).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CardRefused) as e:
        document_complete(sign_id, sign(key, to_sign), made.card)
    assert e.value.code == "sign_id_expired"
    with pytest.raises(CardRefused) as e:
        document_complete("nope", sign(key, to_sign), made.card)
    assert e.value.code == "sign_id_invalid"


def test_another_cards_signature_or_sign_id_is_refused(made, key):
    other = f.legal_card()
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    with pytest.raises(CardRefused) as e:  # the other card's key over the right attributes
        document_complete(sign_id, sign(f.card_key(other), to_sign), made.card)
    assert e.value.code == "signature_invalid"
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    with pytest.raises(CardRefused) as e:  # made's sign_id presented as the other card's
        document_complete(sign_id, sign(f.card_key(other), to_sign), other.card)
    assert e.value.code == "sign_id_invalid"
    assert AuditEvent.objects.filter(action="card.document_sign_refused").count() == 2


def test_tampered_document_is_refused_before_embedding(made, key):
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    row = DocumentSigning.objects.get(sign_id=sign_id)
    pdf = bytearray(bytes(row.pdf))
    pdf[pdf.index(b"Paperless")] ^= 0x20  # one letter of the text, inside the signed byte range
    DocumentSigning.objects.filter(pk=row.pk).update(pdf=bytes(pdf))
    with pytest.raises(CardRefused) as e:
        document_complete(sign_id, sign(key, to_sign), made.card)
    assert e.value.code == "document_digest_mismatch"


def test_tampered_signed_pdf_does_not_verify(made, key, tmp_path):
    pdf = bytearray(signed_pdf(made, key))
    pdf[pdf.index(b"Paperless")] ^= 0x20
    status = pyhanko_status(bytes(pdf))
    assert not status.intact
    if shutil.which("openssl"):
        assert openssl_verify(bytes(pdf), tmp_path).returncode != 0


@pytest.mark.parametrize("action", ["report-lost", "freeze", "void", "pin_locked"])
def test_a_card_made_unusable_before_complete_cannot_sign(made, key, ra, action):
    sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    if action == "pin_locked":
        card = Card.objects.get(pk=made.card.pk)
        actions.card_pin_lock(card)
    else:
        actions.card_act(actor=ra, card_no=made.card.card_no, action=action)
    with pytest.raises(DomainError) as e:
        document_complete(sign_id, sign(key, to_sign), made.card)
    assert e.value.code in {"card_lost", "card_frozen", "card_voided", "card_locked"}
    assert e.value.status == 403
    # nor can it start another signature
    with pytest.raises(DomainError):
        document_prepare(sample_pdf(), Card.objects.get(pk=made.card.pk))


def _crls() -> list:
    """The complete CRL and its delta (the card certificates point to both: Freshest CRL)."""
    return [asn1_crl.CertificateList.load(crl_current(delta=d)) for d in (False, True)]


@pytest.mark.parametrize("action", ["void", "freeze"])
def test_signature_made_before_void_or_hold_still_validates_as_of_signing_time(
    made, key, ra, action, tmp_path
):
    pdf = signed_pdf(made, key)
    signed_at = pyhanko_status(pdf).signer_reported_dt
    time.sleep(1.1)  # the CRL says when to the second: the void or hold comes a second after the signature
    actions.card_act(actor=ra, card_no=made.card.card_no, action=action)
    crls = _crls()
    serial = int(made.card.made_certificate.serial, 16)
    listed = {e["user_certificate"].native for c in crls for e in c["tbs_cert_list"]["revoked_certificates"]}
    assert serial in listed
    # now, with the CRL that lists the card: not trusted any more
    now_status = pyhanko_status(pdf, crls=crls, revocation_mode="hard-fail")
    assert not now_status.bottom_line
    # as of its signing time, with the same CRL (issued later: retroactive): the signature stands
    then_status = pyhanko_status(
        pdf,
        crls=crls,
        revocation_mode="hard-fail",
        moment=signed_at,
        retroactive_revinfo=True,
    )
    assert then_status.bottom_line, then_status.summary()
    if shutil.which("openssl"):
        at = str(int(signed_at.timestamp()))
        assert openssl_verify(pdf, tmp_path, "-attime", at).returncode == 0


def test_not_a_pdf_is_refused(made):
    with pytest.raises(DomainError) as e:
        document_prepare(b"hello, not a pdf", made.card)
    assert e.value.code == "document_invalid"


def test_domain_separation_on_the_server(made, key):
    """Document attributes never pass as a sign-in proof, and a sign-in challenge is never signed attributes."""
    _sign_id, to_sign = document_prepare(sample_pdf(), made.card)
    assert not to_sign.startswith(PREFIX)
    c = challenge_issue(made.card.card_no)
    # a signature over the document attributes presented for the sign-in challenge: refused
    refusal = proof_refusal(made.card, made.card.card_no, c["challenge_id"], sign(key, to_sign), "login")
    assert refusal is not None and refusal.code == "signature_invalid"
    # a sign-in challenge, signed by the card, is not document attributes
    nonce = base64.b64decode(c["nonce"])
    with pytest.raises(pdfsig.DocumentRefused):
        pdfsig.signed_attrs_read(
            nonce, pdfsig.x509.load_der_x509_certificate(bytes(made.card.certificate.der))
        )


def test_a_document_is_signed_where_an_event_loop_already_runs():
    """Inside a running event loop (an ASGI server; Playwright's sync API in the browser tests) asyncio.run
    refuses to start: prepare and embed still run, on a loop of their own (a full test run failed this way,
    the refusal reading "not a PDF we sign")."""
    import asyncio

    from cryptography import x509

    from tests.sample_pdf import sample_pdf

    made = f.pin_changed(f.make_card())
    cert = x509.load_der_x509_certificate(bytes(made.card.made_certificate.der))
    key = f.card_key(made)
    when = timezone.now().replace(microsecond=0)

    async def inside_a_loop():
        prepared = pdfsig.pdf_prepare(sample_pdf(), cert, when=when)
        signature = key.sign(prepared.signed_attrs, ec.ECDSA(hashes.SHA256()))
        return pdfsig.pdf_embed(prepared, cert, signature)

    signed = asyncio.run(inside_a_loop())
    assert signed.startswith(b"%PDF") and b"/ByteRange" in signed
