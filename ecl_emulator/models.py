"""Tenants and apps as the emulator stores them, with each app's JSON cached for fast lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .reply import dumps
from .timefmt import usage_months

TENANT_STATES = ("active", "suspended", "deleted")


@dataclass
class Usage:
    """One month of an app's usage: signaling connections, TURN and SFU traffic in GB."""

    signaling: int = 0
    turn: float = 0
    sfu: float = 0

    def as_dict(self) -> dict[str, Any]:
        """The `{"signaling", "turn", "sfu"}` object of `usage_summary`."""
        return {"signaling": self.signaling, "turn": self.turn, "sfu": self.sfu}


@dataclass(eq=False)
class App:
    """One SkyWay app. The secret key and service account key never leave through `to_json`."""

    id: int
    apikey: str
    secretkey: str
    created_at: str
    updated_at: str
    description: str = ""
    domains: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)
    status: str = "active"
    bucket_name: str = ""
    service_account_key: str = ""
    usage_previous: Usage = field(default_factory=Usage)
    usage_current: Usage = field(default_factory=Usage)
    # Serialised fragments, rebuilt lazily after a change (`invalidate`) or a new month.
    _full: str | None = field(default=None, repr=False)
    _short: str | None = field(default=None, repr=False)
    _months: tuple[str, str] | None = field(default=None, repr=False)

    @property
    def recording_status(self) -> str:
        """`active` exactly when RECORDING is granted and both recording settings are set."""
        ready = "RECORDING" in self.permissions and self.bucket_name and self.service_account_key
        return "active" if ready else "unavailable"

    def invalidate(self) -> None:
        """Forget the cached JSON; call after every change."""
        self._full = None
        self._short = None

    def full_json(self, months: tuple[str, str] | None = None) -> str:
        """The whole app object as JSON (expanded lists, GET, PUT, create)."""
        months = months or usage_months()
        if self._full is None or self._months != months:
            self._full = dumps(self._full_object(months))
            self._months = months
        return self._full

    def short_json(self) -> str:
        """The `{id, apikey, description}` object of a list without `expandApps`."""
        if self._short is None:
            self._short = dumps(
                {"id": self.id, "apikey": self.apikey, "description": self.description}
            )
        return self._short

    def _full_object(self, months: tuple[str, str]) -> dict[str, Any]:
        previous, current = months
        return {
            "id": self.id,
            "apikey": self.apikey,
            "description": self.description,
            "domains": list(self.domains),
            "permissions": list(self.permissions),
            "usage_summary": {
                previous: self.usage_previous.as_dict(),
                current: self.usage_current.as_dict(),
            },
            "status": self.status,
            "recording": {"status": self.recording_status, "bucket_name": self.bucket_name},
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(eq=False)
class Tenant:
    """An ECL tenant (a Keystone project) with the ECL user's API key pair and its apps."""

    tenant_id: str
    api_key: str
    api_secret: str
    user_id: str
    project_name: str
    state: str = "active"
    apps: dict[int, App] = field(default_factory=dict)
    next_app_id: int = 1000

    def take_app_id(self) -> int:
        """The next app id; ids only grow, so `apps` (insertion-ordered) stays sorted by id."""
        app_id = self.next_app_id
        self.next_app_id += 1
        return app_id
