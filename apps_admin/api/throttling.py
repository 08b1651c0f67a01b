"""A per-user brake on secret key calls, counted in Django's (shared) cache."""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import UserRateThrottle


class SecretKeyThrottle(UserRateThrottle):
    """`secretkey` rate of REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] (default 30/min) per user.

    Not a security control (DRF's counter is not atomic): it stops a runaway script from
    renewing keys in a loop.
    """

    scope = "secretkey"

    def get_rate(self) -> str | None:
        # DRF binds THROTTLE_RATES when the module is imported; read the current settings so that
        # a changed setting (and override_settings in tests) takes effect.
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return rate if isinstance(rate, str) else None  # "30/min"; DRF's stubs say a number
