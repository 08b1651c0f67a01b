"""Upstream trouble in the user's terms: one mapping from each ECL error to a status and words,
and a page that still renders inside the site (never a traceback, never a 500)."""

import pytest

from apps_admin import ecl
from apps_admin.pages import errors

pytestmark = pytest.mark.django_db

EXPECTED = [
    (ecl.UpstreamUnavailable(), 503, "Nothing was changed"),
    (ecl.UpstreamTimeout(), 504, "took too long"),
    (ecl.TenantUnavailable("suspended"), 403, "suspended"),
    (ecl.TenantUnavailable("deleted"), 403, "deleted"),
    (ecl.CredentialsRejected(), 502, "rejected the API key or secret"),
    (ecl.TenantMisconfigured(), 502, "cannot use the ECL settings"),
    (ecl.AppNotFound(), 404, "does not exist"),
    (ecl.InvalidRequest("Invalid status"), 400, "Invalid status"),
    (ecl.OutcomeUnknown(), 502, "cannot tell whether it took effect"),
    (ecl.TokenRejected(), 502, "refused the request twice"),
    (ecl.TokenRejected("Token has expired", status=403), 502, "“Token has expired”"),
    (ecl.ResponseTooLarge(), 502, "larger than the portal accepts"),
    (ecl.BadUpstreamResponse(), 502, "cannot read"),
    (ecl.ECLError(), 502, "could not complete"),
]


@pytest.mark.parametrize(("error", "status", "words"), EXPECTED, ids=lambda v: repr(v)[:40])
def test_each_ecl_error_has_its_status_and_words(error, status, words):
    trouble = errors.describe(error)
    assert trouble.status == status
    assert words in trouble.message or words in trouble.title


def test_a_timeout_while_changing_does_not_claim_nothing_changed():
    reading = errors.describe(ecl.UpstreamTimeout())
    changing = errors.describe(ecl.UpstreamTimeout(), changing=True)
    assert "Nothing was changed" in reading.message
    assert "Nothing was changed" not in changing.message
    assert "cannot tell whether the change was made" in changing.message


def test_only_failures_that_may_pass_offer_a_retry():
    assert errors.describe(ecl.UpstreamUnavailable()).retry
    assert errors.describe(ecl.UpstreamTimeout()).retry
    assert not errors.describe(ecl.AppNotFound()).retry
    assert not errors.describe(ecl.TenantUnavailable("deleted")).retry


def test_credential_trouble_is_for_the_tenant_settings():
    assert errors.describe(ecl.CredentialsRejected()).tenant_settings
    assert errors.describe(ecl.TenantMisconfigured()).tenant_settings
    assert not errors.describe(ecl.UpstreamUnavailable()).tenant_settings


def test_an_undecryptable_tenant_secret_is_a_502_page_with_the_fix_for_superusers(
    client_as, tenant, client, emulator
):
    tenant.api_secret_encrypted = "not-a-fernet-token"
    tenant.save()
    emulator.reset_stats()
    response = client_as("superuser").get(f"/tenants/{tenant.tenant_id}/apps/")
    assert response.status_code == 502
    html = response.content.decode()
    assert "settings cannot be used" in html
    assert f"/admin/apps_admin/tenant/{tenant.pk}/change/" in html
    assert ">Retry<" not in html
    assert emulator.stats()["auth_calls"] == 0


def test_the_error_page_shows_the_ecl_transaction_id(client_as, tenant):
    response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/99999/")
    assert response.status_code == 404
    assert "ECL transaction ID, for NTT support" in response.content.decode()
