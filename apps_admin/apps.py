"""The Django app that manages a tenant's SkyWay apps through the ECL API."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppsAdminConfig(AppConfig):
    name = "apps_admin"
    verbose_name = _("SkyWay apps")

    def ready(self) -> None:
        from apps_admin import checks, signals  # noqa: F401  (registers checks and receivers)
