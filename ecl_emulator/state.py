"""Everything the emulator remembers (tenants, apps, tokens, counters, settings) behind a lock."""

from __future__ import annotations

import hmac
import secrets
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from . import seed
from .faults import FaultSet
from .journal import RequestJournal
from .models import TENANT_STATES, App, Planted, Tenant, Usage, UsageStamp
from .timefmt import Clock, epoch_now, format_jst
from .usage import UsageModel
from .variants import Variants

# A token of a Fernet-like length (180 characters of URL-safe base64); clients must not
# assume a fixed length, and the contract warns the real format is changing.
_TOKEN_BYTES = 135
_PURGE_THRESHOLD = 5000


@dataclass(frozen=True)
class TokenRecord:
    """An issued token: which tenant it is scoped to and when it stops working."""

    token: str
    tenant_id: str
    issued_at: int
    expires_at: int
    audit_id: str

    def valid_at(self, moment: float) -> bool:
        """Whether the token still works at `moment` (epoch seconds)."""
        return moment < self.expires_at


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP  # `configure(now=KEEP)`: leave the clock as it is


class ConflictError(Exception):
    """A control request that clashes with the current state (e.g. an existing tenant id)."""


class EmulatorState:
    """The emulator's memory. Hold `lock` around any read-modify-write of tenants or apps."""

    def __init__(self, *, token_ttl: int = 3600, latency_ms: int = 0, demo: bool = False) -> None:
        self.lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self.initial_token_ttl = token_ttl
        self.initial_latency_ms = latency_ms
        self.demo = demo
        self.token_ttl = token_ttl
        self.tenants: dict[str, Tenant] = {}
        self.tokens: dict[str, TokenRecord] = {}
        self.faults = FaultSet(latency_ms)
        self.variants = Variants()
        self.clock = Clock()
        self.journal = RequestJournal()
        self._auth_calls = 0
        self._api_calls = 0
        self._calls: Counter[str] = Counter()
        self._purge_at = _PURGE_THRESHOLD
        self.reset()

    # --- whole-state controls -------------------------------------------------------------

    def reset(self) -> None:
        """Back to the start-up state: no tenants (but the demo one), tokens, faults, counts,
        journal or answer variants, and the real clock."""
        with self.lock:
            self.tenants.clear()
            self.tokens.clear()
            self.token_ttl = self.initial_token_ttl
            self.variants = Variants()
            self.clock.set(None)
            if self.demo:
                tenant = seed.demo_tenant(self.clock.now())
                self.tenants[tenant.tenant_id] = tenant
        self.faults.clear(self.initial_latency_ms)
        self.journal.clear()
        self.reset_stats()

    def configure(
        self,
        *,
        token_ttl: int,
        variants: Variants,
        now: datetime | Literal[_Keep.KEEP] | None = KEEP,
    ) -> None:
        """Set the lifetime of tokens issued from now on (0: already expired), the answer
        variants and, unless `KEEP`, the clock (a fixed instant, or None: the real clock),
        together."""
        with self.lock:
            self.token_ttl = token_ttl
            self.variants = variants
            if now is not KEEP:
                self.clock.set(now)

    def usage_stamp(self) -> UsageStamp:
        """The months and counting time of usage at the emulator's now."""
        return UsageStamp(self.clock.now())

    # --- tenants ----------------------------------------------------------------------------

    def create_tenant(
        self,
        *,
        tenant_id: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        apps: int = 0,
        state: str = "active",
    ) -> Tenant:
        """Add a tenant (generating what is not given) seeded with `apps` apps."""
        tenant = seed.new_tenant(
            tenant_id or uuid.uuid4().hex,
            api_key or secrets.token_hex(16),
            api_secret or secrets.token_urlsafe(24),
            state,
        )
        seed.seed_apps(tenant, apps, self.clock.now())
        with self.lock:
            if tenant.tenant_id in self.tenants:
                raise ConflictError(f"Tenant {tenant.tenant_id} already exists")
            self.tenants[tenant.tenant_id] = tenant
        return tenant

    def set_tenant_state(self, tenant_id: str, state: str) -> Tenant | None:
        """Suspend, delete or reactivate a tenant; None when there is no such tenant."""
        if state not in TENANT_STATES:
            raise ValueError(state)
        with self.lock:
            tenant = self.tenants.get(tenant_id)
            if tenant is not None:
                tenant.state = state
            return tenant

    # --- tokens -----------------------------------------------------------------------------

    def authenticate(
        self, tenant_id: str, api_key: str, api_secret: str
    ) -> tuple[TokenRecord, Tenant] | None:
        """Issue a token scoped to the tenant when the key pair is the tenant's, else None.

        A suspended or deleted tenant still authenticates: Keystone knows nothing of the
        SkyWay tenant state, so the apps API is what refuses it (403 Tenant is suspended;
        ecl-contract.md §4.13).
        """
        with self.lock:
            tenant = self.tenants.get(tenant_id)
            if tenant is None:
                return None
            good_key = hmac.compare_digest(tenant.api_key.encode(), api_key.encode())
            good_secret = hmac.compare_digest(tenant.api_secret.encode(), api_secret.encode())
            if not (good_key and good_secret):
                return None
            issued = int(epoch_now())  # the real clock, whatever `now` is set: see epoch_now
            record = TokenRecord(
                token=secrets.token_urlsafe(_TOKEN_BYTES),
                tenant_id=tenant_id,
                issued_at=issued,
                expires_at=issued + self.token_ttl,
                audit_id=secrets.token_urlsafe(16),
            )
            if len(self.tokens) >= self._purge_at:
                self._purge_expired_tokens()
            self.tokens[record.token] = record
            return record, tenant

    def token_valid_for(self, token: str | None, tenant_id: str) -> bool:
        """Whether `token` is known, unexpired and scoped to `tenant_id` (hold `lock`)."""
        if not token:
            return False
        record = self.tokens.get(token)
        return record is not None and record.tenant_id == tenant_id and record.valid_at(epoch_now())

    def revoke_tokens(self) -> int:
        """Reject every token issued so far; returns how many were still held."""
        with self.lock:
            count = len(self.tokens)
            self.tokens.clear()
            return count

    def _purge_expired_tokens(self) -> None:
        now = epoch_now()
        for token in [t for t, r in self.tokens.items() if not r.valid_at(now)]:
            del self.tokens[token]
        # Long-lived tokens cannot be purged: wait for the store to double before trying again.
        self._purge_at = max(_PURGE_THRESHOLD, 2 * len(self.tokens))

    # --- apps -------------------------------------------------------------------------------

    def new_app(self, tenant: Tenant, fields: dict[str, Any]) -> App:
        """Create an app in `tenant` (call with `lock` held) from checked fields, at the
        emulator's now; its usage grows from then on."""
        moment = self.clock.now()
        stamp = format_jst(moment)
        app = App(
            id=tenant.take_app_id(),
            apikey=str(uuid.uuid4()),
            secretkey=new_secret_key(),
            created_at=stamp,
            updated_at=stamp,
        )
        apply_fields(app, fields)
        app.usage = UsageModel(
            tenant.tenant_id, app.id, int(moment.timestamp()), app.permissions, app.status
        )
        tenant.apps[app.id] = app
        return app

    def plant_app(
        self,
        tenant_id: str,
        fields: dict[str, Any],
        planted: Planted,
        fixed_usage: tuple[Usage, Usage] | None = None,
    ) -> str | None:
        """Add an app with unchecked fields, planted JSON oddities and, if given, fixed usage;
        its JSON as it will be sent, or None when there is no such tenant."""
        with self.lock:
            tenant = self.tenants.get(tenant_id)
            if tenant is None:
                return None
            app = self.new_app(tenant, fields)
            app.fixed_usage = fixed_usage
            if planted.raw or planted.omit:
                app.planted = planted
            app.invalidate()
            return app.full_json(self.usage_stamp())

    # --- statistics -------------------------------------------------------------------------

    def count_call(self, kind: str, route_key: str) -> None:
        """Count one request that reached an identity or apps API route."""
        with self._stats_lock:
            if kind == "auth":
                self._auth_calls += 1
            elif kind == "api":
                self._api_calls += 1
            self._calls[route_key] += 1

    def stats(self) -> dict[str, Any]:
        """The counters, for `GET /_emulator/stats`."""
        with self._stats_lock:
            return {
                "auth_calls": self._auth_calls,
                "api_calls": self._api_calls,
                "calls": dict(sorted(self._calls.items())),
            }

    def reset_stats(self) -> None:
        """Zero every counter."""
        with self._stats_lock:
            self._auth_calls = 0
            self._api_calls = 0
            self._calls.clear()


def new_secret_key() -> str:
    """A fresh opaque app secret key."""
    return secrets.token_urlsafe(33)


def apply_fields(app: App, fields: dict[str, Any]) -> None:
    """Apply checked create/update fields: only those present; lists replace the old ones."""
    if "description" in fields:
        app.description = fields["description"]
    if "domains" in fields:
        app.domains = list(fields["domains"])
    if "permissions" in fields:
        app.permissions = list(fields["permissions"])
    if "status" in fields:
        app.status = fields["status"]
    if "recording_bucket_name" in fields:
        app.bucket_name = fields["recording_bucket_name"]
    if "recording_service_account_key" in fields:
        app.service_account_key = fields["recording_service_account_key"]
    app.invalidate()
