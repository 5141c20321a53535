"""Tampering as someone with SQL access would: triggers dropped, rows changed, triggers back."""

from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from eport.audit import triggers
from eport.audit.models import AuditEvent
from eport.audit.services import record


def sql(statement, params=()):
    with connection.cursor() as c:
        c.execute(statement, params)


@contextmanager
def triggers_dropped():
    for s in triggers.drop_sql(connection.vendor):
        sql(s)
    try:
        yield
    finally:
        for s in triggers.create_sql(connection.vendor):
            sql(s)


def events(n, actor=None, **extra):
    return [
        record(
            actor=actor,
            action="test.event",
            object_type="test.thing",
            object_id=str(i),
            after={"i": i, **extra},
        )
        for i in range(n)
    ]


def verify_ok(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("audit", "verify", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args) -> str:
    with pytest.raises(CommandError) as e:
        call_command("audit", "verify", *args)
    assert e.value.returncode == 1
    return str(e.value)


def last() -> AuditEvent:
    return AuditEvent.objects.order_by("-sequence").first()
