"""PostgreSQL's connections terminated during requests (pg_terminate_backend, only those of the
test database), as an operator's restart or a failover does: reads answer after one more try on
a new connection, and what cannot be tried again answers 503 saying truthfully what became of
it. The portal's connection in these tests is the test's own: terminating it before a request
makes the request's first query (the session's) fail."""

import pytest
from django.db import connection
from django.test import Client

from apps_admin import ecl
from tests.helpers import login, terminate_other_connections, token_client

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

NOTHING_CHANGED = "The portal&#x27;s database is not answering; nothing was changed."


@pytest.fixture
def client() -> Client:
    # The test client re-raises what Django signals as a request's exception, even once handled.
    return Client(raise_request_exception=False)


def api_as(user):
    api = token_client(user)
    api.raise_request_exception = False
    return api


def drop_the_portals_connection() -> None:
    # The test's connection, which the portal uses: a live one (a request that needed no
    # database may have left a terminated one unnoticed).
    connection.close()
    connection.ensure_connection()
    assert terminate_other_connections() >= 1


def retried(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "apps_admin.database_outage" and "trying once more" in record.getMessage()
    ]


def writes_in(emulator) -> list[str]:
    """The writes ECL was sent (a token request is none)."""
    return [
        entry["method"]
        for entry in emulator.requests()
        if entry["method"] != "GET" and not entry["path"].endswith("/auth/tokens")
    ]


def test_a_page_read_after_the_connections_were_terminated_answers_the_page(
    client, users, tenant, emulator, caplog
):
    viewer = login(client, users["viewer"])
    descriptions = {app.description for app in ecl.app_list(tenant)}
    drop_the_portals_connection()

    response = viewer.get(f"/tenants/{tenant.tenant_id}/apps/")

    assert response.status_code == 200
    html = response.content.decode()
    assert all(description in html for description in descriptions)
    assert "vera" in html  # the session and the user were read on the new connection
    assert len(retried(caplog)) == 1


def test_connections_terminated_in_the_middle_of_a_read_the_page_is_read_again(
    client, users, tenant, emulator, monkeypatch, caplog
):
    viewer = login(client, users["viewer"])
    real, terminated = ecl.app_list_fields, []

    def read_then_terminate(*args, **kwargs):
        apps = real(*args, **kwargs)
        if not terminated:  # the header's tenants are read after this, in the template
            terminated.append(terminate_other_connections())
        return apps

    monkeypatch.setattr(ecl, "app_list_fields", read_then_terminate)
    emulator.clear_requests()
    response = viewer.get(f"/tenants/{tenant.tenant_id}/apps/")

    assert terminated and terminated[0] >= 1
    assert response.status_code == 200
    assert "Acme" in response.content.decode()
    assert len(retried(caplog)) == 1
    assert writes_in(emulator) == []


def test_a_save_whose_connection_dropped_before_ecl_was_asked_says_nothing_was_changed(
    client, users, tenant, app_id, emulator, caplog
):
    editor = login(client, users["editor"])
    url = f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/"
    shown = editor.get(url)
    data = {**shown.context["form"].initial, "snapshot": shown.context["snapshot"]}
    data.update(description="Never sent", recording_bucket_name="", domains="example.com")
    emulator.clear_requests()
    drop_the_portals_connection()

    response = editor.post(url, data)

    assert response.status_code == 503 and response["Retry-After"] == "5"
    html = response.content.decode()
    assert NOTHING_CHANGED in html and "Traceback" not in html
    assert retried(caplog) == []  # a POST is never sent twice
    assert writes_in(emulator) == []
    assert ecl.app_get(tenant, app_id).description != "Never sent"


def test_the_api_answers_its_json_503_to_a_write_and_reads_again_for_a_read(
    users, tenant, app_id, emulator, caplog
):
    api = api_as(users["editor"])
    base = f"/api/tenants/{tenant.tenant_id}/apps"
    emulator.clear_requests()
    drop_the_portals_connection()

    response = api.post(base, {"description": "Never made"}, format="json")

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "The portal's database is not answering; nothing was changed. "
        "Try again in a minute.",
        "code": "database_unavailable",
        "nothing_changed": True,
    }
    assert writes_in(emulator) == []
    assert "Never made" not in {app.description for app in ecl.app_list(tenant)}

    drop_the_portals_connection()
    response = api.get(f"{base}/{app_id}")
    assert response.status_code == 200 and str(response.json()["id"]) == app_id
    assert len(retried(caplog)) == 1


def test_no_request_answers_500_while_connections_are_terminated_before_each(
    client, users, tenant, app_id, emulator
):
    editor = login(client, users["editor"])
    api = api_as(users["editor"])
    requests = [
        lambda: editor.get(f"/tenants/{tenant.tenant_id}/apps/"),
        lambda: editor.get(f"/tenants/{tenant.tenant_id}/apps/{app_id}/"),
        lambda: api.get(f"/api/tenants/{tenant.tenant_id}/apps"),
        lambda: editor.post(
            f"/tenants/{tenant.tenant_id}/apps/{app_id}/status/",
            {"status": "suspended", "was": "active", "confirm": "yes"},
        ),
        lambda: api.put(
            f"/api/tenants/{tenant.tenant_id}/apps/{app_id}",
            {"description": f"Saved at {len(statuses)}"},
            format="json",
        ),
    ]
    statuses: list[int] = []
    emulator.clear_requests()
    for send in requests * 3:
        drop_the_portals_connection()
        statuses.append(send().status_code)

    # The reads answer, read again. The page's save fails on the session, before ECL is asked;
    # the API's token is known without the database, and the save's audit event is written
    # on a new connection (audit.begin): the save is made.
    assert statuses == [200, 200, 200, 503, 200] * 3
    assert writes_in(emulator) == ["PUT"] * 3
    assert ecl.app_get(tenant, app_id).description == "Saved at 14"
