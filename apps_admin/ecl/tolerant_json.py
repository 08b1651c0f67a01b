"""JSON as ECL and Keystone may send it, read so that one odd byte never hides a whole answer.

Every body is read without a leading UTF-8 byte order mark (RFC 8259 lets a reader ignore one;
some gateways and Windows tools add it), by msgspec in one pass when it can. What msgspec refuses
is read again as Python's `json` reads it: lone surrogate escapes (`"\\ud800"`, which Python
writes), `NaN` and `Infinity` (which Python writes by default) and invalid UTF-8 (kept as lone
surrogates, so that the same rules apply to it). Nesting is read up to MAX_DEPTH levels without
the risk of a RecursionError: a value nested deeper is read past and kept as TOO_DEEP, so an
unknown field nested 1,200 deep costs nothing but that field.

A list is read element by element (`elements`), each with its own text as ECL sent it, so that a
caller decides per record: an element msgspec reads is as good as ever, the others are read
leniently, one at a time.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec

BOM = b"\xef\xbb\xbf"
# Levels of nesting kept (ECL's apps have 4). Deeper values become TOO_DEEP; anything that walks
# a value read here (msgspec, the API's encoder) stays far from Python's recursion limit.
MAX_DEPTH = 128
REPLACEMENT = "\ufffd"  # what a lone surrogate is shown as

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NUMBER = re.compile(r"(-?(?:0|[1-9][0-9]*))(\.[0-9]+)?([eE][-+]?[0-9]+)?")
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_TAIL = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)
_SURROGATE = re.compile("[\ud800-\udfff]")
_CONSTANTS = (
    ("null", None),
    ("true", True),
    ("false", False),
    ("NaN", math.nan),
    ("Infinity", math.inf),
    ("-Infinity", -math.inf),
)


def _integer(digits: str) -> int | float:
    try:
        return int(digits)
    except ValueError:  # more digits than Python converts (4300): as large as a float goes
        return float(digits)


# Python's reader: NaN and Infinity too, control characters in strings, integers of any length.
_python = json.JSONDecoder(strict=False, parse_int=_integer)


class NotJSON(ValueError):
    """A body that is no JSON at all, even as Python's json reads it."""


class _TooDeep:
    """A value nested deeper than MAX_DEPTH, read past."""

    def __repr__(self) -> str:
        return "TOO_DEEP"


TOO_DEEP = _TooDeep()


def without_bom(body: bytes) -> bytes:
    return body[len(BOM) :] if body.startswith(BOM) else body


@cache
def _decoder(into: Any) -> msgspec.json.Decoder:
    return msgspec.json.Decoder(into)


def fast(body: bytes, into: Any = Any) -> Any:
    """`body` (without its BOM) decoded by msgspec into `into`. Raises msgspec.ValidationError
    when the JSON does not fit `into`, msgspec.DecodeError or RecursionError when msgspec
    cannot read it (then `loads` or `elements` can)."""
    return _decoder(into).decode(without_bom(body))


def loads(body: bytes) -> Any:
    """The JSON value of `body`, read as tolerantly as this module says; NotJSON otherwise."""
    try:
        return fast(body)
    except (msgspec.DecodeError, RecursionError):
        pass
    text = _text(body)
    value, end = _value_at(text, _skip_space(text, 0))
    if _skip_space(text, end) != len(text):
        raise NotJSON("more after the value")
    return value


@dataclass(frozen=True, slots=True)
class Element:
    """One element of a JSON array: its value read tolerantly, and its JSON text as sent."""

    value: Any
    raw: bytes


def elements(body: bytes) -> list[Element] | None:
    """The elements of the JSON array `body`, one by one; None for `null`. NotJSON for anything
    else (no JSON, or JSON of another kind)."""
    text = _text(body)
    position = _skip_space(text, 0)
    if text.startswith("null", position) and _skip_space(text, position + 4) == len(text):
        return None
    if not text.startswith("[", position):
        raise NotJSON("not an array")
    found: list[Element] = []
    position = _skip_space(text, position + 1)
    if text.startswith("]", position):
        position = _skip_space(text, position + 1)
    else:
        while True:
            value, end = _value_at(text, position)
            found.append(Element(value, text[position:end].encode("utf-8", "surrogateescape")))
            position = _skip_space(text, end)
            mark = text[position : position + 1]
            position = _skip_space(text, position + 1)
            if mark == "]":
                break
            if mark != ",":
                raise NotJSON("an array without its end")
    if position != len(text):
        raise NotJSON("more after the array")
    return found


def is_strict(raw: bytes) -> bool:
    """Whether msgspec (a strict RFC 8259 reader) reads `raw` as it is."""
    try:
        msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError):
        return False
    return True


def clean_text(text: str) -> str:
    """`text` with each lone surrogate (an invalid UTF-8 byte included) as U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text) if has_lone_surrogate(text) else text


def has_lone_surrogate(text: str) -> bool:
    # Python's str never pairs surrogates: any code point in the range is a lone one.
    return _SURROGATE.search(text) is not None


def clean(value: Any, depth: int = 0) -> Any:
    """`value` as strict JSON can hold it: lone surrogates (in keys too) as U+FFFD, NaN and
    Infinity as null, values nested deeper than MAX_DEPTH (TOO_DEEP) as null."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is TOO_DEEP or (depth >= MAX_DEPTH and isinstance(value, list | dict)):
        return None
    if isinstance(value, list):
        return [clean(item, depth + 1) for item in value]
    if isinstance(value, dict):
        return {clean_text(key): clean(item, depth + 1) for key, item in value.items()}
    return value


def encode(value: Any) -> bytes:
    """`value` as strict JSON (see `clean`)."""
    return msgspec.json.encode(clean(value))


def nesting(text: str) -> int:
    """How deep arrays and objects nest in the JSON `text`, counted without recursion (an
    unfinished text counts as far as it goes)."""
    depth = deepest = 0
    position = 0
    while found := _STRUCTURE.search(text, position):
        mark, position = found.group(), found.end()
        if mark == '"':
            string = _STRING_TAIL.match(text, position)
            if string is None:
                break
            position = string.end()
        elif mark in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


# --- Python's reading, without recursion past MAX_DEPTH -------------------------------------


def _text(body: bytes) -> str:
    return without_bom(body).decode("utf-8", "surrogateescape")


def _skip_space(text: str, position: int) -> int:
    return _WHITESPACE.match(text, position).end()


def _value_at(text: str, position: int) -> tuple[Any, int]:
    """The value starting at `position` and where it ends: Python's C reader first, which
    recurses once a level; past what Python's stack allows, this module's own reader."""
    try:
        return _python.raw_decode(text, position)
    except RecursionError:
        return _parse(text, position, 0)
    except ValueError:
        raise NotJSON("not JSON") from None


def _parse(text: str, position: int, depth: int) -> tuple[Any, int]:
    position = _skip_space(text, position)
    mark = text[position : position + 1]
    if mark == '"':
        try:
            return json.decoder.scanstring(text, position + 1, False)
        except ValueError:
            raise NotJSON("a string without its end") from None
    if mark in ("[", "{"):
        if depth >= MAX_DEPTH:
            return TOO_DEEP, _past(text, position)
        if mark == "[":
            return _array(text, position + 1, depth)
        return _object(text, position + 1, depth)
    number = _NUMBER.match(text, position)
    if number:
        return _number(number), number.end()
    for word, value in _CONSTANTS:
        if text.startswith(word, position):
            return value, position + len(word)
    raise NotJSON("not JSON")


def _array(text: str, position: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    position = _skip_space(text, position)
    if text.startswith("]", position):
        return items, position + 1
    while True:
        value, position = _parse(text, position, depth + 1)
        items.append(value)
        position = _skip_space(text, position)
        mark = text[position : position + 1]
        if mark == "]":
            return items, position + 1
        if mark != ",":
            raise NotJSON("an array without its end")
        position += 1


def _object(text: str, position: int, depth: int) -> tuple[dict[str, Any], int]:
    found: dict[str, Any] = {}
    position = _skip_space(text, position)
    if text.startswith("}", position):
        return found, position + 1
    while True:
        if not text.startswith('"', position):
            raise NotJSON("an object key that is not a string")
        key, position = _parse(text, position, depth)
        position = _skip_space(text, position)
        if not text.startswith(":", position):
            raise NotJSON("an object key without a value")
        found[key], position = _parse(text, position + 1, depth + 1)
        position = _skip_space(text, position)
        mark = text[position : position + 1]
        if mark == "}":
            return found, position + 1
        if mark != ",":
            raise NotJSON("an object without its end")
        position = _skip_space(text, position + 1)


def _number(match: re.Match[str]) -> int | float:
    whole, fraction, exponent = match.groups()
    return float(match.group()) if fraction or exponent else _integer(whole)


def _past(text: str, position: int) -> int:
    """Where the array or object at `position` ends, read past without building it."""
    depth = 0
    while True:
        found = _STRUCTURE.search(text, position)
        if found is None:
            raise NotJSON("nesting without its end")
        mark, position = found.group(), found.end()
        if mark == '"':
            string = _STRING_TAIL.match(text, position)
            if string is None:
                raise NotJSON("a string without its end")
            position = string.end()
        elif mark in "[{":
            depth += 1
        else:
            depth -= 1
            if depth == 0:
                return position
