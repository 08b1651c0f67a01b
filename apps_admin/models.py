"""The portal's own data: ECL tenants, who may do what in them, the audit log, API tokens."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps_admin import crypto, endpoints

REGIONS = ["jp1", "jp2", "jp5", "us1", "uk1", "de1", "sg1", "hk1", "au1"]

tenant_id_validator = RegexValidator(
    r"^[0-9a-f]{32}$", _("An ECL tenant id is 32 hexadecimal characters (0-9, a-f).")
)


# Sent after a queryset's update() or bulk write of a model that decides who may do what (a bulk
# write sends no post_save); identity_cache.py forgets what it holds.
access_changed = Signal()


class AccessQuerySet(models.QuerySet):
    """The queryset of a model that decides access: its bulk writes say so (`access_changed`),
    unless they only touch fields that grant and revoke nothing (`harmless_fields`)."""

    harmless_fields: frozenset[str] = frozenset()

    def update(self, **kwargs):
        count = super().update(**kwargs)
        if count and not set(kwargs) <= self.harmless_fields:
            access_changed.send(sender=self.model)
        return count

    def bulk_update(self, objs, fields, *args, **kwargs):
        count = super().bulk_update(objs, fields, *args, **kwargs)
        if count and not set(fields) <= self.harmless_fields:
            access_changed.send(sender=self.model)
        return count

    def bulk_create(self, *args, **kwargs):
        created = super().bulk_create(*args, **kwargs)
        if created:
            access_changed.send(sender=self.model)
        return created


class Tenant(models.Model):
    """An ECL tenant and the ECL API credentials the portal uses on its behalf."""

    name = models.CharField(_("name"), max_length=100)
    tenant_id = models.CharField(
        _("ECL tenant id"), max_length=32, unique=True, validators=[tenant_id_validator]
    )
    region = models.CharField(
        _("region"), max_length=8, choices=[(r, r) for r in REGIONS], default="jp1"
    )
    identity_url = models.URLField(
        _("identity URL override"),
        blank=True,
        help_text=_(
            "Leave empty for the region's Keystone (https://keystone-REGION-ecl.api.ntt.com/v3)."
        ),
    )
    api_url = models.URLField(
        _("apps API URL override"),
        blank=True,
        help_text=_(
            "Leave empty for the region's apps API (https://webrtc-REGION-ecl.api.ntt.com)."
        ),
    )
    api_key = models.CharField(_("ECL API key"), max_length=255)
    api_secret_encrypted = models.TextField(editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    # Set by each run of `record_usage`: the version of the tenant's usage history, which keys
    # the cached aggregates of the usage page (usage/report.py).
    usage_recorded_at = models.DateTimeField(_("usage last recorded"), null=True, editable=False)

    objects = AccessQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")

    def __str__(self) -> str:
        return f"{self.name} ({self.tenant_id})"

    def save(self, *args, **kwargs) -> None:
        self.tenant_id = self.tenant_id.lower()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """The URLs may only point where the tenant's secret may be sent (endpoints.py)."""
        problems = {
            field: problem
            for field in ("identity_url", "api_url")
            if getattr(self, field) and (problem := endpoints.problem(getattr(self, field)))
        }
        if problems:
            raise ValidationError(problems)

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


class Role(models.TextChoices):
    """A member's role in a tenant; each role can do what the ones before it can."""

    VIEWER = "viewer", _("Viewer")
    EDITOR = "editor", _("Editor")
    ADMIN = "admin", _("Admin")

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: "Role") -> bool:
        return self.rank >= needed.rank


class Membership(models.Model):
    """A user's role in one tenant, from two sources kept apart: what was granted by hand (the
    admin, `tenant_grant`) and what the identity provider's groups give (set at each sign-in).
    The role in force (`role`) is the higher of the two; a membership with neither is deleted.
    Superusers act as admin everywhere without one. Written only through `tenancy`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("tenant")
    )
    role = models.CharField(
        _("role in force"),
        max_length=16,
        choices=Role.choices,
        default=Role.VIEWER,
        help_text=_("The higher of the role granted by hand and the role from groups."),
    )
    # Empty: no role from that source.
    role_by_hand = models.CharField(
        _("role granted by hand"), max_length=16, choices=Role.choices, blank=True, default=""
    )
    role_from_groups = models.CharField(
        _("role from the identity provider's groups"),
        max_length=16,
        choices=Role.choices,
        blank=True,
        default="",
        help_text=_("Set at each sign-in from the user's groups."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = AccessQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="one_membership_per_tenant"),
            models.CheckConstraint(
                condition=~models.Q(role_by_hand="") | ~models.Q(role_from_groups=""),
                name="membership_has_a_source",
            ),
        ]
        ordering = ["tenant__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} is {self.role} of {self.tenant.name}"

    def save(self, *args, **kwargs) -> None:
        if not self.role_by_hand and not self.role_from_groups:
            self.role_by_hand = self.role  # made with a role alone: a grant by hand
        self.role = higher_role(self.role_by_hand, self.role_from_groups) or self.role
        super().save(*args, **kwargs)


def higher_role(*roles: str | None) -> str | None:
    """The highest of the roles given (None among them ignored), or None."""
    present = [Role(role) for role in roles if role]
    return max(present, key=lambda role: role.rank).value if present else None


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events cannot be changed.")

    def delete(self):
        raise PermissionError("Audit events cannot be deleted.")

    def complete_pending(self, **fields) -> int:
        """Write the outcome of the events still pending (a write recorded before it was sent);
        an event whose outcome is written stays as it is."""
        return models.QuerySet.update(self.filter(outcome=AuditEvent.PENDING), **fields)


class AuditEvent(models.Model):
    """One action and its outcome. Append-only: never deleted, never a secret; a write's event
    is written `pending` before the write is sent and completed once, after it."""

    PENDING = "pending"

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor_id = models.IntegerField(_("user id"), null=True, blank=True)
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    tenant_id = models.CharField(_("ECL tenant id"), max_length=32, blank=True, db_index=True)
    app_id = models.CharField(_("app ID"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=300, blank=True)
    request_id = models.CharField(_("request ID"), max_length=64, blank=True)
    transaction_id = models.CharField(_("ECL transaction ID"), max_length=128, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    # What reading back found when ECL's answer was lost ({"read_back": "done", ...}).
    findings = models.JSONField(_("found by reading back"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["tenant_id", "-at"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        who = self.actor_username or "-"
        return f"{self.at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.outcome}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events cannot be deleted.")


class TokenScope(models.TextChoices):
    """What an API token may do; the person's role in each tenant still applies on top."""

    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")
    SECRETS = "secrets", _("Read, write and secret keys")


TOKEN_DAYS_DEFAULT = 90
TOKEN_DAYS_MAX = 365


def default_token_expiry():
    return timezone.now() + timedelta(days=TOKEN_DAYS_DEFAULT)


class ApiTokenQuerySet(AccessQuerySet):
    harmless_fields = frozenset({"last_used_at"})  # noted at most once a minute per token

    def live(self) -> "ApiTokenQuerySet":
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    """A person's API token: the public prefix to find it by and a digest of its secret part;
    the token itself is shown once, when made, and never stored (see accounts/api_tokens.py)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scope = models.CharField(
        _("scope"), max_length=8, choices=TokenScope.choices, default=TokenScope.READ
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires"), default=default_token_expiry)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"


class UsageMonth(models.Model):
    """One app's usage in one month of one tenant, kept after ECL forgets it (ECL reports the
    current and the previous month only). Written by `record_usage`; one row per (tenant, app,
    month), enforced by the database."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="usage_months", verbose_name=_("tenant")
    )
    app_id = models.CharField(_("app ID"), max_length=64)
    description = models.CharField(_("description when last seen"), max_length=255, blank=True)
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    signaling = models.BigIntegerField(_("signaling (connections)"), default=0)
    turn = models.FloatField(_("TURN (GB)"), default=0)
    sfu = models.FloatField(_("SFU (GB)"), default=0)
    final = models.BooleanField(
        _("final"),
        default=False,
        help_text=_("The month has ended and its value is complete; a later run never lowers it."),
    )
    recorded_at = models.DateTimeField(_("last recorded"))

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "app_id", "month"], name="one_usage_row_per_app_and_month"
            )
        ]
        # No (tenant, month) index: without table statistics (SQLite, a fresh PostgreSQL) the
        # planners took it for one page's apps and read every app's months; the unique index
        # serves every query as well.
        ordering = ["tenant", "month", "app_id"]
        verbose_name = _("usage month")
        verbose_name_plural = _("usage months")

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.app_id} {self.month:%Y-%m}"


class UsageRollup(models.Model):
    """Every recorded month of one app of one tenant in one row, so that a 10,000-app history is
    read as 10,000 rows rather than 120,000 (usage/rollup.py). UsageMonth stays the record:
    `record_usage` writes both in the same transaction, and `rebuild_usage_rollup` makes every
    row again from UsageMonth."""

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="usage_rollups", verbose_name=_("tenant")
    )
    app_id = models.CharField(_("app ID"), max_length=64)
    # The app's place in id order (usage/rollup.py `sort_key`): numbers first, by value.
    sort_key = models.CharField(max_length=80)
    # JSON: {"YYYY-MM": [signaling, turn, sfu, final, description], ...}, oldest month first.
    months = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "app_id"], name="one_usage_rollup_per_app")
        ]
        indexes = [models.Index(fields=["tenant", "sort_key"], name="usage_rollup_in_id_order")]
        verbose_name = _("usage rollup")
        verbose_name_plural = _("usage rollups")

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.app_id}"


class ProviderIdentity(models.Model):
    """A portal user who signs in through the identity provider: who they are there (`sub`, which
    unlike an e-mail address never changes hands) and when the provider last vouched for them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="provider_identity",
        verbose_name=_("user"),
    )
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject (sub)"), max_length=255)
    groups = models.JSONField(_("groups at the last sign-in"), default=list, blank=True)
    last_seen_at = models.DateTimeField(_("last signed in"))
    # Set when the provider refused the person at a silent session check (prompt=none): their
    # API tokens are suspended until they sign in there again. Their account stays active:
    # deactivating is an administrator's decision.
    suspended_at = models.DateTimeField(
        _("API tokens suspended since"),
        null=True,
        blank=True,
        help_text=_(
            "The identity provider refused this person at a session check; their API tokens "
            "work again once they sign in."
        ),
    )

    objects = AccessQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_user_per_subject")
        ]
        verbose_name = _("identity provider account")
        verbose_name_plural = _("identity provider accounts")

    def __str__(self) -> str:
        return f"{self.user} ({self.subject})"


class GroupRole(models.Model):
    """A provider group that gives its members a role in a tenant, at each sign-in."""

    group = models.CharField(_("provider group"), max_length=255)
    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="group_roles", verbose_name=_("tenant")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VIEWER)

    objects = AccessQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["group", "tenant"], name="one_role_per_group_and_tenant"
            )
        ]
        ordering = ["group", "tenant__name"]
        verbose_name = _("group role")
        verbose_name_plural = _("group roles")

    def __str__(self) -> str:
        return f"{self.group}: {self.role} of {self.tenant.name}"


# --- A second factor for local accounts (accounts/second_factor.py) ---------------------------


class TotpDevice(models.Model):
    """A person's authenticator app (TOTP, RFC 6238). Its seed is encrypted at rest and never
    shown again once confirmed; `last_step` is the last time step whose code was accepted, so
    that no code is ever accepted twice."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="totp_device",
        verbose_name=_("user"),
    )
    secret_encrypted = models.TextField(editable=False)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    last_step = models.BigIntegerField(null=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"{self.user} (TOTP)"

    @property
    def secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    def set_secret(self, plaintext: str) -> None:
        self.secret_encrypted = crypto.encrypt(plaintext)


class Passkey(models.Model):
    """A person's passkey (WebAuthn credential): its id and public key, never a secret."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="passkeys",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    credential_id = models.CharField(max_length=1400, unique=True, editable=False)  # base64url
    public_key = models.BinaryField(editable=False)
    sign_count = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("passkey")
        verbose_name_plural = _("passkeys")

    def __str__(self) -> str:
        return f"{self.user}: {self.name}"


class RecoveryCode(models.Model):
    """A one-time recovery code, kept as the SHA-256 digest of its 80 random bits."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="recovery_codes",
        verbose_name=_("user"),
    )
    digest = models.CharField(max_length=64, editable=False)
    used_at = models.DateTimeField(_("used"), null=True, blank=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="one_digest_per_user")
        ]
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user}: {'used' if self.used_at else 'unused'}"


class UsernameFailures(models.Model):
    """Failed sign-ins of one username from any address, within a window from the first one
    (accounts/login_ceiling.py): in the database, so a restart of the cache lifts no lock."""

    # SHA-256 of the username as typed, stripped and lowered: no list of names tried is kept.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    window_started = models.DateTimeField(db_index=True, editable=False)
    count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("failed sign-ins of a username")
        verbose_name_plural = _("failed sign-ins of usernames")

    def __str__(self) -> str:
        return f"{self.digest[:12]}: {self.count}"


# The models whose every write may grant or revoke access (with the user model):
# identity_cache.py watches them.
ACCESS_MODELS = (Tenant, Membership, ApiToken, ProviderIdentity, GroupRole)
