"""Fixtures shared by the whole suite; the emulator's live in tests/emulator_fixtures.py."""

import pytest
from rest_framework.test import APIClient

from apps_admin.models import Tenant

pytest_plugins = ["tests.emulator_fixtures"]


@pytest.fixture
def ecl_tenant(emulator) -> dict:
    """A fresh tenant at the emulator with three apps: {"tenant_id", "api_key", "api_secret"}."""
    return emulator.create_tenant(apps=3)


def make_tenant(server, credentials: dict, *, name: str = "Acme", save: bool = True) -> Tenant:
    tenant = Tenant(
        name=name,
        tenant_id=credentials["tenant_id"],
        region="jp1",
        identity_url=server.identity_url,
        api_url=server.api_url,
        api_key=credentials["api_key"],
    )
    tenant.set_api_secret(credentials["api_secret"])
    if save:
        tenant.save()
    return tenant


@pytest.fixture
def tenant(db, emulator_server, ecl_tenant) -> Tenant:
    """The portal's record of `ecl_tenant`, pointed at the emulator."""
    return make_tenant(emulator_server, ecl_tenant)


PASSWORD = "correct-horse-battery-staple"
ACTORS = ("anonymous", "outsider", "viewer", "editor", "admin", "superuser")


@pytest.fixture
def other_tenant(db) -> Tenant:
    """A tenant the `outsider` belongs to; it need not exist at the emulator."""
    tenant = Tenant(name="Other Corp", tenant_id="f" * 32, region="jp1", api_key="other-api-key")
    tenant.set_api_secret("other-secret")
    tenant.save()
    return tenant


@pytest.fixture
def users(db, tenant, other_tenant, django_user_model) -> dict:
    """One user per actor: viewer, editor and admin of `tenant` (vera, eddie, alice), a member
    of another tenant (mallory), a superuser (root); `anonymous` is None."""
    from apps_admin.models import Membership

    made = {"anonymous": None}
    for actor, username, role in [
        ("viewer", "vera", "viewer"),
        ("editor", "eddie", "editor"),
        ("admin", "alice", "admin"),
        ("outsider", "mallory", "admin"),
    ]:
        user = django_user_model.objects.create_user(username, password=PASSWORD)
        target = other_tenant if actor == "outsider" else tenant
        Membership.objects.create(user=user, tenant=target, role=role)
        made[actor] = user
    made["superuser"] = django_user_model.objects.create_superuser(
        "root", password=PASSWORD, email=""
    )
    return made


def login(client, user, *, reauthenticated: bool = False):
    """Log the client in as `user` (None stays anonymous); optionally inside the re-auth window."""
    import time

    from apps_admin import reauth

    if user is None:
        return client
    client.force_login(user)
    if reauthenticated:
        session = client.session
        session[reauth.SESSION_KEY] = time.time()
        session.save()
    return client


@pytest.fixture
def client_as(client, users):
    """`client_as("editor")`: the test client logged in as that actor."""

    def make(actor: str, *, reauthenticated: bool = False):
        return login(client, users[actor], reauthenticated=reauthenticated)

    return make


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: counters such as the failed sign-ins of a username
    must not carry over from another test."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def english_again():
    """A request in Japanese leaves Japanese active in the thread; the next test starts in
    English."""
    from django.utils import translation

    yield
    translation.activate("en")


SERVICE_ACCOUNT_KEY = (
    '{"type": "service_account", "client_email": "rec@example.iam.gserviceaccount.com", '
    '"private_key": "-----BEGIN PRIVATE KEY-----\\nTOP-SECRET\\n-----END PRIVATE KEY-----\\n"}'
)


def token_for(user, scope: str = "secrets", *, name: str = "test", days: int = 90) -> str:
    """The text of a new API token of `user`; scope `secrets` unless told, so that the token
    allows whatever the person's role allows."""
    from apps_admin import api_tokens

    return api_tokens.issue(user, name=name, scope=scope, days=days)[1]


def token_client(user, scope: str = "secrets") -> APIClient:
    """An API client authenticated as `user` with X-Auth-Token, as an ECL script would be."""
    client = APIClient()
    client.credentials(HTTP_X_AUTH_TOKEN=token_for(user, scope))
    return client
