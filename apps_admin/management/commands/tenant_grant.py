"""`tenant_grant USERNAME TENANT_ID ROLE`: grant or change a role; `--revoke` removes it."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps_admin import audit
from apps_admin.models import Membership, Role, Tenant

GIVE_A_ROLE = "Give a ROLE (viewer, editor, admin), or --revoke."


class Command(BaseCommand):
    help = "Grant USERNAME a ROLE (viewer, editor, admin) in TENANT_ID, or --revoke it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("tenant_id")
        parser.add_argument("role", nargs="?", choices=Role.values)
        parser.add_argument("--revoke", action="store_true")

    def handle(self, *args, username: str, tenant_id: str, role: str | None, revoke: bool, **kw):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        tenant = Tenant.objects.filter(tenant_id=tenant_id.lower()).first()
        if tenant is None:
            raise CommandError(f"No tenant with id {tenant_id!r}.")
        if not revoke and role is None:
            raise CommandError(GIVE_A_ROLE)
        membership = Membership.objects.filter(user=user, tenant=tenant).first()
        before = {"user": username, "role": membership.role} if membership else {}
        if revoke:
            if membership is None:
                self.stdout.write(f"{username} had no role in {tenant.name}.")
                return
            membership.delete()
            after = {}
            self.stdout.write(f"Revoked {username}'s role in {tenant.name}.")
        elif role is None:
            raise CommandError(GIVE_A_ROLE)
        else:
            Membership.objects.update_or_create(user=user, tenant=tenant, defaults={"role": role})
            after = {"user": username, "role": role}
            self.stdout.write(f"{username} is now {role} of {tenant.name}.")
        if before != after:
            audit.record(
                None,
                "membership.change",
                tenant_id=tenant.tenant_id,
                changes=audit.changes_between(before, after),
                username="manage.py",
            )
