"""The emulator's switches for answering the way a real ECL might differ from the contract:
the request journal, planted apps, answer settings, and the trickle and oversized faults."""

import http.client
import json
import math
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest
import requests

from ecl_emulator.control import EmulatorControlError
from ecl_emulator.testing import TenantSession, auth_request_body, issue_token, start_emulator
from tests.helpers import start_program

APP_KEYS = {
    "id",
    "apikey",
    "description",
    "domains",
    "permissions",
    "usage_summary",
    "status",
    "recording",
    "created_at",
    "updated_at",
}
DEFAULT_SETTINGS = {
    "token_ttl": 3600,
    "create_status": 200,
    "delete_answer": "{}",
    "error_format": "contract",
    "expired_token": {"status": 403, "message": "Not authenticated"},
    "empty_list": "[]",
    "bom": False,
    "odd_value": None,
    "keystone_answer": "contract",
}


def control(emulator, method: str, path: str, body=None) -> requests.Response:
    url = f"{emulator.base_url}/_emulator{path}"
    return requests.request(method, url, json=body, timeout=30)


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll `condition` until it holds or `timeout` passes; whether it held."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def open_connection(base_url: str) -> http.client.HTTPConnection:
    parts = urllib.parse.urlsplit(base_url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)


def send(connection: http.client.HTTPConnection, method: str, url: str, headers=None, body=None):
    """Send a request on `connection` and return the response once its headers are in."""
    payload = None if body is None else json.dumps(body)
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    connection.request(method, urllib.parse.urlsplit(url).path, body=payload, headers=all_headers)
    return connection.getresponse()


# --- request journal -------------------------------------------------------------------------


def test_the_journal_keeps_method_path_query_and_parsed_body_oldest_first(emulator, acme):
    apps = f"/tenants/{acme.tenant_id}/apps"
    acme.call("POST", json={"description": "Tokyo office"})
    acme.call("GET", "?expandApps&x=1")
    acme.call("PUT", "/1000", json={"domains": ["example.com"]})
    acme.call("DELETE", "/1000")

    journal = emulator.requests()

    assert [(entry["method"], entry["path"]) for entry in journal[:1]] == [
        ("POST", "/v3/auth/tokens")
    ]
    assert journal[1:] == [
        {"method": "POST", "path": apps, "query": "", "body": {"description": "Tokyo office"}},
        {"method": "GET", "path": apps, "query": "expandApps&x=1", "body": None},
        {
            "method": "PUT",
            "path": apps + "/1000",
            "query": "",
            "body": {"domains": ["example.com"]},
        },
        {"method": "DELETE", "path": apps + "/1000", "query": "", "body": None},
    ]


def test_identity_passwords_are_masked_and_the_secret_is_never_kept(emulator, acme):
    url = emulator.identity_url + "/auth/tokens"
    wrong = auth_request_body(acme.tenant_id, acme.api_key, "wrong-" + acme.api_secret)
    assert requests.post(url, json=wrong, timeout=30).status_code == 401
    leaked = '{"auth": {"password": "' + acme.api_secret + '"'  # not JSON: cut short
    assert requests.post(url, data=leaked, timeout=30).status_code == 400

    raw = control(emulator, "GET", "/requests").text
    journal = emulator.requests()

    assert acme.api_secret not in raw
    first, second, third = (entry["body"] for entry in journal)
    expected = auth_request_body(acme.tenant_id, acme.api_key, "***")
    assert first == expected and second == expected
    assert third == "***"


def test_a_body_that_is_not_json_is_kept_as_text_and_an_empty_one_as_null(emulator, acme):
    emulator.clear_requests()
    acme.call("PUT", "/1000", data=b"description=not json")
    acme.call("POST", data=b"")
    acme.call("POST", data=b'{"description": "caf\xc3\xa9"}')

    assert [entry["body"] for entry in emulator.requests()] == [
        "description=not json",
        None,
        {"description": "café"},
    ]


def test_controls_version_discovery_and_unknown_paths_are_not_journaled(emulator, acme):
    emulator.clear_requests()
    emulator.create_tenant()
    emulator.stats()
    requests.get(emulator.identity_url, timeout=30)
    requests.get(emulator.base_url + "/nowhere", timeout=30)
    assert emulator.requests() == []


def test_faulted_requests_are_journaled_too(emulator, acme):
    emulator.clear_requests()
    emulator.set_faults(rules=[{"method": "POST", "path": "/apps$", "status": 503}])
    assert acme.call("POST", json={"description": "lost"}).status_code == 503
    assert [entry["body"] for entry in emulator.requests()] == [{"description": "lost"}]


def test_the_journal_keeps_only_the_last_200_requests(emulator, acme):
    with requests.Session() as session:
        session.headers["X-Auth-Token"] = acme.token
        for number in range(205):
            session.get(acme.apps_url(f"?n={number}"), timeout=30)
    journal = emulator.requests()
    assert len(journal) == 200
    assert journal[0]["query"] == "n=5" and journal[-1]["query"] == "n=204"


def test_deleting_the_journal_empties_it(emulator, acme):
    acme.call("GET")
    response = control(emulator, "DELETE", "/requests")
    assert response.status_code == 200 and response.json() == {"requests": []}
    assert control(emulator, "GET", "/requests").json() == {"requests": []}
    acme.call("GET")
    assert len(emulator.requests()) == 1


# --- planted apps ----------------------------------------------------------------------------


def test_a_planted_app_keeps_values_the_apps_api_would_refuse(emulator, acme):
    description = "A description longer than the apps API allows. " * 4
    planted = emulator.plant_app(
        acme.tenant_id,
        description=description,
        domains=["example.com:8080", "*.example.com"],
        permissions=["TURN", "SCREEN_SHARE"],
        status="frozen",
        recording_bucket_name="acme-audio",
        recording_service_account_key='{"type": "service_account"}',
    )

    assert set(planted) == APP_KEYS
    assert planted["id"] == 1000
    assert len(planted["description"]) > 128 and planted["description"] == description
    assert planted["domains"] == ["example.com:8080", "*.example.com"]
    assert planted["permissions"] == ["TURN", "SCREEN_SHARE"]
    assert planted["status"] == "frozen"
    assert planted["recording"] == {"status": "unavailable", "bucket_name": "acme-audio"}
    assert acme.call("GET", "/1000").json() == planted
    assert acme.call("GET", "?expandApps").json() == [planted]
    assert acme.call("GET").json() == [
        {"id": 1000, "apikey": planted["apikey"], "description": description}
    ]
    assert acme.call("GET", "/1000/secretkey").json()["secretkey"]


def test_planting_answers_201_with_the_json_as_it_will_be_sent(emulator, acme):
    response = control(emulator, "POST", f"/tenants/{acme.tenant_id}/apps", {"status": "frozen"})
    assert response.status_code == 201
    assert response.headers["Content-Type"] == "application/json"
    assert response.content == acme.call("GET", "/1000").content


@pytest.mark.parametrize(
    "raw",
    [
        {"created_at": "2023-01-01T00:00:00"},
        {"usage_summary": []},
        {"domains": ["a.com", None]},
        {"id": "../x"},
        {"apikey": ""},
        {"status": None},
        {"description": 12},
        {"recording": {"status": "paused"}},
        {"colour": {"nested": [1, 2.5, True]}},
    ],
    ids=lambda raw: next(iter(raw)),
)
def test_raw_values_replace_their_key_exactly_as_given_in_every_answer(emulator, acme, raw):
    ((key, value),) = raw.items()
    planted = emulator.plant_app(acme.tenant_id, raw=raw)

    assert planted[key] == value
    assert acme.call("GET", "/1000").json() == planted
    assert acme.call("GET", "?expandApps").json() == [planted]
    assert acme.call("PUT", "/1000", json={}).json()[key] == value
    short = acme.call("GET").json()[0]
    if key in ("id", "apikey", "description"):
        assert short[key] == value
    else:
        assert key not in short and set(short) == {"id", "apikey", "description"}


def test_omitted_keys_are_left_out_of_every_answer(emulator, acme):
    planted = emulator.plant_app(acme.tenant_id, omit=["status", "recording", "description"])
    assert set(planted) == APP_KEYS - {"status", "recording", "description"}
    assert acme.call("GET", "/1000").json() == planted
    assert acme.call("GET", "?expandApps").json() == [planted]
    assert acme.call("GET").json() == [{"id": 1000, "apikey": planted["apikey"]}]


def test_a_planted_app_stays_reachable_by_its_numeric_id_whatever_raw_shows(emulator, acme):
    emulator.plant_app(acme.tenant_id, raw={"id": "../x", "apikey": ""})
    assert acme.call("GET", "/1000").json()["id"] == "../x"
    assert acme.call("POST", "/1000/secretkey").status_code == 200
    assert acme.call("DELETE", "/1000").json() == {}
    assert acme.call("GET", "/1000").json()["error"]["message"] == "App doesn't exist"


def test_planted_apps_take_the_tenant_s_next_id(emulator, acme):
    assert acme.call("POST", json={}).json()["id"] == 1000
    assert emulator.plant_app(acme.tenant_id)["id"] == 1001
    assert acme.call("POST", json={}).json()["id"] == 1002
    assert [app["id"] for app in acme.call("GET").json()] == [1000, 1001, 1002]


def test_a_put_makes_the_keys_its_fields_write_read_normally_again(emulator, acme):
    emulator.plant_app(
        acme.tenant_id,
        status="frozen",
        raw={
            "description": 5,
            "domains": None,
            "recording": "odd",
            "created_at": "yesterday",
            "usage_summary": [],
        },
        omit=["permissions", "status"],
    )

    first = acme.call("PUT", "/1000", json={"description": "fixed", "recording_bucket_name": "b"})

    assert first.status_code == 200
    app = first.json()
    assert app["description"] == "fixed"
    assert app["recording"] == {"status": "unavailable", "bucket_name": "b"}
    assert app["domains"] is None and app["usage_summary"] == []
    assert app["created_at"] == "yesterday"
    assert "permissions" not in app and "status" not in app
    assert acme.call("GET", "/1000").json() == app
    assert acme.call("GET").json()[0]["description"] == "fixed"

    second = acme.call(
        "PUT", "/1000", json={"permissions": ["TURN"], "status": "active", "domains": ["a.com"]}
    ).json()

    assert second["permissions"] == ["TURN"] and second["status"] == "active"
    assert second["domains"] == ["a.com"]
    assert second["created_at"] == "yesterday" and second["usage_summary"] == []
    assert acme.call("GET", "?expandApps").json() == [second]


def test_a_refused_put_keeps_the_planted_values(emulator, acme):
    planted = emulator.plant_app(acme.tenant_id, raw={"description": None})
    response = acme.call("PUT", "/1000", json={"description": "x" * 129})
    assert response.status_code == 400
    assert acme.call("GET", "/1000").json() == planted


def test_planting_in_an_unknown_tenant_is_a_404(emulator):
    with pytest.raises(EmulatorControlError) as raised:
        emulator.plant_app("e" * 32, status="frozen")
    assert raised.value.status == 404


@pytest.mark.parametrize(
    "body",
    [
        {"status": 5},
        {"description": None},
        {"domains": "a.com"},
        {"permissions": [1]},
        {"raw": []},
        {"omit": "status"},
        {"omit": [None]},
        {"colour": "red"},
        [],
    ],
)
def test_an_invalid_plant_request_is_a_400_with_a_message(emulator, acme, body):
    response = control(emulator, "POST", f"/tenants/{acme.tenant_id}/apps", body)
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert acme.call("GET").json() == []


# --- settings --------------------------------------------------------------------------------


def test_every_setting_starts_at_the_contract_default(emulator):
    assert emulator.config(show_all=True) == DEFAULT_SETTINGS
    assert emulator.config() == {"token_ttl": 3600}


def test_set_config_takes_every_setting_by_keyword_and_reset_restores_them(emulator):
    changed = {
        "token_ttl": 60,
        "create_status": 201,
        "delete_answer": "204",
        "error_format": "html",
        "expired_token": {"status": 401, "message": "Invalid token"},
        "empty_list": "null",
        "bom": True,
        "odd_value": {
            "app_id": 1000,
            "field": "description",
            "value": "nan",
            "depth": 1200,
            "tenant_id": None,
        },
        "keystone_answer": "300",
    }
    assert emulator.set_config(**changed) == changed
    assert emulator.config() == changed
    back = emulator.set_config(error_format="flat", create_status=200)
    assert back == emulator.config()
    assert "create_status" not in back and back["error_format"] == "flat"  # default: not shown

    emulator.reset()

    assert emulator.config(show_all=True) == DEFAULT_SETTINGS


def test_a_create_can_answer_201_with_the_same_body(emulator, acme):
    emulator.set_config(create_status=201)
    response = acme.call("POST", json={"description": "made"})
    assert response.status_code == 201
    assert response.json() == acme.call("GET", "/1000").json()


@pytest.mark.parametrize(
    ("answer", "status", "content", "length"),
    [("{}", 200, b"{}", "2"), ("empty", 200, b"", "0"), ("204", 204, b"", None)],
)
def test_a_delete_answers_as_configured(emulator, acme, answer, status, content, length):
    acme.call("POST", json={})
    emulator.set_config(delete_answer=answer)

    response = acme.call("DELETE", "/1000")

    assert response.status_code == status
    assert response.content == content
    assert response.headers.get("Content-Length") == length
    assert response.headers["ECL-Transaction-ID"]
    assert acme.call("GET").json() == []


def html_page(code: int, reason: str, text: str) -> bytes:
    return (
        f"<html><head><title>{code} {reason}</title></head>"
        f"<body><h1>{code} {reason}</h1><p>{text}</p></body></html>"
    ).encode()


ERROR_FORMATS = {
    "contract": (
        "application/json",
        lambda code, reason, text: {"error": {"code": code, "message": text}},
    ),
    "flat": ("application/json", lambda code, reason, text: {"code": code, "message": text}),
    "error_string": ("application/json", lambda code, reason, text: {"error": text}),
    "detail": ("application/json", lambda code, reason, text: {"detail": text}),
    "errors": ("application/json", lambda code, reason, text: {"errors": [{"message": text}]}),
    "text": ("text/plain; charset=utf-8", lambda code, reason, text: text.encode()),
    "html": ("text/html; charset=utf-8", html_page),
    "empty": ("application/json", lambda code, reason, text: b""),
}


def assert_error_written(response, error_format: str, code: int, reason: str, text: str) -> None:
    content_type, expected = ERROR_FORMATS[error_format]
    body = expected(code, reason, text)
    assert response.status_code == code
    assert response.headers["Content-Type"] == content_type
    assert response.headers["ECL-Transaction-ID"]
    assert response.headers["Content-Length"] == str(len(response.content))
    if isinstance(body, bytes):
        assert response.content == body
    else:
        assert response.json() == body


@pytest.mark.parametrize("error_format", list(ERROR_FORMATS))
def test_apps_api_errors_are_written_in_the_configured_format(emulator, acme, error_format):
    emulator.set_config(error_format=error_format)
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 502}])

    assert_error_written(
        acme.call("GET", "/9999"), error_format, 403, "Forbidden", "App doesn't exist"
    )
    assert_error_written(
        acme.call("POST", json={"status": "frozen"}),
        error_format,
        400,
        "Bad Request",
        "Invalid status",
    )
    assert_error_written(acme.call("GET"), error_format, 502, "Bad Gateway", "Injected fault")
    assert_error_written(
        acme.call("PATCH", "/1000"), error_format, 405, "Method Not Allowed", "Method not allowed"
    )


@pytest.mark.parametrize("error_format", ["flat", "text", "html", "empty"])
def test_identity_and_control_errors_keep_their_shape_whatever_the_format(
    emulator, acme, error_format
):
    emulator.set_config(error_format=error_format)
    url = emulator.identity_url + "/auth/tokens"
    wrong = auth_request_body(acme.tenant_id, acme.api_key, "wrong")

    refused = requests.post(url, json=wrong, timeout=30)
    assert refused.status_code == 401
    assert refused.json()["error"]["title"] == "Unauthorized"

    emulator.set_faults(rules=[{"path": "/auth/tokens", "status": 503}])
    faulted = requests.post(url, json=wrong, timeout=30)
    assert faulted.json() == {"error": {"code": 503, "message": "Injected fault"}}

    assert control(emulator, "PATCH", "/config", {"colour": "red"}).json()["error"]["message"]
    assert requests.get(emulator.base_url + "/nowhere", timeout=30).json()["error"]["code"] == 404


REFUSALS = [
    {"status": 403, "message": "Token has expired"},
    {"status": 401, "message": "Invalid token"},
]


def refused_tokens(emulator, acme) -> dict[str, str]:
    """A token of each kind the apps API refuses."""
    other = TenantSession.create(emulator)
    emulator.set_config(token_ttl=0)
    expired = issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    emulator.set_config(token_ttl=3600)
    revoked = issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    emulator.revoke_tokens()
    acme.token = issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    return {
        "missing": "",
        "malformed": "not a token",
        "revoked": revoked,
        "expired": expired,
        "wrong tenant": other.token,
    }


@pytest.mark.parametrize("refusal", REFUSALS, ids=["403", "401"])
def test_a_refused_token_is_answered_as_configured(emulator, acme, refusal):
    tokens = refused_tokens(emulator, acme)
    emulator.set_config(expired_token=refusal)

    for kind, token in tokens.items():
        response = acme.call("GET", token=token)
        assert response.status_code == refusal["status"], kind
        assert response.json() == {
            "error": {"code": refusal["status"], "message": refusal["message"]}
        }, kind
    assert acme.call("GET").status_code == 200


def test_a_refused_token_is_written_in_the_error_format(emulator, acme):
    emulator.set_config(
        expired_token={"status": 401, "message": "Invalid token"}, error_format="text"
    )
    response = acme.call("GET", token="bogus")
    assert response.status_code == 401
    assert response.text == "Invalid token"


def test_the_token_refusal_leaves_tenant_states_alone(emulator):
    session = TenantSession.create(emulator, state="suspended")
    emulator.set_config(expired_token={"status": 401, "message": "Invalid token"})
    response = session.call("GET")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Tenant is suspended"


def test_an_empty_list_can_be_written_as_null(emulator, acme):
    emulator.set_config(empty_list="null")
    for query in ("", "?expandApps"):
        response = acme.call("GET", query)
        assert response.status_code == 200
        assert response.content == b"null"
        assert response.headers["Content-Length"] == "4"
    acme.call("POST", json={"description": "one"})
    assert [app["description"] for app in acme.call("GET").json()] == ["one"]


@pytest.mark.parametrize(
    "body",
    [
        {"create_status": 202},
        {"create_status": "201"},
        {"create_status": True},
        {"create_status": 201.0},
        {"delete_answer": 204},
        {"delete_answer": "none"},
        {"error_format": "xml"},
        {"error_format": None},
        {"expired_token": {"status": 500, "message": "Nope"}},
        {"expired_token": {"status": 401}},
        {"expired_token": {"status": 401, "message": 5}},
        {"expired_token": {"status": 401, "message": "x", "colour": "red"}},
        {"expired_token": "Invalid token"},
        {"empty_list": None},
        {"empty_list": []},
        {"token_ttl": 60, "error_format": "xml"},
        {"error_format": "flat", "token_ttl": -1},
        {"error_format": "flat", "colour": "red"},
        {"bom": "yes"},
        {"bom": None},
        {"odd_value": {"app_id": 1000, "field": "description"}},
        {"odd_value": {"app_id": "1000", "field": "description", "value": "nan"}},
        {"odd_value": {"app_id": 1000, "field": "", "value": "nan"}},
        {"odd_value": {"app_id": 1000, "field": "a..b", "value": "nan"}},
        {"odd_value": {"app_id": 1000, "field": "description", "value": "null"}},
        {"odd_value": {"app_id": 1000, "field": "x", "value": "deep", "depth": 0}},
        {"odd_value": {"app_id": 1000, "field": "x", "value": "deep", "depth": 100_001}},
        {"odd_value": {"app_id": 1000, "field": "x", "value": "nan", "colour": "red"}},
        {"odd_value": "nan"},
        {"keystone_answer": "302"},
        {"keystone_answer": 300},
    ],
)
def test_an_invalid_setting_is_a_400_with_a_message_and_changes_nothing(emulator, body):
    response = control(emulator, "PATCH", "/config", body)
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert emulator.config(show_all=True) == DEFAULT_SETTINGS


# --- a byte order mark, odd values, Keystone's other answers -------------------------------


def test_a_byte_order_mark_starts_every_identity_and_apps_api_body(emulator, acme):
    acme.call("POST", json={"description": "one"})
    emulator.set_config(bom=True)
    bom = b"\xef\xbb\xbf"
    for response in (acme.call("GET"), acme.call("GET", "/1000"), acme.call("GET", "/9999")):
        assert response.content.startswith(bom)
        assert response.headers["Content-Length"] == str(len(response.content))
        assert json.loads(response.content.decode("utf-8-sig"))
    token = requests.post(
        emulator.identity_url + "/auth/tokens",
        json=auth_request_body(acme.tenant_id, acme.api_key, acme.api_secret),
        timeout=30,
    )
    assert token.status_code == 201 and token.content.startswith(bom)
    assert token.headers["X-Subject-Token"]
    assert not control(emulator, "GET", "/config").content.startswith(bom)  # controls: never
    emulator.set_config(delete_answer="empty")
    assert acme.call("DELETE", "/1000").content == b""  # an empty body stays empty


def depth(value) -> int:
    """How deep empty lists are nested in `value` (without recursing)."""
    count = 0
    while isinstance(value, list):
        count += 1
        value = value[0] if value else None
    return count


def loosely(text: bytes):
    """What Python's json makes of `text`, with room to recurse 1200 deep."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(5000)
    try:
        return json.loads(text)
    finally:
        sys.setrecursionlimit(limit)


def strictly(text: bytes):
    """What a strict reader (msgspec) makes of `text`: the value, or the error's name."""
    import msgspec

    try:
        return msgspec.json.decode(text)
    except (msgspec.DecodeError, RecursionError) as error:
        return type(error).__name__


@pytest.mark.parametrize(
    ("value", "field", "read"),
    [
        ("lone_surrogate", "description", lambda app: app["description"] == "Odd one\ud800"),
        ("nan", "description", lambda app: math.isnan(app["description"])),
        ("infinity", "description", lambda app: app["description"] == math.inf),
        (
            "nan",
            "usage_summary.*.turn",
            lambda app: all(
                math.isnan(month["turn"]) and month["signaling"] == 3
                for month in app["usage_summary"].values()
            ),
        ),
        ("deep", "extra", lambda app: depth(app["extra"]) == 1200),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_an_odd_value_is_written_into_one_app_of_every_answer(emulator, acme, value, field, read):
    emulator.plant_app(acme.tenant_id, description="Good one")
    emulator.plant_app(
        acme.tenant_id,
        description="Odd one",
        usage={"previous": {"signaling": 3}, "current": {"signaling": 3}},
    )
    emulator.set_config(odd_value={"app_id": 1001, "field": field, "value": value})
    expanded = acme.call("GET", "?expandApps").content
    one = acme.call("GET", "/1001").content
    put = acme.call("PUT", "/1001", json={"domains": ["a.example"]}).content

    for body in (expanded, one, put):
        assert strictly(body) in ("DecodeError", "RecursionError")
        parsed = loosely(body)
        odd = parsed[1] if isinstance(parsed, list) else parsed
        assert read(odd)
    good = loosely(expanded)[0]
    assert good["description"] == "Good one" and strictly(acme.call("GET", "/1000").content)
    short = acme.call("GET").content
    if field == "description":
        assert strictly(short) == "DecodeError"
    else:
        assert strictly(short)[1] == {
            "id": 1001,
            "apikey": loosely(one)["apikey"],
            "description": "Odd one",
        }


def test_an_odd_value_can_be_kept_to_one_tenant_and_is_gone_with_null(emulator, acme):
    other = TenantSession.create(emulator)
    for session in (acme, other):
        emulator.plant_app(session.tenant_id, description="Same id")
    emulator.set_config(
        odd_value={
            "app_id": 1000,
            "field": "description",
            "value": "deep",
            "depth": 3,
            "tenant_id": other.tenant_id,
        }
    )
    assert acme.call("GET", "/1000").json()["description"] == "Same id"
    assert other.call("GET", "/1000").json()["description"] == [[[]]]
    emulator.set_config(odd_value=None)
    assert other.call("GET", "/1000").json()["description"] == "Same id"
    assert "odd_value" not in emulator.config()


def token_request(emulator, acme) -> requests.Response:
    return requests.post(
        emulator.identity_url + "/auth/tokens",
        json=auth_request_body(acme.tenant_id, acme.api_key, acme.api_secret),
        timeout=30,
    )


def test_keystone_can_answer_300_with_the_versions_document(emulator, acme):
    emulator.set_config(keystone_answer="300")
    response = token_request(emulator, acme)
    assert response.status_code == 300 and "X-Subject-Token" not in response.headers
    assert response.json()["versions"]["values"][0]["id"] == "v3.14"


def test_keystone_can_answer_201_without_the_token_header(emulator, acme):
    emulator.set_config(keystone_answer="no_token_header")
    response = token_request(emulator, acme)
    assert response.status_code == 201 and "X-Subject-Token" not in response.headers
    assert response.json()["token"]["expires_at"]


def test_keystone_can_answer_an_expiry_that_is_no_time(emulator, acme):
    emulator.set_config(keystone_answer="unreadable_expiry")
    response = token_request(emulator, acme)
    assert response.status_code == 201
    assert acme.call("GET", token=response.headers["X-Subject-Token"]).status_code == 200
    assert response.json()["token"]["expires_at"] == "in an hour"


def test_reset_forgets_planted_apps_the_journal_and_the_settings(emulator, acme):
    emulator.plant_app(acme.tenant_id, status="frozen")
    emulator.set_config(error_format="text", empty_list="null")
    acme.call("GET")

    emulator.reset()

    assert emulator.requests() == []
    assert emulator.config(show_all=True) == DEFAULT_SETTINGS
    fresh = TenantSession.create(emulator)
    assert fresh.call("GET").json() == []


# --- trickle ---------------------------------------------------------------------------------


def trickle(method: str, path: str, interval_ms: int, chunk_bytes: int) -> dict:
    return {
        "method": method,
        "path": path,
        "action": "trickle",
        "interval_ms": interval_ms,
        "chunk_bytes": chunk_bytes,
    }


@pytest.mark.slow  # waits out a trickle
def test_a_trickle_sends_the_headers_at_once_then_the_body_slowly(emulator, acme):
    interval, chunk = 0.8, 150
    emulator.set_faults(rules=[trickle("POST", "/apps$", 800, chunk)])
    connection = open_connection(emulator.base_url)
    try:
        started = time.monotonic()
        response = send(
            connection, "POST", acme.apps_url(), {"X-Auth-Token": acme.token}, {"description": "t"}
        )
        first = response.read(1)
        first_at = time.monotonic() - started
        body = first + response.read()
        done_at = time.monotonic() - started
    finally:
        connection.close()

    assert response.status == 200
    assert response.getheader("Content-Length") == str(len(body))
    assert response.getheader("ECL-Transaction-ID")
    assert first_at < interval * 0.75
    assert done_at >= (math.ceil(len(body) / chunk) - 1) * interval
    assert math.ceil(len(body) / chunk) >= 3
    assert json.loads(body) == acme.call("GET", "/1000").json()  # the handler ran
    assert json.loads(body)["description"] == "t"


def test_a_trickled_token_answer_carries_x_subject_token_in_its_headers(emulator, acme):
    emulator.set_faults(rules=[trickle("POST", "/auth/tokens", 300, 1024)])
    connection = open_connection(emulator.base_url)
    body = auth_request_body(acme.tenant_id, acme.api_key, acme.api_secret)
    try:
        response = send(connection, "POST", emulator.identity_url + "/auth/tokens", body=body)
        token = response.getheader("X-Subject-Token")
        assert response.status == 201 and token
        assert acme.call("GET", token=token).status_code == 200  # usable before the body ends
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert answer["token"]["project"]["id"] == acme.tenant_id


@pytest.mark.slow  # starts an emulator of its own
def test_a_trickle_ends_when_the_client_goes_away():
    with start_emulator() as server:
        session = TenantSession.create(server.control)
        server.control.set_faults(rules=[trickle("GET", "/apps$", 60_000, 1)])
        connection = open_connection(server.base_url)
        response = send(connection, "GET", session.apps_url(), {"X-Auth-Token": session.token})
        assert response.read(1) == b"["
        assert server.server._connections  # the trickle holds its connection
        connection.close()

        # The connection is let go long before the next byte was due, a minute later.
        assert wait_for(lambda: not server.server._connections, timeout=10)
        assert session.call("GET").json() == []


@pytest.mark.slow  # starts an emulator of its own
def test_stopping_the_emulator_ends_a_trickle_promptly():
    server = start_emulator()
    session = TenantSession.create(server.control)
    server.control.set_faults(rules=[trickle("GET", "/apps$", 60_000, 1)])
    connection = open_connection(server.base_url)
    try:
        response = send(connection, "GET", session.apps_url(), {"X-Auth-Token": session.token})
        assert response.read(1) == b"["
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 5
        with pytest.raises((http.client.IncompleteRead, ConnectionError)):
            response.read()
    finally:
        connection.close()


# --- oversized -------------------------------------------------------------------------------


def test_an_oversized_answer_is_a_valid_list_of_apps_of_at_least_the_size(emulator, acme):
    emulator.set_faults(
        rules=[{"method": "GET", "path": "/apps$", "action": "oversized", "size_bytes": 200_000}]
    )
    response = acme.call("GET")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["ECL-Transaction-ID"]
    assert int(response.headers["Content-Length"]) == len(response.content)
    apps = response.json()
    assert 200_000 <= len(response.content) < 200_000 + len(json.dumps(apps[0])) + 2
    assert all(set(app) == APP_KEYS for app in apps)
    ids = [app["id"] for app in apps]
    assert ids == sorted(set(ids))
    assert len({app["apikey"] for app in apps}) == len(apps)
    assert acme.call("GET").json() == []  # the rule is used up


def test_an_oversized_answer_after_handling_keeps_the_change(emulator, acme):
    emulator.set_faults(
        rules=[{"path": "/apps$", "action": "oversized", "size_bytes": 1000, "when": "after"}]
    )
    response = acme.call("POST", json={"description": "made"})
    assert response.status_code == 200 and isinstance(response.json(), list)
    assert [app["description"] for app in acme.call("GET").json()] == ["made"]


def test_the_new_actions_are_allowed_on_the_identity_route(emulator, acme):
    emulator.set_faults(rules=[{"path": "/auth/tokens", "action": "oversized", "size_bytes": 1000}])
    body = auth_request_body(acme.tenant_id, acme.api_key, acme.api_secret)
    response = requests.post(emulator.identity_url + "/auth/tokens", json=body, timeout=30)
    assert response.status_code == 200
    assert len(response.content) >= 1000 and isinstance(response.json(), list)


@pytest.mark.slow  # starts an emulator of its own
def test_an_oversized_answer_stops_when_the_client_closes():
    with start_emulator() as server:
        session = TenantSession.create(server.control)
        server.control.set_faults(
            rules=[{"path": "/apps$", "action": "oversized", "size_bytes": 2_000_000_000}]
        )
        connection = open_connection(server.base_url)
        response = send(connection, "GET", session.apps_url(), {"X-Auth-Token": session.token})
        assert int(response.getheader("Content-Length")) >= 2_000_000_000
        assert len(response.read(1_000_000)) == 1_000_000
        assert server.server._connections
        connection.close()

        # Far sooner than the 2 GB could be generated (over 2 s even on a fast machine).
        assert wait_for(lambda: not server.server._connections, timeout=1.5)
        assert session.call("GET").json() == []


@pytest.mark.slow  # starts the emulator as a process
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_default_oversized_answer_is_100_mb_streamed_by_a_small_process():
    process, printed = start_program()
    try:
        control_url = printed["ECL_API_URL"]
        credentials = requests.post(control_url + "/_emulator/tenants", json={}, timeout=30).json()
        token = issue_token(
            control_url + "/v3",
            credentials["tenant_id"],
            credentials["api_key"],
            credentials["api_secret"],
        )
        requests.post(
            control_url + "/_emulator/faults",
            json={"rules": [{"path": "/apps$", "action": "oversized"}]},
            timeout=30,
        )
        connection = open_connection(control_url)
        response = send(
            connection,
            "GET",
            f"{control_url}/tenants/{credentials['tenant_id']}/apps",
            {"X-Auth-Token": token},
        )
        length = int(response.getheader("Content-Length"))
        received, head, tail = 0, b"", b""
        while chunk := response.read(1 << 20):
            head = head or chunk[:20]
            tail = chunk[-1:]
            received += len(chunk)
        connection.close()

        status = Path(f"/proc/{process.pid}/status").read_text()
        peak_kib = int(status.split("VmHWM:")[1].split()[0])
    finally:
        process.terminate()
        process.wait(timeout=15)

    assert received == length >= 100_000_000
    assert head.startswith(b'[{"id":1000000000,') and tail == b"]"
    assert peak_kib < 80 * 1024  # the 100 MB were never held at once


# --- rule options ----------------------------------------------------------------------------


def test_the_new_actions_show_their_options_with_defaults_filled_in(emulator):
    emulator.set_faults(
        rules=[
            {"method": "GET", "action": "trickle", "when": "before"},
            {"action": "trickle", "interval_ms": 5, "chunk_bytes": 64},
            {"action": "oversized", "when": "after", "count": 2},
        ]
    )
    assert emulator.faults()["rules"] == [
        {
            "method": "GET",
            "path": "",
            "count": 1,
            "when": "after",
            "action": "trickle",
            "interval_ms": 1000,
            "chunk_bytes": 1,
        },
        {
            "method": "*",
            "path": "",
            "count": 1,
            "when": "after",
            "action": "trickle",
            "interval_ms": 5,
            "chunk_bytes": 64,
        },
        {
            "method": "*",
            "path": "",
            "count": 2,
            "when": "after",
            "action": "oversized",
            "size_bytes": 100_000_000,
        },
    ]


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "trickle", "interval_ms": 0},
        {"action": "trickle", "interval_ms": 60_001},
        {"action": "trickle", "interval_ms": "100"},
        {"action": "trickle", "chunk_bytes": 0},
        {"action": "trickle", "chunk_bytes": 65_537},
        {"action": "trickle", "chunk_bytes": True},
        {"action": "oversized", "size_bytes": 999},
        {"action": "oversized", "size_bytes": 2_000_000_001},
        {"action": "oversized", "size_bytes": 1e6},
        {"action": "trickle", "size_bytes": 5000},
        {"action": "oversized", "interval_ms": 5},
        {"action": "hang", "chunk_bytes": 5},
        {"status": 500, "size_bytes": 5000},
    ],
)
def test_an_invalid_option_is_a_400_with_a_message(emulator, rule):
    response = control(emulator, "POST", "/faults", {"rules": [rule]})
    assert response.status_code == 400
    assert response.json()["error"]["message"]
    assert emulator.faults() == {"latency_ms": 0, "rules": []}
