"""The API's documentation: the OpenAPI schema, Swagger UI without a CDN, the browsable API."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from rest_framework.test import APIClient

from tests.helpers import login

OPERATIONS = {
    ("/api/tenants", "get"): {200, 401},
    ("/api/tenants/{tenant_id}/apps", "get"): {200, 401, 403, 404, 502, 503, 504},
    ("/api/tenants/{tenant_id}/apps", "post"): {200, 400, 401, 403, 404, 413, 502, 503, 504},
    ("/api/tenants/{tenant_id}/apps/{app_id}", "get"): {200, 401, 403, 404, 502, 503, 504},
    ("/api/tenants/{tenant_id}/apps/{app_id}", "put"): {
        200, 400, 401, 403, 404, 413, 502, 503, 504,
    },
    ("/api/tenants/{tenant_id}/apps/{app_id}", "delete"): {200, 401, 403, 404, 502, 503, 504},
    ("/api/tenants/{tenant_id}/apps/{app_id}/secretkey", "get"): {
        200, 401, 403, 404, 429, 502, 503, 504,
    },
    ("/api/tenants/{tenant_id}/apps/{app_id}/secretkey", "post"): {
        200, 401, 403, 404, 429, 502, 503, 504,
    },
    ("/api/tenants/{tenant_id}/usage", "get"): {200, 400, 401, 403, 404, 502, 503, 504},
}  # fmt: skip
APP_FIELDS = {
    "description",
    "domains",
    "permissions",
    "status",
    "recording_bucket_name",
    "recording_service_account_key",
}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_the_schema_is_valid_openapi_3(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yml"))
    assert (tmp_path / "s.yml").read_text().startswith("openapi: 3.")


def test_the_schema_needs_no_login_and_holds_every_operation(schema):
    found = {
        (path, method)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete")
    }
    assert found == set(OPERATIONS)


@pytest.mark.parametrize(("path", "method"), list(OPERATIONS))
def test_each_operation_documents_its_status_codes(schema, path, method):
    operation = schema["paths"][path][method]
    assert {int(code) for code in operation["responses"]} == OPERATIONS[(path, method)]
    for code, response in operation["responses"].items():
        assert response["description"] or code == "200"
        if code != "200":
            ref = response["content"]["application/json"]["schema"]["$ref"]
            assert ref.endswith("/Error")
    assert operation["summary"] and operation["description"]


def test_the_request_fields_are_ecls(schema):
    fields = schema["components"]["schemas"]["AppFieldsRequest"]["properties"]
    assert set(fields) == APP_FIELDS
    assert fields["description"]["maxLength"] == 128
    assert fields["recording_service_account_key"]["writeOnly"] is True
    assert set(schema["components"]["schemas"]["PermissionEnum"]["enum"]) == {
        "TURN",
        "SFU",
        "USER_LIST",
        "PEER_AUTHENTICATION",
        "RECORDING",
    }


def test_the_app_answer_never_has_the_service_account_key(schema):
    assert (
        "recording_service_account_key" not in schema["components"]["schemas"]["App"]["properties"]
    )


def test_the_error_body_is_documented(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"detail", "code", "fields"}
    assert set(error["required"]) == {"detail", "code"}


def test_the_three_ways_to_authenticate_are_documented(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["xAuthToken"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-Auth-Token",
        "description": schemes["xAuthToken"]["description"],
    }
    assert schemes["tokenAuth"]["name"] == "Authorization"
    assert "cookieAuth" in schemes


def test_ids_are_documented_as_ecl_sends_them(schema):
    assert schema["components"]["schemas"]["App"]["properties"]["id"]["anyOf"] == [
        {"type": "integer"},
        {"type": "string"},
    ]


@pytest.mark.django_db
def test_the_interactive_docs_load_everything_from_this_site():
    client = APIClient()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style>" not in html  # the Content-Security-Policy allows no inline style
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert urls
    for url in urls:
        assert url.startswith("/"), url  # no CDN
    for url in urls:
        if url.startswith("/static/"):
            assert finders.find(url.removeprefix("/static/")), url
    script = next(url for url in urls if "script" in url)
    response = client.get(script.replace("&amp;", "&"))
    assert response.status_code == 200
    assert "/api/schema/" in response.content.decode()


@pytest.mark.django_db
def test_the_browsable_api_shows_the_views_docstrings_and_a_create_form(users, tenant):
    client = login(APIClient(), users["editor"])
    page = client.get(f"/api/tenants/{tenant.tenant_id}/apps", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    html = page.content.decode()
    assert "expandApps" in html  # from AppList's docstring
    assert 'name="description"' in html
    assert 'name="recording_service_account_key"' in html
    assert "SkyWay apps portal API" in html


@pytest.mark.django_db
def test_a_viewer_gets_no_create_form(users, tenant):
    client = login(APIClient(), users["viewer"])
    html = client.get(
        f"/api/tenants/{tenant.tenant_id}/apps", HTTP_ACCEPT="text/html"
    ).content.decode()
    assert 'name="description"' not in html


@pytest.mark.django_db
def test_an_anonymous_visitor_of_the_browsable_api_gets_a_login_link(tenant):
    page = APIClient().get(f"/api/tenants/{tenant.tenant_id}/apps", HTTP_ACCEPT="text/html")
    assert page.status_code == 401
    assert "/login/?next=" in page.content.decode()
