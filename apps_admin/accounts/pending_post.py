"""A form sent when it could not be carried out yet (the provider's session check was due, or a
fresh sign-in there was needed first), kept in the person's session so that they can send it
again without retyping, from the page `/resume/`.

Only what is safe to keep: no password, secret, key, code or token field (those are typed again),
no file, at most MAX_FIELDS fields of MAX_VALUE characters; kept for KEPT_FOR seconds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.http import HttpRequest

SESSION_KEY = "pending_post"
KEPT_FOR = 1800
MAX_FIELDS = 200
MAX_VALUE = 20_000
# A field whose name holds one of these is never kept: the person types it again.
SECRET_WORDS = ("password", "secret", "key", "code", "token", "otp", "credential", "csrf")


@dataclass(frozen=True)
class Pending:
    path: str
    fields: list[tuple[str, str]]


def _keepable(name: str) -> bool:
    lowered = name.lower()
    return not any(word in lowered for word in SECRET_WORDS)


def keep(request: HttpRequest) -> None:
    """Keep this POST's path and safe fields (replacing any kept before)."""
    fields = [
        (name, value[:MAX_VALUE])
        for name, values in request.POST.lists()
        if _keepable(name)
        for value in values
    ][:MAX_FIELDS]
    request.session[SESSION_KEY] = {"path": request.path, "fields": fields, "at": time.time()}


def take(request: HttpRequest) -> Pending | None:
    """The kept form, removed from the session; None when there is none, or it is too old."""
    kept = request.session.pop(SESSION_KEY, None)
    if not isinstance(kept, dict) or time.time() - kept.get("at", 0) > KEPT_FOR:
        return None
    path = kept.get("path")
    if not isinstance(path, str) or not path.startswith("/") or path.startswith("//"):
        return None
    return Pending(path, [(str(name), str(value)) for name, value in kept.get("fields", [])])
