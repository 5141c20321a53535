"""Reads of the list screens from a streaming replica (DATABASE_REPLICA_URL), everything else from the primary
(eport/dbrouter.py). The replica here is a second connection to the test database, as a streaming replica is
a second server with the primary's rows: which one a query went to is what each connection captured. The
tests commit (transaction=True): a second connection sees only committed rows, as a replica does."""

import logging

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from eport import dbrouter
from eport.accounts.models import User
from tests import databases
from tests import factories as f
from tests.api.helpers import Api

ENTRY_LIST = "applications_application"  # the table the lists read


def router_on(settings, monkeypatch):
    settings.DATABASE_ROUTERS = ["eport.dbrouter.ReplicaRouter"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "eport.dbrouter.ReplicaMiddleware"]
    monkeypatch.setattr(dbrouter, "_health", {"until": 0.0, "ok": True})  # this process has not asked yet


@pytest.fixture
def replica(settings, monkeypatch):
    """DATABASE_REPLICA_URL as a cluster sets it (the test settings name the replica), the replica answering."""
    router_on(settings, monkeypatch)
    return connections["replica"]


@pytest.fixture
def replica_down(settings, monkeypatch):
    """DATABASE_REPLICA_URL set, the replica down (a closed port; SQLite: a file that cannot be opened)."""
    router_on(settings, monkeypatch)
    with databases.down("replica") as conn:
        yield conn


WITH_REPLICA = {"transaction": True, "databases": ["default", "replica"]}
# A replica is PostgreSQL's streaming replication (settings refuse DATABASE_REPLICA_URL without a PostgreSQL
# primary); on SQLite the second connection to the in-memory test database would only test SQLite's locks.
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a streaming replica needs PostgreSQL (DATABASE_URL)"
)


class Queries:
    """The SQL each connection ran during the block."""

    def __enter__(self):
        self.primary = CaptureQueriesContext(connections["default"])
        self.replica = CaptureQueriesContext(connections["replica"])
        self.primary.__enter__()
        self.replica.__enter__()
        return self

    def __exit__(self, *exc):
        self.replica.__exit__(*exc)
        self.primary.__exit__(*exc)

    @staticmethod
    def _reads(ctx, table):
        return [q["sql"] for q in ctx.captured_queries if table in q["sql"]]

    def on_primary(self, table=ENTRY_LIST):
        return self._reads(self.primary, table)

    def on_replica(self, table=ENTRY_LIST):
        return self._reads(self.replica, table)


@postgresql_only
@pytest.mark.django_db(**WITH_REPLICA)
def test_lists_read_from_the_replica_and_an_actors_own_write_is_read_back_from_the_primary(
    replica, client, settings
):
    settings.REPLICA_STICKY_SECONDS = 60
    writer, other = f.cardless(), f.cardless(name="深圳另一家贸易有限公司")
    # a list screen (GET) reads from the replica; the session and the signed-in user from the primary
    client.force_login(other)
    with Queries() as q:
        assert client.get("/entries/").status_code == 200
    assert q.on_replica() and not q.on_primary()
    assert not q.on_replica("django_session") and q.on_primary("django_session")
    # a write goes to the primary, nothing of it to the replica
    api = Api(writer)
    with Queries() as q:
        r = api.post(
            "/applications", {"kind": "enterprise_entry", "data": f.entry_data(writer.enterprise.uscc)}
        )
        assert r.status_code == 201, r.content
    assert q.on_primary() and not q.replica.captured_queries
    # the writer's next list reads from the primary (its own write is there, maybe not yet on the replica)
    with Queries() as q:
        r = api.get("/applications")
        assert r.status_code == 200 and r.json()["total"] == 1
    assert q.on_primary() and not q.on_replica()
    # another actor's list still reads from the replica, its token looked up on the primary
    with Queries() as q:
        assert Api(other).get("/applications").status_code == 200
    assert q.on_replica() and not q.on_primary()
    assert q.on_primary("accounts_apitoken") and not q.on_replica("accounts_apitoken")
    # a page that is not a list reads from the primary
    app_id = r.json()["items"][0]["id"]
    client.force_login(writer)
    with Queries() as q:
        assert client.get(f"/applications/{app_id}/").status_code == 200
    assert q.on_primary() and not q.on_replica()


@postgresql_only
@pytest.mark.django_db(**WITH_REPLICA)
def test_the_cards_query_is_planned_and_read_on_the_replica(replica):
    """综合查询 plans for its values in its own transaction (pagination.planned_for_values): on the replica."""
    made = f.make_card()
    ra = f.ra_officer()
    with Queries() as q:
        r = Api(ra).get("/cards", {"card_no": made.card.card_no})
        assert r.status_code == 200 and r.json()["total"] == 1, r.content
    query = 'FROM "cards_card"'  # the list (the token look-up joins the card too, on the primary)
    assert q.on_replica(query) and not q.on_primary(query)
    assert q.on_replica("plan_cache_mode") and not q.on_primary("plan_cache_mode")


@postgresql_only
@pytest.mark.django_db(**WITH_REPLICA)
def test_in_a_replica_view_a_transaction_and_select_for_update_use_the_primary(replica):
    user = f.cardless()
    request = type("R", (), {"resolver_match": None, "user": user})()
    token = dbrouter._reads.set(dbrouter._Reads(request))
    try:
        assert User.objects.filter(pk=user.pk).exists()
        assert dbrouter._reads.get().replica is True
        assert User.objects.all().db == "replica"
        with transaction.atomic():
            assert User.objects.all().db == "default"
            assert User.objects.select_for_update().db == "default"
        assert User.objects.all().db == "replica"
    finally:
        dbrouter._reads.reset(token)
    assert User.objects.all().db == "default"  # outside a replica view


@postgresql_only
@pytest.mark.django_db(**WITH_REPLICA)
def test_a_replica_that_does_not_answer_leaves_the_page_on_the_primary(replica_down, client, caplog):
    user = f.cardless()
    f.submitted_entry(user)  # written by the service: no sticky mark, the user's reads may go to the replica
    client.force_login(user)
    with caplog.at_level(logging.WARNING, logger="eport.dbrouter"):
        assert client.get("/entries/").status_code == 200  # asked first: down, so the primary
        assert Api(user).get("/applications").json()["total"] == 1
    said = [r.getMessage() for r in caplog.records if r.name == "eport.dbrouter"]
    assert len(said) == 1 and said[0].startswith("replica does not answer")  # once, not per request
    # and a replica that fails during the request (it answered the last check): the view runs again
    dbrouter._health.update(until=float("inf"), ok=True)
    r = client.get("/entries/")
    assert r.status_code == 200 and dbrouter._health["ok"] is False
    assert client.get("/healthz").status_code == 200  # the node stays in the pool


@postgresql_only
@pytest.mark.django_db(**WITH_REPLICA)
def test_a_replica_lagging_too_far_behind_is_not_read(replica, client, settings):
    if connection.vendor != "postgresql":
        pytest.skip("the lag is PostgreSQL's pg_last_xact_replay_timestamp()")
    settings.REPLICA_MAX_LAG_SECONDS = -1  # any lag (the test's "replica" reports 0) is too much
    client.force_login(f.cardless())
    with Queries() as q:
        assert client.get("/entries/").status_code == 200
    assert q.on_primary() and not q.on_replica()


@pytest.mark.django_db
def test_without_a_replica_the_router_reads_everything_from_the_primary(settings, monkeypatch, client):
    router_on(settings, monkeypatch)
    monkeypatch.delitem(connections.settings, "replica")  # DATABASE_REPLICA_URL not set
    client.force_login(f.cardless())
    assert client.get("/entries/").status_code == 200
    assert not dbrouter.replica_configured() and User.objects.all().db == "default"


def test_every_named_replica_view_exists_and_is_a_get():
    for name in dbrouter.REPLICA_SCREENS:
        assert reverse(name)  # a URL name of the screens
    for path in dbrouter.REPLICA_API:
        match = resolve("/api/v1" + path)
        assert match.route == dbrouter.API_ROUTE + path.lstrip("/"), path
        ops = match.func.__self__.operations if hasattr(match.func, "__self__") else None
        if ops is not None:
            assert any("GET" in op.methods for op in ops), path
