"""`GET` and `POST /api/tenants/{tenant_id}/apps`: ECL's list and create, through the portal."""

import pytest
from rest_framework.test import APIClient

from apps_admin.models import AuditEvent
from ecl_emulator.testing import issue_token
from tests.conftest import SERVICE_ACCOUNT_KEY, login, token_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(users) -> APIClient:
    return token_client(users["editor"])


@pytest.fixture
def url(tenant) -> str:
    return f"/api/tenants/{tenant.tenant_id}/apps"


@pytest.fixture
def ecl_direct(emulator, emulator_server, ecl_tenant):
    """Calls to the emulator's apps API with a Keystone token, to compare with the portal's."""
    import requests

    token = issue_token(
        emulator_server.identity_url,
        ecl_tenant["tenant_id"],
        ecl_tenant["api_key"],
        ecl_tenant["api_secret"],
    )

    def get(query: str = ""):
        return requests.get(
            f"{emulator_server.api_url}/tenants/{ecl_tenant['tenant_id']}/apps{query}",
            headers={"X-Auth-Token": token},
            timeout=10,
        ).json()

    return get


def test_the_list_without_expand_apps_is_ecls_short_list(editor, url, ecl_direct):
    response = editor.get(url)
    assert response.status_code == 200
    assert response.json() == ecl_direct()
    assert set(response.json()[0]) == {"id", "apikey", "description"}


@pytest.mark.parametrize("query", ["?expandApps", "?expandApps=true", "?expandApps=1"])
def test_expand_apps_present_and_not_false_gives_whole_apps(editor, url, ecl_direct, query):
    response = editor.get(url + query)
    assert response.status_code == 200
    assert response.json() == ecl_direct("?expandApps=true")
    assert "usage_summary" in response.json()[0]


def test_expand_apps_false_gives_the_short_list(editor, url, ecl_direct):
    assert editor.get(url + "?expandApps=false").json() == ecl_direct()


def test_app_ids_are_exactly_as_ecl_gives_them(editor, url):
    ids = [app["id"] for app in editor.get(url).json()]
    assert ids == [1000, 1001, 1002]  # the emulator's JSON numbers, not strings


def test_the_path_works_with_and_without_a_trailing_slash(editor, url):
    assert editor.get(url).json() == editor.get(url + "/").json()


def test_a_viewer_may_list(users, url):
    assert token_client(users["viewer"]).get(url).status_code == 200


def test_create_answers_200_with_ecls_new_app(editor, url, emulator):
    response = editor.post(
        url,
        {
            "description": "Support desk",
            "domains": ["support.example.com", "localhost"],
            "permissions": ["SFU", "TURN"],
            "status": "suspended",
        },
        format="json",
    )
    assert response.status_code == 200
    app = response.json()
    assert app["id"] == 1003
    assert app["description"] == "Support desk"
    assert app["domains"] == ["support.example.com", "localhost"]
    assert sorted(app["permissions"]) == ["SFU", "TURN"]
    assert app["status"] == "suspended"
    assert editor.get(f"{url}/1003").json() == app


def test_create_with_no_fields_makes_an_active_app(editor, url):
    response = editor.post(url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_create_is_audited_with_the_fields_and_the_key_only_as_changed(editor, url, users):
    response = editor.post(
        url,
        {
            "description": "Recorder",
            "permissions": ["RECORDING"],
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
        format="json",
    )
    assert response.status_code == 200
    assert "recording_service_account_key" not in response.json()
    event = AuditEvent.objects.get(action="app.create")
    assert event.outcome == "ok"
    assert event.actor_username == users["editor"].username
    assert event.app_id == str(response.json()["id"])
    assert event.changes["description"] == {"from": None, "to": "Recorder"}
    assert event.changes["recording_service_account_key"] == {
        "from": "(changed)",
        "to": "(changed)",
    }
    assert "TOP-SECRET" not in str(event.changes)


def test_unknown_fields_are_ignored_as_ecl_does(editor, url, emulator):
    response = editor.post(url, {"description": "x", "colour": "blue"}, format="json")
    assert response.status_code == 200
    assert "colour" not in response.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "x" * 129}, "description"),
        ({"description": 12}, "description"),
        ({"domains": ["https://example.com/"]}, "domains"),
        ({"domains": [1]}, "domains"),
        ({"permissions": ["TURN", "FAX"]}, "permissions"),
        ({"permissions": "TURN"}, "permissions"),
        ({"status": "paused"}, "status"),
        ({"status": None}, "status"),
        ({"recording_bucket_name": "Google-bucket"}, "recording_bucket_name"),
        ({"recording_service_account_key": "not json"}, "recording_service_account_key"),
    ],
)
def test_invalid_input_is_400_naming_the_field_without_any_upstream_call(
    editor, url, emulator, body, field
):
    emulator.reset_stats()
    response = editor.post(url, body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert field in error["detail"]
    stats = emulator.stats()
    assert (stats["api_calls"], stats["auth_calls"]) == (0, 0)
    assert not AuditEvent.objects.filter(action="app.create").exists()


def test_domains_may_also_be_sent_as_text_with_one_a_line(editor, url):
    response = editor.post(url, {"domains": "a.example.com\nB.example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["domains"] == ["a.example.com", "b.example.com"]


def test_a_body_that_is_not_an_object_is_400(editor, url, emulator):
    emulator.reset_stats()
    response = editor.post(url, ["description"], format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert emulator.stats()["api_calls"] == 0


def test_malformed_json_is_400(editor, url):
    response = editor.post(url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_invalid_service_account_key_is_never_repeated_in_the_error(editor, url):
    response = editor.post(
        url,
        {"recording_service_account_key": '{"type": "user", "private_key": "TOP-SECRET"}'},
        format="json",
    )
    assert response.status_code == 400
    assert "TOP-SECRET" not in response.content.decode()


def test_a_viewer_cannot_create(users, url, emulator):
    emulator.reset_stats()
    response = token_client(users["viewer"]).post(url, {"description": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert emulator.stats()["api_calls"] == 0


def test_the_create_form_of_the_browsable_api_creates_an_app(users, url):
    client = login(APIClient(), users["editor"])
    response = client.post(
        url,
        {
            "description": "From the form",
            "domains": "one.example.com\r\ntwo.example.com\r\n",
            "permissions": ["TURN"],
            "status": "active",
            "recording_bucket_name": "",
            "recording_service_account_key": "",
        },
        format="multipart",
    )
    assert response.status_code == 200
    app = response.json()
    assert app["domains"] == ["one.example.com", "two.example.com"]
    assert app["permissions"] == ["TURN"]


def test_the_browsable_api_shows_a_created_app_and_a_list_as_ecl_sent_them(users, url):
    client = login(APIClient(), users["editor"])
    created = client.post(url, {"description": "Shown in HTML"}, HTTP_ACCEPT="text/html")
    assert created.status_code == 200
    assert "&quot;description&quot;: &quot;Shown in HTML&quot;" in created.content.decode()
    listed = client.get(url + "?expandApps", HTTP_ACCEPT="text/html").content.decode()
    assert "&quot;usage_summary&quot;: {" in listed  # ECL's field names, indented for reading


def test_a_create_answered_201_is_a_success_answered_201(editor, url, emulator):
    emulator.set_config(create_status=201)
    response = editor.post(url, {"description": "Made with 201"}, format="json")
    assert response.status_code == 201
    assert response.json()["description"] == "Made with 201"
    event = AuditEvent.objects.get(action="app.create")
    assert (event.outcome, event.app_id) == ("ok", str(response.json()["id"]))
