"""Browser journeys: Playwright's sync API drives Debian's Chromium (`chromium` on the PATH)
against pytest-django's live server and the ECL emulator.

Without Chromium the journeys are skipped, loudly; with REQUIRE_E2E=1 (CI) they fail instead.
Without a Japanese font, pages in Japanese are drawn in fallback boxes whose widths mean
nothing: a warning, and a failure with REQUIRE_E2E=1 (`.ci/run` installs fonts-noto-cjk).
A failed journey leaves a screenshot in test-artifacts/. Every journey is marked `slow`.
"""

import functools
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e import axe
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


NO_JAPANESE_FONT = (
    "Pages in Japanese need a Japanese font to be measured: `apt-get install -y fonts-noto-cjk` "
    "(`fc-list :lang=ja` lists none)"
)


@functools.cache
def japanese_font_installed() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=ja"], capture_output=True, text=True, check=False)
    return bool(found.stdout.strip())


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
    elif CHROMIUM is not None and not japanese_font_installed():
        terminalreporter.write_line(f"!!! {NO_JAPANESE_FONT}", yellow=True, bold=True)
    if not axe.axe_available() and os.environ.get("REQUIRE_E2E") != "1":
        terminalreporter.write_line(
            f"!!! ACCESSIBILITY CHECK SKIPPED: {axe.MISSING}", yellow=True, bold=True
        )


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
    if not japanese_font_installed() and os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but {NO_JAPANESE_FONT}.")
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
