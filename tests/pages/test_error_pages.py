"""The site's error pages: inside the portal, in the person's language, saying what happened and
what to do, with a way back; and no control is shown to a role that cannot use it."""

import pytest
from django.test import Client, override_settings

from apps_admin import ecl
from tests.helpers import login

pytestmark = pytest.mark.django_db

JA = {"HTTP_ACCEPT_LANGUAGE": "ja"}


def test_a_viewer_opening_an_editors_page_is_told_the_roles_and_whom_to_ask(client_as, tenant):
    response = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/new/")
    assert response.status_code == 403
    html = response.content.decode()
    assert 'id="header"' in html  # the portal's page, not a bare text
    assert "Your role in this tenant is viewer; this needs editor." in html
    assert "<dd>Viewer</dd>" in html and "<dd>Editor</dd>" in html
    assert "<dd>alice</dd>" in html  # the tenant's admin
    assert f'href="/tenants/{tenant.tenant_id}/apps/"' in html
    japanese = client_as("viewer").get(f"/tenants/{tenant.tenant_id}/apps/new/", **JA)
    assert "あなたのロールではこの操作はできません" in japanese.content.decode()


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    ("headers", "words"), [({}, "Page not found"), (JA, "ページが見つかりません")]
)
def test_a_404_is_a_page_of_the_site_in_the_persons_language(client_as, tenant, headers, words):
    response = client_as("viewer").get("/no/such/page/", **headers)
    assert response.status_code == 404
    html = response.content.decode()
    assert words in html and 'id="header"' in html and 'href="/"' in html


def test_a_get_on_a_post_only_address_says_how_to_use_it(client_as, tenant):
    response = client_as("editor").get(f"/tenants/{tenant.tenant_id}/apps/1000/status/")
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "This address does not answer a GET request (it answers POST)" in html
    assert 'id="header"' in html


def test_a_failed_csrf_check_is_a_page_that_says_nothing_was_changed(users, tenant):
    client = login(Client(enforce_csrf_checks=True), users["editor"])
    response = client.post(f"/tenants/{tenant.tenant_id}/apps/1000/status/", {"status": "active"})
    assert response.status_code == 403
    assert "The form has expired" in response.content.decode()
    assert "nothing was changed" in response.content.decode()


def test_a_500_is_a_page_that_says_nothing_typed_was_saved(client_as, tenant, monkeypatch):
    from apps_admin.pages import error_pages

    response = error_pages.server_error(client_as("viewer").get("/").wsgi_request)
    assert response.status_code == 500
    assert "Nothing you typed was saved" in response.content.decode()
    # When even that page cannot be drawn, a plain sentence, never a traceback.
    monkeypatch.setattr(error_pages, "render", lambda *a, **k: 1 / 0)
    bare = error_pages.server_error(client_as("viewer").get("/").wsgi_request)
    assert bare.status_code == 500 and b"Something went wrong" in bare.content


def test_a_400_is_a_page_of_the_site(client_as):
    from apps_admin.pages import error_pages

    response = error_pages.bad_request(client_as("viewer").get("/").wsgi_request)
    assert response.status_code == 400 and "could not be understood" in response.content.decode()


@pytest.mark.parametrize(
    ("actor", "shown", "hidden"),
    [
        ("viewer", [], ["Edit", "Delete", "Suspend", "Reveal secret key", "Regenerate"]),
        ("editor", ["Edit", "Delete", "Suspend"], ["Reveal secret key", "Regenerate"]),
        ("admin", ["Edit", "Delete", "Suspend", "Reveal secret key", "Regenerate"], []),
    ],
)
def test_an_app_page_shows_only_the_controls_the_role_can_use(
    client_as, tenant, actor, shown, hidden
):
    app_id = ecl.app_list(tenant)[0].id
    ecl.app_update_answer(tenant, app_id, {"status": "active"})
    html = client_as(actor).get(f"/tenants/{tenant.tenant_id}/apps/{app_id}/").content.decode()
    for words in shown:
        assert f">{words}" in html, words
    for words in hidden:
        assert f">{words}" not in html, words
    listing = client_as(actor).get(f"/tenants/{tenant.tenant_id}/apps/").content.decode()
    assert ("Add app" in listing) == (actor != "viewer")
    assert ("Suspend selected" in listing) == (actor != "viewer")
    assert ("Audit log" in listing) == (actor == "admin")


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("apps_admin/favicon.svg")
    page = client.get("/login/").content.decode()
    assert 'rel="icon"' in page and "favicon.svg" in page


@override_settings(DEBUG=True)  # as `make run` serves: Django's technical 404 page otherwise
def test_in_debug_mode_a_missing_page_is_still_the_portals_404_in_the_persons_language(
    client_as, tenant
):
    client = client_as("viewer")
    for path, words in (
        ("/no-such-page/", "ページが見つかりません"),  # no URL matched
        (f"/tenants/{'0' * 32}/apps/", "ページが見つかりません"),  # a view raised Http404
        (f"/tenants/{tenant.tenant_id}/apps/99999/", "アプリケーションが見つかりません"),
    ):
        response = client.get(path, **JA)
        assert response.status_code == 404, path
        html = response.content.decode()
        assert words in html and 'id="header"' in html, path
        assert "DEBUG = True" not in html and "URLconf" not in html, path
    # The API keeps its own JSON answer, and a slash is still added where a page has one.
    assert client.get("/api/no-such-thing").json()["code"] == "not_found"
    assert client.get(f"/tenants/{tenant.tenant_id}/apps").status_code == 301
