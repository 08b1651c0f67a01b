"""A 429, or a 503 with Retry-After, is "busy": not carried out, never sent again before its
Retry-After nor past the budget, and said with when to try again."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from django.test import override_settings

from apps_admin import ecl

pytestmark = pytest.mark.django_db

LIST = "GET /tenants/{tenant_id}/apps"


def busy(emulator, method: str, path: str, status: int, retry_after: str, count: int = 5):
    emulator.set_faults(
        rules=[
            {
                "method": method,
                "path": path,
                "status": status,
                "headers": {"Retry-After": retry_after},
                "count": count,
            }
        ]
    )


def list_requests(emulator) -> list[dict]:
    return [e for e in emulator.requests() if e["method"] == "GET" and e["path"].endswith("/apps")]


@pytest.mark.slow  # waits out a Retry-After of one second
@pytest.mark.parametrize("status", [429, 503])
def test_a_read_is_sent_again_only_after_a_short_retry_after(tenant, emulator, status):
    ecl.app_list(tenant)
    emulator.clear_requests()
    busy(emulator, "GET", r"/apps$", status, "1", count=1)
    assert len(ecl.app_list(tenant)) == 3
    first, second = list_requests(emulator)
    assert second["received_at"] - first["received_at"] >= 1.0  # never before its Retry-After


@pytest.mark.parametrize("status", [429, 503])
def test_a_long_retry_after_is_not_waited_out_in_the_worker(tenant, emulator, status):
    ecl.app_list(tenant)
    emulator.clear_requests()
    busy(emulator, "GET", r"/apps$", status, "30")
    with pytest.raises(ecl.UpstreamBusy) as raised:
        ecl.app_list(tenant)
    assert raised.value.retry_after == 30
    assert "try again in 30 seconds" in str(raised.value)
    assert len(list_requests(emulator)) == 1


@override_settings(ECL_CALL_BUDGET=2.5)
def test_a_retry_after_past_the_budget_is_not_waited_out(tenant, emulator):
    ecl.app_list(tenant)
    emulator.clear_requests()
    busy(emulator, "GET", r"/apps$", 503, "2")
    with pytest.raises(ecl.UpstreamBusy):
        ecl.app_list(tenant)
    assert len(list_requests(emulator)) == 1


def test_a_retry_after_given_as_a_date_is_understood(tenant, emulator):
    ecl.app_list(tenant)
    when = format_datetime(datetime.now(UTC) + timedelta(minutes=5), usegmt=True)
    busy(emulator, "GET", r"/apps$", 429, when)
    with pytest.raises(ecl.UpstreamBusy) as raised:
        ecl.app_list(tenant)
    assert 280 <= raised.value.retry_after <= 300
    assert "try again in 5 minutes" in str(raised.value)


@pytest.mark.parametrize(
    ("method", "path", "call"),
    [
        ("POST", r"/apps$", lambda t, a: ecl.app_create_answer(t, {"description": "busy"})),
        ("PUT", r"/apps/\d+$", lambda t, a: ecl.app_update_answer(t, a, {"description": "busy"})),
        ("DELETE", r"/apps/\d+$", lambda t, a: ecl.app_delete_answer(t, a)),
        ("POST", r"/secretkey$", lambda t, a: ecl.secretkey_renew(t, a)),
    ],
)
def test_a_busy_write_is_never_sent_again(tenant, emulator, app_id, method, path, call):
    emulator.clear_requests()
    busy(emulator, method, path, 429, "1")
    with pytest.raises(ecl.UpstreamBusy):
        call(tenant, app_id)
    sent = [e for e in emulator.requests() if e["method"] == method]
    assert [e["carried_out"] for e in sent] == [False]
