"""The portal's Redis cache for the tests: emptying it removes this worker's keys only.

`make test` runs the suite in several processes (pytest-xdist) that may share one Redis
database; Django's `RedisCache.clear()` is FLUSHDB, which would also empty the other workers'
caches (their Keystone tokens, locks and counters) in the middle of their tests. Each worker has
its own KEY_PREFIX (portal/settings_test.py), and `clear()` deletes the keys under it.
"""

from portal.redis_cache import ReusedClientRedisCache


class WorkerRedisCache(ReusedClientRedisCache):
    def clear(self) -> bool:
        client = self._cache.get_client(write=True)
        # Django writes "<KEY_PREFIX>:<version>:<key>"; the prefix is ours, without glob characters.
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        return True
