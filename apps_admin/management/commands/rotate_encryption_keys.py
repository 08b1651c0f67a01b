"""`rotate_encryption_keys`: re-encrypt every stored secret with the first encryption key."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps_admin import crypto, tenancy
from apps_admin.models import Tenant, TotpDevice


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored secret with the first key of FIELD_ENCRYPTION_KEYS. Put the new "
        "key first, keep the old ones after it, run this, then remove the old keys."
    )

    def handle(self, *args, **options) -> None:
        count = 0
        with transaction.atomic():
            for tenant in Tenant.objects.select_for_update().order_by("pk"):
                try:
                    rotated = crypto.reencrypt(tenant.api_secret_encrypted)
                except crypto.SecretUndecryptable as error:
                    raise CommandError(
                        f"Tenant {tenant.tenant_id}: {error} Nothing was changed."
                    ) from None
                tenancy.reencrypt_secret(tenant, rotated)
                count += 1
            seeds = 0
            for device in TotpDevice.objects.select_for_update().order_by("pk"):
                try:
                    device.secret_encrypted = crypto.reencrypt(device.secret_encrypted)
                except crypto.SecretUndecryptable as error:
                    raise CommandError(
                        f"Authenticator app of user id {device.user_id}: {error} "
                        "Nothing was changed."
                    ) from None
                device.save(update_fields=["secret_encrypted"])
                seeds += 1
        self.stdout.write(
            f"Re-encrypted the API secret of {count} tenant(s) and {seeds} authenticator app "
            "seed(s) with the first key."
        )
