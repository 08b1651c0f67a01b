"""Fixtures shared by the whole suite; the emulator's live in tests/emulator_fixtures.py, the
helpers tests import in tests/helpers.py."""

import pytest
from hypothesis import settings as hypothesis_settings

from apps_admin import ecl
from apps_admin.models import Tenant
from tests.helpers import PASSWORD, login, make_tenant

pytest_plugins = ["tests.emulator_fixtures"]


def pytest_collection_modifyitems(config, items) -> None:
    """Tests marked `postgresql` are left out of a run on another database: deselected and
    counted as such, never reported as passed or skipped (CI's PostgreSQL suite runs them)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


# No wall-clock limit on a Hypothesis example (by default 200 ms): on a shared machine, or with
# the suite spread over every core, one example may wait longer than that for a core.
hypothesis_settings.register_profile("portal", deadline=None)
hypothesis_settings.load_profile("portal")


@pytest.fixture
def ecl_tenant(emulator) -> dict:
    """A fresh tenant at the emulator with three apps: {"tenant_id", "api_key", "api_secret"}."""
    return emulator.create_tenant(apps=3)


@pytest.fixture
def tenant(db, emulator_server, ecl_tenant) -> Tenant:
    """The portal's record of `ecl_tenant`, pointed at the emulator."""
    return make_tenant(emulator_server, ecl_tenant)


@pytest.fixture
def app_id(tenant) -> str:
    """The id of `tenant`'s first app."""
    return ecl.app_list(tenant)[0].id


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


@pytest.fixture
def client_as(client, users):
    """`client_as("editor")`: the test client logged in as that actor."""

    def make(actor: str, *, reauthenticated: bool = False):
        return login(client, users[actor], reauthenticated=reauthenticated)

    return make


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's admin client, signed in as after a whole sign-in (second factor given)."""
    return login(client, admin_user)


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
