"""Two people edit the same app in two browsers: the second save shows what the first changed,
and nothing is written until the second person chooses."""

from playwright.sync_api import expect

from apps_admin import ecl
from apps_admin.models import Membership
from tests.e2e.helpers import log_in
from tests.helpers import PASSWORD


def test_the_second_editor_sees_the_conflict_and_chooses(
    page, browser, live_server, portal, django_user_model
):
    colleague = django_user_model.objects.create_user("erin", password=PASSWORD)
    Membership.objects.create(user=colleague, tenant=portal.tenant, role="editor")
    app_id = ecl.app_list(portal.tenant)[0].id
    ecl.app_update_answer(
        portal.tenant, app_id, {"description": "Front desk", "domains": ["a.example"]}
    )

    # Eddie opens the edit form and goes for coffee.
    log_in(page, "eddie")
    page.goto(portal.app_path(app_id, "edit/"))
    page.get_by_label("Description").fill("Front desk (Eddie)")

    # Erin, in another browser, changes the description and adds a domain.
    other = browser.new_context(base_url=live_server.url)
    erin = other.new_page()
    log_in(erin, "erin")
    erin.goto(portal.app_path(app_id, "edit/"))
    erin.get_by_label("Description").fill("Front desk (Erin)")
    erin.get_by_label("Domains").fill("a.example\nb.example")
    erin.get_by_role("button", name="Save").click()
    expect(erin.get_by_text("“Front desk (Erin)” was saved")).to_be_visible()
    other.close()

    # Eddie saves: his description clashes with Erin's; her domain is not his to undo.
    page.get_by_role("button", name="Save").click()
    heading = page.get_by_role("heading", name="Changed at ECL while you were editing")
    expect(heading).to_be_visible()
    conflict = page.locator(".conflict")
    expect(conflict).to_have_count(1)
    expect(conflict).to_contain_text("Front desk (Erin)")
    expect(conflict).to_contain_text("Front desk (Eddie)")
    assert ecl.app_get(portal.tenant, app_id).description == "Front desk (Erin)"

    # He keeps his own description and saves; Erin's domain survives.
    conflict.get_by_label("Keep my value").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("“Front desk (Eddie)” was saved")).to_be_visible()
    app = ecl.app_get(portal.tenant, app_id)
    assert app.description == "Front desk (Eddie)"
    assert app.domains == ("a.example", "b.example")
