"""The throttles in a cluster (EPORT_REDIS_URL): counted in Redis, no database write for a refused credential,
and, when Redis does not answer, counted and enforced in the database instead (safe, never open)."""

import logging

import pytest

from eport.throttles import stores
from eport.throttles.models import Attempt
from tests import factories as f
from tests.api.helpers import assert_error
from tests.throttles.test_throttles import A, B, login

pytestmark = pytest.mark.django_db

CLOSED = "redis://127.0.0.1:1/15"  # nothing listens on port 1: connection refused


@pytest.fixture(autouse=True)
def _fresh_outage_state(monkeypatch):
    """This process has not seen Redis fail yet (the state is per process, like a server worker's)."""
    monkeypatch.setattr(stores, "_down_until", {})
    monkeypatch.setattr(stores, "_warned_at", [-float(stores.WARN_SECONDS)])


def test_a_refused_credential_is_counted_in_redis_not_in_the_database(settings, redis_settings):
    settings.THROTTLE_ADDRESS_FAILURES = 3
    for i in range(3):
        assert_error(login(f"nobody_{i}", "Wrong#Pass2026"), 401, "invalid_credentials")
    assert_error(login("nobody_9", "Wrong#Pass2026"), 429, "login_throttled")
    assert not Attempt.objects.exists()
    keys = sorted(k.decode() for k in redis_settings.scan_iter(f"{settings.REDIS_PREFIX}:throttle:*"))
    assert keys == [f"{settings.REDIS_PREFIX}:throttle:account:{A}:user:nobody_{i}" for i in range(3)] + [
        f"{settings.REDIS_PREFIX}:throttle:credential:{A}"
    ]
    # each expires with the longest window: nothing stays in Redis for ever
    assert all(0 < redis_settings.ttl(k) <= stores.longest_window() for k in keys)
    # a success forgets the account's failures from that address
    user = f.cardless()
    assert login(user.username, "Wrong#Pass2026", ip=B).status_code == 401
    assert redis_settings.exists(f"{settings.REDIS_PREFIX}:throttle:account:{B}:user:{user.username}")
    assert login(user.username, f.PASSWORD, ip=B).status_code == 200
    assert not redis_settings.exists(f"{settings.REDIS_PREFIX}:throttle:account:{B}:user:{user.username}")


def test_when_redis_does_not_answer_the_database_counts_and_refuses(settings, caplog, monkeypatch):
    settings.REDIS_URL = CLOSED
    settings.THROTTLE_ADDRESS_FAILURES = 3
    monkeypatch.setattr(stores, "DOWN_SECONDS", 0)  # try Redis again at every call: still one warning
    with caplog.at_level(logging.WARNING, logger="eport.throttles.stores"):
        for i in range(3):
            assert_error(login(f"nobody_{i}", "Wrong#Pass2026"), 401, "invalid_credentials")
        for i in range(5):
            assert_error(login(f"flood_{i}", "Wrong#Pass2026"), 429, "login_throttled")
    assert Attempt.objects.filter(ip=A).count() == 3  # counted where it could be: the database
    warnings = [r for r in caplog.records if "Redis does not answer" in r.getMessage()]
    assert len(warnings) == 1  # once a minute, not once a request
    # another address still signs in
    user = f.cardless()
    assert login(user.username, f.PASSWORD, ip=B).status_code == 200


def test_after_a_failure_redis_is_not_tried_again_at_once(settings, monkeypatch):
    settings.REDIS_URL = CLOSED
    assert_error(login("nobody", "Wrong#Pass2026"), 401, "invalid_credentials")
    assert stores.current() is stores.DATABASE  # for DOWN_SECONDS: no connect attempt per call
    monkeypatch.setattr(stores, "_down_until", {})
    assert isinstance(stores.current(), stores.RedisStore)
