"""The circuit breaker per tenant: it opens after the set count of timeouts or server errors in a
row, answers at once while open with nothing sent, tests ECL again with one probe call after the
cooldown and closes on its success; shared through the cache by every process."""

import json
import logging
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from apps_admin import ecl
from apps_admin.ecl import breaker
from tests.helpers import ROOT, login, token_client

pytestmark = pytest.mark.django_db

BREAKER = {"ECL_BREAKER_FAILURES": 3, "ECL_BREAKER_WINDOW": 60, "ECL_BREAKER_COOLDOWN": 30}
JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


class Clock:
    """The breaker's clock, moved on by the test instead of waiting out a cooldown."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(breaker, "time", fake)
    return fake


def fail_lists(emulator, tenant, status: int = 500, count: int = 100) -> None:
    rule = {"method": "GET", "path": f"^/tenants/{tenant.tenant_id}/apps$", "count": count}
    emulator.set_faults(rules=[{**rule, "status": status}])


def sent(emulator, tenant) -> list[dict]:
    """The requests of the tenant's apps API that reached the emulator (no token requests)."""
    return [e for e in emulator.requests() if e["path"].startswith(f"/tenants/{tenant.tenant_id}")]


def open_it(tenant, emulator) -> datetime:
    """Three server errors in a row; the moment before the first."""
    ecl.app_list(tenant)  # the token is cached: only apps calls from here on
    emulator.clear_requests()
    fail_lists(emulator, tenant)
    before = datetime.now(UTC).replace(microsecond=0)
    for _ in range(3):
        with pytest.raises(ecl.UpstreamUnavailable) as failed:
            ecl.app_list(tenant)
        assert not isinstance(failed.value, ecl.CircuitOpen)
    return before


@override_settings(**BREAKER)
def test_it_opens_after_the_set_count_and_sends_nothing_while_open(tenant, emulator, clock, caplog):
    caplog.set_level(logging.INFO, logger="apps_admin.ecl")
    before = open_it(tenant, emulator)
    assert len(sent(emulator, tenant)) == 3
    for _ in range(5):
        with pytest.raises(ecl.CircuitOpen) as refused:
            ecl.app_list(tenant)
    assert len(sent(emulator, tenant)) == 3  # none of the five was sent
    error = refused.value
    assert (error.status, error.code) == (503, "ecl_unavailable")
    assert 29 <= error.retry_after <= 30
    assert before <= error.since <= datetime.now(UTC)
    since = error.since.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert str(error.message).startswith(
        f"ECL has been failing for this tenant since {since}: it did not answer in time or "
        "answered with server errors. Until it answers again the portal sends it nothing, so "
        "nothing was sent to ECL and nothing was changed. Try again after "
    )
    opened = [r.getMessage() for r in caplog.records if "circuit opened" in r.getMessage()]
    assert opened == [
        f"ECL circuit opened tenant={tenant.tenant_id} failures=3 "
        f"failing_since={error.since.isoformat(timespec='seconds')} cooldown=30s"
    ]
    assert breaker.state(tenant.tenant_id).state == "open"


@override_settings(**BREAKER)
def test_after_the_cooldown_one_probe_at_a_time_and_its_success_closes_it(
    tenant, emulator, clock, caplog
):
    caplog.set_level(logging.INFO, logger="apps_admin.ecl")
    open_it(tenant, emulator)
    clock.offset = 31
    assert breaker.state(tenant.tenant_id).state == "half-open"
    emulator.clear_requests()
    # ECL answers again, slowly enough that the probe is still under way when others come.
    emulator.set_faults(
        rules=[{"method": "GET", "path": "/apps$", "action": "hold", "hold_ms": 1000, "count": 1}]
    )
    probe = []
    thread = threading.Thread(target=lambda: probe.append(len(ecl.app_list(tenant))))
    thread.start()
    deadline = time.monotonic() + 10
    probe_key = breaker._keys(tenant.tenant_id)[3]
    while cache.get(probe_key) is None and time.monotonic() < deadline:  # the probe took it
        time.sleep(0.01)
    for _ in range(3):
        with pytest.raises(ecl.CircuitOpen) as refused:
            ecl.app_list(tenant)
    assert refused.value.retry_after == breaker.PROBE_WAIT
    thread.join()
    assert probe == [3]
    assert len(sent(emulator, tenant)) == 1  # the probe alone
    assert breaker.state(tenant.tenant_id).state == "closed"
    assert len(ecl.app_list(tenant)) == 3
    assert len(sent(emulator, tenant)) == 2
    closed = [r.getMessage() for r in caplog.records if "circuit closed" in r.getMessage()]
    assert len(closed) == 1 and closed[0].startswith(
        f"ECL circuit closed tenant={tenant.tenant_id} failing_since="
    )


@override_settings(**BREAKER)
def test_a_failed_probe_opens_it_for_another_cooldown_since_the_same_moment(
    tenant, emulator, clock, caplog
):
    caplog.set_level(logging.INFO, logger="apps_admin.ecl")
    open_it(tenant, emulator)
    with pytest.raises(ecl.CircuitOpen) as first:
        ecl.app_list(tenant)
    clock.offset = 31
    emulator.clear_requests()
    with pytest.raises(ecl.UpstreamUnavailable) as probed:
        ecl.app_list(tenant)  # the probe: sent, and failed
    assert not isinstance(probed.value, ecl.CircuitOpen)
    with pytest.raises(ecl.CircuitOpen) as again:
        ecl.app_list(tenant)
    assert len(sent(emulator, tenant)) == 1
    assert again.value.since == first.value.since
    assert 29 <= again.value.retry_after <= 30
    assert len([r for r in caplog.records if "circuit opened" in r.getMessage()]) == 1
    assert not [r for r in caplog.records if "circuit closed" in r.getMessage()]


@override_settings(**BREAKER)
def test_ecl_refusing_with_a_4xx_is_ecl_answering_not_failing(tenant, emulator, app_id):
    emulator.clear_requests()
    emulator.set_faults(
        rules=[
            {"method": "GET", "path": "/apps/[^/]+$", "status": 404, "count": 5},
            {"method": "PUT", "path": "/apps/[^/]+$", "status": 409, "count": 5},
        ]
    )
    for _ in range(5):
        with pytest.raises(ecl.AppNotFound):
            ecl.app_get(tenant, app_id)
    for _ in range(5):
        with pytest.raises(ecl.BadUpstreamResponse):
            ecl.app_update_answer(tenant, app_id, {"description": "x"})
    assert len(sent(emulator, tenant)) == 10  # every one was sent
    assert breaker.state(tenant.tenant_id).state == "closed"


@override_settings(**BREAKER)
def test_an_answer_between_failures_starts_the_count_again(tenant, emulator):
    ecl.app_list(tenant)
    for _ in range(2):
        fail_lists(emulator, tenant, count=2)
        for _ in range(2):
            with pytest.raises(ecl.UpstreamUnavailable):
                ecl.app_list(tenant)
        assert len(ecl.app_list(tenant)) == 3  # ECL answered: none in a row any more
    assert breaker.state(tenant.tenant_id) == breaker.State("closed")


@override_settings(**BREAKER, ECL_CALL_BUDGET=1.0)
def test_a_timeout_and_a_write_whose_outcome_is_unknown_count_as_failures(tenant, emulator, app_id):
    emulator.set_faults(
        rules=[
            {"method": "GET", "path": "/apps$", "action": "hang", "count": 1},
            {"method": "PUT", "path": "/apps/[^/]+$", "status": 502, "count": 1},
            {"method": "DELETE", "path": "/apps/[^/]+$", "action": "reset", "count": 1},
        ]
    )
    with pytest.raises(ecl.UpstreamTimeout):
        ecl.app_list(tenant)
    with pytest.raises(ecl.OutcomeUnknown):
        ecl.app_update_answer(tenant, app_id, {"description": "x"})
    assert breaker.state(tenant.tenant_id).failures == 2
    with pytest.raises(ecl.OutcomeUnknown):
        ecl.app_delete_answer(tenant, app_id)
    assert breaker.state(tenant.tenant_id).state == "open"


@override_settings(**BREAKER)
def test_the_page_says_since_when_in_english_and_japanese_with_retry_after(
    client, users, tenant, emulator, clock
):
    before = open_it(tenant, emulator)
    login(client, users["viewer"])
    page = client.get(f"/tenants/{tenant.tenant_id}/apps/")
    japanese = client.get(f"/tenants/{tenant.tenant_id}/apps/", **JA)
    since = breaker.state(tenant.tenant_id).since
    assert since >= before
    stamp = since.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert page.status_code == japanese.status_code == 503
    assert 29 <= int(page["Retry-After"]) <= 30
    text = page.content.decode()
    assert "ECL is failing for this tenant" in text
    assert f"ECL has been failing for this tenant since {stamp}" in text
    assert "nothing was sent to ECL and nothing was changed" in text
    ja = japanese.content.decode()
    assert "このテナントの ECL で障害が続いています" in ja
    assert f"このテナントの ECL は {stamp} から失敗しています" in ja
    assert "ECL には何も送られず、何も変更されていません" in ja
    assert len(sent(emulator, tenant)) == 3


@override_settings(**BREAKER)
def test_the_api_answers_503_with_retry_after_and_a_write_is_not_sent(
    users, tenant, emulator, clock
):
    open_it(tenant, emulator)
    api = token_client(users["editor"])
    listed = api.get(f"/api/tenants/{tenant.tenant_id}/apps")
    created = api.post(
        f"/api/tenants/{tenant.tenant_id}/apps", {"description": "new"}, format="json", **JA
    )
    assert (listed.status_code, listed.json()["code"]) == (503, "ecl_unavailable")
    assert 29 <= int(listed["Retry-After"]) <= 30
    assert listed.json()["detail"].startswith("ECL has been failing for this tenant since ")
    assert (created.status_code, created.json()["code"]) == (503, "ecl_unavailable")
    assert "ECL には何も送られず、何も変更されていません" in created.json()["detail"]
    assert len(sent(emulator, tenant)) == 3  # the three failures, nothing since


@override_settings(**BREAKER)
def test_superusers_see_the_state_on_the_tenants_admin_page(client, users, tenant, emulator):
    login(client, users["superuser"])
    url = f"/admin/apps_admin/tenant/{tenant.pk}/change/"
    assert "Closed: calls go to ECL." in client.get(url).content.decode()
    open_it(tenant, emulator)
    page = client.get(url).content.decode()
    since = breaker.state(tenant.tenant_id).since.strftime("%Y-%m-%d %H:%M:%S UTC")
    assert "ECL circuit breaker" in page
    assert (
        f"Open: ECL has been failing for this tenant since {since} (3 timeouts or server "
        "errors in a row). Calls fail at once, without being sent, until "
    ) in page


@override_settings(**BREAKER)
def test_healthz_detail_shows_breakers_to_staff_only(client, users, tenant, emulator):
    open_it(tenant, emulator)
    plain = {"status": "ok", "database": "ok", "cache": "ok"}
    assert client.get("/healthz?detail").json() == plain  # anonymous
    login(client, users["viewer"])
    assert client.get("/healthz?detail").json() == plain  # not staff
    assert token_client(users["viewer"]).get("/healthz?detail").json() == plain
    root = users["superuser"]
    by_token = token_client(root).get("/healthz?detail").json()
    login(client, root)
    by_session = client.get("/healthz?detail").json()
    assert by_session == by_token
    [found] = [t for t in by_session["ecl"] if t["tenant_id"] == tenant.tenant_id]
    state = breaker.state(tenant.tenant_id)
    assert found == {
        "tenant_id": tenant.tenant_id,
        "name": tenant.name,
        "state": "open",
        "failures": 3,
        "failing_since": state.since.isoformat(),
        "retry_at": state.retry_at.isoformat(),
        "running_here": 0,
    }
    assert client.get("/healthz").json() == plain  # without ?detail, the plain answer


CHILD = """
import json, sys
import django
django.setup()
from apps_admin import ecl
from apps_admin.models import Tenant

config = json.loads(sys.argv[1])
tenant = Tenant(name="t", tenant_id=config["tenant_id"], identity_url=config["identity_url"],
                api_url=config["api_url"], api_key=config["api_key"])
tenant.set_api_secret(config["api_secret"])
codes = []
for _ in range(config["calls"]):
    try:
        ecl.app_list(tenant)
        codes.append("ok")
    except ecl.ECLError as error:
        codes.append(type(error).__name__)
print(json.dumps(codes), flush=True)
"""


def shared_cache() -> bool:
    return settings.CACHES["default"]["BACKEND"] != (
        "django.core.cache.backends.locmem.LocMemCache"
    )


def in_another_process(emulator_server, ecl_tenant, calls: int) -> list[str]:
    config = {
        **ecl_tenant,
        "identity_url": emulator_server.identity_url,
        "api_url": emulator_server.api_url,
        "calls": calls,
    }
    environment = {
        **os.environ,  # the same CACHE_URL and, under xdist, the same worker's key prefix
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        **{name: str(value) for name, value in BREAKER.items()},
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(config)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow  # starts a second Django process
@override_settings(**BREAKER)
def test_a_breaker_opened_in_another_process_holds_here_when_the_cache_is_shared(
    emulator_server, ecl_tenant, tenant, emulator
):
    """With Redis, one process's failures open the breaker for every process; with local memory
    (one cache per process) each process has a breaker of its own."""
    fail_lists(emulator, tenant)
    assert in_another_process(emulator_server, ecl_tenant, 4) == [
        "UpstreamUnavailable",
        "UpstreamUnavailable",
        "UpstreamUnavailable",
        "CircuitOpen",
    ]
    assert len(sent(emulator, tenant)) == 3
    if shared_cache():
        with pytest.raises(ecl.CircuitOpen):
            ecl.app_list(tenant)
        assert len(sent(emulator, tenant)) == 3  # nothing sent from here either
        assert breaker.state(tenant.tenant_id).state == "open"
    else:
        with pytest.raises(ecl.UpstreamUnavailable) as failed:
            ecl.app_list(tenant)
        assert not isinstance(failed.value, ecl.CircuitOpen)
        assert len(sent(emulator, tenant)) == 4  # this process's breaker is its own
        assert breaker.state(tenant.tenant_id) == breaker.State(
            "closed", failures=1, since=breaker.state(tenant.tenant_id).since
        )


def test_healthz_detail_needs_a_live_token_and_a_whole_sign_in(client, users, tenant):
    from apps_admin.accounts import api_tokens

    plain = {"status": "ok", "database": "ok", "cache": "ok"}
    root = users["superuser"]
    token, text = api_tokens.issue(root, name="health", scope="read")
    assert "ecl" in client.get("/healthz?detail", HTTP_AUTHORIZATION=f"Token {text}").json()
    api_tokens.revoke(token)
    assert client.get("/healthz?detail", HTTP_AUTHORIZATION=f"Token {text}").json() == plain
    assert client.get("/healthz?detail", HTTP_AUTHORIZATION="Token nonsense").json() == plain
    client.force_login(root)  # a password given, the second factor not yet
    assert client.get("/healthz?detail").json() == plain


@override_settings(**BREAKER)
def test_with_redis_unreachable_the_breaker_works_in_each_process(tenant, emulator):
    from bench.stack import free_port

    dead = {
        "default": {
            "BACKEND": "portal.redis_cache.ReusedClientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    with override_settings(CACHES=dead):
        before = open_it(tenant, emulator)  # its calls answered from this process's memory
        with pytest.raises(ecl.CircuitOpen) as refused:
            ecl.app_list(tenant)
        assert refused.value.since >= before
        assert breaker.state(tenant.tenant_id).state == "open"
    assert len(sent(emulator, tenant)) == 3
