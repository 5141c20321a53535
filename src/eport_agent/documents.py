"""The card agent's second purpose: signing a document's CMS signed attributes (``POST /sign-document``).

The agent signs only a DER ``SET OF Attribute`` that is exactly content-type (id-data), message-digest
(SHA-256), signing-time and signing-certificate-v2 naming this card's certificate: what the portal's
server builds for a PAdES signature (eport/pki/documents.py applies the same rule). A sign-in challenge
(text prefix ``eport-card-challenge:v1:``) is never a DER SET, and these attributes never carry that
prefix, so neither purpose can stand in for the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from asn1crypto import cms, tsp
from cryptography import x509
from cryptography.hazmat.primitives import serialization

ATTRIBUTES = frozenset({"content_type", "message_digest", "signing_time", "signing_certificate_v2"})
MAX_ATTRS_BYTES = 2048
# Importing asn1crypto.tsp is what teaches cms.CMSAttribute the signing-certificate-v2 attribute.
_ = tsp.SigningCertificateV2


class NotSignedAttributes(Exception):
    """Not document signed attributes this agent will sign; ``code`` and ``str()`` say why."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class DocumentAttributes:
    digest: bytes
    signing_time: dt.datetime


def read_signed_attributes(der: bytes, certificate: x509.Certificate) -> DocumentAttributes:
    """The digest and time of `der` when it is exactly the four attributes, for `certificate`."""
    if len(der) > MAX_ATTRS_BYTES:
        raise NotSignedAttributes("attributes_too_long", "签名属性过长")
    try:
        attrs = cms.CMSAttributes.load(der, strict=True)
        types = sorted(a["type"].native for a in attrs)
        values = {a["type"].native: list(a["values"]) for a in attrs}
    except (ValueError, TypeError, KeyError):
        raise NotSignedAttributes(
            "not_signed_attributes", "该内容不是文件签名属性（CMS signed attributes），拒绝签名"
        ) from None
    if types != sorted(ATTRIBUTES) or any(len(v) != 1 for v in values.values()):
        raise NotSignedAttributes(
            "attributes_not_exact",
            "签名属性必须恰好是 content-type、message-digest、signing-time、signing-certificate-v2",
        )
    try:
        if attrs.dump(force=True) != der:
            raise ValueError("not DER")
        content_type = values["content_type"][0].native
        digest = values["message_digest"][0].native
        when = values["signing_time"][0].native
        ess = values["signing_certificate_v2"][0]["certs"][0]
        algorithm = ess["hash_algorithm"]["algorithm"].native
        cert_hash = ess["cert_hash"].native
    except (ValueError, TypeError, KeyError, IndexError):
        raise NotSignedAttributes(
            "not_signed_attributes", "该内容不是文件签名属性（CMS signed attributes），拒绝签名"
        ) from None
    if content_type != "data" or not isinstance(digest, bytes) or len(digest) != 32:
        raise NotSignedAttributes("attributes_not_exact", "签名属性的内容类型或摘要不正确")
    if not isinstance(when, dt.datetime):
        raise NotSignedAttributes("attributes_not_exact", "签名时间不正确")
    mine = hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()
    if algorithm != "sha256" or cert_hash != mine:
        raise NotSignedAttributes("certificate_mismatch", "签名属性中的签名证书不是本卡的证书，拒绝签名")
    return DocumentAttributes(digest=digest, signing_time=when)
