"""`tenant_add`: create or update a tenant; the API secret comes from the environment or stdin.
The change is audited (`tenant.change`, through `tenancy`), the secret only as changed."""

import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from apps_admin import tenancy
from apps_admin.models import REGIONS, Tenant


class Command(BaseCommand):
    help = (
        "Create or update a tenant. The ECL API secret is read from the ECL_API_SECRET "
        "environment variable, or from standard input with --api-secret-stdin; never from an "
        "argument, which other users of the machine could read."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--name", required=True)
        parser.add_argument("--tenant-id", required=True)
        parser.add_argument("--region", choices=REGIONS)
        parser.add_argument("--identity-url")
        parser.add_argument("--api-url")
        parser.add_argument("--api-key", required=True)
        parser.add_argument("--api-secret-stdin", action="store_true")

    def handle(self, *args, **options) -> None:
        if not options["region"] and not (options["identity_url"] and options["api_url"]):
            raise CommandError("Give --region, or both --identity-url and --api-url.")
        secret = self._secret(options["api_secret_stdin"])
        tenant_id = options["tenant_id"].strip().lower()
        tenant = Tenant.objects.filter(tenant_id=tenant_id).first() or Tenant(tenant_id=tenant_id)
        created = tenant.pk is None
        before = tenancy.tenant_fields(tenant)
        tenant.name = options["name"]
        tenant.region = options["region"] or tenant.region or "jp1"
        tenant.identity_url = options["identity_url"] or ""
        tenant.api_url = options["api_url"] or ""
        tenant.api_key = options["api_key"]
        try:
            tenant.full_clean(exclude=["api_secret_encrypted"])
        except ValidationError as error:
            problems = "; ".join(f"{f}: {' '.join(m)}" for f, m in error.message_dict.items())
            raise CommandError(problems) from None
        changed = tenancy.save_tenant(None, tenant, before, secret=secret)
        if created:
            self.stdout.write(f"Created tenant {tenant}.")
        elif changed:
            self.stdout.write(f"Updated tenant {tenant}.")
        else:
            self.stdout.write(f"Tenant {tenant} was already so: nothing was changed.")

    def _secret(self, from_stdin: bool) -> str:
        secret = (
            sys.stdin.readline().strip() if from_stdin else os.environ.get("ECL_API_SECRET", "")
        )
        if not secret:
            raise CommandError(
                "No ECL API secret: set ECL_API_SECRET, or pipe it in with --api-secret-stdin."
            )
        return secret
