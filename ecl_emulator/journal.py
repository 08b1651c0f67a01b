"""The request journal: the last requests that reached identity or the apps API, secrets masked."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from typing import Any

JOURNAL_SIZE = 200
MASK = "***"


@dataclass(frozen=True)
class JournalEntry:
    """One request. An apps API body is kept as bytes and decoded only when the journal is read."""

    method: str
    path: str
    query: str
    body: bytes | Any

    def as_dict(self) -> dict[str, Any]:
        """`{"method", "path", "query", "body"}` with the body decoded."""
        body = decode_body(self.body) if isinstance(self.body, bytes) else self.body
        return {"method": self.method, "path": self.path, "query": self.query, "body": body}


class RequestJournal:
    """The last JOURNAL_SIZE requests, oldest first, shared by every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=JOURNAL_SIZE)

    def record(self, method: str, path: str, query: str, body: bytes, *, secret: bool) -> None:
        """Remember one request; with `secret` (identity) the body's passwords become `***`."""
        kept: bytes | Any = masked_body(body) if secret else body
        with self._lock:
            self._entries.append(JournalEntry(method, path, query, kept))

    def entries(self) -> list[dict[str, Any]]:
        """Every remembered request, oldest first."""
        with self._lock:
            entries = list(self._entries)
        return [entry.as_dict() for entry in entries]

    def clear(self) -> None:
        """Forget every request."""
        with self._lock:
            self._entries.clear()


def decode_body(raw: bytes) -> Any:
    """The parsed JSON; None when empty; the text (undecodable bytes replaced) when not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return raw.decode("utf-8", errors="replace")


def masked_body(raw: bytes) -> Any:
    """An identity body with every `password` value that is not an object replaced by `***`.

    A body that is not JSON cannot be told apart from the secret in it: it is kept as `***`
    whole.
    """
    body = decode_body(raw)
    if isinstance(body, str):
        return MASK
    try:
        return _mask(body)
    except RecursionError:  # nested deeper than can be walked: keep nothing of it
        return MASK


def _mask(value: Any) -> Any:
    if isinstance(value, list):
        return [_mask(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {
        key: MASK if key == "password" and not isinstance(item, dict) else _mask(item)
        for key, item in value.items()
    }
