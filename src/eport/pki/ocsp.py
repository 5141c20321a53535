"""RFC 6960 OCSP responder, answered from the certificate table and signed by the issuing CA itself
(so a client needs nothing but the CA certificate to check the answer)."""

import hmac

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp
from django.conf import settings
from django.utils import timezone

from .ca import issuing_ca
from .models import Certificate, CertStatus

_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256, "sha384": hashes.SHA384, "sha512": hashes.SHA512}


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def _issuer_hashes(algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    """issuerNameHash and issuerKeyHash of our issuing CA under the request's hash algorithm."""
    ca = issuing_ca().certificate
    name = hashes.Hash(algorithm)
    name.update(ca.subject.public_bytes())
    key_bits = ca.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    key = hashes.Hash(algorithm)
    key.update(key_bits)
    return name.finalize(), key.finalize()


def ocsp_answer(request_der: bytes) -> bytes:
    try:
        req = ocsp.load_der_ocsp_request(request_der)
        algorithm = req.hash_algorithm
    except Exception:  # any unparsable or unsupported request (several requests in one, unknown hash)
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    if algorithm.name not in _HASHES:
        return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    name_hash, key_hash = _issuer_hashes(algorithm)
    if not (
        hmac.compare_digest(name_hash, req.issuer_name_hash)
        and hmac.compare_digest(key_hash, req.issuer_key_hash)
    ):
        return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)  # not a certificate of our CA

    now = timezone.now().replace(microsecond=0)
    row = Certificate.objects.filter(serial=format(req.serial_number, "x")).first()
    revocation_time = revocation_reason = None
    if row is None:
        status = ocsp.OCSPCertStatus.UNKNOWN
    elif row.status == CertStatus.GOOD:
        status = ocsp.OCSPCertStatus.GOOD
    else:  # a hold is answered as revoked with reason certificateHold (RFC 6960 §2.2)
        status = ocsp.OCSPCertStatus.REVOKED
        revocation_time = row.revoked_at or now
        flag = x509.ReasonFlags[row.reason or "unspecified"]
        revocation_reason = None if flag == x509.ReasonFlags.unspecified else flag
    ca = issuing_ca()
    builder = (
        ocsp.OCSPResponseBuilder()
        .add_response_by_hash(
            issuer_name_hash=name_hash,
            issuer_key_hash=key_hash,
            serial_number=req.serial_number,
            algorithm=algorithm,
            cert_status=status,
            this_update=now,
            next_update=now + settings.OCSP_VALIDITY,
            revocation_time=revocation_time,
            revocation_reason=revocation_reason,
        )
        .responder_id(ocsp.OCSPResponderEncoding.HASH, ca.certificate)
    )
    try:
        nonce = req.extensions.get_extension_for_class(x509.OCSPNonce).value
        builder = builder.add_extension(nonce, critical=False)
    except x509.ExtensionNotFound:
        pass
    return ca.signer.sign(builder).public_bytes(serialization.Encoding.DER)
