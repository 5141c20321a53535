"""Signed checkpoints of the chain head: written on demand and daily, checked by `openssl cms -verify`
and by `eport audit verify`, so that a rewrite of the whole chain is found too."""

import datetime as dt
import shutil
import subprocess

import pytest
from cryptography.hazmat.primitives import hashes
from django.core.management import call_command
from django.utils import timezone

from eport.audit import checkpoints
from eport.audit.chain import HASHED, row_hash
from eport.audit.models import AuditChain, AuditCheckpoint, AuditEvent
from eport.pki.ca import issuing_ca

from .helpers import events, last, sql, triggers_dropped, verify_fails, verify_ok

pytestmark = pytest.mark.django_db


@pytest.fixture
def ca_pem(tmp_path):
    path = tmp_path / "ca.pem"
    path.write_bytes(issuing_ca().chain_pem())
    return path


def files(directory=None):
    d = directory or checkpoints.checkpoint_dir()
    return sorted(d.glob("*.json")), sorted(d.glob("*.p7s"))


def openssl_verify(content, p7s, ca_pem):
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            "DER",
            "-in",
            str(p7s),
            "-content",
            str(content),
            "-CAfile",
            str(ca_pem),
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )


def checkpoint_now(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the files are written once it commits
        call_command("audit", "checkpoint", stdout=open("/dev/null", "w"))
    return AuditCheckpoint.objects.order_by("-id").first()


def test_checkpoint_is_signed_and_openssl_accepts_it(ca_pem, tmp_path, django_capture_on_commit_callbacks):
    events(3)
    cp = checkpoint_now(django_capture_on_commit_callbacks)
    assert (cp.sequence, cp.hash) == (last().sequence, last().hash)
    (content,), (p7s,) = files()
    assert content.read_text() == cp.content and p7s.read_bytes() == bytes(cp.signature)
    assert f'"sequence":{cp.sequence}' in cp.content and cp.hash in cp.content
    ok = openssl_verify(content, p7s, ca_pem)
    assert ok.returncode == 0, ok.stderr
    assert "Verification successful" in ok.stderr
    forged = tmp_path / "forged.json"
    forged.write_text(cp.content.replace(cp.hash, "0" * 64))
    bad = openssl_verify(forged, p7s, ca_pem)
    assert bad.returncode != 0 and "verification failure" in bad.stderr.lower()
    assert "2 checkpoint signature(s) verified" in verify_ok()  # the table's and the file's


def test_a_forged_checkpoint_file_is_named(django_capture_on_commit_callbacks):
    events(2)
    checkpoint_now(django_capture_on_commit_callbacks)
    (content,), _ = files()
    content.write_text(content.read_text().replace('"sequence":', '"sequence":1'))
    msg = verify_fails()
    assert str(content) in msg and "does not match the signature" in msg


def test_a_rewrite_of_the_whole_chain_is_found_through_the_checkpoint(django_capture_on_commit_callbacks):
    """Someone with SQL access rewrites one row and recomputes every hash after it and the head: the chain
    is consistent again, but no longer has the signed hash at the signed sequence."""
    a, b, c = events(3)
    cp = checkpoint_now(django_capture_on_commit_callbacks)
    events(2)
    with triggers_dropped():
        prev = AuditEvent.objects.get(sequence=b.sequence - 1).hash if b.sequence > 1 else ""
        for row in (
            AuditEvent.objects.filter(sequence__gte=b.sequence).order_by("sequence").values("id", *HASHED)
        ):
            if row["id"] == b.id:
                row["reason"] = "rewritten"
            row["prev_hash"] = prev
            prev = row_hash(row)
            sql(
                "UPDATE audit_auditevent SET reason = %s, prev_hash = %s, hash = %s WHERE id = %s",
                [row["reason"], row["prev_hash"], prev, row["id"]],
            )
    AuditChain.objects.filter(pk=1).update(hash=prev)
    msg = verify_fails()
    assert f"row id {c.id} (sequence {cp.sequence})" in msg and "checkpoint" in msg


def test_copies_off_the_machine_still_find_it_when_the_table_and_files_are_gone(
    tmp_path, django_capture_on_commit_callbacks
):
    a, b = events(2)
    checkpoint_now(django_capture_on_commit_callbacks)
    copies = tmp_path / "offsite"
    shutil.copytree(checkpoints.checkpoint_dir(), copies)
    with triggers_dropped():
        sql("DELETE FROM audit_auditcheckpoint")
        sql("DELETE FROM audit_auditevent WHERE sequence >= %s", [b.sequence])
    shutil.rmtree(checkpoints.checkpoint_dir())
    AuditChain.objects.filter(pk=1).update(sequence=a.sequence, hash=a.hash)
    verify_ok()  # on the machine alone the shortened chain looks whole
    msg = verify_fails("--checkpoints", str(copies))
    assert f"sequence {b.sequence}: missing" in msg and "deleted from the end" in msg


def test_the_daily_checkpoint_is_written_by_the_first_write_after_a_day(
    settings, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_HOURS = 24
    events(1)
    AuditChain.objects.filter(pk=1).update(checkpointed_at=timezone.now() - dt.timedelta(hours=25))
    before = AuditCheckpoint.objects.count()
    head = AuditChain.objects.get(pk=1)
    with django_capture_on_commit_callbacks(execute=True):
        (e,) = events(1)
    cp = AuditCheckpoint.objects.order_by("-id").first()
    assert AuditCheckpoint.objects.count() == before + 1
    assert (cp.sequence, cp.hash) == (head.sequence, head.hash) == (e.sequence - 1, e.prev_hash)
    events(3)
    assert AuditCheckpoint.objects.count() == before + 1  # one a day
    assert len(files()[1]) == 1
    verify_ok()


def test_the_checkpoint_table_is_append_only_too(django_capture_on_commit_callbacks):
    from django.db import DatabaseError, transaction

    events(1)
    cp = checkpoint_now(django_capture_on_commit_callbacks)
    for statement in (
        "UPDATE audit_auditcheckpoint SET hash = 'x' WHERE id = %s",
        "DELETE FROM audit_auditcheckpoint WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql(statement, [cp.id])


def test_checkpoint_of_an_empty_audit_says_so():
    from io import StringIO

    if AuditEvent.objects.exists():
        pytest.skip("rows from the set-up")
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "empty" in out.getvalue()


def test_a_checkpoint_signed_by_another_key_is_refused(django_capture_on_commit_callbacks):
    """Someone who rewrote the chain cannot vouch for it with a CA of their own making."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    from eport.pki.signer import FileSigner

    events(2)
    cp = checkpoint_now(django_capture_on_commit_callbacks)
    key = ec.generate_private_key(ec.SECP256R1())
    ours = issuing_ca().certificate
    name = x509.Name(
        [
            x509.NameAttribute(
                NameOID.COMMON_NAME, ours.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
            )
        ]
    )  # the same name as our issuing CA, another key
    now = timezone.now()
    fake = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(ours.issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    (content,), (p7s,) = files()
    p7s.write_bytes(FileSigner(key).sign_detached(content.read_bytes(), fake))
    msg = verify_fails()
    assert str(content) in msg and "not from our CA" in msg
    assert cp.id
