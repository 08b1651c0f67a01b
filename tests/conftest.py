"""Fixtures shared by the whole suite; the emulator's live in tests/emulator_fixtures.py."""

import pytest

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
