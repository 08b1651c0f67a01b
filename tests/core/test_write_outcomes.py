"""What the portal says became of a write is what ECL did: every write, from a page and from the
API, against a gateway that loses or replaces ECL's answer after (or before) ECL acted. The
emulator's journal is the witness: it says whether each request was carried out."""

import re

import pytest
from django.test import override_settings

from apps_admin import ecl
from apps_admin.models import AuditEvent
from tests.helpers import login, token_client

# slow: 80 writes, an eighth of them waiting out a stalled answer
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NGINX_502 = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    "</center><hr><center>nginx</center></body></html>"
)
ENVOY_503 = "upstream connect error or disconnect/reset before headers. reset reason: overflow"
GATEWAY_504 = "<html><body><h1>504 Gateway Time-out</h1>The server didn't respond in time.</html>"

# What a gateway in front of ECL does to the write request (and to it alone).
FAULTS = {
    "drop_after": {"action": "reset", "when": "after", "count": 5},
    "stall_after": {"action": "hang", "when": "after", "count": 5},
    "gateway_502_after": {
        "status": 502,
        "body": NGINX_502,
        "content_type": "text/html",
        "when": "after",
        "count": 5,
    },
    "gateway_503_after": {"status": 503, "body": ENVOY_503, "when": "after", "count": 5},
    "gateway_504_after": {
        "status": 504,
        "body": GATEWAY_504,
        "content_type": "text/html",
        "when": "after",
        "count": 5,
    },
    "drop_first_answer": {"action": "reset", "when": "after", "count": 1},
    # The other way round: refused before ECL saw it, answered as if it might have.
    "gateway_503_before": {"status": 503, "body": ENVOY_503, "count": 1},
    "drop_before_twice": {"action": "reset", "count": 2},
}
WRITES = ("create", "update", "status", "delete", "renew")
ACTIONS = {
    "create": "app.create",
    "update": "app.update",
    "status": "app.suspend",
    "delete": "app.delete",
    "renew": "secretkey.renew",
}
DONE = ("ok", "settled_done")

fast = override_settings(ECL_CONNECT_TIMEOUT=1.0, ECL_TIMEOUT=1.0, ECL_CALL_BUDGET=6.0)


def write_rule(write: str, app_id: str) -> dict:
    """The method and path of the write's own request."""
    method, path = {
        "create": ("POST", r"^/tenants/[0-9a-f]+/apps$"),
        "update": ("PUT", rf"/apps/{app_id}$"),
        "status": ("PUT", rf"/apps/{app_id}$"),
        "delete": ("DELETE", rf"/apps/{app_id}$"),
        "renew": ("POST", rf"/apps/{app_id}/secretkey$"),
    }[write]
    return {"method": method, "path": path}


def journal_of(emulator, rule: dict) -> list[dict]:
    return [
        entry
        for entry in emulator.requests()
        if entry["method"] == rule["method"] and re.search(rule["path"], entry["path"])
    ]


def page_request(client, tenant, app_id: str, write: str, description: str):
    """The page's POST of the write, made ready before the gateway misbehaves (an edit form is
    opened first); calling it sends it."""
    base = f"/tenants/{tenant.tenant_id}/apps"
    if write == "create":
        data = {"description": description, "status": "active", "domains": "", "permissions": []}
        return lambda: client.post(f"{base}/new/", data)
    if write == "update":
        shown = client.get(f"{base}/{app_id}/edit/")
        form = shown.context["form"]
        data = {
            "description": description,
            "domains": form["domains"].value(),
            "permissions": form["permissions"].value(),
            "status": form["status"].value(),
            "recording_bucket_name": "",
            "snapshot": shown.context["snapshot"],
        }
        return lambda: client.post(f"{base}/{app_id}/edit/", data)
    if write == "status":
        return lambda: client.post(
            f"{base}/{app_id}/status/", {"status": "suspended", "was": "active", "confirm": "yes"}
        )
    if write == "delete":
        return lambda: client.post(f"{base}/{app_id}/delete/", {"app_id": app_id})
    return lambda: client.post(f"{base}/{app_id}/secretkey/regenerate/")


def page_said(client, write: str, response) -> tuple[str, object]:
    """What the page said: ("done", the key shown for a renewal), ("not_done", None),
    ("maybe", [app ids named]) or ("other", what it was)."""
    html = response.content.decode()
    if response.status_code == 302:
        shown = client.get(response["Location"]).content.decode()
        words = {
            "create": "was added",
            "update": "was saved",
            "status": "The app is suspended",
            "delete": "was deleted",
        }[write]
        assert words in shown, shown[:3000]
        return "done", None
    if write == "renew" and response.status_code == 200:
        assert "was regenerated" in html
        return "done", re.search(r'id="secret-value">([^<]+)</code>', html)[1]
    if "This app may be the one you just added:" in html:
        return "maybe", re.findall(r'<li><a href="/tenants/[0-9a-f]+/apps/([^/]+)/">', html)
    if "Nothing was changed" in html and response.status_code == 503:
        return "not_done", None
    return "other", (response.status_code, html[:2000])


def api_request(client, tenant, app_id: str, write: str, description: str):
    base = f"/api/tenants/{tenant.tenant_id}/apps"
    return {
        "create": lambda: client.post(base, {"description": description}, format="json"),
        "update": lambda: client.put(
            f"{base}/{app_id}", {"description": description}, format="json"
        ),
        "status": lambda: client.put(f"{base}/{app_id}", {"status": "suspended"}, format="json"),
        "delete": lambda: client.delete(f"{base}/{app_id}"),
        "renew": lambda: client.post(f"{base}/{app_id}/secretkey"),
    }[write]


def api_said(response) -> tuple[str, object]:
    body = response.json()
    if response.status_code == 200:
        return "done", body.get("secretkey")
    if body.get("code") == "outcome_unknown" and (body.get("found") or {}).get("apps"):
        return "maybe", [str(app["id"]) for app in body["found"]["apps"]]
    if response.status_code == 503 and "Nothing was changed" in body["detail"]:
        assert body["code"] == "ecl_unavailable"
        return "not_done", None
    return "other", (response.status_code, body)


def audit_said(write: str, app_id: str) -> tuple[str, object]:
    event = AuditEvent.objects.get(action=ACTIONS[write])
    if event.outcome in DONE:
        return "done", None
    if event.outcome == "settled_not_done":
        return "not_done", None
    if event.outcome == "unknown" and event.findings.get("apps"):
        return "maybe", [app["id"] for app in event.findings["apps"]]
    return "other", event.outcome


@fast
@pytest.mark.parametrize("surface", ["page", "api"])
@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("write", WRITES)
def test_what_the_portal_says_is_what_the_journal_shows(
    client, users, tenant, emulator, write, fault, surface
):
    app_id = ecl.app_list(tenant)[0].id  # a token in the cache too
    if write == "status":
        # The emulator seeds some apps suspended: a suspension read back would be "done" already.
        ecl.app_update_answer(tenant, app_id, {"status": "active"})
    key_before = ecl.secretkey_get(tenant, app_id)
    description = f"{write} {fault} {surface}"
    rule = write_rule(write, app_id)
    if surface == "page":
        page = login(client, users["admin"], reauthenticated=True)
        send = page_request(page, tenant, app_id, write, description)
    else:
        send = api_request(token_client(users["admin"]), tenant, app_id, write, description)
    emulator.clear_requests()
    emulator.set_faults(rules=[{**rule, **FAULTS[fault]}])
    response = send()
    said = page_said(page, write, response) if surface == "page" else api_said(response)
    emulator.clear_faults()

    journal = journal_of(emulator, rule)
    done = any(entry["carried_out"] for entry in journal)
    made = [app for app in ecl.app_list(tenant) if app.description == description]
    if write == "create":
        # Never a second app; the one made is named, never "nothing was changed".
        assert sum(entry["carried_out"] for entry in journal) == len(made) <= 1
        truth = ("maybe", [made[0].id]) if made else ("not_done", None)
    else:
        assert len(journal) <= 2  # a PUT or DELETE read back as not made is sent once more
        truth = ("done" if done else "not_done", None)
    assert said[0] == truth[0], (said, journal)
    if truth[0] == "maybe":
        assert said[1] == truth[1]
    assert audit_said(write, app_id)[0] == truth[0]
    if truth[0] == "maybe":
        assert audit_said(write, app_id)[1] == truth[1]
    # And ECL holds what the journal says.
    if write == "update":
        assert (ecl.app_get(tenant, app_id).description == description) is done
    elif write == "status":
        assert (ecl.app_get(tenant, app_id).status == "suspended") is done
    elif write == "delete":
        assert (app_id not in {app.id for app in ecl.app_list(tenant)}) is done
    elif write == "renew":
        key_now = ecl.secretkey_get(tenant, app_id)
        assert (key_now != key_before) is done
        if done:
            assert said[1] == key_now  # the key shown is the key in force
