"""Every endpoint of the API for every actor of tests/matrix.py; refusals reach no upstream."""

import json

import pytest
from rest_framework.test import APIClient

from apps_admin.models import AuditEvent, Role
from tests.helpers import ACTORS, token_for
from tests.matrix import ALLOWED, expected

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_throttle_history")]

ENDPOINTS = [
    ("GET", "/apps", Role.VIEWER),
    ("POST", "/apps", Role.EDITOR),
    ("GET", "/apps/1000", Role.VIEWER),
    ("PUT", "/apps/1000", Role.EDITOR),
    ("DELETE", "/apps/1000", Role.EDITOR),
    ("GET", "/apps/1000/secretkey", Role.ADMIN),
    ("POST", "/apps/1000/secretkey", Role.ADMIN),
]
BODIES = {"POST /apps": {"description": "matrix"}, "PUT /apps/1000": {"description": "matrix"}}


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_X_AUTH_TOKEN=token_for(user))
    return client


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "path", "needed"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS]
)
def test_each_actor_gets_what_the_matrix_says(users, tenant, emulator, actor, method, path, needed):
    client = client_for(users[actor])
    url = f"/api/tenants/{tenant.tenant_id}{path}"
    body = BODIES.get(f"{method} {path}")
    emulator.reset_stats()
    response = client.generic(method, url, *_json(body))
    want = expected(actor, needed, anonymous=401)
    if want == ALLOWED:
        assert response.status_code == 200, response.content
        return
    assert response.status_code == want
    assert (
        response.json()["code"]
        == {
            401: "not_authenticated",
            403: "permission_denied",
            404: "not_found",
        }[want]
    )
    stats = emulator.stats()
    assert (stats["api_calls"], stats["auth_calls"]) == (0, 0)
    denials = AuditEvent.objects.filter(action="access.denied").count()
    assert denials == (0 if want == 401 else 1)


@pytest.mark.parametrize("actor", ACTORS)
def test_the_tenant_list_is_for_any_signed_in_person(users, tenant, emulator, actor):
    emulator.reset_stats()
    response = client_for(users[actor]).get("/api/tenants")
    assert response.status_code == (401 if actor == "anonymous" else 200)
    assert emulator.stats()["api_calls"] == 0


def _json(body):
    if body is None:
        return ()
    return (json.dumps(body), "application/json")
