"""Every page a tenant admin reaches, filled as in real use, for the checks of every screen (widths,
the header, scroll boxes, axe): `full_portal()` builds the data, `SCREENS` lists the pages, and
`open_context()` gives a signed-in browser context of one language, theme and width.

Adding a page to every check is one line in `SCREENS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from apps_admin import ecl
from tests.e2e.helpers import Portal, make_portal
from tests.helpers import PASSWORD

LANGUAGES = {"en": "en-US,en;q=0.9", "ja": "ja-JP,ja;q=0.9"}
THEMES = ("light", "dark")
WIDTHS = {320: 640, 390: 844, 1366: 768}  # width: height


@dataclass(frozen=True)
class Screen:
    """A page: its path (from the data's `Paths`), and what to do on it before it is checked
    (a form submitted with an error, a disclosure opened)."""

    name: str
    path: Callable[[Paths], str]
    then: Callable | None = None
    anonymous: bool = False


@dataclass
class Paths:
    tenant: str  # the tenant alice administers
    app: str  # one of its apps
    other: str  # a tenant where alice is only a viewer
    other_app: str
    extra: dict = field(default_factory=dict)


def _submit_empty_add_form(page) -> None:
    page.locator("#app-form [type=submit]").click()
    page.wait_for_load_state()


def _start_an_authenticator_app(page) -> None:
    """The enrolment's second step: the QR code, the secret as text and the code field (started
    in an earlier walk, it is still under way)."""
    if not page.locator("input[value=totp_confirm]").count():
        page.locator("form:has(input[value=totp_start]) [type=submit]").click()
        page.wait_for_load_state()
    assert page.locator("input[value=totp_confirm]").count() == 1


def _wait_for_the_operations(page) -> None:
    """Swagger UI draws the operations after fetching the schema, after the page's load."""
    page.wait_for_selector(".opblock")


SCREENS: list[Screen] = [
    Screen("login", lambda p: "/login/", anonymous=True),
    Screen("home", lambda p: "/"),
    Screen("apps", lambda p: f"/tenants/{p.tenant}/apps/"),
    Screen("apps page 2", lambda p: f"/tenants/{p.tenant}/apps/?page=2&n=25"),
    Screen("app", lambda p: f"/tenants/{p.tenant}/apps/{p.app}/"),
    Screen("add", lambda p: f"/tenants/{p.tenant}/apps/new/"),
    Screen("add, an error", lambda p: f"/tenants/{p.tenant}/apps/new/", _submit_empty_add_form),
    Screen("edit", lambda p: f"/tenants/{p.tenant}/apps/{p.app}/edit/"),
    Screen("delete", lambda p: f"/tenants/{p.tenant}/apps/{p.app}/delete/"),
    Screen("reveal", lambda p: f"/tenants/{p.tenant}/apps/{p.app}/secretkey/"),
    Screen("regenerate", lambda p: f"/tenants/{p.tenant}/apps/{p.app}/secretkey/regenerate/"),
    Screen("usage", lambda p: f"/tenants/{p.tenant}/usage/"),
    Screen("audit", lambda p: f"/tenants/{p.tenant}/audit/"),
    Screen("api tokens", lambda p: "/account/tokens/"),
    Screen("sign-in security", lambda p: "/account/security/"),
    Screen("authenticator app set-up", lambda p: "/account/security/", _start_an_authenticator_app),
    Screen("403", lambda p: f"/tenants/{p.other}/apps/{p.other_app}/edit/"),
    Screen("404", lambda p: "/no-such-page/"),
    Screen("browsable api", lambda p: f"/api/tenants/{p.tenant}/apps/{p.app}"),
    Screen("api docs", lambda p: "/api/docs/", _wait_for_the_operations),
]


def full_portal(emulator, emulator_server, django_user_model, settings) -> tuple[Portal, Paths]:
    """Acme Corporation (production), whose admin alice is also staff, with 60 apps (long
    descriptions, domains, every permission, one suspended, one in Japanese with usage), audit
    events and two API tokens of alice (one revoked); a second tenant where alice is a viewer,
    so that she has two tenants (the header's switcher, a 403). Alice signs in with her password
    alone (LOCAL_MFA=off): the second factor's pages have their own walk."""
    settings.LOCAL_MFA = "off"
    from apps_admin.accounts import api_tokens
    from apps_admin.models import AuditEvent, Membership
    from tests.helpers import make_tenant

    portal = make_portal(emulator, emulator_server, django_user_model)
    tenant = portal.tenant
    tenant.name = "Acme Corporation (production)"  # a long name, as real ones are
    tenant.save()
    # Staff too: the header then has every link it can have, its longest form.
    portal.users["admin"].is_staff = True
    portal.users["admin"].save()
    for number in range(55):
        ecl.app_create_answer(
            tenant,
            {
                "description": f"Remote assistance line {number} for the Sapporo clinic (pilot)",
                "domains": [f"very-long-subdomain-{number}.support.example.co.jp", "localhost"],
                "permissions": ["TURN", "SFU", "USER_LIST", "PEER_AUTHENTICATION"],
            },
        )
    planted = emulator.plant_app(
        tenant.tenant_id,
        description="遠隔診療（札幌クリニック）の本番回線",  # noqa: RUF001 - Japanese as typed
        domains=["clinic.example.co.jp"],
        permissions=["TURN", "SFU", "RECORDING"],
        usage={
            "previous": {"signaling": 12345, "turn": 1234.5, "sfu": 10000},
            "current": {"signaling": 10000, "turn": 321.25, "sfu": 4567.125},
        },
    )
    emulator.plant_app(tenant.tenant_id, description="Paused kiosk", status="suspended")
    app_id = planted["id"]
    for action in ("app.update", "app.suspend", "secretkey.reveal", "access.denied"):
        AuditEvent.objects.create(
            tenant_id=tenant.tenant_id,
            app_id=app_id,
            action=action,
            actor_username="alice",
            changes={"domains": {"from": ["a.example.com"], "to": ["b.example.com"]}},
            request_id="0123456789abcdef0123456789abcdef",
            transaction_id="8b77249c-04b1-4460-9e06-674cc41ea757",
        )
    other = make_tenant(emulator_server, emulator.create_tenant(apps=1), name="Acme Labs")
    Membership.objects.create(user=portal.users["admin"], tenant=other, role="viewer")
    api_tokens.issue(portal.users["admin"], name="Nightly usage export", scope="read")
    revoked, _text = api_tokens.issue(
        portal.users["admin"], name="Old deploy script", scope="write"
    )
    api_tokens.revoke(revoked)
    paths = Paths(
        tenant=tenant.tenant_id,
        app=app_id,
        other=other.tenant_id,
        other_app=ecl.app_list(other)[0].id,
    )
    return portal, paths


def open_context(browser, base_url: str, *, language: str, theme: str, width: int):
    """A new browser context in `language` and `theme` (both the system's preference and the
    admin's stored choice), `width` pixels wide."""
    context = browser.new_context(
        base_url=base_url,
        viewport={"width": width, "height": WIDTHS[width]},
        extra_http_headers={"Accept-Language": LANGUAGES[language]},
        color_scheme=theme,
    )
    context.set_default_timeout(15_000)
    # The admin's theme toggle keeps its choice in localStorage; its script reads it first thing.
    context.add_init_script(f"window.localStorage.setItem('theme', '{theme}');")
    return context


def visit_every_screen(page, paths: Paths, screens: list[Screen] = SCREENS) -> Iterator[Screen]:
    """Open each page in turn (the sign-in page first, then the others signed in as alice),
    done what it asks; yields each once it is ready to check."""
    signed_in = False
    for visit in sorted(screens, key=lambda s: not s.anonymous):
        if not visit.anonymous and not signed_in:
            sign_in(page, "alice")
            signed_in = True
        path = visit.path(paths)
        page.goto(path)
        # The page asked for, not one a redirect put in its place (a sign-in step, say).
        shown = urlsplit(page.url)
        assert shown.path + (f"?{shown.query}" if shown.query else "") == path, page.url
        if visit.then:
            visit.then(page)
        yield visit


def sign_in(page, username: str) -> None:
    """By the fields' ids, so that it works in every language."""
    page.goto("/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url(lambda url: "/login/" not in url)
