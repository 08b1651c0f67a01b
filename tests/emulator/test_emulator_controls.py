"""The emulator's `/_emulator/` controls: tenants, tokens, statistics, reset and settings."""

import re
import threading

import pytest
import requests

from ecl_emulator.control import EmulatorControlError
from ecl_emulator.seed import DEMO_API_KEY, DEMO_API_SECRET, DEMO_APP_COUNT, DEMO_TENANT_ID
from ecl_emulator.testing import TenantSession, issue_token, start_emulator

PERMISSIONS = {"TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION", "RECORDING"}
HOSTNAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*")


def control_post(emulator, path: str, body) -> requests.Response:
    return requests.post(f"{emulator.base_url}/_emulator{path}", json=body, timeout=30)


# --- tenants ---------------------------------------------------------------------------------


def test_a_tenant_gets_a_generated_id_and_key_pair(emulator):
    credentials = emulator.create_tenant()
    assert set(credentials) == {"tenant_id", "api_key", "api_secret"}
    assert re.fullmatch(r"[0-9a-f]{32}", credentials["tenant_id"])
    assert credentials["api_key"] and credentials["api_secret"]
    assert not credentials["api_secret"].startswith("$")
    assert emulator.create_tenant()["tenant_id"] != credentials["tenant_id"]


def test_a_tenant_keeps_the_id_and_key_pair_given(emulator):
    credentials = emulator.create_tenant(
        tenant_id="ab" * 16, api_key="alice-key", api_secret="alice-secret"
    )
    assert credentials == {
        "tenant_id": "ab" * 16,
        "api_key": "alice-key",
        "api_secret": "alice-secret",
    }
    assert issue_token(emulator.identity_url, "ab" * 16, "alice-key", "alice-secret")


def test_a_tenant_id_cannot_be_created_twice(emulator):
    emulator.create_tenant(tenant_id="cd" * 16)
    with pytest.raises(EmulatorControlError) as raised:
        emulator.create_tenant(tenant_id="cd" * 16)
    assert raised.value.status == 409


@pytest.mark.parametrize(
    "body",
    [
        {"tenant_id": "xyz"},
        {"tenant_id": "AB" * 16},
        {"tenant_id": 12},
        {"apps": -1},
        {"apps": "3"},
        {"apps": True},
        {"apps": 10**9},
        {"state": "gone"},
        {"api_key": ""},
        {"api_secret": 5},
        [],
    ],
)
def test_an_invalid_tenant_request_is_a_400_with_a_message(emulator, body):
    response = control_post(emulator, "/tenants", body)
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_a_tenant_can_be_created_in_any_state(emulator):
    session = TenantSession.create(emulator, state="suspended")
    assert session.call("GET").json()["error"]["message"] == "Tenant is suspended"


def test_the_state_of_an_unknown_tenant_cannot_be_set(emulator):
    with pytest.raises(EmulatorControlError) as raised:
        emulator.set_tenant_state("e" * 32, "suspended")
    assert raised.value.status == 404


@pytest.mark.parametrize("state", ["paused", None, ""])
def test_an_invalid_tenant_state_is_a_400(emulator, state):
    tenant_id = emulator.create_tenant()["tenant_id"]
    response = requests.patch(
        f"{emulator.base_url}/_emulator/tenants/{tenant_id}", json={"state": state}, timeout=30
    )
    assert response.status_code == 400


def test_a_deleted_tenant_can_be_reactivated(emulator):
    session = TenantSession.create(emulator, apps=1)
    emulator.set_tenant_state(session.tenant_id, "deleted")
    assert session.call("GET").status_code == 403
    assert emulator.set_tenant_state(session.tenant_id, "active")["state"] == "active"
    assert session.call("GET").status_code == 200


# --- seeding ---------------------------------------------------------------------------------


def test_seeded_apps_look_like_real_ones(emulator):
    # A fixed tenant id: seeding is deterministic, so the variety checked here is too.
    session = TenantSession.create(emulator, tenant_id="ac" * 16, apps=25)
    apps = session.call("GET", "?expandApps").json()

    assert len(apps) == 25
    assert len({app["description"] for app in apps}) >= 15
    assert len({app["apikey"] for app in apps}) == 25
    assert any(app["domains"] for app in apps) and any(not app["domains"] for app in apps)
    assert all(HOSTNAME.fullmatch(d) for app in apps for d in app["domains"])
    assert set().union(*(app["permissions"] for app in apps)) <= PERMISSIONS
    assert {app["status"] for app in apps} == {"active", "suspended"}
    assert {app["recording"]["status"] for app in apps} == {"active", "unavailable"}
    usage = [month for app in apps for month in app["usage_summary"].values()]
    assert any(month["signaling"] > 0 for month in usage)
    assert any(month["turn"] > 0 for month in usage) and any(month["sfu"] > 0 for month in usage)


def test_seeded_apps_each_have_their_own_secret_key(emulator):
    session = TenantSession.create(emulator, apps=3)
    secrets = {session.call("GET", f"/{i}/secretkey").json()["secretkey"] for i in (1000, 1002)}
    assert len(secrets) == 2


def test_seeding_is_deterministic_for_a_tenant_id(emulator):
    def seeded_snapshot():
        session = TenantSession.create(emulator, tenant_id="5eed" * 8, apps=30)
        apps = session.call("GET", "?expandApps").json()
        secret = session.call("GET", "/1017/secretkey").json()
        return apps, secret

    first = seeded_snapshot()
    emulator.reset()
    assert seeded_snapshot() == first


def test_different_tenants_get_different_apps(emulator):
    acme = TenantSession.create(emulator, apps=5).call("GET").json()
    globex = TenantSession.create(emulator, apps=5).call("GET").json()
    assert [a["apikey"] for a in acme] != [a["apikey"] for a in globex]


def test_seeded_tenants_continue_ids_after_the_seeded_apps(emulator):
    session = TenantSession.create(emulator, apps=4)
    assert session.call("POST").json()["id"] == 1004


# --- tokens, statistics, reset, settings -----------------------------------------------------


def test_revoking_rejects_every_token_issued_so_far_but_not_new_ones(emulator):
    acme = TenantSession.create(emulator)
    globex = TenantSession.create(emulator)
    assert emulator.revoke_tokens() >= 2
    assert acme.call("GET").status_code == 403
    assert globex.call("GET").status_code == 403
    fresh = issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    assert acme.call("GET", token=fresh).status_code == 200


def test_stats_count_each_call_by_method_and_route_template(emulator):
    session = TenantSession.create(emulator, apps=1)
    session.call("GET")
    session.call("GET", "?expandApps")
    session.call("GET", "/1000")
    session.call("PUT", "/1000", json={})
    session.call("GET", "/1000/secretkey")
    session.call("POST", "/1000/secretkey")
    session.call("POST", json={})
    session.call("DELETE", "/1001")
    session.call("GET", token="bogus")
    requests.post(emulator.identity_url + "/auth/tokens", json={}, timeout=30)

    assert emulator.stats() == {
        "auth_calls": 2,
        "api_calls": 9,
        "calls": {
            "DELETE /tenants/{tenant_id}/apps/{app_id}": 1,
            "GET /tenants/{tenant_id}/apps": 3,
            "GET /tenants/{tenant_id}/apps/{app_id}": 1,
            "GET /tenants/{tenant_id}/apps/{app_id}/secretkey": 1,
            "POST /tenants/{tenant_id}/apps": 1,
            "POST /tenants/{tenant_id}/apps/{app_id}/secretkey": 1,
            "POST /v3/auth/tokens": 2,
            "PUT /tenants/{tenant_id}/apps/{app_id}": 1,
        },
    }


def test_control_calls_are_not_counted(emulator):
    emulator.create_tenant()
    emulator.stats()
    emulator.faults()
    emulator.config()
    assert emulator.stats() == {"auth_calls": 0, "api_calls": 0, "calls": {}}


def test_resetting_stats_zeroes_the_counters(emulator):
    session = TenantSession.create(emulator)
    session.call("GET")
    emulator.reset_stats()
    assert emulator.stats() == {"auth_calls": 0, "api_calls": 0, "calls": {}}
    session.call("GET")
    assert emulator.stats()["api_calls"] == 1


@pytest.mark.slow  # fifty concurrent clients
def test_stats_are_exact_under_fifty_concurrent_clients(emulator):
    credentials = emulator.create_tenant()
    start = threading.Barrier(50)
    ids: list[int] = []
    failures: list[BaseException] = []

    def client():
        try:
            start.wait(timeout=30)
            token = issue_token(
                emulator.identity_url,
                credentials["tenant_id"],
                credentials["api_key"],
                credentials["api_secret"],
            )
            session = TenantSession(
                emulator.api_url, emulator.identity_url, token=token, **credentials
            )
            app = session.call("POST", json={"description": "load"}).json()
            ids.append(app["id"])
            assert session.call("GET", f"/{app['id']}").status_code == 200
            assert session.call("GET").status_code == 200
        except BaseException as exc:  # reported below, in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=client) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert sorted(ids) == list(range(1000, 1050))
    stats = emulator.stats()
    assert stats["auth_calls"] == 50
    assert stats["api_calls"] == 150
    assert stats["calls"]["POST /tenants/{tenant_id}/apps"] == 50
    assert stats["calls"]["GET /tenants/{tenant_id}/apps/{app_id}"] == 50
    assert stats["calls"]["GET /tenants/{tenant_id}/apps"] == 50


def test_reset_forgets_tenants_tokens_faults_counters_and_settings(emulator):
    session = TenantSession.create(emulator, apps=2)
    emulator.set_faults(rules=[{"path": "/nowhere", "status": 500}], latency_ms=5)
    emulator.set_config(token_ttl=60)
    session.call("GET")

    emulator.reset()

    assert session.call("GET").json()["error"]["message"] == "Not authenticated"
    assert emulator.stats() == {
        "auth_calls": 0,
        "api_calls": 1,
        "calls": {
            "GET /tenants/{tenant_id}/apps": 1,
        },
    }
    assert emulator.faults() == {"latency_ms": 0, "rules": []}
    assert emulator.config() == {"token_ttl": 3600}
    assert emulator.create_tenant(tenant_id=session.tenant_id)["tenant_id"] == session.tenant_id


@pytest.mark.slow  # starts an emulator of its own
def test_reset_seeds_the_demo_tenant_again_when_started_with_demo():
    with start_emulator(demo=True) as server:
        token = issue_token(server.identity_url, DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET)
        demo = TenantSession(
            server.api_url,
            server.identity_url,
            DEMO_TENANT_ID,
            DEMO_API_KEY,
            DEMO_API_SECRET,
            token,
        )
        before = demo.call("GET", "?expandApps").json()
        assert len(before) == DEMO_APP_COUNT == 120
        demo.call("DELETE", "/1000")
        demo.call("POST", json={"description": "scratch"})

        server.control.reset()

        demo.token = issue_token(server.identity_url, DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET)
        assert demo.call("GET", "?expandApps").json() == before


@pytest.mark.parametrize("body", [{"token_ttl": -1}, {"token_ttl": "60"}, {"colour": "red"}, []])
def test_an_invalid_setting_is_a_400(emulator, body):
    response = requests.patch(f"{emulator.base_url}/_emulator/config", json=body, timeout=30)
    assert response.status_code == 400
    assert emulator.config() == {"token_ttl": 3600}


def test_controls_answer_json_with_a_transaction_id(emulator):
    response = requests.get(f"{emulator.base_url}/_emulator/stats", timeout=30)
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["ECL-Transaction-ID"]


def test_an_unknown_control_is_a_404(emulator):
    response = control_post(emulator, "/nothing", {})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == 404
