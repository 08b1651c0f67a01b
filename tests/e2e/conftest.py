"""Browser journeys: Playwright's sync API drives Debian's Chromium (`chromium` on the PATH)
against pytest-django's live server and the ECL emulator.

Without Chromium the journeys are skipped, loudly; with REQUIRE_E2E=1 (CI) they fail instead.
A failed journey leaves a screenshot in test-artifacts/.
"""

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable
# there. Set only for the browser tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
MISSING = (
    "Browser tests need Debian's Chromium: `apt-get install -y chromium` "
    "(no `chromium` executable on the PATH)"
)


def pytest_terminal_summary(terminalreporter):
    if CHROMIUM is None and os.environ.get("REQUIRE_E2E") != "1":
        terminalreporter.write_line(f"!!! BROWSER TESTS SKIPPED: {MISSING}", yellow=True, bold=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_E2E") == "1":
            pytest.fail(f"REQUIRE_E2E=1 but the browser tests cannot run. {MISSING}.")
        print(f"\n!!! SKIPPING BROWSER TESTS: {MISSING}")
        pytest.skip(MISSING)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(request, browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    tab = context.new_page()
    yield tab
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


PASSWORD = "correct-horse-battery-staple"


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
    from tests.conftest import make_tenant

    tenant = make_tenant(emulator_server, emulator.create_tenant(apps=apps), name="Acme")
    users = {}
    for username, role in (("vera", "viewer"), ("eddie", "editor"), ("alice", "admin")):
        user = django_user_model.objects.create_user(username, password=PASSWORD)
        Membership.objects.create(user=user, tenant=tenant, role=role)
        users[role] = user
    return Portal(tenant, users)


@pytest.fixture
def portal(transactional_db, emulator, emulator_server, django_user_model) -> Portal:
    """A tenant with three apps at the emulator and a viewer, an editor and an admin of it."""
    return make_portal(emulator, emulator_server, django_user_model)


def log_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
