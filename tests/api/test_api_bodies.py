"""API bodies are bounded: in size (API_MAX_BODY_BYTES, a 413), in nesting (a 400), and a lone
surrogate anywhere is a 400 naming the field; none of them reaches a rule or ECL. Every error
under /api/, an unexpected one included, has the API's JSON shape."""

import json

import pytest
from django.test import override_settings

from apps_admin.api import views
from tests.helpers import token_client

pytestmark = pytest.mark.django_db

SURROGATE = (
    "It holds a lone surrogate (an escape such as \\ud800 without its pair), which is not text."
)


@pytest.fixture
def editor(users):
    return token_client(users["editor"], scope="write")


def writes(tenant) -> list[tuple[str, str]]:
    t = tenant.tenant_id
    return [("post", f"/api/tenants/{t}/apps"), ("put", f"/api/tenants/{t}/apps/1000")]


def send(client, method: str, path: str, body: str):
    return getattr(client, method)(path, data=body, content_type="application/json")


def error_of(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code and body["detail"]
    return body


@pytest.mark.parametrize("depth", [33, 1_000, 100_000])
def test_json_nested_past_32_levels_is_a_400_before_anything_else(editor, tenant, emulator, depth):
    body = '{"description": ' + "[" * depth + "]" * depth + "}"
    for method, path in writes(tenant):
        answer = error_of(send(editor, method, path, body), 400, "parse_error")
        assert "nested deeper than 32 levels" in answer["detail"]
    assert emulator.stats()["api_calls"] == 0


def test_json_nested_32_levels_is_read_and_checked_by_the_rules(editor, tenant, emulator):
    body = '{"description": ' + "[" * 31 + "]" * 31 + "}"
    answer = error_of(send(editor, "post", writes(tenant)[0][1], body), 400, "invalid")
    assert answer["fields"] == {"description": ["Enter the description as text."]}


FIELDS_WITH_SURROGATES = {
    "description": '{"description": "Front desk \\ud800"}',
    "domains": '{"domains": ["a\\ud800.example.com"]}',
    "permissions": '{"permissions": ["TURN\\ud800"]}',
    "status": '{"status": "\\udfff"}',
    "recording_bucket_name": '{"recording_bucket_name": "b\\ud800b"}',
    "recording_service_account_key": (
        '{"recording_service_account_key": {"type": "service_account", '
        '"client_email": "a\\udc00@x", "private_key": "k"}}'
    ),
    "colour\ufffd": '{"colour\\ud800": 1}',  # even an unknown key, named as it can be shown
}


@pytest.mark.parametrize("field", FIELDS_WITH_SURROGATES)
def test_a_lone_surrogate_anywhere_is_a_400_naming_the_field(editor, tenant, emulator, field):
    for method, path in writes(tenant):
        answer = error_of(send(editor, method, path, FIELDS_WITH_SURROGATES[field]), 400, "invalid")
        assert answer["fields"] == {field: [SURROGATE]}
    assert emulator.stats()["api_calls"] == 0


def test_a_surrogate_pair_is_text_and_goes_through(editor, tenant, emulator):
    body = '{"description": "Smile \\ud83d\\ude00"}'
    answer = send(editor, "put", writes(tenant)[1][1], body)
    assert answer.status_code == 200 and answer.json()["description"] == "Smile \U0001f600"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_no_json_values(editor, tenant, emulator, constant):
    body = f'{{"description": "x", "domains": [{constant}]}}'
    answer = error_of(send(editor, "post", writes(tenant)[0][1], body), 400, "parse_error")
    assert f"{constant} is not a JSON value" in answer["detail"]
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.parametrize("body", [b"\xff\xfe{}", b'{"description": "caf\xe9"}'])
def test_a_body_that_is_not_utf8_is_a_400(editor, tenant, body):
    answer = editor.post(writes(tenant)[0][1], data=body, content_type="application/json")
    assert "not UTF-8 text" in error_of(answer, 400, "parse_error")["detail"]


@override_settings(API_MAX_BODY_BYTES=1000)
def test_a_body_over_the_limit_is_a_413_unread(editor, tenant, emulator):
    body = json.dumps({"description": "x", "domains": ["a.example.com"] * 100})
    assert len(body) > 1000
    for method, path in writes(tenant):
        answer = error_of(send(editor, method, path, body), 413, "request_too_large")
        assert "larger than 1000 bytes" in answer["detail"]
    assert emulator.stats()["api_calls"] == 0
    small = json.dumps({"description": "fits"})
    assert send(editor, "post", writes(tenant)[0][1], small).status_code == 200


def test_the_default_body_limit_is_djangos_limit_for_forms(settings):
    assert settings.API_MAX_BODY_BYTES == settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 2_621_440


def test_forty_thousand_domains_are_refused_without_asking_ecl(editor, tenant, emulator):
    body = json.dumps({"domains": [f"host{i}.example.com" for i in range(40_000)]})
    for method, path in writes(tenant):
        answer = error_of(send(editor, method, path, body), 400, "invalid")
        assert answer["fields"] == {"domains": ["An app can have at most 200 domains."]}
    assert emulator.stats()["api_calls"] == 0


def test_a_domain_with_a_line_break_is_refused_without_asking_ecl(editor, tenant, emulator):
    for method, path in writes(tenant):
        response = send(editor, method, path, '{"domains": ["evil\\n.example.com"]}')
        answer = error_of(response, 400, "invalid")
        assert answer["fields"] == {
            "domains": ["A domain cannot hold a line break or a control character."]
        }
    assert emulator.stats()["api_calls"] == 0
    assert all(r["method"] == "GET" or r["body"] is None for r in emulator.requests())


def test_a_value_ecl_may_hold_is_still_checked_against_the_app(editor, tenant, emulator):
    emulator.plant_app(tenant.tenant_id, domains=["999.1.1.1"])  # ECL took it, the rules would not
    body = json.dumps({"domains": ["999.1.1.1", "new.example"]})
    answer = send(editor, "put", f"/api/tenants/{tenant.tenant_id}/apps/1003", body)
    assert answer.status_code == 200
    assert answer.json()["domains"] == ["999.1.1.1", "new.example"]


def test_an_unexpected_error_is_a_500_in_the_apis_shape_and_logged(
    editor, tenant, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug, with a secret-looking value TOP-SECRET")

    monkeypatch.setattr(views.ecl, "app_list_body", broken)
    editor.raise_request_exception = False
    response = editor.get(f"/api/tenants/{tenant.tenant_id}/apps")
    body = error_of(response, 500, "server_error")
    assert "the error is logged" in body["detail"] and "TOP-SECRET" not in response.content.decode()
    [record] = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert record.getMessage() == f"Internal Server Error: /api/tenants/{tenant.tenant_id}/apps"


def test_an_unexpected_error_reaches_the_test_client_as_django_signals_it(
    editor, tenant, monkeypatch
):
    monkeypatch.setattr(views.ecl, "app_list_body", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        editor.get(f"/api/tenants/{tenant.tenant_id}/apps")


def test_an_unknown_api_path_and_a_bad_host_answer_json(editor, client):
    error_of(editor.get("/api/nowhere/at/all"), 404, "not_found")
    response = client.get("/api/tenants", HTTP_HOST="evil.example")
    error_of(response, 400, "bad_request")
