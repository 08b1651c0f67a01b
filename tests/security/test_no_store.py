"""Nothing a signed-in person sees is kept by a browser or a proxy (pages, API answers, the
audit log), static files stay cacheable, and a HEAD never reveals a secret key."""

import pytest

from apps_admin.models import AuditEvent
from tests.helpers import token_client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/tenants/{t}/apps/",
        "/tenants/{t}/apps/1000/",
        "/tenants/{t}/usage/",
        "/tenants/{t}/audit/",
        "/tenants/{t}/apps/export.csv",
        "/account/tokens/",
    ],
)
def test_every_signed_in_page_is_no_store(client_as, tenant, path):
    response = client_as("admin").get(path.format(t=tenant.tenant_id))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize(
    "path", ["/api/tenants", "/api/tenants/{t}/apps", "/api/tenants/{t}/apps/1000"]
)
def test_every_api_answer_with_a_token_is_no_store(users, tenant, path):
    response = token_client(users["viewer"]).get(path.format(t=tenant.tenant_id))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_static_files_are_served_before_it_and_anonymous_answers_are_left_alone(rf):
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.http import HttpResponse

    from apps_admin.middleware import NoStoreForSignedInMiddleware

    order = settings.MIDDLEWARE
    assert order.index("whitenoise.middleware.WhiteNoiseMiddleware") < order.index(
        "apps_admin.middleware.NoStoreForSignedInMiddleware"
    )
    request = rf.get("/login/")
    request.user = AnonymousUser()
    response = NoStoreForSignedInMiddleware(lambda r: HttpResponse("x"))(request)
    assert not response.has_header("Cache-Control")


def test_a_head_on_the_secret_key_reveals_nothing(users, tenant, emulator):
    emulator.reset_stats()
    response = token_client(users["admin"]).head(
        f"/api/tenants/{tenant.tenant_id}/apps/1000/secretkey"
    )
    assert response.status_code == 405
    assert emulator.stats()["api_calls"] == 0
    assert not AuditEvent.objects.filter(action="secretkey.reveal").exists()
