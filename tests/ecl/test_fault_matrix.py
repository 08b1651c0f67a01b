"""Every ECL fault against every page and API endpoint: the designed answer, never a 500,
nothing typed lost, nothing that is not idempotent sent twice, no unhandled error logged."""

import json
import logging

import pytest
from django.test import override_settings

from tests.helpers import login, make_tenant, token_for

# slow: every fault against every page and endpoint, a hundred and eighty cases, hangs included
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

TYPED = "Typed by the user, kept on failure"
OK = "ok"

# fault name -> how to bring it about (see `apply`)
FAULTS = [
    "status500",
    "status502",
    "status503",
    "status401_once",
    "reset_before",
    "reset_after",
    "hang",
    "malformed",
    "keystone_down",
    "keystone_rejects",
    "token_revoked",
    "tenant_suspended",
    "tenant_deleted",
]

# What the API answers, by fault and kind of call: read (GET), put, delete, create, renew.
# A write whose answer is lost (a 5xx, a reset or a hang after it was sent) is settled by reading
# back: `outcome_unknown` only when that read fails too. A renewal reads the key first, so a
# fault that strikes that read stops it before anything is sent.
UNKNOWN = (502, "outcome_unknown")
API_EXPECTED = {
    "status500": {"read": 503, "put": 503, "delete": UNKNOWN, "create": UNKNOWN, "renew": 503},
    "status502": {"read": 503, "put": 503, "delete": UNKNOWN, "create": UNKNOWN, "renew": 503},
    "status503": {"read": 503, "put": 503, "delete": UNKNOWN, "create": UNKNOWN, "renew": 503},
    "status401_once": dict.fromkeys(("read", "put", "delete", "create", "renew"), OK),
    # Reset before the DELETE: read back, still there, sent once more. Before the create: read
    # back, not made (503, nothing was changed).
    "reset_before": {"read": OK, "put": OK, "delete": OK, "create": 503, "renew": OK},
    "reset_after": {"read": OK, "put": OK, "delete": OK, "create": UNKNOWN, "renew": OK},
    "hang": {"read": 504, "put": 504, "delete": UNKNOWN, "create": UNKNOWN, "renew": 504},
    # A delete answered 2xx is done, whatever its body says.
    "malformed": {
        "read": 502,
        "put": 502,
        "delete": OK,
        "create": UNKNOWN,
        "renew": (502, "ecl_bad_response"),
    },
    "keystone_down": dict.fromkeys(("read", "put", "delete", "create", "renew"), 503),
    "keystone_rejects": dict.fromkeys(
        ("read", "put", "delete", "create", "renew"), (502, "ecl_credentials_rejected")
    ),
    "token_revoked": dict.fromkeys(("read", "put", "delete", "create", "renew"), OK),
    "tenant_suspended": dict.fromkeys(
        ("read", "put", "delete", "create", "renew"), (403, "tenant_unavailable")
    ),
    "tenant_deleted": dict.fromkeys(
        ("read", "put", "delete", "create", "renew"), (403, "tenant_unavailable")
    ),
}

# The same faults on the pages: the page's status, by kind of page.
PAGE_EXPECTED = {
    "status500": {"read": 503, "write": 503, "delete": 502, "post": 503},
    "status502": {"read": 503, "write": 503, "delete": 502, "post": 503},
    "status503": {"read": 503, "write": 503, "delete": 502, "post": 503},
    "status401_once": {"read": OK, "write": OK, "delete": OK, "post": OK},
    "reset_before": {"read": OK, "write": OK, "delete": OK, "post": OK},
    "reset_after": {"read": OK, "write": OK, "delete": OK, "post": OK},
    "hang": {"read": 504, "write": 504, "delete": 502, "post": 504},
    "malformed": {"read": 502, "write": 502, "delete": OK, "post": 502},
    "keystone_down": {"read": 503, "write": 503, "delete": 503, "post": 503},
    "keystone_rejects": {"read": 502, "write": 502, "delete": 502, "post": 502},
    "token_revoked": {"read": OK, "write": OK, "delete": OK, "post": OK},
    # ECL's own 403, on pages as in the API.
    "tenant_suspended": {"read": 403, "write": 403, "delete": 403, "post": 403},
    "tenant_deleted": {"read": 403, "write": 403, "delete": 403, "post": 403},
}

# A request refused for its token was not carried out; it is sent once more with a new token.
RESENT_BY_DESIGN = {"status401_once", "token_revoked"}
NON_IDEMPOTENT = {
    "POST /tenants/{tenant_id}/apps",
    "POST /tenants/{tenant_id}/apps/{app_id}/secretkey",
}

fast = override_settings(ECL_CONNECT_TIMEOUT=1.0, ECL_TIMEOUT=1.0, ECL_CALL_BUDGET=6.0)


@pytest.fixture
def world(db, emulator_server, emulator, users, client):
    """A tenant with apps, its first app's id, a superuser's clients (session and token)."""
    credentials = emulator.create_tenant(apps=3)
    tenant = make_tenant(emulator_server, credentials, name="Matrix")
    root = users["superuser"]
    login(client, root, reauthenticated=True)
    token = token_for(root)
    from apps_admin import ecl

    app_id = ecl.app_list(tenant)[0].id  # also caches a token
    form = client.get(f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/")
    return {
        "tenant": tenant,
        "credentials": credentials,
        "app_id": app_id,
        "token": token,
        "snapshot": form.context["snapshot"],
    }


def apply(fault: str, world: dict, emulator, emulator_server) -> None:
    tenant = world["tenant"]
    rule = {"method": "*", "path": "^/tenants/", "count": 50}
    match fault:
        case "status500" | "status502" | "status503":
            emulator.set_faults(rules=[{**rule, "status": int(fault[-3:])}])
        case "status401_once":
            emulator.set_faults(rules=[{**rule, "count": 1, "status": 401}])
        case "reset_before" | "reset_after":
            when = fault.split("_")[1]
            emulator.set_faults(rules=[{**rule, "count": 1, "action": "reset", "when": when}])
        case "hang":
            emulator.set_faults(rules=[{**rule, "action": "hang"}])
        case "malformed":
            emulator.set_faults(rules=[{**rule, "action": "malformed"}])
        case "keystone_down":
            tenant.identity_url = "http://127.0.0.1:1/v3"
            tenant.save()
            _forget_token(tenant)
        case "keystone_rejects":
            tenant.set_api_secret("not-the-secret")
            tenant.save()
            _forget_token(tenant)
        case "token_revoked":
            emulator.revoke_tokens()
        case "tenant_suspended" | "tenant_deleted":
            emulator.set_tenant_state(tenant.tenant_id, fault.split("_")[1])
    emulator.reset_stats()


def _forget_token(tenant) -> None:
    from django.core.cache import cache

    from apps_admin.ecl import tokens

    cache.delete(tokens.cache_key(tenant))


def sent_twice(emulator) -> list[str]:
    calls = emulator.stats()["calls"]
    return [route for route in NON_IDEMPOTENT if calls.get(route, 0) > 1]


def unhandled(caplog) -> list[str]:
    """Exceptions that escaped a view (Django logs designed 5xx answers at ERROR too, without
    a traceback: those are not unhandled)."""
    return [
        r.getMessage()
        for r in caplog.records
        if r.levelno >= logging.ERROR and (r.exc_info or "Internal Server Error" in r.getMessage())
    ]


API_CALLS = {
    "list": ("get", "read", "/api/tenants/{t}/apps?expandApps", None),
    "get": ("get", "read", "/api/tenants/{t}/apps/{a}", None),
    "create": ("post", "create", "/api/tenants/{t}/apps", {"description": TYPED}),
    "update": ("put", "put", "/api/tenants/{t}/apps/{a}", {"description": TYPED}),
    "delete": ("delete", "delete", "/api/tenants/{t}/apps/{a}", None),
    "reveal": ("get", "read", "/api/tenants/{t}/apps/{a}/secretkey", None),
    "renew": ("post", "renew", "/api/tenants/{t}/apps/{a}/secretkey", None),
}


@fast
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("call", API_CALLS)
def test_api_under_fault(client, world, emulator, emulator_server, caplog, fault, call):
    method, kind, template, body = API_CALLS[call]
    apply(fault, world, emulator, emulator_server)
    path = template.format(t=world["tenant"].tenant_id, a=world["app_id"])
    response = getattr(client, method)(
        path,
        data=json.dumps(body) if body else None,
        content_type="application/json",
        headers={"Authorization": f"Token {world['token']}"},
    )
    expected = API_EXPECTED[fault][kind]
    if expected == OK:
        assert response.status_code == 200, response.content
    else:
        status, code = expected if isinstance(expected, tuple) else (expected, None)
        assert response.status_code == status, response.content
        payload = response.json()
        assert payload["detail"]
        if code:
            assert payload["code"] == code
    assert response.status_code != 500
    assert sent_twice(emulator) == [] or fault in RESENT_BY_DESIGN
    assert unhandled(caplog) == []


def page_request(client, world, page: str):
    t, a = world["tenant"].tenant_id, world["app_id"]
    base = f"/tenants/{t}/apps/"
    match page:
        case "list":
            return "read", client.get(base)
        case "detail":
            return "read", client.get(f"{base}{a}/")
        case "save":
            data = {
                "description": TYPED,
                "domains": "kept.example.com",
                "permissions": ["TURN"],
                "status": "active",
                "recording_bucket_name": "",
                "snapshot": world["snapshot"],
            }
            return "write", client.post(f"{base}{a}/edit/", data)
        case "bulk":
            data = {"action": "suspend", "app": [a], "confirm": "yes"}
            return "bulk", client.post(f"{base}bulk/", data)
        case "delete":
            return "delete", client.post(f"{base}{a}/delete/", {"app_id": a})
        case "reveal":
            return "read", client.post(f"{base}{a}/secretkey/")
        case "renew":
            return "post", client.post(f"{base}{a}/secretkey/regenerate/")
    raise AssertionError(page)


PAGES = ["list", "detail", "save", "bulk", "delete", "reveal", "renew"]


@fast
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("page", PAGES)
def test_page_under_fault(client, world, emulator, emulator_server, caplog, fault, page):
    apply(fault, world, emulator, emulator_server)
    kind, response = page_request(client, world, page)
    assert response.status_code != 500
    html = response.content.decode()
    if kind == "bulk":
        # One summary of what happened to each app, on the list (a redirect) or a result page.
        assert response.status_code in (200, 302, 403, 502, 503, 504)
        if PAGE_EXPECTED[fault]["write"] != OK:
            shown = html if response.status_code != 302 else client.get(response["Location"])
            text = shown if isinstance(shown, str) else shown.content.decode()
            assert "ECL" in text or "tenant" in text
    else:
        expected = PAGE_EXPECTED[fault][kind if kind != "read" or page != "reveal" else "read"]
        if expected == OK:
            assert response.status_code in (200, 302), html[:500]
        else:
            assert response.status_code == expected, html[:2000]
            assert "ECL" in html or "tenant" in html
            if page == "save":
                assert TYPED in html  # what the user typed is still in the form
    assert sent_twice(emulator) == [] or fault in RESENT_BY_DESIGN
    assert unhandled(caplog) == []
