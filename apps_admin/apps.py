"""The Django app that manages a tenant's SkyWay apps through the ECL API."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppsAdminConfig(AppConfig):
    name = "apps_admin"
    verbose_name = _("SkyWay apps")

    def ready(self) -> None:
        from apps_admin import checks  # noqa: F401  (registers the checks)
        from apps_admin.accounts import signals  # noqa: F401  (registers the receivers)
        from apps_admin.identity_cache import connect

        connect()
