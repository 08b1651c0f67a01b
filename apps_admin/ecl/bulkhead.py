"""A bulkhead per tenant: at most ECL_TENANT_CONCURRENCY ECL operations of one tenant at once in
this worker process; one more is refused (TenantBusy), never sent (ecl-contract.md §5.13).

gunicorn's gthread workers have a fixed number of threads: without it, requests to one tenant
whose ECL trickles fill them all, and `/healthz` and every other tenant wait behind them.

One more waits for a place only while the tenant's operations are moving: when one started or
ended within the last ECL_TENANT_WAIT seconds, it waits that long at most. A healthy tenant's
burst (its operations end every few tens of milliseconds) then passes instead of being refused (26
of 32 requests at once were, measured), while a tenant whose ECL holds every place (nothing has
started or ended for longer than the wait) is refused at once and holds no thread that `/healthz`
needs. The
count is per process (threads are per process), so it needs no cache.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Iterator

from django.conf import settings

from apps_admin.ecl import errors

_places = threading.Condition()
_running: dict[str, int] = {}
_last_moved: dict[str, float] = {}  # time.monotonic() of a tenant's last operation to start or end


@contextlib.contextmanager
def slot(tenant_id: str) -> Iterator[None]:
    """Hold one of the tenant's places for one ECL operation, or raise TenantBusy."""
    _take(tenant_id)
    try:
        yield
    finally:
        with _places:
            left = _running[tenant_id] - 1
            if left:
                _running[tenant_id] = left
            else:
                del _running[tenant_id]
            _last_moved[tenant_id] = time.monotonic()
            _places.notify_all()


def _take(tenant_id: str) -> None:
    limit = settings.ECL_TENANT_CONCURRENCY
    patience = settings.ECL_TENANT_WAIT
    deadline = time.monotonic() + patience
    with _places:
        while 0 < limit <= _running.get(tenant_id, 0):
            now = time.monotonic()
            moving = now - _last_moved.get(tenant_id, -math.inf) <= patience
            if not moving or now >= deadline:
                raise errors.TenantBusy(_running[tenant_id])
            _places.wait(deadline - now)
        _running[tenant_id] = _running.get(tenant_id, 0) + 1
        _last_moved[tenant_id] = time.monotonic()


def running(tenant_id: str) -> int:
    """How many ECL operations of the tenant this process runs now."""
    with _places:
        return _running.get(tenant_id, 0)
