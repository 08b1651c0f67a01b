"""The HTTP server: identity (`/v3`), the apps API (`/`) and controls (`/_emulator`) on one port."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import select
import socket
import string
import struct
import sys
import threading
import time
import traceback
import uuid
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from . import routes
from .bodies import oversized_list, pieces
from .faults import FaultRule
from .reply import INJECTED_FAULT, INVALID_REQUEST, HttpError, Reply, error_reply, restyled
from .request import Request
from .state import EmulatorState
from .variants import BOM

log = logging.getLogger("ecl_emulator")

MAX_BODY = 1024 * 1024
# A body over MAX_BODY is read and thrown away up to this size so the client gets its 413
# instead of a broken pipe; past it the connection is simply closed after the 413.
MAX_DRAIN = 64 * 1024 * 1024
HANG_CAP_SECONDS = 120.0
_CHUNK = 64 * 1024
_HOST_HEADER_CHARS = frozenset(string.ascii_letters + string.digits + ".-:[]")
MALFORMED_BODY = b'<html><body><h1>502 Bad Gateway</h1>upstream sent garbage{"apps": ['


class BodyError(Exception):
    """The request body cannot be used (too large, bad framing); answer `reply` and close."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server holding the emulator's state; `stop()` ends it promptly."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(
        self,
        state: EmulatorState,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        log_requests: bool = False,
        hang_cap: float = HANG_CAP_SECONDS,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.state = state
        self.log_requests = log_requests
        self.hang_cap = hang_cap
        self.stop_event = threading.Event()
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        self._serving = threading.Event()
        super().__init__((host, port), EmulatorHandler)

    @property
    def base_url(self) -> str:
        """`http://host:port` of the bound socket (a wildcard host shown as loopback)."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", ""):  # noqa: S104 - a wildcard bind, reached via loopback
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}"

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Serve until `stop()` (a short poll interval keeps stopping prompt)."""
        self._serving.set()
        try:
            super().serve_forever(poll_interval)
        finally:
            self._serving.clear()

    def stop(self) -> None:
        """Stop accepting, wake hanging and delayed requests, drop open connections, close."""
        self.stop_event.set()
        if self._serving.is_set():
            self.shutdown()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self.server_close()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Track the connection so `stop()` can end keep-alive connections too."""
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection, then close it."""
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away is normal; anything else is logged briefly."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        log.error("Unhandled error serving %s:\n%s", client_address, traceback.format_exc())


class EmulatorHandler(BaseHTTPRequestHandler):
    """Reads one request, routes it, applies faults and latency, writes one JSON answer."""

    server: EmulatorServer
    protocol_version = "HTTP/1.1"
    server_version = "ecl-emulator"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # an idle keep-alive connection or a stalled body upload is dropped

    def setup(self) -> None:
        """Per connection: nothing aborted yet."""
        super().setup()
        self._aborted = False

    # --- request loop -----------------------------------------------------------------------

    def handle_one_request(self) -> None:
        """The stdlib loop, sending every method (even unknown ones) to `_dispatch`."""
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._dispatch()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def finish(self) -> None:
        """After an aborted answer, close the socket for real so the client sees a reset."""
        try:
            super().finish()
        finally:
            if self._aborted:
                self.connection.close()

    def _dispatch(self) -> None:
        started = time.perf_counter()
        path, _, query = self.path.partition("?")
        resolved = routes.resolve(path)
        route, params = resolved if resolved else (None, {})
        kind = route.kind if route else None
        state = self.server.state
        try:
            body = self._read_body()
            body_error = None
        except BodyError as exc:
            body, body_error = b"", exc.reply
            self.close_connection = True  # what is left of the body cannot be parsed as a request
        req = Request(self.command, path, query, self.headers, body, self._base_url(), params)

        if kind == routes.CONTROL:
            self._send_reply(body_error or self._handle(route, req), started)
            return
        if route is not None:
            state.count_call(kind, routes.stats_key(self.command, route))
        if kind in (routes.AUTH, routes.API):
            state.journal.record(req.method, path, query, req.body, secret=kind == routes.AUTH)
        rule = state.faults.take(self.command, path)
        latency = state.faults.latency_ms
        if latency and self.server.stop_event.wait(latency / 1000):
            self._abort()
            return
        if rule is not None and rule.when == "before":
            self._fault(rule, started, kind)
            return
        reply = self._with_bom(kind, self._styled(kind, body_error or self._handle(route, req)))
        if rule is not None and rule.action == "trickle":
            self._trickle(reply, rule, started)
        elif rule is not None:
            self._fault(rule, started, kind)
        else:
            self._send_reply(reply, started)

    def _styled(self, kind: str | None, reply: Reply) -> Reply:
        """An error of an apps API route written as the `error_format` setting says."""
        if kind != routes.API:
            return reply
        return restyled(reply, self.server.state.variants.error_format)

    def _with_bom(self, kind: str | None, reply: Reply) -> Reply:
        """With the `bom` setting, every body of the identity and apps API routes starts with
        a UTF-8 byte order mark, as some gateways and Windows tools write it."""
        if not (self.server.state.variants.bom and kind in (routes.AUTH, routes.API)):
            return reply
        return dataclasses.replace(reply, body=BOM + reply.body) if reply.body else reply

    def _handle(self, route: routes.Route | None, req: Request) -> Reply:
        if route is None:
            return error_reply(404, "Not found")
        handler = route.handlers.get(req.method)
        if handler is None:
            reply = error_reply(405, "Method not allowed")
            reply.headers["Allow"] = ", ".join(route.handlers)
            return reply
        keystone = route.kind in (routes.AUTH, routes.IDENTITY)
        try:
            return handler(self.server.state, req)
        except HttpError as exc:
            return exc.reply()
        except Exception:  # a bug in the emulator must not kill the connection silently
            log.error("Emulator error on %s %s:\n%s", req.method, req.path, traceback.format_exc())
            return error_reply(500, "Emulator internal error", keystone=keystone)

    # --- body -------------------------------------------------------------------------------

    def _read_body(self) -> bytes:
        """The whole body, at most MAX_BODY bytes; raises BodyError (and closes) otherwise."""
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        length_header = self.headers.get("Content-Length")
        if encoding:
            if encoding != "chunked" or length_header is not None:
                raise BodyError(error_reply(400, INVALID_REQUEST, close=True))
            return self._read_chunked()
        if length_header is None:
            return b""
        length_text = length_header.strip()
        if not length_text.isascii() or not length_text.isdigit() or len(length_text) > 18:
            raise BodyError(error_reply(400, INVALID_REQUEST, close=True))
        length = int(length_text)
        if length > MAX_BODY:
            if length <= MAX_DRAIN:
                self._drain(length)
            raise BodyError(error_reply(413, "Request body too large", close=True))
        body = self.rfile.read(length)
        if len(body) < length:
            raise ConnectionError("client closed the connection inside the body")
        return body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1026)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise BodyError(error_reply(400, INVALID_REQUEST, close=True)) from None
            if size < 0:
                raise BodyError(error_reply(400, INVALID_REQUEST, close=True))
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                break
            total += size
            if total > MAX_DRAIN:
                raise BodyError(error_reply(413, "Request body too large", close=True))
            if total > MAX_BODY:
                self._drain(size)  # keep reading so the client gets its 413, but keep nothing
            else:
                chunk = self.rfile.read(size)
                if len(chunk) < size:
                    raise ConnectionError("client closed the connection inside a chunk")
                parts.append(chunk)
            self.rfile.readline(3)  # the CRLF after the chunk
        if total > MAX_BODY:
            raise BodyError(error_reply(413, "Request body too large", close=True))
        return b"".join(parts)

    def _drain(self, length: int) -> None:
        remaining = length
        while remaining > 0:
            data = self.rfile.read(min(_CHUNK, remaining))
            if not data:
                return
            remaining -= len(data)

    # --- answers ----------------------------------------------------------------------------

    def _base_url(self) -> str:
        """The URL the client used to reach us (Host header), else the bound address."""
        host = (self.headers.get("Host") or "").strip()
        if host and len(host) <= 255 and set(host) <= _HOST_HEADER_CHARS:
            return f"http://{host}"
        return self.server.base_url

    def _send_reply(self, reply: Reply, started: float | None = None) -> None:
        head, transaction_id = self._head(reply)
        body = b"" if self.command == "HEAD" else reply.body
        self.wfile.write(head + body)
        self._log(reply.status, started, transaction_id)

    def _head(self, reply: Reply, length: int | None = None) -> tuple[bytes, str]:
        """The status line and headers of `reply` (a body of `length` bytes, by default its
        own), and the transaction id they carry."""
        if reply.close:
            self.close_connection = True
        headers = {
            "Content-Type": "application/json",
            "Content-Length": str(len(reply.body) if length is None else length),
            "ECL-Transaction-ID": str(uuid.uuid4()),
            "Date": formatdate(usegmt=True),
            "Server": self.server_version,
        }
        headers.update(reply.headers)
        if reply.status == HTTPStatus.NO_CONTENT:
            del headers["Content-Type"], headers["Content-Length"]
        if self.close_connection:
            headers["Connection"] = "close"
        try:
            phrase = HTTPStatus(reply.status).phrase
        except ValueError:
            phrase = "Error"
        lines = [f"HTTP/1.1 {reply.status} {phrase}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        return head, headers["ECL-Transaction-ID"]

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found while parsing the request line or headers, answered as JSON too."""
        self.close_connection = True
        try:
            text = message or HTTPStatus(code).phrase
        except ValueError:
            text = "Error"
        self._send_reply(error_reply(int(code), text, close=True))

    def _fault(self, rule: FaultRule, started: float, kind: str | None) -> None:
        if rule.status is not None:
            reply = self._styled(kind, error_reply(rule.status, INJECTED_FAULT))
            self._send_reply(reply, started)
        elif rule.action == "malformed":
            self._send_reply(Reply(200, MALFORMED_BODY), started)
        elif rule.action == "hang":
            self._hang()
        elif rule.action == "oversized":
            self._oversized(rule.options["size_bytes"], started)
        else:
            self._abort()
        self._log_fault(rule)

    def _hang(self) -> None:
        """Answer nothing until the client gives up, the emulator stops, or the cap passes."""
        self._pause(self.server.hang_cap)
        self._abort()

    def _pause(self, seconds: float) -> bool:
        """Wait `seconds`; False as soon as the client goes away or the emulator stops."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.server.stop_event.wait(min(left, 0.05)) or self._client_gone():
                return False
        return True

    def _trickle(self, reply: Reply, rule: FaultRule, started: float) -> None:
        """The normal answer: headers at once, then the body a few bytes at a time."""
        head, transaction_id = self._head(reply)
        body = b"" if self.command == "HEAD" else reply.body
        interval = rule.options["interval_ms"] / 1000
        self._log_fault(rule)
        try:
            self.wfile.write(head)
            for index, piece in enumerate(pieces(body, rule.options["chunk_bytes"])):
                if index and not self._pause(interval):
                    self._abort()
                    return
                self.wfile.write(piece)
        except OSError:  # the client went away, or stop() shut the socket
            self._abort()
            return
        self._log(reply.status, started, transaction_id)

    def _oversized(self, size: int, started: float) -> None:
        """A 200 with a valid JSON list of at least `size` bytes, written as it is generated."""
        length, chunks = oversized_list(size, self.server.state.clock.now())
        head, transaction_id = self._head(Reply(200, b""), length)
        try:
            self.wfile.write(head)
            if self.command != "HEAD":
                for chunk in chunks:
                    if self.server.stop_event.is_set():
                        self._abort()
                        return
                    self.wfile.write(chunk)
        except OSError:  # the client stopped reading and closed: nothing more to do
            self._abort()
            return
        self._log(200, started, transaction_id)

    def _client_gone(self) -> bool:
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except (OSError, ValueError):
            return True

    def _abort(self) -> None:
        """Close without answering; SO_LINGER 0 makes the close a TCP reset."""
        self.close_connection = True
        self._aborted = True
        with contextlib.suppress(OSError):
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    # --- logging ----------------------------------------------------------------------------

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Replaced by `_log`, which knows the duration and the transaction id."""

    def log_message(self, format: str, *args: Any) -> None:
        """Stdlib messages go to the emulator's logger when request logging is on."""
        if self.server.log_requests:
            log.info("%s %s", self.address_string(), format % args)

    def _log(self, status: int, started: float | None, transaction_id: str) -> None:
        if not self.server.log_requests:
            return
        elapsed = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        log.info(
            "%s %s -> %d (%.1f ms) ECL-Transaction-ID=%s",
            getattr(self, "command", "-"),
            getattr(self, "path", "-"),
            status,
            elapsed,
            transaction_id,
        )

    def _log_fault(self, rule: FaultRule) -> None:
        if self.server.log_requests:
            log.info("%s %s: injected fault %s", self.command, self.path, rule.as_dict())
