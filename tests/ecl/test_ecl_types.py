"""Decoding ECL's JSON into typed values: what is accepted, and what is refused naming the field."""

from datetime import timedelta
from typing import Any

import pytest

from apps_admin.ecl import errors
from apps_admin.ecl.types import App, AppSummary, MonthCounts, SecretKey, decode

FULL = (
    b'{"id":1000,"apikey":"k","description":"Desk","domains":["example.com"],'
    b'"permissions":["TURN"],"status":"active",'
    b'"recording":{"status":"active","bucket_name":"rec"},'
    b'"usage_summary":{"2026/11":{"signaling":5,"turn":0.5,"sfu":1},'
    b'"2026/10":{"signaling":7}},'
    b'"created_at":"2023-04-01T11:07:02+09:00","updated_at":"2023-04-19T00:08:26+09:00",'
    b'"something_new":{"nested":[1,2]}}'
)


def test_a_full_app_is_typed_under_the_portals_names():
    app = decode(FULL, App)
    assert app.id == "1000" and app.expanded
    assert (app.domains, app.permissions) == (("example.com",), ("TURN",))
    assert (app.recording_status, app.recording_bucket) == ("active", "rec")
    assert [m.month for m in app.usage] == ["2026/10", "2026/11"]  # oldest first
    assert app.usage_summary["2026/10"] == MonthCounts(signaling=7, turn=0, sfu=0)
    assert app.created_at.utcoffset() == timedelta(hours=9)


def test_absent_and_null_optional_fields_read_as_empty():
    app = decode(
        b'{"id":"abc","apikey":"k","description":null,"domains":null,"permissions":null,'
        b'"status":"suspended","recording":null,"usage_summary":null}',
        App,
    )
    assert (app.id, app.description, app.domains, app.permissions) == ("abc", "", (), ())
    assert (app.recording_status, app.recording_bucket, app.usage) == ("", "", ())
    assert app.created_at is None and not app.is_active


def test_an_unexpanded_list_holds_summaries():
    apps = decode(
        b'[{"id":1,"apikey":"a","description":"x"},{"id":2,"apikey":"b"}]', list[AppSummary]
    )
    assert [(a.id, a.description, a.expanded) for a in apps] == [
        ("1", "x", False),
        ("2", "", False),
    ]


def message(body: bytes, into: Any) -> str:
    with pytest.raises(errors.BadUpstreamResponse) as caught:
        decode(body, into)
    return str(caught.value.message)


@pytest.mark.parametrize(
    ("app", "named"),
    [
        (b'{"apikey":"k","status":"active"}', "(id)"),
        (b'{"id":"","apikey":"k","status":"active"}', "(id)"),
        (b'{"id":true,"apikey":"k","status":"active"}', "(id)"),
        (b'{"id":1.5,"apikey":"k","status":"active"}', "(id)"),
        (b'{"id":1,"apikey":2,"status":"active"}', "(apikey)"),
        (b'{"id":1,"status":"active"}', "(apikey)"),
        (b'{"id":1,"apikey":"k"}', "(status)"),
        (b'{"id":1,"apikey":"k","status":"active","domains":["a",3]}', "(domains)"),
        (b'{"id":1,"apikey":"k","status":"active","domains":"a"}', "(domains)"),
        (b'{"id":1,"apikey":"k","status":"active","recording":{"status":5}}', "(recording.status)"),
        (b'{"id":1,"apikey":"k","status":"active","recording":[]}', "(recording)"),
        (
            b'{"id":1,"apikey":"k","status":"active","usage_summary":{"2026/11":{"turn":"1"}}}',
            "(usage_summary)",
        ),
        (
            b'{"id":1,"apikey":"k","status":"active","usage_summary":{"2026/11":{"turn":true}}}',
            "(usage_summary)",
        ),
        (
            b'{"id":1,"apikey":"k","status":"active","created_at":"2023-04-01T11:07:02"}',
            "(created_at)",
        ),
        (b'{"id":1,"apikey":"k","status":"active","updated_at":"yesterday"}', "(updated_at)"),
        (b"3", "(not an object)"),
    ],
)
def test_an_app_that_does_not_fit_is_refused_naming_the_field(app, named):
    text = message(app, App)
    assert text.startswith("ECL sent an app this portal cannot read") and text.endswith(named + ".")
    in_a_list = message(b'[{"id":7,"apikey":"k","status":"active"},' + app + b"]", list[App])
    assert in_a_list == text


def test_a_list_that_is_no_list_and_a_body_that_is_no_json_are_refused():
    assert message(b'{"apps":[]}', list[App]) == "ECL sent an app list this portal cannot read."
    assert "cannot read" in message(b"<html>502 Bad Gateway</html>", list[App])
    assert "cannot read" in message(b'[{"id":1,', list[App])
    assert message(b'{"key":"x"}', SecretKey) == (
        "ECL sent a secret key answer this portal cannot read."
    )
    assert decode(b'{"secretkey":"s3cr3t"}', SecretKey).secretkey == "s3cr3t"
