"""`GET /api/tenants`: the tenants the caller may see, with their role (portal only)."""

import pytest
from rest_framework.test import APIClient

from apps_admin.models import Membership, Tenant
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("actor", ["viewer", "editor", "admin"])
def test_a_member_sees_their_tenant_with_their_role(users, tenant, actor):
    response = token_client(users[actor]).get("/api/tenants")
    assert response.status_code == 200
    assert response.json() == [{"tenant_id": tenant.tenant_id, "name": "Acme", "role": actor}]


def test_a_member_of_another_tenant_sees_only_that_one(users, other_tenant):
    response = token_client(users["outsider"]).get("/api/tenants")
    assert response.json() == [
        {"tenant_id": other_tenant.tenant_id, "name": "Other Corp", "role": "admin"}
    ]


def test_a_superuser_sees_every_tenant_as_admin(users, tenant, other_tenant):
    response = token_client(users["superuser"]).get("/api/tenants/")
    assert response.status_code == 200
    assert response.json() == [
        {"tenant_id": tenant.tenant_id, "name": "Acme", "role": "admin"},
        {"tenant_id": other_tenant.tenant_id, "name": "Other Corp", "role": "admin"},
    ]


def test_a_member_of_several_tenants_sees_them_by_name(users, tenant, other_tenant):
    Membership.objects.create(user=users["viewer"], tenant=other_tenant, role="editor")
    names = [t["name"] for t in token_client(users["viewer"]).get("/api/tenants").json()]
    assert names == ["Acme", "Other Corp"]


def test_a_user_without_memberships_sees_an_empty_list(django_user_model, db):
    loner = django_user_model.objects.create_user("lone", password="x-long-password-1")
    assert token_client(loner).get("/api/tenants").json() == []


def test_listing_tenants_makes_no_upstream_call(users, tenant, emulator):
    emulator.reset_stats()
    token_client(users["superuser"]).get("/api/tenants")
    assert emulator.stats()["api_calls"] == emulator.stats()["auth_calls"] == 0


def test_anonymous_is_401(db):
    assert APIClient().get("/api/tenants").status_code == 401


def test_writing_to_the_tenant_list_is_405(users, tenant):
    response = token_client(users["superuser"]).post("/api/tenants", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert Tenant.objects.count() == 2
