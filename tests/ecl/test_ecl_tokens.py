"""Keystone tokens: cached in Django's cache, renewed before expiry, fetched once under load."""

import json
import os
import socket
import subprocess
import sys
import threading

import pytest
from django.core.cache import cache
from django.test import override_settings

from apps_admin import ecl
from apps_admin.ecl import tokens
from tests.helpers import ROOT, make_tenant

pytestmark = pytest.mark.django_db

# The run's own Redis database when it has one (another run on the machine may be emptying
# any other), else CI's.
_RUN_CACHE = os.environ.get("CACHE_URL", "")
REDIS_URL = _RUN_CACHE if _RUN_CACHE.startswith("redis://") else "redis://127.0.0.1:6379/1"


def redis_available() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


def test_a_cached_token_serves_every_call_until_it_is_due(tenant, emulator):
    for _ in range(5):
        ecl.app_list(tenant)
    assert emulator.stats()["auth_calls"] == 1


def test_the_token_is_stored_in_djangos_cache_under_a_key_per_credential(tenant, emulator_server):
    ecl.app_list(tenant)
    entry = cache.get(tokens.cache_key(tenant))
    assert isinstance(entry, tokens.Token)
    other = make_tenant(
        emulator_server,
        {"tenant_id": tenant.tenant_id, "api_key": "other-key", "api_secret": "s"},
        save=False,
    )
    assert tokens.cache_key(other) != tokens.cache_key(tenant)
    assert tenant.api_key not in tokens.cache_key(tenant)


def test_a_token_with_less_than_the_margin_left_is_renewed(tenant, emulator):
    emulator.set_config(token_ttl=100)  # under the 120-second margin: never reused
    ecl.app_list(tenant)
    ecl.app_list(tenant)
    assert emulator.stats()["auth_calls"] == 2


@override_settings(ECL_TOKEN_MARGIN=30)
def test_the_margin_is_a_setting(tenant, emulator):
    emulator.set_config(token_ttl=100)
    ecl.app_list(tenant)
    ecl.app_list(tenant)
    assert emulator.stats()["auth_calls"] == 1


# The threads stand for the workers of many processes: no bulkhead between them.
@override_settings(ECL_TENANT_CONCURRENCY=0)
def test_concurrent_threads_on_a_cold_cache_make_one_token_request(tenant, emulator):
    emulator.set_faults(latency_ms=100)  # keep the first fetch in flight while the others arrive
    barrier = threading.Barrier(16)
    failures = []

    def worker():
        barrier.wait()
        try:
            ecl.app_list(tenant, expand=False)
        except Exception as error:  # collected and asserted below
            failures.append(error)

    threads = [threading.Thread(target=worker) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    stats = emulator.stats()
    assert stats["auth_calls"] == 1
    assert stats["api_calls"] == 16


# The threads stand for the workers of many processes: no bulkhead between them.
@override_settings(ECL_TENANT_CONCURRENCY=0)
def test_waiters_share_a_failed_fetch_instead_of_each_retrying(tenant, emulator):
    emulator.set_faults(
        latency_ms=100,
        rules=[{"method": "POST", "path": "/v3/auth/tokens", "count": 100, "status": 401}],
    )
    barrier = threading.Barrier(8)
    outcomes = []

    def worker():
        barrier.wait()
        try:
            ecl.app_list(tenant)
        except ecl.ECLError as error:
            outcomes.append(type(error))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [ecl.CredentialsRejected] * 8
    assert emulator.stats()["auth_calls"] == 1


CHILD = """
import json, os, sys, threading, time
import django
django.setup()
from apps_admin import ecl
from apps_admin.models import Tenant

config = json.loads(sys.argv[1])
tenant = Tenant(name="t", tenant_id=config["tenant_id"], identity_url=config["identity_url"],
                api_url=config["api_url"], api_key=config["api_key"])
tenant.set_api_secret(config["api_secret"])
barrier = threading.Barrier(config["threads"])
errors = []

def worker():
    barrier.wait()
    try:
        ecl.app_list(tenant, expand=False)
    except Exception as error:
        errors.append(repr(error))

print("ready", flush=True)
while not os.path.exists(config["go"]):
    time.sleep(0.01)
threads = [threading.Thread(target=worker) for _ in range(config["threads"])]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(errors), flush=True)
"""


@pytest.mark.slow  # starts four processes
@pytest.mark.skipif(
    not redis_available() and not os.environ.get("CI"),
    reason="no Redis on 127.0.0.1:6379 (required in CI)",
)
def test_processes_sharing_redis_on_a_cold_cache_make_one_token_request(
    emulator_server, ecl_tenant, emulator, tmp_path
):
    emulator.set_faults(latency_ms=100)
    go = tmp_path / "go"
    config = {
        **ecl_tenant,
        "identity_url": emulator_server.identity_url,
        "api_url": emulator_server.api_url,
        "threads": 4,
        "go": str(go),
    }
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "CACHE_URL": REDIS_URL,
        # Four threads stand for four workers each: no bulkhead between them.
        "ECL_TENANT_CONCURRENCY": "0",
    }
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, json.dumps(config)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    try:
        for child in children:
            assert child.stdout.readline().strip() == "ready"
        go.touch()
        results = [json.loads(child.communicate(timeout=60)[0]) for child in children]
    finally:
        for child in children:
            child.kill() if child.poll() is None else None
    assert results == [[]] * 4
    stats = emulator.stats()
    assert stats["auth_calls"] == 1
    assert stats["api_calls"] == 16
