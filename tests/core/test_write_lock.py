"""The per-app write lock: taken around every write of one app, from pages, bulk actions and the
API; a lock that cannot be taken refuses the write, and says that nothing was changed."""

import pytest
from django.core.cache import cache
from django.test import override_settings

from apps_admin import ecl, write_lock
from apps_admin.models import AuditEvent
from tests.helpers import login, token_client

pytestmark = pytest.mark.django_db

# Nothing listens on port 1 of the loopback: every cache call is refused at once.
CACHE_DOWN = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


@pytest.fixture
def app_id(tenant) -> str:
    return ecl.app_list(tenant)[0].id


def writes_sent(emulator) -> list[str]:
    return [e["method"] for e in emulator.requests() if e["method"] in ("PUT", "POST", "DELETE")]


def test_the_lock_is_held_during_the_write_and_released_after(users, tenant, app_id, monkeypatch):
    key = write_lock.lock_key(tenant.tenant_id, app_id)
    seen = []
    real = ecl.app_update_answer

    def put(*args, **kwargs):
        seen.append(cache.get(key))
        return real(*args, **kwargs)

    monkeypatch.setattr(ecl, "app_update_answer", put)
    response = token_client(users["editor"]).put(
        f"/api/tenants/{tenant.tenant_id}/apps/{app_id}", {"description": "x"}, format="json"
    )
    assert response.status_code == 200
    assert seen and seen[0] is not None  # an owner held it while the PUT was sent
    assert cache.get(key) is None


@pytest.mark.parametrize(
    "write",
    ["page save", "page suspend", "page delete", "page renew", "bulk", "api put", "api delete"],
)
def test_a_lock_that_cannot_be_taken_refuses_the_write_with_a_clear_503(
    client, users, tenant, app_id, emulator, write
):
    page = login(client, users["admin"], reauthenticated=True)
    api = token_client(users["admin"])
    base = f"/tenants/{tenant.tenant_id}/apps"
    edit = page.get(f"{base}/{app_id}/edit/")  # the form, while the cache still answers
    data = {**edit.context["form"].initial, "snapshot": edit.context["snapshot"]}
    data.update(description="Not while the cache is down", domains="example.com")
    data.update(recording_bucket_name="")
    emulator.clear_requests()
    with override_settings(CACHES=CACHE_DOWN):
        response = {
            "page save": lambda: page.post(f"{base}/{app_id}/edit/", data),
            "page suspend": lambda: page.post(
                f"{base}/{app_id}/status/", {"status": "suspended", "confirm": "yes"}
            ),
            "page delete": lambda: page.post(f"{base}/{app_id}/delete/", {"app_id": app_id}),
            "page renew": lambda: page.post(f"{base}/{app_id}/secretkey/regenerate/"),
            "bulk": lambda: page.post(
                f"{base}/bulk/", {"action": "suspend", "app": [app_id], "confirm": "yes"}
            ),
            "api put": lambda: api.put(f"/api{base}/{app_id}", {"description": "x"}, format="json"),
            "api delete": lambda: api.delete(f"/api{base}/{app_id}"),
        }[write]()
    assert writes_sent(emulator) == []
    words = "its shared cache is not answering. Nothing was changed"
    if write.startswith("api"):
        assert response.status_code == 503
        assert response.json()["code"] == "lock_unavailable"
        assert words in response.json()["detail"]
    elif write == "bulk":
        shown = page.get(response["Location"]).content.decode()
        assert "Failed for" in shown and words in shown
    else:
        assert response.status_code == 503
        assert words in response.content.decode()
    assert not AuditEvent.objects.filter(outcome="ok").exists()


@pytest.mark.slow  # waits out the budget for the lock
@override_settings(ECL_CALL_BUDGET=2.0, ECL_CONNECT_TIMEOUT=1.0, ECL_TIMEOUT=1.0)
def test_a_lock_held_for_the_whole_budget_refuses_the_write_and_writes_nothing(
    client, users, tenant, app_id, emulator
):
    cache.add(write_lock.lock_key(tenant.tenant_id, app_id), "a write that never ends", 60)
    emulator.clear_requests()
    response = token_client(users["editor"]).put(
        f"/api/tenants/{tenant.tenant_id}/apps/{app_id}", {"description": "x"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "write_in_progress"
    assert "Nothing was changed" in response.json()["detail"]
    assert writes_sent(emulator) == []


def test_writes_of_other_apps_do_not_wait_for_the_lock(client, users, tenant, app_id, emulator):
    cache.add(write_lock.lock_key(tenant.tenant_id, app_id), "a write of another app", 60)
    other = ecl.app_list(tenant)[1].id
    response = token_client(users["editor"]).put(
        f"/api/tenants/{tenant.tenant_id}/apps/{other}", {"description": "x"}, format="json"
    )
    assert response.status_code == 200
