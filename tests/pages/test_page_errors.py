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
    (ecl.NotApplied(), 503, "reading back showed that the change was not made"),
    (ecl.UpstreamBusy(30), 503, "try again in 30 seconds"),
    (ecl.UpstreamBusy(1), 503, "try again in 1 second."),
    (ecl.UpstreamBusy(600), 503, "try again in 10 minutes"),
    (ecl.UpstreamBusy(None), 503, "try again in a moment"),
    (ecl.WriteLockUnavailable(), 503, "shared cache is not answering"),
    (ecl.WriteInProgress(), 409, "Another change to this app"),
    (ecl.AuditUnavailable(), 503, "cannot record this change"),
]


@pytest.mark.parametrize(("error", "status", "words"), EXPECTED, ids=lambda v: repr(v)[:40])
def test_each_ecl_error_has_its_status_and_words(error, status, words):
    trouble = errors.describe(error)
    assert trouble.status == status
    assert words in trouble.message or words in trouble.title


def test_only_an_outcome_known_not_made_says_nothing_was_changed():
    # A write whose answer was lost is OutcomeUnknown until reading back settles it; the
    # errors raised before a write was sent, or for ECL's refusal of it, say so.
    assert "Nothing was changed" not in errors.describe(ecl.OutcomeUnknown()).message
    assert "Nothing was changed" in errors.describe(ecl.NotApplied()).message
    assert "Nothing was changed" in errors.describe(ecl.UpstreamTimeout()).message
    assert "Nothing was changed" in errors.describe(ecl.UpstreamBusy(30)).message


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
