"""`GET`, `PUT`, `DELETE /api/tenants/{tenant_id}/apps/{app_id}`: one app, through the portal."""

import pytest
import requests
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
    return f"/api/tenants/{tenant.tenant_id}/apps/1000"


@pytest.fixture
def at_ecl(emulator_server, ecl_tenant):
    """GET an app straight from the emulator, with a Keystone token."""
    token = issue_token(
        emulator_server.identity_url,
        ecl_tenant["tenant_id"],
        ecl_tenant["api_key"],
        ecl_tenant["api_secret"],
    )

    def get(app_id: int = 1000) -> requests.Response:
        return requests.get(
            f"{emulator_server.api_url}/tenants/{ecl_tenant['tenant_id']}/apps/{app_id}",
            headers={"X-Auth-Token": token},
            timeout=10,
        )

    return get


def test_get_answers_ecls_app_unchanged(users, url, at_ecl):
    response = token_client(users["viewer"]).get(url)
    assert response.status_code == 200
    assert response.json() == at_ecl().json()
    assert response.json()["id"] == 1000


def test_get_with_a_trailing_slash_is_the_same(editor, url):
    assert editor.get(url + "/").json() == editor.get(url).json()


def test_a_missing_app_is_404_app_not_found(editor, tenant):
    response = editor.get(f"/api/tenants/{tenant.tenant_id}/apps/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"
    assert response["ECL-Transaction-ID"]  # what NTT support asks for


def test_put_changes_only_the_fields_sent(editor, url, at_ecl):
    before = at_ecl().json()
    response = editor.put(url, {"description": "Renamed"}, format="json")
    assert response.status_code == 200
    after = response.json()
    assert after["description"] == "Renamed"
    assert {k: v for k, v in after.items() if k not in ("description", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("description", "updated_at")
    }
    assert after == at_ecl().json()


def test_put_replaces_the_lists_sent(editor, url):
    response = editor.put(
        url, {"domains": ["new.example.com"], "permissions": ["USER_LIST"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["domains"] == ["new.example.com"]
    assert response.json()["permissions"] == ["USER_LIST"]


def test_put_is_audited_as_an_update_with_what_changed(editor, url, users, at_ecl):
    old = at_ecl().json()["description"]
    editor.put(url, {"description": "Renamed", "domains": ["a.example.com"]}, format="json")
    event = AuditEvent.objects.get(action="app.update")
    assert event.outcome == "ok"
    assert event.app_id == "1000"
    assert event.actor_username == users["editor"].username
    assert event.changes["description"] == {"from": old, "to": "Renamed"}
    assert event.changes["domains"]["to"] == ["a.example.com"]


def test_changing_only_the_status_is_audited_as_suspend_or_activate(editor, url):
    editor.put(url, {"status": "active", "description": "Known state"}, format="json")
    assert editor.put(url, {"status": "suspended"}, format="json").status_code == 200
    assert editor.put(url, {"status": "active"}, format="json").status_code == 200
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["app.update", "app.suspend", "app.activate"]
    assert AuditEvent.objects.get(action="app.suspend").changes == {
        "status": {"from": "active", "to": "suspended"}
    }


def test_the_service_account_key_is_write_only_and_audited_only_as_changed(editor, url):
    response = editor.put(
        url,
        {
            "permissions": ["RECORDING"],
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
        format="json",
    )
    assert response.status_code == 200
    assert "TOP-SECRET" not in response.content.decode()
    assert response.json()["recording"] == {"status": "active", "bucket_name": "acme-recordings"}
    event = AuditEvent.objects.get(action="app.update")
    assert event.changes["recording_service_account_key"] == {
        "from": "(changed)",
        "to": "(changed)",
    }
    assert "TOP-SECRET" not in str(event.changes)


def test_an_invalid_update_is_400_after_one_read_and_writes_nothing(editor, url, emulator):
    emulator.reset_stats()
    response = editor.put(url, {"domains": ["bad domain"]}, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["domains"]
    # One read, to tell a value the caller typed from one ECL already holds; no write.
    assert emulator.stats()["api_calls"] == 1
    assert emulator.stats()["calls"]["GET /tenants/{tenant_id}/apps/{app_id}"] == 1
    assert not AuditEvent.objects.exists()


def test_values_ecl_already_holds_can_be_sent_back_unchanged(editor, tenant, emulator):
    # ECL took these, though the portal's rules would refuse them as new input.
    planted = emulator.plant_app(
        tenant.tenant_id, domains=["999.1.1.1"], recording_bucket_name="Legacy_Bucket"
    )
    url = f"/api/tenants/{tenant.tenant_id}/apps/{planted['id']}"
    app = editor.get(url).json()
    emulator.clear_requests()
    body = {
        "description": "Renamed",
        "domains": app["domains"],
        "recording_bucket_name": app["recording"]["bucket_name"],
    }
    response = editor.put(url, body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["domains"] == ["999.1.1.1"]
    # The caller's body is what is written, as with ECL.
    assert [r["body"] for r in emulator.requests() if r["method"] == "PUT"] == [body]
    event = AuditEvent.objects.get()
    assert event.action == "app.update"
    assert event.changes == {"description": {"from": "", "to": "Renamed"}}
    # A new value outside the rules is still refused, before any write.
    emulator.clear_requests()
    response = editor.put(url, {**body, "domains": ["999.1.1.1", "x.com:1"]}, format="json")
    assert response.status_code == 400 and "has a port" in response.json()["detail"]
    assert [r["method"] for r in emulator.requests()] == ["GET"]


def test_updating_a_missing_app_is_404_and_audited(editor, tenant):
    response = editor.put(
        f"/api/tenants/{tenant.tenant_id}/apps/999999", {"description": "x"}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"
    event = AuditEvent.objects.get(action="app.update")
    assert event.outcome == "AppNotFound"
    assert event.app_id == "999999"
    assert event.transaction_id


def test_delete_answers_200_with_an_empty_object_and_is_audited(editor, url, at_ecl):
    response = editor.delete(url)
    assert response.status_code == 200
    assert response.json() == {}
    assert at_ecl().status_code == 403  # gone at ECL ("App doesn't exist")
    event = AuditEvent.objects.get(action="app.delete")
    assert (event.outcome, event.app_id) == ("ok", "1000")


def test_deleting_a_missing_app_is_404_and_audited_as_failed(editor, tenant):
    response = editor.delete(f"/api/tenants/{tenant.tenant_id}/apps/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"
    assert AuditEvent.objects.get(action="app.delete").outcome == "AppNotFound"


def test_a_viewer_can_read_but_not_change_or_delete(users, url, emulator):
    viewer = token_client(users["viewer"])
    assert viewer.get(url).status_code == 200
    emulator.reset_stats()
    assert viewer.put(url, {"description": "x"}, format="json").status_code == 403
    assert viewer.delete(url).status_code == 403
    assert emulator.stats()["api_calls"] == 0


def test_the_update_form_is_filled_with_the_app_but_never_with_the_key(users, url, editor):
    editor.put(
        url,
        {
            "description": "Shown in the form",
            "domains": ["a.example.com", "b.example.com"],
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
        format="json",
    )
    client = login(APIClient(), users["editor"])
    page = client.get(url, HTTP_ACCEPT="text/html").content.decode()
    assert 'data-method="PUT"' in page
    assert 'value="Shown in the form"' in page
    assert "a.example.com\nb.example.com" in page
    assert 'name="recording_service_account_key"' in page
    assert "TOP-SECRET" not in page
    assert "rec@example.iam" not in page


def test_the_form_keeps_the_key_when_its_field_is_left_empty(users, url, editor, emulator_server):
    editor.put(
        url,
        {
            "permissions": ["RECORDING"],
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
        format="json",
    )
    client = login(APIClient(), users["editor"])
    response = client.put(
        url,
        {
            "description": "Edited in the form",
            "domains": "",
            "permissions": ["RECORDING"],
            "status": "active",
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": "",
        },
        format="multipart",
    )
    assert response.status_code == 200
    assert response.json()["recording"]["status"] == "active"  # the key is still set


def test_a_viewer_sees_no_update_or_delete_form(users, url):
    client = login(APIClient(), users["viewer"])
    page = client.get(url, HTTP_ACCEPT="text/html").content.decode()
    assert 'data-method="PUT"' not in page
    assert 'data-method="DELETE"' not in page


def test_any_2xx_to_a_delete_is_done_and_answered_as_ecl_answered(editor, tenant, emulator):
    emulator.set_config(delete_answer="204")
    response = editor.delete(f"/api/tenants/{tenant.tenant_id}/apps/1000")
    assert response.status_code == 204 and response.content == b""
    emulator.set_config(delete_answer="empty")
    response = editor.delete(f"/api/tenants/{tenant.tenant_id}/apps/1001")
    assert response.status_code == 200 and response.content == b""
    events = AuditEvent.objects.filter(action="app.delete").order_by("id")
    assert [(e.app_id, e.outcome) for e in events] == [("1000", "ok"), ("1001", "ok")]


def test_a_form_put_of_the_status_alone_leaves_the_other_fields(editor, url, at_ecl, emulator):
    editor.put(url, {"permissions": ["TURN", "SFU"], "status": "active"}, format="json")
    emulator.clear_requests()
    response = editor.put(url, {"status": "suspended"}, format="multipart")
    assert response.status_code == 200
    assert [r["body"] for r in emulator.requests() if r["method"] == "PUT"] == [
        {"status": "suspended"}
    ]
    assert at_ecl().json()["permissions"] == ["TURN", "SFU"]
