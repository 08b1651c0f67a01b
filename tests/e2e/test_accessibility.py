"""Every page a tenant admin reaches is usable by everyone: axe-core (WCAG 2.2 A and AA) finds no
critical or serious violation, in English and Japanese, light and dark, on a 390-pixel phone and
a 1366-pixel laptop; and on every one of those screens no page is wider than the screen, the
header keeps to one line without overlaps on a laptop, and every box that scrolls can be reached
with the keyboard and says what it holds.

One test walks the whole matrix with one browser: one context per language, theme and width,
signed in once, each page visited once and checked; each (screen, page) is a subtest, whose
failure lists every violation of that page. test-artifacts/axe-report.json keeps the counts.
Without axe-core (`npm ci --prefix tests/e2e/axe`) the test is skipped, loudly; with
REQUIRE_E2E=1 it fails.
"""

import itertools
import json
import os

import pytest

from tests.e2e import axe
from tests.e2e.helpers import ARTIFACTS
from tests.e2e.screens import LANGUAGES, THEMES, full_portal, open_context, visit_every_screen

WIDTHS = (390, 1366)

# Elements that stick out past the right edge, to say what to fix when a page is too wide.
STICKING_OUT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
  .filter(e => !e.parentElement.closest('[data-scroll-box]'))
  .slice(0, 5)
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"""

# Boxes whose content scrolls (beyond form controls, which scroll by nature): each must take the
# keyboard's focus and have a name, else a keyboard user cannot see what is cut off.
UNREACHABLE_SCROLL_BOXES = """() => [...document.querySelectorAll('body *')]
  .filter(e => !['SELECT', 'TEXTAREA', 'INPUT'].includes(e.tagName))
  .filter(e => {
    const style = getComputedStyle(e);
    const x = ['auto', 'scroll'].includes(style.overflowX) && e.scrollWidth > e.clientWidth + 1;
    const y = ['auto', 'scroll'].includes(style.overflowY) && e.scrollHeight > e.clientHeight + 1;
    return (x || y) && e.offsetParent !== null;
  })
  .filter(e => !(e.tabIndex >= 0 &&
                 (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby'))))
  .map(e => e.tagName + '#' + e.id + '.' + e.className)"""

# The header's parts on a laptop: on one line (a band every part crosses), none over another,
# the site's name unbroken. (The sign-in page's header is a narrow box of its own.)
HEADER = """() => {
  const parts = [...document.querySelectorAll('#site-name, #user-tools > a, #user-tools > form, ' +
      '#user-tools > button, .tenant-switcher, #header .language-switch')]
    .filter(e => e.offsetParent !== null)
    .map(e => ({name: (e.id || e.className || e.tagName) + ' ' + e.textContent.trim().slice(0, 20),
                box: e.getBoundingClientRect()}));
  const problems = [];
  const top = Math.max(...parts.map(p => p.box.top));
  const bottom = Math.min(...parts.map(p => p.box.bottom));
  if (top >= bottom) {
    problems.push('not on one line: ' +
                  parts.map(p => p.name + '@' + Math.round(p.box.top)).join(', '));
  }
  for (const [a, b] of parts.flatMap((p, i) => parts.slice(i + 1).map(q => [p, q]))) {
    const apart = a.box.right <= b.box.left || b.box.right <= a.box.left ||
                  a.box.bottom <= b.box.top || b.box.bottom <= a.box.top;
    if (!apart) problems.push('overlap: ' + a.name + ' / ' + b.name);
  }
  const name = document.querySelector('#site-name a');
  if (name && name.getClientRects().length > 1) problems.push('the site name wraps');
  return problems;
}"""


@pytest.fixture
def axe_ready():
    if axe.axe_available():
        return
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but the accessibility check cannot run. {axe.MISSING}.")
    print(f"\n!!! SKIPPING THE ACCESSIBILITY CHECK: {axe.MISSING}")
    pytest.skip(axe.MISSING)


def test_every_page_passes_axe_and_fits_every_screen(
    axe_ready,
    browser,
    live_server,
    transactional_db,
    emulator,
    emulator_server,
    django_user_model,
    settings,
    subtests,
):
    _portal, paths = full_portal(emulator, emulator_server, django_user_model, settings)
    report = {}
    for language, theme, width in itertools.product(LANGUAGES, THEMES, WIDTHS):
        screen = f"{language} {theme} {width}"
        if os.environ.get("AXE_ONLY") and os.environ["AXE_ONLY"] not in screen:
            continue
        context = open_context(
            browser, live_server.url, language=language, theme=theme, width=width
        )
        page = context.new_page()
        for visit in visit_every_screen(page, paths):
            violations = axe.run_axe(page)
            report[f"{screen} | {visit.name}"] = {
                "counts": axe.counts(violations),
                "rules": sorted({f"{v['id']} ({v['impact']})" for v in violations}),
            }
            with subtests.test(screen=screen, page=visit.name, check="axe"):
                severe = [v for v in violations if v["impact"] in ("critical", "serious")]
                assert not severe, f"{visit.name} ({screen}):\n{axe.describe(severe)}"
            problems = _layout_problems(page, width)
            report[f"{screen} | {visit.name}"]["layout"] = problems
            with subtests.test(screen=screen, page=visit.name, check="layout"):
                if problems:
                    _screenshot(page, f"layout-{screen}-{visit.name}")
                assert not problems, f"{visit.name} ({screen}): {problems}"
        context.close()
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe-report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False))


def _layout_problems(page, width: int) -> list[str]:
    problems = []
    scroll = page.evaluate("document.documentElement.scrollWidth")
    if scroll > width:
        problems.append(f"{scroll} px wide: {page.evaluate(STICKING_OUT)}")
    unreachable = page.evaluate(UNREACHABLE_SCROLL_BOXES)
    if unreachable:
        problems.append(f"scroll boxes without focus or name: {unreachable}")
    if width >= 1024 and page.locator("body:not(.login) #header").count():
        problems.extend(page.evaluate(HEADER))
    return problems


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name.replace(' ', '_')}.png"))


def test_the_second_factor_prompt_passes_axe_and_fits_every_screen(
    axe_ready, browser, live_server, transactional_db, django_user_model, subtests
):
    """The page between the password and the portal, for someone with an authenticator app: it
    is reached only in that state, so it has a walk of its own."""
    import pyotp

    from apps_admin.accounts import totp
    from tests.helpers import PASSWORD

    tess = django_user_model.objects.create_user("tess", password=PASSWORD)
    device = totp.start(tess)
    assert totp.confirm(device, pyotp.TOTP(device.secret).now())
    for language, theme, width in itertools.product(LANGUAGES, THEMES, WIDTHS):
        screen = f"{language} {theme} {width}"
        context = open_context(
            browser, live_server.url, language=language, theme=theme, width=width
        )
        page = context.new_page()
        page.goto("/login/")
        page.locator("#id_username").fill("tess")
        page.locator("#id_password").fill(PASSWORD)
        page.locator("#login-form [type=submit]").click()
        page.wait_for_url(lambda url: "/login/verify/" in url)
        assert page.locator("#second-factor-form").count() == 1
        violations = axe.run_axe(page)
        with subtests.test(screen=screen, page="second factor", check="axe"):
            severe = [v for v in violations if v["impact"] in ("critical", "serious")]
            assert not severe, f"second factor ({screen}):\n{axe.describe(severe)}"
        problems = _layout_problems(page, width)
        with subtests.test(screen=screen, page="second factor", check="layout"):
            assert not problems, f"second factor ({screen}): {problems}"
        context.close()
