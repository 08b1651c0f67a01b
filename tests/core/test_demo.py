"""`make run`'s demo people: a viewer and an editor of the demo tenant, their passwords printed
once, so that a newcomer sees what each role sees."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError

from apps_admin.models import Membership

pytestmark = pytest.mark.django_db
User = get_user_model()


def test_the_demo_members_are_made_once_with_passwords_shown_once(tenant):
    out = io.StringIO()
    call_command("demo_members", tenant.tenant_id, stdout=out)
    text = out.getvalue()
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"viewer": "viewer", "editor": "editor"}
    for username in ("viewer", "editor"):
        password = text.split(f"Created '{username}'")[1].split("with password: ")[1].split()[0]
        user = User.objects.get(username=username)
        assert user.check_password(password)
    again = io.StringIO()
    call_command("demo_members", tenant.tenant_id, stdout=again)
    assert "password: " not in again.getvalue() and "printed on the first run" in again.getvalue()
    assert Membership.objects.count() == 2


def test_an_unknown_tenant_is_refused(db):
    with pytest.raises(CommandError, match="No tenant"):
        call_command("demo_members", "f" * 32)
