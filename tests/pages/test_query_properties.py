"""Property-based tests of every list's query string: arbitrary Unicode (and bytes that are no
UTF-8) in any parameter of every list page, CSV export and the usage API never make a 500, and
a refused query asks nothing of ECL."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import token_client

# slow: property-based fuzz of the query strings (hypothesis)
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NAMES = [
    "p", "page", "n", "o", "q", "status", "permission", "recording", "from", "to", "metric",
    "since", "until", "app", "user", "action", "for", "expandApps",
]  # fmt: skip
TRICKY = [
    "\u00b2", "\u00b2\u00b2\u00b2\u00b2-01", "9999-12", "0001-01-01", "9999-12-31", "2999-12",
    "2000-01", "-1", "0", "1e9", "99999999999999999999", "\uff11", "\u0663", "m2026-01",
    "-m9999-12", "--id", "-total", "excel", "", " ", "\x00", "\n", "2026-02-30",
]  # fmt: skip
values = (
    st.sampled_from(TRICKY)
    | st.text(st.characters(blacklist_categories=["Cs"]), max_size=40)
    | st.integers(-(10**30), 10**30).map(str)
)
queries = st.lists(st.tuples(st.sampled_from(NAMES) | st.text(max_size=8), values), max_size=6)
raw_bytes = st.binary(max_size=12).map(lambda b: "".join(f"%{byte:02X}" for byte in b))

LISTS = {
    "apps": ("admin", "/tenants/{t}/apps/"),
    "apps CSV": ("admin", "/tenants/{t}/apps/export.csv"),
    "usage": ("admin", "/tenants/{t}/usage/"),
    "usage CSV": ("admin", "/tenants/{t}/usage/export.csv"),
    "audit log": ("admin", "/tenants/{t}/audit/"),
    "audit CSV": ("admin", "/tenants/{t}/audit/export.csv"),
    "usage API": ("api", "/api/tenants/{t}/usage"),
    "apps API": ("api", "/api/tenants/{t}/apps"),
}


def query_string(pairs, tail: str) -> str:
    encoded = "&".join(f"{quote(name, safe='')}={quote(value, safe='')}" for name, value in pairs)
    return encoded + (f"&q={tail}" if tail else "")


@pytest.mark.parametrize("listed", LISTS)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(pairs=queries, tail=raw_bytes)
def test_any_query_is_answered_and_a_refused_one_asks_nothing_of_ecl(
    client_as, users, tenant, emulator, listed, pairs, tail
):
    who, template = LISTS[listed]
    client = token_client(users["viewer"]) if who == "api" else client_as(who)
    client.raise_request_exception = False
    before = emulator.stats()["api_calls"]
    path = template.format(t=tenant.tenant_id) + "?" + query_string(pairs, tail)
    response = client.get(path)
    assert response.status_code in (200, 400), (path, response.status_code)
    event(f"HTTP {response.status_code}")
    if response.status_code == 400:
        assert emulator.stats()["api_calls"] == before, path
        if who == "api":
            assert response.json()["code"] == "invalid" and response.json()["detail"]
        else:
            assert b'class="errornote"' in response.content  # says what is wrong
