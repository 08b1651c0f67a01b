"""Every change to an app goes through `app_actions`, and is audited under one name wherever it
comes from: the pages, bulk actions or the API."""

import ast

import pytest
from rest_framework.test import APIClient

from apps_admin import ecl
from apps_admin.models import AuditEvent
from tests.helpers import ROOT, app_id_in, token_client

pytestmark = pytest.mark.django_db

APPS_ADMIN = ROOT / "apps_admin"
ECL_WRITES = {
    "app_create_answer",
    "app_update_answer",
    "app_delete_answer",
    "secretkey_get",
    "secretkey_renew",
}


def test_no_module_but_app_actions_writes_to_ecl_or_audits_an_app():
    offenders = []
    for path in APPS_ADMIN.rglob("*.py"):
        relative = path.relative_to(APPS_ADMIN).as_posix()
        if relative == "app_actions.py" or relative.startswith("ecl/"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ECL_WRITES:
                offenders.append(f"{relative}:{node.lineno} calls {name}")
            if name == "record" and len(node.args) > 1:
                action = node.args[1]
                if isinstance(action, ast.Constant) and str(action.value).startswith(
                    ("app.", "secretkey.")
                ):
                    offenders.append(f"{relative}:{node.lineno} records {action.value}")
    assert offenders == []


def api(users, actor="admin") -> APIClient:
    return token_client(users[actor])


def page(client_as):
    return client_as("admin", reauthenticated=True)


def via_detail_button(client_as, users, tenant, app_id, status):
    page(client_as).post(
        f"/tenants/{tenant.tenant_id}/apps/{app_id}/status/", {"status": status, "confirm": "yes"}
    )


def via_edit_form(client_as, users, tenant, app_id, status):
    client = page(client_as)
    shown = client.get(f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/")
    form = shown.context["form"]
    data = {
        "description": form["description"].value(),
        "domains": form["domains"].value(),
        "permissions": form["permissions"].value(),
        "status": status,
        "recording_bucket_name": form["recording_bucket_name"].value(),
        "snapshot": shown.context["snapshot"],
    }
    client.post(f"/tenants/{tenant.tenant_id}/apps/{app_id}/edit/", data)


def via_bulk(client_as, users, tenant, app_id, status):
    action = "suspend" if status == "suspended" else "activate"
    page(client_as).post(
        f"/tenants/{tenant.tenant_id}/apps/bulk/",
        {"action": action, "app": [app_id], "confirm": "yes"},
    )


def via_api_status_alone(client_as, users, tenant, app_id, status):
    api(users).put(
        f"/api/tenants/{tenant.tenant_id}/apps/{app_id}", {"status": status}, format="json"
    )


def via_api_whole_body(client_as, users, tenant, app_id, status):
    client = api(users)
    app = client.get(f"/api/tenants/{tenant.tenant_id}/apps/{app_id}").json()
    body = {key: app[key] for key in ("description", "domains", "permissions")}
    client.put(
        f"/api/tenants/{tenant.tenant_id}/apps/{app_id}", {**body, "status": status}, format="json"
    )


@pytest.mark.parametrize(
    "change",
    [via_detail_button, via_edit_form, via_bulk, via_api_status_alone, via_api_whole_body],
)
def test_a_change_of_status_alone_is_suspend_or_activate_wherever_it_comes_from(
    client_as, users, tenant, change
):
    app_id = ecl.app_list(tenant)[0].id
    ecl.app_update_answer(tenant, app_id, {"status": "active"})
    change(client_as, users, tenant, app_id, "suspended")
    change(client_as, users, tenant, app_id, "active")
    events = AuditEvent.objects.filter(app_id=app_id).order_by("id")
    assert [(e.action, e.outcome) for e in events] == [
        ("app.suspend", "ok"),
        ("app.activate", "ok"),
    ]
    assert [e.changes["status"]["to"] for e in events] == ["suspended", "active"]


def test_each_other_action_has_one_name_on_pages_and_api(client_as, users, tenant):
    client, rest = page(client_as), api(users)
    base = f"/tenants/{tenant.tenant_id}/apps"
    made = client.post(f"{base}/new/", {"description": "Page", "status": "active"})
    page_id = app_id_in(made["Location"])
    api_id = str(rest.post(f"/api{base}", {"description": "API"}, format="json").json()["id"])
    client.post(f"{base}/{page_id}/secretkey/")
    rest.get(f"/api{base}/{api_id}/secretkey")
    client.post(f"{base}/{page_id}/secretkey/regenerate/")
    rest.post(f"/api{base}/{api_id}/secretkey")
    client.post(f"{base}/{page_id}/delete/", {"app_id": page_id})
    rest.delete(f"/api{base}/{api_id}")
    by_app = {
        app_id: list(
            AuditEvent.objects.filter(app_id=app_id).order_by("id").values_list("action", "outcome")
        )
        for app_id in (page_id, api_id)
    }
    expected = [
        ("app.create", "ok"),
        ("secretkey.reveal", "ok"),
        ("secretkey.renew", "ok"),
        ("app.delete", "ok"),
    ]
    assert by_app == {page_id: expected, api_id: expected}
