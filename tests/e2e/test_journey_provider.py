"""A tenant admin signs in through the company's identity provider, in a real browser on the
provider's own sign-in page, and reveals a secret key after a fresh sign-in there."""

import re

from playwright.sync_api import expect

from apps_admin import ecl
from apps_admin.models import GroupRole
from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, oidc, oidc_provider  # noqa: F401


def provider_sign_in(page, username: str) -> None:
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_at_the_provider_and_reveal_after_a_fresh_sign_in(
    page,
    portal,
    oidc,  # noqa: F811 (the fixture imported above)
    settings,
    emulator_server,
):
    settings.OIDC_ISSUER = oidc.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Acme SSO"
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "apps_admin.accounts.oidc.backend.ProviderBackend",
    ]
    GroupRole.objects.create(group="portal-acme-admins", tenant=portal.tenant, role="admin")
    app = ecl.app_list(portal.tenant)[0]
    secret = emulator_server.state.tenants[portal.tenant.tenant_id].apps[int(app.id)].secretkey

    page.goto("/login/")
    page.get_by_role("link", name="Sign in with Acme SSO").click()
    provider_sign_in(page, "alice")
    expect(page).to_have_url(re.compile(re.escape(portal.apps_path) + "$"))  # signed in
    expect(page.get_by_text("Welcome,")).to_be_visible()

    page.goto(portal.app_path(app.id))
    page.get_by_role("button", name="Reveal secret key").click()
    expect(page.get_by_text("To reveal the secret key of this app, sign in again")).to_be_visible()
    page.get_by_role("link", name="Sign in again at Acme SSO").click()
    provider_sign_in(page, "alice")  # asked again, although the provider's session is alive

    page.get_by_role("button", name="Reveal secret key").click()
    page.get_by_label("Show secret key").check()
    expect(page.locator(".secret-value")).to_have_text(secret)
