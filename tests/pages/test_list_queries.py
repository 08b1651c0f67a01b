"""Every list's query string is read in one place: what was a 500 (non-ASCII digits, months past
what the portal computes, dates before the first moment Python holds in Tokyo) is a 400 that
says what to write, on pages and in the API's JSON, and nothing is asked of ECL."""

import pytest
from django.test import override_settings

from tests.helpers import json_of, token_client

pytestmark = pytest.mark.django_db

MONTHS = "Months are written YYYY-MM with the digits 0-9, from 2000-01 to 2999-12"
PAGE = "A page number is a whole number from 1, written with the digits 0-9."
SIZES = "A page shows 25, 50, 100, 200 rows."

USAGE_QUERIES = {
    "?p=\u00b2": ({"p": "\u00b2"}, PAGE),
    "?page=\u00b2": ({"page": "\u00b2"}, PAGE),
    "?n=\u00b2": ({"n": "\u00b2"}, SIZES),
    "?from=\u00b2\u00b2\u00b2\u00b2-01": ({"from": "\u00b2\u00b2\u00b2\u00b2-01"}, MONTHS),
    "?to=9999-12": ({"to": "9999-12"}, MONTHS),
    "?from=9999-12": ({"from": "9999-12"}, MONTHS),
}


@pytest.mark.parametrize("query", USAGE_QUERIES)
@pytest.mark.parametrize("page", ["usage/", "usage/export.csv"])
def test_the_usage_page_and_its_csv_answer_400_saying_what_to_write(
    client_as, tenant, emulator, query, page
):
    params, words = USAGE_QUERIES[query]
    emulator.reset_stats()
    response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/{page}", params)
    assert response.status_code == 400
    html = response.content.decode()
    assert words in html
    assert 'name="from"' in html  # the range form, to try again
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.parametrize(
    "params", [{"from": "\u00b2\u00b2\u00b2\u00b2-01"}, {"to": "9999-12"}, {"from": "9999-12"}]
)
def test_the_usage_api_answers_its_json_error_naming_the_end(tenant, users, emulator, params):
    emulator.reset_stats()
    answer = token_client(users["viewer"]).get(f"/api/tenants/{tenant.tenant_id}/usage", params)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "invalid" and MONTHS in body["detail"]
    assert list(body["fields"]) == list(params)
    assert emulator.stats()["api_calls"] == 0


def test_the_usage_api_takes_the_last_computable_month(tenant, users):
    answer = token_client(users["viewer"]).get(
        f"/api/tenants/{tenant.tenant_id}/usage", {"from": "2999-12"}
    )
    assert answer.status_code == 200 and json_of(answer)["months"] == ["2999-12"]


@override_settings(TIME_ZONE="Asia/Tokyo")
@pytest.mark.parametrize("params", [{"since": "0001-01-01"}, {"until": "9999-12-31"}])
def test_an_audit_date_the_portal_cannot_compute_is_a_400_on_the_log_and_its_csv(
    client_as, tenant, params
):
    client = client_as("admin")
    log = client.get(f"/tenants/{tenant.tenant_id}/audit/", params)
    assert log.status_code == 400
    assert "Dates are written YYYY-MM-DD with the digits 0-9" in log.content.decode()
    assert "A filter was not understood and is ignored" in log.content.decode()
    export = client.get(f"/tenants/{tenant.tenant_id}/audit/export.csv", params)
    assert export.status_code == 400 and export["Content-Type"].startswith("text/html")
    assert "This list cannot be shown as asked" in export.content.decode()


@override_settings(TIME_ZONE="Asia/Tokyo")
def test_the_first_and_last_computable_days_filter_the_audit_log(client_as, tenant):
    client = client_as("admin")
    response = client.get(
        f"/tenants/{tenant.tenant_id}/audit/", {"since": "2000-01-01", "until": "2999-12-31"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(("params", "words"), [({"page": "x"}, PAGE), ({"n": "1000"}, SIZES)])
def test_an_audit_page_number_or_size_that_is_none_is_a_400(client_as, tenant, params, words):
    response = client_as("admin").get(f"/tenants/{tenant.tenant_id}/audit/", params)
    assert response.status_code == 400 and words in response.content.decode()


def test_the_audit_log_pages_under_page_and_keeps_reading_it(client_as, tenant):
    from apps_admin.models import AuditEvent

    AuditEvent.objects.bulk_create(
        [AuditEvent(tenant_id=tenant.tenant_id, action="app.update", outcome="ok")] * 60
    )
    html = client_as("admin").get(f"/tenants/{tenant.tenant_id}/audit/").content.decode()
    assert 'href="?page=2"' in html
    second = client_as("admin").get(f"/tenants/{tenant.tenant_id}/audit/", {"page": "2"})
    assert "51\u201360 of 60" in second.content.decode()


def test_a_bulk_action_returning_to_an_odd_page_number_goes_to_the_list(client_as, tenant):
    response = client_as("editor").post(
        f"/tenants/{tenant.tenant_id}/apps/bulk/", {"action": "suspend", "return": "p=\u00b2"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tenants/{tenant.tenant_id}/apps/"
