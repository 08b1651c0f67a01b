"""A bulkhead per tenant: at most ECL_TENANT_CONCURRENCY ECL operations of one tenant at once in
this worker process; one more is refused at once (TenantBusy), never queued (ecl-contract.md
§5.13).

gunicorn's gthread workers have a fixed number of threads: without it, requests to one tenant
whose ECL trickles fill them all, and `/healthz` and every other tenant wait behind them. The
count is per process (threads are per process), so it needs no cache and no lock but this one.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from django.conf import settings

from apps_admin.ecl import errors

_lock = threading.Lock()
_running: dict[str, int] = {}


@contextlib.contextmanager
def slot(tenant_id: str) -> Iterator[None]:
    """Hold one of the tenant's places for one ECL operation, or raise TenantBusy."""
    limit = settings.ECL_TENANT_CONCURRENCY
    with _lock:
        running = _running.get(tenant_id, 0)
        if 0 < limit <= running:
            raise errors.TenantBusy(running)
        _running[tenant_id] = running + 1
    try:
        yield
    finally:
        with _lock:
            left = _running[tenant_id] - 1
            if left:
                _running[tenant_id] = left
            else:
                del _running[tenant_id]


def running(tenant_id: str) -> int:
    """How many ECL operations of the tenant this process runs now."""
    with _lock:
        return _running.get(tenant_id, 0)
