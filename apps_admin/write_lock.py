"""One write at a time per app, across workers and hosts: a lock in the shared cache.

An update reads the app, compares it with what the person saw, then writes: two saves that both
read before either writes would both pass the comparison. Holding this lock around the read,
the write and the recording of the outcome makes the second save read the first one's result.

The lock is the token single flight's (`ecl/tokens.py`): `cache.add` (Redis `SET NX` with a
timeout) by a random owner, which only the owner deletes; the others poll until it is free or
the operation's deadline leaves no time for their own write. It lives for the budget plus 2 s,
longer than any operation holding it may take. A cache that cannot be reached refuses the write
(WriteLockUnavailable: nothing was changed); so does a lock still held when the deadline comes
(WriteInProgress). While Redis is down its backend answers from each process's own memory: a
lock there would guard nothing across workers, so the lock is taken on the shared cache only
(`shared_cache.strict()`), and refused at once while it is known to be down. `LocMemCache` is
atomic only inside one process: several workers need CACHE_URL=redis://.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
import uuid
from collections.abc import Iterator

from django.conf import settings

from apps_admin import shared_cache
from apps_admin.ecl import Deadline, WriteInProgress, WriteLockUnavailable

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.05


def lock_key(tenant_id: str, app_id: str) -> str:
    digest = hashlib.sha256(f"{tenant_id}\n{app_id}".encode()).hexdigest()
    return f"ecl:app-write:{digest}"


@contextlib.contextmanager
def app_write_lock(tenant_id: str, app_id: str, deadline: Deadline) -> Iterator[bool]:
    """Hold the app's write lock for the block; yields whether another write held it first
    (the block then runs after that write was done and recorded)."""
    key, owner = lock_key(tenant_id, app_id), uuid.uuid4().hex
    waited = False
    while not _take(key, owner):
        waited = True
        if not deadline.allows_another_attempt(POLL_INTERVAL):
            raise WriteInProgress()
        time.sleep(POLL_INTERVAL)
    try:
        yield waited
    finally:
        _release(key, owner)


def _take(key: str, owner: str) -> bool:
    if not shared_cache.reachable():  # the cache's backend has said so once a minute
        raise WriteLockUnavailable()
    try:
        timeout = math.ceil(settings.ECL_CALL_BUDGET) + 2
        return bool(shared_cache.strict().add(key, owner, timeout=timeout))
    except Exception:  # any cache backend's failure to answer: Redis, memcached, a database
        logger.warning("write lock: the cache is not answering", exc_info=True)
        raise WriteLockUnavailable() from None


def _release(key: str, owner: str) -> None:
    try:
        cache = shared_cache.strict()
        if cache.get(key) == owner:
            cache.delete(key)
    except Exception:  # the lock then ends with its timeout
        logger.warning("write lock: could not be released", exc_info=True)
