"""Where the throttles count (services.py holds the rules): two stores with one interface.

- DatabaseStore: rows of Attempt, in the caller's transaction (a registration that fails is not counted).
- RedisStore: one sorted set per (scope, address) and one per (account, address), each member an attempt
  with its time as score, expiring after the longest window; a refused credential costs no database write,
  so a flood against a cluster does not land on PostgreSQL.

`call` picks the store: Redis when EPORT_REDIS_URL is set. When Redis does not answer (refused, or no
answer within REDIS_TIMEOUT), that call and the calls of the next DOWN_SECONDS go to the database instead:
the throttles still count and refuse (they degrade safe, never open), and a warning is logged at most once
a minute. Counts made in the database during an outage are not seen by Redis once it is back; the windows
are minutes, so that is at most one window of leniency per address, never a lock-out.
"""

import datetime as dt
import logging
import random
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max
from redis.backoff import NoBackoff
from redis.retry import Retry

from .models import Attempt, Scope

log = logging.getLogger(__name__)

REDIS_TIMEOUT = 0.2  # seconds: a throttle check must never hold a request for long
DOWN_SECONDS = 5  # after a failure, Redis is not tried again for this long (each try could cost the timeout)
WARN_SECONDS = 60  # one warning a minute while Redis is down, not one per request
PRUNE_EVERY = 100  # about one database write in this many also deletes the rows no window looks at any more


def longest_window() -> int:
    return max(settings.THROTTLE_RESET_SECONDS, settings.THROTTLE_ADDRESS_SECONDS, settings.REGISTER_SECONDS)


class Store(Protocol):
    def add(self, scope: str, ip: str | None, account: str, at: dt.datetime) -> None: ...

    def nth_newest(self, scope: str, ip: str, since: dt.datetime, n: int) -> dt.datetime | None: ...

    def account_failures(
        self, account: str, ip: str | None, since: dt.datetime
    ) -> tuple[int, dt.datetime | None]: ...

    def forget(self, account: str, ip: str | None) -> None: ...

    def count(self, scope: str, ip: str | None) -> int: ...


class DatabaseStore:
    def add(self, scope: str, ip: str | None, account: str, at: dt.datetime) -> None:
        Attempt.objects.create(scope=scope, ip=ip, account=account, at=at)
        if random.randrange(PRUNE_EVERY) == 0:
            Attempt.objects.filter(at__lt=at - dt.timedelta(seconds=longest_window())).delete()

    def nth_newest(self, scope: str, ip: str, since: dt.datetime, n: int) -> dt.datetime | None:
        nth = list(
            Attempt.objects.filter(scope=scope, ip=ip, at__gte=since)
            .order_by("-at")
            .values_list("at", flat=True)[n - 1 : n]
        )
        return nth[0] if nth else None

    def account_failures(
        self, account: str, ip: str | None, since: dt.datetime
    ) -> tuple[int, dt.datetime | None]:
        seen = Attempt.objects.filter(
            scope=Scope.CREDENTIAL, account=account, ip=ip, at__gte=since
        ).aggregate(n=Count("id"), last=Max("at"))
        return seen["n"], seen["last"]

    def forget(self, account: str, ip: str | None) -> None:
        Attempt.objects.filter(scope=Scope.CREDENTIAL, account=account, ip=ip).delete()

    def count(self, scope: str, ip: str | None) -> int:
        return Attempt.objects.filter(scope=scope, ip=ip).count()


def _ts(at: dt.datetime) -> float:
    return at.timestamp()


def _at(score: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(score, dt.UTC)


_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def client(url: str) -> redis.Redis:
    """One client (its connection pool) per process and URL; no retries: an outage falls back at once."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = redis.Redis.from_url(
                url,
                socket_timeout=REDIS_TIMEOUT,
                socket_connect_timeout=REDIS_TIMEOUT,
                retry=Retry(NoBackoff(), 0),
                retry_on_timeout=False,
                health_check_interval=30,
            )
        return _clients[url]


class RedisStore:
    def __init__(self, url: str, prefix: str):
        self.r = client(url)
        self.prefix = prefix

    def _address(self, scope: str, ip: str | None) -> str:
        return f"{self.prefix}:throttle:{scope}:{ip or '-'}"

    def _account(self, account: str, ip: str | None) -> str:
        return f"{self.prefix}:throttle:account:{ip or '-'}:{account}"

    def add(self, scope: str, ip: str | None, account: str, at: dt.datetime) -> None:
        member = f"{_ts(at):.6f}:{uuid.uuid4().hex[:8]}"  # two attempts in one microsecond are two
        keys = [self._address(scope, ip)]
        if scope == Scope.CREDENTIAL:
            keys.append(self._account(account, ip))
        longest = longest_window()

        def write() -> None:
            pipe = self.r.pipeline(transaction=False)
            for key in keys:
                pipe.zadd(key, {member: _ts(at)})
                pipe.zremrangebyscore(key, "-inf", _ts(at) - longest)  # what no window looks at any more
                pipe.expire(key, longest)
            pipe.execute()

        if scope == Scope.REGISTER:
            # Counted when the registration commits, as in the database: a refused one is not counted.
            transaction.on_commit(lambda: guarded(write, lambda: DATABASE.add(scope, ip, account, at)))
        else:
            write()

    def nth_newest(self, scope: str, ip: str, since: dt.datetime, n: int) -> dt.datetime | None:
        found: Any = self.r.zrevrangebyscore(
            self._address(scope, ip), "+inf", _ts(since), start=n - 1, num=1, withscores=True
        )
        return _at(float(found[0][1])) if found else None

    def account_failures(
        self, account: str, ip: str | None, since: dt.datetime
    ) -> tuple[int, dt.datetime | None]:
        key = self._account(account, ip)
        pipe = self.r.pipeline(transaction=False)
        pipe.zcount(key, _ts(since), "+inf")
        pipe.zrevrangebyscore(key, "+inf", _ts(since), start=0, num=1, withscores=True)
        n, last = pipe.execute()
        return int(n), (_at(float(last[0][1])) if last else None)

    def forget(self, account: str, ip: str | None) -> None:
        self.r.delete(self._account(account, ip))

    def count(self, scope: str, ip: str | None) -> int:
        return int(self.r.zcard(self._address(scope, ip)))


DATABASE = DatabaseStore()
_down_until: dict[str, float] = {}  # per process: when to try a Redis URL again after it failed
_warned_at = [-WARN_SECONDS * 1.0]


def current() -> Store:
    """The store this call should use: Redis when configured and not known to be down."""
    url = settings.REDIS_URL
    if not url or _down_until.get(url, 0.0) > time.monotonic():
        return DATABASE
    return RedisStore(url, settings.REDIS_PREFIX)


def call(method: str, *args: Any) -> Any:
    """Run one store operation; when Redis fails, run it on the database instead."""
    store = current()
    if store is DATABASE:
        return getattr(DATABASE, method)(*args)
    return guarded(lambda: getattr(store, method)(*args), lambda: getattr(DATABASE, method)(*args))


def guarded(on_redis: Callable[[], Any], on_database: Callable[[], Any]) -> Any:
    try:
        return on_redis()
    except redis.RedisError as e:
        now = time.monotonic()
        _down_until[settings.REDIS_URL] = now + DOWN_SECONDS
        if now - _warned_at[0] >= WARN_SECONDS:
            _warned_at[0] = now
            log.warning("throttles: Redis does not answer (%s); counting in the database meanwhile", e)
        return on_database()
