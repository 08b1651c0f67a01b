"""The portal's own data: the ECL tenants it manages."""

from django.core.validators import RegexValidator
from django.db import models

from apps_admin import crypto

REGIONS = ["jp1", "jp2", "jp5", "us1", "uk1", "de1", "sg1", "hk1", "au1"]

tenant_id_validator = RegexValidator(
    r"^[0-9a-f]{32}$", "An ECL tenant id is 32 hexadecimal characters (0-9, a-f)."
)


class Tenant(models.Model):
    """An ECL tenant and the ECL API credentials the portal uses on its behalf."""

    name = models.CharField(max_length=100)
    tenant_id = models.CharField(
        "ECL tenant id", max_length=32, unique=True, validators=[tenant_id_validator]
    )
    region = models.CharField(max_length=8, choices=[(r, r) for r in REGIONS], default="jp1")
    identity_url = models.URLField(
        "identity URL override",
        blank=True,
        help_text="Leave empty for the region's Keystone (https://keystone-REGION-ecl.api.ntt.com/v3).",
    )
    api_url = models.URLField(
        "apps API URL override",
        blank=True,
        help_text="Leave empty for the region's apps API (https://webrtc-REGION-ecl.api.ntt.com).",
    )
    api_key = models.CharField("ECL API key", max_length=255)
    api_secret_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.tenant_id})"

    def save(self, *args, **kwargs) -> None:
        self.tenant_id = self.tenant_id.lower()
        super().save(*args, **kwargs)

    @property
    def identity_endpoint(self) -> str:
        url = self.identity_url or f"https://keystone-{self.region}-ecl.api.ntt.com/v3"
        return url.rstrip("/")

    @property
    def api_endpoint(self) -> str:
        url = self.api_url or f"https://webrtc-{self.region}-ecl.api.ntt.com"
        return url.rstrip("/")

    @property
    def api_secret(self) -> str:
        """The decrypted ECL API secret; raises crypto.SecretUndecryptable on a wrong key."""
        return crypto.decrypt(self.api_secret_encrypted)

    def set_api_secret(self, plaintext: str) -> None:
        self.api_secret_encrypted = crypto.encrypt(plaintext)
