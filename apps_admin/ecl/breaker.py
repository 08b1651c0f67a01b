"""A circuit breaker per tenant, shared by every worker and host through Django's cache
(ecl-contract.md §5.13).

Closed: calls go out; each timeout, server error or lost connection adds one to the tenant's
count (kept ECL_BREAKER_WINDOW seconds from the first), any other answer (a 2xx, and a 4xx too:
ECL answered) sets it back to none. At ECL_BREAKER_FAILURES in a row it opens: calls fail at
once (CircuitOpen, nothing sent) for ECL_BREAKER_COOLDOWN seconds. Then it is half-open: the
caller that wins `cache.add` of the probe key sends one call; its success closes the breaker,
its failure opens it for another cooldown. Opening and closing are each logged once, by the
one caller whose `add` or probe did it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache

from apps_admin.ecl import errors

logger = logging.getLogger("apps_admin.ecl")

# While a probe is under way, others are told to come back after this many seconds.
PROBE_WAIT = 5.0
# An open breaker nobody has called for a day is forgotten (its next failures open it anew).
OPEN_KEPT = 86400


@dataclass(frozen=True)
class Ticket:
    """A call let through: `probe` when it tests an open breaker."""

    tenant_id: str
    probe: bool = False
    counted: bool = False  # failures were being counted when it started


@dataclass(frozen=True)
class State:
    """What the cache holds about a tenant's breaker, for superusers (admin, /healthz?detail)."""

    state: str  # "closed", "open" or "half-open"
    failures: int = 0
    since: datetime | None = None  # the first failure of the run that opened it
    retry_at: datetime | None = None  # the end of the cooldown

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "failures": self.failures,
            "failing_since": self.since.isoformat() if self.since else None,
            "retry_at": self.retry_at.isoformat() if self.retry_at else None,
        }


def _keys(tenant_id: str) -> tuple[str, str, str, str]:
    base = f"ecl:breaker:{tenant_id}"
    return f"{base}:open", f"{base}:failures", f"{base}:first", f"{base}:probe"


def admit(tenant_id: str) -> Ticket:
    """Let a call through, or raise CircuitOpen (nothing will be sent)."""
    open_key, failures_key, _first, probe_key = _keys(tenant_id)
    found = cache.get_many([open_key, failures_key])
    opened = found.get(open_key)
    if not isinstance(opened, dict):
        return Ticket(tenant_id, counted=bool(found.get(failures_key)))
    now = time.time()
    if now < opened["until"]:
        raise _refusal(opened, opened["until"] - now)
    # The probe key outlives the longest call, so a probe lost with its worker frees it.
    if not cache.add(probe_key, 1, timeout=math.ceil(settings.ECL_CALL_BUDGET) + 2):
        raise _refusal(opened, PROBE_WAIT)
    return Ticket(tenant_id, probe=True)


def record(ticket: Ticket, *, failed: bool) -> None:
    """What became of the call `ticket` let through."""
    open_key, failures_key, first_key, probe_key = _keys(ticket.tenant_id)
    now = time.time()
    if ticket.probe:
        opened = cache.get(open_key)
        if failed and isinstance(opened, dict):
            until = now + settings.ECL_BREAKER_COOLDOWN
            cache.set(open_key, {**opened, "until": until}, timeout=OPEN_KEPT)
        elif not failed:
            cache.delete_many([open_key, failures_key, first_key])
            if isinstance(opened, dict):
                logger.warning(
                    "ECL circuit closed tenant=%s failing_since=%s",
                    ticket.tenant_id,
                    _iso(opened["since"]),
                )
        cache.delete(probe_key)
        return
    if not failed:
        if ticket.counted:
            cache.delete_many([failures_key, first_key])
        return
    window = max(1, math.ceil(settings.ECL_BREAKER_WINDOW))
    cache.add(first_key, now, timeout=window)
    cache.add(failures_key, 0, timeout=window)
    try:
        count = cache.incr(failures_key)
    except ValueError:  # the window ended between the two lines
        cache.add(failures_key, 1, timeout=window)
        count = 1
    if count < settings.ECL_BREAKER_FAILURES:
        return
    since = cache.get(first_key) or now
    opened = {"since": since, "until": now + settings.ECL_BREAKER_COOLDOWN, "failures": count}
    if cache.add(open_key, opened, timeout=OPEN_KEPT):
        cache.delete_many([failures_key, first_key])
        logger.warning(
            "ECL circuit opened tenant=%s failures=%d failing_since=%s cooldown=%ss",
            ticket.tenant_id,
            count,
            _iso(since),
            settings.ECL_BREAKER_COOLDOWN,
        )


def state(tenant_id: str) -> State:
    """The tenant's breaker as the cache holds it."""
    return states([tenant_id])[tenant_id]


def states(tenant_ids: list[str]) -> dict[str, State]:
    """The breakers of these tenants, read from the cache at once."""
    keys = {tenant_id: _keys(tenant_id) for tenant_id in tenant_ids}
    found = cache.get_many([key for four in keys.values() for key in four[:3]])
    return {tenant_id: _state(found, *keys[tenant_id][:3]) for tenant_id in tenant_ids}


def _state(found: dict[str, Any], open_key: str, failures_key: str, first_key: str) -> State:
    opened = found.get(open_key)
    if not isinstance(opened, dict):
        first = found.get(first_key)
        return State(
            "closed",
            failures=int(found.get(failures_key) or 0),
            since=_moment(first) if first else None,
        )
    # Past the cooldown the next call (or the one under way, holding the probe key) tests ECL.
    return State(
        "open" if time.time() < opened["until"] else "half-open",
        failures=int(opened.get("failures", 0)),
        since=_moment(opened["since"]),
        retry_at=_moment(opened["until"]),
    )


def _refusal(opened: dict[str, Any], wait: float) -> errors.CircuitOpen:
    return errors.CircuitOpen(_moment(opened["since"]), max(1.0, wait))


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _iso(epoch: float) -> str:
    return _moment(epoch).isoformat(timespec="seconds")
