"""HTTP answers of the emulator: the Reply value, the error texts and the HttpError exception."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from typing import Any

# The condition texts of the ECL reference page, in the error body of ecl-contract.md §4.1.
NOT_AUTHENTICATED = "Not authenticated"
TENANT_SUSPENDED = "Tenant is suspended"
TENANT_DELETED = "Tenant is deleted"
APP_DOES_NOT_EXIST = "App doesn't exist"
DESCRIPTION_TOO_LONG = "Description exceeding the maximum length"
DOMAIN_TOO_LONG = "Domain exceeding the maximum length"
INVALID_DOMAIN = "Invalid domain format"
INVALID_STATUS = "Invalid status"
INVALID_PERMISSIONS = "Invalid permissions"
# Emulator texts where the reference has none.
INVALID_REQUEST = "Invalid request"
INJECTED_FAULT = "Injected fault"

KEYSTONE_UNAUTHORIZED = "The request you have made requires authentication."

# How an error of the apps API can be written (`error_format` of `PATCH /_emulator/config`).
ERROR_FORMATS = ("contract", "flat", "error_string", "detail", "errors", "text", "html", "empty")
_HTML_PAGE = (
    "<html><head><title>{code} {reason}</title></head>"
    "<body><h1>{code} {reason}</h1><p>{text}</p></body></html>"
)


@dataclass
class Reply:
    """A complete answer: status, JSON (or deliberately broken) body bytes and extra headers."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    close: bool = False
    # The error text of an error answer (None otherwise), so it can be written another way.
    message: str | None = None


def dumps(obj: Any) -> str:
    """Serialise compactly, the way every body of the emulator is written."""
    return json.dumps(obj, separators=(",", ":"))


def json_reply(status: int, obj: Any, headers: dict[str, str] | None = None) -> Reply:
    """Answer `obj` as JSON."""
    return Reply(status, dumps(obj).encode(), dict(headers or {}))


def error_body(status: int, message: str, *, keystone: bool = False) -> dict[str, Any]:
    """The error object: ECL's `{code, message}`, or Keystone's with a `title` as well."""
    error: dict[str, Any] = {"code": status}
    if keystone:
        error["title"] = _title(status)
    error["message"] = message
    return {"error": error}


def error_reply(status: int, message: str, *, keystone: bool = False, close: bool = False) -> Reply:
    """Answer an error in the emulator's shape."""
    reply = json_reply(status, error_body(status, message, keystone=keystone))
    reply.close = close
    reply.message = message
    return reply


def restyled(reply: Reply, error_format: str) -> Reply:
    """An apps API error written in `error_format` (one of ERROR_FORMATS); other answers as is."""
    if reply.message is None or error_format == "contract":
        return reply
    body, content_type = _styled_body(reply.status, reply.message, error_format)
    headers = {**reply.headers, "Content-Type": content_type}
    return replace(reply, body=body, headers=headers)


def _styled_body(status: int, text: str, error_format: str) -> tuple[bytes, str]:
    if error_format == "text":
        return text.encode(), "text/plain; charset=utf-8"
    if error_format == "html":
        page = _HTML_PAGE.format(code=status, reason=_title(status), text=html.escape(text, False))
        return page.encode(), "text/html; charset=utf-8"
    if error_format == "empty":
        return b"", "application/json"
    shapes: dict[str, Any] = {
        "flat": {"code": status, "message": text},
        "error_string": {"error": text},
        "detail": {"detail": text},
        "errors": {"errors": [{"message": text}]},
    }
    return dumps(shapes[error_format]).encode(), "application/json"


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class HttpError(Exception):
    """Raised by a handler to answer an error; turned into a Reply by the server."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        keystone: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {message}")
        self.status = status
        self.message = message
        self.keystone = keystone
        self.headers = dict(headers or {})

    def reply(self) -> Reply:
        """The answer this error stands for."""
        reply = error_reply(self.status, self.message, keystone=self.keystone)
        reply.headers.update(self.headers)
        return reply
