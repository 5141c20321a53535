"""Signed checkpoints of the audit chain head: "at this time the chain had this hash at this sequence".

Signed by the system's issuing CA (`Signer.sign_detached`: a detached CMS/PKCS#7 signature that
`openssl cms -verify` accepts with the CA chain) — the audit sits below the PKI, so the pki app plugs the CA
in as the `CheckpointAuthority` (PkiConfig.ready) instead of the audit importing it — stored in `AuditCheckpoint` (append-only) and written
as two files under `AUDIT_CHECKPOINT_DIR` (`$EPORT_DATA_DIR/audit/checkpoints/`): `<name>.json`, the
signed text, and `<name>.p7s`, its signature. Copied off the machine, they make a rewrite of the whole
chain (hashes recomputed, even this table rewritten) detectable: the chain no longer has the signed
hash at the signed sequence.

When: on demand (`eport audit checkpoint`) and daily, by the first audited write once the latest is
older than AUDIT_CHECKPOINT_HOURS. That write already holds the chain head's lock, so whatever the
number of server processes or machines exactly one of them writes it, and no scheduler can be forgotten.
"""

import datetime as dt
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from asn1crypto import cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.utils import timezone

# chain.append calls checkpoint_if_due and this module calls the chain: modules, not names, so that either
# may be imported first.
from . import chain
from .models import AuditChain, AuditCheckpoint

log = logging.getLogger("eport.audit")
FORMAT = "eport-audit-checkpoint/1"
RETRY_SECONDS = 3600  # after a failed daily checkpoint (e.g. no CA passphrase), this process waits
_failed_at = 0.0


class CheckpointAuthority(Protocol):
    def sign(self, content: bytes) -> bytes:
        """A detached CMS SignedData (DER) over `content`, carrying the signer's certificate."""
        ...

    def certificates(self) -> tuple[x509.Certificate, x509.Certificate]:
        """(issuing, root): a checkpoint's signer must be the issuing CA or issued by the root."""
        ...


_authority: CheckpointAuthority | None = None


def use_authority(authority: CheckpointAuthority) -> None:
    global _authority
    _authority = authority


def authority() -> CheckpointAuthority:
    if _authority is None:
        raise RuntimeError(
            "no checkpoint authority: the pki app (eport.pki in INSTALLED_APPS) plugs the CA in"
        )
    return _authority


def checkpoint_dir() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR)


def content_text(*, sequence: int, hash: str, at) -> str:
    return (
        json.dumps(
            {"format": FORMAT, "sequence": sequence, "hash": hash, "at": chain.canonical_time(at)},
            sort_keys=True,
            separators=(",", ":"),
        )
        + "\n"
    )


def file_stem(cp: AuditCheckpoint) -> str:
    """checkpoint-<sequence>-<UTC time>: sorted by sequence, unique however many are written at one head."""
    return f"checkpoint-{cp.sequence:012d}-{cp.at.astimezone(dt.UTC):%Y%m%dT%H%M%S%fZ}"


def _sign(head: AuditChain) -> AuditCheckpoint:
    """Sign the locked head and store the checkpoint; its files are written once the transaction commits."""
    at = timezone.now()
    text = content_text(sequence=head.sequence, hash=head.hash, at=at)
    cp = AuditCheckpoint.objects.create(
        sequence=head.sequence,
        hash=head.hash,
        at=at,
        content=text,
        signature=authority().sign(text.encode()),
    )
    AuditChain.objects.filter(pk=head.pk).update(checkpointed_at=at)
    head.checkpointed_at = at
    transaction.on_commit(lambda: _write_files_logged([cp]))
    return cp


def checkpoint() -> AuditCheckpoint | None:
    """A checkpoint of the chain head now (None while the audit is empty)."""
    with transaction.atomic():
        head = chain.lock_head()
        return _sign(head) if head.sequence else None


def checkpoint_if_due(head: AuditChain) -> None:
    """Called by every append with the head locked: sign the head when the latest checkpoint is older than
    AUDIT_CHECKPOINT_HOURS. A failure (CA passphrase missing, disk) is logged and never fails the change."""
    global _failed_at
    hours = settings.AUDIT_CHECKPOINT_HOURS
    if not hours or not head.sequence:
        return
    if head.checkpointed_at and timezone.now() - head.checkpointed_at < dt.timedelta(hours=hours):
        return
    if _failed_at and time.monotonic() - _failed_at < RETRY_SECONDS:
        return
    try:
        with transaction.atomic():  # a savepoint: a failure here leaves the caller's transaction intact
            _sign(head)
    except Exception as e:  # CaNotReady, a database or key error: the audited change itself must go on
        _failed_at = time.monotonic()
        log.warning("daily audit checkpoint not written (retried in an hour): %s", e)


# --- files -------------------------------------------------------------------------------------------


def write_files(checkpoints, directory: Path | None = None) -> int:
    """Write each checkpoint's .json and .p7s unless already there; returns how many were written."""
    d = directory or checkpoint_dir()
    d.mkdir(parents=True, exist_ok=True)
    written = 0
    for cp in checkpoints:
        stem = file_stem(cp)
        if (d / f"{stem}.p7s").exists():
            continue
        for suffix, data in ((".json", cp.content.encode()), (".p7s", bytes(cp.signature))):
            tmp = d / f".{stem}{suffix}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, d / f"{stem}{suffix}")  # never half a file under the final name
        written += 1
    return written


def _write_files_logged(checkpoints) -> None:
    try:
        write_files(checkpoints)
    except OSError as e:  # committed already; `eport audit checkpoint` writes the missing files again
        log.warning("audit checkpoint files not written: %s", e)


# --- verification ------------------------------------------------------------------------------------


@dataclass
class Stated:
    """What one signed checkpoint states, and where it was found."""

    sequence: int
    hash: str
    source: str


def signature_problem(content: bytes, der: bytes) -> str | None:
    """Why this detached CMS signature of `content` is not a valid one by our CA; None when it is.

    Checks what `openssl cms -verify` does for us: the message digest attribute is SHA-256 of the
    content, the signer's certificate is our issuing CA or was issued by our root, and its key signed the
    signed attributes."""
    issuing, root = authority().certificates()
    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            return "not a CMS signed-data"
        signed = info["content"]
        if len(signed["signer_infos"]) != 1:
            return "not exactly one signer"
        signer = signed["signer_infos"][0]
        if signer["digest_algorithm"]["algorithm"].native != "sha256":
            return "digest is not SHA-256"
        attrs = {a["type"].native: a["values"][0].native for a in signer["signed_attrs"]}
        if (
            attrs.get("content_type") != "data"
            or attrs.get("message_digest") != hashlib.sha256(content).digest()
        ):
            return "the content does not match the signature"
        sid = signer["sid"].chosen
        certificate = next(
            (
                x509.load_der_x509_certificate(c.chosen.dump())
                for c in signed["certificates"] or ()
                if c.name == "certificate"
                and c.chosen.serial_number == sid["serial_number"].native
                and c.chosen.issuer == sid["issuer"]
            ),
            None,
        )
        if certificate is None:
            return "the signer's certificate is missing"
        if certificate != issuing:  # e.g. a checkpoint of an issuing CA since replaced
            try:
                certificate.verify_directly_issued_by(root)
            except (InvalidSignature, ValueError, TypeError):
                return "the signer's certificate is not from our CA"
        key = certificate.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey):  # the system CA signs with EC P-256 only
            return "the signer's key is not an EC key"
        key.verify(
            signer["signature"].native, signer["signed_attrs"].untag().dump(), ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature:
        return "the signature does not verify with our CA"
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        return f"unreadable signature ({e.__class__.__name__})"
    return None


def _parse(content: bytes) -> dict | None:
    try:
        data = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return None
    ok = (
        isinstance(data, dict)
        and data.get("format") == FORMAT
        and isinstance(data.get("sequence"), int)
        and isinstance(data.get("hash"), str)
    )
    return data if ok else None


def stated(extra_dirs=()) -> tuple[list[Stated], list[str]]:
    """Every checkpoint in the table and in the checkpoint folders (ours and `extra_dirs`, e.g. copies
    taken off the machine): what each states, and a problem per one whose signature does not hold."""
    found, problems = [], []

    def take(content: bytes, der: bytes, source: str, row: AuditCheckpoint | None = None):
        why = signature_problem(content, der)
        data = _parse(content)
        if data is None:
            why = why or "not a checkpoint of this format"
        elif why is None and row is not None and (row.sequence, row.hash) != (data["sequence"], data["hash"]):
            why = "its columns differ from its signed content"
        if why or data is None:
            problems.append(f"checkpoint {source}: {why}")
        else:
            found.append(Stated(data["sequence"], data["hash"], source))

    for row in AuditCheckpoint.objects.order_by("id").iterator():
        take(
            row.content.encode(),
            bytes(row.signature),
            f"#{row.id} of {row.at.astimezone(dt.UTC):%Y-%m-%dT%H:%MZ}",
            row,
        )
    dirs = [checkpoint_dir(), *map(Path, extra_dirs)]
    for d in dirs:
        for p in sorted(d.glob("*.json")) if d.is_dir() else ():
            sig = p.with_suffix(".p7s")
            if not sig.exists():
                problems.append(f"checkpoint {p}: its signature file {sig.name} is missing")
                continue
            take(p.read_bytes(), sig.read_bytes(), str(p))
    return found, problems
