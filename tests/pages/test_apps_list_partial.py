"""The apps list reads what it shows (ecl/partial.py): every app's id and apikey checked, only the
fields its search, filters and order read decoded for every app, the page's apps whole; the
same page as the tolerant reader's in every case, and the tolerant reader on any problem."""

import logging
import re

import pytest

from apps_admin.ecl import partial, reading
from apps_admin.models import Membership
from apps_admin.pages import app_table
from tests.helpers import make_tenant

pytestmark = pytest.mark.django_db

QUERIES = [
    {},
    {"p": "2"},
    {"n": "25", "p": "3"},
    *({"o": column.key} for column in app_table.APP_COLUMNS),
    *({"o": f"-{column.key}"} for column in app_table.APP_COLUMNS),
    {"q": "app 1"},
    {"q": "example"},
    {"status": "suspended"},
    {"permission": "TURN", "o": "-turn"},
    {"permission": "none"},
    {"recording": "active", "q": "a"},
]


@pytest.fixture
def big(db, emulator, emulator_server, users):
    """A tenant of 120 apps with a few odd ones planted among them, which the viewer may see."""
    tenant = make_tenant(emulator_server, emulator.create_tenant(apps=120), name="Big")
    emulator.plant_app(tenant.tenant_id, description="no status", omit=["status"])
    emulator.plant_app(
        tenant.tenant_id, description="naive time", raw={"updated_at": "2026-01-02T03:04:05"}
    )
    emulator.plant_app(tenant.tenant_id, raw={"description": None, "domains": None})
    Membership.objects.create(user=users["viewer"], tenant=tenant, role="viewer")
    return tenant


def page(client, tenant, query: dict) -> str:
    """The page, without its CSRF tokens (masked anew on every page)."""
    response = client.get(f"/tenants/{tenant.tenant_id}/apps/", query)
    assert response.status_code == 200
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


@pytest.fixture
def counted(monkeypatch):
    """How many apps were read whole, and whether the tolerant list reader was used."""
    seen = {"whole": 0, "list reader": 0}
    read_app, read_app_list = reading.read_app, reading.read_app_list

    def one(body):
        seen["whole"] += 1
        return read_app(body)

    def every(body, **kwargs):
        seen["list reader"] += 1
        return read_app_list(body, **kwargs)

    monkeypatch.setattr(partial, "read_app", one)
    monkeypatch.setattr("apps_admin.ecl.operations.read_app_list", every)
    return seen


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_every_query_shows_the_page_the_tolerant_reader_shows(client_as, big, query, monkeypatch):
    client = client_as("viewer")
    fast = page(client, big, query)
    monkeypatch.setattr(partial, "read", lambda body, fields, **kwargs: None)
    assert fast == page(client, big, query)


def test_only_the_apps_shown_are_read_whole(client_as, big, counted):
    html = page(client_as("viewer"), big, {"n": "25"})
    assert counted == {"whole": 25, "list reader": 0}
    assert "123 apps" in html or "of 123" in html


def test_an_odd_app_on_the_page_is_read_around_and_said_so(client_as, big, caplog, counted):
    with caplog.at_level(logging.WARNING, logger="apps_admin.ecl"):
        html = page(client_as("viewer"), big, {"n": "200"})
    assert counted == {"whole": 123, "list reader": 0}
    assert "naive time" in html and "no status" in html
    assert "updated_at without an offset (read as Japan time)" in caplog.text


def test_a_null_in_a_field_the_search_reads_sends_the_list_to_the_tolerant_reader(
    client_as, big, counted
):
    html = page(client_as("viewer"), big, {"q": "naive"})
    assert counted == {"whole": 0, "list reader": 1}
    assert "naive time" in html


def test_an_app_without_an_id_sends_the_list_to_the_tolerant_reader(
    client_as, big, emulator, counted
):
    emulator.plant_app(big.tenant_id, description="nameless", omit=["id"])
    html = page(client_as("viewer"), big, {})
    assert counted["list reader"] == 1 and counted["whole"] == 0
    assert "nameless" in html and "ECL sent no id for it." in html


def test_a_sort_by_a_field_of_the_wrong_type_sends_the_list_to_the_tolerant_reader(
    client_as, big, emulator, counted
):
    emulator.plant_app(big.tenant_id, description="odd domains", raw={"domains": "a.example"})
    html = page(client_as("viewer"), big, {"o": "domains"})
    assert counted["list reader"] == 1
    assert "odd domains" in html


@pytest.mark.parametrize(
    "body",
    [
        b'[{"id": 1, "apikey": "k", "description": "x \\ud800"}]',  # a lone surrogate
        b'[{"id": 1, "apikey": "k", "usage_summary": {"2026/01": {"turn": NaN}}}]',  # NaN
        b'[{"id": 1, "apikey": "k", "deep": ' + b"[" * 5000 + b"]" * 5000 + b"}]",
        b'[{"id": true, "apikey": "k"}]',
        b'[{"id": "a/b", "apikey": "k"}]',
        b'[{"id": 1, "apikey": ""}]',
        b'[{"id": 1}]',
        b"[1]",
        b"null",
        b"{}",
        b"[",
    ],
)
def test_anything_the_typed_path_refuses_goes_to_the_tolerant_reader(body):
    assert partial.read(body, frozenset({"description", "usage_summary"})) is None


def test_a_byte_order_mark_is_read_past_as_every_reader_does():
    found = partial.read(b'\xef\xbb\xbf[{"id": 1, "apikey": "k"}]', frozenset())
    assert [(app.id, app.apikey) for app in found] == [(1, "k")]


def test_only_the_fields_read_are_decoded():
    found = partial.read(
        b'[{"id": 7, "apikey": "k", "status": 12, "usage_summary": {"2026/01": "odd"}}]',
        frozenset(),
    )
    assert [(app.id, app.apikey, list(app.usage_summary)) for app in found] == [
        (7, "k", ["2026/01"])
    ]
    with pytest.raises(ValueError, match="not fields a page reads"):
        partial.keys_struct(frozenset({"secretkey"}))
