"""The usage page: every app's usage by month over a range, recorded and live, with totals, a
chart, sorting, paging and CSV; wrong ranges answered with what is wrong."""

import csv
import io
import re
from datetime import date

import pytest
from django.db import connection
from django.db.models import F
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps_admin import ecl
from apps_admin.models import UsageMonth
from apps_admin.pages.usage_chart import amount
from apps_admin.usage import history

pytestmark = pytest.mark.django_db

NOVEMBER = "2026-11-15T12:00:00+09:00"
AUTUMN = {"from": "2026-09", "to": "2026-11"}


def url(tenant, suffix: str = "") -> str:
    return f"/tenants/{tenant.tenant_id}/usage/{suffix}"


def row_ids(response) -> list[str]:
    return re.findall(r"</th>\s*<td><code>([^<]+)</code>", response.content.decode())


def month_headers(response) -> list[str]:
    return re.findall(
        r'class="sortable column-m[^"]*"[^>]*><a [^>]*>(\d{4}-\d\d)', response.content.decode()
    )


def cells(response, app_id: str) -> list[str]:
    """The month cells of one app's row, as shown."""
    html = response.content.decode()
    row = re.search(rf"<code>{app_id}</code></td>(.*?)</tr>", html, re.S).group(1)
    return re.findall(r'<td class="numeric month">([^<]*)</td>', row)


@pytest.fixture
def november(tenant, emulator):
    """ECL's clock in November 2026 (it reports October and November), recorded once."""
    emulator.set_config(now=NOVEMBER)
    history.record(tenant)
    return {app.id: app for app in ecl.app_list(tenant)}


def test_every_app_with_each_month_and_totals_in_one_ecl_call(
    client_as, tenant, emulator, november
):
    client = client_as("viewer")
    client.get(url(tenant), AUTUMN)
    emulator.reset_stats()
    response = client.get(url(tenant), AUTUMN)
    assert response.status_code == 200
    assert emulator.stats()["api_calls"] == 1 and emulator.stats()["auth_calls"] == 0
    assert month_headers(response) == ["2026-09", "2026-10", "2026-11"]
    assert sorted(row_ids(response)) == sorted(november)
    for app in november.values():
        october, now = app.usage_summary["2026/10"], app.usage_summary["2026/11"]
        # TURN + SFU (billed) by default; nothing for September, which ECL never reported.
        assert cells(response, app.id) == [
            "0",
            amount(october.turn + october.sfu),
            amount(now.turn + now.sfu),
        ]
    html = response.content.decode()
    billed = sum(
        a.usage_summary[m].turn + a.usage_summary[m].sfu
        for a in november.values()
        for m in ("2026/10", "2026/11")
    )
    footer = html.split("<tfoot>")[1]
    assert "Total, 3 apps" in footer
    # The same sum in another order can round the other way at the last shown digit.
    shown = re.search(r'<td class="numeric total">([\d,.]+)</td>', footer).group(1)
    assert abs(float(shown.replace(",", "")) - billed) <= 0.005 + 1e-9, (shown, billed)
    assert "Nothing has been recorded" not in html
    assert '<svg class="inline-bar"' in html and "style=" not in html


def _viewed(client, tenant) -> tuple[int, str]:
    """The page over AUTUMN: how many queries read the usage history, and October's TURN total
    as the chart's description says it."""
    with CaptureQueriesContext(connection) as captured:
        html = client.get(url(tenant), AUTUMN).content.decode()
    described = re.search(r'<desc id="usage-chart-desc">(.*?)</desc>', html, re.S).group(1)
    october = re.search(r"2026-10: ([\d,.]*\d)", described).group(1)  # TURN comes first
    return sum("usagerollup" in q["sql"] for q in captured), october


def test_the_history_is_aggregated_once_per_recording(client_as, tenant, november):
    client = client_as("viewer")
    assert _viewed(client, tenant)[0] == 2  # every app's rollup row, the page's apps' rows
    queries, october = _viewed(client, tenant)
    assert queries == 1  # the aggregates come from the cache
    recorded = UsageMonth.objects.filter(tenant=tenant, month=date(2026, 10, 1))
    before = sum(recorded.values_list("turn", flat=True))
    assert october == amount(before)

    recorded.filter(app_id="1000").update(turn=F("turn") + 1000)  # final: a run keeps the larger
    history.record(tenant)
    queries, october = _viewed(client, tenant)
    assert queries == 2 and october == amount(before + 1000)


def test_the_page_says_when_the_history_was_last_recorded(client_as, tenant, emulator):
    client = client_as("viewer")
    assert 'id="last-recorded"' not in client.get(url(tenant), AUTUMN).content.decode()
    history.record(tenant)
    tenant.refresh_from_db()
    html = client.get(url(tenant), AUTUMN).content.decode()
    shown = re.search(r'<p class="help" id="last-recorded">([^<]*)</p>', html).group(1)
    when = timezone.localtime(tenant.usage_recorded_at)
    assert "last recorded this tenant's usage at" in shown
    assert f"{when:%Y}" in shown and f"{when.day}" in shown


def test_the_chart_stacks_turn_and_sfu_by_month_and_says_so_in_words(client_as, tenant, november):
    html = client_as("viewer").get(url(tenant), AUTUMN).content.decode()
    svg = re.search(r'<svg xmlns[^>]*role="img".*?</svg>', html, re.S).group(0)
    assert '<title id="usage-chart-title">Usage of Acme by month, 2026-09 to 2026-11</title>' in svg
    turn = sum(a.usage_summary["2026/10"].turn for a in november.values())
    assert f"TURN (GB): 2026-09: 0, 2026-10: {amount(turn)}" in svg
    # Three bars a panel, TURN and SFU stacked in the first, and the legend's two swatches.
    assert svg.count('class="segment-turn"') == 3 + 1 and svg.count('class="segment-sfu"') == 3 + 1
    assert svg.count('class="segment-signaling"') == 3


def test_the_apps_that_cost_most_come_first_and_every_column_sorts(client_as, tenant, november):
    client = client_as("viewer")
    billed = {
        i: sum(a.usage_summary[m].turn + a.usage_summary[m].sfu for m in a.usage_summary)
        for i, a in november.items()
    }
    first = row_ids(client.get(url(tenant), AUTUMN))
    assert [billed[i] for i in first] == sorted(billed.values(), reverse=True)
    assert row_ids(client.get(url(tenant), {**AUTUMN, "o": "id"})) == sorted(november, key=int)
    by_name = row_ids(client.get(url(tenant), {**AUTUMN, "o": "-app"}))
    assert [november[i].description for i in by_name] == sorted(
        (a.description for a in november.values()), key=str.casefold, reverse=True
    )
    october = {i: a.usage_summary["2026/10"].signaling for i, a in november.items()}
    by_october = row_ids(
        client.get(url(tenant), {**AUTUMN, "metric": "signaling", "o": "m2026-10"})
    )
    assert [october[i] for i in by_october] == sorted(october.values())


def test_the_table_shows_the_measure_chosen(client_as, tenant, november):
    response = client_as("viewer").get(url(tenant), {**AUTUMN, "metric": "signaling"})
    app = november["1000"]
    assert cells(response, "1000")[1:] == [
        amount(app.usage_summary[m].signaling) for m in ("2026/10", "2026/11")
    ]
    assert "Apps by month: Signaling (connections)" in response.content.decode()


def test_by_default_the_last_12_months_this_one_included(client_as, tenant):
    response = client_as("viewer").get(url(tenant))
    this_month = timezone.localdate().replace(day=1)
    expected = [
        history.month_key(history.add_months(this_month, -back)) for back in range(11, -1, -1)
    ]
    assert month_headers(response) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13"}, "Months are written YYYY-MM"),
        ({"to": "last year"}, "Months are written YYYY-MM"),
        ({"from": "2026-06", "to": "2026-01"}, "The first month comes after the last."),
        ({"from": "2020-01", "to": "2026-01"}, "A range covers at most 60 months."),
    ],
)
def test_a_range_that_cannot_be_shown_is_a_400_saying_why(
    client_as, tenant, emulator, params, message
):
    emulator.reset_stats()
    for suffix in ("", "export.csv"):
        response = client_as("viewer").get(url(tenant, suffix), params)
        assert response.status_code == 400
        html = response.content.decode()
        assert message in html and 'name="from"' in html  # the form, to put it right
    assert emulator.stats()["api_calls"] == 0


def test_before_anything_is_recorded_the_page_says_how_to_schedule_it(client_as, tenant, emulator):
    html = client_as("viewer").get(url(tenant)).content.decode()
    assert "Nothing has been recorded for this tenant yet" in html
    assert "python manage.py record_usage" in html
    # ECL's own months are still shown.
    assert sorted(row_ids(client_as("viewer").get(url(tenant)))) == sorted(
        a.id for a in ecl.app_list(tenant)
    )


def test_the_month_under_way_is_live_from_ecl(client_as, tenant, emulator, november):
    emulator.set_config(now="2026-11-25T12:00:00+09:00")  # later in the month: more usage
    live = next(a for a in ecl.app_list(tenant) if a.id == "1000").usage_summary["2026/11"]
    # Signaling always counts (TURN and SFU only with their permissions).
    assert live.signaling > november["1000"].usage_summary["2026/11"].signaling
    response = client_as("viewer").get(url(tenant), {**AUTUMN, "metric": "signaling"})
    assert cells(response, "1000")[2] == amount(live.signaling)
    assert '2026-11<span class="live-mark"' in response.content.decode()


def test_a_deleted_app_is_listed_and_marked_deleted(client_as, tenant, november):
    ecl.app_delete_answer(tenant, "1001")
    response = client_as("viewer").get(url(tenant), AUTUMN)
    assert sorted(row_ids(response)) == sorted(november)
    html = response.content.decode()
    row = re.search(r'<tr class="deleted">(.*?)</tr>', html, re.S).group(1)
    assert "<code>1001</code>" in row and '<span class="tag-deleted">deleted</span>' in row
    assert november["1001"].description in row and "href" not in row  # no link to a gone app


def test_the_csv_has_one_row_per_app_and_month_and_no_secret(client_as, tenant, november):
    secrets = [ecl.secretkey_get(tenant, i) for i in november]
    response = client_as("viewer").get(url(tenant, "export.csv"), AUTUMN)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert (
        'filename="usage-' in response["Content-Disposition"]
        and "-2026-09-2026-11-" in response["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    # Every app in every month, September (which ECL never reported) as zeros.
    assert [(r["app_id"], r["month"]) for r in rows] == [
        (i, m) for i in sorted(november, key=int) for m in ("2026-09", "2026-10", "2026-11")
    ]
    september = [r for r in rows if r["month"] == "2026-09"]
    assert {(r["signaling"], r["turn_gb"], r["sfu_gb"], r["final"]) for r in september} == {
        ("0", "0", "0", "false")
    }
    october = next(r for r in rows if r["app_id"] == "1000" and r["month"] == "2026-10")
    counts = november["1000"].usage_summary["2026/10"]
    assert (float(october["turn_gb"]), float(october["sfu_gb"]), int(october["signaling"])) == (
        counts.turn,
        counts.sfu,
        counts.signaling,
    )
    # October has ended and November was seen: final; November is under way.
    assert october["final"] == "true" and october["deleted"] == "false"
    assert {r["final"] for r in rows if r["month"] == "2026-11"} == {"false"}
    body = response.content.decode()
    assert all(secret not in body for secret in secrets)
    assert all(a.apikey not in body for a in november.values())
    excel = client_as("viewer").get(url(tenant, "export.csv"), {**AUTUMN, "for": "excel"})
    assert excel.content.startswith("\ufeff".encode()) and excel.content.decode("utf-8-sig") == body


def test_a_description_a_spreadsheet_would_run_is_quoted_in_the_csv(client_as, tenant, emulator):
    ecl.app_create_answer(tenant, {"description": '=HYPERLINK("http://evil")'})
    rows = list(
        csv.reader(io.StringIO(client_as("viewer").get(url(tenant, "export.csv")).content.decode()))
    )
    assert any(row[1].startswith("'=HYPERLINK") for row in rows)


def test_pages_of_a_large_tenant(client_as, emulator, emulator_server, users):
    from apps_admin.models import Membership
    from tests.helpers import make_tenant

    big = make_tenant(emulator_server, emulator.create_tenant(apps=120), name="Big")
    Membership.objects.create(user=users["viewer"], tenant=big, role="viewer")
    client = client_as("viewer")
    first = client.get(url(big), {"o": "id"})
    assert len(row_ids(first)) == 50 and "1\u201350 of 120" in first.content.decode()
    last = client.get(url(big), {"o": "id", "p": "3"})
    assert row_ids(last) == [str(1000 + i) for i in range(100, 120)]
    assert "Total, 120 apps" in last.content.decode()


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


def test_month_range_reads_either_end_alone():
    from apps_admin.listing import month_range

    today = date(2026, 12, 1)
    assert month_range(None, None, today) == (date(2026, 1, 1), date(2026, 12, 1))
    assert month_range("2026-03", None, today) == (date(2026, 3, 1), date(2026, 12, 1))
    assert month_range("2025-01", None, today) == (date(2025, 1, 1), date(2025, 12, 1))
    assert month_range(None, "2026-06", today) == (date(2025, 7, 1), date(2026, 6, 1))
