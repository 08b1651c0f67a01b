"""The test OpenID Connect provider itself, driven with plain HTTP as a relying party would:
authorization code + PKCE, ID token checked against the JWKS, prompt=login, disabled users,
MFA, RP-initiated logout and the test-control endpoints."""

import base64
import hashlib
import json
import secrets
import time
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

from tests.oidc.conftest import CLIENT_ID, CLIENT_SECRET, PASSWORD, REDIRECT_URIS
from tests.oidc.provider_process import OidcProvider

pytestmark = pytest.mark.slow  # starts a Node.js process
SCOPE = "openid email profile groups"


def forms(html: str) -> list[dict[str, Any]]:
    """Each form of the page: {"action": ..., "fields": {input name: value}}."""
    found: list[dict[str, Any]] = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            attributes = dict(attrs)
            if tag == "form":
                found.append({"action": attributes.get("action") or "", "fields": {}})
            elif tag == "input" and found and attributes.get("name"):
                found[-1]["fields"][attributes["name"]] = attributes.get("value") or ""

    Parser().feed(html)
    return found


def b64decode(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def follow(session: requests.Session, response: requests.Response) -> requests.Response:
    """Follow redirects while they stay at the provider; the first that leaves it is returned."""
    issuer = f"{urlsplit(response.url).scheme}://{urlsplit(response.url).netloc}"
    while response.is_redirect:
        target = urljoin(response.url, response.headers["Location"])
        if not target.startswith(issuer + "/"):
            break
        response = session.get(target, allow_redirects=False, timeout=5)
    return response


def authorize(session: requests.Session, discovery: dict, **extra: str) -> tuple:
    """Start an authorization; returns (the provider's last answer, the request's parameters)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    request = {
        "client_id": CLIENT_ID,
        "response_type": "code",
        "scope": SCOPE,
        "redirect_uri": REDIRECT_URIS[0],
        "state": secrets.token_urlsafe(16),
        "nonce": secrets.token_urlsafe(16),
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
        **extra,
    }
    url = discovery["authorization_endpoint"]
    answer = session.get(url, params=request, allow_redirects=False, timeout=5)
    return follow(session, answer), {**request, "code_verifier": verifier}


def submit_login(session, page, username, password=PASSWORD, otp=None) -> requests.Response:
    (form,) = [f for f in forms(page.text) if "username" in f["fields"]]
    data = {"username": username, "password": password, **({"otp": otp} if otp else {})}
    action = urljoin(page.url, form["action"])
    return follow(session, session.post(action, data=data, allow_redirects=False, timeout=5))


def is_login_form(response: requests.Response) -> bool:
    return response.status_code == 200 and "Sign in</button>" in response.text


def callback(response: requests.Response, request: dict) -> dict[str, str]:
    """The parameters the provider sends back to the redirect_uri (not followed)."""
    assert response.status_code in (302, 303), response.text[:500]
    location = response.headers["Location"]
    assert location.startswith(request["redirect_uri"] + "?")
    return dict(parse_qsl(urlsplit(location).query))


def exchange(discovery: dict, code: str, request: dict, basic: bool = False) -> requests.Response:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": request["redirect_uri"],
        "code_verifier": request["code_verifier"],
    }
    if not basic:
        data |= {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}
    auth = (CLIENT_ID, CLIENT_SECRET) if basic else None
    return requests.post(discovery["token_endpoint"], data=data, auth=auth, timeout=5)


def verify_id_token(token: str, discovery: dict, nonce: str) -> dict[str, Any]:
    """Check the RS256 signature against the JWKS, then iss, aud, exp and nonce."""
    header_b64, payload_b64, signature_b64 = token.split(".")
    header = json.loads(b64decode(header_b64))
    assert header["alg"] == "RS256"
    keys = requests.get(discovery["jwks_uri"], timeout=5).json()["keys"]
    (jwk,) = [key for key in keys if key["kid"] == header["kid"]]
    e, n = (int.from_bytes(b64decode(jwk[field]), "big") for field in ("e", "n"))
    public_key = RSAPublicNumbers(e, n).public_key()
    signed = f"{header_b64}.{payload_b64}".encode()
    public_key.verify(b64decode(signature_b64), signed, padding.PKCS1v15(), hashes.SHA256())
    claims = json.loads(b64decode(payload_b64))
    assert claims["iss"] == discovery["issuer"]
    assert claims["aud"] in (CLIENT_ID, [CLIENT_ID])
    assert claims["iat"] - 5 <= time.time() < claims["exp"]
    assert claims["nonce"] == nonce
    return claims


def sign_in(discovery, username, session=None, otp=None, basic=False, **extra) -> tuple:
    """A whole code flow; returns (ID token claims, token response, the browser-like session)."""
    session = session or requests.Session()
    page, request = authorize(session, discovery, **extra)
    answer = submit_login(session, page, username, otp=otp) if is_login_form(page) else page
    returned = callback(answer, request)
    assert returned["state"] == request["state"]
    tokens = exchange(discovery, returned["code"], request, basic=basic)
    assert tokens.status_code == 200, tokens.text
    claims = verify_id_token(tokens.json()["id_token"], discovery, request["nonce"])
    return claims, tokens.json(), session


@pytest.fixture
def discovery(oidc: OidcProvider) -> dict[str, Any]:
    return requests.get(oidc.discovery_url, timeout=5).json()


def test_discovery_advertises_a_code_flow_with_pkce(oidc, discovery):
    assert discovery["issuer"] == oidc.issuer
    assert discovery["response_types_supported"] == ["code"]
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert {"client_secret_post", "client_secret_basic"} <= set(
        discovery["token_endpoint_auth_methods_supported"]
    )
    assert set(SCOPE.split()) <= set(discovery["scopes_supported"])
    assert {"groups", "email", "amr", "acr", "auth_time"} <= set(discovery["claims_supported"])
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]
    for endpoint in ("userinfo_endpoint", "end_session_endpoint", "jwks_uri"):
        assert discovery[endpoint].startswith(oidc.issuer + "/")
    assert oidc.health() == {"status": "ok", "issuer": oidc.issuer}


def test_code_flow_gives_a_signed_id_token_with_the_users_claims(oidc, discovery):
    claims, tokens, _ = sign_in(discovery, "alice")
    expected = {
        "sub": "sub-alice",
        "groups": ["portal-acme-admins"],
        "email": "alice@acme.example",
        "name": "Alice",
        "amr": ["pwd"],
        "acr": "urn:test:pwd",
    }
    assert {name: claims.get(name) for name in expected} == expected
    assert abs(claims["auth_time"] - time.time()) < 10
    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    ).json()
    assert userinfo["groups"] == ["portal-acme-admins"]
    assert userinfo["email"] == "alice@acme.example"
    logs = oidc.logs()
    for secret in (PASSWORD, CLIENT_SECRET, tokens["access_token"], tokens["id_token"]):
        assert secret not in logs


def test_client_secret_basic_works_and_the_pkce_verifier_is_checked(discovery):
    claims, _, _ = sign_in(discovery, "carol", basic=True)
    assert claims["groups"] == []
    session = requests.Session()
    page, request = authorize(session, discovery)
    returned = callback(submit_login(session, page, "carol"), request)
    wrong = exchange(discovery, returned["code"], {**request, "code_verifier": "x" * 43})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    without_pkce, request = authorize(
        requests.Session(), discovery, code_challenge="", code_challenge_method=""
    )
    assert callback(without_pkce, request)["error"] == "invalid_request"


def test_a_wrong_password_or_a_missing_one_time_code_shows_the_form_again(oidc, discovery):
    for username, password, message in [
        ("alice", "Not-The-Password-9", "Invalid username or password"),
        ("bob", PASSWORD, "one-time code"),  # bob has MFA
    ]:
        session = requests.Session()
        page, _ = authorize(session, discovery)
        again = submit_login(session, page, username, password=password)
        assert is_login_form(again) and message in again.text
    assert "Not-The-Password-9" not in oidc.logs()


def test_prompt_login_and_max_age_0_force_a_fresh_login(oidc, discovery):
    first, _, session = sign_in(discovery, "alice")
    page, request = authorize(session, discovery)  # live session: straight back with a code
    assert "code" in callback(page, request)
    oidc.move_clock(2)  # auth_time counts seconds: a later sign-in needs a later second
    page, _ = authorize(session, discovery, prompt="login")
    assert is_login_form(page)
    second, _, _ = sign_in(discovery, "alice", session=session, prompt="login")
    assert second["auth_time"] > first["auth_time"]
    oidc.move_clock(4)
    third, _, _ = sign_in(discovery, "alice", session=session, max_age="0")
    assert third["auth_time"] > second["auth_time"]


def test_a_disabled_user_is_denied_with_the_state(oidc, discovery):
    oidc.update_user("carol", disabled=True)
    session = requests.Session()
    page, request = authorize(session, discovery)
    returned = callback(submit_login(session, page, "carol"), request)
    assert returned["error"] == "access_denied" and returned["state"] == request["state"]
    _, _, session = sign_in(discovery, "alice")  # then disabled while signed in
    oidc.update_user("alice", disabled=True)
    page, request = authorize(session, discovery)
    returned = callback(page, request)
    assert returned["error"] == "access_denied" and returned["state"] == request["state"]


def test_update_user_changes_the_groups_at_the_next_sign_in(oidc, discovery):
    user = oidc.update_user("alice", groups=["portal-acme-viewers", "portal-beta-admins"])
    assert "password" not in user
    claims, _, _ = sign_in(discovery, "alice")
    assert claims["groups"] == ["portal-acme-viewers", "portal-beta-admins"]
    oidc.reset()
    claims, _, _ = sign_in(discovery, "alice")
    assert claims["groups"] == ["portal-acme-admins"]


def test_an_mfa_user_signs_in_with_a_one_time_code(discovery):
    claims, _, _ = sign_in(discovery, "bob", otp="123456")
    assert (claims["amr"], claims["acr"]) == (["pwd", "otp"], "urn:test:mfa")
    assert claims["groups"] == ["portal-acme-viewers"]


def test_end_session_signs_out_and_returns_to_the_client_with_the_state(discovery):
    _, tokens, session = sign_in(discovery, "alice")
    params = {
        "id_token_hint": tokens["id_token"],
        "post_logout_redirect_uri": "http://testserver/",
        "state": "bye-123",
    }
    url = discovery["end_session_endpoint"]
    page = session.get(url, params=params, allow_redirects=False, timeout=5)
    (form,) = forms(page.text)  # oidc-provider's confirmation, submitted by a script
    assert form["fields"]["logout"] == "yes"
    action = urljoin(page.url, form["action"])
    done = session.post(action, data=form["fields"], allow_redirects=False, timeout=5)
    assert done.status_code == 303
    assert done.headers["Location"] == "http://testserver/?state=bye-123"
    page, _ = authorize(session, discovery)
    assert is_login_form(page)  # the provider session is over
