"""电子营业执照 (electronic business licence) assertions: proof that whoever holds an enterprise's licence
(its legal representative, in the licence app) authorises one portal account to act for it (SPEC §8).

The portal hands the account a nonce; the licence app signs a short-lived assertion
`{uscc, name, nonce, aud, iat, exp}` as a JWS (ES256/ES384/RS256) with its issuer key; the portal checks
it against the issuer certificate it is configured to trust (EPORT_LICENCE_ISSUER_CERT).

`licence_verifier()` returns the configured implementation (settings.LICENCE_VERIFIER), like the business
registry adapter: a deployment whose licence service speaks another format supplies a class with the same
`available`, `app_url` and `verify`. The demo ships its own issuer (a key under the data dir) and a page
that plays the licence app (web/licence.py); it is trusted only when the server runs in demo mode.
"""

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from eport.errors import InvalidInput
from eport.private_files import write_private
from eport.registry.codes import Code
from eport.validators import normalize_uscc

ALGORITHMS = ["ES256", "ES384", "RS256"]
LEEWAY = dt.timedelta(seconds=60)  # clocks of the licence service and the portal disagree a little
DEMO_APP_PATH = "/demo/licence/"


@dataclass(frozen=True)
class LicenceClaims:
    uscc: str
    name: str
    nonce: str
    issuer: str


class LicenceRefused(InvalidInput):
    """The assertion does not prove anything: forged, expired, for another portal, unreadable."""


def _refused(code: str, message) -> LicenceRefused:
    return LicenceRefused(code, message, "assertion")


class LicenceVerifier:
    @property
    def available(self) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    @property
    def app_url(self) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def verify(self, assertion: str) -> LicenceClaims:  # pragma: no cover - interface
        raise NotImplementedError


def demo_issuer_paths() -> tuple[Path, Path]:
    folder = Path(settings.DATA_DIR) / "licence-demo"
    return folder / "issuer.key.pem", folder / "issuer.pem"


def issuer_cert_path() -> Path | None:
    """The trusted issuer's certificate: the configured one, else (demo mode only) the demo issuer's."""
    if settings.LICENCE_ISSUER_CERT:
        return Path(settings.LICENCE_ISSUER_CERT)
    if settings.DEMO_MODE and demo_issuer_paths()[1].exists():
        return demo_issuer_paths()[1]
    return None


class SignedAssertionVerifier(LicenceVerifier):
    """A JWS signed by the configured issuer certificate's key, checked with PyJWT."""

    @property
    def available(self) -> bool:
        return issuer_cert_path() is not None

    @property
    def app_url(self) -> str:
        if settings.LICENCE_APP_URL:
            return settings.LICENCE_APP_URL
        return DEMO_APP_PATH if settings.DEMO_MODE else ""

    def _certificate(self) -> x509.Certificate:
        path = issuer_cert_path()
        if path is None:
            raise _refused(
                Code.LICENCE_UNAVAILABLE, _("本系统未配置电子营业执照签发机构，暂不能使用电子营业执照认证。")
            )
        return x509.load_pem_x509_certificate(path.read_bytes())

    def verify(self, assertion: str) -> LicenceClaims:
        cert = self._certificate()
        now = dt.datetime.now(dt.UTC)
        if not cert.not_valid_before_utc - LEEWAY <= now <= cert.not_valid_after_utc + LEEWAY:
            raise _refused(Code.LICENCE_ISSUER_EXPIRED, _("电子营业执照签发机构的证书不在有效期内。"))
        try:
            claims = jwt.decode(
                assertion or "",
                cast(ec.EllipticCurvePublicKey, cert.public_key()),  # a non-EC key fails ES256 anyway
                algorithms=ALGORITHMS,
                audience=settings.LICENCE_AUDIENCE,
                leeway=LEEWAY,
                options={"require": ["exp", "iat", "aud", "nonce", "uscc"]},
            )
        except jwt.ExpiredSignatureError:
            raise _refused(Code.LICENCE_EXPIRED, _("电子营业执照授权已过期，请重新扫码授权。")) from None
        except jwt.InvalidAudienceError:
            raise _refused(Code.LICENCE_WRONG_AUDIENCE, _("这份电子营业执照授权不是给本系统的。")) from None
        except jwt.PyJWTError:
            raise _refused(
                Code.LICENCE_INVALID, _("电子营业执照授权无效（签名不正确或格式错误）。")
            ) from None
        if not isinstance(claims.get("uscc"), str) or not isinstance(claims.get("nonce"), str):
            raise _refused(Code.LICENCE_INVALID, _("电子营业执照授权无效（签名不正确或格式错误）。"))
        return LicenceClaims(
            uscc=normalize_uscc(claims["uscc"]),
            name=str(claims.get("name") or "")[:200],
            nonce=claims["nonce"],
            issuer=cert.subject.rfc4514_string(),
        )


@lru_cache(maxsize=1)
def licence_verifier() -> LicenceVerifier:
    return import_string(settings.LICENCE_VERIFIER)()


@receiver(setting_changed)
def _licence_setting_changed(*, setting, **kwargs):
    if setting == "LICENCE_VERIFIER":
        licence_verifier.cache_clear()


# --- the demo issuer (demo mode only) ----------------------------------------------------------------


def demo_issuer_ensure() -> bool:
    """Create the demo licence issuer's key and self-signed certificate once. Returns True when created."""
    key_path, cert_path = demo_issuer_paths()
    if key_path.exists() and cert_path.exists():
        return False
    key_path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "E-Port demo"),
            x509.NameAttribute(NameOID.COMMON_NAME, "电子营业执照演示签发机构 (demo licence issuer)"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    write_private(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        replace=True,
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return True


def demo_assertion(
    *, uscc: str, name: str, nonce: str, lifetime: dt.timedelta = dt.timedelta(minutes=5)
) -> str:
    """What the licence app would hand back: signed by the demo issuer's key."""
    key = cast(
        ec.EllipticCurvePrivateKey,
        serialization.load_pem_private_key(demo_issuer_paths()[0].read_bytes(), password=None),
    )
    now = dt.datetime.now(dt.UTC)
    return jwt.encode(
        {
            "uscc": uscc,
            "name": name,
            "nonce": nonce,
            "aud": settings.LICENCE_AUDIENCE,
            "iat": now,
            "exp": now + lifetime,
        },
        key,
        algorithm="ES256",
    )
