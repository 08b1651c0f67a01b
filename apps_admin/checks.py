"""System checks: the portal cannot store tenants without encryption keys."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from apps_admin import crypto
from apps_admin.accounts import second_factor
from apps_admin.accounts.oidc import groups


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


@checks.register(checks.Tags.security, deploy=False)
def identity_provider_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """OIDC settings that would fail at the first sign-in, said at startup instead."""
    problems: list[checks.CheckMessage] = []
    if settings.OIDC_ISSUER and not (settings.OIDC_RP_CLIENT_ID and settings.OIDC_RP_CLIENT_SECRET):
        problems.append(
            checks.Error(
                "OIDC_ISSUER is set without OIDC_CLIENT_ID and OIDC_CLIENT_SECRET.",
                hint="Register the portal at the provider and set both, or unset OIDC_ISSUER.",
                id="apps_admin.E003",
            )
        )
    if not settings.LOCAL_LOGIN and not settings.OIDC_ENABLED:
        problems.append(
            checks.Warning(
                "LOCAL_LOGIN is off but no identity provider is configured: only superusers "
                "can sign in.",
                id="apps_admin.W001",
            )
        )
    if settings.LOCAL_MFA not in second_factor.POLICIES:
        problems.append(
            checks.Error(
                f"LOCAL_MFA is {settings.LOCAL_MFA!r}.",
                hint="Set it to admins (the default), all or off.",
                id="apps_admin.E005",
            )
        )
    _found, wrong = groups.parse_group_roles(settings.OIDC_GROUP_ROLES)
    problems += [
        checks.Error(
            f"OIDC_GROUP_ROLES entry {entry!r} is not group=tenant_id:role.",
            hint="role is viewer, editor or admin; entries are separated by commas.",
            id="apps_admin.E004",
        )
        for entry in wrong
    ]
    return problems
