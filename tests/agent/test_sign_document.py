"""The card agent's second purpose, ``POST /sign-document``: it signs exactly a document's CMS signed
attributes for this card, nothing else; and a sign-in challenge and document attributes never stand in
for each other (the server side of that: tests/cards/test_documents.py)."""

import base64
import datetime as dt
import hashlib
import os

import pytest
from asn1crypto import cms
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from eport.pki.documents import signed_attrs_build

from .conftest import make_card

PREFIX = b"eport-card-challenge:v1:"
WHEN = dt.datetime(2026, 12, 4, 8, 0, tzinfo=dt.UTC)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def attrs_for(certificate, digest: bytes | None = None) -> bytes:
    return signed_attrs_build(digest or hashlib.sha256(os.urandom(16)).digest(), certificate, WHEN)


def sign_document(agent, der: bytes):
    return agent.call("POST", "/sign-document", {"signed_attrs": b64(der)})


def verify(certificate, signature_b64: str, data: bytes) -> None:
    certificate.public_key().verify(base64.b64decode(signature_b64), data, ec.ECDSA(hashes.SHA256()))


def refused(resp, code: str) -> None:
    assert resp.status == 400, resp.body
    assert resp.json()["error"]["code"] == code
    assert resp.json()["error"]["message"]


def test_signs_the_attributes_and_logs_what_it_signed(file_agent, card):
    digest = hashlib.sha256(b"agreement").digest()
    der = attrs_for(card.certificate, digest)
    resp = sign_document(file_agent, der)
    assert resp.status == 200, resp.body
    assert resp.json()["card_no"] == card.card_no
    verify(card.certificate, resp.json()["signature"], der)
    log = file_agent.stderr()
    assert f"signed document digest={digest.hex()} time={WHEN.isoformat()} card={card.card_no}" in log
    assert resp.json()["signature"] not in log


def _with(certificate, *, drop: str | None = None, extra: cms.CMSAttribute | None = None) -> bytes:
    attrs = cms.CMSAttributes.load(attrs_for(certificate))
    kept = [a for a in attrs if a["type"].native != drop]
    if extra is not None:
        kept.append(extra)
    return cms.CMSAttributes(kept).dump(force=True)


@pytest.mark.parametrize(
    "make, code",
    [
        (lambda c: b"sign this contract for me", "not_signed_attributes"),
        (lambda c: PREFIX + os.urandom(32), "not_signed_attributes"),  # a sign-in challenge
        (lambda c: b"\x31\x03\x02\x01\x05", "not_signed_attributes"),  # a SET, not of attributes
        (lambda c: _with(c, drop="signing_time"), "attributes_not_exact"),
        (lambda c: _with(c, drop="signing_certificate_v2"), "attributes_not_exact"),
        (lambda c: _with(c, drop="message_digest"), "attributes_not_exact"),
        (
            lambda c: _with(
                c, extra=cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": WHEN})]})
            ),
            "attributes_not_exact",
        ),
        (
            lambda c: _with(c, extra=cms.CMSAttribute({"type": "counter_signature", "values": []})),
            "attributes_not_exact",
        ),
        (lambda c: b"\x31" + b"\x82\x10\x00" + b"\x00" * 4096, "attributes_too_long"),
    ],
    ids=["text", "challenge", "set-of-int", "no-time", "no-cert", "no-digest", "extra-time", "extra", "long"],
)
def test_refuses_anything_but_exact_attributes(file_agent, card, make, code):
    refused(sign_document(file_agent, make(card.certificate)), code)


def test_refuses_attributes_for_another_cards_certificate(file_agent, ca, card, tmp_path):
    other = make_card(tmp_path / "other", ca, card_no="8800000000000099")
    refused(sign_document(file_agent, attrs_for(other.certificate)), "certificate_mismatch")


def test_refuses_bad_bodies(file_agent):
    refused(file_agent.call("POST", "/sign-document", {}), "signed_attrs_required")
    refused(file_agent.call("POST", "/sign-document", {"signed_attrs": "***"}), "signed_attrs_invalid")
    resp = file_agent.call("POST", "/sign-document", b"x", {"Content-Type": "text/plain"})
    assert resp.status == 415
    assert file_agent.call("GET", "/sign-document").status == 405


def test_neither_purpose_stands_in_for_the_other(file_agent, card):
    """A sign-in challenge is refused by /sign-document, document attributes by /sign."""
    challenge = PREFIX + os.urandom(32).hex().encode()
    refused(sign_document(file_agent, challenge), "not_signed_attributes")
    attrs = attrs_for(card.certificate)
    resp = file_agent.call("POST", "/sign", {"nonce": b64(attrs)})
    assert resp.status == 400 and resp.json()["error"]["code"] in {"nonce_not_challenge", "nonce_too_long"}
    # under the challenge size limit too: the prefix is what /sign requires, and a DER SET never has it
    refused(file_agent.call("POST", "/sign", {"nonce": b64(attrs[:200])}), "nonce_not_challenge")
