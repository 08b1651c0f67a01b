"""With ECL hung, trickling or oversized, gunicorn never kills a worker for timeout and a worker
stays small: the upstream time budget and the size cap hold.

Runs the portal as `make serve` does (gunicorn, 30-second worker timeout, default ECL timeouts)
against an emulator that never answers, answers a byte a second, or answers 100 MB.
"""

import concurrent.futures
import os
import time

import pytest
import requests

from bench import stack
from ecl_emulator.testing import issue_token

# slow: starts gunicorn and a portal of its own, and waits out hung upstreams
# One process runs every test of the group, one after another (`make test` uses --dist loadgroup):
# each portal they start collects its static files into the project's staticfiles/.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("served_portal")]

PASSWORD = "budget-test-password-1"


def run_cache() -> str:
    """The test run's own cache for the portal: its Redis database (the portal keeps its keys
    under a prefix of its own) or, without Redis, local memory (one worker: shared by its
    threads). Never a fixed Redis database, which another run on the machine may be emptying."""
    url = os.environ.get("CACHE_URL", "")
    return url if url.startswith(("redis://", "rediss://")) else "locmemcache://budget"


def register(site, emulator_server, tenant: dict, name: str) -> None:
    site.manage(
        "tenant_add",
        "--name",
        name,
        "--tenant-id",
        tenant["tenant_id"],
        "--identity-url",
        emulator_server.identity_url,
        "--api-url",
        emulator_server.api_url,
        "--api-key",
        tenant["api_key"],
        extra_env={"ECL_API_SECRET": tenant["api_secret"]},
    )


def superuser_token(site) -> str:
    site.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_superuser('root', '', '{PASSWORD}')",
    )
    # `secrets`: one test renews a secret key. The token is alone on the last line.
    command = ["api_token", "root", "--name", "budget", "--scope", "secrets"]
    return site.manage(*command).splitlines()[-1]


@pytest.fixture
def served(emulator_server, emulator, tmp_path):
    tenant = emulator.create_tenant(apps=2)
    with stack.portal(tmp_path, workers=1, threads=4, cache_url=run_cache()) as site:
        register(site, emulator_server, tenant, "Hung")
        yield site, tenant, superuser_token(site)


def api_get(site, token: str, path: str) -> requests.Response:
    headers = {"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"}
    return requests.get(f"{site.base_url}{path}", headers=headers, timeout=60)


def test_a_hung_upstream_gets_a_designed_answer_before_the_worker_timeout(
    served, emulator, emulator_server
):
    site, tenant, token = served
    keystone = issue_token(
        emulator_server.identity_url, tenant["tenant_id"], tenant["api_key"], tenant["api_secret"]
    )
    app_id = requests.get(
        f"{emulator_server.api_url}/tenants/{tenant['tenant_id']}/apps",
        headers={"X-Auth-Token": keystone},
        timeout=10,
    ).json()[0]["id"]
    emulator.set_faults(
        rules=[
            # The key read before the renewal is answered; then everything hangs: the renewal
            # itself and the read that would settle it.
            {"method": "GET", "path": "/secretkey$", "action": "hold", "hold_ms": 1},
            {"method": "*", "path": "^/tenants/", "count": 100, "action": "hang"},
        ]
    )
    workers_before = site.worker_pids()
    api = requests.Session()
    api.headers.update({"Authorization": f"Token {token}", "X-Forwarded-Proto": "https"})
    base = f"{site.base_url}/api/tenants/{tenant['tenant_id']}/apps"
    started = time.monotonic()
    read = api.get(f"{base}/{app_id}", timeout=60)
    renew = api.post(f"{base}/{app_id}/secretkey", timeout=60)
    elapsed = time.monotonic() - started
    print(f"hung read and renew answered in {elapsed:.1f} s")
    assert (read.status_code, read.json()["code"]) == (504, "ecl_timeout")
    assert (renew.status_code, renew.json()["code"]) == (502, "outcome_unknown")
    assert elapsed < 2 * 30
    # The same worker answered both: it was never killed and replaced.
    assert site.worker_pids() == workers_before
    assert site.process.poll() is None
    calls = emulator.stats()["calls"]
    assert calls["POST /tenants/{tenant_id}/apps/{app_id}/secretkey"] == 1


@pytest.fixture
def served_two(emulator_server, emulator, tmp_path):
    """One worker with eight threads (so that its cache is shared even without Redis), a tenant
    whose token is cached and one whose token is not."""
    warm, cold = emulator.create_tenant(apps=2), emulator.create_tenant(apps=2)
    # Four of one tenant's operations at once (its waiters for one token fetch), with room left.
    concurrency = {"ECL_TENANT_CONCURRENCY": "4"}
    with stack.portal(
        tmp_path, workers=1, threads=8, cache_url=run_cache(), settings=concurrency
    ) as site:
        register(site, emulator_server, warm, "Warm")
        register(site, emulator_server, cold, "Cold")
        yield site, warm, cold, superuser_token(site)


def test_trickling_answers_end_at_the_budget_while_healthz_answers(served_two, emulator):
    site, warm, cold, token = served_two
    warm_list, cold_list = (f"/api/tenants/{t['tenant_id']}/apps" for t in (warm, cold))
    assert api_get(site, token, warm_list).status_code == 200  # its token is cached now
    emulator.reset_stats()
    trickle = {"action": "trickle", "interval_ms": 1000, "count": 100}
    emulator.set_faults(
        rules=[
            {"method": "GET", "path": f"^/tenants/{warm['tenant_id']}/apps$", **trickle},
            {"method": "POST", "path": "^/v3/auth/tokens$", **trickle},
        ]
    )
    workers_before = site.worker_pids()
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        started = time.monotonic()
        waiting = [pool.submit(api_get, site, token, warm_list) for _ in range(2)]
        waiting += [pool.submit(api_get, site, token, cold_list) for _ in range(4)]
        health = []
        while concurrent.futures.wait(waiting, timeout=1).not_done and len(health) < 40:
            health.append(requests.get(f"{site.base_url}/healthz", timeout=5).status_code)
        answers = [future.result() for future in waiting]
        elapsed = time.monotonic() - started
    print(f"six trickling requests answered in {elapsed:.1f} s; healthz answered {health}")
    # Each answer would take minutes to arrive whole: a 504 is the budget at work.
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(504, "ecl_timeout")] * 6
    assert health and set(health) == {200}
    # One token request for the cold tenant, however many requests waited for it.
    assert emulator.stats()["auth_calls"] == 1
    assert site.worker_pids() == workers_before and site.process.poll() is None


def test_an_oversized_answer_leaves_the_worker_small(served, emulator):
    site, tenant, token = served
    path = f"/api/tenants/{tenant['tenant_id']}/apps"
    assert api_get(site, token, path).status_code == 200
    [worker] = site.worker_pids()
    before = stack.peak_rss_mb(worker)
    rule = {"method": "GET", "path": "/apps$", "action": "oversized", "size_bytes": 100_000_000}
    emulator.set_faults(rules=[{**rule, "count": 3}])
    answers = [api_get(site, token, path) for _ in range(3)]
    after = stack.peak_rss_mb(worker)
    print(f"worker peak RSS {before:.1f} MB before three 100 MB answers, {after:.1f} MB after")
    assert [(a.status_code, a.json()["code"]) for a in answers] == [
        (502, "ecl_response_too_large")
    ] * 3
    assert after - before < 10
