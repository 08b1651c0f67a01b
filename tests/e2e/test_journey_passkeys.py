"""A tenant admin's passkey, in Chromium with a virtual authenticator (the Chrome DevTools
Protocol's WebAuthn domain): LOCAL_MFA asks admins for a second factor, so she adds a passkey
at her first sign-in, signs in with it, confirms with it before a secret key; an assertion made
for another origin is refused."""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from apps_admin import ecl
from apps_admin.models import AuditEvent, Passkey
from tests.e2e.helpers import log_in
from tests.helpers import PASSWORD

AUTHENTICATOR = {
    "protocol": "ctap2",
    "transport": "internal",
    "hasResidentKey": True,
    "hasUserVerification": True,
    "isUserVerified": True,
}


def with_authenticator(page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": AUTHENTICATOR})


class _Blank(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!DOCTYPE html><title>Another site</title><p>another site"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def another_site():
    """A page on another origin of the same host name (localhost): a passkey for the portal
    signs there too, for that origin."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Blank)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://localhost:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_an_admin_adds_a_passkey_signs_in_with_it_and_confirms_a_secret(
    page, portal, settings, emulator_server
):
    settings.LOCAL_MFA = "admins"
    with_authenticator(page)
    app = ecl.app_list(portal.tenant)[0]
    secret = emulator_server.state.tenants[portal.tenant.tenant_id].apps[int(app.id)].secretkey

    log_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/account/security/"))
    expect(page.get_by_text("must have a second factor")).to_be_visible()
    page.goto(portal.apps_path)  # nothing else until then
    expect(page).to_have_url(re.compile(r"/account/security/"))
    page.get_by_label("Name of the passkey").fill("Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your recovery codes")).to_be_visible()
    expect(page.get_by_role("rowheader", name="Laptop")).to_be_visible()
    assert Passkey.objects.get().name == "Laptop"

    page.get_by_role("button", name="Log out").click()
    log_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.get_by_role("button", name="Sign in with a passkey").click()
    expect(page.get_by_text("Welcome,")).to_be_visible()
    expect(page).to_have_url(re.compile(re.escape(portal.apps_path) + "$"))

    page.goto(portal.app_path(app.id))
    page.get_by_role("button", name="Reveal secret key").click()
    expect(page.get_by_text("Confirm your password and your second factor")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm with a passkey").click()
    page.get_by_label("Show secret key").check()
    expect(page.locator(".secret-value")).to_have_text(secret)
    assert AuditEvent.objects.filter(action="secretkey.reveal").count() == 1


def test_a_passkey_assertion_made_for_another_origin_is_refused(
    page, portal, settings, another_site
):
    settings.LOCAL_MFA = "admins"
    with_authenticator(page)
    log_in(page, "alice")
    page.get_by_label("Name of the passkey").fill("Laptop")
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_text("Your recovery codes")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    log_in(page, "alice")
    expect(page).to_have_url(re.compile(r"/login/verify/"))

    # The portal's challenge, answered by the authenticator on another origin's page.
    options = page.evaluate(
        """async () => {
          const token = document.querySelector('input[name=csrfmiddlewaretoken]').value;
          const reply = await fetch('/account/passkeys/options/', {method: 'POST',
            headers: {'X-CSRFToken': token, 'Content-Type': 'application/x-www-form-urlencoded'},
            body: 'purpose=authenticate'});
          return await reply.json();
        }"""
    )
    verify_url = page.url
    page.goto(another_site)
    answer = page.evaluate(
        """async (json) => {
          const bytes = (s) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')
            + '='.repeat((4 - s.length % 4) % 4)), c => c.charCodeAt(0)).buffer;
          const b64 = (b) => btoa(String.fromCharCode(...new Uint8Array(b)))
            .replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
          const options = {...json, challenge: bytes(json.challenge),
            allowCredentials: json.allowCredentials.map(c => ({...c, id: bytes(c.id)}))};
          const made = await navigator.credentials.get({publicKey: options});
          return JSON.stringify({id: made.id, rawId: b64(made.rawId), type: made.type,
            clientExtensionResults: {}, response: {
              clientDataJSON: b64(made.response.clientDataJSON),
              authenticatorData: b64(made.response.authenticatorData),
              signature: b64(made.response.signature)}});
        }""",
        options,
    )
    client_data = json.loads(
        __import__("base64").urlsafe_b64decode(
            json.loads(answer)["response"]["clientDataJSON"] + "=="
        )
    )
    assert client_data["origin"] == another_site.rstrip("/")  # made there, for there

    page.goto(verify_url)
    page.evaluate(
        "(answer) => { document.querySelector('input[data-passkey-answer]').value = answer;"
        " document.getElementById('second-factor-form').requestSubmit(); }",
        answer,
    )
    expect(page.get_by_text("The passkey was not accepted")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login/verify/"))
    page.goto(portal.apps_path)
    expect(page).to_have_url(re.compile(r"/login/verify/"))  # still not signed in
