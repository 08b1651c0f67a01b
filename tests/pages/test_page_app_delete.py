"""Deleting an app: a confirmation that names what breaks and wants the app ID typed."""

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent

pytestmark = pytest.mark.django_db

DELETE_APP = "DELETE /tenants/{tenant_id}/apps/{app_id}"


def url(tenant, app_id) -> str:
    return f"/tenants/{tenant.tenant_id}/apps/{app_id}/delete/"


@pytest.fixture
def app(tenant) -> ecl.App:
    return ecl.app_update_answer(
        tenant, ecl.app_list(tenant)[0].id, {"description": "Old line", "domains": ["a.example"]}
    ).value


def test_the_confirmation_names_what_breaks_with_one_upstream_call(
    client_as, tenant, app, emulator
):
    client = client_as("editor")
    client.get(f"/tenants/{tenant.tenant_id}/apps/")
    emulator.reset_stats()
    response = client.get(url(tenant, app.id))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1 and emulator.stats()["auth_calls"] == 0
    html = response.content.decode()
    assert app.apikey in html and "stops working" in html and "<code>a.example</code>" in html
    assert ">App ID</label>" in html and 'value="Delete"' in html


def test_typing_the_app_id_deletes_it_with_one_call_and_audits(client_as, tenant, app, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    response = client.post(url(tenant, app.id), {"app_id": f" {app.id} "})
    assert response.status_code == 302
    assert response["Location"] == f"/tenants/{tenant.tenant_id}/apps/"
    assert emulator.stats()["api_calls"] == 1
    assert emulator.stats()["calls"].get(DELETE_APP) == 1
    with pytest.raises(ecl.AppNotFound):
        ecl.app_get(tenant, app.id)
    event = AuditEvent.objects.get(action="app.delete")
    assert event.outcome == "ok" and event.app_id == app.id
    page = client.get(response["Location"])
    assert f"App {app.id} was deleted" in page.content.decode()


def test_a_wrong_app_id_deletes_nothing(client_as, tenant, app, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    response = client.post(url(tenant, app.id), {"app_id": "1"})
    assert response.status_code == 200
    assert "not this app" in response.content.decode()
    assert emulator.stats()["calls"].get(DELETE_APP, 0) == 0
    assert ecl.app_get(tenant, app.id).id == app.id
    assert not AuditEvent.objects.filter(action="app.delete").exists()


@pytest.mark.slow  # waits out a hang
def test_ecl_down_during_delete_says_nothing_changed_and_audits(client_as, tenant, app, emulator):
    emulator.set_faults(rules=[{"method": "DELETE", "path": "/apps/", "status": 503, "count": 3}])
    response = client_as("editor").post(url(tenant, app.id), {"app_id": app.id})
    assert response.status_code == 503
    assert "Nothing was changed" in response.content.decode()
    assert AuditEvent.objects.get(action="app.delete").outcome == "UpstreamUnavailable"


def test_deleting_an_app_that_is_already_gone_is_a_404_page(client_as, tenant, app):
    ecl.app_delete_answer(tenant, app.id)
    response = client_as("editor").post(url(tenant, app.id), {"app_id": app.id})
    assert response.status_code == 404
    assert AuditEvent.objects.get(action="app.delete").outcome == "AppNotFound"
    assert client_as("editor").get(url(tenant, app.id)).status_code == 404


def test_a_suspended_tenant_deletes_nothing(client_as, tenant, app, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    assert client_as("editor").post(url(tenant, app.id), {"app_id": app.id}).status_code == 403


def test_a_malformed_answer_is_a_502_page(client_as, tenant, app, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps/", "action": "malformed"}])
    assert client_as("editor").get(url(tenant, app.id)).status_code == 502


def test_viewer_cannot_delete_and_reaches_no_upstream(client_as, tenant, app, emulator):
    client = client_as("viewer")
    emulator.reset_stats()
    assert client.get(url(tenant, app.id)).status_code == 403
    assert client.post(url(tenant, app.id), {"app_id": app.id}).status_code == 403
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0


def test_delete_refuses_other_methods(client_as, tenant, app, emulator):
    emulator.reset_stats()
    assert client_as("editor").delete(url(tenant, app.id)).status_code == 405
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_ecl_hanging_on_delete_does_not_claim_nothing_changed(client_as, tenant, app, emulator):
    client = client_as("editor")
    client.get(url(tenant, app.id))  # a token first
    emulator.set_faults(rules=[{"method": "DELETE", "path": "/apps/", "action": "hang"}])
    response = client.post(url(tenant, app.id), {"app_id": app.id})
    assert response.status_code == 504
    html = response.content.decode()
    assert "cannot tell whether the change was made" in html
    assert "Nothing was changed" not in html
    assert AuditEvent.objects.get(action="app.delete").outcome == "UpstreamTimeout"


@pytest.mark.parametrize("answer", ["204", "empty"])
def test_any_2xx_to_a_delete_is_a_success(client_as, tenant, app, emulator, answer):
    emulator.set_config(delete_answer=answer)
    client = client_as("editor")
    response = client.post(url(tenant, app.id), {"app_id": app.id})
    assert response.status_code == 302
    assert f"App {app.id} was deleted" in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.get(action="app.delete").outcome == "ok"
