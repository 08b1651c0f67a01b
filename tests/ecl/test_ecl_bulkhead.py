"""The bulkhead: at most ECL_TENANT_CONCURRENCY ECL operations of one tenant at once in a worker;
one more waits ECL_TENANT_WAIT at most for a place, then is answered "busy", with nothing sent,
while other tenants go on."""

import contextlib
import threading
import time
import types

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.ecl import bulkhead
from tests.helpers import login, make_tenant, token_client

pytestmark = pytest.mark.django_db

JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


def list_requests(emulator, tenant) -> list[dict]:
    return [
        e
        for e in emulator.requests()
        if e["method"] == "GET" and e["path"] == f"/tenants/{tenant.tenant_id}/apps"
    ]


@contextlib.contextmanager
def slots_taken(tenant, count: int):
    """`count` of the tenant's operations under way in this process (as if ECL were slow)."""
    with contextlib.ExitStack() as stack:
        for _ in range(count):
            stack.enter_context(bulkhead.slot(tenant.tenant_id))
        yield


@override_settings(ECL_TENANT_CONCURRENCY=2)
def test_a_third_call_while_two_are_slow_is_refused_at_once_and_not_sent(
    tenant, emulator, emulator_server
):
    other = make_tenant(emulator_server, emulator.create_tenant(apps=1), name="Other")
    ecl.app_list(tenant)  # its token is cached
    emulator.clear_requests()
    emulator.set_faults(
        rules=[
            {
                "method": "GET",
                "path": f"^/tenants/{tenant.tenant_id}/apps$",
                "action": "hold",
                "hold_ms": 1500,
                "count": 2,
            }
        ]
    )
    answers = []
    slow = [
        threading.Thread(target=lambda: answers.append(len(ecl.app_list(tenant)))) for _ in range(2)
    ]
    for thread in slow:
        thread.start()
    deadline = time.monotonic() + 10
    while bulkhead.running(tenant.tenant_id) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(ecl.TenantBusy) as refused:
        ecl.app_list(tenant)
    assert len(ecl.app_list(other)) == 1  # another tenant is not held back
    for thread in slow:
        thread.join()
    assert answers == [3, 3]
    error = refused.value
    assert (error.status, error.code, error.retry_after) == (503, "ecl_busy", 60)
    assert str(error.message) == (
        "ECL is answering slowly for this tenant; 2 requests are waiting for it. Nothing was "
        "sent to ECL and nothing was changed; try again in a minute."
    )
    assert len(list_requests(emulator, tenant)) == 2  # the third was never sent
    assert bulkhead.running(tenant.tenant_id) == 0  # every place was given back
    assert len(ecl.app_list(tenant)) == 3  # and the next call goes out


@override_settings(ECL_TENANT_CONCURRENCY=2, ECL_TENANT_WAIT=5.0)
def test_a_burst_waits_for_a_place_given_back_within_the_wait(tenant, emulator):
    """A healthy tenant's burst: the third call waits, gets the place of one that ended, and is
    sent; it is not refused."""
    ecl.app_list(tenant)
    emulator.clear_requests()
    taken = threading.Event()
    give_back = threading.Event()

    def two_operations_under_way():
        with slots_taken(tenant, 2):
            taken.set()
            give_back.wait(10)

    holder = threading.Thread(target=two_operations_under_way)
    holder.start()
    taken.wait(10)
    threading.Timer(0.2, give_back.set).start()
    assert len(ecl.app_list(tenant)) == 3  # waited for the place, then sent
    holder.join()
    assert len(list_requests(emulator, tenant)) == 1
    assert bulkhead.running(tenant.tenant_id) == 0


@override_settings(ECL_TENANT_CONCURRENCY=1, ECL_TENANT_WAIT=0.2)
def test_past_the_wait_the_call_is_refused_and_not_sent(tenant, emulator):
    ecl.app_list(tenant)
    emulator.clear_requests()
    with slots_taken(tenant, 1), pytest.raises(ecl.TenantBusy):
        ecl.app_list(tenant)
    assert list_requests(emulator, tenant) == []


@override_settings(ECL_TENANT_CONCURRENCY=1, ECL_TENANT_WAIT=0.2)
def test_a_tenant_whose_operations_stopped_moving_is_refused_without_waiting(
    tenant, emulator, monkeypatch
):
    """Nothing of the tenant has started or ended for longer than the wait: its ECL holds every
    place, so one more is refused at once and does not hold a thread that /healthz needs."""
    ecl.app_list(tenant)
    waits = []
    monkeypatch.setattr(bulkhead._places, "wait", lambda seconds=None: waits.append(seconds))
    with slots_taken(tenant, 1):
        # A second later by the bulkhead's clock: longer than ECL_TENANT_WAIT with nothing moving.
        later = types.SimpleNamespace(monotonic=lambda: time.monotonic() + 1.0)
        monkeypatch.setattr(bulkhead, "time", later)
        with pytest.raises(ecl.TenantBusy):
            ecl.app_list(tenant)
    assert waits == []


@override_settings(ECL_TENANT_CONCURRENCY=2)
def test_a_failing_call_gives_its_place_back(tenant, emulator):
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 404, "count": 3}])
    for _ in range(3):
        with pytest.raises(ecl.ECLError):
            ecl.app_list(tenant)
    assert bulkhead.running(tenant.tenant_id) == 0


@override_settings(ECL_TENANT_CONCURRENCY=0)
def test_zero_turns_the_bulkhead_off(tenant, emulator):
    with slots_taken(tenant, 10):
        assert len(ecl.app_list(tenant)) == 3


@override_settings(ECL_TENANT_CONCURRENCY=2)
def test_the_busy_page_says_so_in_english_with_retry_after(client, users, tenant, emulator):
    login(client, users["viewer"])
    emulator.clear_requests()
    with slots_taken(tenant, 2):
        page = client.get(f"/tenants/{tenant.tenant_id}/apps/")
    assert page.status_code == 503
    assert page["Retry-After"] == "60"
    text = page.content.decode()
    assert "ECL is answering slowly for this tenant" in text
    assert (
        "ECL is answering slowly for this tenant; 2 requests are waiting for it. Nothing was "
        "sent to ECL and nothing was changed; try again in a minute."
    ) in text
    assert emulator.requests() == []


@override_settings(ECL_TENANT_CONCURRENCY=1)
def test_the_busy_page_in_japanese(client, users, tenant, emulator):
    login(client, users["viewer"])
    with slots_taken(tenant, 1):
        page = client.get(f"/tenants/{tenant.tenant_id}/apps/", **JA)
    assert page.status_code == 503
    assert page["Retry-After"] == "60"
    text = page.content.decode()
    assert "このテナントの ECL の応答が遅くなっています" in text
    assert (
        "このテナントの ECL の応答が遅くなっており、1 件のリクエストが ECL の応答を待っています。"
        "ECL には何も送られず、何も変更されていません。1 分ほどしてから再試行してください。"
    ) in text


@override_settings(ECL_TENANT_CONCURRENCY=2)
def test_the_api_answers_503_ecl_busy_with_retry_after(users, tenant, emulator):
    api = token_client(users["editor"])
    emulator.clear_requests()
    with slots_taken(tenant, 2):
        listed = api.get(f"/api/tenants/{tenant.tenant_id}/apps")
        japanese = api.get(f"/api/tenants/{tenant.tenant_id}/apps", **JA)
        created = api.post(
            f"/api/tenants/{tenant.tenant_id}/apps", {"description": "new"}, format="json"
        )
    assert (listed.status_code, listed.json()["code"]) == (503, "ecl_busy")
    assert listed["Retry-After"] == "60"
    assert listed.json()["detail"] == (
        "ECL is answering slowly for this tenant; 2 requests are waiting for it. Nothing was "
        "sent to ECL and nothing was changed; try again in a minute."
    )
    assert japanese.json()["detail"].startswith("このテナントの ECL の応答が遅くなっており、2 件")
    # A write refused by the bulkhead was not sent: "nothing was changed" is the truth.
    assert (created.status_code, created.json()["code"]) == (503, "ecl_busy")
    assert "nothing was changed" in created.json()["detail"]
    assert emulator.requests() == []
