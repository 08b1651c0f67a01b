"""`tenant_revoke USERNAME TENANT_ID`: remove the role granted by hand; a role the person's
provider groups give stays (remove them from the group, or the group's mapping, for that)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps_admin import tenancy
from apps_admin.models import Membership, Tenant


def user_and_tenant(username: str, tenant_id: str):
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user named {username!r}.")
    tenant = Tenant.objects.filter(tenant_id=tenant_id.strip().lower()).first()
    if tenant is None:
        raise CommandError(f"No tenant with id {tenant_id!r}.")
    return user, tenant


class Command(BaseCommand):
    help = "Remove the role granted by hand to USERNAME in TENANT_ID (roles from groups stay)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("tenant_id")

    def handle(self, *args, username: str, tenant_id: str, **options) -> None:
        user, tenant = user_and_tenant(username, tenant_id)
        had = Membership.objects.filter(user=user, tenant=tenant).exclude(role_by_hand="")
        if not had.exists():
            self.stdout.write(f"{username} had no role by hand in {tenant.name}.")
            return
        left = tenancy.revoke(None, user, tenant)
        if left is None:
            self.stdout.write(f"Revoked {username}'s role in {tenant.name}.")
        else:
            self.stdout.write(
                f"Revoked {username}'s role by hand in {tenant.name}; their groups still give "
                f"{left.role_from_groups}."
            )
