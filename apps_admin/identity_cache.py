"""Who a request is, held in each process: API token -> token and user, session user id -> user,
(user, tenant) -> role, user -> visible tenants; one shared-cache GET per request instead of
queries, never a stale answer.

Each held answer carries the version of access it was read under. The version lives in the
shared cache (Redis: every worker and host) and every change that can grant or revoke access
replaces it (`changed()`): a token revoked or suspended, a password change, a deactivation, a
user, membership, group-role, provider identity or tenant saved or deleted. A request reads the
version once (the first time it needs an answer) and uses a held answer only if it was read
under that version, so a change takes effect on every host at the next request. The version is
read before the database and replaced after the change, at once and again when its transaction
commits, so nothing read before a commit outlives it.

The receivers below cover every code path that writes these models: `save()` and `delete()`
(cascades included) through model signals, queryset `update()` and `bulk_*` through the
querysets of models.py (`AccessQuerySet`), which the user model's manager is given too. Only
writes that need no new version are left out: a token's `last_used_at`, a user's `last_login`.
A token's expiry needs no version: it is checked on every request against the held expiry.

When the shared cache cannot answer (down, or a cache that is not shared), nothing is held and
every request reads the database, as before this module; the version is read from the shared
cache itself (`shared_cache.strict()`), never from the local memory Redis' backend falls back
to while Redis is down. If a change could not reach the cache
(it was down then) and the cache comes back still holding the old version, a held answer is
trusted for HELD_FOR seconds at most.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.core.signals import request_finished, request_started, setting_changed
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

from apps_admin import shared_cache

logger = logging.getLogger(__name__)

VERSION_KEY = "identity:version"
HELD_FOR = 60  # seconds: the longest a held answer is trusted, whatever the version says
MOST_HELD = 20_000  # answers per process; past it, the process starts again from empty

T = TypeVar("T")
M = TypeVar("M", bound="Model | None")

# key -> (version, monotonic time when read, value)
_held: dict[tuple, tuple[str, float, Any]] = {}

# The version this request reads, once: _OUTSIDE outside a request (a command, a test's direct
# call), where every look-up reads the shared cache again; None until the request needs it.
_OUTSIDE = object()
_this_request: ContextVar[Any] = ContextVar("identity_version", default=_OUTSIDE)


def _new_version() -> str:
    return secrets.token_hex(8)


def current_version() -> str | None:
    """The version of access now, read once per request; None when the shared cache cannot
    tell, and then nothing is held."""
    version = _this_request.get()
    if version is not _OUTSIDE and version is not None:
        return version
    found = _shared_version()
    if version is not _OUTSIDE:
        _this_request.set(found)
    return found


def _shared_version() -> str | None:
    if not _cache_is_shared():
        return None
    if not shared_cache.reachable():
        # The backend answers from this process's memory meanwhile: a version there would not
        # see another process's change (a revocation). Its backend warns once a minute.
        _held.clear()
        return None
    try:
        shared = shared_cache.strict()
        found = shared.get(VERSION_KEY)
        if found is None:  # evicted, flushed or never set: any new value will do
            shared.add(VERSION_KEY, _new_version(), timeout=None)
            found = shared.get(VERSION_KEY)
    except Exception:  # any failure of the cache: read the database instead
        if not shared_cache.has_fallback():  # Redis' backend has warned about it already
            _warn("the shared cache did not answer; reading the database")
        _held.clear()  # read before the cache failed: a change meanwhile may not reach it
        return None
    return found if isinstance(found, str) else None


def _cache_is_shared() -> bool:
    """Whether a change in one process reaches every other through the cache: not with a cache
    of each process's own (local memory), unless the portal runs as one process
    (IDENTITY_CACHE = "on")."""
    mode = settings.IDENTITY_CACHE
    if mode in ("on", "off"):
        return mode == "on"
    backend = settings.CACHES["default"]["BACKEND"]
    return not backend.endswith(("LocMemCache", "DummyCache"))


def changed(**_: Any) -> None:
    """Access may have changed: every process forgets what it holds at its next request."""
    _replace_version()
    if transaction.get_connection().in_atomic_block:
        # What another request reads before this commits is the old state: forget it too.
        transaction.on_commit(_replace_version)


def _replace_version() -> None:
    _held.clear()
    if _this_request.get() is not _OUTSIDE:
        _this_request.set(None)  # this request reads the new version at its next look-up
    if not _cache_is_shared():
        return
    try:
        shared_cache.strict().set(VERSION_KEY, _new_version(), timeout=None)
    except Exception:  # any failure of the cache
        _warn(
            "the shared cache did not take a change of access; other processes trust what they "
            f"hold for {HELD_FOR} s at most"
        )


_warned_at: dict[str, float] = {}


def _warn(message: str) -> None:
    """One line a minute per process and message, not one per request while the cache is down."""
    now = time.monotonic()
    if now - _warned_at.get(message, -60.0) >= 60:
        _warned_at[message] = now
        logger.warning("identity cache: %s", message)


def held(key: tuple, read: Callable[[], T]) -> T:
    """The answer held for `key` under the current version, else `read()` (from the database)
    and held unless it is None (an unknown token is not worth a place). The caller copies what
    it hands out."""
    version = current_version()
    if version is None:
        return read()
    entry = _held.get(key)
    now = time.monotonic()
    if entry is not None and entry[0] == version and now - entry[1] < HELD_FOR:
        return entry[2]
    value = read()
    if value is not None:
        if len(_held) >= MOST_HELD:
            _held.clear()
        _held[key] = (version, now, value)
    return value


class HeldUsers:
    """Mixin of an authentication backend: the signed-in user of a session, held per process."""

    def get_user(self, user_id: Any) -> Any:
        key = ("user", type(self).__qualname__, user_id)
        fetch = super().get_user  # type: ignore[misc]  # the backend's, by MRO
        return instance_copy(held(key, lambda: fetch(user_id)))


def instance_copy(instance: M, _copies: dict[int, Any] | None = None) -> M:
    """A model instance that shares nothing a request could change with the held one (related
    instances copied too, once each: a user and their provider identity name each other)."""
    if instance is None:
        return instance
    copies = {} if _copies is None else _copies
    if id(instance) in copies:
        return copies[id(instance)]
    clone = instance.__class__.__new__(instance.__class__)
    copies[id(instance)] = clone
    clone.__dict__ = instance.__dict__.copy()
    clone._state = copy.copy(instance._state)
    clone._state.fields_cache = {
        name: instance_copy(value, copies) for name, value in instance._state.fields_cache.items()
    }
    return clone


def token_key(text: str) -> tuple:
    """The key of an API token's answer: a digest of the whole text, never the text itself."""
    return ("token", hashlib.sha256(text.encode()).digest())


# --- What changes access ----------------------------------------------------------------------

# Fields whose change grants or revokes nothing.
HARMLESS_FIELDS = {
    settings.AUTH_USER_MODEL.lower(): frozenset({"last_login"}),
    "apps_admin.apitoken": frozenset({"last_used_at"}),
}


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _saved(sender: type[Model], update_fields: Any = None, **kwargs: Any) -> None:
    harmless = HARMLESS_FIELDS.get(_label(sender), frozenset())
    if update_fields is not None and set(update_fields) <= harmless:
        return
    changed()


def _request_started(**_: Any) -> None:
    _this_request.set(None)


def _request_finished(**_: Any) -> None:
    _this_request.set(_OUTSIDE)


def connect() -> None:
    """Register the receivers (AppConfig.ready)."""
    from django.contrib.auth import get_user_model

    from apps_admin import models

    user_model = get_user_model()
    _announce_bulk_writes(user_model)
    watched: list[type[Model]] = [user_model, *models.ACCESS_MODELS]
    for model in watched:
        uid = f"identity_cache:{_label(model)}"
        post_save.connect(_saved, sender=model, dispatch_uid=uid)
        post_delete.connect(changed, sender=model, dispatch_uid=uid)
    # Groups and permissions grant nothing in a tenant today; a superuser flag is a field.
    user_groups = user_model.groups.through
    m2m_changed.connect(changed, sender=user_groups, dispatch_uid="identity_cache:groups")
    models.access_changed.connect(changed, dispatch_uid="identity_cache:querysets")
    request_started.connect(_request_started, dispatch_uid="identity_cache")
    request_finished.connect(_request_finished, dispatch_uid="identity_cache")
    setting_changed.connect(changed, dispatch_uid="identity_cache:settings")


def _announce_bulk_writes(user_model: type[Model]) -> None:
    """The user model's manager is Django's: its querysets announce their bulk writes as the
    portal's models' do (`User.objects.filter(...).update(is_active=False)`)."""
    from apps_admin.models import AccessQuerySet

    manager: Any = user_model._default_manager  # _queryset_class: Django's, not in the stubs
    if not issubclass(manager._queryset_class, AccessQuerySet):
        manager._queryset_class = type(
            "AnnouncingUserQuerySet",
            (AccessQuerySet, manager._queryset_class),
            {"harmless_fields": HARMLESS_FIELDS[_label(user_model)]},
        )
