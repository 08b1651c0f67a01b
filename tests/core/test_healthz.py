"""`/healthz`: 200 when this host can serve (its database answers), with the cache reported as
degraded when it is down; `/healthz?strict`: 503 when either the database or the cache is down."""

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import override_settings

pytestmark = pytest.mark.django_db

PORTAL_REDIS = "portal.redis_cache.ReusedClientRedisCache"

# Nothing listens on port 1 of the loopback: connecting is refused at once.
UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_200_with_the_cache_degraded_when_the_cache_is_down(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "degraded"}


def test_strict_healthz_is_503_when_the_cache_is_down(client):
    with override_settings(CACHES=UNREACHABLE_REDIS):
        response = client.get("/healthz?strict")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "cache": "down"}


def test_strict_healthz_is_200_when_everything_answers(client):
    response = client.get("/healthz?strict")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_healthz_of_the_portals_own_redis_backend_is_degraded_not_down(client):
    backend = {"default": {**UNREACHABLE_REDIS["default"], "BACKEND": PORTAL_REDIS}}
    with override_settings(CACHES=backend):
        assert client.get("/healthz").json()["cache"] == "degraded"
        response = client.get("/healthz?strict")
    assert response.status_code == 503
    assert response.json()["cache"] == "down"


def test_healthz_is_503_when_the_database_is_down(client):
    with mock.patch(
        "apps_admin.health.connection.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "cache": "ok"}


def test_strict_healthz_is_503_when_the_database_is_down(client):
    with mock.patch(
        "apps_admin.health.connection.cursor",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/healthz?strict")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "down", "cache": "ok"}


def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405
