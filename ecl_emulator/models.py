"""Tenants and apps as the emulator stores them, with each app's JSON cached for fast lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .reply import dumps
from .timefmt import usage_months

TENANT_STATES = ("active", "suspended", "deleted")
# The key of the app's JSON that each create/update field writes.
FIELD_KEYS = {
    "description": "description",
    "domains": "domains",
    "permissions": "permissions",
    "status": "status",
    "recording_bucket_name": "recording",
    "recording_service_account_key": "recording",
}


@dataclass
class Usage:
    """One month of an app's usage: signaling connections, TURN and SFU traffic in GB."""

    signaling: int = 0
    turn: float = 0
    sfu: float = 0

    def as_dict(self) -> dict[str, Any]:
        """The `{"signaling", "turn", "sfu"}` object of `usage_summary`."""
        return {"signaling": self.signaling, "turn": self.turn, "sfu": self.sfu}


@dataclass
class Planted:
    """Oddities planted in an app's JSON: keys replaced (or added) as given, keys left out."""

    raw: dict[str, Any] = field(default_factory=dict)
    omit: list[str] = field(default_factory=list)

    def apply(self, obj: dict[str, Any], *, add: bool = True) -> dict[str, Any]:
        """`obj` with the planted keys; `add=False` only replaces keys `obj` already has."""
        for key, value in self.raw.items():
            if add or key in obj:
                obj[key] = value
        for key in self.omit:
            obj.pop(key, None)
        return obj

    def forget(self, keys: set[str]) -> None:
        """Drop what was planted for these keys, so they read normally again."""
        self.raw = {key: value for key, value in self.raw.items() if key not in keys}
        self.omit = [key for key in self.omit if key not in keys]


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
    planted: Planted | None = None
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

    def unplant(self, fields: dict[str, Any]) -> None:
        """After a successful update: the JSON keys the update's fields write read normally."""
        if self.planted is not None and fields:
            self.planted.forget({FIELD_KEYS[name] for name in fields})
            self.invalidate()

    def full_json(self, months: tuple[str, str] | None = None) -> str:
        """The whole app object as JSON (expanded lists, GET, PUT, create)."""
        months = months or usage_months()
        if self._full is None or self._months != months:
            self._full = dumps(self._full_object(months))
            self._months = months
        return self._full

    def short_json(self) -> str:
        """The `{id, apikey, description}` object of a list without `expandApps`.

        Planted values replace these three keys only: a planted key of its own is not added.
        """
        if self._short is None:
            short = {"id": self.id, "apikey": self.apikey, "description": self.description}
            if self.planted is not None:
                self.planted.apply(short, add=False)
            self._short = dumps(short)
        return self._short

    def _full_object(self, months: tuple[str, str]) -> dict[str, Any]:
        previous, current = months
        obj = {
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
        return self.planted.apply(obj) if self.planted is not None else obj


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
