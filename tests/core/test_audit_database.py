"""The audit record of a write survives the database blinking: written pending before the write
(no write without it), completed after it on a new connection if the first one was lost, or
logged whole for an operator to replay; and the person is told what ECL did either way.

The database really fails in these tests: PostgreSQL's connections are terminated
(pg_terminate_backend, only those of the test database), or the database refuses writes of the
audit table (on SQLite, another connection holds it locked; on PostgreSQL, a trigger)."""

import io
import json
import logging
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from apps_admin import audit, ecl
from apps_admin.models import AuditEvent
from tests.helpers import SERVICE_ACCOUNT_KEY, login, terminate_other_connections, token_client

pytestmark = pytest.mark.django_db(transaction=True)

# pg_terminate_backend exists only in PostgreSQL; on SQLite the same promise is kept by
# test_a_completion_the_database_refuses_is_logged_whole_and_the_page_tells_the_truth.
PG_ONLY = pytest.mark.postgresql


class AuditTableRefused:
    """From `start()` to `stop()`, the database refuses every write of the audit table."""

    def __init__(self) -> None:
        self._ready, self._release = threading.Event(), threading.Event()
        self._holder: threading.Thread | None = None

    def start(self) -> None:
        if connection.vendor == "sqlite":
            # Another connection to the shared in-memory test database holds the table locked:
            # a write of it fails at once with "database table is locked".
            self._holder = threading.Thread(target=self._hold_sqlite_lock)
            self._holder.start()
            assert self._ready.wait(10)
        else:
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE OR REPLACE FUNCTION test_audit_refused() RETURNS trigger AS $$ "
                    "BEGIN RAISE EXCEPTION 'the audit table refuses writes'; END $$ "
                    "LANGUAGE plpgsql"
                )
                cursor.execute(
                    "CREATE TRIGGER test_audit_refused BEFORE INSERT OR UPDATE ON "
                    "apps_admin_auditevent FOR EACH ROW EXECUTE FUNCTION test_audit_refused()"
                )

    def stop(self) -> None:
        if connection.vendor == "sqlite":
            self._release.set()
            if self._holder is not None:
                self._holder.join(10)
        else:
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER IF EXISTS test_audit_refused ON apps_admin_auditevent")
                cursor.execute("DROP FUNCTION IF EXISTS test_audit_refused()")

    def _hold_sqlite_lock(self) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("BEGIN IMMEDIATE")
                cursor.execute("UPDATE apps_admin_auditevent SET outcome = outcome WHERE 0")
                self._ready.set()
                self._release.wait(60)
                cursor.execute("ROLLBACK")
        finally:
            connection.close()


def after_the_put(monkeypatch, then) -> None:
    """Run `then()` once ECL has answered the PUT, before the portal records its outcome."""
    real = ecl.app_update_answer

    def put_then(*args, **kwargs):
        answer = real(*args, **kwargs)
        then()
        return answer

    monkeypatch.setattr(ecl, "app_update_answer", put_then)


@pytest.fixture
def app_id(tenant) -> str:
    return ecl.app_list(tenant)[0].id  # the token is cached from here on


def edit(client, tenant, app_id: str, description: str):
    url = f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/"
    shown = client.get(url)
    form = shown.context["form"]
    return client.post(
        url,
        {
            "description": description,
            "domains": form["domains"].value(),
            "permissions": form["permissions"].value(),
            "status": form["status"].value(),
            "recording_bucket_name": "",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
            "snapshot": shown.context["snapshot"],
        },
    )


def not_recorded(caplog) -> list[dict]:
    return [
        json.loads(record.getMessage().partition(audit.NOT_RECORDED)[2])
        for record in caplog.records
        if record.levelno == logging.ERROR and audit.NOT_RECORDED in record.getMessage()
    ]


@PG_ONLY
def test_connections_terminated_after_the_put_the_event_is_completed_on_a_new_one(
    client, users, tenant, app_id, emulator, monkeypatch, caplog
):
    editor = login(client, users["editor"])
    terminated = []
    after_the_put(monkeypatch, lambda: terminated.append(terminate_other_connections()))
    emulator.clear_requests()

    response = edit(editor, tenant, app_id, "Saved while the database blinked")

    assert terminated and terminated[0] >= 1  # the portal's own connection, at least
    assert response.status_code == 302
    assert "was saved" in editor.get(response["Location"]).content.decode()
    assert ecl.app_get(tenant, app_id).description == "Saved while the database blinked"
    event = AuditEvent.objects.get(action="app.update")
    assert (event.outcome, event.completed_at is not None) == ("ok", True)
    assert "trying once more on a new connection" in caplog.text  # the first one was lost
    assert not_recorded(caplog) == []


@pytest.mark.parametrize("surface", ["page", "api"])
def test_a_completion_the_database_refuses_is_logged_whole_and_the_page_tells_the_truth(
    client, users, tenant, app_id, emulator, monkeypatch, caplog, tmp_path, surface
):
    refused = AuditTableRefused()
    after_the_put(monkeypatch, refused.start)
    description = f"Saved, not recorded ({surface})"
    try:
        if surface == "page":
            editor = login(client, users["editor"])
            response = edit(editor, tenant, app_id, description)
        else:
            response = token_client(users["editor"]).put(
                f"/api/tenants/{tenant.tenant_id}/apps/{app_id}",
                {"description": description, "recording_service_account_key": SERVICE_ACCOUNT_KEY},
                format="json",
            )
    finally:
        refused.stop()

    # ECL made the change, and the person is told so.
    if surface == "page":
        assert response.status_code == 302
        assert "was saved" in editor.get(response["Location"]).content.decode()
    else:
        assert response.status_code == 200 and response.json()["description"] == description
    assert ecl.app_get(tenant, app_id).description == description
    puts = [e for e in emulator.requests() if e["method"] == "PUT"]
    assert [e["carried_out"] for e in puts] == [True]
    # The event was written before the PUT; its outcome is in the log, whole, on one line.
    [logged] = not_recorded(caplog)
    assert (logged["action"], logged["outcome"], logged["app_id"]) == ("app.update", "ok", app_id)
    assert logged["changes"]["description"]["to"] == description
    assert logged["changes"]["recording_service_account_key"] == {
        "from": "(changed)",
        "to": "(changed)",
    }
    assert "TOP-SECRET" not in caplog.text
    event = AuditEvent.objects.get(action="app.update")
    assert event.outcome == "pending" and logged["id"] == event.pk
    # An operator replays the line: the event gets its outcome, once.
    log = tmp_path / "portal.log"
    log.write_text(caplog.text)
    out = io.StringIO()
    call_command("audit_replay", str(log), stdout=out)
    call_command("audit_replay", str(log), stdout=out)
    assert out.getvalue().splitlines() == [
        "1 completed, 0 added, 0 already recorded",
        "0 completed, 0 added, 1 already recorded",
    ]
    event.refresh_from_db()
    assert event.outcome == "ok" and event.completed_at is not None


def test_a_write_is_not_sent_when_its_audit_event_cannot_be_written(
    client, users, tenant, app_id, emulator
):
    editor = login(client, users["editor"])
    url = f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/"
    shown = editor.get(url)
    data = {**shown.context["form"].initial, "snapshot": shown.context["snapshot"]}
    data.update(description="Never sent", recording_bucket_name="", domains="example.com")
    emulator.clear_requests()
    refused = AuditTableRefused()
    refused.start()
    try:
        response = editor.post(url, data)
    finally:
        refused.stop()
    assert response.status_code == 503
    html = response.content.decode()
    assert "cannot record this change in its audit log" in html
    assert "Nothing was changed" in html and 'value="Never sent"' in html
    assert [e["method"] for e in emulator.requests() if e["method"] != "GET"] == []
    assert ecl.app_get(tenant, app_id).description != "Never sent"
