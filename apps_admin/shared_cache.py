"""What the code that must not work per process asks of the cache: whether the shared cache
answers now, and the cache without its fallback to local memory.

The Redis backend (portal/redis_cache.py) answers from the process's own memory while Redis is
down: right for tokens, throttles and counters, wrong for a lock that must hold across workers
or for a version of access that every process must see. Another backend has no fallback: it is
reachable as far as this module knows, and a failure raises as it always did.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache


def has_fallback() -> bool:
    """Whether the cache falls back to local memory (it is shared: Redis) when unreachable."""
    return callable(getattr(cache, "reachable", None))


def reachable() -> bool:
    """Whether the shared cache answers now (True for a cache without a fallback)."""
    check = getattr(cache, "reachable", None)
    return bool(check()) if callable(check) else True


def strict() -> Any:
    """The cache whose calls raise rather than answer from this process's memory."""
    get_strict = getattr(cache, "strict", None)
    return get_strict() if callable(get_strict) else cache
