"""No secret reaches the logs: every operation runs with every logger at DEBUG, then we search."""

import json
import logging

import pytest

from apps_admin import ecl
from apps_admin.ecl import tokens
from tests.helpers import make_tenant

pytestmark = pytest.mark.django_db

API_SECRET = "canary-api-secret-7Q2xKp"
SERVICE_ACCOUNT_KEY = json.dumps(
    {
        "type": "service_account",
        "client_email": "recorder@acme.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\ncanary-private-key-Zt81\n-----END PRIVATE KEY-----",  # noqa: E501
    }
)


@pytest.fixture
def debug_everywhere(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "requests", "apps_admin", "django", "apps_admin.ecl"):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def test_no_token_secret_key_or_service_account_key_is_logged(
    db, emulator_server, emulator, debug_everywhere
):
    credentials = emulator.create_tenant(api_secret=API_SECRET, apps=1)
    tenant = make_tenant(emulator_server, credentials)

    app = ecl.app_create_answer(
        tenant, {"description": "canary", "permissions": ["RECORDING"]}
    ).value
    ecl.app_list(tenant)
    ecl.app_list(tenant, expand=False)
    ecl.app_get(tenant, app.id)
    ecl.app_update_answer(
        tenant,
        app.id,
        {
            "recording_bucket_name": "canary-bucket",
            "recording_service_account_key": SERVICE_ACCOUNT_KEY,
        },
    )
    secret_keys = [ecl.secretkey_get(tenant, app.id), ecl.secretkey_renew(tenant, app.id)]
    emulator.revoke_tokens()  # a re-authentication is logged too
    ecl.app_get(tenant, app.id)
    ecl.app_delete_answer(tenant, app.id)
    token = cache_token(tenant)

    logged = "\n".join(f"{r.name} {r.getMessage()} {r.args!r}" for r in debug_everywhere.records)
    assert "ECL GET /tenants/{tenant_id}/apps 200" in logged  # the logs were captured
    for planted in [API_SECRET, token, *secret_keys, "canary-private-key-Zt81"]:
        assert planted and planted not in logged


def cache_token(tenant) -> str:
    from django.core.cache import cache

    return cache.get(tokens.cache_key(tenant)).value


def test_each_upstream_call_logs_method_route_status_duration_tenant_and_transaction_id(
    tenant, caplog
):
    caplog.set_level(logging.INFO, logger="apps_admin.ecl")
    ecl.app_list(tenant)
    lines = [r.getMessage() for r in caplog.records if r.name == "apps_admin.ecl"]
    assert len(lines) == 2
    keystone, apps = lines
    assert keystone.startswith("ECL POST /v3/auth/tokens 201 ")
    assert apps.startswith("ECL GET /tenants/{tenant_id}/apps 200 ")
    assert f"tenant={tenant.tenant_id}" in apps
    transaction_id = apps.rsplit("transaction_id=", 1)[1]
    assert transaction_id not in ("", "-")
