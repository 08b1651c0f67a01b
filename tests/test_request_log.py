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
