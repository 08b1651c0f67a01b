"""The emulator's apps API against ecl-contract.md sections 3 and 4, over real HTTP."""

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from ecl_emulator.testing import TenantSession, issue_token

JST = timezone(timedelta(hours=9))
JST_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00")
APP_KEYS = {
    "id",
    "apikey",
    "description",
    "domains",
    "permissions",
    "usage_summary",
    "status",
    "recording",
    "created_at",
    "updated_at",
}
# (method, path after /tenants/{tenant_id}/apps) of the seven operations; {app} is an app id.
OPERATIONS = [
    ("GET", ""),
    ("POST", ""),
    ("GET", "/{app}"),
    ("PUT", "/{app}"),
    ("DELETE", "/{app}"),
    ("GET", "/{app}/secretkey"),
    ("POST", "/{app}/secretkey"),
]
PER_APP_OPERATIONS = [op for op in OPERATIONS if "{app}" in op[1]]


@pytest.fixture
def acme_app(acme) -> dict:
    response = acme.call("POST", json={"description": "Tokyo office meeting rooms"})
    assert response.status_code == 200
    return response.json()


def assert_error(response, status: int, message: str) -> None:
    assert response.status_code == status, response.text
    assert response.json() == {"error": {"code": status, "message": message}}


def call_operation(session: TenantSession, method: str, path: str, app_id, **kwargs):
    return session.call(method, path.format(app=app_id), **kwargs)


def months_around(call) -> tuple[set, object]:
    """The (previous, current) Japan months before and after `call`, and its result."""

    def months():
        now = datetime.now(JST)
        previous = now.replace(day=1) - timedelta(days=1)
        return (previous.strftime("%Y/%m"), now.strftime("%Y/%m"))

    before = months()
    result = call()
    return {before, months()}, result


# --- create ----------------------------------------------------------------------------------


def test_a_new_tenant_has_no_apps(acme):
    response = acme.call("GET", params={"expandApps": "true"})
    assert response.status_code == 200
    assert response.json() == []


def test_create_answers_200_with_an_active_app_holding_every_field(acme):
    response = acme.call("POST", json={"description": "Customer support video line"})

    assert response.status_code == 200
    app = response.json()
    assert set(app) == APP_KEYS
    assert app["id"] == 1000
    assert str(uuid.UUID(app["apikey"])) == app["apikey"]
    assert app["description"] == "Customer support video line"
    assert app["domains"] == [] and app["permissions"] == []
    assert app["status"] == "active"
    assert app["recording"] == {"status": "unavailable", "bucket_name": ""}
    assert JST_STAMP.fullmatch(app["created_at"])
    assert app["updated_at"] == app["created_at"]


def test_create_with_an_empty_body_makes_an_app_with_an_empty_description(acme):
    response = acme.call("POST")
    assert response.status_code == 200
    assert response.json()["description"] == ""


def test_create_takes_every_optional_field(acme):
    body = {
        "description": "Osaka branch telehealth kiosk",
        "domains": ["example.com", "localhost"],
        "permissions": ["TURN", "SFU", "RECORDING"],
        "status": "suspended",
        "recording_bucket_name": "acme-recordings",
        "recording_service_account_key": '{"type": "service_account"}',
    }
    app = acme.call("POST", json=body).json()
    assert app["domains"] == ["example.com", "localhost"]
    assert app["permissions"] == ["TURN", "SFU", "RECORDING"]
    assert app["status"] == "suspended"
    assert app["recording"] == {"status": "active", "bucket_name": "acme-recordings"}


def test_new_apps_have_zero_usage_for_the_previous_and_current_month_in_japan(acme):
    expected, response = months_around(lambda: acme.call("POST"))
    usage = response.json()["usage_summary"]
    assert tuple(usage) in expected
    assert all(month == {"signaling": 0, "turn": 0, "sfu": 0} for month in usage.values())


def test_ids_are_integers_ascending_from_1000_in_each_tenant(emulator, acme):
    globex = TenantSession.create(emulator)
    acme_ids = [acme.call("POST").json()["id"] for _ in range(3)]
    globex_ids = [globex.call("POST").json()["id"] for _ in range(2)]
    assert acme_ids == [1000, 1001, 1002]
    assert globex_ids == [1000, 1001]


def test_ids_are_never_reused_after_a_delete(acme):
    first = acme.call("POST").json()["id"]
    assert acme.call("DELETE", f"/{first}").status_code == 200
    assert acme.call("POST").json()["id"] == first + 1


# --- list ------------------------------------------------------------------------------------


def test_the_list_is_ordered_by_id(emulator):
    seeded = TenantSession.create(emulator, apps=12)
    seeded.call("DELETE", "/1003")
    seeded.call("POST", json={"description": "newest"})
    ids = [app["id"] for app in seeded.call("GET").json()]
    assert ids == sorted(ids)
    assert ids[-1] == 1012 and 1003 not in ids


@pytest.mark.parametrize(
    ("query", "expanded"),
    [
        ("", False),
        ("?expandApps", True),
        ("?expandApps=", True),
        ("?expandApps=true", True),
        ("?expandApps=1", True),
        ("?expandApps=false", False),
        ("?other=1&expandApps=yes", True),
    ],
)
def test_expand_apps_is_true_when_present_with_any_value_but_false(acme, acme_app, query, expanded):
    response = acme.call("GET", query)
    assert response.status_code == 200
    [app] = response.json()
    if expanded:
        assert app == acme_app
    else:
        assert app == {
            "id": acme_app["id"],
            "apikey": acme_app["apikey"],
            "description": acme_app["description"],
        }


# --- get, update, delete ---------------------------------------------------------------------


def test_get_answers_the_app_as_created(acme, acme_app):
    response = acme.call("GET", f"/{acme_app['id']}")
    assert response.status_code == 200
    assert response.json() == acme_app


def test_put_changes_only_the_fields_present(acme):
    app = acme.call(
        "POST",
        json={"description": "Before", "domains": ["example.com"], "permissions": ["TURN"]},
    ).json()
    updated = acme.call("PUT", f"/{app['id']}", json={"status": "suspended"}).json()
    assert updated["status"] == "suspended"
    assert updated["description"] == "Before"
    assert updated["domains"] == ["example.com"]
    assert updated["permissions"] == ["TURN"]
    assert updated["apikey"] == app["apikey"] and updated["created_at"] == app["created_at"]


def test_put_replaces_the_whole_domain_and_permission_lists(acme):
    app = acme.call(
        "POST", json={"domains": ["a.example.com", "b.example.com"], "permissions": ["TURN", "SFU"]}
    ).json()
    updated = acme.call(
        "PUT", f"/{app['id']}", json={"domains": ["c.example.com"], "permissions": []}
    ).json()
    assert updated["domains"] == ["c.example.com"]
    assert updated["permissions"] == []
    assert acme.call("GET", f"/{app['id']}").json() == updated


def test_every_successful_put_moves_updated_at_forward(acme, acme_app):
    stamps = [acme_app["updated_at"]]
    for _ in range(3):
        response = acme.call("PUT", f"/{acme_app['id']}", json={})
        assert response.status_code == 200
        assert response.json()["created_at"] == acme_app["created_at"]
        stamps.append(response.json()["updated_at"])
    assert all(JST_STAMP.fullmatch(s) for s in stamps)
    parsed = [datetime.fromisoformat(s) for s in stamps]
    assert parsed == sorted(set(parsed))


def test_a_failed_put_changes_nothing(acme, acme_app):
    response = acme.call("PUT", f"/{acme_app['id']}", json={"description": "x", "status": "off"})
    assert_error(response, 400, "Invalid status")
    assert acme.call("GET", f"/{acme_app['id']}").json() == acme_app


def test_delete_answers_an_empty_object_and_the_app_is_gone(acme, acme_app):
    response = acme.call("DELETE", f"/{acme_app['id']}")
    assert response.status_code == 200
    assert response.json() == {}
    assert acme.call("GET").json() == []
    assert_error(acme.call("DELETE", f"/{acme_app['id']}"), 403, "App doesn't exist")


@pytest.mark.parametrize(("method", "path"), PER_APP_OPERATIONS)
@pytest.mark.parametrize("app_id", ["999", "1001", "abc", "1000.0", "-1000", "9" * 40])
def test_every_per_app_call_on_a_missing_app_is_403_app_doesnt_exist(
    acme, acme_app, method, path, app_id
):
    response = call_operation(acme, method, path, app_id, json={})
    assert_error(response, 403, "App doesn't exist")


def test_apps_of_one_tenant_are_invisible_to_another(emulator, acme, acme_app):
    globex = TenantSession.create(emulator)
    assert_error(globex.call("GET", f"/{acme_app['id']}"), 403, "App doesn't exist")


# --- recording -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("permissions", "bucket", "key", "status"),
    [
        (["RECORDING"], "bucket", "key", "active"),
        (["TURN", "RECORDING"], "bucket", "key", "active"),
        (["TURN"], "bucket", "key", "unavailable"),
        (["RECORDING"], "", "key", "unavailable"),
        (["RECORDING"], "bucket", "", "unavailable"),
        (["RECORDING"], None, None, "unavailable"),
    ],
)
def test_recording_is_active_exactly_with_the_permission_a_bucket_and_a_key(
    acme, permissions, bucket, key, status
):
    body = {"permissions": permissions}
    if bucket is not None:
        body["recording_bucket_name"] = bucket
    if key is not None:
        body["recording_service_account_key"] = key
    app = acme.call("POST", json=body).json()
    assert app["recording"] == {"status": status, "bucket_name": bucket or ""}


def test_recording_becomes_unavailable_when_a_put_drops_the_permission(acme):
    app = acme.call(
        "POST",
        json={
            "permissions": ["RECORDING"],
            "recording_bucket_name": "b",
            "recording_service_account_key": "k",
        },
    ).json()
    assert app["recording"]["status"] == "active"
    updated = acme.call("PUT", f"/{app['id']}", json={"permissions": ["TURN"]}).json()
    assert updated["recording"] == {"status": "unavailable", "bucket_name": "b"}


def test_the_service_account_key_is_never_returned(acme):
    key = '{"type": "service_account", "private_key": "KEY-MATERIAL-0451"}'
    app = acme.call(
        "POST",
        json={
            "permissions": ["RECORDING"],
            "recording_bucket_name": "b",
            "recording_service_account_key": key,
        },
    ).json()
    answers = [
        acme.call("GET", f"/{app['id']}"),
        acme.call("GET", "?expandApps"),
        acme.call("PUT", f"/{app['id']}", json={"description": "again"}),
    ]
    assert all("KEY-MATERIAL-0451" not in r.text for r in answers)
    assert all("service_account" not in r.text for r in answers)


# --- secret key ------------------------------------------------------------------------------


def test_renewing_the_secret_key_replaces_it_and_get_returns_the_new_one(acme, acme_app):
    path = f"/{acme_app['id']}/secretkey"
    first = acme.call("GET", path)
    assert first.status_code == 200
    assert set(first.json()) == {"secretkey"}
    old = first.json()["secretkey"]
    assert isinstance(old, str) and len(old) >= 16

    renewed = acme.call("POST", path)
    assert renewed.status_code == 200
    new = renewed.json()["secretkey"]
    assert new != old
    assert acme.call("GET", path).json() == {"secretkey": new}


def test_the_secret_key_is_never_in_an_app_object(acme, acme_app):
    secret = acme.call("GET", f"/{acme_app['id']}/secretkey").json()["secretkey"]
    answers = [
        acme.call("GET", f"/{acme_app['id']}"),
        acme.call("GET", "?expandApps=true"),
        acme.call("GET"),
        acme.call("PUT", f"/{acme_app['id']}", json={"description": "x"}),
    ]
    for response in answers:
        assert secret not in response.text
        assert "secretkey" not in response.text


# --- validation ------------------------------------------------------------------------------

LONGEST_DOMAIN = ".".join(["a" * 63] * 4)  # 255 characters, every label valid


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"description": "x" * 129}, "Description exceeding the maximum length"),
        ({"domains": [LONGEST_DOMAIN + ".b"]}, "Domain exceeding the maximum length"),
        ({"domains": ["example.com", "x" * 300]}, "Domain exceeding the maximum length"),
        ({"domains": ["-example.com"]}, "Invalid domain format"),
        ({"domains": ["example-.com"]}, "Invalid domain format"),
        ({"domains": ["exa_mple.com"]}, "Invalid domain format"),
        ({"domains": ["example..com"]}, "Invalid domain format"),
        ({"domains": ["example.com."]}, "Invalid domain format"),
        ({"domains": ["*.example.com"]}, "Invalid domain format"),
        ({"domains": ["https://example.com"]}, "Invalid domain format"),
        ({"domains": ["example.com:8080"]}, "Invalid domain format"),
        ({"domains": ["example.com/path"]}, "Invalid domain format"),
        ({"domains": [" example.com"]}, "Invalid domain format"),
        ({"domains": ["a" * 64 + ".com"]}, "Invalid domain format"),
        ({"domains": ["例え.jp"]}, "Invalid domain format"),
        ({"domains": [""]}, "Invalid domain format"),
        ({"domains": "example.com"}, "Invalid domain format"),
        ({"domains": [1]}, "Invalid domain format"),
        ({"domains": None}, "Invalid domain format"),
        ({"status": "deleted"}, "Invalid status"),
        ({"status": "ACTIVE"}, "Invalid status"),
        ({"status": ""}, "Invalid status"),
        ({"status": 1}, "Invalid status"),
        ({"status": None}, "Invalid status"),
        ({"permissions": ["turn"]}, "Invalid permissions"),
        ({"permissions": ["TURN", "ADMIN"]}, "Invalid permissions"),
        ({"permissions": "TURN"}, "Invalid permissions"),
        ({"permissions": [1]}, "Invalid permissions"),
        ({"permissions": None}, "Invalid permissions"),
        ({"description": 5}, "Invalid request"),
        ({"description": None}, "Invalid request"),
        ({"description": ["x"]}, "Invalid request"),
        ({"recording_bucket_name": 5}, "Invalid request"),
        ({"recording_service_account_key": {"type": "service_account"}}, "Invalid request"),
    ],
)
@pytest.mark.parametrize("operation", ["create", "update"])
def test_an_invalid_body_is_400_with_the_reference_text(acme, acme_app, operation, body, message):
    if operation == "create":
        response = acme.call("POST", json=body)
    else:
        response = acme.call("PUT", f"/{acme_app['id']}", json=body)
    assert_error(response, 400, message)
    assert len(acme.call("GET").json()) == 1


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"5", b"null", b'[{"description": "x"}]'])
def test_a_body_that_is_not_a_json_object_is_400_invalid_request(acme, body):
    response = acme.call("POST", data=body, headers={"Content-Type": "application/json"})
    assert_error(response, 400, "Invalid request")


@pytest.mark.parametrize(
    "domains",
    [
        ["localhost"],
        ["example.com", "www.example.co.jp"],
        ["sub-domain.example.com"],
        ["192.0.2.10"],
        ["EXAMPLE.COM"],
        ["xn--r8jz45g.jp"],
        ["a" * 63 + ".com"],
        [LONGEST_DOMAIN],
        [],
    ],
)
def test_hostnames_single_labels_and_ipv4_addresses_are_valid_domains(acme, domains):
    response = acme.call("POST", json={"domains": domains})
    assert response.status_code == 200, response.text
    assert response.json()["domains"] == domains


def test_a_description_of_128_characters_is_accepted(acme):
    response = acme.call("POST", json={"description": "あ" * 128})
    assert response.status_code == 200
    assert response.json()["description"] == "あ" * 128


def test_every_permission_of_the_reference_is_accepted(acme):
    permissions = ["TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION", "RECORDING"]
    assert acme.call("POST", json={"permissions": permissions}).json()["permissions"] == (
        permissions
    )


def test_body_checks_run_in_the_order_of_the_reference_texts(acme):
    body = {
        "description": "x" * 200,
        "domains": ["bad domain"],
        "status": "bad",
        "permissions": ["BAD"],
    }
    assert_error(acme.call("POST", json=body), 400, "Description exceeding the maximum length")
    del body["description"]
    assert_error(acme.call("POST", json=body), 400, "Invalid domain format")
    del body["domains"]
    assert_error(acme.call("POST", json=body), 400, "Invalid status")
    del body["status"]
    assert_error(acme.call("POST", json=body), 400, "Invalid permissions")


# --- 403: token and tenant state -------------------------------------------------------------


def rejected_token(emulator, acme: TenantSession, kind: str) -> str | None:
    """A token the apps API must refuse for acme; None sends no X-Auth-Token header."""
    if kind == "expired":
        emulator.set_config(token_ttl=0)
        return issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    if kind == "other tenant":
        return TenantSession.create(emulator).token
    return {"missing": None, "empty": "", "malformed": "not-a-token"}[kind]


@pytest.mark.parametrize("kind", ["missing", "empty", "malformed", "expired", "other tenant"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_missing_malformed_expired_or_foreign_token_is_403_not_authenticated(
    emulator, acme, acme_app, kind, method, path
):
    token = rejected_token(emulator, acme, kind)
    response = call_operation(
        acme, method, path, acme_app["id"], json={}, headers={"X-Auth-Token": token}
    )
    assert_error(response, 403, "Not authenticated")
    assert acme.call("GET", "?expandApps").json() == [acme_app]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_revoked_token_is_403_not_authenticated(emulator, acme, acme_app, method, path):
    emulator.revoke_tokens()
    response = call_operation(acme, method, path, acme_app["id"], json={})
    assert_error(response, 403, "Not authenticated")


def test_a_token_issued_with_a_ttl_of_zero_is_already_expired(emulator, acme):
    emulator.set_config(token_ttl=0)
    token = issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    assert_error(acme.call("GET", token=token), 403, "Not authenticated")
    emulator.set_config(token_ttl=3600)
    fresh = issue_token(acme.identity_url, acme.tenant_id, acme.api_key, acme.api_secret)
    assert acme.call("GET", token=fresh).status_code == 200


def test_a_path_naming_an_unknown_tenant_is_not_authenticated(acme):
    other_url = acme.apps_url().replace(acme.tenant_id, "f" * 32)
    response = requests.get(other_url, headers={"X-Auth-Token": acme.token}, timeout=30)
    assert_error(response, 403, "Not authenticated")


@pytest.mark.parametrize(
    ("state", "message"), [("suspended", "Tenant is suspended"), ("deleted", "Tenant is deleted")]
)
@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_a_suspended_or_deleted_tenant_is_refused_on_every_operation(
    emulator, acme, acme_app, state, message, method, path
):
    emulator.set_tenant_state(acme.tenant_id, state)
    response = call_operation(acme, method, path, acme_app["id"], json={})
    assert_error(response, 403, message)
    emulator.set_tenant_state(acme.tenant_id, "active")
    assert acme.call("GET", f"/{acme_app['id']}").json() == acme_app


def test_the_token_is_checked_before_the_tenant_state(emulator, acme):
    emulator.set_tenant_state(acme.tenant_id, "suspended")
    assert_error(acme.call("GET", token="bogus"), 403, "Not authenticated")


def test_the_tenant_state_is_checked_before_the_app_exists(emulator, acme):
    emulator.set_tenant_state(acme.tenant_id, "deleted")
    assert_error(acme.call("GET", "/4242"), 403, "Tenant is deleted")


def test_the_app_is_checked_before_the_body(acme):
    assert_error(acme.call("PUT", "/4242", json={"status": "bad"}), 403, "App doesn't exist")


def test_the_token_is_checked_before_the_body(acme):
    response = acme.call("POST", json={"status": "bad"}, token="bogus")
    assert_error(response, 403, "Not authenticated")


# --- headers, unknown paths and methods ------------------------------------------------------


def test_every_apps_api_answer_carries_a_fresh_transaction_id_and_json_type(acme, acme_app):
    answers = [
        acme.call("GET"),
        acme.call("POST", json={}),
        acme.call("POST", json={"status": "bad"}),
        acme.call("GET", "/4242"),
        acme.call("GET", token="bogus"),
        acme.call("PATCH", f"/{acme_app['id']}"),
        acme.call("GET", "/1000/unknown"),
        acme.call("POST", f"/{acme_app['id']}/secretkey"),
        acme.call("DELETE", f"/{acme_app['id']}"),
    ]
    ids = [r.headers.get("ECL-Transaction-ID") for r in answers]
    assert all(ids), ids
    assert len(set(ids)) == len(ids)
    assert all(r.headers["Content-Type"] == "application/json" for r in answers)
    assert all(isinstance(r.json(), (dict, list)) for r in answers)


def test_an_unknown_path_is_a_404_json_error(acme):
    response = acme.call("GET", "/1000/unknown")
    assert_error(response, 404, "Not found")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/1000", {"GET", "PUT", "DELETE"}),
        ("POST", "/1000", {"GET", "PUT", "DELETE"}),
        ("PUT", "", {"GET", "POST"}),
        ("DELETE", "", {"GET", "POST"}),
        ("PUT", "/1000/secretkey", {"GET", "POST"}),
        ("OPTIONS", "", {"GET", "POST"}),
    ],
)
def test_a_wrong_method_on_a_known_path_is_a_405_json_error(acme, method, path, allowed):
    response = acme.call(method, path)
    assert_error(response, 405, "Method not allowed")
    assert set(response.headers["Allow"].split(", ")) == allowed


# --- seeded apps -----------------------------------------------------------------------------


def test_seeded_apps_follow_the_contract(emulator):
    seeded = TenantSession.create(emulator, apps=40)
    expected_months, response = months_around(lambda: seeded.call("GET", "?expandApps"))
    apps = response.json()
    assert [app["id"] for app in apps] == list(range(1000, 1040))
    for app in apps:
        assert set(app) == APP_KEYS
        assert len(app["description"]) <= 128
        assert all(len(d) <= 255 for d in app["domains"])
        assert set(app["permissions"]) <= {
            "TURN",
            "SFU",
            "USER_LIST",
            "PEER_AUTHENTICATION",
            "RECORDING",
        }
        assert app["status"] in ("active", "suspended")
        assert tuple(app["usage_summary"]) in expected_months
        assert JST_STAMP.fullmatch(app["created_at"]) and JST_STAMP.fullmatch(app["updated_at"])
        assert app["created_at"] <= app["updated_at"]
        if app["recording"]["status"] == "active":
            assert "RECORDING" in app["permissions"] and app["recording"]["bucket_name"]
    created = [datetime.fromisoformat(app["created_at"]) for app in apps]
    assert created == sorted(created)
    # Each seeded app can be written back unchanged: the seed obeys the validation rules.
    first = apps[0]
    body = {k: first[k] for k in ("description", "domains", "permissions", "status")}
    assert seeded.call("PUT", f"/{first['id']}", json=body).status_code == 200
