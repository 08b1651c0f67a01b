"""The reading of every ECL and Keystone body: a byte order mark, lone surrogates, NaN, invalid
UTF-8, huge numbers and deep nesting are read the way Python's json reads them, never refused
whole, and re-encoded as strict JSON."""

import json
import math

import msgspec
import pytest

from apps_admin.ecl import tolerant_json
from apps_admin.ecl.tolerant_json import MAX_DEPTH, TOO_DEEP, NotJSON


def nested(depth: int, inner: bytes = b"") -> bytes:
    return b"[" * depth + inner + b"]" * depth


def depth_of(value) -> int:
    count = 0
    while isinstance(value, list) and value:
        count += 1
        value = value[0]
    return count + (1 if value == [] else 0)


def strict(body: bytes):
    """What a strict RFC 8259 reader makes of `body` (json refusing NaN and Infinity), after
    checking that no string in it holds a lone surrogate."""

    def refuse(name):
        raise ValueError(name)

    value = json.loads(body, parse_constant=refuse)
    assert not tolerant_json.has_lone_surrogate(json.dumps(value, ensure_ascii=False)), value
    return msgspec.json.decode(body)


def test_a_byte_order_mark_before_the_json_is_ignored():
    assert tolerant_json.loads(b"\xef\xbb\xbf[1, 2]") == [1, 2]
    assert tolerant_json.fast(b"\xef\xbb\xbf{}") == {}
    assert [e.value for e in tolerant_json.elements(b'\xef\xbb\xbf [{"a": 1}] ')] == [{"a": 1}]


def test_what_pythons_json_writes_is_read():
    body = json.dumps([{"d": "x \ud800"}, {"n": math.nan}, {"i": math.inf, "m": -math.inf}])
    value = tolerant_json.loads(body.encode())
    assert value[0]["d"] == "x \ud800"
    assert math.isnan(value[1]["n"]) and value[2] == {"i": math.inf, "m": -math.inf}


def test_invalid_utf8_is_kept_as_lone_surrogates_and_shown_as_replacement_characters():
    [element] = tolerant_json.elements(b'["caf\xe9"]')
    assert tolerant_json.has_lone_surrogate(element.value)
    assert tolerant_json.clean_text(element.value) == "caf\ufffd"
    assert element.raw == b'"caf\xe9"'  # the bytes as ECL sent them


def test_a_number_longer_than_python_converts_is_a_large_float_not_an_error():
    assert tolerant_json.loads(b"[" + b"9" * 5000 + b", 7]") == [math.inf, 7]


@pytest.mark.parametrize("depth", [1200, 100_000])
def test_nesting_past_the_bound_is_read_past_and_kept_as_too_deep(depth):
    body = b'[{"id": 1, "extra": ' + nested(depth) + b'}, {"id": 2}]'
    first, second = tolerant_json.elements(body)
    assert second.value == {"id": 2} and second.raw == b'{"id": 2}'
    kept = first.value["extra"]
    assert depth_of(kept) <= MAX_DEPTH
    inner = kept
    while isinstance(inner, list) and inner:
        inner = inner[0]
    assert inner is TOO_DEEP
    assert first.raw.endswith(b"]}")  # its text as sent, whole


def test_deep_strings_with_brackets_inside_do_not_confuse_the_reading_past():
    body = nested(5000, b'"]]]\\"[[["') + b""
    assert depth_of(tolerant_json.loads(body)) <= MAX_DEPTH
    assert tolerant_json.nesting(body.decode()) == 5000


def test_each_element_keeps_its_own_text():
    body = b' [ {"a":1} , "b\\ud800", NaN , [1, [2]] ] '
    elements = tolerant_json.elements(body)
    assert [e.raw for e in elements] == [b'{"a":1}', b'"b\\ud800"', b"NaN", b"[1, [2]]"]
    assert [tolerant_json.is_strict(e.raw) for e in elements] == [True, False, False, True]


@pytest.mark.parametrize(("body", "found"), [(b"null", None), (b" [ ] ", []), (b"[]", [])])
def test_null_is_no_list_and_an_empty_array_is_empty(body, found):
    assert tolerant_json.elements(body) == found


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b'{"a": 1}', b"[1,", b"[1 2]", b"[1,]", b"[1]x", b'["a\\x"]', b"<html>", b"nul"],
)
def test_anything_but_an_array_is_not_a_list(body):
    with pytest.raises(NotJSON):
        tolerant_json.elements(body)


@pytest.mark.parametrize("body", [b"", b"{", b"[1]]", b"<html>502</html>", b"\xff\xfe"])
def test_what_is_no_json_even_for_python_is_not_json(body):
    with pytest.raises(NotJSON):
        tolerant_json.loads(body)


def test_a_cleaned_value_is_strict_json():
    value = tolerant_json.loads(
        b'{"d\\udc00": ["x \\ud800", NaN, Infinity, -Infinity, 1.5], "e": ' + nested(3000) + b"}"
    )
    encoded = tolerant_json.encode(value)
    read = strict(encoded)
    assert read["d\ufffd"] == ["x \ufffd", None, None, None, 1.5]
    assert depth_of(read["e"]) <= MAX_DEPTH


def test_nesting_is_counted_without_recursion():
    assert tolerant_json.nesting("[]") == 1
    assert tolerant_json.nesting('{"a": [{"b": "[[["}]}') == 3
    assert tolerant_json.nesting(nested(100_000).decode()) == 100_000
