"""Bodies written piece by piece: the answers of the `trickle` and `oversized` fault actions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from .models import App, Usage, UsageStamp
from .timefmt import format_jst

# Every id of an oversized list has ten digits (2 GB holds far fewer than 9e9 apps), so every
# object has the same length and the Content-Length is known before the first byte is written.
_FIRST_ID = 1_000_000_000
_MARK = str(_FIRST_ID)
_WRITE_SIZE = 64 * 1024


def pieces(body: bytes, size: int) -> Iterator[bytes]:
    """`body` cut into pieces of `size` bytes (the last one shorter)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def oversized_list(size: int, now: datetime) -> tuple[int, Iterator[bytes]]:
    """A valid JSON array of copies of one expanded app, ids increasing, of at least `size`
    bytes: its exact length, and its chunks of about 64 KiB (it is never built whole); its
    times and usage months are `now`'s."""
    template = _app_template(now)
    object_length = len(_MARK.join(template))
    count = max(1, -(-(size - 1) // (object_length + 1)))  # "[" + objects and commas + "]"
    per_chunk = max(1, _WRITE_SIZE // (object_length + 1))
    return count * (object_length + 1) + 1, _array_chunks(template, count, per_chunk)


def _app_template(now: datetime) -> list[str]:
    """One expanded app's JSON split where its id goes (the id also ends its apikey)."""
    stamp = format_jst(now)
    app = App(
        id=_FIRST_ID,
        apikey=f"00000000-0000-4000-8000-00{_MARK}",
        secretkey="",
        created_at=stamp,
        updated_at=stamp,
        description="Oversized answer",
        domains=["example.com"],
        permissions=["TURN", "SFU"],
        fixed_usage=(
            Usage(signaling=120, turn=1.5, sfu=2.25),
            Usage(signaling=30, turn=0.5, sfu=0.75),
        ),
    )
    return app.full_json(UsageStamp(now)).split(_MARK)


def _array_chunks(template: list[str], count: int, per_chunk: int) -> Iterator[bytes]:
    yield b"["
    end = _FIRST_ID + count
    for first in range(_FIRST_ID, end, per_chunk):
        objects = ",".join(
            str(app_id).join(template) for app_id in range(first, min(first + per_chunk, end))
        )
        yield (objects if first == _FIRST_ID else "," + objects).encode()
    yield b"]"
