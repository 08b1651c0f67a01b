"""Django's Redis cache, with one Redis client per connection pool instead of one per call, and
a local-memory cache of the process's own while Redis cannot be reached.

Django's RedisCacheClient makes a new `redis.Redis` for every get and set, and redis-py builds
its table of response callbacks in each one: about 0.1 ms per cache call, twice a request (the
identity version, the ECL token). A `redis.Redis` is safe to share between threads (each command
takes a connection from the pool) and after a fork (the pool starts again in a new process).

Redis down is not a portal down: a call that cannot reach Redis (refused, reset, timed out) is
answered by the process's own LocMemCache instead, one WARNING a minute per process says so,
and for RETRY_INTERVAL seconds every call goes straight to local memory (no connect timeout paid
per call). Then one call tries Redis again; when it answers, every call goes back to it (values
written to local memory meanwhile stay there and are forgotten). What only works when shared
(the per-app write lock, the identity held per process) asks `reachable()` and `strict()`
(apps_admin/shared_cache.py) instead of trusting a per-process answer.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

RETRY_INTERVAL = 3.0  # seconds between attempts to reach Redis again while it is down
WARN_INTERVAL = 60.0  # seconds: one WARNING per process at most this often
# Connecting to a Redis host that does not answer must not hold a request for long: a refused
# connection fails at once, a dropped packet waits this long.
CONNECT_TIMEOUT = 0.5
SOCKET_TIMEOUT = 2.0
FALLBACK_ENTRIES = 10_000

# What says "Redis cannot be reached now", not "this call was wrong".
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)

# The methods of Django's RedisCache that reach Redis; BaseCache's others (get_or_set, decr,
# incr_version, the async ones) are built on these.
_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
)


class _ReusedClients(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django 5.2's
        client = self._clients.get(id(pool))
        if client is None:
            made = self._client(connection_pool=pool)  # type: ignore[attr-defined]  # Django's
            client = self._clients[id(pool)] = made
        return client


class Reachability:
    """Whether this process reaches one Redis server, shared by every thread (Django makes a
    cache object per thread)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.down_since: float | None = None  # monotonic
        self._next_attempt = 0.0
        self._warned_at: float | None = None

    @property
    def up(self) -> bool:
        return self.down_since is None

    def may_try(self) -> bool:
        """Whether this call goes to Redis: always while it answers; while it is down, one call
        every RETRY_INTERVAL seconds (the first to ask), the others go to local memory."""
        if self.down_since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self._next_attempt:
                return False
            self._next_attempt = now + RETRY_INTERVAL
            return True

    def failed(self, error: BaseException) -> None:
        with self._lock:
            now = time.monotonic()
            if self.down_since is None:
                self.down_since = now
            self._next_attempt = now + RETRY_INTERVAL
            warn = self._warned_at is None or now - self._warned_at >= WARN_INTERVAL
            if warn:
                self._warned_at = now
        if warn:
            # The class of the error only: its text may name the server, never its password.
            logger.warning(
                "cache: Redis is not answering (%s); this process uses its own memory and "
                "tries Redis again every %g s",
                type(error).__name__,
                RETRY_INTERVAL,
            )

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            was_down, self.down_since = self.down_since, None
        if was_down is not None:
            logger.info("cache: Redis answers again after %.0f s", time.monotonic() - was_down)


_reachability: dict[str, Reachability] = {}
_reachability_lock = threading.Lock()


def reachability_of(server: str) -> Reachability:
    with _reachability_lock:
        return _reachability.setdefault(server, Reachability())


class _Strict:
    """The same cache without the fallback: a call that cannot reach Redis raises (and tells
    the reachability); for what must not work per process."""

    def __init__(self, outer: ReusedClientRedisCache) -> None:
        self._outer = outer

    def __getattr__(self, name: str) -> Any:
        method = getattr(RedisCache, name)
        outer = self._outer

        def strict(*args: Any, **kwargs: Any) -> Any:
            try:
                result = method(outer, *args, **kwargs)
            except UNREACHABLE as error:
                outer.reachability.failed(error)
                raise
            outer.reachability.answered()
            return result

        return strict


class ReusedClientRedisCache(RedisCache):
    """settings.CACHES' backend for redis:// URLs."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        options = dict(params.get("OPTIONS") or {})
        options.setdefault("socket_connect_timeout", CONNECT_TIMEOUT)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT)
        super().__init__(server, {**params, "OPTIONS": options})
        self._class = _ReusedClients
        location = server if isinstance(server, str) else ",".join(server)
        self.reachability = reachability_of(location)
        # Named by the server: every thread's cache object shares one store per process.
        self.fallback = LocMemCache(
            f"redis-fallback:{location}",
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": params.get("KEY_PREFIX", ""),
                "VERSION": params.get("VERSION", 1),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_ENTRIES},
            },
        )

    def reachable(self) -> bool:
        """Whether Redis answers now, as far as this process knows; while it is down, asks it
        again (a PING) at most every RETRY_INTERVAL seconds."""
        if self.reachability.up:
            return True
        if not self.reachability.may_try():
            return False
        try:
            self._cache.get_client(write=True).ping()
        except UNREACHABLE as error:
            self.reachability.failed(error)
            return False
        self.reachability.answered()
        return True

    def strict(self) -> Any:
        """This cache without the fallback to local memory."""
        return _Strict(self)


def _either(name: str) -> Any:
    redis_method = getattr(RedisCache, name)

    def method(self: ReusedClientRedisCache, *args: Any, **kwargs: Any) -> Any:
        if self.reachability.may_try():
            try:
                result = redis_method(self, *args, **kwargs)
            except UNREACHABLE as error:
                self.reachability.failed(error)
            else:
                self.reachability.answered()
                return result
        return getattr(self.fallback, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in _METHODS:
    setattr(ReusedClientRedisCache, _name, _either(_name))
