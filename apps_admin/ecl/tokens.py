"""Keystone tokens per tenant credential, kept in Django's cache, fetched by one caller at a time.

With CACHE_URL=redis://... the cache and its atomic `add` are shared by every worker and host, so a
cold cache under load costs exactly one token request: the caller that wins the `add` lock fetches
(after checking again that nobody did meanwhile); the others poll the cache until the token appears.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache

from apps_admin import crypto, endpoints
from apps_admin.ecl import errors, tolerant_json
from apps_admin.ecl.transport import Deadline, Reply, exchange

if TYPE_CHECKING:
    from apps_admin.models import Tenant

logger = logging.getLogger("apps_admin.ecl")

POLL_INTERVAL = 0.05
FAILURE_MEMORY = 3  # seconds a failed fetch is remembered, so waiters do not each retry it
UNKNOWN_EXPIRY_KEPT = 300  # seconds a token whose expiry cannot be read is used (they live 3600)
# Failures that are worth telling the waiters about instead of each of them trying again.
_REMEMBERED = {
    cls.code: cls
    for cls in (errors.CredentialsRejected, errors.UpstreamUnavailable, errors.UpstreamTimeout)
}


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # seconds since the epoch

    def fresh(self) -> bool:
        return self.expires_at - time.time() > settings.ECL_TOKEN_MARGIN


def cache_key(tenant: Tenant) -> str:
    """Per credential and per place: a token is only ever sent where it was meant to go."""
    identity = "\n".join(
        (tenant.identity_endpoint, tenant.api_endpoint, tenant.api_key, tenant.tenant_id)
    )
    return "ecl:token:" + hashlib.sha256(identity.encode()).hexdigest()


def token_for(tenant: Tenant, deadline: Deadline, *, rejected: str | None = None) -> str:
    """A token for the tenant that is fresh and is not `rejected` (one the apps API refused)."""
    key = cache_key(tenant)
    cached = _usable(cache.get(key), rejected)
    if cached:
        return cached.value
    lock_key, owner = f"{key}:lock", uuid.uuid4().hex
    # The lock outlives the slowest token request allowed (a whole operation's budget), so the
    # waiters never start fetches of their own while the first is still under way.
    lock_timeout = math.ceil(settings.ECL_CALL_BUDGET) + 2
    while True:
        remembered = _remembered(cache.get(f"{key}:failed"))
        if remembered is not None:
            raise remembered
        if cache.add(lock_key, owner, timeout=lock_timeout):
            try:
                # Someone may have stored a token between our read and our lock.
                cached = _usable(cache.get(key), rejected)
                if cached:
                    return cached.value
                return _fetch_and_store(tenant, key, deadline).value
            finally:
                if cache.get(lock_key) == owner:
                    cache.delete(lock_key)
        cached = _usable(cache.get(key), rejected)
        if cached:
            return cached.value
        if deadline.remaining() <= POLL_INTERVAL:
            raise errors.UpstreamTimeout()
        time.sleep(POLL_INTERVAL)


def discard(tenant: Tenant, token: str) -> None:
    """Forget the cached token if it is still the one that was rejected."""
    key = cache_key(tenant)
    current = cache.get(key)
    if isinstance(current, Token) and current.value == token:
        cache.delete(key)


def _usable(entry: object, rejected: str | None) -> Token | None:
    if isinstance(entry, Token) and entry.fresh() and entry.value != rejected:
        return entry
    return None


def _remembered(failure: object) -> errors.ECLError | None:
    """The error a recent fetch failed with, as the cache remembers it (None: none)."""
    if isinstance(failure, str) and failure in _REMEMBERED:
        return _REMEMBERED[failure]()
    if isinstance(failure, tuple) and failure[:1] == ("identity_unusable",):
        return errors.IdentityUnusable(failure[1])
    return None


def _fetch_and_store(tenant: Tenant, key: str, deadline: Deadline) -> Token:
    try:
        token = _request_token(tenant, deadline)
    except errors.IdentityUnusable as error:
        failure = ("identity_unusable", error.upstream_status)
        cache.set(f"{key}:failed", failure, timeout=FAILURE_MEMORY)
        raise
    except errors.ECLError as error:
        if error.code in _REMEMBERED:
            cache.set(f"{key}:failed", error.code, timeout=FAILURE_MEMORY)
        raise
    cache.delete(f"{key}:failed")
    lifetime = token.expires_at - time.time() - settings.ECL_TOKEN_MARGIN
    if lifetime >= 1:
        cache.set(key, token, timeout=int(lifetime))
    return token


def _request_token(tenant: Tenant, deadline: Deadline) -> Token:
    refused = endpoints.problem(tenant.identity_endpoint)
    if refused:
        logger.warning(
            "The identity URL of tenant=%s is not allowed: %s", tenant.tenant_id, refused
        )
        raise errors.TenantMisconfigured()
    try:
        secret = tenant.api_secret
    except crypto.SecretUndecryptable as error:
        raise errors.TenantMisconfigured(str(error)) from None
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "domain": {"id": "default"},
                        "name": tenant.api_key,
                        "password": secret,
                    }
                },
            },
            "scope": {"project": {"id": tenant.tenant_id}},
        }
    }
    # Asking for a token twice is harmless, so connection failures may be retried.
    response = exchange(
        "POST",
        f"{tenant.identity_endpoint}/auth/tokens",
        route="/v3/auth/tokens",
        tenant_id=tenant.tenant_id,
        deadline=deadline,
        body=body,
        retry=True,
    )
    if response.status == 401:
        raise errors.CredentialsRejected()
    if response.status >= 500:
        raise errors.UpstreamUnavailable()
    value = response.headers.get("X-Subject-Token", "")
    if _never_a_token(response.status, value):
        logger.warning(
            "Keystone answered %s%s: the identity URL of tenant=%s needs fixing",
            response.status,
            " without X-Subject-Token" if response.status < 300 else "",
            tenant.tenant_id,
        )
        raise errors.IdentityUnusable(response.status)
    if not 200 <= response.status < 300 or not value:
        logger.warning(
            "Keystone answered %s without a usable token tenant=%s",
            response.status,
            tenant.tenant_id,
        )
        raise errors.BadUpstreamResponse()
    return Token(value=value, expires_at=_expiry(response, tenant.tenant_id))


def _never_a_token(status: int, value: str) -> bool:
    """A Keystone answer that asking again would only repeat: its URL is wrong."""
    return 300 <= status < 400 or status == 404 or (200 <= status < 300 and not value)


def _expiry(response: Reply, tenant_id: str) -> float:
    """When the token runs out. Without a readable expiry, it is kept UNKNOWN_EXPIRY_KEPT
    seconds (and dropped sooner if the apps API refuses it): fetching a new token for every
    call would cost a Keystone round trip each."""
    try:
        moment = datetime.fromisoformat(tolerant_json.loads(response.body)["token"]["expires_at"])
    except (ValueError, KeyError, TypeError):  # NotJSON is a ValueError
        logger.warning(
            "Keystone sent a token without a readable expires_at tenant=%s: kept %s s",
            tenant_id,
            UNKNOWN_EXPIRY_KEPT,
        )
        return time.time() + settings.ECL_TOKEN_MARGIN + UNKNOWN_EXPIRY_KEPT
    if moment.tzinfo is None:  # Keystone's times are UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
