"""Helpers the browser journeys import: the portal they start from, logging in, screenshots."""

import re
from dataclasses import dataclass

from tests.helpers import PASSWORD, ROOT, make_tenant

ARTIFACTS = ROOT / "test-artifacts"


@dataclass
class Portal:
    tenant: object
    users: dict

    @property
    def apps_path(self) -> str:
        return f"/tenants/{self.tenant.tenant_id}/apps/"

    def app_path(self, app_id: str, suffix: str = "") -> str:
        return f"{self.apps_path}{app_id}/{suffix}"


def make_portal(emulator, emulator_server, django_user_model, *, apps: int = 3) -> Portal:
    from apps_admin.models import Membership

    tenant = make_tenant(emulator_server, emulator.create_tenant(apps=apps), name="Acme")
    users = {}
    for username, role in (("vera", "viewer"), ("eddie", "editor"), ("alice", "admin")):
        user = django_user_model.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, tenant=tenant, role=role)
        users[role] = user
    return Portal(tenant, users)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def screenshot_if_failed(request, tab, name: str | None = None) -> None:
    """After a failed setup or call, `tab` as it was goes to test-artifacts/NAME.png (by default
    the test's id)."""
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = name or re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
