"""Every page fits its screen, from a 390-pixel phone to a 1366-pixel laptop, in both languages:
no page is wider than the viewport, the apps list keeps what matters in view on a laptop and
turns into one card per app on a phone, and the header stays compact on a phone."""

import pytest

from apps_admin import ecl
from apps_admin.models import AuditEvent
from tests.e2e.helpers import ARTIFACTS
from tests.helpers import PASSWORD

SIZES = {"phone": (390, 844), "laptop": (1366, 768)}
# The elements that stick out past the right edge, to say what to fix when a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.closest('.results'))
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


def sign_in(page, username: str) -> None:
    """By the fields' ids, so that it works in every language."""
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()


LANGUAGES = {"en": "en-US,en;q=0.9", "ja": "ja-JP,ja;q=0.9"}


def paths(portal, app_id: str) -> dict[str, str]:
    t = portal.tenant.tenant_id
    return {
        "home": "/",
        "apps": f"/tenants/{t}/apps/",
        "apps page 2": f"/tenants/{t}/apps/?page=2&n=25",
        "app": f"/tenants/{t}/apps/{app_id}/",
        "edit": f"/tenants/{t}/apps/{app_id}/edit/",
        "add": f"/tenants/{t}/apps/new/",
        "delete": f"/tenants/{t}/apps/{app_id}/delete/",
        "reveal": f"/tenants/{t}/apps/{app_id}/secretkey/",
        "regenerate": f"/tenants/{t}/apps/{app_id}/secretkey/regenerate/",
        "usage": f"/tenants/{t}/usage/",
        "audit": f"/tenants/{t}/audit/",
        "api tokens": "/account/tokens/",
        "not found": "/no-such-page/",
        "api root": "/api/",
    }


@pytest.fixture
def wide_portal(portal, django_user_model):
    """The portal with 60 apps, long values and a few audit events, its admin `alice`."""
    for number in range(57):
        ecl.app_create_answer(
            portal.tenant,
            {
                "description": f"Remote assistance line {number} for the Sapporo clinic (pilot)",
                "domains": [f"very-long-subdomain-{number}.support.example.co.jp", "localhost"],
                "permissions": ["TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION"],
            },
        )
    app_id = ecl.app_list(portal.tenant)[0].id
    for action in ("app.update", "app.suspend", "secretkey.reveal"):
        AuditEvent.objects.create(
            tenant_id=portal.tenant.tenant_id,
            app_id=app_id,
            action=action,
            actor_username="alice",
            changes={"domains": {"from": ["a.example.com"], "to": ["b.example.com"]}},
            request_id="0123456789abcdef0123456789abcdef",
            transaction_id="8b77249c-04b1-4460-9e06-674cc41ea757",
        )
    return portal, app_id


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("size", SIZES)
def test_no_page_is_wider_than_the_screen(browser, live_server, wide_portal, size, language):
    portal, app_id = wide_portal
    width, height = SIZES[size]
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": width, "height": height},
        extra_http_headers={"Accept-Language": LANGUAGES[language]},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    sign_in(page, "alice")
    too_wide = {}
    for name, path in paths(portal, app_id).items():
        page.goto(path)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        inner = page.evaluate("window.innerWidth")
        if scroll > inner:
            too_wide[name] = (scroll, page.evaluate(STICKING_OUT))
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"screen-{size}-{language}-{name}.png"))
    context.close()
    assert too_wide == {}, f"wider than {width} px: {too_wide}"


def test_the_apps_list_keeps_what_matters_in_view_on_a_laptop(browser, live_server, wide_portal):
    portal, _app_id = wide_portal
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{portal.tenant.tenant_id}/apps/")
    for column in ("description", "id", "status", "signaling", "turn", "sfu"):
        box = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert box is not None and box["x"] + box["width"] <= 1366, column
    context.close()


def test_on_a_phone_each_app_is_a_card_and_the_header_is_compact(browser, live_server, wide_portal):
    portal, _app_id = wide_portal
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{portal.tenant.tenant_id}/apps/")
    header = page.locator("#header").bounding_box()
    assert header["height"] <= 0.2 * 844, header
    rows = page.locator("#result_list tbody tr")
    first, second = rows.nth(0).bounding_box(), rows.nth(1).bounding_box()
    assert first["width"] >= 0.85 * 390 - 40  # a card as wide as the screen
    assert second["y"] >= first["y"] + first["height"]  # one under the other
    switcher = page.locator(".tenant-switcher")
    switcher = switcher.bounding_box() if switcher.count() else None
    language = page.locator(".language-switch").bounding_box()
    if switcher and language:  # neither covers the other
        apart = (
            switcher["x"] + switcher["width"] <= language["x"]
            or language["x"] + language["width"] <= switcher["x"]
            or switcher["y"] + switcher["height"] <= language["y"]
            or language["y"] + language["height"] <= switcher["y"]
        )
        assert apart, (switcher, language)
    context.close()
