"""The emulator's clock (`now` of `PATCH /_emulator/config`) and usage that grows with it."""

import itertools
from datetime import datetime, timedelta, timezone

import pytest
import requests

from ecl_emulator.seed import DEMO_API_KEY, DEMO_API_SECRET, DEMO_APP_COUNT, DEMO_TENANT_ID
from ecl_emulator.testing import TenantSession, issue_token, start_emulator

JST = timezone(timedelta(hours=9))
METRICS = ("signaling", "turn", "sfu")
# Fixed tenant ids: usage is a deterministic function of (tenant, app, month), so the values
# these tests compare are the same on every run.
SEEDED_ID = "c1" * 16
PLAIN_ID = "c2" * 16


def patch_config(emulator, body) -> requests.Response:
    return requests.patch(f"{emulator.base_url}/_emulator/config", json=body, timeout=30)


def usage_at(emulator, session, now) -> dict[int, dict]:
    """Each app's `usage_summary` in an expanded list with the clock set to `now`."""
    emulator.set_config(now=now)
    response = session.call("GET", "?expandApps")
    assert response.status_code == 200
    return {app["id"]: app["usage_summary"] for app in response.json()}


def month_of(summaries, month) -> dict[int, dict]:
    return {app_id: summary[month] for app_id, summary in summaries.items()}


@pytest.fixture
def seeded(emulator) -> TenantSession:
    return TenantSession.create(emulator, tenant_id=SEEDED_ID, apps=30)


@pytest.fixture
def plain(emulator) -> TenantSession:
    return TenantSession.create(emulator, tenant_id=PLAIN_ID)


# --- setting the clock ------------------------------------------------------------------------


def test_now_is_set_shown_and_cleared(emulator):
    assert "now" not in emulator.config()

    shown = emulator.set_config(now="2026-12-15T10:00:00+09:00")
    assert shown == {"token_ttl": 3600, "now": "2026-12-15T10:00:00+09:00"}
    assert emulator.config() == shown
    assert emulator.config(show_all=True)["now"] == "2026-12-15T10:00:00+09:00"

    assert "now" not in emulator.set_config(now=None)
    assert emulator.config() == {"token_ttl": 3600}


def test_now_is_shown_in_japan_time_to_the_second(emulator):
    assert emulator.set_config(now="2027-01-02T15:30:00.75Z")["now"] == "2027-01-03T00:30:00+09:00"
    aware = datetime(2026, 6, 1, 12, 0, tzinfo=timezone(timedelta(hours=-5)))
    assert emulator.set_config(now=aware)["now"] == "2026-06-02T02:00:00+09:00"


def test_other_settings_leave_the_clock_alone(emulator):
    emulator.set_config(now="2026-12-15T10:00:00+09:00")
    assert emulator.set_config(token_ttl=60)["now"] == "2026-12-15T10:00:00+09:00"


@pytest.mark.parametrize(
    "now",
    [
        "2026-12-15T10:00:00",  # no offset
        "2026-12-15",
        "yesterday",
        "",
        1765760400,
        True,
        {"at": "2026-12-15T10:00:00+09:00"},
        "1969-12-31T00:00:00+00:00",
        "9999-06-01T00:00:00+09:00",
    ],
)
def test_a_bad_now_is_a_400_with_a_message_and_changes_nothing(emulator, now):
    emulator.set_config(now="2026-12-15T10:00:00+09:00")
    response = patch_config(emulator, {"now": now, "error_format": "flat"})
    assert response.status_code == 400
    assert "offset" in response.json()["error"]["message"]
    assert emulator.config() == {"token_ttl": 3600, "now": "2026-12-15T10:00:00+09:00"}


def test_reset_returns_to_the_real_clock(emulator, plain):
    emulator.set_config(now="2030-05-05T05:05:05+09:00")
    emulator.reset()
    assert "now" not in emulator.config()

    fresh = TenantSession.create(emulator)
    before = datetime.now(JST).replace(microsecond=0)
    app = fresh.call("POST").json()
    after = datetime.now(JST)
    assert before <= datetime.fromisoformat(app["created_at"]) <= after
    assert tuple(app["usage_summary"])[1] in {before.strftime("%Y/%m"), after.strftime("%Y/%m")}


def test_tokens_keep_to_the_real_clock(emulator, plain):
    for now in ("2035-01-01T00:00:00+09:00", "2001-01-01T00:00:00+09:00"):
        emulator.set_config(now=now)
        assert plain.call("GET").status_code == 200
    emulator.set_config(now="2035-01-01T00:00:00+09:00")
    late = issue_token(plain.identity_url, plain.tenant_id, plain.api_key, plain.api_secret)
    emulator.set_config(now=None)
    assert plain.call("GET", token=late).status_code == 200


# --- what the clock moves ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "months"),
    [
        ("2026-12-15T12:00:00+09:00", ["2026/11", "2026/12"]),
        ("2027-01-03T12:00:00+09:00", ["2026/12", "2027/01"]),
        # Japan time decides: 2026-12-31T16:00Z is already 2027-01-01 in Tokyo.
        ("2026-12-31T16:00:00Z", ["2026/12", "2027/01"]),
        ("2026-03-01T00:00:00+09:00", ["2026/02", "2026/03"]),
    ],
)
def test_usage_months_follow_now_across_a_year_boundary(emulator, seeded, now, months):
    emulator.set_config(now=now)
    apps = seeded.call("GET", "?expandApps").json()
    assert all(list(app["usage_summary"]) == months for app in apps)
    assert list(seeded.call("GET", "/1000").json()["usage_summary"]) == months
    assert list(seeded.call("PUT", "/1001", json={}).json()["usage_summary"]) == months


def test_apps_created_and_updated_while_now_is_set_carry_that_time(emulator, plain):
    emulator.set_config(now="2026-06-10T09:15:00+09:00")
    app = plain.call("POST", json={"description": "clocked"}).json()
    assert app["created_at"] == app["updated_at"] == "2026-06-10T09:15:00+09:00"

    emulator.set_config(now="2026-07-01T00:00:00Z")
    updated = plain.call("PUT", f"/{app['id']}", json={"description": "later"}).json()
    assert updated["created_at"] == "2026-06-10T09:15:00+09:00"
    assert updated["updated_at"] == "2026-07-01T09:00:00+09:00"
    # The clock is fixed: a second PUT at the same now still moves updated_at, by a second.
    again = plain.call("PUT", f"/{app['id']}", json={"description": "again"}).json()
    assert again["updated_at"] == "2026-07-01T09:00:01+09:00"


def test_the_same_now_gives_the_same_answer(emulator, seeded):
    first = usage_at(emulator, seeded, "2026-12-15T12:00:00+09:00")
    usage_at(emulator, seeded, "2027-04-20T12:00:00+09:00")
    assert usage_at(emulator, seeded, "2026-12-15T12:00:00+09:00") == first


# --- usage that grows -------------------------------------------------------------------------


def test_a_month_only_grows_while_it_runs_and_is_fixed_once_over(emulator, seeded):
    nows = [
        "2026-12-01T05:00:00+09:00",
        "2026-12-05T12:00:00+09:00",
        "2026-12-05T12:40:00+09:00",
        "2026-12-20T08:00:00+09:00",
        "2026-12-31T23:30:00+09:00",
        "2027-01-01T00:00:00+09:00",
        "2027-01-03T12:00:00+09:00",
        "2027-01-31T23:59:59+09:00",
    ]
    seen = [month_of(usage_at(emulator, seeded, now), "2026/12") for now in nows]
    for earlier, later in itertools.pairwise(seen):
        for app_id, counts in later.items():
            assert all(counts[m] >= earlier[app_id][m] for m in METRICS), app_id
    totals = [sum(counts["signaling"] for counts in month.values()) for month in seen]
    assert totals[0] < totals[1] < totals[3] < totals[4] < totals[5]
    assert seen[5] == seen[6] == seen[7]  # December is over: it no longer changes


def test_usage_is_counted_by_the_hour(emulator, seeded):
    on_the_hour = usage_at(emulator, seeded, "2026-12-05T12:00:00+09:00")
    assert usage_at(emulator, seeded, "2026-12-05T12:59:59+09:00") == on_the_hour


def test_usage_grows_from_month_to_month_with_differing_values(emulator, seeded):
    november = month_of(usage_at(emulator, seeded, "2026-12-10T12:00:00+09:00"), "2026/11")
    december = month_of(usage_at(emulator, seeded, "2027-01-10T12:00:00+09:00"), "2026/12")
    active = [app_id for app_id, counts in november.items() if counts["signaling"] > 100]
    assert len(active) >= 10
    assert all(november[app_id] != december[app_id] for app_id in active)
    # A year later the same apps, older and grown, use more in all.
    later = month_of(usage_at(emulator, seeded, "2028-01-10T12:00:00+09:00"), "2027/12")
    assert sum(later[i]["signaling"] for i in active) > sum(
        december[i]["signaling"] for i in active
    )


def test_usage_values_are_a_count_and_gigabytes(emulator, seeded):
    summaries = usage_at(emulator, seeded, "2026-12-15T12:00:00+09:00")
    months = [counts for summary in summaries.values() for counts in summary.values()]
    assert all(type(counts["signaling"]) is int and counts["signaling"] >= 0 for counts in months)
    for counts in months:
        for metric in ("turn", "sfu"):
            assert isinstance(counts[metric], int | float) and counts[metric] >= 0
            assert round(counts[metric], 3) == counts[metric]
    assert any(isinstance(counts["turn"], float) for counts in months)


def test_seeded_apps_use_turn_and_sfu_only_with_their_permissions(emulator, seeded):
    emulator.set_config(now="2026-12-15T12:00:00+09:00")
    apps = seeded.call("GET", "?expandApps").json()
    for app in apps:
        for counts in app["usage_summary"].values():
            if "TURN" not in app["permissions"]:
                assert counts["turn"] == 0
            if "SFU" not in app["permissions"]:
                assert counts["sfu"] == 0
    assert any(counts["turn"] > 0 for app in apps for counts in app["usage_summary"].values())


def test_an_app_without_turn_reports_no_turn_and_none_before_its_creation(emulator, plain):
    emulator.set_config(now="2026-06-01T10:00:00+09:00")
    app_id = plain.call("POST", json={"permissions": ["SFU"]}).json()["id"]

    months = usage_at(emulator, plain, "2026-08-10T12:00:00+09:00")[app_id]
    assert list(months) == ["2026/07", "2026/08"]
    assert all(counts["turn"] == 0 for counts in months.values())
    assert all(counts["signaling"] > 0 and counts["sfu"] > 0 for counts in months.values())
    before = usage_at(emulator, plain, "2026-06-20T12:00:00+09:00")[app_id]["2026/05"]
    assert before == {"signaling": 0, "turn": 0, "sfu": 0}


def test_a_new_app_has_no_usage_until_an_hour_has_passed(emulator, plain):
    emulator.set_config(now="2026-09-10T10:20:00+09:00")
    app = plain.call("POST", json={"permissions": ["TURN", "SFU"]}).json()
    assert all(
        counts == {"signaling": 0, "turn": 0, "sfu": 0} for counts in app["usage_summary"].values()
    )
    later = usage_at(emulator, plain, "2026-09-20T10:00:00+09:00")[app["id"]]["2026/09"]
    assert all(later[metric] > 0 for metric in METRICS)


def test_a_permission_removed_keeps_what_was_counted_and_stops_counting(emulator, plain):
    emulator.set_config(now="2026-05-20T10:00:00+09:00")
    app_id = plain.call("POST", json={"permissions": ["TURN"]}).json()["id"]
    emulator.set_config(now="2026-07-15T00:00:00+09:00")
    at_change = plain.call("PUT", f"/{app_id}", json={"permissions": []}).json()["usage_summary"]
    assert at_change["2026/07"]["turn"] > 0

    july_end = usage_at(emulator, plain, "2026-07-31T23:00:00+09:00")[app_id]["2026/07"]
    assert july_end["turn"] == at_change["2026/07"]["turn"]  # nothing since the change
    assert july_end["signaling"] > at_change["2026/07"]["signaling"]  # signaling goes on
    august = usage_at(emulator, plain, "2026-08-20T12:00:00+09:00")[app_id]
    assert august["2026/07"]["turn"] == july_end["turn"]
    assert august["2026/07"]["signaling"] >= july_end["signaling"]  # the month's last hour
    assert august["2026/08"]["turn"] == 0 and august["2026/08"]["signaling"] > 0


def test_a_suspended_app_uses_little(emulator, plain):
    emulator.set_config(now="2026-03-01T00:00:00+09:00")
    app_id = plain.call("POST", json={"permissions": ["TURN", "SFU"]}).json()["id"]
    emulator.set_config(now="2026-04-11T00:00:00+09:00")
    active = plain.call("PUT", f"/{app_id}", json={"status": "suspended"}).json()
    ten_days_active = active["usage_summary"]["2026/04"]

    after = usage_at(emulator, plain, "2026-04-21T00:00:00+09:00")[app_id]["2026/04"]
    for metric in METRICS:  # ten more days, suspended: a little more, far less than before
        gained = after[metric] - ten_days_active[metric]
        assert 0 <= gained <= 0.1 * ten_days_active[metric]
    assert after["signaling"] > ten_days_active["signaling"]


def test_planted_usage_is_shown_whatever_the_clock(emulator, plain):
    fixed = {
        "previous": {"signaling": 12, "turn": 1.5, "sfu": 0},
        "current": {"signaling": 3, "turn": 0.25, "sfu": 7},
    }
    emulator.set_config(now="2026-12-15T12:00:00+09:00")
    planted = emulator.plant_app(plain.tenant_id, usage=fixed)
    assert planted["usage_summary"] == {"2026/11": fixed["previous"], "2026/12": fixed["current"]}
    moved = usage_at(emulator, plain, "2027-01-03T12:00:00+09:00")[planted["id"]]
    assert moved == {"2026/12": fixed["previous"], "2027/01": fixed["current"]}


@pytest.mark.parametrize(
    "usage",
    [
        [],
        {"next": {}},
        {"current": {"signaling": 1.5}},
        {"current": {"turn": -1}},
        {"current": {"turn": "1"}},
        {"previous": {"bytes": 1}},
    ],
)
def test_bad_planted_usage_is_a_400(emulator, plain, usage):
    response = requests.post(
        f"{emulator.base_url}/_emulator/tenants/{plain.tenant_id}/apps",
        json={"usage": usage},
        timeout=30,
    )
    assert response.status_code == 400
    assert response.json()["error"]["message"]


# --- the demo tenant --------------------------------------------------------------------------


@pytest.mark.slow  # starts an emulator of its own
def test_the_demo_tenant_has_a_year_and_a_half_of_apps():
    with start_emulator(demo=True) as server:
        token = issue_token(server.identity_url, DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET)
        demo = TenantSession(
            server.api_url,
            server.identity_url,
            DEMO_TENANT_ID,
            DEMO_API_KEY,
            DEMO_API_SECRET,
            token,
        )
        apps = demo.call("GET", "?expandApps").json()
        assert len(apps) == DEMO_APP_COUNT == 120
        created = [datetime.fromisoformat(app["created_at"]) for app in apps]
        assert created == sorted(created)
        now = datetime.now(JST)
        assert timedelta(days=480) < now - created[0] and now - created[-1] < timedelta(days=60)

        # A year ago fewer apps were in use, and they used less in all.
        server.control.set_config(now=now - timedelta(days=365))
        year_ago = demo.call("GET", "?expandApps").json()
        server.control.set_config(now=None)
        old_month = next(iter(year_ago[0]["usage_summary"]))
        last_month = next(iter(apps[0]["usage_summary"]))
        in_use_then = [app for app in year_ago if app["usage_summary"][old_month]["signaling"]]
        in_use_now = [app for app in apps if app["usage_summary"][last_month]["signaling"]]
        assert 0 < len(in_use_then) < len(in_use_now)
        total_then = sum(app["usage_summary"][old_month]["signaling"] for app in year_ago)
        total_now = sum(app["usage_summary"][last_month]["signaling"] for app in apps)
        assert total_then < total_now
