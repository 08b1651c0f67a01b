"""`GET`, `PUT`, `DELETE /api/tenants/{tenant_id}/apps/{app_id}`: one app, through the portal."""

import pytest
from rest_framework.test import APIClient

from apps_admin.models import AuditEvent
from tests.helpers import SERVICE_ACCOUNT_KEY, login, token_client

pytestmark = pytest.mark.django_db


def test_get_answers_ecls_app_unchanged(users, app_url, at_ecl):
    response = token_client(users["viewer"]).get(app_url)
    assert response.status_code == 200
    assert response.json() == at_ecl("/1000").json()
    assert response.json()["id"] == 1000


def test_get_with_a_trailing_slash_is_the_same(editor, app_url):
    assert editor.get(app_url + "/").json() == editor.get(app_url).json()


def test_a_missing_app_is_404_app_not_found(editor, tenant):
    response = editor.get(f"/api/tenants/{tenant.tenant_id}/apps/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"
    assert response["ECL-Transaction-ID"]  # what NTT support asks for


def test_put_changes_only_the_fields_sent(editor, app_url, at_ecl):
    before = at_ecl("/1000").json()
    response = editor.put(app_url, {"description": "Renamed"}, format="json")
    assert response.status_code == 200
    after = response.json()
    assert after["description"] == "Renamed"
    assert {k: v for k, v in after.items() if k not in ("description", "updated_at")} == {
        k: v for k, v in before.items() if k not in ("description", "updated_at")
    }
    assert after == at_ecl("/1000").json()


def test_put_replaces_the_lists_sent(editor, app_url):
    response = editor.put(
        app_url, {"domains": ["new.example.com"], "permissions": ["USER_LIST"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["domains"] == ["new.example.com"]
    assert response.json()["permissions"] == ["USER_LIST"]


def test_put_is_audited_as_an_update_with_what_changed(editor, app_url, users, at_ecl):
    old = at_ecl("/1000").json()["description"]
    editor.put(app_url, {"description": "Renamed", "domains": ["a.example.com"]}, format="json")
    event = AuditEvent.objects.get(action="app.update")
    assert event.outcome == "ok"
    assert event.app_id == "1000"
    assert event.actor_username == users["editor"].username
    assert event.changes["description"] == {"from": old, "to": "Renamed"}
    assert event.changes["domains"]["to"] == ["a.example.com"]


def test_changing_only_the_status_is_audited_as_suspend_or_activate(editor, app_url):
    editor.put(app_url, {"status": "active", "description": "Known state"}, format="json")
    assert editor.put(app_url, {"status": "suspended"}, format="json").status_code == 200
    assert editor.put(app_url, {"status": "active"}, format="json").status_code == 200
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["app.update", "app.suspend", "app.activate"]
    assert AuditEvent.objects.get(action="app.suspend").changes == {
        "status": {"from": "active", "to": "suspended"}
    }


def test_the_service_account_key_is_write_only_and_audited_only_as_changed(editor, app_url):
    response = editor.put(
        app_url,
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


def test_an_invalid_update_is_400_after_one_read_and_writes_nothing(editor, app_url, emulator):
    emulator.reset_stats()
    response = editor.put(app_url, {"domains": ["bad domain"]}, format="json")
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


def test_delete_answers_200_with_an_empty_object_and_is_audited(editor, app_url, at_ecl):
    response = editor.delete(app_url)
    assert response.status_code == 200
    assert response.json() == {}
    assert at_ecl("/1000").status_code == 403  # gone at ECL ("App doesn't exist")
    event = AuditEvent.objects.get(action="app.delete")
    assert (event.outcome, event.app_id) == ("ok", "1000")


def test_deleting_a_missing_app_is_404_and_audited_as_failed(editor, tenant):
    response = editor.delete(f"/api/tenants/{tenant.tenant_id}/apps/999999/")
    assert response.status_code == 404
    assert response.json()["code"] == "app_not_found"
    assert AuditEvent.objects.get(action="app.delete").outcome == "AppNotFound"


def test_a_viewer_can_read_but_not_change_or_delete(users, app_url, emulator):
    viewer = token_client(users["viewer"])
    assert viewer.get(app_url).status_code == 200
    emulator.reset_stats()
    assert viewer.put(app_url, {"description": "x"}, format="json").status_code == 403
    assert viewer.delete(app_url).status_code == 403
    assert emulator.stats()["api_calls"] == 0


def test_the_update_form_is_filled_with_the_app_but_never_with_the_key(users, app_url, editor):
    editor.put(
        app_url,
        {
            "description": "Shown in the form",
            "domains": ["a.example.com", "b.example.com"],
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
        format="json",
    )
    client = login(APIClient(), users["editor"])
    page = client.get(app_url, HTTP_ACCEPT="text/html").content.decode()
    assert 'data-method="PUT"' in page
    assert 'value="Shown in the form"' in page
    assert "a.example.com\nb.example.com" in page
    assert 'name="recording_service_account_key"' in page
    assert "TOP-SECRET" not in page
    assert "rec@example.iam" not in page


def test_the_form_keeps_the_key_when_its_field_is_left_empty(
    users, app_url, editor, emulator_server
):
    editor.put(
        app_url,
        {
            "permissions": ["RECORDING"],
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
        format="json",
    )
    client = login(APIClient(), users["editor"])
    response = client.put(
        app_url,
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


def test_a_viewer_sees_no_update_or_delete_form(users, app_url):
    client = login(APIClient(), users["viewer"])
    page = client.get(app_url, HTTP_ACCEPT="text/html").content.decode()
    assert 'data-method="PUT"' not in page
    assert 'data-method="DELETE"' not in page


def test_any_2xx_to_a_delete_is_done_and_answered_as_documented(editor, tenant, emulator):
    emulator.set_config(delete_answer="204")
    response = editor.delete(f"/api/tenants/{tenant.tenant_id}/apps/1000")
    assert response.status_code == 200 and response.json() == {}
    emulator.set_config(delete_answer="empty")
    response = editor.delete(f"/api/tenants/{tenant.tenant_id}/apps/1001")
    assert response.status_code == 200 and response.json() == {}
    events = AuditEvent.objects.filter(action="app.delete").order_by("id")
    assert [(e.app_id, e.outcome) for e in events] == [("1000", "ok"), ("1001", "ok")]


def test_a_form_put_of_the_status_alone_leaves_the_other_fields(editor, app_url, at_ecl, emulator):
    editor.put(app_url, {"permissions": ["TURN", "SFU"], "status": "active"}, format="json")
    emulator.clear_requests()
    response = editor.put(app_url, {"status": "suspended"}, format="multipart")
    assert response.status_code == 200
    assert [r["body"] for r in emulator.requests() if r["method"] == "PUT"] == [
        {"status": "suspended"}
    ]
    assert at_ecl("/1000").json()["permissions"] == ["TURN", "SFU"]
