"""A database failure during a request, on any database: views and middleware of the real
handler raise Django's OperationalError or InterfaceError, as a dropped connection makes them.
A read runs once more on a new connection; what cannot answers 503 saying truthfully what became
of it (tests/core/test_database_outage_postgresql.py drops real PostgreSQL connections)."""

import logging

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, OperationalError, connection
from django.test import Client

from apps_admin import audit, ecl
from apps_admin.models import AuditEvent, Membership
from tests.core.database_outage_urls import Scenario
from tests.helpers import login

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.core.database_outage_urls"),
]

NOTHING_CHANGED = "The portal&#x27;s database is not answering; nothing was changed."


@pytest.fixture
def client() -> Client:
    # The test client re-raises what Django signals as a request's exception, even once handled.
    return Client(raise_request_exception=False)


def connection_lost(monkeypatch, *, times: int = 1):
    """The connection reads as unusable for the next `times` checks (a file SQLite database's
    connection always reads as usable); SQLite's own connection is closed, as a lost one is."""
    left = [times]
    real = connection.is_usable

    def is_usable() -> bool:
        if left[0] > 0:
            left[0] -= 1
            return False
        return real()

    monkeypatch.setattr(connection, "is_usable", is_usable)


def fail_on(*calls: int, error: Exception | None = None):
    def step(n: int) -> None:
        if n in calls:
            raise error or OperationalError("server closed the connection unexpectedly")

    return step


def outage_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "apps_admin.database_outage"]


def test_a_read_whose_connection_was_lost_runs_once_more_and_answers_the_page(
    client, monkeypatch, caplog
):
    connection_lost(monkeypatch)
    Scenario.reset(fail_on(1))

    response = client.get("/test-outage/")

    assert response.status_code == 200
    assert response.content.decode() == "The page, at call 2"
    assert Scenario.calls == 2
    [line] = outage_lines(caplog)
    assert line.startswith("database: OperationalError during GET /test-outage/, trying once more")
    assert "Internal Server Error" not in caplog.text and "Traceback" not in caplog.text


def test_a_read_that_fails_again_gets_the_503_page_saying_nothing_was_changed(
    client, monkeypatch, caplog
):
    connection_lost(monkeypatch, times=2)
    Scenario.reset(fail_on(1, 2))

    response = client.get("/test-outage/")

    assert Scenario.calls == 2
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert "<title>The portal&#x27;s database is not answering" in html
    assert NOTHING_CHANGED in html and "Traceback" not in html
    assert "OperationalError" not in html and "server closed" not in html
    first, last = outage_lines(caplog)
    assert "trying once more" in first
    assert last.startswith("database: OperationalError during GET /test-outage/, answered 503")
    assert "server closed" not in caplog.text and "Traceback" not in caplog.text


def test_the_503_page_is_in_japanese_for_a_japanese_reader(client, monkeypatch):
    connection_lost(monkeypatch, times=2)
    Scenario.reset(fail_on(1, 2))

    response = client.get("/test-outage/", HTTP_ACCEPT_LANGUAGE="ja")

    assert response.status_code == 503 and response["Content-Language"] == "ja"
    html = response.content.decode()
    assert "ポータルのデータベースが応答していません。何も変更されていません。" in html


def test_a_database_that_refuses_a_statement_on_a_working_connection_is_not_asked_again(
    client, caplog
):
    def step(n: int) -> None:
        AuditEvent.objects.count()  # the connection is open, and works
        raise OperationalError("database is locked")

    Scenario.reset(step)

    response = client.get("/test-outage/")

    assert (response.status_code, Scenario.calls) == (503, 1)
    assert NOTHING_CHANGED in response.content.decode()
    assert len(outage_lines(caplog)) == 1


def test_a_read_that_wrote_an_audit_event_is_not_run_again(client, monkeypatch):
    connection_lost(monkeypatch)

    def step(n: int) -> None:
        audit.record(None, "secretkey.reveal", tenant_id="a" * 32, app_id="app-1")
        raise OperationalError("server closed the connection unexpectedly")

    Scenario.reset(step)
    response = client.get("/test-outage/")

    assert (response.status_code, Scenario.calls) == (503, 1)
    assert NOTHING_CHANGED in response.content.decode()
    assert AuditEvent.objects.filter(action="secretkey.reveal").count() == 1


def test_a_post_is_never_run_twice_and_says_nothing_was_changed_when_nothing_was(
    client, monkeypatch
):
    connection_lost(monkeypatch)
    Scenario.reset(fail_on(1))

    response = client.post("/test-outage/", {"description": "x"})

    assert (response.status_code, Scenario.calls) == (503, 1)
    assert NOTHING_CHANGED in response.content.decode()


def test_a_post_that_saved_something_before_the_failure_does_not_say_nothing_was_changed(
    client, users, tenant
):
    def step(n: int) -> None:
        Membership.objects.filter(user=users["viewer"]).update(role="editor")
        raise OperationalError("server closed the connection unexpectedly")

    Scenario.reset(step)
    response = client.post("/test-outage/")

    assert (response.status_code, Scenario.calls) == (503, 1)
    html = response.content.decode()
    assert "part of what you sent may have been saved" in html
    assert "nothing was changed" not in html


def test_a_write_rolled_back_with_its_transaction_counts_as_nothing_saved(client, users, tenant):
    from django.db import transaction

    def step(n: int) -> None:
        with transaction.atomic():
            Membership.objects.filter(user=users["viewer"]).update(role="editor")
            raise OperationalError("server closed the connection unexpectedly")

    Scenario.reset(step)
    response = client.post("/test-outage/")

    assert response.status_code == 503
    assert NOTHING_CHANGED in response.content.decode()
    assert Membership.objects.get(user=users["viewer"]).role == "viewer"


def test_a_post_whose_write_reached_ecl_says_the_outcome_is_unknown(
    client, tenant, app_id, emulator
):
    def step(n: int) -> None:
        ecl.app_update_answer(tenant, app_id, {"description": "Sent before the failure"})
        raise OperationalError("server closed the connection unexpectedly")

    Scenario.reset(step)
    emulator.clear_requests()
    response = client.post("/test-outage/")

    assert (response.status_code, Scenario.calls) == (503, 1)
    html = response.content.decode()
    assert "stopped answering after your change was sent to ECL" in html
    assert "cannot tell whether it was made" in html and "nothing was changed" not in html
    assert [e["method"] for e in emulator.requests() if e["method"] != "GET"] == ["PUT"]


def test_a_session_the_database_cannot_read_is_not_a_500(client, users, tenant, monkeypatch):
    """The sessions' middleware reads the database before any view."""
    login(client, users["viewer"])
    connection_lost(monkeypatch)
    real, failed = SessionStore.load, []

    def load(self):
        if not failed:
            failed.append(True)
            raise OperationalError("terminating connection due to administrator command")
        return real(self)

    monkeypatch.setattr(SessionStore, "load", load)
    response = client.get("/")

    # Signed in, on the second attempt: home leads to vera's one tenant.
    assert failed == [True]
    assert (response.status_code, response["Location"]) == (
        302,
        f"/tenants/{tenant.tenant_id}/apps/",
    )


def test_a_session_the_database_cannot_save_is_no_session_deleted_400(
    client, users, tenant, monkeypatch
):
    """Django answers a failed session save "the session was deleted" (400); a lost connection
    is a lost connection (apps_admin/sessions.py)."""
    from django.contrib.sessions.models import Session

    login(client, users["viewer"])
    connection_lost(monkeypatch)
    real, failed = Session.save, []

    def save(self, *args, **kwargs):
        if not failed:
            failed.append(True)
            raise OperationalError("server closed the connection unexpectedly")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Session, "save", save)
    response = client.get("/")  # the session's first renewal (SessionIdleMiddleware) saves it

    assert failed == [True]
    assert (response.status_code, response["Location"]) == (
        302,
        f"/tenants/{tenant.tenant_id}/apps/",
    )


def test_with_the_database_down_a_signed_in_person_gets_the_503_page_made_without_it(
    client, users, monkeypatch
):
    login(client, users["viewer"])
    connection_lost(monkeypatch, times=2)
    asked = []

    def cursor(*args, **kwargs):
        asked.append(True)
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", cursor)
    response = client.get("/")

    assert asked and response.status_code == 503
    html = response.content.decode()
    # The portal's page, whole; its header without the person, whom it could not read.
    assert NOTHING_CHANGED in html and "Error 503" in html and "</html>" in html
    assert "vera" not in html


def test_the_api_answers_its_json_503_and_runs_a_read_once_more(client, monkeypatch):
    connection_lost(monkeypatch, times=3)
    Scenario.reset(fail_on(1))
    assert client.get("/api/test-outage").json() == {"calls": 2}

    Scenario.reset(fail_on(1))
    response = client.post("/api/test-outage", HTTP_ACCEPT_LANGUAGE="ja")

    assert (response.status_code, Scenario.calls) == (503, 1)
    assert response["Retry-After"] == "5"
    assert response.json() == {
        "detail": "ポータルのデータベースが応答していません。何も変更されていません。"
        "1 分ほどしてからもう一度お試しください。",
        "code": "database_unavailable",
        "nothing_changed": True,
    }


def test_an_error_that_is_no_lost_connection_is_still_a_500(client, caplog):
    Scenario.reset(fail_on(1, error=IntegrityError("duplicate key")))
    caplog.set_level(logging.CRITICAL, logger="django.request")

    response = client.get("/test-outage/")

    assert (response.status_code, Scenario.calls) == (500, 1)
    assert "Something went wrong in the portal" in response.content.decode()
