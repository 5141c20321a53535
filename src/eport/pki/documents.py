"""PAdES signatures of PDF documents by a card, in two steps (pyHanko's interrupted signing).

`pdf_prepare` reserves the signature field of the PDF, digests its /ByteRange and builds the CMS signed
attributes the card signs: exactly content-type, message-digest, signing-time and signing-certificate-v2
(`signed_attrs_read` is the check both the card agent and the server apply to them). `pdf_embed` checks the
card's signature over those attributes against its certificate, then writes the CMS SignedData (the card's
certificate and the system CA chain inside) into the reserved field. Which card may sign, and keeping the
prepared state between the two steps, is the card's business (eport/cards/documents.py).
"""

import asyncio
import concurrent.futures
import datetime as dt
import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import ParamSpec, TypeVar

from asn1crypto import algos, cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from .ca import ca_certificates

FIELD = "EportCardSignature"
# The exact attribute set a card signs for a document; a sign-in challenge is raw bytes with a text prefix
# (eport-card-challenge:v1:), never a DER SET, so neither can pass for the other.
ATTRIBUTES = frozenset({"content_type", "message_digest", "signing_time", "signing_certificate_v2"})
RESERVED_BYTES = 16 * 1024  # the CMS: card certificate, issuing and root certificates, an ECDSA signature


class DocumentRefused(Exception):
    """The signed attributes or the signature are not acceptable; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class SignedAttrs:
    digest: bytes
    signing_time: dt.datetime


@dataclass(frozen=True)
class Prepared:
    pdf: bytes  # the document with the signature field reserved (zeros in /Contents)
    start: int  # the reserved /Contents region
    end: int
    digest: bytes  # SHA-256 of the /ByteRange
    signed_attrs: bytes  # DER SET OF Attribute: what the card signs


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def _ess_cert_id_v2(cert: x509.Certificate) -> tsp.SigningCertificateV2:
    der = cert.public_bytes(serialization.Encoding.DER)
    a = _asn1_cert(cert)
    return tsp.SigningCertificateV2(
        {
            "certs": [
                {
                    "hash_algorithm": {"algorithm": "sha256"},
                    "cert_hash": hashlib.sha256(der).digest(),
                    "issuer_serial": {
                        "issuer": [asn1_x509.GeneralName({"directory_name": a.issuer})],
                        "serial_number": a.serial_number,
                    },
                }
            ]
        }
    )


def signed_attrs_build(digest: bytes, cert: x509.Certificate, when: dt.datetime) -> bytes:
    attrs = cms.CMSAttributes(
        [
            cms.CMSAttribute({"type": "content_type", "values": ["data"]}),
            cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": when})]}),
            cms.CMSAttribute({"type": "message_digest", "values": [digest]}),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [_ess_cert_id_v2(cert)]}),
        ]
    )
    return attrs.dump(force=True)


def signed_attrs_read(der: bytes, cert: x509.Certificate) -> SignedAttrs:
    """The digest and signing time of DER signed attributes that are exactly ATTRIBUTES, one value each,
    naming `cert` as the signing certificate; anything else is refused."""
    try:
        attrs = cms.CMSAttributes.load(der, strict=True)
        types = [a["type"].native for a in attrs]
        if sorted(types) != sorted(ATTRIBUTES):
            raise DocumentRefused("attributes_not_exact")
        by_type = {}
        for a in attrs:
            if len(a["values"]) != 1:
                raise DocumentRefused("attributes_not_exact")
            by_type[a["type"].native] = a["values"][0]
        if by_type["content_type"].native != "data":
            raise DocumentRefused("content_type_not_data")
        digest = by_type["message_digest"].native
        when = by_type["signing_time"].native
        ess = by_type["signing_certificate_v2"]["certs"][0]
        algorithm = ess["hash_algorithm"]["algorithm"].native
        cert_der = cert.public_bytes(serialization.Encoding.DER)
        if algorithm != "sha256" or ess["cert_hash"].native != hashlib.sha256(cert_der).digest():
            raise DocumentRefused("signing_certificate_mismatch")
        if not isinstance(digest, bytes) or len(digest) != 32 or not isinstance(when, dt.datetime):
            raise DocumentRefused("attributes_invalid")
        if attrs.dump(force=True) != der:  # DER, not BER: what the card signs is what gets embedded
            raise DocumentRefused("attributes_not_der")
    except DocumentRefused:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError):
        raise DocumentRefused("attributes_invalid") from None
    return SignedAttrs(digest=digest, signing_time=when)


def signature_valid(cert: x509.Certificate, data: bytes, signature: bytes) -> bool:
    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):  # cards hold EC P-256 keys only
        return False
    try:
        key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _signer(cert: x509.Certificate, signature: bytes | None = None) -> signers.ExternalSigner:
    issuing, root = ca_certificates()
    return signers.ExternalSigner(
        signing_cert=_asn1_cert(cert),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(issuing), _asn1_cert(root)]),
        signature_value=signature if signature is not None else 72,  # an ECDSA P-256 DER is ≤ 72 bytes
        signature_mechanism=algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        embed_roots=True,
    )


P = ParamSpec("P")
R = TypeVar("R")


def _outside_a_running_loop(fn: Callable[P, R]) -> Callable[P, R]:
    """pyHanko runs its coroutines with asyncio.run (here and inside its own synchronous calls), which refuses
    to start where this thread already runs an event loop (an ASGI server; Playwright's sync API in the tests):
    there the whole call runs in a worker thread, which has no loop."""

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return fn(*args, **kwargs)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(fn, *args, **kwargs).result()

    return call


@_outside_a_running_loop
def pdf_prepare(pdf: bytes, cert: x509.Certificate, *, when: dt.datetime, reason: str = "") -> Prepared:
    """Reserve the signature field of `pdf` for `cert` and build the signed attributes to sign."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
    )
    pdf_signer = signers.PdfSigner(meta, signer=_signer(cert))
    output = BytesIO()
    prepared, _tbs, _ = asyncio.run(
        pdf_signer.async_digest_doc_for_signing(writer, bytes_reserved=RESERVED_BYTES, output=output)
    )
    digest = prepared.document_digest
    return Prepared(
        pdf=output.getvalue(),
        start=prepared.reserved_region_start,
        end=prepared.reserved_region_end,
        digest=digest,
        signed_attrs=signed_attrs_build(digest, cert, when),
    )


def byte_range_digest(pdf: bytes, start: int, end: int) -> bytes:
    return hashlib.sha256(pdf[:start] + pdf[end:]).digest()


@_outside_a_running_loop
def pdf_embed(prepared: Prepared, cert: x509.Certificate, signature: bytes) -> bytes:
    """The signed PDF: the card's signature over the prepared attributes checked against `cert`, and the
    prepared document's digest against those attributes, before anything is written."""
    attrs = signed_attrs_read(prepared.signed_attrs, cert)
    if attrs.digest != prepared.digest or byte_range_digest(prepared.pdf, prepared.start, prepared.end) != (
        prepared.digest
    ):
        raise DocumentRefused("digest_mismatch")
    if not signature_valid(cert, prepared.signed_attrs, signature):
        raise DocumentRefused("signature_invalid")
    signed_attrs = cms.CMSAttributes.load(prepared.signed_attrs)
    content = asyncio.run(
        _signer(cert, signature).async_sign_prescribed_attributes("sha256", signed_attrs=signed_attrs)
    )
    output = BytesIO(prepared.pdf)
    byte_range = PreparedByteRangeDigest(
        document_digest=prepared.digest,
        reserved_region_start=prepared.start,
        reserved_region_end=prepared.end,
    )
    PdfTBSDocument.finish_signing(output, byte_range, content)
    return output.getvalue()


def embedded_signature(pdf: bytes) -> tuple[bytes, bytes]:
    """(the CMS DER, the signed /ByteRange content) of the document's last signature: what `openssl cms
    -verify -binary -content` checks."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    sig = reader.embedded_signatures[-1]
    contents = sig.sig_object["/Contents"]
    a, b, c, d = (int(x) for x in sig.sig_object["/ByteRange"])
    return bytes(contents.original_bytes), pdf[a : a + b] + pdf[c : c + d]


@dataclass(frozen=True)
class Verification:
    """What pyHanko's validation of a document's last signature says, against the system root."""

    valid: bool  # intact, the signature right, the chain to the system root trusted
    signer_serial: str  # the signing certificate's serial (hex, as pki.Certificate keeps it)
    signer: str  # its subject's common name
    signing_time: dt.datetime | None  # the signed attributes' signing time
    summary: str  # pyHanko's words when not valid


@_outside_a_running_loop
def pdf_verify(pdf: bytes) -> Verification:
    """Validate the document's last signature against the system root, as of its signing time (a card
    voided or held since does not undo what it signed while it was good), no fetching, no revocation
    information: the check the data centre makes when it records a signed document, and a reviewer sees."""
    try:
        reader = PdfFileReader(BytesIO(pdf), strict=False)
        sig = reader.embedded_signatures[-1]
        cert = sig.signer_cert
        serial, signer = format(cert.serial_number, "x"), cert.subject.native.get("common_name", "")
        when = sig.self_reported_timestamp
        root = ca_certificates()[1]
        context = ValidationContext(
            trust_roots=[_asn1_cert(root)], allow_fetching=False, moment=when, retroactive_revinfo=True
        )
        status = validate_pdf_signature(sig, context)
    except Exception as e:  # a broken or unsigned document: not valid, and why
        return Verification(False, "", "", None, f"{type(e).__name__}: {e}"[:300])
    ok = bool(status.intact and status.valid and status.trusted)
    return Verification(ok, serial, signer, when, "" if ok else status.summary())
