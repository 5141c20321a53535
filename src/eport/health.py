"""GET /healthz: whether this node can serve, for the load balancer's health check (HAProxy).

Answered by the outermost middleware, before anything else runs: no session, no user, no CSRF, no Host
check (the balancer probes by address), no audit, no language; one `SELECT 1` on the database. 200 `ok`
when the database answers within a second, else 503. The replica is not asked: reads fall back to the
primary without it (eport.dbrouter), so a replica outage must not take every node out of the pool.
"""

import time

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

PATH = "/healthz"
ALIAS = "default"
BUDGET_SECONDS = 1.0  # slower than this, the node is as good as down: the balancer should send elsewhere


def database() -> BaseDatabaseWrapper:
    return connections[ALIAS]


def database_answers() -> bool:
    start = time.monotonic()
    try:
        with database().cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # whatever the database or the driver raises, this node cannot serve
        return False
    return time.monotonic() - start <= BUDGET_SECONDS


class HealthMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info != PATH:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        ok = database_answers()
        response = HttpResponse(
            "ok" if ok else "unavailable", status=200 if ok else 503, content_type="text/plain; charset=utf-8"
        )
        response["Cache-Control"] = "no-store"
        # Not logged as a failed request at every probe (several a second from each balancer): the database
        # outage itself is logged where requests meet it (eport.faults).
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
