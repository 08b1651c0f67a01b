"""Editing an app: only what the user changed is written, a colleague's change is caught, and
values the portal does not know (or would not accept as new input) survive a save."""

import json

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent

pytestmark = pytest.mark.django_db

GET_APP = "GET /tenants/{tenant_id}/apps/{app_id}"
PUT_APP = "PUT /tenants/{tenant_id}/apps/{app_id}"
KEY = {
    "type": "service_account",
    "client_email": "recorder@acme.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\\nTOP-SECRET-KEY-MATERIAL\\n-----END",
}
KEY_TEXT = json.dumps(KEY)


def edit_url(tenant, app_id) -> str:
    return f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/"


def calls(emulator, key: str) -> int:
    return emulator.stats()["calls"].get(key, 0)


def put_bodies(emulator) -> list:
    return [r["body"] for r in emulator.requests() if r["method"] == "PUT"]


def opened(client, tenant, app_id) -> dict:
    """What a browser sends back for the edit form as shown: every field and the snapshot."""
    response = client.get(edit_url(tenant, app_id))
    assert response.status_code == 200
    return as_submitted(response)


def as_submitted(response) -> dict:
    form = response.context["form"]
    data = {name: form[name].value() or "" for name in ("description", "domains", "status")}
    data["recording_bucket_name"] = form["recording_bucket_name"].value() or ""
    data["permissions"] = list(form["permissions"].value() or [])
    data["recording_service_account_key"] = ""
    data["snapshot"] = response.context["snapshot"]
    return data


@pytest.fixture
def app(tenant) -> ecl.App:
    return ecl.app_update_answer(
        tenant,
        ecl.app_list(tenant)[0].id,
        {
            "description": "Front desk",
            "domains": ["example.com"],
            "permissions": ["TURN", "RECORDING"],
            "status": "active",
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": KEY_TEXT,
        },
    ).value


@pytest.fixture
def editor(client_as, tenant):
    client = client_as("editor")
    client.get(f"/tenants/{tenant.tenant_id}/apps/")  # the token is cached from here on
    return client


# --- The form ------------------------------------------------------------------------------


def test_the_edit_form_shows_the_app_with_one_upstream_call(editor, tenant, app, emulator):
    emulator.reset_stats()
    response = editor.get(edit_url(tenant, app.id))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1 and calls(emulator, GET_APP) == 1
    assert emulator.stats()["auth_calls"] == 0
    html = response.content.decode()
    assert 'value="Front desk"' in html
    assert "example.com</textarea>" in html
    assert 'value="acme-recordings"' in html
    assert "Leave empty to keep the current key" in html
    assert "TOP-SECRET" not in html


# --- Only what changed is written ----------------------------------------------------------


def test_an_edit_of_one_field_is_one_get_and_a_put_of_that_field_alone(
    editor, tenant, app, emulator
):
    data = opened(editor, tenant, app.id)
    emulator.reset_stats()
    emulator.clear_requests()
    response = editor.post(edit_url(tenant, app.id), {**data, "description": "Front desk (new)"})
    assert response.status_code == 302
    stats = emulator.stats()
    assert stats["api_calls"] == 2 and calls(emulator, GET_APP) == 1
    assert calls(emulator, PUT_APP) == 1
    assert put_bodies(emulator) == [{"description": "Front desk (new)"}]
    page = editor.get(response["Location"])
    assert "“Front desk (new)” was saved" in page.content.decode()
    assert emulator.stats()["api_calls"] == 3 and emulator.stats()["auth_calls"] == 0
    after = ecl.app_get(tenant, app.id)
    assert after.description == "Front desk (new)"
    assert after.recording_status == "active"  # the key at ECL was kept


def test_lists_are_written_whole_when_they_change_and_compared_as_sets(
    editor, tenant, app, emulator
):
    data = opened(editor, tenant, app.id)
    emulator.clear_requests()
    editor.post(
        edit_url(tenant, app.id),
        {**data, "domains": "localhost\nexample.com", "permissions": ["SFU", "TURN"]},
    )
    assert put_bodies(emulator) == [
        {"domains": ["localhost", "example.com"], "permissions": ["TURN", "SFU"]}
    ]
    data = opened(editor, tenant, app.id)
    emulator.reset_stats()
    # The same domains in another order, with a repeat and other case: no change.
    same = {**data, "domains": "EXAMPLE.com\nlocalhost\nlocalhost", "permissions": ["SFU", "TURN"]}
    response = editor.post(edit_url(tenant, app.id), same)
    assert response.status_code == 302
    assert emulator.stats()["api_calls"] == 0


def test_an_unchanged_save_calls_nothing_writes_no_event_and_says_so(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    emulator.reset_stats()
    response = editor.post(edit_url(tenant, app.id), data)
    assert response.status_code == 302
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0
    assert not AuditEvent.objects.filter(action__startswith="app.").exists()
    page = editor.get(response["Location"]).content.decode()
    assert "Nothing was changed, so nothing was saved." in page


def test_a_new_key_is_sent_alone_and_audited_only_as_replaced(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    emulator.clear_requests()
    new_key = json.dumps({**KEY, "client_email": "other@acme.iam.gserviceaccount.com"})
    editor.post(edit_url(tenant, app.id), {**data, "recording_service_account_key": new_key})
    [body] = put_bodies(emulator)
    assert list(body) == ["recording_service_account_key"]
    assert json.loads(body["recording_service_account_key"])["client_email"].startswith("other@")
    event = AuditEvent.objects.get(action="app.update")
    assert event.changes == {
        "recording_service_account_key": {"from": "(changed)", "to": "(changed)"}
    }
    assert "TOP-SECRET" not in json.dumps(event.changes)


def test_an_edit_is_audited_with_what_changed(editor, tenant, app):
    data = opened(editor, tenant, app.id)
    editor.post(edit_url(tenant, app.id), {**data, "domains": "example.com\nlocalhost"})
    event = AuditEvent.objects.get(action="app.update")
    assert event.outcome == "ok" and event.app_id == app.id
    assert event.changes == {
        "domains": {"from": ["example.com"], "to": ["example.com", "localhost"]}
    }


def test_changing_only_the_status_in_the_form_is_audited_as_suspend(editor, tenant, app):
    data = opened(editor, tenant, app.id)
    editor.post(edit_url(tenant, app.id), {**data, "status": "suspended"})
    event = AuditEvent.objects.get()
    assert event.action == "app.suspend"
    assert event.changes == {"status": {"from": "active", "to": "suspended"}}


# --- A colleague's change ------------------------------------------------------------------


def test_a_colleagues_change_to_another_field_survives(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"domains": ["example.com", "b.example.com"]})
    ecl.app_update_answer(tenant, app.id, {"permissions": ["TURN", "SFU"]})
    emulator.clear_requests()
    response = editor.post(edit_url(tenant, app.id), {**data, "description": "Mine"})
    assert response.status_code == 302
    assert put_bodies(emulator) == [{"description": "Mine"}]
    after = ecl.app_get(tenant, app.id)
    assert after.description == "Mine"
    assert after.domains == ("example.com", "b.example.com")
    assert after.permissions == ("TURN", "SFU")


def test_a_colleagues_change_to_the_same_field_is_asked_about_and_nothing_is_written(
    editor, tenant, app, emulator
):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "Theirs"})
    emulator.reset_stats()
    response = editor.post(
        edit_url(tenant, app.id),
        {**data, "description": "Mine", "recording_bucket_name": "other-bucket"},
    )
    assert response.status_code == 409
    stats = emulator.stats()
    assert stats["api_calls"] == 1 and calls(emulator, GET_APP) == 1
    assert calls(emulator, PUT_APP) == 0
    assert ecl.app_get(tenant, app.id).description == "Theirs"
    assert not AuditEvent.objects.filter(action__startswith="app.").exists()
    html = response.content.decode()
    assert "Changed at ECL while you were editing" in html
    assert "<strong>Description</strong>" in html
    assert "<code>Theirs</code>" in html and "<code>Mine</code>" in html
    assert 'name="resolve_description"' in html
    assert 'name="resolve_recording_bucket_name"' not in html  # nobody else changed it
    # What the user typed is still in the form.
    assert 'value="Mine"' in html and 'value="other-bucket"' in html
    assert response.context["form"].ask == ("description",)


def test_after_a_conflict_the_user_keeps_their_value(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "Theirs"})
    asked = editor.post(edit_url(tenant, app.id), {**data, "description": "Mine"})
    emulator.clear_requests()
    again = as_submitted(asked)
    response = editor.post(edit_url(tenant, app.id), {**again, "resolve_description": "mine"})
    assert response.status_code == 302
    assert put_bodies(emulator) == [{"description": "Mine"}]
    assert ecl.app_get(tenant, app.id).description == "Mine"
    event = AuditEvent.objects.get(action="app.update")
    assert event.changes == {"description": {"from": "Theirs", "to": "Mine"}}


def test_after_a_conflict_the_other_fields_show_ecls_values_and_are_not_undone(
    editor, tenant, app, emulator
):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "Theirs", "domains": ["their.example"]})
    asked = editor.post(edit_url(tenant, app.id), {**data, "description": "Mine"})
    assert "their.example</textarea>" in asked.content.decode()
    emulator.clear_requests()
    again = as_submitted(asked)
    editor.post(edit_url(tenant, app.id), {**again, "resolve_description": "mine"})
    assert put_bodies(emulator) == [{"description": "Mine"}]
    assert ecl.app_get(tenant, app.id).domains == ("their.example",)


def test_after_a_conflict_the_user_takes_the_value_at_ecl(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "Theirs"})
    asked = editor.post(
        edit_url(tenant, app.id), {**data, "description": "Mine", "status": "suspended"}
    )
    emulator.clear_requests()
    again = as_submitted(asked)
    response = editor.post(edit_url(tenant, app.id), {**again, "resolve_description": "theirs"})
    assert response.status_code == 302
    assert put_bodies(emulator) == [{"status": "suspended"}]
    after = ecl.app_get(tenant, app.id)
    assert (after.description, after.status) == ("Theirs", "suspended")


def test_after_a_conflict_a_save_without_a_choice_asks_again_and_writes_nothing(
    editor, tenant, app, emulator
):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "Theirs"})
    asked = editor.post(edit_url(tenant, app.id), {**data, "description": "Mine"})
    emulator.reset_stats()
    response = editor.post(edit_url(tenant, app.id), as_submitted(asked))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 0
    assert "Choose whether to keep your value or take the one at ECL." in (
        response.content.decode()
    )


def test_a_colleague_making_the_same_change_is_not_a_conflict(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "Same"})
    emulator.reset_stats()
    response = editor.post(edit_url(tenant, app.id), {**data, "description": "Same"})
    assert response.status_code == 302
    assert calls(emulator, PUT_APP) == 0
    assert "ECL already had your changes" in editor.get(response["Location"]).content.decode()


def test_a_form_without_a_usable_snapshot_asks_about_every_difference(
    editor, tenant, app, emulator
):
    data = opened(editor, tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"domains": ["colleague.example.com"]})
    emulator.reset_stats()
    response = editor.post(
        edit_url(tenant, app.id), {**data, "description": "Mine", "snapshot": "forged:value"}
    )
    assert response.status_code == 409
    assert calls(emulator, PUT_APP) == 0 and calls(emulator, GET_APP) == 1
    assert set(response.context["form"].ask) == {"description", "domains"}
    assert "cannot tell what you changed" in response.content.decode()
    assert ecl.app_get(tenant, app.id).domains == ("colleague.example.com",)


# --- Values the portal does not know, or would not accept as new input ---------------------


@pytest.fixture
def odd_app(tenant, emulator) -> str:
    planted = emulator.plant_app(
        tenant.tenant_id,
        description="D" * 200,
        domains=["example.com:8080", "*.example.com"],
        permissions=["TURN", "FUTURE_FEATURE"],
        status="frozen",
    )
    return str(planted["id"])


def test_unknown_values_are_shown_as_they_are(editor, tenant, odd_app):
    html = editor.get(f"/tenants/{tenant.tenant_id}/apps/{odd_app}/").content.decode()
    assert "frozen" in html and "which the portal does not know" in html
    assert "<code>FUTURE_FEATURE</code>" in html
    form = editor.get(edit_url(tenant, odd_app)).content.decode()
    assert '<option value="frozen" selected>frozen (not known to the portal)</option>' in form
    assert 'value="FUTURE_FEATURE"' in form and "Not known to the portal" in form
    assert "example.com:8080\n*.example.com</textarea>" in form


def test_unknown_values_and_refused_input_survive_a_save_of_another_field(
    editor, tenant, odd_app, emulator
):
    data = opened(editor, tenant, odd_app)
    emulator.clear_requests()
    response = editor.post(edit_url(tenant, odd_app), {**data, "recording_bucket_name": "rec-b"})
    assert response.status_code == 302, response.context["form"].errors
    assert put_bodies(emulator) == [{"recording_bucket_name": "rec-b"}]
    after = ecl.app_get(tenant, odd_app)
    assert after.status == "frozen"
    assert after.permissions == ("TURN", "FUTURE_FEATURE")
    assert after.domains == ("example.com:8080", "*.example.com")
    assert after.description == "D" * 200


def test_an_unknown_permission_is_kept_when_the_others_are_edited(
    editor, tenant, odd_app, emulator
):
    data = opened(editor, tenant, odd_app)
    emulator.clear_requests()
    editor.post(
        edit_url(tenant, odd_app), {**data, "permissions": ["SFU", "TURN", "FUTURE_FEATURE"]}
    )
    assert put_bodies(emulator) == [{"permissions": ["TURN", "SFU", "FUTURE_FEATURE"]}]
    data = opened(editor, tenant, odd_app)
    editor.post(edit_url(tenant, odd_app), {**data, "permissions": ["SFU"]})
    assert ecl.app_get(tenant, odd_app).permissions == ("SFU",)  # the user cleared it


def test_stored_domains_are_kept_but_new_ones_are_checked(editor, tenant, odd_app, emulator):
    data = opened(editor, tenant, odd_app)
    emulator.clear_requests()
    editor.post(edit_url(tenant, odd_app), {**data, "domains": data["domains"] + "\nnew.example"})
    assert put_bodies(emulator) == [
        {"domains": ["example.com:8080", "*.example.com", "new.example"]}
    ]
    data = opened(editor, tenant, odd_app)
    emulator.reset_stats()
    response = editor.post(edit_url(tenant, odd_app), {**data, "domains": "other.example:99"})
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 0
    assert "has a port" in response.content.decode()


def test_the_unknown_status_is_written_only_when_the_user_changes_it(
    editor, tenant, odd_app, emulator
):
    data = opened(editor, tenant, odd_app)
    emulator.clear_requests()
    editor.post(edit_url(tenant, odd_app), {**data, "status": "active"})
    assert put_bodies(emulator) == [{"status": "active"}]
    assert AuditEvent.objects.get().action == "app.activate"


# --- Failures keep what was typed ----------------------------------------------------------


def test_an_invalid_edit_makes_no_upstream_call_and_keeps_the_input(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    emulator.reset_stats()
    changed = {**data, "description": "Changed", "domains": "bad domain", "status": "suspended"}
    response = editor.post(edit_url(tenant, app.id), changed)
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 0
    html = response.content.decode()
    assert 'value="Changed"' in html and "bad domain</textarea>" in html
    assert '<option value="suspended" selected>' in html


@pytest.mark.slow  # waits out ECL's retries
def test_ecl_down_during_the_save_keeps_the_input(editor, tenant, app, emulator):
    data = opened(editor, tenant, app.id)
    emulator.set_faults(rules=[{"method": "PUT", "path": "/apps/", "status": 503, "count": 3}])
    changed = {**data, "description": "Changed", "recording_service_account_key": KEY_TEXT}
    response = editor.post(edit_url(tenant, app.id), changed)
    assert response.status_code == 503
    html = response.content.decode()
    assert "Nothing was changed" in html and 'value="Changed"' in html
    assert "TOP-SECRET" not in html and "attach or paste it again" in html
    assert AuditEvent.objects.get(action="app.update").outcome == "UpstreamUnavailable"
    assert ecl.app_get(tenant, app.id).description == "Front desk"


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_ecl_hanging_on_the_edit_form_is_a_504_page(editor, tenant, app, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "action": "hang"}])
    assert editor.get(edit_url(tenant, app.id)).status_code == 504


def test_a_malformed_app_on_the_edit_form_is_a_502_page(editor, tenant, app, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "action": "malformed"}])
    assert editor.get(edit_url(tenant, app.id)).status_code == 502


def test_editing_a_missing_app_is_a_404_page(editor, tenant):
    assert editor.get(edit_url(tenant, "99999")).status_code == 404


def test_saving_a_deleted_app_keeps_the_input_and_says_so(editor, tenant, app):
    data = opened(editor, tenant, app.id)
    ecl.app_delete_answer(tenant, app.id)
    response = editor.post(edit_url(tenant, app.id), {**data, "description": "Lost?"})
    assert response.status_code == 404
    html = response.content.decode()
    assert "does not exist" in html and 'value="Lost?"' in html
    assert AuditEvent.objects.get(action="app.update").outcome == "AppNotFound"


def test_a_suspended_tenant_on_the_edit_form_is_a_403_page(editor, tenant, app, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    assert editor.get(edit_url(tenant, app.id)).status_code == 403


def test_viewer_cannot_open_the_form_and_reaches_no_upstream(client_as, tenant, app, emulator):
    client = client_as("viewer")
    emulator.reset_stats()
    assert client.get(edit_url(tenant, app.id)).status_code == 403
    assert client.post(edit_url(tenant, app.id), {"description": "x"}).status_code == 403
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0


def test_edit_refuses_other_methods(editor, tenant, app, emulator):
    emulator.reset_stats()
    assert editor.put(edit_url(tenant, app.id)).status_code == 405
    assert editor.delete(edit_url(tenant, app.id)).status_code == 405
    assert emulator.stats()["api_calls"] == 0
