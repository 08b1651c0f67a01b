"""`record_usage`: keep every app's usage of every tenant (or one), as ECL reports it now."""

import logging
import time

from django.core.management.base import BaseCommand, CommandError

from apps_admin import ecl
from apps_admin.models import Tenant
from apps_admin.usage import history

logger = logging.getLogger("apps_admin.usage.history")


class Command(BaseCommand):
    help = (
        "Record the usage ECL reports (this month and last) of every app of every tenant, or of "
        "one, for the usage history. Run it hourly; two runs at once are safe. A tenant whose "
        "call fails does not stop the others; the exit status is 1 if any failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--tenant", help="Only this tenant (its ECL tenant id).")

    def handle(self, *args, tenant: str | None = None, **options) -> None:
        tenants = Tenant.objects.order_by("name")
        if tenant:
            tenants = tenants.filter(tenant_id=tenant.lower())
            if not tenants.exists():
                raise CommandError(f"No tenant {tenant}.")
        failed = 0
        for each in tenants:
            started = time.perf_counter()
            try:
                recorded = history.record(each)
            except ecl.ECLError as error:
                failed += 1
                logger.warning(
                    "record_usage tenant=%s failed: %s transaction_id=%s",
                    each.tenant_id,
                    error.code,
                    error.transaction_id or "-",
                )
                self.stderr.write(f"{each.tenant_id}: failed ({error.code})")
                continue
            line = (
                f"record_usage tenant={each.tenant_id} apps={recorded.apps} "
                f"months={recorded.rows} no_longer_reported={recorded.unreported} "
                f"{(time.perf_counter() - started) * 1000:.0f}ms"
            )
            logger.info(line)
            self.stdout.write(line)
        if failed:
            raise CommandError(f"{failed} tenant(s) could not be recorded.", returncode=1)
