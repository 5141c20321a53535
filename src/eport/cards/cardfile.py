"""The card file 制卡 hands out once: PKCS#12 (the card key, its certificate, the CA chain) sealed under
its own random card file password, never under the PIN.

Why its own password: a copied file can be guessed offline at GPU speed, with no server to count and lock
wrong tries. A 12-digit PIN falls in a day or two on one GPU; 24 characters of a 31-letter alphabet
(118.9 bits) put the guess beyond 10^20 GPU-years whatever the KDF rounds, so the rounds can stay cheap
enough for card making (docs/architecture.md gives the arithmetic, docs/benchmarks.md the measurements).
The server returns the password once, beside the initial PIN, and keeps, logs and audits it nowhere.
"""

import math
import secrets

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.conf import settings

# Typed from a printed slip: digits and capitals without 0 O 1 I L, in dash-separated groups of four.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS, GROUP_LEN = 6, 4
ENTROPY_BITS = GROUPS * GROUP_LEN * math.log2(len(ALPHABET))  # 118.9


def card_file_password() -> str:
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(GROUP_LEN)) for _ in range(GROUPS))


def card_file_seal(card_no: str, key, cert, chain, password: str) -> bytes:
    """PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC) for the key and the certificates, HMAC-SHA256 MAC:
    what `openssl pkcs12` and the card agent read."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(settings.CARD_FILE_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    return pkcs12.serialize_key_and_certificates(card_no.encode(), key, cert, chain, encryption)
