"""The usage page: every app's signaling, TURN and SFU this month and last, totals, CSV."""

import csv
import io
import re

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.pages import app_table

pytestmark = pytest.mark.django_db


def url(tenant, suffix: str = "") -> str:
    return f"/tenants/{tenant.tenant_id}/usage/{suffix}"


def row_ids(response) -> list[str]:
    return re.findall(r"</a></th>\s*<td><code>([^<]+)</code>", response.content.decode())


def test_usage_lists_every_app_with_totals_in_one_call(client_as, tenant, emulator):
    client = client_as("viewer")
    client.get(url(tenant))
    emulator.reset_stats()
    response = client.get(url(tenant))
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1 and emulator.stats()["auth_calls"] == 0
    apps = ecl.app_list(tenant)
    assert sorted(row_ids(response)) == sorted(a.id for a in apps)
    html = response.content.decode()
    months = app_table.Months.of(apps)
    assert f"This month ({months.current})" in html and f"Last month ({months.previous})" in html
    totals = app_table.totals(apps, months)
    assert response.context["totals"] == totals
    assert "Total, 3 apps" in html
    assert '<svg class="inline-bar"' in html and "style=" not in html


def test_the_apps_that_cost_most_come_first_and_columns_sort(client_as, tenant):
    apps = ecl.app_list(tenant)
    client = client_as("viewer")
    billed = {a.id: a.usage[-1].turn + a.usage[-1].sfu for a in apps}
    first = row_ids(client.get(url(tenant)))
    assert [billed[i] for i in first] == sorted(billed.values(), reverse=True)
    by_id = row_ids(client.get(url(tenant), {"o": "id"}))
    assert by_id == sorted(billed, key=int)
    previous = {a.id: a.usage[0].signaling for a in apps}
    by_previous = row_ids(client.get(url(tenant), {"o": "prev_signaling"}))
    assert [previous[i] for i in by_previous] == sorted(previous.values())


def test_usage_csv_has_both_months_and_no_secret(client_as, tenant):
    apps = ecl.app_list(tenant)
    secrets = [ecl.secretkey_get(tenant, a.id) for a in apps]
    response = client_as("viewer").get(url(tenant, "export.csv"), {"o": "id"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    months = app_table.Months.of(apps)
    assert f"turn_gb {months.current}" in rows[0] and f"sfu_gb {months.previous}" in rows[0]
    assert [r[0] for r in rows[1:]] == sorted((a.id for a in apps), key=int)
    body = response.content.decode()
    assert all(secret not in body for secret in secrets)
    assert all(a.apikey not in body for a in apps)


def test_an_empty_tenant_has_no_usage_to_show(client_as, tenant):
    for app in ecl.app_list(tenant):
        ecl.app_delete(tenant, app.id)
    response = client_as("viewer").get(url(tenant))
    assert response.status_code == 200
    assert "no usage to show" in response.content.decode()


def test_usage_refuses_post(client_as, tenant, emulator):
    emulator.reset_stats()
    assert client_as("viewer").post(url(tenant)).status_code == 405
    assert emulator.stats()["api_calls"] == 0


def test_outsider_and_anonymous_reach_no_upstream(client_as, tenant, emulator):
    emulator.reset_stats()
    assert client_as("anonymous").get(url(tenant)).status_code == 302
    assert client_as("outsider").get(url(tenant)).status_code == 404
    assert client_as("outsider").get(url(tenant, "export.csv")).status_code == 404
    assert emulator.stats()["api_calls"] == 0 and emulator.stats()["auth_calls"] == 0


@pytest.mark.slow  # waits out ECL's retries
def test_ecl_down_is_a_503_page(client_as, tenant, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    assert client_as("viewer").get(url(tenant)).status_code == 503


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_TIMEOUT=1, ECL_CONNECT_TIMEOUT=1, ECL_CALL_BUDGET=5)
def test_ecl_hanging_is_a_504_page(client_as, tenant, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "action": "hang"}])
    assert client_as("viewer").get(url(tenant)).status_code == 504


def test_a_malformed_list_is_a_502_page(client_as, tenant, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "action": "malformed"}])
    assert client_as("viewer").get(url(tenant)).status_code == 502
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "action": "malformed"}])
    assert client_as("viewer").get(url(tenant, "export.csv")).status_code == 502


def test_a_suspended_tenant_is_a_403_page(client_as, tenant, emulator):
    emulator.set_tenant_state(tenant.tenant_id, "suspended")
    assert client_as("viewer").get(url(tenant)).status_code == 403
