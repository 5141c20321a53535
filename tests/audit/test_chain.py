"""The tamper-evident audit: every row hash-chained, the database refusing UPDATE and DELETE, and
`eport audit verify` naming the first row that does not fit."""

import pytest
from django.db import DatabaseError, connection, transaction

from eport.audit.chain import HASHED, row_hash
from eport.audit.models import AuditChain, AuditEvent
from eport.audit.services import record
from eport.cli import main as eport
from tests import factories as f

from .helpers import events, last, sql, triggers_dropped, verify_fails, verify_ok

pytestmark = pytest.mark.django_db


def test_each_row_links_to_the_one_before():
    a, b, c = events(3)
    assert (b.sequence, c.sequence) == (a.sequence + 1, a.sequence + 2)
    assert b.prev_hash == a.hash and c.prev_hash == b.hash and len(c.hash) == 64
    head = AuditChain.objects.get(pk=1)
    assert (head.sequence, head.hash) == (c.sequence, c.hash)
    stored = AuditEvent.objects.values(*HASHED).get(pk=b.pk)
    assert row_hash(stored) == b.hash


def test_verify_says_intact_in_one_line():
    events(5)
    out = verify_ok()
    assert out.count("\n") == 1 and "audit chain intact" in out and f"sequence 1–{last().sequence}" in out


def test_the_console_script_exits_non_zero_on_a_broken_chain(capsys):
    a, b, c = events(3)
    with triggers_dropped():
        sql("UPDATE audit_auditevent SET reason = 'rewritten' WHERE id = %s", [b.id])
    with pytest.raises(SystemExit) as e:
        eport(["eport", "audit", "verify"])
    assert e.value.code == 1
    assert f"row id {b.id} (sequence {b.sequence})" in capsys.readouterr().err


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditevent SET reason = 'x' WHERE id = %s", "DELETE FROM audit_auditevent WHERE id = %s"],
)
def test_the_database_refuses_update_and_delete(statement):
    (e,) = events(1)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement, [e.id])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=e.pk).update(reason="x")  # the ORM's bulk paths too
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=e.pk)._raw_delete(AuditEvent.objects.db)
    assert AuditEvent.objects.get(pk=e.pk).reason == ""
    verify_ok()


def test_a_changed_row_is_named():
    a, b, c = events(3)
    with triggers_dropped():
        sql("UPDATE audit_auditevent SET after = %s WHERE id = %s", ['{"i": 99}', b.id])
    msg = verify_fails()
    assert f"row id {b.id} (sequence {b.sequence})" in msg and "changed" in msg


def test_a_row_changed_with_its_hash_recomputed_breaks_the_next_link():
    a, b, c = events(3)
    row = AuditEvent.objects.values("hash", *HASHED).get(pk=b.pk)
    row["reason"] = "nothing to see"
    with triggers_dropped():
        sql(
            "UPDATE audit_auditevent SET reason = %s, hash = %s WHERE id = %s",
            [row["reason"], row_hash(row), b.id],
        )
    msg = verify_fails()
    assert f"row id {c.id} (sequence {c.sequence})" in msg and "prev_hash" in msg


def test_a_deleted_middle_row_is_found():
    a, b, c = events(3)
    with triggers_dropped():
        sql("DELETE FROM audit_auditevent WHERE id = %s", [b.id])
    msg = verify_fails()
    assert f"row id {c.id} (sequence {c.sequence})" in msg and "deleted" in msg


def test_a_deleted_tail_is_found_by_the_head():
    a, b, c = events(3)
    with triggers_dropped():
        sql("DELETE FROM audit_auditevent WHERE sequence >= %s", [b.sequence])
    msg = verify_fails()
    assert f"sequence {b.sequence}: missing" in msg and "chain head" in msg


def test_a_rolled_back_transaction_leaves_no_gap():
    (a,) = events(1)
    with pytest.raises(RuntimeError), transaction.atomic():
        events(2)
        raise RuntimeError("the change fails after its audit rows")
    (b,) = events(1)
    assert b.sequence == a.sequence + 1 and b.prev_hash == a.hash
    verify_ok()


def test_stored_values_hash_the_same_as_written():
    """jsonb reorders keys and keeps numbers as numeric, inet rewrites IPv6, SQLite stores text: the hash is of
    values, so what comes back from either database hashes as it did when written."""
    tricky = {
        "z": 1,
        "a": [1.0, 0.1, 1e100, 1.5e-300, -0.0, 2**70, True, None],
        "中文": '引号"\\\n\t',
        "nested": {"b": {"y": 2, "x": 1}},
        "emoji": "😀",
    }
    e = record(
        actor=None,
        action="test.tricky",
        object_type="t",
        object_id="1",
        before=tricky,
        after=[tricky],
        reason="多行\r\n理由",
        ip="2001:0DB8:0000::0001",
    )
    record(actor=None, action="test.tricky", object_type="t", object_id="2", ip="::ffff:10.1.2.3")
    stored = AuditEvent.objects.values(*HASHED).get(pk=e.pk)
    assert row_hash(stored) == e.hash
    verify_ok()


def test_deleting_a_user_leaves_the_audit_untouched():
    user = f.cardless()
    (e,) = events(1, actor=user)
    user_id = user.id
    user.delete()
    row = AuditEvent.objects.get(pk=e.pk)
    assert row.actor_id == user_id and row.actor_label == user.username and row.hash == e.hash
    verify_ok()


def test_the_admin_cannot_change_or_delete_audit_rows(client):
    admin = f.staff("admin", None, is_staff=True, is_superuser=True)
    client.force_login(admin)
    (e,) = events(1)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    assert client.post(f"/admin/audit/auditevent/{e.id}/change/", {"reason": "x"}).status_code == 403
    assert client.post(f"/admin/audit/auditevent/{e.id}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    assert AuditEvent.objects.get(pk=e.pk).reason == ""


def test_rows_are_written_only_through_record():
    with pytest.raises(RuntimeError, match="record"):
        AuditEvent.objects.create(action="x", object_type="y", object_id="1")
    assert connection.vendor in ("sqlite", "postgresql")
