"""The two kinds of IC card the agent can hold.

Both expose the same small interface: ``card_no``, ``certificate`` (an ``x509.Certificate``),
``info()`` (the public description served by ``GET /card``), ``sign(data) -> DER bytes``
(ECDSA P-256 with SHA-256) and ``close()``. The private key never leaves the card object.

Any problem while opening a card raises :class:`CardError` with a one-line message meant for the
user; the command line prints it and exits with status 2.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

# DER of the named-curve OID prime256v1 (1.2.840.10045.3.1.7), as a token reports CKA_EC_PARAMS.
P256_EC_PARAMS = bytes.fromhex("06082a8648ce3d030107")
SELF_TEST_MESSAGE = b"eport-card-agent self-test: does the certificate belong to this key?"


class CardError(Exception):
    """The card cannot be opened or used; ``str(error)`` is a one-line message for the user."""


class WrongPassword(CardError):
    """The card file password or the token PIN is wrong."""


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


class Card:
    """What both cards share: the certificate, the identity read from its subject, the self-test."""

    certificate: x509.Certificate
    card_no: str

    def _set_certificate(self, certificate: x509.Certificate) -> None:
        card_no = _attribute(certificate.subject, NameOID.SERIAL_NUMBER)
        if not card_no:
            raise CardError(
                "证书主题中没有卡号 (serialNumber) / the certificate subject has no card number "
                "(serialNumber)"
            )
        public_key = certificate.public_key()
        if not isinstance(public_key, ec.EllipticCurvePublicKey) or public_key.curve.name != "secp256r1":
            raise CardError("证书公钥不是 EC P-256 / the certificate's public key is not EC P-256")
        self.certificate = certificate
        self.card_no = card_no

    def _self_test(self) -> None:
        """Sign a test message and verify it with the certificate: the certificate must belong to the key."""
        signature = self.sign(SELF_TEST_MESSAGE)
        try:
            key = self.certificate.public_key()
            if not isinstance(key, ec.EllipticCurvePublicKey):  # the system's cards are EC P-256
                raise InvalidSignature
            key.verify(signature, SELF_TEST_MESSAGE, ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise CardError("证书与私钥不匹配 / the certificate does not match the private key") from None

    def info(self) -> dict:
        subject = self.certificate.subject
        return {
            "card_no": self.card_no,
            "kind": _attribute(subject, NameOID.ORGANIZATIONAL_UNIT_NAME),
            "holder_name": _attribute(subject, NameOID.COMMON_NAME),
            "enterprise_name": _attribute(subject, NameOID.ORGANIZATION_NAME),
            "uscc": _attribute(subject, NameOID.ORGANIZATION_IDENTIFIER),
            "not_before": self.certificate.not_valid_before_utc.isoformat(),
            "not_after": self.certificate.not_valid_after_utc.isoformat(),
            "certificate": self.certificate.public_bytes(serialization.Encoding.PEM).decode("ascii"),
        }

    def sign(self, data: bytes) -> bytes:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        pass


def _looks_like_pkcs12(data: bytes) -> bool:
    """A PFX is a DER SEQUENCE whose first element is INTEGER 3 (the version)."""
    if len(data) < 8 or data[0] != 0x30:
        return False
    if data[1] < 0x80:
        start = 2
    else:
        start = 2 + (data[1] & 0x7F)
    return data[start : start + 3] == b"\x02\x01\x03"


def _read_file(path: str, zh: str, en: str) -> bytes:
    """The file's bytes; one that cannot be read is a CardError naming it in both languages (`zh`, `en`)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise CardError(f"无法读取{zh} / cannot read the {en} {path}: {e.strerror or e}") from None


def _as_printed(password: str) -> str:
    """A card file password as the sub-centre prints it (XXXX-XXXX-…: capitals and digits in groups of
    four), from what the holder typed: lower case, spaces, missing or extra dashes."""
    chars = "".join(password.split()).replace("-", "").upper()
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


class FileCard(Card):
    """A PKCS#12 "card file": the key, the card certificate and the CA chain, protected by the card file
    password handed out with it (files made before that password existed: by the initial PIN)."""

    @staticmethod
    def read(path: str) -> bytes:
        """The file's bytes, read (and checked) before asking for the password, so a wrong path fails first."""
        data = _read_file(path, "IC卡文件", "card file")
        if not _looks_like_pkcs12(data):
            raise CardError(f"不是 PKCS#12 IC卡文件 / not a PKCS#12 card file: {path}")
        return data

    def __init__(self, data: bytes, password: str, path: str = "card file"):
        if not _looks_like_pkcs12(data):
            raise CardError(f"不是 PKCS#12 IC卡文件 / not a PKCS#12 card file: {path}")
        try:
            bundle = self._open(data, password)
        except ValueError:
            raise WrongPassword(
                "IC卡文件密码错误（制卡时与初始密码一同发放的“卡文件密码”）/ wrong card file password "
                "(the card file password handed out beside the initial PIN)"
            ) from None
        except UnsupportedAlgorithm:
            raise CardError(
                f"IC卡文件使用了不支持的加密算法 / the card file uses an unsupported algorithm: {path}"
            ) from None
        if not isinstance(bundle.key, ec.EllipticCurvePrivateKey) or bundle.key.curve.name != "secp256r1":
            raise CardError("IC卡文件中没有 EC P-256 私钥 / the card file holds no EC P-256 private key")
        if bundle.cert is None:
            raise CardError("IC卡文件中没有证书 / the card file holds no certificate")
        self._key = bundle.key
        self._set_certificate(bundle.cert.certificate)
        self.chain = [c.certificate for c in bundle.additional_certs]
        self._self_test()

    @staticmethod
    def _open(data: bytes, password: str):
        try:
            return pkcs12.load_pkcs12(data, password.encode("utf-8"))
        except ValueError:
            printed = _as_printed(password)
            if printed == password:
                raise
            return pkcs12.load_pkcs12(data, printed.encode("utf-8"))

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))


class TokenCard(Card):
    """A PKCS#11 token (smart card, USB key, HSM) logged in with the user PIN; signing happens on the token."""

    def __init__(
        self,
        module: str,
        token_label: str,
        pin: str,
        key_label: str | None = None,
        cert_file: str | None = None,
    ):
        try:
            import pkcs11
        except ImportError:
            raise CardError(
                "未安装 python-pkcs11 / python-pkcs11 is not installed (pip install 'eport[pkcs11]')"
            ) from None
        from pkcs11.exceptions import (
            MultipleTokensReturned,
            NoSuchToken,
            PinIncorrect,
            PinLenRange,
            PinLocked,
            PKCS11Error,
        )

        self._mechanism = pkcs11.Mechanism.ECDSA
        self._lock = threading.Lock()  # one PKCS#11 session is not used by two threads at once
        self._session: Any = None
        self._key: Any = None  # a PKCS#11 private key object (python-pkcs11 declares no types)
        try:
            lib = pkcs11.lib(module)
        except Exception as e:  # the module's own errors (dlopen, C_Initialize) are all just "cannot load"
            raise CardError(f"无法加载 PKCS#11 模块 / cannot load the PKCS#11 module {module}: {e}") from None
        try:
            token = lib.get_token(token_label=token_label)
        except NoSuchToken:
            raise CardError(f"找不到令牌 / token not found: {token_label}") from None
        except MultipleTokensReturned:
            raise CardError(f"有多个同名令牌 / more than one token is labelled {token_label}") from None
        except PKCS11Error as e:
            raise CardError(f"无法列出令牌 / cannot list the tokens: {type(e).__name__}") from None
        try:
            self._session = token.open(user_pin=pin)
        except (PinIncorrect, PinLenRange):
            raise WrongPassword("令牌PIN错误 / wrong token PIN") from None
        except PinLocked:
            raise CardError("令牌PIN已锁定 / the token PIN is locked") from None
        except PKCS11Error as e:
            raise CardError(f"无法登录令牌 / cannot log in to the token: {type(e).__name__}") from None
        try:
            self._open(key_label, cert_file)
        except PKCS11Error as e:
            self.close()
            raise CardError(f"令牌操作失败 / token error: {type(e).__name__}") from None
        except CardError:
            self.close()
            raise

    def _open(self, key_label: str | None, cert_file: str | None) -> None:
        """Find the EC private key and its certificate on the logged-in token."""
        from pkcs11 import Attribute, KeyType, ObjectClass

        assert self._session is not None  # _open runs right after the login that opened it
        template: dict = {Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: KeyType.EC}
        if key_label:
            template[Attribute.LABEL] = key_label
        keys = list(self._session.get_objects(template))
        which = f" ({key_label})" if key_label else ""
        if not keys:
            raise CardError(f"令牌上没有 EC 私钥 / no EC private key on the token{which}")
        if len(keys) > 1:
            raise CardError(
                f"令牌上有多个 EC 私钥，请用 --key-label 指定 / more than one EC private key on "
                f"the token{which}; choose one with --key-label"
            )
        key = keys[0]
        if bytes(key[Attribute.EC_PARAMS]) != P256_EC_PARAMS:
            raise CardError("令牌私钥不是 EC P-256 / the token's private key is not EC P-256")
        self._key = key

        certs = list(self._session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}))
        key_id = _get(key, Attribute.ID)
        if key_id and len(certs) > 1:
            certs = [c for c in certs if _get(c, Attribute.ID) == key_id] or certs
        if len(certs) > 1:
            raise CardError(
                "令牌上有多个证书且无法按 CKA_ID 对应私钥 / more than one certificate on the "
                "token and none matches the key's CKA_ID"
            )
        if certs:
            certificate = _load_certificate(bytes(certs[0][Attribute.VALUE]), "令牌证书 / token certificate")
        elif cert_file:
            certificate = _read_certificate_file(cert_file)
        else:
            raise CardError(
                "令牌上没有证书，请用 --cert 提供 / no certificate on the token; give one with --cert"
            )
        self._set_certificate(certificate)
        self._self_test()

    def sign(self, data: bytes) -> bytes:
        digest = hashlib.sha256(data).digest()
        with self._lock:
            raw = self._key.sign(digest, mechanism=self._mechanism)
        half = len(raw) // 2
        return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))

    def close(self) -> None:
        with self._lock:
            if self._session is not None:
                try:
                    self._session.close()
                except Exception:  # closing at exit: nothing more to do about a failure
                    pass
                self._session = None


def _get(obj, attribute):
    try:
        return bytes(obj[attribute])
    except Exception:  # the attribute is absent or unreadable on this object
        return None


def _load_certificate(data: bytes, what: str) -> x509.Certificate:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data:
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError:
        raise CardError(f"无法解析证书 / cannot parse the certificate: {what}") from None


def _read_certificate_file(path: str) -> x509.Certificate:
    return _load_certificate(_read_file(path, "证书文件", "certificate file"), path)
