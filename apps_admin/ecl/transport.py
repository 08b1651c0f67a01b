"""The one place that sends HTTP to ECL: pooled session, timeouts, retries, no redirects, logging.

Time budget. Every operation gets a `Deadline` of ECL_CALL_BUDGET seconds (default 25). Each request
uses connect and read timeouts clipped to what remains of it; a retry (at most two, for idempotent
methods) or a token fetch starts only while at least one connect timeout remains; waiting for
another worker's token fetch polls against the same deadline. So an operation ends within the budget
plus one backoff or poll step (< 1 s): 25 + 1 = 26 s, under gunicorn's 30-second worker timeout.
(Per-read timeouts bound each socket read, not a server that trickles bytes; ECL does not.)
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from apps_admin.ecl.errors import OutcomeUnknown, UpstreamTimeout, UpstreamUnavailable

logger = logging.getLogger("apps_admin.ecl")

RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_BACKOFF = (0.2, 0.5)  # seconds before the second and the third attempt

_session: requests.Session | None = None
_session_lock = threading.Lock()


def session() -> requests.Session:
    """This process's pooled session (gunicorn workers fork before the first call)."""
    global _session
    with _session_lock:
        if _session is None:
            new = requests.Session()
            # Retries are ours (below); urllib3's would resend a POST after a reset.
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
            new.mount("https://", adapter)
            new.mount("http://", adapter)
            _session = new
        return _session


class Deadline:
    """What remains of one operation's time budget."""

    def __init__(self, budget: float | None = None) -> None:
        self.ends_at = time.monotonic() + (
            budget if budget is not None else settings.ECL_CALL_BUDGET
        )

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def timeouts(self) -> tuple[float, float]:
        remaining = self.remaining()
        return (min(settings.ECL_CONNECT_TIMEOUT, remaining), min(settings.ECL_TIMEOUT, remaining))

    def allows_another_attempt(self, pause: float = 0.0) -> bool:
        return self.remaining() - pause > min(settings.ECL_CONNECT_TIMEOUT, 1.0)


def _never_sent(error: requests.ConnectionError) -> bool:
    """True when the connection failed before the request went out (refused, unreachable)."""
    if isinstance(error, requests.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def exchange(
    method: str,
    url: str,
    *,
    route: str,
    tenant_id: str,
    deadline: Deadline,
    headers: dict[str, str] | None = None,
    body: Any = None,
    params: dict[str, str] | None = None,
    retry: bool | None = None,
) -> requests.Response:
    """Send one request (retrying idempotent ones) and return ECL's answer, whatever its status.

    Raises UpstreamUnavailable, UpstreamTimeout, or OutcomeUnknown when a request that may have
    changed something was sent and its answer lost. `retry` defaults to "method is not POST".
    The answer's `ecl_resent` is True when an earlier attempt may already have been carried out.
    """
    retry = method != "POST" if retry is None else retry
    attempts = 1 + len(RETRY_BACKOFF) if retry else 1
    resent = False  # an earlier attempt may have reached ECL before its answer was lost
    for attempt in range(attempts):
        if deadline.remaining() <= 0:
            raise UpstreamTimeout()
        last = attempt == attempts - 1
        try:
            response = _send_once(method, url, route, tenant_id, deadline, headers, body, params)
        except requests.ConnectionError as error:
            sent = not _never_sent(error)
            resent = resent or sent
            if not retry:
                raise (OutcomeUnknown() if sent else UpstreamUnavailable()) from None
            if last or not deadline.allows_another_attempt(RETRY_BACKOFF[attempt]):
                raise UpstreamUnavailable() from None
        except requests.Timeout:
            raise (UpstreamTimeout() if retry else OutcomeUnknown()) from None
        except requests.RequestException:
            # An invalid URL in a tenant's settings, and the like: nothing was sent.
            logger.warning("ECL %s %s could not be sent tenant=%s", method, route, tenant_id)
            raise UpstreamUnavailable() from None
        else:
            response.ecl_resent = resent and attempt > 0
            if not (retry and response.status_code in RETRY_STATUSES):
                return response
            if last or not deadline.allows_another_attempt(RETRY_BACKOFF[attempt]):
                return response
            resent = True
        time.sleep(RETRY_BACKOFF[attempt])
    raise AssertionError("unreachable")  # pragma: no cover


def _send_once(
    method: str,
    url: str,
    route: str,
    tenant_id: str,
    deadline: Deadline,
    headers: dict[str, str] | None,
    body: Any,
    params: dict[str, str] | None,
) -> requests.Response:
    started = time.perf_counter()
    status: int | str = "error"
    transaction_id = ""
    try:
        response = session().request(
            method,
            url,
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                **(headers or {}),
            },
            json=body,
            params=params,
            timeout=deadline.timeouts(),
            allow_redirects=False,
        )
        status = response.status_code
        transaction_id = response.headers.get("ECL-Transaction-ID", "")
        return response
    except requests.RequestException as error:
        status = type(error).__name__
        raise
    finally:
        logger.info(
            "ECL %s %s %s %.1fms tenant=%s transaction_id=%s",
            method,
            route,
            status,
            (time.perf_counter() - started) * 1000,
            tenant_id,
            transaction_id or "-",
        )
