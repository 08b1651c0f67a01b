"""The request journal: the last requests that reached identity or the apps API, secrets masked,
and what the emulator did with each: whether it was carried out, and what the client was sent."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from typing import Any

JOURNAL_SIZE = 200
MASK = "***"


@dataclass
class JournalEntry:
    """One request. An apps API body is kept as bytes and decoded only when the journal is read.

    `status` is the emulator's own answer (None until it handled the request, and for ever when
    a fault struck before); `answer` what the client was sent: a status, or the fault's action
    (`reset`, `hang`, ...) when it was not an answer of ECL's.
    """

    method: str
    path: str
    query: str
    body: bytes | Any
    received_at: float = field(default_factory=time.time)
    handled_at: float | None = None
    status: int | None = None
    answer: int | str | None = None

    def as_dict(self) -> dict[str, Any]:
        """`{"method", "path", "query", "body", "received_at", "handled_at", "status",
        "carried_out", "answer"}` with the body decoded."""
        body = decode_body(self.body) if isinstance(self.body, bytes) else self.body
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "body": body,
            "received_at": self.received_at,
            "handled_at": self.handled_at,
            "status": self.status,
            "carried_out": self.status is not None and 200 <= self.status < 300,
            "answer": self.answer,
        }


class RequestJournal:
    """The last JOURNAL_SIZE requests, oldest first, shared by every request thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=JOURNAL_SIZE)

    def record(
        self, method: str, path: str, query: str, body: bytes, *, secret: bool
    ) -> JournalEntry:
        """Remember one request as it arrives; with `secret` (identity) the body's passwords
        become `***`. The entry is filled in later by `handled` and `answered`."""
        kept: bytes | Any = masked_body(body) if secret else body
        entry = JournalEntry(method, path, query, kept)
        with self._lock:
            self._entries.append(entry)
        return entry

    def handled(self, entry: JournalEntry, status: int) -> None:
        """The emulator handled the request and its own answer was `status`."""
        with self._lock:
            entry.status, entry.handled_at = status, time.time()

    def answered(self, entry: JournalEntry, answer: int | str) -> None:
        """What the client was sent: a status, or the name of the fault that replaced it."""
        with self._lock:
            entry.answer = answer

    def entries(self) -> list[dict[str, Any]]:
        """Every remembered request, oldest first."""
        with self._lock:
            copies = [replace(entry) for entry in self._entries]
        return [entry.as_dict() for entry in copies]

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
