"""Bulk Suspend, Activate and Delete from the apps list: confirm, one call per app, one summary."""

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent

pytestmark = pytest.mark.django_db

PUT_APP = "PUT /tenants/{tenant_id}/apps/{app_id}"
DELETE_APP = "DELETE /tenants/{tenant_id}/apps/{app_id}"


def url(tenant) -> str:
    return f"/tenants/{tenant.tenant_id}/apps/bulk/"


def calls(emulator, key: str) -> int:
    return emulator.stats()["calls"].get(key, 0)


@pytest.fixture
def ids(tenant) -> list[str]:
    for app in ecl.app_list(tenant):
        ecl.app_update_answer(tenant, app.id, {"status": "active"})
    return [app.id for app in ecl.app_list(tenant)]


def test_the_confirmation_lists_the_selected_apps_with_one_call(client_as, tenant, ids, emulator):
    client = client_as("editor")
    emulator.reset_stats()
    response = client.post(url(tenant), {"action": "suspend", "app": ids[:2], "return": "q=x"})
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1
    assert calls(emulator, PUT_APP) == 0
    html = response.content.decode()
    for app_id in ids[:2]:
        assert f'<input type="hidden" name="app" value="{app_id}">' in html
    assert f'value="{ids[2]}"' not in html
    assert "Yes, suspend 2 apps" in html


def test_bulk_suspend_is_one_call_per_app_and_one_summary(client_as, tenant, ids, emulator):
    client = client_as("editor")
    client.get(f"/tenants/{tenant.tenant_id}/apps/")
    emulator.reset_stats()
    data = {"action": "suspend", "app": ids, "confirm": "yes", "return": "q=line&o=-id&p=2"}
    response = client.post(url(tenant), data)
    assert response.status_code == 302  # an old list link's page number comes back renamed
    assert response["Location"] == f"/tenants/{tenant.tenant_id}/apps/?q=line&o=-id&page=2"
    stats = emulator.stats()
    assert stats["api_calls"] == len(ids) == calls(emulator, PUT_APP)
    assert stats["auth_calls"] == 0
    assert all(ecl.app_get(tenant, i).status == "suspended" for i in ids)
    assert AuditEvent.objects.filter(action="app.suspend", outcome="ok").count() == len(ids)
    page = client.get(response["Location"])
    assert "Suspended 3 apps." in page.content.decode()


def test_bulk_activate(client_as, tenant, ids):
    for app_id in ids:
        ecl.app_update_answer(tenant, app_id, {"status": "suspended"})
    client_as("editor").post(url(tenant), {"action": "activate", "app": ids, "confirm": "yes"})
    assert all(ecl.app_get(tenant, i).status == "active" for i in ids)


def test_bulk_delete_says_what_failed_and_why(client_as, tenant, ids, emulator):
    client = client_as("editor")
    ecl.app_delete_answer(tenant, ids[1])
    emulator.reset_stats()
    response = client.post(url(tenant), {"action": "delete", "app": ids, "confirm": "yes"})
    assert calls(emulator, DELETE_APP) == 3
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Deleted 2 of 3 apps." in html
    assert f"Failed for {ids[1]}: This app does not exist" in html
    assert ecl.app_list(tenant) == []
    outcomes = sorted(
        AuditEvent.objects.filter(action="app.delete").values_list("outcome", flat=True)
    )
    assert outcomes == ["AppNotFound", "ok", "ok"]


def test_the_confirmation_leaves_out_apps_no_longer_at_ecl(client_as, tenant, ids):
    ecl.app_delete_answer(tenant, ids[0])
    html = client_as("editor").post(url(tenant), {"action": "delete", "app": ids}).content.decode()
    assert "No longer at ECL, so left out: " + ids[0] in html
    assert f'name="app" value="{ids[0]}"' not in html


@pytest.mark.slow  # waits out ECL's retries
def test_when_ecl_stops_answering_the_rest_is_not_tried(client_as, tenant, ids, emulator):
    client = client_as("editor")
    client.get(f"/tenants/{tenant.tenant_id}/apps/")
    emulator.set_faults(rules=[{"method": "PUT", "path": "/apps/", "status": 503, "count": 3}])
    emulator.reset_stats()
    response = client.post(url(tenant), {"action": "suspend", "app": ids, "confirm": "yes"})
    assert calls(emulator, PUT_APP) == 3  # the first app's three attempts, then stop
    html = client.get(response["Location"]).content.decode()
    assert "Suspended 0 of 3 apps." in html
    assert f"Failed for {ids[0]}: ECL answered with a server error (HTTP 503)" in html
    assert f"Not tried, so unchanged: {ids[1]}, {ids[2]}." in html


def test_nothing_selected_goes_back_with_a_hint(client_as, tenant, emulator):
    emulator.reset_stats()
    response = client_as("editor").post(url(tenant), {"action": "suspend", "return": "page=2"})
    assert response.status_code == 302
    assert response["Location"].endswith("/apps/?page=2")
    assert emulator.stats()["api_calls"] == 0


def test_an_unknown_action_does_nothing(client_as, tenant, ids, emulator):
    emulator.reset_stats()
    response = client_as("editor").post(url(tenant), {"action": "explode", "app": ids})
    assert response.status_code == 302
    assert emulator.stats()["api_calls"] == 0


def test_the_return_query_cannot_redirect_elsewhere(client_as, tenant):
    response = client_as("editor").post(
        url(tenant), {"action": "suspend", "return": "//evil.example/&next=http://evil"}
    )
    assert response["Location"] == f"/tenants/{tenant.tenant_id}/apps/"


@pytest.mark.slow  # waits out ECL's retries
def test_ecl_down_on_the_confirmation_is_a_503_page(client_as, tenant, ids, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    response = client_as("editor").post(url(tenant), {"action": "suspend", "app": ids})
    assert response.status_code == 503
    assert "Back to the apps" in response.content.decode()


def test_viewer_cannot_act_in_bulk_and_reaches_no_upstream(client_as, tenant, ids, emulator):
    emulator.reset_stats()
    data = {"action": "delete", "app": ids, "confirm": "yes"}
    assert client_as("viewer").post(url(tenant), data).status_code == 403
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0


def test_bulk_refuses_get(client_as, tenant):
    assert client_as("editor").get(url(tenant)).status_code == 405


def test_bulk_delete_counts_a_204_as_done(client_as, tenant, ids, emulator):
    emulator.set_config(delete_answer="204")
    client = client_as("editor")
    response = client.post(url(tenant), {"action": "delete", "app": ids, "confirm": "yes"})
    assert "Deleted 3 apps." in client.get(response["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="app.delete", outcome="ok").count() == 3


@pytest.mark.slow  # waits out its budget
@override_settings(ECL_CALL_BUDGET=1.5, ECL_CONNECT_TIMEOUT=0.5)
def test_bulk_stops_starting_calls_when_its_budget_runs_out(client_as, tenant, emulator_server):
    ids = [ecl.app_create_answer(tenant, {"description": f"App {n}"}).value.id for n in range(12)]
    emulator = emulator_server.control
    client = client_as("editor")
    client.get(f"/tenants/{tenant.tenant_id}/apps/")  # a token first
    emulator.set_faults(latency_ms=250)
    emulator.reset_stats()
    response = client.post(url(tenant), {"action": "suspend", "app": ids, "confirm": "yes"})
    emulator.set_faults(latency_ms=0)
    puts = calls(emulator, PUT_APP)
    assert 0 < puts < len(ids)
    suspended = [i for i in ids if ecl.app_get(tenant, i).status == "suspended"]
    message = client.get(response["Location"]).content.decode()
    assert f"Suspended {len(suspended)} of {len(ids)} apps." in message
    # The apps left untouched are named in the same message: not tried (or, for a call the
    # budget cut short, failed).
    assert "Not tried, so unchanged:" in message
    assert all(app_id in message for app_id in ids if app_id not in suspended)
    assert AuditEvent.objects.filter(action="app.suspend").count() == puts
