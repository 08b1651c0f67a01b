"""A key console's finish in a browser: a busy control while a slow ECL thinks, and a
browsable API that stays quick for a large tenant."""

import re
import time

from playwright.sync_api import expect

from apps_admin.models import Membership
from tests.e2e.helpers import log_in
from tests.helpers import make_tenant


def test_a_control_whose_request_is_slow_says_it_is_working(page, portal):
    log_in(page, "vera")
    # The request never ends: the page's own last listener holds the navigation back, as a
    # slow ECL would, once portal.js has seen the click.
    page.evaluate("window.addEventListener('click', event => event.preventDefault())")
    link = page.locator(".tenant-nav").get_by_role("link", name="Usage")
    link.click()
    assert "is-busy" not in (link.get_attribute("class") or "")  # not for a quick one
    expect(link).to_have_class(re.compile(r"\bis-busy\b"))  # after half a second
    expect(link).to_have_attribute("aria-busy", "true")
    expect(page.locator("body")).to_have_attribute("aria-busy", "true")
    # A download is no page change: it never shows as busy.
    page.goto(portal.apps_path)
    page.evaluate("window.addEventListener('click', event => event.preventDefault())")
    export = page.get_by_role("link", name="Export these 3 apps as CSV")
    export.click()
    page.wait_for_timeout(800)
    assert "is-busy" not in (export.get_attribute("class") or "")


def test_the_browsable_api_of_a_ten_thousand_app_tenant_stays_responsive(
    page, portal, emulator, emulator_server, django_user_model
):
    big = make_tenant(emulator_server, emulator.create_tenant(apps=10_000), name="Big")
    Membership.objects.create(user=portal.users["viewer"], tenant=big, role="viewer")
    log_in(page, "vera")
    started = time.monotonic()
    page.goto(f"/api/tenants/{big.tenant_id}/apps?expandApps")
    expect(page.get_by_text("Showing the first 200 of 10000 apps")).to_be_visible()
    loaded = time.monotonic() - started
    # The tab answers at once: a script runs and returns while the page is shown.
    started = time.monotonic()
    assert page.evaluate("1 + 1") == 2
    answered = time.monotonic() - started
    html = page.content()
    print(
        f"10,000-app browsable API: {len(html) / 1024:.0f} KiB of HTML, loaded in {loaded:.2f} s, "
        f"a script answered in {answered * 1000:.0f} ms"
    )
    assert html.count("&quot;apikey&quot;") <= 200  # a few hundred apps of markup, not 10,000
