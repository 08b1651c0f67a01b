"""The parsed request a handler receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qsl


@dataclass
class Request:
    """Method, path, query, headers and the whole (size-checked) body of one request."""

    method: str
    path: str
    query: str
    headers: Message
    body: bytes
    base_url: str
    params: dict[str, str] = field(default_factory=dict)

    @property
    def identity_url(self) -> str:
        """The identity service's URL as this client reaches it."""
        return self.base_url + "/v3"

    def query_value(self, name: str) -> str | None:
        """The first value of a query parameter ("" when bare), or None when absent."""
        for key, value in parse_qsl(self.query, keep_blank_values=True):
            if key == name:
                return value
        return None

    def header(self, name: str) -> str | None:
        """A request header, or None."""
        return self.headers.get(name)
