"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

Django's RedisCacheClient makes a new `redis.Redis` for every get and set, and redis-py builds
its table of response callbacks in each one: about 0.1 ms per cache call, twice a request (the
identity version, the ECL token). A `redis.Redis` is safe to share between threads (each command
takes a connection from the pool) and after a fork (the pool starts again in a new process).
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


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


class ReusedClientRedisCache(RedisCache):
    """settings.CACHES' backend for redis:// URLs."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _ReusedClients
