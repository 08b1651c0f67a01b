"""The Django app that manages a tenant's SkyWay apps through the ECL API."""

from django.apps import AppConfig


class AppsAdminConfig(AppConfig):
    name = "apps_admin"
    verbose_name = "SkyWay apps"

    def ready(self) -> None:
        from apps_admin import checks, signals  # noqa: F401  (registers checks and receivers)
