"""Extra database aliases for the tests of the cluster: a replica (a second connection to the test
database, as a streaming replica is to the primary) and a database that does not answer."""

import contextlib
import copy

from django.db import connections


def closed(settings_dict: dict) -> dict:
    """The same database settings pointing at nothing: PostgreSQL on a closed port, SQLite in a missing
    directory (both fail at connect, as a replica that is down does)."""
    d = copy.deepcopy(settings_dict)
    if d["ENGINE"].endswith("sqlite3"):
        d["NAME"] = "/nonexistent/eport-test/replica.sqlite3"
    else:
        d.update(HOST="127.0.0.1", PORT="1")
        d["OPTIONS"] = {**d.get("OPTIONS", {}), "connect_timeout": 1}
    return d


@contextlib.contextmanager
def alias(name: str, settings_dict: dict):
    """Register a database alias for the duration (Django reads DATABASES once, at start)."""
    d = copy.deepcopy(settings_dict)
    d.setdefault("TEST", {})["MIRROR"] = "default"
    connections.settings[name] = d
    try:
        yield connections[name]
    finally:
        with contextlib.suppress(Exception):
            connections[name].close()
        with contextlib.suppress(Exception):
            del connections[name]
        del connections.settings[name]
