"""The usage rollup (usage/rollup.py): one row per app kept by `record_usage` in the transactions
that write the history, a few hundred apps per transaction; the usage API streamed from it says
what reading every recorded month said; a command makes it again from the history."""

import io
from datetime import UTC, date, datetime

import msgspec
import pytest
from django.core.management import call_command

from apps_admin import ecl, listing
from apps_admin.models import UsageMonth, UsageRollup
from apps_admin.usage import history, report, rollup
from apps_admin.usage.history import month_key, months_between
from tests.helpers import content_of, token_client

pytestmark = pytest.mark.django_db

OCTOBER = "2026-10-15T12:00:00+09:00"
NOVEMBER = "2026-11-15T12:00:00+09:00"
DECEMBER = "2026-12-15T12:00:00+09:00"


@pytest.fixture
def clock(emulator):
    yield lambda now: emulator.set_config(now=now)
    emulator.set_config(now=None)


def rollups(tenant) -> dict[str, tuple[str, dict]]:
    return {
        row.app_id: (row.sort_key, msgspec.json.decode(row.months))
        for row in UsageRollup.objects.filter(tenant=tenant)
    }


def as_rebuilt(tenant) -> dict[str, tuple[str, dict]]:
    """The rollup made again from the history alone."""
    rollup.rebuild_tenant(tenant)
    return rollups(tenant)


def reference(tenant, first: date, last: date) -> bytes:
    """The usage API's answer as it was made before the rollup: every recorded month of the
    range read from UsageMonth (report.history), merged with ECL's list, encoded at once."""
    apps = report.history(tenant, first, last, live=ecl.app_list(tenant, expand=True))
    keys = {month: month_key(month) for month in months_between(first, last)}
    encode = msgspec.json.Encoder().encode
    head = encode({"tenant_id": tenant.tenant_id, "months": list(keys.values())})
    parts = [
        encode(
            {
                "id": app.app_id,
                "description": app.description,
                "deleted": app.deleted,
                "usage": {
                    keys[month]: {"signaling": usage[0], "turn": usage[1], "sfu": usage[2]}
                    for month, usage in sorted(app.months.items())
                },
            }
        )
        for app in apps
    ]
    return head[:-1] + b',"apps":[' + b",".join(parts) + b"]}"


def plant(tenant, app_id: str, month: date, description: str, **values) -> None:
    UsageMonth.objects.create(
        tenant=tenant,
        app_id=app_id,
        month=month,
        description=description,
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        **{"final": True, **values},
    )


@pytest.fixture
def recorded(tenant, clock, emulator):
    """Three months recorded for the tenant's apps, an app with odd values among them, one app
    deleted since, and months planted by hand for apps with ids of text and long gone."""
    odd = emulator.plant_app(
        tenant.tenant_id,
        description="odd values",
        usage={
            "previous": {"signaling": 2**53, "turn": 0.1 + 0.2, "sfu": 1e-300},
            "current": {"signaling": 0, "turn": 12345.678901234567, "sfu": 0.5},
        },
    )
    for now in (OCTOBER, NOVEMBER, DECEMBER):
        clock(now)
        if now == DECEMBER:
            ecl.app_delete_answer(tenant, "1001")
        history.record(tenant)
    plant(tenant, "text-id", date(2026, 9, 1), "before", signaling=3, turn=1.5)
    plant(tenant, "text-id", date(2026, 10, 1), "", signaling=4, turn=2.5)
    plant(tenant, "Zebra", date(2026, 11, 1), "last", sfu=7.25)
    plant(tenant, "gone-long-ago", date(2025, 1, 1), "ancient", signaling=1)
    rollup.rebuild_tenant(tenant)
    return str(odd["id"])


RANGES = [
    ("2026-10", "2026-12"),
    ("2026-01", "2026-12"),
    ("2026-11", "2026-11"),
    ("2025-01", "2025-12"),
    ("2030-01", "2030-12"),
]


@pytest.mark.parametrize(("first", "last"), RANGES)
def test_the_streamed_answer_is_what_reading_every_month_answered(
    recorded, tenant, users, clock, first, last
):
    clock(DECEMBER)  # ECL's live months: November and December
    answer = token_client(users["viewer"], "read").get(
        f"/api/tenants/{tenant.tenant_id}/usage", {"from": first, "to": last}
    )
    assert answer.status_code == 200 and answer.streaming
    assert answer["Content-Type"] == "application/json"
    expected = reference(tenant, listing.parse_month(first), listing.parse_month(last))
    assert content_of(answer) == expected


def test_the_reference_covers_deleted_apps_live_months_and_odd_values(recorded, tenant, clock):
    clock(DECEMBER)
    body = msgspec.json.decode(reference(tenant, date(2026, 1, 1), date(2026, 12, 1)))
    apps = {app["id"]: app for app in body["apps"]}
    assert apps["1001"]["deleted"] is True and apps["1000"]["deleted"] is False
    assert apps["text-id"]["description"] == "before"  # the latest month's, if it has one
    assert apps[recorded]["usage"]["2026-11"]["signaling"] == 2**53
    assert apps[recorded]["usage"]["2026-12"]["turn"] == 12345.678901234567  # live
    assert "gone-long-ago" not in apps
    assert list(apps)[-2:] == ["Zebra", "text-id"]  # text ids after numbers, by code point


def test_every_run_leaves_the_rollup_as_the_history_makes_it(recorded, tenant, clock):
    clock(DECEMBER)
    history.record(tenant)
    kept = rollups(tenant)
    assert set(kept) >= {"1000", "1001", "1002", recorded, "text-id", "Zebra"}
    assert kept == as_rebuilt(tenant)
    assert kept["1001"][1]["2026-11"][3] is True  # deleted: its months are final


def test_a_recording_writes_a_few_apps_per_transaction_each_with_its_rollup(
    tenant, emulator, clock, monkeypatch
):
    """A transaction that fails loses its own apps' months and rollup rows, and nothing
    written before it: the history and the rollup always agree."""
    for number in range(5):
        emulator.plant_app(tenant.tenant_id, description=f"extra {number}")
    monkeypatch.setattr(history, "WRITE_APPS", 3)
    rebuild, batches = rollup.rebuild, []

    def second_fails(tenant, app_ids):
        batches.append(sorted(app_ids))
        if len(batches) == 2:
            raise RuntimeError("the database went away")
        return rebuild(tenant, app_ids)

    monkeypatch.setattr(rollup, "rebuild", second_fails)
    clock(NOVEMBER)
    with pytest.raises(RuntimeError):
        history.record(tenant)
    written = set(UsageMonth.objects.filter(tenant=tenant).values_list("app_id", flat=True))
    assert len(batches) == 2 and all(len(batch) == 3 for batch in batches)
    assert written == set(batches[0])  # the second batch's months went with its rollup rows
    monkeypatch.setattr(rollup, "rebuild", rebuild)
    assert rollups(tenant) == as_rebuilt(tenant)
    assert set(rollups(tenant)) == set(batches[0])


def test_the_command_makes_the_rollup_again_from_the_history(recorded, tenant):
    UsageRollup.objects.filter(tenant=tenant, app_id="1000").delete()
    UsageRollup.objects.filter(tenant=tenant, app_id="1002").update(months="{}")
    UsageRollup.objects.create(tenant=tenant, app_id="nothing", sort_key="1nothing", months="{}")
    out = io.StringIO()
    call_command("rebuild_usage_rollup", "--tenant", tenant.tenant_id, stdout=out)
    assert f"tenant={tenant.tenant_id}" in out.getvalue()
    kept = rollups(tenant)
    assert "nothing" not in kept and kept["1002"][1] and "1000" in kept
    assert kept == as_rebuilt(tenant)


@pytest.mark.parametrize(
    ("ids", "in_order"),
    [
        (["10", "9", "1000", "2"], ["2", "9", "10", "1000"]),
        (["b", "A", "10", "a", "é"], ["10", "A", "a", "b", "é"]),
        (["²", "3", "0"], ["0", "3", "²"]),
    ],
)
def test_the_sort_key_orders_ids_as_the_portal_does(ids, in_order):
    from apps_admin.ecl.types import id_order

    assert sorted(ids, key=rollup.sort_key) == sorted(ids, key=id_order) == in_order


@pytest.mark.slow  # migrates the test database back and forth
@pytest.mark.django_db(transaction=True)
def test_the_migration_makes_the_rollup_of_what_was_recorded_before():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    adding = next(k for k in graph.nodes if k[0] == "apps_admin" and k[1].endswith("usage_rollup"))
    [before] = [p.key for p in graph.node_map[adding].parents if p.key[0] == "apps_admin"]
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([before])
        old = executor.loader.project_state([before]).apps
        tenant = old.get_model("apps_admin", "Tenant").objects.create(
            name="Old", tenant_id="c" * 32, api_key="k", api_secret_encrypted="x"
        )
        month = old.get_model("apps_admin", "UsageMonth")
        recorded_at = datetime(2026, 1, 1, tzinfo=UTC)
        for app_id, number, description in [("2", 1, "b"), ("2", 2, ""), ("10", 1, "a")]:
            month.objects.create(
                tenant=tenant,
                app_id=app_id,
                month=date(2026, number, 1),
                description=description,
                signaling=number,
                turn=0.5,
                sfu=0.25,
                final=number == 1,
                recorded_at=recorded_at,
            )
        executor = MigrationExecutor(connection)
        executor.migrate([adding])
        made = executor.loader.project_state([adding]).apps.get_model("apps_admin", "UsageRollup")
        rows = {
            row.app_id: (row.sort_key, msgspec.json.decode(row.months))
            for row in made.objects.all()
        }
        assert rows == {
            "2": (
                rollup.sort_key("2"),
                {"2026-01": [1, 0.5, 0.25, True, "b"], "2026-02": [2, 0.5, 0.25, False, ""]},
            ),
            "10": (rollup.sort_key("10"), {"2026-01": [1, 0.5, 0.25, True, "a"]}),
        }
    finally:
        MigrationExecutor(connection).migrate(latest)


USAGE_QUERIES = [
    {},
    {"from": "2026-09", "to": "2026-12"},
    {"from": "2026-09", "to": "2026-12", "o": "id"},
    {"from": "2026-09", "to": "2026-12", "o": "-app", "metric": "signaling"},
    {"from": "2026-09", "to": "2026-12", "o": "-m2026-11", "metric": "turn"},
    {"from": "2026-09", "to": "2026-12", "o": "m2026-09", "metric": "sfu"},
    {"from": "2026-10", "to": "2026-11", "n": "25", "p": "1"},
]


@pytest.mark.parametrize(
    "query", USAGE_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items())
)
def test_the_usage_page_shows_what_it_shows_from_the_whole_list(
    recorded, tenant, client_as, clock, monkeypatch, query
):
    """The page reads ECL's list in part (ecl/partial.py): the same page as from every app read
    whole by the tolerant reader."""
    import re

    from apps_admin.ecl import partial

    clock(DECEMBER)
    client = client_as("viewer")

    def page() -> str:
        response = client.get(f"/tenants/{tenant.tenant_id}/usage/", query)
        assert response.status_code == 200
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())

    fast = page()
    monkeypatch.setattr(partial, "read", lambda body, fields, **kwargs: None)
    assert fast == page()
    assert "Zebra" in fast  # a deleted app with a text id, on every page of these
