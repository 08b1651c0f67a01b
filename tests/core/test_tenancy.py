"""Tenants, memberships and group roles change through one door, `apps_admin/tenancy.py`, as apps
do through `app_actions`: nothing else writes them, and each change is audited once, under one
name, whether it comes from the admin, `tenant_add`, `tenant_grant`, `tenant_revoke` or the
sign-in's group sync."""

import ast
import io
import os

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.management import call_command

from apps_admin import tenancy
from apps_admin.models import AuditEvent, GroupRole, Membership, Tenant
from tests.helpers import ROOT

pytestmark = pytest.mark.django_db

APPS_ADMIN = ROOT / "apps_admin"
MODELS = {"Tenant", "Membership", "GroupRole"}
RELATED = {"memberships", "group_roles"}  # tenant.memberships.create(...), ...
WRITES = {
    "create",
    "get_or_create",
    "update_or_create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "save",
}
ADMIN_WRITES = {"save_model", "delete_model", "delete_queryset"}
ACTIONS = {"tenant.change", "membership.change", "grouprole.change"}


def _root_names(node: ast.AST) -> set[str]:
    """Every name and attribute along a call chain: `Membership.objects.filter(...).delete`."""
    found = set()
    for part in ast.walk(node):
        if isinstance(part, ast.Name):
            found.add(part.id)
        elif isinstance(part, ast.Attribute):
            found.add(part.attr)
    return found


def _model_bound_names(tree: ast.AST) -> set[str]:
    """Names bound to one of the models' rows: assigned from an expression that names a model,
    looped over one, or a parameter annotated with one."""
    bound = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and MODELS & _root_names(node.value):
            bound.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.For) and MODELS & _root_names(node.iter):
            bound.update(t.id for t in ast.walk(node.target) if isinstance(t, ast.Name))
        elif (
            isinstance(node, ast.arg)
            and node.annotation is not None
            and MODELS & _root_names(node.annotation)
        ):
            bound.add(node.arg)
    return bound


def writes_in(source: str) -> list[str]:
    """Where the source writes a tenant, a membership or a group role, or audits one."""
    tree = ast.parse(source)
    bound = _model_bound_names(tree)
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = getattr(func, "attr", getattr(func, "id", ""))
        if name == "record" and len(node.args) > 1:
            action = node.args[1]
            if isinstance(action, ast.Constant) and action.value in ACTIONS:
                found.append(f"{node.lineno}: records {action.value}")
        if not isinstance(func, ast.Attribute):
            continue
        receiver = func.value
        if name in WRITES and (MODELS | RELATED) & _root_names(receiver):
            found.append(f"{node.lineno}: {name} on {ast.unparse(receiver)}")
        elif name in {"save", "delete"} and isinstance(receiver, ast.Name) and receiver.id in bound:
            found.append(f"{node.lineno}: {receiver.id}.{name}()")
        elif name in ADMIN_WRITES and ast.unparse(receiver) == "super()":
            found.append(f"{node.lineno}: super().{name}")
    return found


def test_no_module_but_tenancy_writes_tenants_memberships_or_group_roles():
    offenders = []
    for path in APPS_ADMIN.rglob("*.py"):
        relative = path.relative_to(APPS_ADMIN).as_posix()
        if relative in ("tenancy.py", "models.py") or relative.startswith("migrations/"):
            continue
        offenders += [f"{relative}:{where}" for where in writes_in(path.read_text())]
    assert offenders == []


@pytest.mark.parametrize(
    "snippet",
    [
        "Membership.objects.create(user=u, tenant=t, role='admin')",
        "Membership.objects.filter(user=u).delete()",
        "Tenant.objects.filter(pk=1).update(name='x')",
        "tenant.memberships.all().delete()",
        "GroupRole.objects.update_or_create(group='g', tenant=t)",
        "tenant = Tenant(name='x')\ntenant.save()",
        "m = Membership.objects.get(pk=1)\nm.delete()",
        "for m in Membership.objects.all():\n    m.save()",
        "def f(tenant: Tenant):\n    tenant.save()",
        "audit.record(request, 'membership.change', changes={})",
        "class A:\n    def save_model(self, r, o, f, c):\n        super().save_model(r, o, f, c)",
    ],
)
def test_the_scan_sees_a_write_in_any_form(snippet):
    assert writes_in(snippet) != []


def test_the_scan_leaves_other_models_alone():
    assert writes_in("user.save()\nApiToken.objects.filter(pk=1).update(name='x')") == []


@pytest.mark.parametrize("model", [Tenant, Membership, GroupRole])
def test_the_admin_of_each_model_writes_through_the_door(model):
    """Django admin's own save_model and delete_model would write without an audit event."""
    model_admin = type(admin.site._registry[model])
    for method in ADMIN_WRITES:
        assert getattr(model_admin, method) is not getattr(admin.ModelAdmin, method), method
    for registered in admin.site._registry.values():
        for inline in registered.inlines:
            if inline.model is model:
                assert type(registered).save_formset is not admin.ModelAdmin.save_formset


# --- Each change once, under one name ----------------------------------------------------------

TENANT_ID = "c" * 32


def events(action: str) -> list[dict]:
    return [e.changes for e in AuditEvent.objects.filter(action=action).order_by("id")]


def tenant_add(name: str, api_key: str = "key", secret: str = "first-secret") -> str:
    out = io.StringIO()
    os.environ["ECL_API_SECRET"] = secret
    try:
        call_command(
            *("tenant_add", "--name", name, "--tenant-id", TENANT_ID, "--region", "jp1"),
            *("--api-key", api_key),
            stdout=out,
        )
    finally:
        del os.environ["ECL_API_SECRET"]
    return out.getvalue()


def test_tenant_add_audits_a_creation_and_each_change_never_the_secret():
    assert "Created tenant" in tenant_add("Acme")
    assert "Updated tenant" in tenant_add("Acme Corp", api_key="key-2", secret="second-secret")
    assert "nothing was changed" in tenant_add("Acme Corp", api_key="key-2", secret="second-secret")
    created, changed = events("tenant.change")
    assert created["name"] == {"from": None, "to": "Acme"}
    assert "api_url" not in created  # empty: not a change
    assert changed == {
        "name": {"from": "Acme", "to": "Acme Corp"},
        "api_key": {"from": "key", "to": "key-2"},
        "api_secret": {"from": "(changed)", "to": "(changed)"},
    }
    assert "second-secret" not in repr(events("tenant.change"))
    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) == {"manage.py"}
    assert Tenant.objects.get().api_secret == "second-secret"


def test_a_grant_by_hand_and_a_role_from_groups_are_kept_apart(tenant):
    dana = get_user_model().objects.create_user("dana")
    tenancy.sync_groups(None, dana, {tenant.pk: "viewer"})
    membership = tenancy.grant(None, dana, tenant, "admin")
    assert (membership.role, membership.role_by_hand, membership.role_from_groups) == (
        "admin",
        "admin",
        "viewer",
    )
    tenancy.sync_groups(None, dana, {tenant.pk: "editor"})  # the next sign-in
    assert Membership.objects.get(user=dana).role == "admin"
    tenancy.revoke(None, dana, tenant)
    assert Membership.objects.get(user=dana).role == "editor"  # what the group gives stays
    tenancy.grant(None, dana, tenant, "viewer")
    tenancy.sync_groups(None, dana, {})  # the group is gone: only its part goes
    assert Membership.objects.get(user=dana).role == "viewer"
    tenancy.revoke(None, dana, tenant)
    assert not Membership.objects.filter(user=dana).exists()
    roles = [
        (c.get("role_by_hand"), c.get("role_from_groups")) for c in events("membership.change")
    ]
    assert len(roles) == 7  # one event per change, none twice


def test_tenant_grant_changes_only_the_hand_part_and_says_what_is_in_force(tenant):
    dana = get_user_model().objects.create_user("dana")
    tenancy.sync_groups(None, dana, {tenant.pk: "admin"})
    out = io.StringIO()
    call_command("tenant_grant", "dana", tenant.tenant_id, "viewer", stdout=out)
    assert "admin stays in force" in out.getvalue()
    out = io.StringIO()
    call_command("tenant_revoke", "dana", tenant.tenant_id, stdout=out)
    assert "their groups still give admin" in out.getvalue()
    assert Membership.objects.get(user=dana).role == "admin"


def test_group_roles_changed_in_the_admin_are_audited(client_as, users, tenant):
    client = client_as("superuser")
    added = client.post(
        "/admin/apps_admin/grouprole/add/",
        {"group": "portal-ops", "tenant": tenant.pk, "role": "viewer"},
    )
    assert added.status_code == 302
    mapping = GroupRole.objects.get()
    client.post(
        f"/admin/apps_admin/grouprole/{mapping.pk}/change/",
        {"group": "portal-ops", "tenant": tenant.pk, "role": "editor"},
    )
    client.post(f"/admin/apps_admin/grouprole/{mapping.pk}/delete/", {"post": "yes"})
    assert not GroupRole.objects.exists()
    assert events("grouprole.change") == [
        {"group": {"from": None, "to": "portal-ops"}, "role": {"from": None, "to": "viewer"}},
        {"role": {"from": "viewer", "to": "editor"}},
        {"group": {"from": "portal-ops", "to": None}, "role": {"from": "editor", "to": None}},
    ]
    assert set(AuditEvent.objects.values_list("actor_username", flat=True)) == {"root"}


def test_a_member_added_in_the_tenant_form_is_audited_once(client_as, users, tenant):
    client = client_as("superuser")
    dana = get_user_model().objects.create_user("dana")
    initial = list(Membership.objects.filter(tenant=tenant).order_by("pk"))
    data = {
        "name": tenant.name,
        "tenant_id": tenant.tenant_id,
        "region": "jp1",
        "identity_url": tenant.identity_url,
        "api_url": tenant.api_url,
        "api_key": tenant.api_key,
        "memberships-TOTAL_FORMS": str(len(initial) + 1),
        "memberships-INITIAL_FORMS": str(len(initial)),
    }
    for index, membership in enumerate(initial):
        data[f"memberships-{index}-id"] = membership.pk
        data[f"memberships-{index}-tenant"] = tenant.pk
        data[f"memberships-{index}-user"] = membership.user_id
        data[f"memberships-{index}-role_by_hand"] = membership.role_by_hand
    new = len(initial)
    data[f"memberships-{new}-tenant"] = tenant.pk
    data[f"memberships-{new}-user"] = dana.pk
    data[f"memberships-{new}-role_by_hand"] = "editor"
    answer = client.post(f"/admin/apps_admin/tenant/{tenant.pk}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    assert Membership.objects.get(user=dana).role == "editor"
    assert events("membership.change") == [
        {
            "user": {"from": None, "to": "dana"},
            "role": {"from": None, "to": "editor"},
            "role_by_hand": {"from": None, "to": "editor"},
        }
    ]
    assert not AuditEvent.objects.filter(action="tenant.change").exists()  # nothing changed


def test_the_admin_shows_both_sources(client_as, users, tenant):
    dana = get_user_model().objects.create_user("dana")
    tenancy.sync_groups(None, dana, {tenant.pk: "viewer"})
    tenancy.grant(None, dana, tenant, "editor")
    page = client_as("superuser").get("/admin/apps_admin/membership/").content.decode()
    assert "Role granted by hand" in page and "Role from the identity provider" in page
