"""Redis stopped mid-run: the portal keeps serving with the cache bypassed (each process's own
memory), says so once a minute, keeps its sign-in locks in the database, refuses writes that
need the shared lock, and goes back to Redis when it returns, without a restart.

Each test starts a redis-server of its own on a free port (never the machine's shared one) and
points the portal's cache (portal/redis_cache.py) at it, so these run alike on SQLite + the
local-memory cache and on PostgreSQL + Redis.
"""

import logging
import threading
import time

import pytest
import redis
from django.db.models import QuerySet
from django.test import override_settings
from django.utils import timezone

from apps_admin import ecl, shared_cache
from apps_admin.ecl import tokens
from apps_admin.ecl.transport import Deadline
from apps_admin.models import ApiToken, AuditEvent, UsernameFailures
from portal import redis_cache
from tests.helpers import PASSWORD, login, own_redis_server, token_client, token_for

# slow: starts and stops a redis-server of its own
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REDIS_PASSWORD = "redis-pass-never-logged"
LOCK_WORDS = "The change was not sent to ECL"
LOCK_WORDS_JA = "変更は ECL に送信されていません"
NOTHING_CHANGED = "Nothing was changed"
LOCKED_OUT = "Too many failed attempts"


@pytest.fixture
def redis_server(monkeypatch):
    """Our own redis-server, the portal's cache pointed at it; tries Redis again every 0.2 s
    while it is down (3 s in production) so that recovery shows within the test."""
    monkeypatch.setattr(redis_cache, "RETRY_INTERVAL", 0.2)
    with own_redis_server(REDIS_PASSWORD) as server:
        caches = {
            "default": {
                "BACKEND": "portal.redis_cache.ReusedClientRedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "outage-test",
            }
        }
        with override_settings(CACHES=caches):
            yield server


class CacheClock:
    """The cache's clock (portal.redis_cache reads only `time.monotonic`), moved on by a test
    instead of slept through."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def monotonic(self) -> float:
        return time.monotonic() + self.ahead

    def retry_interval_passes(self) -> None:
        self.ahead += redis_cache.RETRY_INTERVAL


@pytest.fixture
def cache_clock(monkeypatch):
    clock = CacheClock()
    monkeypatch.setattr(redis_cache, "time", clock)
    return clock


def keys_in(server) -> list[bytes]:
    return redis.Redis.from_url(server.url).keys("outage-test:*")


def cache_warnings(records) -> list[logging.LogRecord]:
    """Every WARNING or worse but django-axes' own line for each failed sign-in."""
    return [r for r in records if r.levelno >= logging.WARNING and not r.name.startswith("axes")]


def writes_sent(emulator) -> list[str]:
    """The writes that reached the apps API (a token request is no write)."""
    return [
        e["method"]
        for e in emulator.requests()
        if e["method"] in ("PUT", "POST", "DELETE") and e["path"] != "/v3/auth/tokens"
    ]


def token_requests(emulator) -> int:
    return sum(1 for e in emulator.requests() if e["path"] == "/v3/auth/tokens")


def log_in(client, username, password=PASSWORD, *, forwarded="192.0.2.1"):
    return client.post(
        "/login/",
        {"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded},
    )


def test_pages_the_api_and_sign_in_keep_working_and_one_warning_says_why(
    client, users, tenant, app_id, emulator, redis_server, caplog
):
    page = login(client, users["viewer"])
    api = token_client(users["viewer"])
    apps_page = f"/tenants/{tenant.tenant_id}/apps/"
    apps_api = f"/api/tenants/{tenant.tenant_id}/apps"
    assert page.get(apps_page).status_code == 200  # warm: token and identity in Redis
    assert keys_in(redis_server)

    redis_server.stop()
    emulator.clear_requests()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        shown = page.get(apps_page)
        listed = api.get(apps_api)
        signed_in = log_in(client.__class__(), "eddie")
        refused = log_in(client.__class__(), "eddie", "wrong password")
        health = client.get("/healthz")
        again = page.get(apps_page)

    assert shown.status_code == 200 and app_id in shown.content.decode()
    assert listed.status_code == 200
    assert app_id in [str(app["id"]) for app in listed.json()]
    assert signed_in.status_code == 302 and signed_in["Location"] == "/"
    assert refused.status_code == 200
    assert "Please enter a correct username and password" in refused.content.decode()
    assert health.status_code == 200
    assert health.json() == {"status": "degraded", "database": "ok", "cache": "degraded"}
    assert again.status_code == 200 and app_id in again.content.decode()
    # Keystone tokens per process meanwhile: one request for the token, then it is reused.
    assert token_requests(emulator) == 1
    warnings = cache_warnings(caplog.records)
    assert [(r.name, r.levelname) for r in warnings] == [("portal.redis_cache", "WARNING")]
    line = warnings[0].getMessage()
    assert "Redis is not answering" in line and "its own memory" in line
    assert REDIS_PASSWORD not in line and REDIS_PASSWORD not in caplog.text


def test_strict_health_is_503_while_redis_is_down_and_both_recover_without_restart(
    client, redis_server, cache_clock
):
    redis_server.stop()
    assert client.get("/healthz").json()["cache"] == "degraded"
    strict = client.get("/healthz?strict")
    assert strict.status_code == 503
    assert strict.json() == {"status": "unavailable", "database": "ok", "cache": "down"}

    redis_server.start()
    cache_clock.retry_interval_passes()
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert client.get("/healthz?strict").status_code == 200


def test_the_cache_goes_back_to_redis_when_it_returns(redis_server, cache_clock):
    from django.core.cache import cache

    redis_server.stop()
    cache.set("during", "local")
    assert cache.get("during") == "local"  # this process's own memory
    assert not shared_cache.reachable()

    redis_server.start()
    assert keys_in(redis_server) == []  # a new, empty Redis
    cache_clock.retry_interval_passes()
    cache.set("after", "shared")
    assert keys_in(redis_server) == [b"outage-test:1:after"]
    assert cache.get("during") is None  # read from Redis again, not from local memory
    assert shared_cache.reachable()


def test_keystone_tokens_are_fetched_once_per_process_while_redis_is_down(
    tenant, emulator, redis_server
):
    redis_server.stop()
    emulator.clear_requests()
    got: list[str] = []

    def fetch() -> None:
        got.append(tokens.token_for(tenant, Deadline(10)))

    threads = [threading.Thread(target=fetch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(got) == 8 and len(set(got)) == 1
    assert token_requests(emulator) == 1


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURES_PER_USERNAME=3)
def test_the_sign_in_lock_survives_a_redis_restart(client, users, redis_server, cache_clock):
    for number in range(3):
        response = log_in(client, "vera", "wrong", forwarded=f"203.0.113.{number}")
        assert response.status_code == 200
    assert LOCKED_OUT in log_in(client, "vera", forwarded="198.51.100.7").content.decode()

    redis_server.stop()
    redis_server.start()  # empty: everything Redis held is gone
    cache_clock.retry_interval_passes()
    response = log_in(client, "vera", forwarded="198.51.100.8")
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()
    # Kept in the database: three failures and the two refused sign-ins (Django counts them).
    assert UsernameFailures.objects.get().count == 5
    assert log_in(client, "eddie", forwarded="198.51.100.8").status_code == 302


@override_settings(TRUSTED_PROXY_COUNT=1, LOGIN_FAILURES_PER_USERNAME=3)
def test_failed_sign_ins_are_counted_while_redis_is_down(client, users, redis_server):
    redis_server.stop()
    for number in range(3):
        assert log_in(client, "vera", "wrong", forwarded=f"203.0.113.{number}").status_code == 200
    response = log_in(client, "vera", forwarded="198.51.100.7")
    assert response.status_code == 429
    assert LOCKED_OUT in response.content.decode()


def test_a_save_that_needs_the_write_lock_is_refused_while_redis_is_down(
    client, users, tenant, app_id, emulator, redis_server, cache_clock
):
    page = login(client, users["admin"], reauthenticated=True)
    api = token_client(users["admin"])
    edit_url = f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/"
    edit = page.get(edit_url)
    data = {**edit.context["form"].initial, "snapshot": edit.context["snapshot"]}
    data.update(description="Saved after the outage", domains="example.com")
    data.update(recording_bucket_name="")

    redis_server.stop()
    emulator.clear_requests()
    saved = page.post(edit_url, data)
    saved_ja = page.post(edit_url, data, HTTP_ACCEPT_LANGUAGE="ja")
    put = api.put(
        f"/api/tenants/{tenant.tenant_id}/apps/{app_id}", {"description": "x"}, format="json"
    )
    assert writes_sent(emulator) == []  # zero PUTs reached ECL
    assert saved.status_code == 503
    assert LOCK_WORDS in saved.content.decode() and NOTHING_CHANGED in saved.content.decode()
    assert saved_ja.status_code == 503
    assert LOCK_WORDS_JA in saved_ja.content.decode()
    assert "何も変更されていません" in saved_ja.content.decode()
    assert put.status_code == 503
    assert put.json()["code"] == "lock_unavailable"
    assert LOCK_WORDS in put.json()["detail"]
    assert not AuditEvent.objects.filter(outcome="ok").exists()
    assert ecl.app_get(tenant, app_id).description != "Saved after the outage"

    redis_server.start()
    cache_clock.retry_interval_passes()
    emulator.clear_requests()
    again = page.post(edit_url, data)
    assert again.status_code == 302
    assert writes_sent(emulator) == ["PUT"]
    assert ecl.app_get(tenant, app_id).description == "Saved after the outage"


def test_no_identity_is_held_while_redis_is_down(client, users, tenant, redis_server):
    """Another process's revocation cannot reach this one while Redis is down: nothing held."""
    text = token_for(users["viewer"])
    api = token_client(users["viewer"])
    api.credentials(HTTP_X_AUTH_TOKEN=text)
    apps_api = f"/api/tenants/{tenant.tenant_id}/apps"
    redis_server.stop()
    assert api.get(apps_api).status_code == 200
    # As another process would revoke it: in the database, nothing announced in this one (a
    # plain QuerySet, not the model's announcing one).
    QuerySet(ApiToken).update(revoked_at=timezone.now())
    refused = api.get(apps_api)
    assert refused.status_code in (401, 403)
    assert "apps" not in refused.json()


def test_one_warning_a_minute_per_process(monkeypatch, caplog):
    now = [1000.0]
    monkeypatch.setattr(redis_cache.time, "monotonic", lambda: now[0])
    reach = redis_cache.Reachability()
    with caplog.at_level(logging.WARNING, logger="portal.redis_cache"):
        for moment in (1000.0, 1010.0, 1059.0):
            now[0] = moment
            reach.failed(ConnectionError("refused"))
        assert len(caplog.records) == 1
        now[0] = 1060.5
        reach.failed(ConnectionError("refused"))
        assert len(caplog.records) == 2
    # While down, one call every RETRY_INTERVAL tries Redis, the others go to local memory.
    now[0] = 1061.0
    assert [reach.may_try() for _ in range(3)] == [False, False, False]
    now[0] = 1060.5 + redis_cache.RETRY_INTERVAL
    assert [reach.may_try() for _ in range(3)] == [True, False, False]
    reach.answered()
    assert reach.up and reach.may_try()


def test_while_redis_is_down_calls_do_not_each_try_to_connect(redis_server, monkeypatch):
    from django.core.cache import cache

    monkeypatch.setattr(redis_cache, "RETRY_INTERVAL", 60.0)  # no second attempt in this test
    pool = cache._cache._get_connection_pool(True)
    assert pool.connection_kwargs["socket_connect_timeout"] == redis_cache.CONNECT_TIMEOUT == 0.5
    attempts = []
    real_connect = redis.connection.AbstractConnection.connect

    def connect(self, *args, **kwargs):
        attempts.append(1)
        return real_connect(self, *args, **kwargs)

    monkeypatch.setattr(redis.connection.AbstractConnection, "connect", connect)
    redis_server.stop()
    cache.get("key")  # tries Redis: refused, so this process uses its own memory
    for number in range(20):
        cache.set(f"key{number}", number)
        assert cache.get(f"key{number}") == number
    assert not shared_cache.reachable()
    assert len(attempts) == 1
