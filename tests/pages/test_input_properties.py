"""Property-based tests of the app form and the API's input: arbitrary text, unicode, huge values,
wrong types and repeated fields never cause an exception, and every rejection names a field."""

import json

import pytest
from django.http import QueryDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps_admin.api.serializers import AppFieldsSerializer
from apps_admin.pages.forms import AppForm

# slow: property-based fuzz of the form and the API input (hypothesis)
pytestmark = pytest.mark.slow

FIELDS = [
    "description",
    "domains",
    "permissions",
    "status",
    "recording_bucket_name",
    "recording_service_account_key",
]
text = (
    st.text(max_size=300)
    | st.text(min_size=5000, max_size=6000)
    | st.sampled_from(
        [
            "TURN",
            "active",
            "suspended",
            "example.com",
            "",
            " ",
            "\x00",
            "\uff34\uff35\uff32\uff2e",
            "\U0001d4ea\U0001d4ec\U0001d4fd\U0001d4f2\U0001d4ff\U0001d4ee",
        ]
    )
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


# What an edit form may have shown: nothing (the add form), an app as the portal would write it,
# and one holding values ECL took that the portal would refuse as new input.
SHOWN = {
    "add": None,
    "usual": {
        "description": "Front desk",
        "domains": ["example.com"],
        "permissions": ["TURN"],
        "status": "active",
        "recording_bucket_name": "",
    },
    "odd": {
        "description": "D" * 200,
        "domains": ["example.com:8080", "*.example.com"],
        "permissions": ["FUTURE_FEATURE"],
        "status": "frozen",
        "recording_bucket_name": "Legacy_Bucket",
    },
}


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.sampled_from([*FIELDS, "unknown", "snapshot", "resolve_description"]), text),
        max_size=12,
    )
)
@pytest.mark.parametrize("shown", SHOWN)
def test_the_form_cleans_or_names_the_field_of_any_post(shown, pairs):
    data = QueryDict(mutable=True)
    for name, value in pairs:  # a name may repeat, as in a crafted POST
        data.appendlist(name, value)
    values = SHOWN[shown]
    form = AppForm(data, shown=values, ask=("description",) if values else ())
    if form.is_valid():
        fields = form.ecl_fields() if values is None else form.changes()
        assert set(fields) <= set(FIELDS)
        # Only a description ECL already holds may be longer than the rules allow.
        if "description" in fields and fields["description"] != (values or {}).get("description"):
            assert len(fields["description"]) <= 128
    else:
        assert form.errors
        assert set(form.errors) <= {
            *FIELDS,
            "recording_service_account_key_file",
            "resolve_description",
            "__all__",
        }
        assert all(messages for messages in form.errors.values())


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from([*FIELDS, "id", "unknown"]), json_values, max_size=8))
def test_the_api_input_cleans_or_names_the_field_of_any_body(body):
    # A JSON round trip, as the parser would hand it over (duplicate keys: the last one wins).
    body = json.loads(json.dumps(body))
    serializer = AppFieldsSerializer(data=body)
    if serializer.is_valid():
        assert set(serializer.validated_data) <= set(FIELDS)
    else:
        assert serializer.errors
        assert set(serializer.errors) <= {*FIELDS, "non_field_errors"}
