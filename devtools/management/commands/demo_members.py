"""Creates the demo tenant's viewer and editor on first run and prints their passwords once."""

import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from apps_admin import tenancy
from apps_admin.models import Role, Tenant

MEMBERS = (("viewer", Role.VIEWER), ("editor", Role.EDITOR))


class Command(BaseCommand):
    help = (
        "Create the users `viewer` and `editor` of a tenant with random passwords, unless they "
        "exist, so that a newcomer to `make run` can see what each role sees."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("tenant_id")

    def handle(self, *args, tenant_id: str, **options) -> None:
        tenant = Tenant.objects.filter(tenant_id=tenant_id.lower()).first()
        if tenant is None:
            raise CommandError(f"No tenant {tenant_id}.")
        User = get_user_model()
        for username, role in MEMBERS:
            if User.objects.filter(username=username).exists():
                self.stdout.write(
                    f"Log in as {username!r} ({role.label}) with the password printed on the "
                    "first run."
                )
                continue
            password = secrets.token_urlsafe(12)
            user = User.objects.create_user(username=username, password=password)
            tenancy.grant(None, user, tenant, role)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Created {username!r}, {role.label.lower()} of {tenant.name}, with password: "
                    f"{password}\nIt is shown only this once."
                )
            )
