"""The CA's signing key behind a small interface, so that an HSM (PKCS#11) can replace the key file.

Everything the CA signs goes through `Signer.sign(builder)`: certificates, CRLs and OCSP answers;
`Signer.sign_detached(data, certificate)` makes a CMS (PKCS#7) signature of a document (the audit
checkpoints), which `openssl cms -verify` checks.
`FileSigner` keeps the key in process memory, loaded from a passphrase-encrypted PKCS#8 file.
A PKCS#11 signer would implement the same two methods, signing the to-be-signed bytes on the token
(`cryptography` cannot hand an external key to a builder, so it would sign the TBS part itself and
assemble the DER).
"""

from abc import ABC, abstractmethod
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7

from eport.private_files import write_private


class Signer(ABC):
    @abstractmethod
    def public_key(self) -> ec.EllipticCurvePublicKey:
        """The public half of the signing key."""

    @abstractmethod
    def sign(self, builder):
        """Sign an X.509 certificate, CRL or OCSP response builder with SHA-256; return the signed object."""

    @abstractmethod
    def sign_detached(self, data: bytes, certificate) -> bytes:
        """A detached CMS SignedData (DER) over `data` with SHA-256, naming and carrying `certificate`
        (this key's certificate); the bytes are signed as they are (binary, no MIME canonicalisation)."""


class FileSigner(Signer):
    def __init__(self, key):
        self._key = key

    @classmethod
    def load(cls, path: Path, passphrase: bytes) -> "FileSigner":
        return cls(serialization.load_pem_private_key(path.read_bytes(), password=passphrase))

    @staticmethod
    def generate(path: Path, passphrase: bytes, curve: ec.EllipticCurve) -> "FileSigner":
        key = ec.generate_private_key(curve)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(passphrase),
        )
        write_private(path, pem)
        return FileSigner(key)

    def public_key(self):
        return self._key.public_key()

    def sign(self, builder):
        return builder.sign(self._key, hashes.SHA256())

    def sign_detached(self, data, certificate):
        return (
            pkcs7.PKCS7SignatureBuilder()
            .set_data(data)
            .add_signer(certificate, self._key, hashes.SHA256())
            .sign(
                serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary]
            )
        )
