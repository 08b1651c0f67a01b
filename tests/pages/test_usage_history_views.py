"""The usage history as people and programs see it: the page, its CSV and the API agree, month
after month of recording, and answer a 10,000-app tenant in a fixed number of queries."""

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps_admin import ecl
from apps_admin.models import Membership, UsageMonth
from apps_admin.usage import history, rollup
from tests.helpers import content_of, json_of, make_tenant, token_client

pytestmark = pytest.mark.django_db

NOVEMBER = "2026-11-15T12:00:00+09:00"
DECEMBER = "2026-12-15T12:00:00+09:00"
RANGE = {"from": "2026-10", "to": "2026-12"}


def page_url(tenant, suffix: str = "") -> str:
    return f"/tenants/{tenant.tenant_id}/usage/{suffix}"


def api_url(tenant) -> str:
    return f"/api/tenants/{tenant.tenant_id}/usage"


def test_a_month_later_the_page_the_csv_and_the_api_show_three_months(
    client_as, tenant, users, emulator
):
    emulator.set_config(now=NOVEMBER)
    history.record(tenant)
    emulator.set_config(now=DECEMBER)
    history.record(tenant)
    apps = {app.id: app for app in ecl.app_list(tenant)}
    october = UsageMonth.objects.get(tenant=tenant, app_id="1000", month=date(2026, 10, 1))
    client = client_as("viewer")

    page = client.get(page_url(tenant), {**RANGE, "metric": "turn", "o": "id"}).content.decode()
    row = re.search(r"<code>1000</code></td>(.*?)</tr>", page, re.S).group(1)
    shown = re.findall(r'<td class="numeric month">([^<]*)</td>', row)
    assert shown == [
        f"{october.turn:,.2f}".rstrip("0").rstrip("."),
        *(
            f"{apps['1000'].usage_summary[m].turn:,.2f}".rstrip("0").rstrip(".")
            for m in ("2026/11", "2026/12")
        ),
    ]

    rows = list(
        csv.DictReader(
            io.StringIO(client.get(page_url(tenant, "export.csv"), RANGE).content.decode())
        )
    )
    mine = [r for r in rows if r["app_id"] == "1000"]
    assert [(r["month"], r["final"]) for r in mine] == [
        ("2026-10", "true"),
        ("2026-11", "true"),
        ("2026-12", "false"),
    ]
    assert float(mine[0]["turn_gb"]) == october.turn

    answer = token_client(users["viewer"], "read").get(api_url(tenant), RANGE)
    assert answer.status_code == 200
    body = json_of(answer)
    assert body["tenant_id"] == tenant.tenant_id and body["months"] == [
        "2026-10",
        "2026-11",
        "2026-12",
    ]
    first = next(a for a in body["apps"] if a["id"] == "1000")
    assert first["deleted"] is False and first["description"] == apps["1000"].description
    assert list(first["usage"]) == ["2026-10", "2026-11", "2026-12"]
    assert first["usage"]["2026-10"] == {
        "signaling": october.signaling,
        "turn": october.turn,
        "sfu": october.sfu,
    }
    december = apps["1000"].usage_summary["2026/12"]
    assert first["usage"]["2026-12"] == {
        "signaling": december.signaling,
        "turn": december.turn,
        "sfu": december.sfu,
    }

    # A fourth run changes nothing anyone sees.
    fields = ("app_id", "month", "signaling", "turn", "sfu", "final", "description")
    before = list(UsageMonth.objects.order_by("pk").values_list(*fields))
    history.record(tenant)
    assert list(UsageMonth.objects.order_by("pk").values_list(*fields)) == before
    assert json_of(token_client(users["viewer"], "read").get(api_url(tenant), RANGE)) == body


def test_the_api_marks_deleted_apps_and_answers_wrong_months_with_a_400(
    client_as, tenant, users, emulator
):
    emulator.set_config(now=NOVEMBER)
    history.record(tenant)
    ecl.app_delete_answer(tenant, "1002")
    client = token_client(users["viewer"], "read")
    body = json_of(client.get(api_url(tenant), {"from": "2026-10", "to": "2026-11"}))
    assert {a["id"]: a["deleted"] for a in body["apps"]} == {
        "1000": False,
        "1001": False,
        "1002": True,
    }
    wrong = client.get(api_url(tenant), {"from": "2026-10", "to": "soon"})
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "invalid" and "YYYY-MM" in wrong.json()["fields"]["to"][0]
    assert client.get(api_url(tenant), {"from": "2026-12", "to": "2026-10"}).status_code == 400


def test_the_api_needs_a_member_of_the_tenant(client_as, tenant, users, emulator):
    emulator.reset_stats()
    assert token_client(users["outsider"], "read").get(api_url(tenant)).status_code == 404
    assert client_as("anonymous").get(api_url(tenant)).status_code in (401, 403)
    assert emulator.stats()["api_calls"] == 0


def test_the_api_is_in_the_schema(client_as):
    schema = client_as("viewer").get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/tenants/{tenant_id}/usage"]["get"]
    assert operation["operationId"] == "usage_history"
    assert {p["name"] for p in operation["parameters"]} >= {"tenant_id", "from", "to"}


def test_an_app_page_shows_up_to_twelve_months(client_as, tenant, emulator):
    for month in range(1, 13):
        emulator.set_config(now=f"2026-{month:02d}-15T12:00:00+09:00")
        history.record(tenant)
    html = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/1000/").content.decode()
    table = html.split('class="portal-table usage-table"')[1].split("</table>")[0]
    assert re.findall(r'<th scope="row">(\d{4}-\d\d)', table) == [
        f"2026-{m:02d}" for m in range(12, 0, -1)
    ]


def _plant_history(tenant, app_ids: list[str], months: list[date]) -> None:
    now = datetime.now(UTC)
    UsageMonth.objects.bulk_create(
        (
            UsageMonth(
                tenant=tenant,
                app_id=app_id,
                description=f"App {app_id}",
                month=month,
                signaling=index,
                turn=index / 10,
                sfu=index / 100,
                final=True,
                recorded_at=now,
            )
            for index, app_id in enumerate(app_ids)
            for month in months
        ),
        batch_size=5000,
    )


def _queries(client, path: str, params: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params)
        assert response.status_code == 200
        content_of(response)  # a streamed answer reads as it is sent
    return len(captured)


@pytest.mark.slow  # a 10,000-app tenant and 120,000 recorded months
def test_page_and_api_take_the_same_queries_for_3_apps_and_for_10000(
    client_as, tenant, users, emulator, emulator_server
):
    big = make_tenant(emulator_server, emulator.create_tenant(apps=10_000), name="Big")
    Membership.objects.create(user=users["viewer"], tenant=big, role="viewer")
    months = [date(2026, m, 1) for m in range(1, 13)]
    _plant_history(big, [str(1000 + i) for i in range(10_000)] + ["deleted-1", "deleted-2"], months)
    _plant_history(tenant, ["1000", "deleted-1"], months)
    for each in (big, tenant):  # as record_usage would have kept it
        rollup.rebuild_tenant(each)
    client = client_as("viewer")
    api = token_client(users["viewer"], "read")
    year = {"from": "2026-01", "to": "2026-12"}
    for each in (tenant, big):  # the session's first use, the role in each tenant held
        client.get(page_url(each), year)
    small_page = _queries(client, page_url(tenant), year)
    big_page = _queries(client, page_url(big), year)
    sorted_by_month = _queries(client, page_url(big), {**year, "o": "-m2026-03", "n": "200"})
    # The session, then the history from the rollup (every app's row for the totals and the
    # lines, the rows of the page's apps); the user, their role and the tenant switcher are
    # held (identity_cache.py).
    assert (small_page, big_page, sorted_by_month) == (3, 3, 3)
    for each in (tenant, big):  # the token's first use (its last_used is written), roles held
        api.get(api_url(each), year)
    small_api = _queries(api, api_url(tenant), year)
    big_api = _queries(api, api_url(big), year)
    assert (small_api, big_api) == (1, 1)  # the rollup's rows (the token and role are held)
    # An app's page reads its own months only.
    with CaptureQueriesContext(connection) as captured:
        client.get(f"/tenants/{big.tenant_id}/apps/1000/")
    [months_query] = [q["sql"] for q in captured if "usagemonth" in q["sql"]]
    assert "app_id" in months_query.split("WHERE")[1]
    body = json_of(api.get(api_url(big), year))
    assert len(body["apps"]) == 10_002 and sum(a["deleted"] for a in body["apps"]) == 2
    page = client.get(page_url(big), {**year, "o": "-total"}).content.decode()
    assert "Total, 10002 apps" in page or "Total, 10,002 apps" in page
