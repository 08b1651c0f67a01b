"""`tenant_grant USERNAME TENANT_ID ROLE`: grant a role by hand (`tenant_revoke` removes it).

Only the part granted by hand changes: a role the person's provider groups give stays, and the
higher of the two is in force (the command says which)."""

from django.core.management.base import BaseCommand, CommandError

from apps_admin import tenancy
from apps_admin.management.commands.tenant_revoke import user_and_tenant
from apps_admin.models import Role


class Command(BaseCommand):
    help = "Grant USERNAME a ROLE (viewer, editor, admin) in TENANT_ID, by hand."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("tenant_id")
        parser.add_argument("role", nargs="?", choices=Role.values)
        parser.add_argument("--revoke", action="store_true", help="the same as tenant_revoke")

    def handle(self, *args, username: str, tenant_id: str, role: str | None, revoke: bool, **kw):
        if revoke:
            from django.core.management import call_command

            call_command("tenant_revoke", username, tenant_id, stdout=self.stdout)
            return
        if role is None:
            raise CommandError("Give a ROLE (viewer, editor, admin), or use tenant_revoke.")
        user, tenant = user_and_tenant(username, tenant_id)
        membership = tenancy.grant(None, user, tenant, role)
        if membership.role == role:
            self.stdout.write(f"{username} is now {role} of {tenant.name}.")
        else:
            self.stdout.write(
                f"{username} is granted {role} of {tenant.name} by hand; their groups give "
                f"{membership.role_from_groups}, so {membership.role} stays in force."
            )
