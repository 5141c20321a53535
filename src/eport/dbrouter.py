"""Reads of the read-heavy screens from a streaming replica (DATABASE_REPLICA_URL), everything else from the
primary.

What may read from the replica is named here, once: the list screens and list endpoints below (综合查询, the
review queues, the lists and their .xlsx exports), for GET and HEAD only. Everything else (every write,
select_for_update, any read inside a transaction on the primary, every other page, the sign-in and the
token look-up of the API) stays on the primary.

- Read-your-own-writes: after a signed-in actor's write (a request other than GET/HEAD/OPTIONS that
  answered below 400, so its transaction committed), that actor's reads stay on the primary for
  EPORT_REPLICA_STICKY_SECONDS. The mark is kept in the shared cache keyed by the user id (Redis in a
  cluster), not in a cookie: API clients with a bearer token keep no cookies, and every node sees the mark
  whichever node served the write.
- Fallback: the replica is used only while it answers and lags at most EPORT_REPLICA_MAX_LAG_SECONDS behind
  (asked at most every CHECK_SECONDS per process). A replica that fails during a request does not fail it:
  the view runs again with every read on the primary (the screens named here only read on GET).
"""

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse

log = logging.getLogger(__name__)

DEFAULT, REPLICA = "default", "replica"
CHECK_SECONDS = 5  # how often a process asks the replica whether it answers and how far behind it is
READS = frozenset({"GET", "HEAD"})
SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# The screens (web URL names) whose GET reads may come from the replica: lists, queues, 综合查询, exports
# (a list's 导出Excel is the same view with export=xlsx).
REPLICA_SCREENS = frozenset(
    {
        "web:entries",
        "web:status",
        "web:operators",
        "web:cards",
        "web:card_permissions",
        "web:reviews",
        "web:ra_legal_card_queue",
        "web:enterprise_accounts",
        "web:declarations",
        "web:declaration_reuploads",
        "web:brokers",
        "web:agreement_query",
        "web:delegations",
        "web:express_declarations",
        "web:express_receipts",
        "web:express_released",
        "web:express_review",
        "web:export_receipts",
        "web:export_receipt_requests",
        "web:export_receipt_port_filing",
        "web:processing_grants",
    }
)
# The API endpoints (paths below /api/v1) whose GET reads may come from the replica, once the caller is
# authenticated (the token look-up itself is on the primary).
REPLICA_API = frozenset(
    {
        "/applications",
        "/applications.xlsx",
        "/cards",
        "/cards.xlsx",
        "/reviews",
        "/legal-card-requests/queue",
        "/operators",
        "/operators.xlsx",
        "/filings/cards",
        "/filings/cards.xlsx",
        "/declarations",
        "/declarations.xlsx",
        "/declarations/reupload-requests",
        "/declarations/reupload-requests.xlsx",
        "/paperless/brokers",
        "/paperless/brokers.xlsx",
        "/paperless/delegations",
        "/paperless/delegations.xlsx",
        "/paperless/agreements",
        "/paperless/agreements.xlsx",
        "/processing-trade/grants",
        "/processing-trade/grants.xlsx",
        "/express/declarations",
        "/express/declarations.xlsx",
        "/express/receipts",
        "/express/receipts.xlsx",
        "/export-receipts",
        "/export-receipts.xlsx",
        "/export-receipts/requests",
        "/export-receipts/requests.xlsx",
        "/customs-registration/applications",
        "/customs-registration/applications.xlsx",
    }
)
API_ROUTE = "api/v1/"


def replica_configured() -> bool:
    return REPLICA in connections.settings


def replica_view(request: HttpRequest) -> bool:
    """Whether this request's view is one whose reads may come from the replica."""
    match = request.resolver_match
    if match is None:
        return False
    if match.route.startswith(API_ROUTE):
        return "/" + match.route.removeprefix(API_ROUTE) in REPLICA_API
    return match.view_name in REPLICA_SCREENS


# --- read-your-own-writes --------------------------------------------------------------------------------


def _sticky_key(user_id: Any) -> str:
    return f"replica-sticky:{user_id}"


def mark_written(user_id: Any) -> None:
    cache.set(_sticky_key(user_id), 1, settings.REPLICA_STICKY_SECONDS)


def recently_written(user_id: Any) -> bool:
    try:
        return cache.get(_sticky_key(user_id)) is not None
    except Exception:  # the cache does not answer: the primary is always right
        return True


# --- is the replica usable? (per process, asked at most every CHECK_SECONDS) ----------------------------

LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)
END
"""
_health_lock = threading.Lock()
_health = {"until": 0.0, "ok": True}  # assumed usable until asked (so that a first failure is logged)


def _ask_replica() -> tuple[bool, str]:
    """Whether the replica may be read from now, and if not, why."""
    conn = connections[REPLICA]
    try:
        if conn.vendor != "postgresql":
            conn.ensure_connection()
            return True, ""
        with conn.cursor() as cursor:
            cursor.execute(LAG_SQL)
            lag = float(cursor.fetchone()[0])
    except DatabaseError as e:
        _close_replica()
        return False, f"does not answer ({e})"
    if lag > settings.REPLICA_MAX_LAG_SECONDS:
        return False, f"lags {lag:.1f} s behind the primary"
    return True, ""


def replica_usable() -> bool:
    now = time.monotonic()
    with _health_lock:
        if now < _health["until"]:
            return bool(_health["ok"])
        was = _health["ok"]
    ok, why = _ask_replica()
    with _health_lock:
        _health.update(until=time.monotonic() + CHECK_SECONDS, ok=ok)
    if was and not ok:  # logged when it changes, not at every check
        log.warning("replica %s: reads go to the primary", why)
    elif ok and not was:
        log.info("replica usable: the list screens read from it")
    return ok


def _replica_failed() -> None:
    with _health_lock:
        _health.update(until=time.monotonic() + CHECK_SECONDS, ok=False)
    _close_replica()


def _close_replica() -> None:
    try:
        connections[REPLICA].close()
    except Exception:  # closing a broken connection may fail as well; it is dropped either way
        pass


# --- the request's choice -------------------------------------------------------------------------------


@dataclass
class _Reads:
    request: HttpRequest
    replica: bool | None = None  # None: not decided yet (the API decides once it knows the caller)


_reads: ContextVar[_Reads | None] = ContextVar("eport_replica_reads", default=None)
_UNKNOWN = object()


def _actor(request: HttpRequest) -> Any:
    """The signed-in account, once known: the API's (request.auth, set after its authentication), or the
    screens' (request.user, loaded by the middleware before any view)."""
    if (request.resolver_match is not None) and request.resolver_match.route.startswith(API_ROUTE):
        return getattr(request, "auth", _UNKNOWN)
    return getattr(request, "user", None)


def _decide(state: _Reads) -> bool:
    actor = _actor(state.request)
    if actor is _UNKNOWN:
        return False  # not decided: the API has not authenticated the caller yet (its look-up: the primary)
    state.replica = False  # while deciding, whatever is read goes to the primary
    user_id = getattr(actor, "pk", None) if getattr(actor, "is_authenticated", False) else None
    state.replica = not (user_id is not None and recently_written(user_id)) and replica_usable()
    return state.replica


@contextmanager
def primary() -> Iterator[None]:
    """Every read in the block from the primary, even in a replica view: what is read to be kept for other
    requests and nodes (a card's cached menu) must not be a lagging replica's."""
    token = _reads.set(None)
    try:
        yield
    finally:
        _reads.reset(token)


class ReplicaRouter:
    """DATABASE_ROUTERS: reads to the replica inside a replica view's request only; writes to the primary."""

    def db_for_read(self, model, **hints):
        state = _reads.get()
        if state is None or state.replica is False:
            return DEFAULT
        if connections[DEFAULT].in_atomic_block:
            return DEFAULT  # inside a transaction on the primary: read what it sees
        if state.replica is None and not _decide(state):
            return DEFAULT
        return REPLICA

    def db_for_write(self, model, **hints):
        return DEFAULT

    def allow_relation(self, obj1, obj2, **hints):
        return {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db == REPLICA:
            return False  # the replica follows the primary's schema by streaming
        return None


class ReplicaMiddleware:
    """Last in MIDDLEWARE (its process_view runs after CSRF): runs a replica view with its reads routed,
    again on the primary if the replica fails; and marks an actor's writes for read-your-own-writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method not in SAFE and response.status_code < 400:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                try:
                    mark_written(user.pk)
                except Exception:  # the cache is down: sticky reads are lost, the write itself is done
                    log.warning("could not mark a write for read-your-own-writes", exc_info=True)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method not in READS or not replica_configured() or not replica_view(request):
            return None
        state = _Reads(request)
        token = _reads.set(state)
        try:
            return view_func(request, *view_args, **view_kwargs)
        except (OperationalError, InterfaceError):
            if not (state.replica and connections[REPLICA].errors_occurred):
                raise  # the primary's failure: the usual 503
            log.warning("replica failed during a request: it runs again on the primary", exc_info=True)
            _replica_failed()
            _reads.set(_Reads(request, replica=False))
            return view_func(request, *view_args, **view_kwargs)
        finally:
            _reads.reset(token)
