"""The role table: who may browse, change and see secrets in which tenant."""

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import Http404
from django.test import RequestFactory

from apps_admin import access
from apps_admin.models import AuditEvent, Membership, Role

pytestmark = pytest.mark.django_db


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    request.request_id = "test-request"
    return request


@pytest.mark.parametrize(
    ("actor", "browse", "manage", "secrets"),
    [
        ("viewer", True, False, False),
        ("editor", True, True, False),
        ("admin", True, True, True),
        ("superuser", True, True, True),
    ],
)
def test_the_role_table(users, tenant, actor, browse, manage, secrets):
    request = request_by(users[actor])
    for needed, allowed in [(Role.VIEWER, browse), (Role.EDITOR, manage), (Role.ADMIN, secrets)]:
        if allowed:
            assert access.tenant_for(request, tenant.tenant_id, needed)[0] == tenant
        else:
            with pytest.raises(PermissionDenied, match=f"Your role in this tenant is {actor}"):
                access.tenant_for(request, tenant.tenant_id, needed)


@pytest.mark.parametrize("actor", ["viewer", "superuser"])
def test_the_tenant_and_the_role_take_one_query(users, tenant, actor, django_assert_num_queries):
    request = request_by(users[actor])
    with django_assert_num_queries(1):
        found, role = access.tenant_for(request, tenant.tenant_id, Role.VIEWER)
    assert (found, role) == (tenant, Role.VIEWER if actor == "viewer" else Role.ADMIN)
    assert found.name == tenant.name


def test_a_non_member_gets_404_as_if_the_tenant_did_not_exist(users, tenant):
    request = request_by(users["outsider"])
    with pytest.raises(Http404) as existing:
        access.tenant_for(request, tenant.tenant_id, Role.VIEWER)
    with pytest.raises(Http404) as missing:
        access.tenant_for(request, "0" * 32, Role.VIEWER)
    assert str(existing.value) == str(missing.value)


def test_every_denial_is_audited(users, tenant):
    with pytest.raises(PermissionDenied):
        access.tenant_for(request_by(users["viewer"]), tenant.tenant_id, Role.ADMIN)
    with pytest.raises(Http404):
        access.tenant_for(request_by(users["outsider"]), tenant.tenant_id, Role.VIEWER)
    events = list(AuditEvent.objects.filter(action="access.denied").order_by("id"))
    # A member's refusal is the tenant's; an outsider's goes to the global log only.
    assert [(e.actor_username, e.outcome, e.tenant_id) for e in events] == [
        ("vera", "denied", tenant.tenant_id),
        ("mallory", "denied", ""),
    ]
    assert events[0].request_id == "test-request"


def test_repeated_denials_are_recorded_once_per_person_and_tenant(users, tenant, other_tenant):
    for _ in range(50):
        with pytest.raises(PermissionDenied):
            access.tenant_for(request_by(users["viewer"]), tenant.tenant_id, Role.ADMIN)
        with pytest.raises(Http404):
            access.tenant_for(request_by(users["viewer"]), other_tenant.tenant_id, Role.VIEWER)
        with pytest.raises(Http404):
            access.tenant_for(request_by(users["viewer"]), "0" * 32, Role.VIEWER)
    events = AuditEvent.objects.filter(action="access.denied")
    assert sorted(events.values_list("tenant_id", flat=True)) == ["", tenant.tenant_id]
    with pytest.raises(PermissionDenied):
        access.tenant_for(request_by(users["editor"]), tenant.tenant_id, Role.ADMIN)
    assert events.count() == 3  # another person is another event


def test_a_deactivated_member_has_no_role(users, tenant):
    vera = users["viewer"]
    vera.is_active = False
    vera.save()
    assert access.role_in(vera, tenant) is None


def test_visible_tenants_lists_memberships_and_everything_for_superusers(
    users, tenant, other_tenant
):
    assert access.visible_tenants(users["viewer"]) == [(tenant, Role.VIEWER)]
    assert access.visible_tenants(users["outsider"]) == [(other_tenant, Role.ADMIN)]
    assert {t for t, _ in access.visible_tenants(users["superuser"])} == {tenant, other_tenant}
    assert access.visible_tenants(users["superuser"])[0][1] == Role.ADMIN


def test_tenant_grant_grants_changes_and_revokes_a_role_and_audits_it(users, tenant):
    call_command("tenant_grant", "mallory", tenant.tenant_id, "viewer", stdout=io.StringIO())
    assert Membership.objects.get(user=users["outsider"], tenant=tenant).role == "viewer"
    call_command(
        "tenant_grant", "mallory", tenant.tenant_id.upper(), "editor", stdout=io.StringIO()
    )
    assert Membership.objects.get(user=users["outsider"], tenant=tenant).role == "editor"
    out = io.StringIO()
    call_command("tenant_revoke", "mallory", tenant.tenant_id, stdout=out)
    assert out.getvalue() == f"Revoked mallory's role in {tenant.name}.\n"
    assert not Membership.objects.filter(user=users["outsider"], tenant=tenant).exists()
    changes = [
        e.changes for e in AuditEvent.objects.filter(action="membership.change").order_by("id")
    ]
    assert changes == [
        {
            "role": {"from": None, "to": "viewer"},
            "role_by_hand": {"from": None, "to": "viewer"},
            "user": {"from": None, "to": "mallory"},
        },
        {
            "role": {"from": "viewer", "to": "editor"},
            "role_by_hand": {"from": "viewer", "to": "editor"},
        },
        {
            "role": {"from": "editor", "to": None},
            "role_by_hand": {"from": "editor", "to": None},
            "user": {"from": "mallory", "to": None},
        },
    ]
    assert {e.actor_username for e in AuditEvent.objects.all()} == {"manage.py"}


def test_tenant_grant_explains_its_mistakes(users, tenant):
    with pytest.raises(CommandError, match="No user"):
        call_command("tenant_grant", "nobody", tenant.tenant_id, "viewer")
    with pytest.raises(CommandError, match="No tenant"):
        call_command("tenant_grant", "vera", "0" * 32, "viewer")
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("tenant_grant", "vera", tenant.tenant_id, "owner")
    with pytest.raises(CommandError, match="Give a ROLE"):
        call_command("tenant_grant", "vera", tenant.tenant_id)
    with pytest.raises(CommandError, match="No tenant"):
        call_command("tenant_revoke", "vera", "0" * 32)


@pytest.mark.parametrize("tenant_id", ["x\x00y", "../../etc", "F" * 33, "g" * 32, ""])
def test_a_malformed_tenant_id_is_404_and_audited_without_control_characters(users, tenant_id):
    with pytest.raises(Http404):
        access.tenant_for(request_by(users["viewer"]), tenant_id, Role.VIEWER)
    event = AuditEvent.objects.get(action="access.denied")
    assert event.tenant_id == ""  # no tenant of the person's: the global log


def test_an_upper_case_tenant_id_is_the_same_tenant(users, tenant):
    found, _ = access.tenant_for(request_by(users["viewer"]), tenant.tenant_id.upper(), Role.VIEWER)
    assert found == tenant


def test_a_refusal_says_what_was_tried_and_the_role_needed(users, tenant, client_as):
    from apps_admin.pages import audit_view

    request = RequestFactory().post("/tenants/x/apps/1000/edit/?q=secret")
    request.user, request.request_id = users["viewer"], "r"
    with pytest.raises(PermissionDenied):
        access.tenant_for(request, tenant.tenant_id, Role.EDITOR)
    event = AuditEvent.objects.get(action="access.denied")
    assert event.changes == {
        "tried": {"from": None, "to": "POST /tenants/x/apps/1000/edit/"},  # no query string
        "role": {"from": "viewer", "to": "editor"},
    }
    shown = {change.label: change.text for change in audit_view.changes(event)}
    assert shown == {"Role": "Viewer; needed: Editor", "Tried": "POST /tenants/x/apps/1000/edit/"}
    page = client_as("admin").get(f"/tenants/{tenant.tenant_id}/audit/").content.decode()
    assert "Access refused" in page and "POST /tenants/x/apps/1000/edit/" in page
    assert "Viewer; needed: Editor" in page
