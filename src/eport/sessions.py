"""Sessions in a cluster: Django's cached_db (read from the shared cache, Redis, written through to the
database), which already reads and writes through a cache that does not answer; this also checks a new
session key and ends a session without it. So while Redis is down, sessions are served from the database
alone (slower, not failing): nobody is signed out, and signing in and out still work."""

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.sessions.backends import cached_db
from django.core.cache.backends.base import BaseCache

log = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    # Django's own attributes, which its type stubs do not declare.
    _cache: BaseCache
    _get_session_from_db: Callable[[], Any]

    def load(self):
        # Django's, except that a cache that does not answer is not asked again to keep the row it missed
        # (Django's refill raises): the database's row serves this request. Not logged per request.
        try:
            data = self._cache.get(self.cache_key)
            cache_answers = True
        except Exception:
            data, cache_answers = None, False
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        if cache_answers:
            try:
                self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
            except Exception:
                pass  # read from the database again next time
        return data

    def exists(self, session_key):
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:  # the cache does not answer: the database knows every session
            log.warning("session cache unavailable; checking the database", exc_info=True)
        return bool(session_key) and super(cached_db.SessionStore, self).exists(session_key)

    def delete(self, session_key=None):
        try:
            super().delete(session_key)  # the database row first (Django's order), then the cached copy
        except Exception:
            # The row is gone, so this session is over wherever the cache is not answering; a copy kept by a
            # Redis that was only out of reach would still be read once it answers again, until the
            # session's age: say so loudly (operations.md, "Scaling out").
            log.error(
                "session ended in the database, but its cached copy could not be deleted", exc_info=True
            )
