"""`rebuild_usage_rollup`: make the usage rollup again from the usage history."""

from django.core.management.base import BaseCommand, CommandError

from apps_admin.models import Tenant
from apps_admin.usage import rollup


class Command(BaseCommand):
    help = (
        "Make every row of the usage rollup (one per app, read by the usage API and page) again "
        "from the recorded months, of every tenant or of one. record_usage keeps the rollup as "
        "it records; run this after changing recorded months by hand."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="Only this tenant (its ECL tenant id).")

    def handle(self, *args, tenant: str | None = None, **options) -> None:
        tenants = Tenant.objects.order_by("name")
        if tenant:
            tenants = tenants.filter(tenant_id=tenant.lower())
            if not tenants.exists():
                raise CommandError(f"No tenant {tenant}.")
        for each in tenants:
            written = rollup.rebuild_tenant(each)
            self.stdout.write(f"rebuild_usage_rollup tenant={each.tenant_id} apps={written}")
