"""The one place that sends HTTP to ECL: pooled session, timeouts, retries, no redirects, logging,
and answers read against one deadline and a size cap.

Time budget. Every operation gets a `Deadline` of ECL_CALL_BUDGET seconds (default 25), from the
first connect to the last byte of the last answer, token request included. Each socket wait is
clipped to what remains of it, and the body is read in pieces with the deadline checked between
them, so an answer that trickles in a byte at a time ends at the budget too. A retry (at most
two, for reads and token requests) or a token fetch starts only while at least one connect
timeout remains; waiting for another worker's token fetch polls against the same deadline. So an
operation ends within the budget plus one backoff or poll step (< 1 s): 25 + 1 = 26 s, under
gunicorn's 30-second worker timeout. (ecl-contract.md §5.9)

Writes are sent once. What became of one is told by stage (ecl-contract.md, section 6): a
failure before the request went out (refused connection, connect timeout, name resolution) is
UpstreamUnavailable, nothing was changed; a failure after it went out (read timeout, dropped
connection, an answer cut short, too large or past the deadline) is OutcomeUnknown, for the
caller to settle by reading back. ECL's answers, whatever their status, go to the caller.

Busy. A 429, or a 503 with `Retry-After`, was not carried out. A read is sent again only after
the `Retry-After` it was given, and only when that wait is short (RETRY_AFTER_WAIT_MAX) and fits
in the budget; otherwise, and for writes, the answer goes to the caller, which says when to try
again.

Size. An answer longer than ECL_MAX_BODY_BYTES is refused (ResponseTooLarge) as soon as its
Content-Length or the bytes read so far pass the cap; the rest is never read (§5.10).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    NewConnectionError,
    ReadTimeoutError,
)

from apps_admin.ecl.errors import (
    OutcomeUnknown,
    ResponseTooLarge,
    UpstreamTimeout,
    UpstreamUnavailable,
)

logger = logging.getLogger("apps_admin.ecl")

RETRY_STATUSES = frozenset({502, 503, 504})
RETRY_BACKOFF = (0.2, 0.5)  # seconds before the second and the third attempt
# The longest Retry-After a read waits out in the worker before sending again; a longer one is
# the caller's to tell the person about (a worker asleep for 30 s serves nobody meanwhile).
RETRY_AFTER_WAIT_MAX = 3.0
CHUNK = 64 * 1024

_session: requests.Session | None = None
_session_lock = threading.Lock()
_shared: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar(
    "ecl_deadline", default=None
)
_writes: contextvars.ContextVar[WritesSent | None] = contextvars.ContextVar(
    "ecl_writes_sent", default=None
)


class _Session(requests.Session):
    """requests' session, reading the environment's proxy and CA bundle settings once per
    origin: requests reads every variable of the environment on every call (0.2 ms a call)."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[tuple[str, Any], Any] = {}

    def merge_environment_settings(self, url, proxies, stream, verify, cert) -> Any:
        if proxies or verify is not None or cert is not None:  # the portal sends none of these
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        key = (url.split("/", 3)[2] if "//" in url else url, stream)
        found = self._environment.get(key)
        if found is None:
            found = super().merge_environment_settings(url, proxies, stream, verify, cert)
            self._environment[key] = found
        return {**found, "proxies": dict(found["proxies"])}


def session() -> requests.Session:
    """This process's pooled session (gunicorn workers fork before the first call)."""
    global _session
    with _session_lock:
        if _session is None:
            new = _Session()
            # Retries are ours (below); urllib3's would resend a POST after a reset.
            adapter = HTTPAdapter(pool_connections=8, pool_maxsize=32, max_retries=0)
            new.mount("https://", adapter)
            new.mount("http://", adapter)
            _session = new
        return _session


class Deadline:
    """What remains of one operation's time budget (never past an enclosing `shared_deadline`)."""

    def __init__(self, budget: float | None = None) -> None:
        self.ends_at = time.monotonic() + (
            budget if budget is not None else settings.ECL_CALL_BUDGET
        )
        outer = _shared.get()
        if outer is not None:
            self.ends_at = min(self.ends_at, outer.ends_at)

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def timeouts(self) -> tuple[float, float]:
        remaining = max(self.remaining(), 0.001)
        return (min(settings.ECL_CONNECT_TIMEOUT, remaining), min(settings.ECL_TIMEOUT, remaining))

    def allows_another_attempt(self, pause: float = 0.0) -> bool:
        return self.remaining() - pause > min(settings.ECL_CONNECT_TIMEOUT, 1.0)


@contextlib.contextmanager
def shared_deadline(budget: float | None = None) -> Iterator[Deadline]:
    """One budget for several operations (a bulk action): each one's deadline is clipped to it,
    and the caller asks it whether another may start."""
    deadline = Deadline(budget)
    token = _shared.set(deadline)
    try:
        yield deadline
    finally:
        _shared.reset(token)


class WritesSent:
    """How many writes went out to ECL (or may have: the request left) inside `counting_writes`;
    read by what must tell a person whether a request changed something."""

    __slots__ = ("count",)

    def __init__(self) -> None:
        self.count = 0


class counting_writes:  # a context manager, named as one is used
    """`with counting_writes() as sent:` counts the writes sent inside the block. A class, not
    contextlib's generator: it runs on every request."""

    def __enter__(self) -> WritesSent:
        sent = WritesSent()
        self._token = _writes.set(sent)
        return sent

    def __exit__(self, *exc_info: object) -> None:
        _writes.reset(self._token)


def _note_write(error: BaseException | None) -> None:
    """Count a write unless it failed before it left (refused connection, invalid URL)."""
    sent = _writes.get()
    if sent is None:
        return
    if isinstance(error, requests.ConnectionError) and _never_sent(error):
        return
    if isinstance(error, requests.RequestException) and not isinstance(
        error, requests.ConnectionError | requests.Timeout
    ):
        return
    sent.count += 1


@dataclass(frozen=True)
class Reply:
    """ECL's whole answer."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def transaction_id(self) -> str:
        return self.headers.get("ECL-Transaction-ID", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")

    @property
    def busy(self) -> bool:
        """A 429, or a 503 that says when to come back: refused, not carried out."""
        return self.status == 429 or (self.status == 503 and self.retry_after is not None)

    @property
    def retry_after(self) -> float | None:
        """Seconds to wait from `Retry-After` (delta-seconds or an HTTP date), None without a
        usable one."""
        return retry_after_seconds(self.headers.get("Retry-After", ""))


def retry_after_seconds(value: str) -> float | None:
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(min(int(value), 86400))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return min(max((moment - datetime.now(UTC)).total_seconds(), 0.0), 86400.0)


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
) -> Reply:
    """Send one request and return ECL's answer, whatever its status. `retry` (by default for
    GET only) sends a read again after a failed connection or a 502/503/504, and after a busy
    answer's short Retry-After; a write (`retry` false) is sent once.

    Raises UpstreamUnavailable when nothing was sent, UpstreamTimeout or ResponseTooLarge for a
    read, and OutcomeUnknown when a write was sent and its answer lost.
    """
    retry = method == "GET" if retry is None else retry
    attempts = 1 + len(RETRY_BACKOFF) if retry else 1
    for attempt in range(attempts):
        if deadline.remaining() <= 0:
            raise UpstreamTimeout()
        last = attempt == attempts - 1
        try:
            try:
                reply = _send_once(method, url, route, tenant_id, deadline, headers, body, params)
            except BaseException as error:
                if not retry:
                    _note_write(error)
                raise
            if not retry:
                _note_write(None)
        except requests.ConnectionError as error:
            if not retry:
                raise (UpstreamUnavailable() if _never_sent(error) else OutcomeUnknown()) from None
            pause = RETRY_BACKOFF[attempt] if not last else 0.0
            if last or not deadline.allows_another_attempt(pause):
                raise UpstreamUnavailable() from None
        except requests.Timeout:
            raise (UpstreamTimeout() if retry else OutcomeUnknown()) from None
        except ResponseTooLarge:
            if retry:
                raise
            raise OutcomeUnknown() from None  # a write's answer came, but was never read
        except requests.RequestException:
            # An invalid URL in a tenant's settings, and the like: nothing was sent.
            logger.warning("ECL %s %s could not be sent tenant=%s", method, route, tenant_id)
            raise UpstreamUnavailable() from None
        else:
            wait = _pause_before_resending(reply, attempt) if retry and not last else None
            if wait is None or not deadline.allows_another_attempt(wait):
                return reply
            pause = wait
        time.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


def _pause_before_resending(reply: Reply, attempt: int) -> float | None:
    """How long to wait before sending a read again after `reply`, or None not to."""
    if reply.busy:
        wait = reply.retry_after
        return wait if wait is not None and wait <= RETRY_AFTER_WAIT_MAX else None
    if reply.status in RETRY_STATUSES:
        return RETRY_BACKOFF[attempt]
    return None


def _send_once(
    method: str,
    url: str,
    route: str,
    tenant_id: str,
    deadline: Deadline,
    headers: dict[str, str] | None,
    body: Any,
    params: dict[str, str] | None,
) -> Reply:
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
            stream=True,
        )
        status = response.status_code
        transaction_id = response.headers.get("ECL-Transaction-ID", "")
        try:
            content = _read_body(response, deadline)
        except BaseException as error:
            status = f"{status}+{type(error).__name__}"
            raise
        return Reply(response.status_code, response.headers, content)
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


def _read_body(response: requests.Response, deadline: Deadline) -> bytes:
    """The whole body, read in pieces against the deadline and the size cap; on any failure
    the connection is dropped rather than returned to the pool half read."""
    limit = settings.ECL_MAX_BODY_BYTES
    raw = response.raw
    done = False
    try:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > limit:
            raise ResponseTooLarge()
        content = bytearray()
        while True:
            remaining = deadline.remaining()
            if remaining <= 0:
                raise requests.ReadTimeout("the operation's deadline passed while reading")
            _limit_next_wait(raw, min(settings.ECL_TIMEOUT, remaining))
            try:
                piece = raw.read1(CHUNK, decode_content=True)
            except ReadTimeoutError as error:
                raise requests.ReadTimeout(str(error)) from None
            except HTTPError as error:  # reset or cut short mid-body
                raise requests.ConnectionError(str(error)) from None
            if not piece:
                done = True
                return bytes(content)
            content += piece
            if len(content) > limit:
                raise ResponseTooLarge()
    finally:
        if not done:
            connection = raw.connection
            if connection is not None:
                connection.close()
            response.close()


def _limit_next_wait(raw: Any, seconds: float) -> None:
    """Make the next socket read wait at most `seconds` (the request's own read timeout was set
    when it was sent, for a budget that has shrunk since)."""
    connection = raw.connection
    sock = getattr(connection, "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))
