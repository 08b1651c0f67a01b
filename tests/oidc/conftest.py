"""Fixtures of the test OpenID Connect provider (a real one: panva's oidc-provider on Node.js).

`oidc_provider` (session) starts it with `default_config()`; `oidc` is the same provider, reset
after the test (users back to the config's, every provider session ended). Without Node.js or
`npm ci --prefix tests/oidc/provider` the tests that use them are skipped; with REQUIRE_E2E=1
they fail instead.

Redirect URIs: besides the listed ones, the client `portal` accepts any redirect URI and any
post-logout redirect URI that starts with one of REDIRECT_URI_PREFIXES (a live server on a random
port needs no registration).
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest

from apps_admin.models import GroupRole, Tenant
from tests.oidc.provider_process import OidcProvider, provider_available

CLIENT_ID = "portal"
CLIENT_SECRET = "portal-secret"
PASSWORD = "correct-horse-battery"
REDIRECT_URIS = ["http://testserver/oidc/callback/", "http://127.0.0.1/oidc/callback/"]
POST_LOGOUT_REDIRECT_URIS = ["http://testserver/", "http://127.0.0.1/"]
REDIRECT_URI_PREFIXES = ["http://127.0.0.1:", "http://localhost:", "http://testserver/"]
TENANT_ID = "a" * 32


def _user(username: str, groups: list[str], *, mfa: bool = False) -> dict[str, Any]:
    return {
        "sub": f"sub-{username}",
        "username": username,
        "password": PASSWORD,
        "email": f"{username}@acme.example",
        "name": username.capitalize(),
        "groups": groups,
        "disabled": False,
        "mfa": mfa,
    }


def default_config() -> dict[str, Any]:
    """Client `portal`; users alice (admins), bob (viewers, MFA) and carol (no groups)."""
    return {
        "clients": [
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uris": list(REDIRECT_URIS),
                "post_logout_redirect_uris": list(POST_LOGOUT_REDIRECT_URIS),
                "redirect_uri_prefixes": list(REDIRECT_URI_PREFIXES),
                "post_logout_redirect_uri_prefixes": list(REDIRECT_URI_PREFIXES),
            }
        ],
        "users": [
            _user("alice", ["portal-acme-admins"]),
            _user("bob", ["portal-acme-viewers"], mfa=True),
            _user("carol", []),
        ],
        "id_token_ttl": 300,
    }


def skip_or_fail_without_provider() -> None:
    """Skip when the provider cannot run here; fail instead when REQUIRE_E2E=1."""
    reason = provider_available()
    if reason is None:
        return
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but the OIDC provider cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[OidcProvider]:
    """The provider, started once for the session with `default_config()`."""
    skip_or_fail_without_provider()
    provider = OidcProvider()
    provider.start(default_config())
    yield provider
    provider.stop()


@pytest.fixture
def oidc(oidc_provider: OidcProvider) -> Iterator[OidcProvider]:
    """The session's provider, reset after the test."""
    yield oidc_provider
    oidc_provider.reset()


@pytest.fixture
def acme() -> Tenant:
    tenant = Tenant(name="Acme", tenant_id=TENANT_ID, api_key="key")
    tenant.set_api_secret("secret")
    tenant.save()
    GroupRole.objects.create(group="portal-acme-admins", tenant=tenant, role="admin")
    return tenant


@pytest.fixture
def portal(oidc: OidcProvider, settings) -> OidcProvider:
    """The portal configured for the test provider."""
    settings.OIDC_ISSUER = oidc.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.OIDC_GROUP_ROLES = f"portal-acme-viewers={TENANT_ID}:viewer"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "apps_admin.accounts.oidc.backend.ProviderBackend",
    ]
    return oidc
