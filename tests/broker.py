"""The machine's Redis as the task broker of a test (`broker` in tests/conftest.py; why Redis:
tests/tasks/test_worker_drill.py): this process publishes there while the fixture lasts, on a queue of
this test process's own, so parallel runs and other users of that Redis never see each other's tasks.

One queue for the whole process: the Celery app keeps its routing and the broker's bindings from first
use, so the queue stays and only its messages are removed after each test; its keys go at exit."""

import os
import uuid
from dataclasses import dataclass

import pytest

BROKER = os.environ.get("EPORT_TEST_BROKER_URL", "redis://127.0.0.1:6379/14")
QUEUE = f"eport-test-{uuid.uuid4().hex[:12]}"


@dataclass
class Broker:
    url: str
    queue: str
    redis: object

    def waiting(self) -> int:
        return self.redis.llen(self.queue)  # type: ignore[attr-defined]

    def drop(self) -> None:
        """Take every waiting message away (as a worker would, or as a lost job)."""
        self.redis.delete(self.queue)  # type: ignore[attr-defined]


def redis_session():
    """The Redis client of the session (None without Redis); this process's keys removed at its end."""
    import redis

    r = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
    try:
        r.ping()
    except redis.exceptions.RedisError:
        yield None
        return
    yield r
    _remove_keys(r)


def broker_fixture(settings, r):
    if r is None:
        pytest.skip(f"no Redis broker at {BROKER}")
    from eport.tasks.celery import app

    if app.conf.task_default_queue != QUEUE:
        app.conf.broker_url, app.conf.task_default_queue = BROKER, QUEUE
        app._pool = None
        app.__dict__.pop("amqp", None)  # its routing was made for the default queue
    settings.EPORT_BROKER_URL = BROKER
    b = Broker(BROKER, QUEUE, r)
    b.drop()
    try:
        yield b
    finally:
        b.drop()


def _remove_keys(r) -> None:
    """Only this process's own keys (never a FLUSHDB of a shared Redis)."""
    r.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
    r.zrem("_kombu.binding_deadlines", QUEUE)
