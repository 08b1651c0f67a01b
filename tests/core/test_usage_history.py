"""The usage history: `record_usage` keeps what ECL reports month after month, once per (tenant,
app, month), final months never lowered, deleted apps kept; safe when two run at once."""

import io
import threading
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from apps_admin import ecl
from apps_admin.models import UsageMonth
from apps_admin.usage import history, report
from tests.helpers import make_tenant

pytestmark = pytest.mark.django_db

NOVEMBER = "2026-11-15T12:00:00+09:00"
DECEMBER = "2026-12-15T12:00:00+09:00"


def snapshot(tenant) -> list[tuple]:
    return list(
        UsageMonth.objects.filter(tenant=tenant)
        .order_by("app_id", "month")
        .values_list("app_id", "month", "signaling", "turn", "sfu", "final")
    )


@pytest.fixture
def clock(emulator):
    """Set the emulator's clock; back to the real one afterwards."""
    yield lambda now: emulator.set_config(now=now)
    emulator.set_config(now=None)


def test_recording_a_month_later_keeps_three_months_the_earliest_final(tenant, clock):
    clock(NOVEMBER)
    first = history.record(tenant)
    assert (first.apps, first.rows) == (3, 6)
    clock(DECEMBER)
    history.record(tenant)
    months = sorted(set(UsageMonth.objects.filter(tenant=tenant).values_list("month", flat=True)))
    assert months == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    final = dict(
        UsageMonth.objects.filter(tenant=tenant, app_id="1000").values_list("month", "final")
    )
    # October: no longer reported; November: ended and December seen; December: under way.
    assert final == {date(2026, 10, 1): True, date(2026, 11, 1): True, date(2026, 12, 1): False}
    # November's value is ECL's complete one.
    app = next(a for a in ecl.app_list(tenant) if a.id == "1000")
    november = UsageMonth.objects.get(tenant=tenant, app_id="1000", month=date(2026, 11, 1))
    assert november.turn == app.usage_summary["2026/11"].turn
    before = snapshot(tenant)
    again = history.record(tenant)
    assert snapshot(tenant) == before and again.unreported == 0  # a fourth run changes nothing


def test_an_app_deleted_after_recording_keeps_its_months_marked_deleted(tenant, clock):
    clock(NOVEMBER)
    history.record(tenant)
    ecl.app_delete_answer(tenant, "1001")
    history.record(tenant)
    kept = UsageMonth.objects.filter(tenant=tenant, app_id="1001")
    assert kept.count() == 2 and all(row.final for row in kept)
    shown = report.history(tenant, date(2026, 10, 1), date(2026, 11, 1), live=ecl.app_list(tenant))
    gone = {app.app_id: app.deleted for app in shown}
    assert gone == {"1000": False, "1001": True, "1002": False}


def test_a_final_month_is_never_lowered(tenant, emulator, emulator_server, clock):
    from ecl_emulator.models import Usage

    planted = emulator.plant_app(
        tenant.tenant_id,
        description="Shrinking",
        usage={
            "previous": {"signaling": 500, "turn": 5.5, "sfu": 2.0},
            "current": {"signaling": 10, "turn": 0.1, "sfu": 0},
        },
    )
    clock(NOVEMBER)
    history.record(tenant)
    october = {"tenant": tenant, "app_id": str(planted["id"]), "month": date(2026, 10, 1)}
    row = UsageMonth.objects.get(**october)
    assert row.final and (row.signaling, row.turn, row.sfu) == (500, 5.5, 2.0)
    # ECL now reports less for the finished month: the record keeps what it had.
    stored = emulator_server.state.tenants[tenant.tenant_id].apps[planted["id"]]
    stored.fixed_usage = (Usage(signaling=1, turn=0.5, sfu=0.1), Usage(signaling=20))
    stored.invalidate()
    assert ecl.app_get(tenant, str(planted["id"])).usage_summary["2026/10"].turn == 0.5
    history.record(tenant)
    row.refresh_from_db()
    assert (row.signaling, row.turn, row.sfu) == (500, 5.5, 2.0)
    # The month under way follows ECL, up or down.
    november = UsageMonth.objects.get(**{**october, "month": date(2026, 11, 1)})
    assert november.signaling == 20 and not november.final


def test_a_month_under_way_takes_ecls_newer_value(tenant, clock):
    clock("2026-11-02T12:00:00+09:00")
    history.record(tenant)
    early = UsageMonth.objects.get(tenant=tenant, app_id="1000", month=date(2026, 11, 1))
    clock("2026-11-28T12:00:00+09:00")
    history.record(tenant)
    late = UsageMonth.objects.get(tenant=tenant, app_id="1000", month=date(2026, 11, 1))
    assert late.signaling >= early.signaling and not late.final


@pytest.mark.django_db(transaction=True)
def test_two_recorders_at_once_leave_one_row_per_app_and_month(emulator_server, emulator, clock):
    tenant = make_tenant(emulator_server, emulator.create_tenant(apps=200), name="Busy")
    clock(NOVEMBER)
    errors = []

    def run() -> None:
        try:
            history.record(tenant)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert UsageMonth.objects.filter(tenant=tenant).count() == 200 * 2
    assert not UsageMonth.objects.filter(
        tenant=tenant, month=date(2026, 11, 1), final=True
    ).exists()


def test_the_command_records_every_tenant_and_goes_on_past_a_failure(
    tenant, emulator_server, emulator, clock, caplog
):
    broken = make_tenant(emulator_server, emulator.create_tenant(apps=1), name="Broken")
    emulator.set_tenant_state(broken.tenant_id, "suspended")
    clock(NOVEMBER)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("record_usage", stdout=out, stderr=err)
    assert failed.value.returncode == 1
    assert f"record_usage tenant={tenant.tenant_id} apps=3 months=6" in out.getvalue()
    assert f"{broken.tenant_id}: failed (tenant_unavailable)" in err.getvalue()
    assert UsageMonth.objects.filter(tenant=tenant).count() == 6
    one = io.StringIO()
    call_command("record_usage", "--tenant", tenant.tenant_id, stdout=one)
    assert one.getvalue().count("record_usage tenant=") == 1
    with pytest.raises(CommandError, match="No tenant"):
        call_command("record_usage", "--tenant", "0" * 32)
