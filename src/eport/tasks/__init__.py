"""Background work (docs/operations.md, "Background work"): the Celery app of the project and the one way
the apps hand work to it.

With `EPORT_BROKER_URL` set, `after_commit(task, ...)` publishes the task to the broker once the
transaction that asked for it commits, and `eport worker [--beat]` runs it. Without a broker (the embedded
product, `scripts/run`) the same task runs in this process right after the commit, as before there was a
queue. Tasks live in each app's own `tasks.py` (found by `autodiscover_tasks`); what a task does is a
service function of that app, so a command, a task and a screen share one rule.
"""

import logging
from typing import Any

from django.conf import settings
from django.db import transaction

log = logging.getLogger("eport.tasks")


def has_broker() -> bool:
    return bool(settings.EPORT_BROKER_URL)


def enqueue(task: Any, *args: Any, countdown: float | None = None) -> bool:
    """Hand the task to the broker (True), or run it here when there is none. A broker that cannot be
    reached is logged and answers False: whatever the task stands for must be found again by a sweep
    (the mail outbox, the CRL), never lost with the message."""
    if not has_broker():
        task(*args)
        return True
    try:
        task.apply_async(args, countdown=countdown)
    except Exception:  # noqa: BLE001 - the broker being down must not fail the request that committed
        log.warning("task %s not enqueued (broker unreachable); its sweep will pick it up", task.name)
        return False
    return True


def after_commit(task: Any, *args: Any) -> None:
    """Enqueue (or run) the task once the current transaction commits; never for one that rolls back."""
    transaction.on_commit(lambda: enqueue(task, *args))
