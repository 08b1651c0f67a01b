"""Whole journeys of tenant admins in a real browser, by the accessible names of the pages."""

import re

import pytest
from playwright.sync_api import expect

from apps_admin import ecl
from tests.e2e.helpers import log_in, make_portal
from tests.helpers import PASSWORD


def rows(page):
    return page.locator("#result_list tbody tr")


def test_log_in_search_filter_sort_and_page(
    page, transactional_db, emulator, emulator_server, django_user_model
):
    portal = make_portal(emulator, emulator_server, django_user_model, apps=60)
    apps = ecl.app_list(portal.tenant)
    log_in(page, "vera")
    # A member of one tenant lands on its apps.
    expect(page).to_have_url(re.compile(re.escape(portal.apps_path) + "$"))
    expect(page.get_by_role("heading", name="Apps of Acme")).to_be_visible()
    expect(rows(page)).to_have_count(50)
    expect(page.get_by_text("1\u201350 of 60 \u00b7 page 1 of 2").first).to_be_visible()

    # Search by an API key finds its app.
    target = apps[42]
    page.get_by_label("Search").fill(target.apikey)
    page.get_by_role("button", name="Search").click()
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text(target.apikey)
    expect(page.get_by_label("Search")).to_have_value(target.apikey)

    # Clear it, filter by status.
    page.get_by_role("link", name="Clear search and filters").first.click()
    filters = page.get_by_role("navigation", name="Filter")
    filters.locator("details", has_text="By status").get_by_role("link", name="Suspended").click()
    suspended = [a for a in apps if a.status == "suspended"]
    expect(rows(page)).to_have_count(len(suspended))
    expect(page).to_have_url(re.compile(r"status=suspended"))
    filters.locator("details", has_text="By status").get_by_role("link", name="All").click()

    # Sort by app ID, then reverse it; the first row follows.
    header = page.get_by_role("columnheader", name="App ID")
    header.get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="App ID")).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.get_by_role("columnheader", name="App ID").get_by_role("link").click()
    expect(page.get_by_role("columnheader", name="App ID")).to_have_attribute(
        "aria-sort", "descending"
    )
    highest = max(apps, key=lambda a: int(a.id))
    expect(rows(page).first).to_contain_text(highest.apikey)

    # The next page keeps the order, and the URL can be bookmarked.
    page.get_by_role("link", name="Next").first.click()
    expect(page.get_by_text("51\u201360 of 60 \u00b7 page 2 of 2").first).to_be_visible()
    expect(rows(page)).to_have_count(10)
    expect(page).to_have_url(re.compile(r"o=-id&page=2"))
    lowest = min(apps, key=lambda a: int(a.id))
    expect(rows(page).last).to_contain_text(lowest.apikey)


def test_add_an_app_with_a_wrong_value_then_fixed(page, portal):
    log_in(page, "eddie")
    page.get_by_role("link", name="Add app").click()
    page.get_by_label("Description").fill("Kiosk line")
    expect(page.locator("#id_description_counter")).to_have_text("10 / 128")
    page.get_by_label("Domains").fill("https://kiosk.example.com/")
    page.get_by_role("checkbox", name="TURN").check()
    page.get_by_role("button", name="Save").click()

    # Refused before any call, on its field; what was typed is still there.
    expect(page.get_by_text("is a URL")).to_be_visible()
    expect(page.get_by_label("Description")).to_have_value("Kiosk line")
    expect(page.get_by_role("checkbox", name="TURN")).to_be_checked()

    page.get_by_label("Domains").fill("kiosk.example.com\nlocalhost")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("was added")).to_be_visible()
    expect(page.get_by_role("heading", name="Kiosk line")).to_be_visible()
    expect(page.get_by_text("kiosk.example.com")).to_be_visible()
    created = [a for a in ecl.app_list(portal.tenant) if a.description == "Kiosk line"]
    assert len(created) == 1 and created[0].permissions == ("TURN",)


def test_edit_domains_and_permissions(page, portal):
    app = ecl.app_update_answer(
        portal.tenant,
        ecl.app_list(portal.tenant)[0].id,
        {"description": "Front desk", "domains": ["old.example.com"], "permissions": ["TURN"]},
    ).value
    log_in(page, "eddie")
    page.goto(portal.app_path(app.id))
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Domains")).to_have_value("old.example.com")
    page.get_by_label("Domains").fill("new.example.com\nlocalhost")
    page.get_by_role("checkbox", name="TURN").uncheck()
    page.get_by_role("checkbox", name="SFU").check()
    page.get_by_role("checkbox", name="USER_LIST").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("was saved")).to_be_visible()
    expect(page.get_by_text("new.example.com")).to_be_visible()
    after = ecl.app_get(portal.tenant, app.id)
    assert after.domains == ("new.example.com", "localhost")
    assert after.permissions == ("SFU", "USER_LIST")


def test_suspend_and_activate(page, portal):
    app = ecl.app_update_answer(
        portal.tenant, ecl.app_list(portal.tenant)[0].id, {"status": "active"}
    ).value
    log_in(page, "eddie")
    page.goto(portal.app_path(app.id))
    page.get_by_role("button", name="Suspend").click()
    expect(page.get_by_text("The app is suspended")).to_be_visible()
    assert ecl.app_get(portal.tenant, app.id).status == "suspended"
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text("The app is active")).to_be_visible()
    expect(page.get_by_role("button", name="Suspend")).to_be_visible()
    assert ecl.app_get(portal.tenant, app.id).status == "active"


def test_bulk_suspend(page, portal):
    apps = ecl.app_list(portal.tenant)
    for app in apps:
        ecl.app_update_answer(portal.tenant, app.id, {"status": "active"})
    log_in(page, "eddie")
    # Select all (a script) and then leave one out.
    page.get_by_role("checkbox", name="Select all apps on this page").check()
    expect(page.get_by_text("3 of 3 selected")).to_be_visible()
    page.locator(f'input[name="app"][value="{apps[2].id}"]').uncheck()
    expect(page.get_by_text("2 of 3 selected")).to_be_visible()
    page.get_by_role("button", name="Suspend selected").click()
    expect(page.get_by_role("heading", name="Suspend 2 apps?")).to_be_visible()
    page.get_by_role("button", name="Yes, suspend 2 apps").click()
    expect(page.get_by_text("Suspended 2 apps.")).to_be_visible()
    statuses = {a.id: a.status for a in ecl.app_list(portal.tenant)}
    assert statuses == {apps[0].id: "suspended", apps[1].id: "suspended", apps[2].id: "active"}


def test_reveal_with_reauthentication(page, portal, emulator_server):
    app = ecl.app_list(portal.tenant)[0]
    secret = emulator_server.state.tenants[portal.tenant.tenant_id].apps[int(app.id)].secretkey
    log_in(page, "alice")
    page.goto(portal.app_path(app.id))
    page.get_by_role("button", name="Reveal secret key").click()
    # Reveal, the password, and the key: the form that asks for the password asks for the key.
    expect(page.get_by_text("Confirm your password to reveal the secret key")).to_be_visible()
    expect(page.get_by_role("link", name=f"App {app.id}")).to_be_visible()  # the breadcrumb
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Reveal secret key").click()
    value = page.locator(".secret-value")
    expect(value).to_be_hidden()  # masked until asked
    page.get_by_label("Show secret key").check()
    expect(value).to_be_visible()
    expect(value).to_have_text(secret)
    copy = page.get_by_role("button", name="Copy secret key")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == secret


def test_renew_the_secret_key(page, portal, emulator_server):
    app = ecl.app_update_answer(
        portal.tenant, ecl.app_list(portal.tenant)[0].id, {"permissions": ["PEER_AUTHENTICATION"]}
    ).value
    stored = emulator_server.state.tenants[portal.tenant.tenant_id].apps[int(app.id)]
    old = stored.secretkey
    log_in(page, "alice")
    page.goto(portal.app_path(app.id))
    page.get_by_role("link", name="Regenerate secret key").click()
    # The warning and the password on one page; nothing happens before its button.
    expect(page.get_by_text("until it is redeployed")).to_be_visible()
    assert stored.secretkey == old
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Regenerate secret key").click()
    expect(page.get_by_text("was regenerated")).to_be_visible()
    assert stored.secretkey != old
    page.get_by_label("Show secret key").check()
    expect(page.locator(".secret-value")).to_have_text(stored.secretkey)


def test_delete_with_the_typed_confirmation(page, portal):
    app = ecl.app_list(portal.tenant)[0]
    log_in(page, "eddie")
    page.goto(portal.app_path(app.id))
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("stops working")).to_be_visible()
    page.get_by_label("App ID").fill("12345")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("not this app's ID")).to_be_visible()
    page.get_by_label("App ID").fill(app.id)
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text(f"App {app.id} was deleted")).to_be_visible()
    with pytest.raises(ecl.AppNotFound):
        ecl.app_get(portal.tenant, app.id)


def test_see_the_upstream_down_page_and_retry(page, portal, emulator):
    log_in(page, "vera")
    expect(rows(page)).to_have_count(3)
    # ECL fails every attempt of the next list (the portal tries three times).
    emulator.set_faults(rules=[{"method": "GET", "path": "/apps$", "status": 503, "count": 3}])
    response = page.goto(portal.apps_path + "?o=-id")
    assert response.status == 503
    expect(page.get_by_role("heading", name="ECL answered with an error")).to_be_visible()
    expect(page.get_by_text("Nothing was changed")).to_be_visible()
    page.get_by_role("link", name="Retry").click()
    expect(rows(page)).to_have_count(3)
    expect(page).to_have_url(re.compile(r"\?o=-id$"))


def test_the_list_works_without_javascript(browser, live_server, portal):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        log_in(page, "eddie")
        expect(rows(page)).to_have_count(3)
        # Script-only controls stay hidden; the rest works.
        expect(page.get_by_role("checkbox", name="Select all apps on this page")).to_be_hidden()
        page.locator('input[name="app"]').first.check()
        page.get_by_role("button", name="Suspend selected").click()
        expect(page.get_by_role("button", name="Yes, suspend 1 app")).to_be_visible()
    finally:
        context.close()
