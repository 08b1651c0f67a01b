"""Property-based tests of the API's writes: arbitrary JSON bodies (nested deep, lone surrogates,
NaN, huge numbers, wrong types, no JSON at all) never make a 5xx, every refusal has the API's
error shape, and a refused body is never written to ECL: a create asks ECL nothing, an update
at most reads the app once (to tell a value ECL already holds from a new one)."""

import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import token_client

# slow: property-based fuzz of the API's request bodies (hypothesis)
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

FIELDS = [
    "description",
    "domains",
    "permissions",
    "status",
    "recording_bucket_name",
    "recording_service_account_key",
]
text = st.text(max_size=40) | st.sampled_from(
    ["TURN", "active", "example.com", "evil\n.example.com", "\ud800", "a\udfffb", "", "\x00"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**40), 10**40)
    | st.floats()  # NaN and Infinity included: json.dumps writes them bare
    | text
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=10,
)


def deep(depth: int, inner: str) -> str:
    return "[" * depth + inner + "]" * depth


bodies = (
    st.dictionaries(st.sampled_from(FIELDS) | text, values, max_size=6).map(json.dumps)
    | values.map(json.dumps)
    | st.tuples(st.sampled_from(FIELDS), st.integers(1, 150_000)).map(
        lambda found: json.dumps({found[0]: "x"})[:-1].replace('"x"', deep(found[1], '"x"')) + "}"
    )
    | st.lists(st.sampled_from(["domains", "permissions"]), min_size=1, max_size=1).flatmap(
        lambda name: st.integers(150, 3000).map(
            lambda count: json.dumps({name[0]: [f"h{i}.example.com" for i in range(count)]})
        )
    )
    | st.text(max_size=60)  # no JSON at all, mostly
)


@pytest.mark.parametrize("method", ["post", "put"])
@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_any_body_is_answered_and_a_refused_one_is_never_written(
    users, tenant, emulator, method, body
):
    editor = token_client(users["editor"], scope="write")
    editor.raise_request_exception = False
    path = f"/api/tenants/{tenant.tenant_id}/apps" + ("/1000" if method == "put" else "")
    emulator.clear_requests()
    response = getattr(editor, method)(path, data=body, content_type="application/json")
    event(f"HTTP {response.status_code}")
    assert response.status_code < 500, (body[:200], response.content[:300])
    if response.status_code >= 400:
        answer = response.json()
        assert isinstance(answer["detail"], str) and answer["detail"] and answer["code"]
        calls = [request["method"] for request in emulator.requests()]
        assert calls == ([] if method == "post" else calls[:1]), body[:200]
        assert all(call == "GET" for call in calls), body[:200]
