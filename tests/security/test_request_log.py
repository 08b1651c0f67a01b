"""Every request gets one log line and a request id, sent back as X-Request-ID."""

import logging
import re

import pytest

pytestmark = pytest.mark.django_db


def request_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "portal.request"]


def test_each_request_logs_one_line_with_method_path_status_duration_and_id(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/healthz?token=should-not-be-logged")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    [line] = request_lines(caplog)
    assert re.fullmatch(rf"GET /healthz 200 \d+\.\dms request_id={request_id}", line), line
    assert "should-not-be-logged" not in caplog.text


def test_a_plain_incoming_request_id_is_kept(client):
    response = client.get("/healthz", headers={"X-Request-ID": "lb-1234abcd"})
    assert response["X-Request-ID"] == "lb-1234abcd"


def test_an_incoming_request_id_that_could_forge_log_lines_is_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="portal.request")
    response = client.get("/healthz", headers={"X-Request-ID": "x\nGET /admin 200"})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert "GET /admin" not in caplog.text


def test_an_anonymous_visit_to_the_home_page_goes_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"Log in" in page.content


def portal_log(caplog) -> str:
    """The records as the configured console handler writes them."""
    from django.conf import settings

    from apps_admin.log_filters import SingleLineFormatter

    formatter = SingleLineFormatter(settings.LOGGING["formatters"]["plain"]["format"])
    return "\n".join(formatter.format(record) for record in caplog.records)


def test_an_encoded_newline_in_the_path_cannot_write_a_line_of_its_own(client, caplog):
    caplog.set_level(logging.INFO)
    forged = "2026-12-01 10:00:00,000 INFO portal.request POST /admin/ 200 1.0ms request_id=x"
    client.get("/nothing-here%0A" + forged.replace(" ", "%20") + "%0D%0A")
    written = portal_log(caplog)
    assert not any(line.startswith("2026-12-01 10:00:00") for line in written.splitlines())
    assert "/nothing-here\\n2026-12-01 10:00:00" in written


def test_any_value_logged_with_a_newline_stays_on_its_line(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("apps_admin").info("login user=%s", "mallory\r\nFORGED LINE\u2028x")
    [line] = portal_log(caplog).splitlines()
    assert line.endswith("login user=mallory\\r\\nFORGED LINE\\u2028x")


def test_the_console_handler_writes_one_line_per_record():
    from django.conf import settings

    handler = logging.getLogger().handlers
    configured = settings.LOGGING["formatters"]["plain"]["()"]
    assert configured == "apps_admin.log_filters.SingleLineFormatter"
    assert any(type(h.formatter).__name__ == "SingleLineFormatter" for h in handler)
