"""System checks: the portal cannot store tenants without encryption keys."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from apps_admin import crypto


@checks.register(checks.Tags.security, deploy=False)
def encryption_keys_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if not settings.FIELD_ENCRYPTION_KEYS:
        return [
            checks.Error(
                "FIELD_ENCRYPTION_KEYS is not set.",
                hint="Set it to one or more comma-separated Fernet keys; `make run` writes one.",
                id="apps_admin.E001",
            )
        ]
    try:
        crypto.encrypt("")
    except ImproperlyConfigured as error:
        return [checks.Error(str(error), id="apps_admin.E002")]
    return []
