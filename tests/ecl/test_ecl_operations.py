"""Each ECL operation of the service module against the emulator over real HTTP."""

import json
from datetime import datetime

import pytest

from apps_admin import ecl

pytestmark = pytest.mark.django_db


def calls(emulator, key: str) -> int:
    return emulator.stats()["calls"].get(key, 0)


def test_app_list_expanded_returns_typed_apps(tenant):
    apps = ecl.app_list(tenant)
    assert len(apps) == 3
    assert [a.id for a in apps] == sorted((a.id for a in apps), key=int)
    for app in apps:
        assert isinstance(app.id, str)
        assert app.expanded
        assert app.status in ("active", "suspended")
        assert isinstance(app.created_at, datetime) and app.created_at.utcoffset() is not None
        assert [m.month for m in app.usage] == sorted(m.month for m in app.usage)
        assert len(app.usage) == 2
        assert app.recording_status in ("active", "unavailable")


def test_app_list_unexpanded_has_only_id_apikey_and_description(tenant):
    apps = ecl.app_list(tenant, expand=False)
    assert len(apps) == 3
    assert all(isinstance(a, ecl.AppSummary) and not a.expanded and a.apikey for a in apps)
    body = ecl.app_list_body(tenant, expand=False)
    assert all(set(item) == {"id", "apikey", "description"} for item in json.loads(body))


def test_create_get_update_delete_round_trip(tenant, emulator):
    created = ecl.app_create_answer(
        tenant,
        {"description": "Support line", "domains": ["example.com"], "permissions": ["TURN"]},
    ).value
    assert created.status == "active"
    assert created.domains == ("example.com",)
    assert created.permissions == ("TURN",)
    assert created.recording_status == "unavailable"

    fetched = ecl.app_get(tenant, created.id)
    assert fetched == created

    updated = ecl.app_update_answer(
        tenant,
        created.id,
        {
            "description": "Support line (new)",
            "domains": ["a.example.com", "localhost"],
            "permissions": ["RECORDING", "SFU"],
            "status": "suspended",
            "recording_bucket_name": "acme-recordings",
            "recording_service_account_key": '{"type":"service_account"}',
        },
    ).value
    assert updated.id == created.id
    assert updated.description == "Support line (new)"
    assert updated.domains == ("a.example.com", "localhost")
    assert set(updated.permissions) == {"RECORDING", "SFU"}
    assert updated.status == "suspended"
    assert updated.recording_status == "active"
    assert updated.recording_bucket == "acme-recordings"

    ecl.app_delete_answer(tenant, created.id)
    with pytest.raises(ecl.AppNotFound):
        ecl.app_get(tenant, created.id)
    assert calls(emulator, "DELETE /tenants/{tenant_id}/apps/{app_id}") == 1


def test_secret_key_get_and_renew(tenant):
    app = ecl.app_list(tenant)[0]
    first = ecl.secretkey_get(tenant, app.id)
    renewed = ecl.secretkey_renew(tenant, app.id)
    assert first and renewed and renewed != first
    assert ecl.secretkey_get(tenant, app.id) == renewed


def test_each_operation_makes_exactly_one_upstream_call_and_one_token_request(tenant, emulator):
    emulator.reset_stats()
    app = ecl.app_list(tenant)[0]
    ecl.app_get(tenant, app.id)
    ecl.app_update_answer(tenant, app.id, {"description": "x"})
    ecl.secretkey_get(tenant, app.id)
    ecl.secretkey_renew(tenant, app.id)
    stats = emulator.stats()
    assert stats["auth_calls"] == 1
    assert stats["api_calls"] == 5


def test_an_app_id_is_passed_as_an_opaque_path_segment(tenant):
    with pytest.raises(ecl.AppNotFound):
        ecl.app_get(tenant, "../../v3")


def test_an_answer_keeps_ecls_json_exactly_as_sent(tenant):
    body = ecl.app_list_body(tenant)
    assert b"secretkey" not in body
    apps = ecl.app_list(tenant)
    assert [app.id for app in apps] == [str(item["id"]) for item in json.loads(body)]
    one = ecl.app_get_answer(tenant, apps[0].id)
    assert json.loads(one.body) == json.loads(body)[0]
