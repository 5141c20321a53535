"""The database that does not answer, for the tests of the cluster (a replica or a primary that is down)."""

import contextlib
import copy

from django.db import connections


def closed(settings_dict: dict) -> dict:
    """The same database settings pointing at nothing: PostgreSQL on a closed port, SQLite in a missing
    directory (both fail at connect, as a server that is down does)."""
    d = copy.deepcopy(settings_dict)
    if d["ENGINE"].endswith("sqlite3"):
        d["NAME"] = "/nonexistent/eport-test/down.sqlite3"
    else:
        d.update(HOST="127.0.0.1", PORT="1")
        d["OPTIONS"] = {**d.get("OPTIONS", {}), "connect_timeout": 1}
    return d


@contextlib.contextmanager
def down(alias: str):
    """The alias's database does not answer for the duration (its connection closed, its settings pointing
    at nothing), then answers again."""
    conn = connections[alias]
    conn.close()
    saved = copy.deepcopy(conn.settings_dict)
    conn.settings_dict.update(closed(saved))
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.close()
        conn.settings_dict.clear()
        conn.settings_dict.update(saved)
