"""GET /healthz, the load balancer's health check: 200 when this node can serve, 503 when its database does
not answer; nothing else runs (no session, no Host check, no audit)."""

import pytest
from django.db import connection
from django.db.utils import load_backend

from eport import health
from eport.audit.models import AuditEvent
from tests import databases

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok_with_one_query_and_no_session(client, django_assert_num_queries):
    with django_assert_num_queries(1):
        r = client.get("/healthz")
    assert r.status_code == 200 and r.content == b"ok"
    assert "Set-Cookie" not in r and not r.cookies and r["Cache-Control"] == "no-store"
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
    assert not AuditEvent.objects.filter(action__icontains="health").exists()


def test_healthz_answers_whatever_host_the_balancer_probes_with(client):
    assert client.get("/healthz", HTTP_HOST="10.1.2.3:8000").status_code == 200  # not in ALLOWED_HOSTS
    assert client.get("/", HTTP_HOST="10.1.2.3:8000").status_code == 400  # the screens still check the Host


def test_healthz_is_503_when_the_database_does_not_answer(client, monkeypatch):
    """The node's database down: a connection to a closed port (PostgreSQL) or to a file that cannot be opened
    (SQLite), made as the node's own would be."""
    down = load_backend(connection.settings_dict["ENGINE"]).DatabaseWrapper(
        databases.closed(connection.settings_dict), alias="down"
    )
    monkeypatch.setattr(health, "database", lambda: down)
    r = client.get("/healthz")
    assert r.status_code == 503 and r.content == b"unavailable"
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200  # back when the database is
