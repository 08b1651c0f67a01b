"""Every page fits its screen, from a 320-pixel phone to a 1366-pixel laptop, in both languages:
no page is wider than the viewport, the apps list keeps what matters in view on a laptop and
turns into one card per app on a phone, and the header stays compact on a phone.

The 390- and 1366-pixel screens are checked with axe in test_accessibility.py, on the same
pages (`SCREENS`); this file adds the smallest phone and the apps list's own layout."""

import pytest

from tests.e2e.helpers import ARTIFACTS
from tests.e2e.screens import LANGUAGES, full_portal, open_context, sign_in, visit_every_screen

# The elements that stick out past the right edge, to say what to fix when a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.parentElement.closest('[data-scroll-box]'))
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""


@pytest.fixture
def wide_portal(transactional_db, emulator, emulator_server, django_user_model, settings):
    """The portal of every screen (`full_portal`): its paths; alice is its admin."""
    _portal, paths = full_portal(emulator, emulator_server, django_user_model, settings)
    return paths


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_page_is_wider_than_a_320_pixel_phone(browser, live_server, wide_portal, language):
    paths = wide_portal
    context = open_context(browser, live_server.url, language=language, theme="light", width=320)
    page = context.new_page()
    too_wide = {}
    for visit in visit_every_screen(page, paths):
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > 320:
            too_wide[visit.name] = (scroll, page.evaluate(STICKING_OUT))
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"screen-320-{language}-{visit.name}.png"))
    context.close()
    assert too_wide == {}, f"wider than 320 px: {too_wide}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_apps_list_keeps_what_matters_in_view_on_a_laptop(
    browser, live_server, wide_portal, language
):
    context = open_context(browser, live_server.url, language=language, theme="light", width=1366)
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{wide_portal.tenant}/apps/")
    box = page.locator(".results").bounding_box()
    for column in ("description", "id", "status", "signaling", "turn", "sfu"):
        cell = page.locator(f"#result_list thead th.column-{column}").bounding_box()
        assert cell is not None and cell["x"] + cell["width"] <= box["x"] + box["width"], column
    # The whole table in its box: nothing cut off with no sign that the box scrolls.
    sizes = page.evaluate(
        "[document.querySelector('.results').clientWidth,"
        " document.querySelector('#result_list').scrollWidth]"
    )
    assert sizes[1] <= sizes[0], sizes
    context.close()


def test_on_a_phone_each_app_is_a_card_and_the_header_is_compact(browser, live_server, wide_portal):
    context = open_context(browser, live_server.url, language="en", theme="light", width=390)
    page = context.new_page()
    sign_in(page, "alice")
    page.goto(f"/tenants/{wide_portal.tenant}/apps/")
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
