"""Many writers at once on PostgreSQL: one unbroken chain, no fork, no gap from the rolled-back ones."""

import threading

import pytest
from django.db import connection, connections, transaction

from eport.applications import services
from eport.audit.models import AuditEvent
from eport.audit.services import record
from tests import factories as f

from .helpers import verify_ok

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers are PostgreSQL's case"),
]
THREADS, EACH = 8, 15


def test_concurrent_audited_changes_make_one_unbroken_chain():
    users = [f.cardless() for _ in range(THREADS)]
    start = AuditEvent.objects.count()
    barrier = threading.Barrier(THREADS)
    errors = []

    def writer(user):
        try:
            barrier.wait(timeout=30)
            for i in range(EACH):
                if i % 5 == 4:  # every fifth change fails after its audit row: it must leave no trace
                    try:
                        with transaction.atomic():
                            record(actor=user, action="test.rolled_back", object_type="t", object_id=str(i))
                            raise RuntimeError("rolled back")
                    except RuntimeError:
                        pass
                elif i % 5 == 0:  # a real audited change through the engine
                    services.application_create(
                        actor=user, kind="enterprise_entry", data=f.entry_data(user.enterprise.uscc)
                    ) if i == 0 else None
                else:
                    with transaction.atomic():
                        record(actor=user, action="test.concurrent", object_type="t", object_id=str(i))
        except BaseException as e:  # reported by the test, not lost in the thread
            errors.append(e)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(u,), daemon=True) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
        assert not t.is_alive(), "a writer hung"
    assert not errors, errors
    sequences = list(AuditEvent.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))
    assert len(sequences) - start == THREADS * (1 + EACH * 3 // 5)
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    verify_ok()
