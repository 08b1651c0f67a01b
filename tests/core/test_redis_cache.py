"""The Redis cache backend: Django's, one client per connection pool (portal/redis_cache.py)."""

import threading

import pytest

from portal.redis_cache import ReusedClientRedisCache
from tests.helpers import own_redis

# slow: starts a redis-server of its own
pytestmark = pytest.mark.slow


def test_one_client_serves_every_call_and_every_thread():
    with own_redis() as url:
        cache = ReusedClientRedisCache(url, {})
        cache.set("answer", {"value": 42})
        clients = {id(cache._cache.get_client(write=True)), id(cache._cache.get_client())}
        found = []
        threads = [
            threading.Thread(target=lambda: found.append(cache.get("answer"))) for _ in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert found == [{"value": 42}] * 8
        assert len(clients) == 1
        assert cache.add("answer", 1) is False
        assert cache.delete("answer") and cache.get("answer") is None
