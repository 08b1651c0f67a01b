"""The emulator's Keystone v3 identity service against ecl-contract.md section 2."""

import re
from datetime import datetime

import pytest
import requests
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import generic, v3

from ecl_emulator.testing import TenantSession, auth_request_body

KEYSTONE_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
URL_SAFE_BASE64 = re.compile(r"[A-Za-z0-9_-]+=*")
UNAUTHORIZED = {
    "error": {
        "code": 401,
        "title": "Unauthorized",
        "message": "The request you have made requires authentication.",
    }
}


@pytest.fixture
def acme(emulator) -> dict:
    return emulator.create_tenant(apps=2)


def request_token(emulator, body=None, *, data=None, headers=None) -> requests.Response:
    return requests.post(
        emulator.identity_url + "/auth/tokens",
        json=body,
        data=data,
        headers=headers,
        timeout=30,
        allow_redirects=False,
    )


def body_for(credentials: dict) -> dict:
    return auth_request_body(
        credentials["tenant_id"], credentials["api_key"], credentials["api_secret"]
    )


def parse_keystone(stamp: str) -> datetime:
    assert KEYSTONE_STAMP.fullmatch(stamp), stamp
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_token_is_issued_with_201_in_the_x_subject_token_header(emulator, acme):
    response = request_token(emulator, body_for(acme))

    assert response.status_code == 201
    token = response.headers["X-Subject-Token"]
    assert 140 <= len(token) <= 240
    assert URL_SAFE_BASE64.fullmatch(token)
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["ECL-Transaction-ID"]
    body = response.json()["token"]
    assert body["methods"] == ["password"]
    assert body["project"]["id"] == acme["tenant_id"]
    assert body["project"]["name"] and body["project"]["domain"]["id"] == "default"
    assert body["user"]["name"] == acme["api_key"] and body["user"]["id"]
    assert body["roles"] and all(role["name"] for role in body["roles"])
    assert body["audit_ids"] and acme["api_secret"] not in response.text


def test_each_token_request_gets_a_new_token(emulator, acme):
    tokens = {request_token(emulator, body_for(acme)).headers["X-Subject-Token"] for _ in range(3)}
    assert len(tokens) == 3


def test_a_token_lasts_one_hour_by_default(emulator, acme):
    body = request_token(emulator, body_for(acme)).json()["token"]
    lifetime = parse_keystone(body["expires_at"]) - parse_keystone(body["issued_at"])
    assert lifetime.total_seconds() == 3600


def test_the_configured_token_ttl_applies_to_tokens_issued_afterwards(emulator, acme):
    emulator.set_config(token_ttl=90)
    body = request_token(emulator, body_for(acme)).json()["token"]
    lifetime = parse_keystone(body["expires_at"]) - parse_keystone(body["issued_at"])
    assert lifetime.total_seconds() == 90


def test_the_catalog_points_the_webrtc_service_at_the_api_url(emulator, acme):
    catalog = request_token(emulator, body_for(acme)).json()["token"]["catalog"]
    [webrtc] = [entry for entry in catalog if entry["type"] == "webrtc"]
    assert {e["interface"] for e in webrtc["endpoints"]} == {"public", "internal", "admin"}
    assert all(e["url"] == emulator.api_url for e in webrtc["endpoints"])
    assert all(e["region_id"] for e in webrtc["endpoints"])
    [identity] = [entry for entry in catalog if entry["type"] == "identity"]
    assert all(e["url"] == emulator.identity_url for e in identity["endpoints"])


def test_the_catalog_follows_the_host_the_client_used(emulator, acme):
    port = emulator.base_url.rsplit(":", 1)[1]
    response = request_token(emulator, body_for(acme), headers={"Host": f"localhost:{port}"})
    catalog = response.json()["token"]["catalog"]
    [webrtc] = [entry for entry in catalog if entry["type"] == "webrtc"]
    assert {e["url"] for e in webrtc["endpoints"]} == {f"http://localhost:{port}"}


@pytest.mark.parametrize("wrong", ["api_key", "api_secret", "tenant_id"])
def test_a_wrong_key_secret_or_project_is_keystones_401(emulator, acme, wrong):
    credentials = dict(acme)
    credentials[wrong] = "0" * 32 if wrong == "tenant_id" else credentials[wrong] + "x"
    response = request_token(emulator, body_for(credentials))
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED
    assert "X-Subject-Token" not in response.headers


def test_the_key_pair_of_another_tenant_is_refused(emulator, acme):
    globex = emulator.create_tenant()
    credentials = dict(acme, api_key=globex["api_key"], api_secret=globex["api_secret"])
    assert request_token(emulator, body_for(credentials)).status_code == 401


def _user(body: dict) -> dict:
    return body["auth"]["identity"]["password"]["user"]


def _without(mapping: dict, key: str) -> dict:
    return {k: v for k, v in mapping.items() if k != key}


# (what is wrong, how to break a good body, Keystone's status)
BROKEN_BODIES = [
    ("empty object", lambda b: {}, 400),
    ("no identity", lambda b: {"auth": {}}, 400),
    ("identity not an object", lambda b: {"auth": dict(b["auth"], identity=[])}, 400),
    ("a list", lambda b: [b], 400),
    ("no methods", lambda b: b["auth"]["identity"].pop("methods") and b, 400),
    ("token method", lambda b: b["auth"]["identity"].update(methods=["token"]) or b, 401),
    ("no user", lambda b: b["auth"]["identity"]["password"].pop("user") and b, 400),
    ("no password", lambda b: _user(b).pop("password") and b, 400),
    ("numeric password", lambda b: _user(b).update(password=123) or b, 400),
    ("another user domain", lambda b: _user(b).update(domain={"id": "other"}) or b, 401),
    ("no user domain", lambda b: _user(b).pop("domain") and b, 401),
    ("no scope", lambda b: {"auth": _without(b["auth"], "scope")}, 401),
    ("domain scope", lambda b: b["auth"].update(scope={"domain": {"id": "default"}}) or b, 401),
    ("project without id", lambda b: b["auth"].update(scope={"project": {"name": "x"}}) or b, 401),
]


@pytest.mark.parametrize(
    ("break_body", "status"),
    [pytest.param(f, status, id=name) for name, f, status in BROKEN_BODIES],
)
def test_a_body_keystone_cannot_use_is_a_keystone_400_or_401(emulator, acme, break_body, status):
    response = request_token(emulator, break_body(body_for(acme)))
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == status and error["title"] and error["message"]


@pytest.mark.parametrize("data", [b"not json", b"{", b"\xff\xfe\x00", b""])
def test_a_body_that_is_not_json_is_a_keystone_400(emulator, data):
    response = request_token(emulator, data=data, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["title"] == "Bad Request"


@pytest.mark.parametrize("state", ["suspended", "deleted"])
def test_a_suspended_or_deleted_tenant_still_authenticates_but_the_apps_api_refuses(
    emulator, state
):
    session = TenantSession.create(emulator, state=state)
    response = session.call("GET")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == f"Tenant is {state}"


@pytest.mark.parametrize("path", ["/v3", "/v3/"])
def test_the_version_document_lets_clients_discover_keystone_v3(emulator, path):
    response = requests.get(emulator.base_url + path, timeout=30)
    assert response.status_code == 200
    version = response.json()["version"]
    assert version["id"].startswith("v3.") and version["status"] == "stable"
    assert version["links"] == [{"rel": "self", "href": emulator.identity_url + "/"}]
    assert version["media-types"]
    assert response.headers["ECL-Transaction-ID"]


def test_the_root_lists_the_identity_versions(emulator):
    response = requests.get(emulator.base_url + "/", timeout=30, allow_redirects=False)
    assert response.status_code == 300
    [version] = response.json()["versions"]["values"]
    assert version["links"][0]["href"] == emulator.identity_url + "/"


def test_keystoneauth1_authenticates_and_lists_apps_by_url_and_by_catalog(emulator, acme):
    auth = v3.Password(
        auth_url=emulator.identity_url,
        username=acme["api_key"],
        password=acme["api_secret"],
        user_domain_id="default",
        project_id=acme["tenant_id"],
    )
    sess = ks_session.Session(auth=auth)
    path = f"/tenants/{acme['tenant_id']}/apps"

    by_url = sess.get(emulator.api_url + path, params={"expandApps": "true"})
    by_catalog = sess.get(path, endpoint_filter={"service_type": "webrtc", "interface": "public"})

    assert [app["id"] for app in by_url.json()] == [1000, 1001]
    assert [app["id"] for app in by_catalog.json()] == [1000, 1001]
    assert sess.get_endpoint(service_type="webrtc") == emulator.api_url
    assert sess.get_project_id() == acme["tenant_id"]
    assert emulator.stats()["auth_calls"] == 1


def test_keystoneauth1_discovers_the_identity_service_from_the_bare_url(emulator, acme):
    auth = generic.Password(
        auth_url=emulator.base_url,
        username=acme["api_key"],
        password=acme["api_secret"],
        user_domain_id="default",
        project_id=acme["tenant_id"],
    )
    sess = ks_session.Session(auth=auth)
    response = sess.get(
        f"/tenants/{acme['tenant_id']}/apps", endpoint_filter={"service_type": "webrtc"}
    )
    assert len(response.json()) == 2
