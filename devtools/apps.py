"""The Django app of the development tools: management commands only, no models, no URLs."""

from django.apps import AppConfig


class DevtoolsConfig(AppConfig):
    name = "devtools"
