"""Production security settings: deploy check, headers with their values, cookies, redirects."""

import os
import subprocess
import sys

import pytest
from django.test import override_settings

from tests.helpers import PASSWORD, ROOT

pytestmark = pytest.mark.django_db

PRODUCTION = {
    "DEBUG": "off",
    "SECRET_KEY": "k" * 20 + "production-like-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "portal.example.com",
    "FIELD_ENCRYPTION_KEYS": "q2Qm0gq0VJ1i0bJm2H9pQ6nX7R5yE3tK8uW4sZ1aC0M=",
    "TRUST_X_FORWARDED_PROTO": "on",
}


@pytest.mark.slow  # starts manage.py
def test_check_deploy_passes_with_a_production_environment():
    environment = {
        "PATH": os.environ["PATH"],
        "PORTAL_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **PRODUCTION,
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow  # starts manage.py
def test_check_deploy_fails_without_encryption_keys():
    environment = {
        "PATH": os.environ["PATH"],
        "PORTAL_ENV_FILE": os.devnull,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        **PRODUCTION,
        "FIELD_ENCRYPTION_KEYS": "",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS is not set" in result.stderr


production_https = override_settings(
    DEBUG=False,
    SECURE_SSL_REDIRECT=True,
    SESSION_COOKIE_SECURE=True,
    CSRF_COOKIE_SECURE=True,
    SECURE_HSTS_SECONDS=31536000,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
)


@production_https
@pytest.mark.parametrize("path", ["/login/", "/healthz", "/admin/login/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path, headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    directives = [
        part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";")
    ]
    policy = {name: value for name, *rest in directives for value in [" ".join(rest)]}
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@production_https
def test_plain_http_is_redirected_to_https(client):
    response = client.get("/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/login/"


@production_https
def test_health_checks_are_answered_over_plain_http(client):
    assert client.get("/healthz").status_code == 200


@override_settings(DEBUG=False, SECURE_SSL_REDIRECT=True, SECURE_PROXY_SSL_HEADER=None)
def test_x_forwarded_proto_is_ignored_unless_trusted(client):
    response = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 301


@production_https
def test_cookies_are_secure_httponly_and_samesite(client, users):
    page = client.get("/login/", headers={"X-Forwarded-Proto": "https"})
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/login/",
        {"username": "vera", "password": PASSWORD},
        headers={"X-Forwarded-Proto": "https"},
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_login_refuses_a_post_without_a_csrf_token(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "vera", "password": PASSWORD})
    assert response.status_code == 403


def test_pages_render_no_inline_scripts(client_as, tenant):
    client = client_as("admin")
    for path in ["/login/", "/reauth/", f"/tenants/{tenant.tenant_id}/audit/"]:
        html = client.get(path).content.decode()
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
