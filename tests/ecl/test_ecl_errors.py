"""Every ECL failure maps to one typed error; nothing is retried that could change twice."""

import pytest
from django.test import override_settings

from apps_admin import ecl
from tests.helpers import make_tenant

pytestmark = pytest.mark.django_db

APPS = "GET /tenants/{tenant_id}/apps"
RENEW = "POST /tenants/{tenant_id}/apps/{app_id}/secretkey"
CREATE = "POST /tenants/{tenant_id}/apps"
UPDATE = "PUT /tenants/{tenant_id}/apps/{app_id}"

# Short timeouts keep the hang cases quick; the budget still allows the retries.
fast = override_settings(ECL_CONNECT_TIMEOUT=1.0, ECL_TIMEOUT=1.0, ECL_CALL_BUDGET=8.0)


def calls(emulator, key: str) -> int:
    return emulator.stats()["calls"].get(key, 0)


def fault(emulator, method: str, path: str, *, count: int = 1, when: str = "before", **kind):
    emulator.set_faults(
        rules=[{"method": method, "path": path, "count": count, "when": when, **kind}]
    )


@pytest.mark.slow  # waits out ECL's retries
@pytest.mark.parametrize("status", [500, 502, 503])
def test_a_5xx_on_a_read_is_upstream_unavailable_after_bounded_retries(tenant, emulator, status):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", status=status, count=10)
    with pytest.raises(ecl.UpstreamUnavailable):
        ecl.app_list(tenant)
    retried = status in (502, 503)
    assert calls(emulator, APPS) == (3 if retried else 1)


def test_a_transient_503_on_a_read_is_retried_and_succeeds(tenant, emulator):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", status=503, count=1)
    assert len(ecl.app_list(tenant)) == 3
    assert calls(emulator, APPS) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, ecl.UpstreamUnavailable), (500, ecl.OutcomeUnknown), (502, ecl.OutcomeUnknown)],
)
def test_a_5xx_on_a_renewal_is_never_resent(tenant, emulator, app_id, status, error):
    emulator.reset_stats()
    fault(emulator, "POST", r"/secretkey$", status=status, count=5)
    with pytest.raises(error):
        ecl.secretkey_renew(tenant, app_id)
    assert calls(emulator, RENEW) == 1


def test_a_401_from_the_apps_api_fetches_a_new_token_and_resends_once(tenant, emulator):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", status=401, count=1)
    assert len(ecl.app_list(tenant)) == 3
    stats = emulator.stats()
    assert stats["auth_calls"] == 1
    assert calls(emulator, APPS) == 2


def test_a_second_rejection_is_an_error_not_a_loop(tenant, emulator):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", status=401, count=10)
    with pytest.raises(ecl.TokenRejected):
        ecl.app_list(tenant)
    assert calls(emulator, APPS) == 2
    assert emulator.stats()["auth_calls"] == 1


def test_a_revoked_token_costs_exactly_one_extra_token_request(tenant, emulator):
    ecl.app_list(tenant)
    emulator.revoke_tokens()
    emulator.reset_stats()
    assert len(ecl.app_list(tenant)) == 3
    assert emulator.stats()["auth_calls"] == 1
    assert calls(emulator, APPS) == 2
    emulator.reset_stats()
    ecl.app_list(tenant)
    assert emulator.stats()["auth_calls"] == 0


def test_a_renewal_refused_for_its_token_is_resent_once_with_a_new_token(tenant, emulator, app_id):
    old = ecl.secretkey_get(tenant, app_id)
    emulator.revoke_tokens()
    emulator.reset_stats()
    new = ecl.secretkey_renew(tenant, app_id)
    assert new != old
    assert calls(emulator, RENEW) == 2  # the first was refused before it was carried out
    assert ecl.secretkey_get(tenant, app_id) == new


@fast
def test_a_reset_before_a_read_is_retried(tenant, emulator):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", action="reset", count=1)
    assert len(ecl.app_list(tenant)) == 3
    assert calls(emulator, APPS) == 2


@pytest.mark.slow  # waits out ECL's retries
@fast
def test_resets_on_every_read_attempt_are_upstream_unavailable(tenant, emulator):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", action="reset", count=10)
    with pytest.raises(ecl.UpstreamUnavailable):
        ecl.app_list(tenant)
    assert calls(emulator, APPS) == 3


@fast
@pytest.mark.parametrize("when", ["before", "after"])
def test_a_renewal_whose_answer_is_lost_is_sent_once_and_reported_as_outcome_unknown(
    tenant, emulator, app_id, when
):
    before = ecl.secretkey_get(tenant, app_id)
    emulator.reset_stats()
    fault(emulator, "POST", r"/secretkey$", action="reset", when=when)
    with pytest.raises(ecl.OutcomeUnknown):
        ecl.secretkey_renew(tenant, app_id)
    assert calls(emulator, RENEW) == 1
    changed = ecl.secretkey_get(tenant, app_id) != before
    assert changed is (when == "after")


@fast
def test_a_create_whose_answer_is_lost_is_outcome_unknown_and_not_resent(tenant, emulator):
    emulator.reset_stats()
    fault(emulator, "POST", r"/apps$", action="reset", when="after")
    with pytest.raises(ecl.OutcomeUnknown):
        ecl.app_create_answer(tenant, {"description": "maybe"})
    assert calls(emulator, CREATE) == 1
    assert [a.description for a in ecl.app_list(tenant)].count("maybe") == 1


@fast
def test_an_update_whose_answer_is_lost_is_retried_because_put_is_idempotent(
    tenant, emulator, app_id
):
    emulator.reset_stats()
    fault(emulator, "PUT", r"/apps/", action="reset", when="after")
    updated = ecl.app_update_answer(tenant, app_id, {"description": "twice is fine"}).value
    assert updated.description == "twice is fine"
    assert calls(emulator, UPDATE) == 2


@pytest.mark.slow  # waits out ECL's retries
@fast
def test_a_hung_read_is_upstream_timeout(tenant, emulator):
    ecl.app_list(tenant)
    fault(emulator, "GET", r"/apps$", action="hang")
    with pytest.raises(ecl.UpstreamTimeout):
        ecl.app_list(tenant)


@pytest.mark.slow  # waits out ECL's retries
@fast
def test_a_hung_renewal_is_outcome_unknown_and_sent_once(tenant, emulator, app_id):
    emulator.reset_stats()
    fault(emulator, "POST", r"/secretkey$", action="hang")
    with pytest.raises(ecl.OutcomeUnknown):
        ecl.secretkey_renew(tenant, app_id)
    assert calls(emulator, RENEW) == 1


def test_a_malformed_answer_is_bad_upstream_response(tenant, emulator):
    ecl.app_list(tenant)
    fault(emulator, "GET", r"/apps$", action="malformed")
    with pytest.raises(ecl.BadUpstreamResponse):
        ecl.app_list(tenant)


def test_a_malformed_renewal_answer_is_outcome_unknown(tenant, emulator, app_id):
    fault(emulator, "POST", r"/secretkey$", action="malformed")
    with pytest.raises(ecl.OutcomeUnknown):
        ecl.secretkey_renew(tenant, app_id)


def test_a_missing_app_is_app_not_found_on_every_per_app_call(tenant):
    for operation in (ecl.app_get, ecl.app_delete_answer, ecl.secretkey_get, ecl.secretkey_renew):
        with pytest.raises(ecl.AppNotFound):
            operation(tenant, "999999")
    with pytest.raises(ecl.AppNotFound):
        ecl.app_update_answer(tenant, "999999", {"description": "x"})


@pytest.mark.parametrize("state", ["suspended", "deleted"])
def test_a_suspended_or_deleted_tenant_is_tenant_unavailable(tenant, emulator, state):
    emulator.set_tenant_state(tenant.tenant_id, state)
    with pytest.raises(ecl.TenantUnavailable) as raised:
        ecl.app_list(tenant)
    assert raised.value.state == state
    assert state in raised.value.message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": "x" * 129}, "description"),
        ({"domains": ["http://example.com"]}, "domains"),
        ({"domains": ["a" * 256]}, "domains"),
        ({"status": "paused"}, "status"),
        ({"permissions": ["ADMIN"]}, "permissions"),
    ],
)
def test_an_ecl_400_is_invalid_request_with_its_message_and_field(tenant, fields, field):
    with pytest.raises(ecl.InvalidRequest) as raised:
        ecl.app_create_answer(tenant, fields)
    assert raised.value.field == field
    assert raised.value.upstream_message


def test_wrong_api_secret_is_credentials_rejected(db, emulator_server, ecl_tenant, emulator):
    tenant = make_tenant(emulator_server, {**ecl_tenant, "api_secret": "wrong"})
    with pytest.raises(ecl.CredentialsRejected) as raised:
        ecl.app_list(tenant)
    assert "credentials" in raised.value.message
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.slow  # waits out ECL's retries
def test_keystone_answering_503_is_upstream_unavailable(tenant, emulator):
    fault(emulator, "POST", r"/v3/auth/tokens", status=503, count=10)
    with pytest.raises(ecl.UpstreamUnavailable):
        ecl.app_list(tenant)
    assert emulator.stats()["api_calls"] == 0


@pytest.mark.slow  # waits out ECL's retries
@fast
def test_keystone_down_is_upstream_unavailable(db, ecl_tenant):
    tenant = make_tenant(
        type(
            "Down", (), {"identity_url": "http://127.0.0.1:1/v3", "api_url": "http://127.0.0.1:1"}
        ),
        ecl_tenant,
    )
    with pytest.raises(ecl.UpstreamUnavailable):
        ecl.app_list(tenant)


def test_a_secret_that_cannot_be_decrypted_is_tenant_misconfigured(tenant, emulator):
    tenant.api_secret_encrypted = "not-a-fernet-token"
    with pytest.raises(ecl.TenantMisconfigured):
        ecl.app_list(tenant)
    assert emulator.stats()["auth_calls"] == 0


@pytest.mark.slow  # waits out a hang
@override_settings(ECL_CONNECT_TIMEOUT=1.0, ECL_TIMEOUT=1.0, ECL_CALL_BUDGET=2.5)
def test_the_call_budget_bounds_retries_of_a_hanging_upstream(tenant, emulator):
    ecl.app_list(tenant)
    emulator.reset_stats()
    fault(emulator, "GET", r"/apps$", action="hang", count=10)
    with pytest.raises(ecl.UpstreamTimeout):
        ecl.app_list(tenant)
    assert calls(emulator, APPS) == 1


@fast
def test_a_delete_whose_answer_is_lost_and_whose_retry_finds_nothing_has_succeeded(
    tenant, emulator, app_id
):
    emulator.reset_stats()
    fault(emulator, "DELETE", r"/apps/", action="reset", when="after")
    assert 200 <= ecl.app_delete_answer(tenant, app_id).status < 300  # done, no error
    assert calls(emulator, "DELETE /tenants/{tenant_id}/apps/{app_id}") == 2
    with pytest.raises(ecl.AppNotFound):
        ecl.app_get(tenant, app_id)


def test_deleting_a_missing_app_is_still_app_not_found(tenant):
    with pytest.raises(ecl.AppNotFound):
        ecl.app_delete_answer(tenant, "424242")
