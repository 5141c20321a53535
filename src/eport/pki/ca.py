"""The system CA: a root CA and an issuing CA that signs card certificates, CRLs and OCSP answers.

Both keys live under `$EPORT_DATA_DIR/pki/`, encrypted with a passphrase taken from
`EPORT_CA_PASSPHRASE` or generated once into `pki/passphrase` (0600). `ca_init()` creates them
(`eport pki init`, and `eport serve` when missing); `issuing_ca()` loads them once per process.
"""

import datetime as dt
import fcntl
import os
import secrets
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.utils.translation import gettext as _

from eport.errors import DomainError
from eport.pki.codes import Code
from eport.private_files import write_private

from .signer import FileSigner, Signer

ROOT_YEARS, ISSUING_YEARS = 20, 10


class CaNotReady(DomainError):
    status = 503


@dataclass(frozen=True)
class IssuingCa:
    certificate: x509.Certificate
    root: x509.Certificate
    signer: Signer

    @cached_property
    def key_id(self) -> str:
        """Hex SHA-1 of the issuing CA's public key (its Subject Key Identifier)."""
        return x509.SubjectKeyIdentifier.from_public_key(self.certificate.public_key()).digest.hex()

    def chain_pem(self) -> bytes:
        """Issuing CA first (what `openssl ocsp -issuer` reads), then the root."""
        return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in (self.certificate, self.root))


def pki_dir() -> Path:
    return Path(settings.PKI_DIR)


def _paths() -> dict[str, Path]:
    d = pki_dir()
    return {
        "root": d / "root.pem",
        "root_key": d / "root.key.pem",
        "issuing": d / "issuing.pem",
        "issuing_key": d / "issuing.key.pem",
        "passphrase": d / "passphrase",
    }


def _passphrase(create: bool) -> bytes:
    if os.environ.get("EPORT_CA_PASSPHRASE"):
        return os.environ["EPORT_CA_PASSPHRASE"].encode()
    path = _paths()["passphrase"]
    if not path.exists():
        if not create:
            raise CaNotReady(
                Code.CA_PASSPHRASE_MISSING,
                _("找不到 CA 私钥的口令：请设置 EPORT_CA_PASSPHRASE 或恢复 %(f)s。") % {"f": path},
            )
        write_private(path, secrets.token_urlsafe(32).encode())
    return path.read_bytes().strip()


def ca_exists() -> bool:
    return all(p.exists() for k, p in _paths().items() if k != "passphrase")


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.CA_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def _ca_certificate(
    *, subject, issuer, public_key, signer: Signer, issuer_public_key, years: int, path_length: int
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_public_key), critical=False)
    )
    return signer.sign(builder)


def ca_init() -> bool:
    """Create the root and issuing CA unless they exist. Returns True when it created them.

    A file lock makes concurrent starts (several workers, two commands) create them once.
    """
    d = pki_dir()
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    with open(d / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if ca_exists():
            return False
        p = _paths()
        for k in ("root", "root_key", "issuing", "issuing_key"):
            if p[k].exists():  # half a CA from an interrupted init: never overwrite a key silently
                raise CaNotReady(
                    Code.CA_INCOMPLETE,
                    _("CA 文件不完整：%(f)s 已存在而其他文件缺失，请检查数据目录。") % {"f": p[k]},
                )
        passphrase = _passphrase(create=True)
        root_signer = FileSigner.generate(p["root_key"], passphrase, ec.SECP384R1())
        root_name = _name(settings.CA_ROOT_NAME)
        root = _ca_certificate(
            subject=root_name,
            issuer=root_name,
            public_key=root_signer.public_key(),
            signer=root_signer,
            issuer_public_key=root_signer.public_key(),
            years=ROOT_YEARS,
            path_length=1,
        )
        issuing_signer = FileSigner.generate(p["issuing_key"], passphrase, ec.SECP256R1())
        issuing = _ca_certificate(
            subject=_name(settings.CA_ISSUING_NAME),
            issuer=root_name,
            public_key=issuing_signer.public_key(),
            signer=root_signer,
            issuer_public_key=root_signer.public_key(),
            years=ISSUING_YEARS,
            path_length=0,
        )
        p["root"].write_bytes(root.public_bytes(serialization.Encoding.PEM))
        p["issuing"].write_bytes(issuing.public_bytes(serialization.Encoding.PEM))
    issuing_ca.cache_clear()
    return True


@lru_cache(maxsize=1)
def issuing_ca() -> IssuingCa:
    if not ca_exists():
        raise CaNotReady(Code.CA_NOT_INITIALISED, _("系统 CA 尚未初始化，请先运行 eport pki init。"))
    p = _paths()
    certificate = x509.load_pem_x509_certificate(p["issuing"].read_bytes())
    root = x509.load_pem_x509_certificate(p["root"].read_bytes())
    try:
        signer = FileSigner.load(p["issuing_key"], _passphrase(create=False))
    except (ValueError, TypeError):
        raise CaNotReady(Code.CA_PASSPHRASE_WRONG, _("CA 私钥口令不正确，无法加载签发 CA。")) from None
    cert_key = certificate.public_key()
    if (
        not isinstance(cert_key, ec.EllipticCurvePublicKey)
        or signer.public_key().public_numbers() != cert_key.public_numbers()
    ):
        raise CaNotReady(Code.CA_KEY_MISMATCH, _("签发 CA 的私钥与证书不匹配。"))
    return IssuingCa(certificate=certificate, root=root, signer=signer)


def ca_certificates() -> tuple[x509.Certificate, x509.Certificate]:
    """(issuing, root) certificates, without their keys: what checking a CA signature needs."""
    if not ca_exists():
        raise CaNotReady(Code.CA_NOT_INITIALISED, _("系统 CA 尚未初始化，请先运行 eport pki init。"))
    p = _paths()
    return (
        x509.load_pem_x509_certificate(p["issuing"].read_bytes()),
        x509.load_pem_x509_certificate(p["root"].read_bytes()),
    )


class CheckpointAuthority:
    """The audit checkpoints' signer (audit/checkpoints.py): the issuing CA signs, its certificate and the
    root's verify. The audit sits below the PKI, so PkiConfig.ready plugs this in."""

    def sign(self, content: bytes) -> bytes:
        ca = issuing_ca()
        return ca.signer.sign_detached(content, ca.certificate)

    def certificates(self) -> tuple[x509.Certificate, x509.Certificate]:
        return ca_certificates()


def public_url(path: str) -> str:
    """Where others reach a path of the portal (EPORT_PUBLIC_URL): written into certificates and CRLs."""
    return settings.PUBLIC_URL.rstrip("/") + path


def issue_end_entity(
    *, public_key, subject: x509.Name, not_before: dt.datetime, not_after: dt.datetime
) -> x509.Certificate:
    """A client-authentication certificate for a card key, with where to check its status."""
    ca = issuing_ca()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.signer.public_key()), critical=False
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(public_url("/pki/crl.der"))],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(public_url("/pki/ocsp")),
                    ),
                    x509.AccessDescription(
                        x509.AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(public_url("/pki/ca.pem")),
                    ),
                ]
            ),
            critical=False,
        )
    )
    return ca.signer.sign(builder)


@lru_cache(maxsize=4096)
def issued_by_us(der: bytes) -> bool:
    """True when the certificate was signed by our issuing CA (cached: the bytes cannot change)."""
    ca = issuing_ca()
    try:
        cert = x509.load_der_x509_certificate(der)
        cert.verify_directly_issued_by(ca.certificate)
    except (InvalidSignature, ValueError, TypeError):  # another key, another issuer name, unparsable DER
        return False
    return True
