"""Rows written before the chain existed are linked by the migration, in the order they were written."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from eport.audit.models import AuditChain, AuditEvent

from .helpers import events, verify_ok

BEFORE = ("audit", "0002_auditevent_ip_auditevent_audit_action_ip_at")


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_rows_that_exist():
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes("audit")
    executor.migrate([BEFORE])
    Old = executor.loader.project_state([BEFORE]).apps.get_model("audit", "AuditEvent")
    Old.objects.all().delete()
    old = [
        Old.objects.create(
            action="old.event",
            object_type="t",
            object_id=str(i),
            after={"i": i, "x": [1.0, "二"]},
            ip="2001:db8::1" if i == 1 else None,
        )
        for i in range(3)
    ]
    executor = MigrationExecutor(connection)
    executor.migrate(latest)
    rows = list(AuditEvent.objects.order_by("id"))
    assert [r.id for r in rows] == [o.id for o in old] and [r.sequence for r in rows] == [1, 2, 3]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash
    assert AuditChain.objects.get(pk=1).hash == rows[2].hash
    (new,) = events(1)
    assert new.sequence == 4 and new.prev_hash == rows[2].hash
    verify_ok()
