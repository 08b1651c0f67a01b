"""The keyboard alone: the first app of the list in a few key presses from the top (through the
list's skip link), the focus on the error summary after a failed submit, and Suspend asked and
answered without a mouse."""

import pytest
from playwright.sync_api import expect

from apps_admin import ecl
from tests.e2e.screens import full_portal, open_context, sign_in


@pytest.fixture
def paths(transactional_db, emulator, emulator_server, django_user_model, settings):
    _portal, paths = full_portal(emulator, emulator_server, django_user_model, settings)
    return paths


def focused(page) -> str:
    """What has the focus, as the test names it: the element's text or its label."""
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " return (e.getAttribute('aria-label') || e.textContent || '').trim(); })()"
    )


@pytest.mark.parametrize("width", [1366, 390])
def test_the_first_app_is_fewer_than_10_key_presses_from_the_top(
    browser, live_server, paths, width
):
    context = open_context(browser, live_server.url, language="en", theme="light", width=width)
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{paths.tenant}/apps/")
    first_app = page.locator("#result_list tbody tr").first.locator("th a")
    first_app_text = first_app.inner_text().strip()
    presses = []
    while len(presses) < 10 and focused(page) != first_app_text:
        if focused(page) == "Skip to the apps" and presses[-1] == "Tab":
            page.keyboard.press("Enter")
            presses.append("Enter")
        else:
            page.keyboard.press("Tab")
            presses.append("Tab")
    assert focused(page) == first_app_text, presses
    assert len(presses) < 10, presses
    assert "Enter" in presses  # through the skip link, which shows when it has the focus
    context.close()


@pytest.mark.parametrize("page_name", ["usage", "audit"])
def test_the_other_lists_have_a_skip_link_to_their_table(browser, live_server, paths, page_name):
    context = open_context(browser, live_server.url, language="ja", theme="dark", width=1366)
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{paths.tenant}/{page_name}/")
    page.keyboard.press("Tab")  # the admin's "Skip to main content"
    page.keyboard.press("Tab")
    link = page.locator(".skip-to-content-link:focus")
    expect(link).to_be_visible()
    target = link.get_attribute("href")
    page.keyboard.press("Enter")
    assert page.evaluate("'#' + document.activeElement.id") == target
    context.close()


def test_after_a_failed_submit_the_focus_is_on_what_went_wrong(browser, live_server, paths):
    context = open_context(browser, live_server.url, language="en", theme="light", width=1366)
    page = context.new_page()
    sign_in(page, "alice")

    page.goto(f"/tenants/{paths.tenant}/apps/new/")
    page.locator("#app-form [type=submit]").click()
    expect(page.locator(":focus")).to_have_text(
        "Nothing was saved: please correct the error below."
    )

    page.goto(f"/tenants/{paths.tenant}/apps/{paths.app}/delete/")
    page.get_by_label("App ID").fill("not-this-one")
    page.get_by_role("button", name="Delete").click()
    expect(page.locator(":focus")).to_have_text("Nothing was deleted.")

    page.goto(f"/tenants/{paths.tenant}/apps/{paths.app}/secretkey/")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Reveal secret key").click()
    expect(page.locator(":focus")).to_have_text("Please correct the error below.")
    context.close()


def test_suspend_is_asked_and_answered_with_the_keyboard_alone(
    browser, live_server, paths, django_user_model
):
    from apps_admin.models import Tenant

    context = open_context(browser, live_server.url, language="en", theme="light", width=1366)
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{paths.tenant}/apps/{paths.app}/")
    page.locator("#confirm-suspend summary").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Suspend this app?")).to_be_visible()
    tenant = Tenant.objects.get(tenant_id=paths.tenant)
    assert ecl.app_get(tenant, paths.app).status == "active"  # asking changed nothing
    page.keyboard.press("Tab")
    assert focused(page) == "Yes, suspend this app"
    page.keyboard.press("Enter")
    expect(page.get_by_text("The app is suspended")).to_be_visible()
    assert ecl.app_get(tenant, paths.app).status == "suspended"
    context.close()
