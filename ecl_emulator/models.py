"""Tenants and apps as the emulator stores them, with each app's JSON cached for fast lists."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from .reply import dumps
from .usage import ZERO, Usage, UsageModel, UsageStamp

__all__ = ["FIELD_KEYS", "TENANT_STATES", "App", "Planted", "Tenant", "Usage", "UsageStamp"]

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


# Stands for `usage_summary` in the JSON cached between changes; cut out and replaced by the
# usage at the time of each answer. Random, so no planted value can contain it.
_USAGE_SLOT = "usage-summary-" + secrets.token_hex(16)
_USAGE_SLOT_JSON = dumps(_USAGE_SLOT)


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
    # Usage grows with the clock (see usage.py); `fixed_usage`, when set, is shown instead as
    # the (previous, current) month whatever the months are; with neither, usage is zero.
    usage: UsageModel | None = None
    fixed_usage: tuple[Usage, Usage] | None = None
    planted: Planted | None = None
    # Serialised fragments, rebuilt lazily: `_parts` (the JSON before and after the value of
    # `usage_summary`, or the whole JSON and None when that is planted or omitted) after a
    # change (`invalidate`); `_full` when the usage counted up to `_until` is not current.
    _parts: tuple[str, str | None] | None = field(default=None, repr=False)
    _full: str | None = field(default=None, repr=False)
    _until: int | None = field(default=None, repr=False)
    _short: str | None = field(default=None, repr=False)

    @property
    def recording_status(self) -> str:
        """`active` exactly when RECORDING is granted and both recording settings are set
        (ecl-contract.md §4.6)."""
        ready = "RECORDING" in self.permissions and self.bucket_name and self.service_account_key
        return "active" if ready else "unavailable"

    def invalidate(self) -> None:
        """Forget the cached JSON; call after every change."""
        self._parts = None
        self._full = None
        self._short = None

    def settings_changed(self, at: int) -> None:
        """After `permissions` or `status` changed at `at` (epoch seconds): usage accrues as
        they allow from then on."""
        if self.usage is not None:
            self.usage.change(at, self.permissions, self.status)
        self.invalidate()

    def unplant(self, fields: dict[str, Any]) -> None:
        """After a successful update: the JSON keys the update's fields write read normally."""
        if self.planted is not None and fields:
            self.planted.forget({FIELD_KEYS[name] for name in fields})
            self.invalidate()

    def full_json(self, stamp: UsageStamp) -> str:
        """The whole app object as JSON (expanded lists, GET, PUT, create), its usage as of
        `stamp`.

        Cached: only the usage is rebuilt when the clock has moved on (by the hour or by a
        set `now`), and only the usage's JSON is spliced into the cached rest.
        """
        full = self._full
        if full is not None and self._until == stamp.until:
            return full
        parts = self._parts
        if parts is None:
            parts = self._parts = self._split_json()
        head, tail = parts
        if tail is None:  # usage_summary planted or omitted: the JSON is the same at any time
            full = head
        else:
            previous, current = self._usage(stamp)
            previous_name, current_name = stamp.names
            full = (
                f'{head}{{"{previous_name}":{previous.as_json()},'
                f'"{current_name}":{current.as_json()}}}{tail}'
            )
        self._full, self._until = full, stamp.until
        return full

    def _usage(self, stamp: UsageStamp) -> tuple[Usage, Usage]:
        """The previous and the current month's usage of `stamp`."""
        if self.fixed_usage is not None:
            return self.fixed_usage
        if self.usage is not None:
            until = stamp.until
            return self.usage.month(stamp.previous, until), self.usage.month(stamp.current, until)
        return ZERO, ZERO

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

    def _split_json(self) -> tuple[str, str | None]:
        text = dumps(self._full_object())
        head, slot, tail = text.partition(_USAGE_SLOT_JSON)
        return (head, tail) if slot else (text, None)

    def _full_object(self) -> dict[str, Any]:
        obj = {
            "id": self.id,
            "apikey": self.apikey,
            "description": self.description,
            "domains": list(self.domains),
            "permissions": list(self.permissions),
            "usage_summary": _USAGE_SLOT,
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
        """The next app id; ids only grow, so `apps` (insertion-ordered) stays sorted by id
        (ecl-contract.md §4.4)."""
        app_id = self.next_app_id
        self.next_app_id += 1
        return app_id
