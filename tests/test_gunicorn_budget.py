"""With ECL hung, gunicorn never kills a worker for timeout: the upstream time budget holds.

Runs the portal as `make serve` does (gunicorn, 30-second worker timeout, default ECL timeouts)
against an emulator that never answers the apps API.
"""

import time

import pytest
import requests

from bench import stack
from ecl_emulator.testing import issue_token

PASSWORD = "budget-test-password-1"


@pytest.fixture
def served(emulator_server, emulator, tmp_path):
    tenant = emulator.create_tenant(apps=2)
    # Redis database 3: not the benchmark's (2), which a benchmark may be using meanwhile.
    with stack.portal(tmp_path, workers=1, threads=4, redis_db=3) as site:
        site.manage(
            "tenant_add",
            "--name",
            "Hung",
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
        site.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_superuser('root', '', '{PASSWORD}')",
        )
        token = site.manage("drf_create_token", "root").split()[2]
        yield site, tenant, token


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
        rules=[{"method": "*", "path": "^/tenants/", "count": 100, "action": "hang"}]
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
