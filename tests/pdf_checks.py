"""The checks every signed PDF of the tests passes: pyHanko's validation against the system root, and
`openssl cms -verify` of the embedded CMS over the signed byte ranges."""

import io
import shutil
import subprocess
from pathlib import Path

from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from eport.pki import documents as pdfsig
from eport.pki.ca import issuing_ca, pki_dir


def root_asn1():
    return asn1_x509.Certificate.load(issuing_ca().root.public_bytes(serialization.Encoding.DER))


def pyhanko_status(pdf: bytes, **context):
    reader = PdfFileReader(io.BytesIO(pdf))
    vc = ValidationContext(trust_roots=[root_asn1()], allow_fetching=False, **context)
    return validate_pdf_signature(reader.embedded_signatures[-1], vc)


def openssl_verify(pdf: bytes, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    cms_der, content = pdfsig.embedded_signature(pdf)
    (tmp_path / "sig.p7s").write_bytes(cms_der)
    (tmp_path / "content.bin").write_bytes(content)
    # -purpose any: a card certificate is for client authentication (its EKU), which openssl's default
    # S/MIME purpose check would refuse; the chain and the signature are what is verified here.
    return subprocess.run(
        ["openssl", "cms", "-verify", "-inform", "DER", "-binary", "-in", str(tmp_path / "sig.p7s")]
        + ["-content", str(tmp_path / "content.bin"), "-CAfile", str(pki_dir() / "root.pem")]
        + ["-purpose", "any", "-out", "/dev/null", *extra],
        capture_output=True,
        text=True,
    )


def assert_signed_pdf_valid(pdf: bytes, tmp_path: Path, card=None) -> None:
    """Both checks pass (openssl where installed); signed by `card` when given."""
    status = pyhanko_status(pdf)
    assert status.intact and status.valid and status.trusted, status.summary()
    if card is not None:
        assert status.signing_cert.serial_number == int(card.made_certificate.serial, 16)
    if shutil.which("openssl"):
        result = openssl_verify(pdf, tmp_path)
        assert result.returncode == 0, result.stderr
