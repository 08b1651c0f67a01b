"""Canary: known secrets are planted, every page and endpoint is walked with every logger at
DEBUG, and none of the secrets turns up in logs, pages (but the secret key's own), cookies,
messages, audit events or URLs."""

import json
import logging
import re
import time

import pytest
from django.core.cache import cache
from django.test import Client

from apps_admin import ecl
from apps_admin.accounts import reauth
from apps_admin.ecl import tokens
from apps_admin.models import ApiToken, AuditEvent
from tests.helpers import app_id_in, make_tenant

pytestmark = pytest.mark.django_db

API_SECRET = "canary-ecl-api-secret-Q7v1"
PASSWORD = "canary-user-password-W3k9"
PRIVATE_KEY = "canary-private-key-Lm55"
SERVICE_ACCOUNT_KEY = json.dumps(
    {
        "type": "service_account",
        "client_email": "recorder@acme.iam.gserviceaccount.com",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{PRIVATE_KEY}\n-----END PRIVATE KEY-----\n",
    }
)


class Walk:
    """Every response of the walk, split into those allowed to show a secret key and the rest."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.responses = []
        self.secret_pages = []
        self.paths = []

    def go(self, method: str, path: str, *, shows_secret: bool = False, **kwargs):
        self.paths.append(path)
        response = getattr(self.client, method)(path, **kwargs)
        assert response.status_code < 500, (path, response.status_code)
        (self.secret_pages if shows_secret else self.responses).append(response)
        return response


def test_no_planted_secret_leaks_anywhere(
    db, emulator_server, emulator, django_user_model, caplog, settings
):
    settings.LOCAL_MFA = "off"  # the walk signs in with a password alone
    caplog.set_level(logging.DEBUG)
    for name in ("", "urllib3", "django", "django.request", "apps_admin", "axes", "portal"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    credentials = emulator.create_tenant(api_secret=API_SECRET, apps=2)
    tenant = make_tenant(emulator_server, credentials, name="Canary")
    django_user_model.objects.create_superuser("carol", password=PASSWORD, email="")
    client = Client()
    walk = Walk(client)
    t = tenant.tenant_id
    apps = f"/tenants/{t}/apps/"

    # Log in and confirm the password through the forms, as a person would.
    walk.go("get", "/login/")
    walk.go("post", "/login/", data={"username": "carol", "password": PASSWORD})
    walk.go("post", "/reauth/", data={"password": PASSWORD, "next": apps})

    created = walk.go(
        "post",
        f"{apps}new/",
        data={
            "description": "Canary app",
            "domains": "canary.example.com",
            "permissions": ["RECORDING"],
            "status": "active",
            "recording_bucket_name": "canary-bucket",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
    )
    assert created.status_code == 302
    app_id = app_id_in(created["Location"])
    app = f"{apps}{app_id}/"
    keystone_token = cache.get(tokens.cache_key(tenant)).value

    for path in [
        "/",
        apps,
        f"{apps}?q=canary&sort=-updated",
        f"{apps}export.csv",
        f"{apps}export.csv?for=excel",
        f"{app}?added=1",
        app,
        f"{app}edit/",
        f"{app}delete/",
        f"{app}secretkey/",
        f"{app}secretkey/regenerate/",
        f"/tenants/{t}/usage/",
        f"/tenants/{t}/usage/export.csv",
        f"/tenants/{t}/audit/",
        f"/tenants/{t}/audit/export.csv",
        "/account/tokens/",
        f"/admin/apps_admin/tenant/{tenant.pk}/change/",
        "/admin/apps_admin/auditevent/",
        "/api/",
        "/api/tenants",
        f"/api/tenants/{t}/apps?expandApps",
        f"/api/tenants/{t}/apps/{app_id}",
        "/api/schema/",
        "/api/docs/",
    ]:
        walk.go("get", path)
    # An edit that fails on a rule, with the key attached: the form must not echo the key.
    walk.go(
        "post",
        f"{app}edit/",
        data={
            "description": "x" * 200,
            "domains": "canary.example.com",
            "permissions": ["RECORDING"],
            "status": "active",
            "recording_bucket_name": "canary-bucket",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
    )
    revealed = walk.go("post", f"{app}secretkey/", shows_secret=True)
    renewed = walk.go("post", f"{app}secretkey/regenerate/", shows_secret=True)
    secret_keys = [ecl.secretkey_get(tenant, app_id)]
    assert secret_keys[0] in renewed.content.decode()
    assert revealed.status_code == 200

    session = client.session
    session[reauth.SESSION_KEY] = time.time()
    session.save()
    # An API token made on its page, as a person would: only that answer may show it.
    made = walk.go(
        "post",
        "/account/tokens/",
        data={"action": "create", "name": "canary", "scope": "secrets", "days": "30"},
        shows_secret=True,
    )
    api_token = made.context["new_token"]
    api = {"headers": {"X-Auth-Token": api_token}}
    walk.go("get", f"/api/tenants/{t}/apps/{app_id}/secretkey", shows_secret=True, **api)
    walk.go(
        "put",
        f"/api/tenants/{t}/apps/{app_id}",
        data=json.dumps({"recording_service_account_key": SERVICE_ACCOUNT_KEY}),
        content_type="application/json",
        **api,
    )
    walk.go("post", f"{apps}bulk/", data={"action": "suspend", "app": [app_id], "confirm": "yes"})
    walk.go("get", apps)  # shows the bulk summary message
    walk.go("post", f"{app}delete/", data={"app_id": app_id})
    walk.go("get", apps)
    walk.go("get", "/admin/apps_admin/apitoken/")
    walk.go("get", f"/admin/apps_admin/apitoken/{ApiToken.objects.get(name='canary').pk}/change/")
    walk.go(
        "post",
        "/account/tokens/",
        data={"action": "revoke", "token": ApiToken.objects.get(name="canary").pk},
    )
    walk.go("get", "/account/tokens/")
    walk.go("get", f"/api/tenants/{t}/apps", **api)  # refused now: 401
    walk.go("post", "/logout/")
    secret_keys.append(ecl.secretkey_get(tenant, tenant_app_id(tenant)))

    planted = [API_SECRET, PASSWORD, PRIVATE_KEY, keystone_token, *secret_keys, api_token]
    places = {
        "logs": "\n".join(
            f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
        ),
        "pages": "\n".join(r.content.decode(errors="replace") for r in walk.responses),
        "headers": "\n".join(repr(dict(r.headers)) for r in walk.responses + walk.secret_pages),
        "cookies": repr({k: v.value for k, v in client.cookies.items()})
        + "".join(repr(r.cookies) for r in walk.responses + walk.secret_pages),
        "sessions": repr(list(_sessions())),
        "audit": repr(list(AuditEvent.objects.values())),
        "urls": "\n".join(walk.paths + _links(walk.responses + walk.secret_pages)),
    }
    assert "ECL GET /tenants/{tenant_id}/apps 200" in places["logs"]  # logs were captured
    for place, text in places.items():
        for secret in planted:
            assert secret not in text, f"a planted secret was found in {place}"


def tenant_app_id(tenant) -> str:
    return ecl.app_list(tenant, expand=False)[0].id


def _sessions():
    from django.contrib.sessions.models import Session

    for session in Session.objects.all():
        yield session.get_decoded()


def _links(responses) -> list[str]:
    found = []
    for response in responses:
        if "Location" in response:
            found.append(response["Location"])
        found += re.findall(
            r'(?:href|src|action)="([^"]*)"', response.content.decode(errors="replace")
        )
    return found
