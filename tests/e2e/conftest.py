"""Browser journeys: Playwright's sync API drives Debian's Chromium (`chromium` on the PATH)
against pytest-django's live server and the ECL emulator.

Without Chromium the journeys are skipped, loudly; with REQUIRE_E2E=1 (CI) they fail instead.
A failed journey leaves a screenshot in test-artifacts/. Every journey is marked `slow`.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.helpers import Portal, make_portal, screenshot_if_failed

# Playwright's sync API runs an event loop in the test thread; Django's ORM must still be usable
# there. Set only for the browser tests.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = shutil.which("chromium")
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


HERE = Path(__file__).parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Every journey here starts a browser and a live server: `slow`. The hook sees the whole
    session's items, so it marks only this folder's, before `-m` selects."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.slow)


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
    screenshot_if_failed(request, tab)
    context.close()


@pytest.fixture
def portal(transactional_db, emulator, emulator_server, django_user_model, settings) -> Portal:
    """A tenant with three apps at the emulator and a viewer, an editor and an admin of it,
    who sign in with a password alone (LOCAL_MFA=off): the second factor has its own journey,
    test_journey_passkeys.py, which sets LOCAL_MFA back to its default."""
    settings.LOCAL_MFA = "off"
    return make_portal(emulator, emulator_server, django_user_model)
