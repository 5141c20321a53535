"""Races on a real database: calls started at the same moment in threads, each on its own connection."""

import threading

from django.db import connections

from eport.errors import DomainError


def run_together(*calls, timeout=30) -> list:
    """Start the calls at the same moment in threads; return each one's result or the exception it raised."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, fn):
        try:
            barrier.wait(timeout=timeout)
            results[i] = fn()
        except BaseException as e:  # reported by the test, not lost in the thread
            results[i] = e
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, fn), daemon=True) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
        assert not t.is_alive(), "a worker hung (deadlock?)"
    return results


def outcomes(*calls, timeout=30) -> list[str]:
    """How the calls started at once ended, sorted: "ok", or the code of the refusal (DomainError); anything
    else a call raised is raised here."""
    out = []
    for r in run_together(*calls, timeout=timeout):
        if isinstance(r, DomainError):
            out.append(str(r.code))
        elif isinstance(r, BaseException):
            raise r
        else:
            out.append("ok")
    return sorted(out)
