"""`GET` and `POST /api/tenants/{tenant_id}/apps`: ECL's list and create, through the portal."""

import pytest
from rest_framework.test import APIClient

from apps_admin.models import AuditEvent
from tests.helpers import SERVICE_ACCOUNT_KEY, login, token_client

pytestmark = pytest.mark.django_db


def test_the_list_without_expand_apps_is_ecls_short_list(editor, apps_url, at_ecl):
    response = editor.get(apps_url)
    assert response.status_code == 200
    assert response.json() == at_ecl().json()
    assert set(response.json()[0]) == {"id", "apikey", "description"}


@pytest.mark.parametrize("query", ["?expandApps", "?expandApps=true", "?expandApps=1"])
def test_expand_apps_present_and_not_false_gives_whole_apps(editor, apps_url, at_ecl, query):
    response = editor.get(apps_url + query)
    assert response.status_code == 200
    assert response.json() == at_ecl("?expandApps=true").json()
    assert "usage_summary" in response.json()[0]


def test_expand_apps_false_gives_the_short_list(editor, apps_url, at_ecl):
    assert editor.get(apps_url + "?expandApps=false").json() == at_ecl().json()


def test_app_ids_are_exactly_as_ecl_gives_them(editor, apps_url):
    ids = [app["id"] for app in editor.get(apps_url).json()]
    assert ids == [1000, 1001, 1002]  # the emulator's JSON numbers, not strings


def test_the_path_works_with_and_without_a_trailing_slash(editor, apps_url):
    assert editor.get(apps_url).json() == editor.get(apps_url + "/").json()


def test_a_viewer_may_list(users, apps_url):
    assert token_client(users["viewer"]).get(apps_url).status_code == 200


def test_create_answers_200_with_ecls_new_app(editor, apps_url, emulator):
    response = editor.post(
        apps_url,
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
    assert editor.get(f"{apps_url}/1003").json() == app


def test_create_with_no_fields_makes_an_active_app(editor, apps_url):
    response = editor.post(apps_url, {}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "active"


def test_create_is_audited_with_the_fields_and_the_key_only_as_changed(editor, apps_url, users):
    response = editor.post(
        apps_url,
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


def test_unknown_fields_are_ignored_as_ecl_does(editor, apps_url, emulator):
    response = editor.post(apps_url, {"description": "x", "colour": "blue"}, format="json")
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
    editor, apps_url, emulator, body, field
):
    emulator.reset_stats()
    response = editor.post(apps_url, body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert field in error["detail"]
    stats = emulator.stats()
    assert (stats["api_calls"], stats["auth_calls"]) == (0, 0)
    assert not AuditEvent.objects.filter(action="app.create").exists()


def test_domains_may_also_be_sent_as_text_with_one_a_line(editor, apps_url):
    response = editor.post(apps_url, {"domains": "a.example.com\nB.example.com"}, format="json")
    assert response.status_code == 200
    assert response.json()["domains"] == ["a.example.com", "b.example.com"]


def test_a_body_that_is_not_an_object_is_400(editor, apps_url, emulator):
    emulator.reset_stats()
    response = editor.post(apps_url, ["description"], format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert emulator.stats()["api_calls"] == 0


def test_malformed_json_is_400(editor, apps_url):
    response = editor.post(apps_url, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_an_invalid_service_account_key_is_never_repeated_in_the_error(editor, apps_url):
    response = editor.post(
        apps_url,
        {"recording_service_account_key": '{"type": "user", "private_key": "TOP-SECRET"}'},
        format="json",
    )
    assert response.status_code == 400
    assert "TOP-SECRET" not in response.content.decode()


def test_a_viewer_cannot_create(users, apps_url, emulator):
    emulator.reset_stats()
    response = token_client(users["viewer"]).post(apps_url, {"description": "x"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert emulator.stats()["api_calls"] == 0


def test_the_create_form_of_the_browsable_api_creates_an_app(users, apps_url):
    client = login(APIClient(), users["editor"])
    response = client.post(
        apps_url,
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


def test_the_browsable_api_shows_a_created_app_and_a_list_as_ecl_sent_them(users, apps_url):
    client = login(APIClient(), users["editor"])
    created = client.post(apps_url, {"description": "Shown in HTML"}, HTTP_ACCEPT="text/html")
    assert created.status_code == 200
    assert "&quot;description&quot;: &quot;Shown in HTML&quot;" in created.content.decode()
    listed = client.get(apps_url + "?expandApps", HTTP_ACCEPT="text/html").content.decode()
    assert "&quot;usage_summary&quot;: {" in listed  # ECL's field names, indented for reading


def test_a_create_answered_201_is_a_success_answered_201(editor, apps_url, emulator):
    emulator.set_config(create_status=201)
    response = editor.post(apps_url, {"description": "Made with 201"}, format="json")
    assert response.status_code == 201
    assert response.json()["description"] == "Made with 201"
    event = AuditEvent.objects.get(action="app.create")
    assert (event.outcome, event.app_id) == ("ok", str(response.json()["id"]))
