"""Property-based tests of the input rules: any input is either cleaned or refused with a
ValidationError (never another exception), and what is cleaned obeys the rules."""

import json
import re

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apps_admin import rules
from apps_admin.ecl.types import PERMISSIONS

# slow: property-based fuzz of the rules (hypothesis)
pytestmark = pytest.mark.slow

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=20,
)
hostname_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


def cleaned_or_refused(clean, value):
    try:
        return clean(value)
    except ValidationError as error:
        assert error.messages and all(isinstance(m, str) and m for m in error.messages)
        return None


@settings(max_examples=300)
@given(anything)
def test_every_rule_cleans_or_refuses_any_value(value):
    for clean in (
        rules.clean_description,
        rules.clean_domains,
        rules.clean_permissions,
        rules.clean_status,
        rules.clean_bucket_name,
        rules.clean_service_account_key,
    ):
        cleaned_or_refused(clean, value)


CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


@given(st.text())
def test_a_cleaned_description_is_one_line_of_at_most_128_characters(text):
    cleaned = cleaned_or_refused(rules.clean_description, text)
    assert cleaned is None or (len(cleaned) <= 128 and not CONTROL.search(cleaned))
    if len(text.strip()) <= 128 and not CONTROL.search(text.strip()):
        assert cleaned == text.strip()


@given(
    st.lists(hostname_label, min_size=1, max_size=3),
    st.sampled_from(["\n", "\r", "\x00", "\x1f", "\x85", "\u2028"]),
)
def test_a_domain_with_a_line_break_or_control_character_anywhere_is_refused(labels, control):
    domain = ".".join(labels)
    for where in range(len(domain) + 1):
        odd = domain[:where] + control + domain[where:]
        assert cleaned_or_refused(rules.clean_domains, [odd]) in (None, [domain])
        if odd.strip() != domain:  # not only white space around it
            assert cleaned_or_refused(rules.clean_domains, [odd]) is None


@given(st.lists(st.text(max_size=300), max_size=20))
def test_cleaned_domains_are_lowercase_unique_and_valid(items):
    cleaned = cleaned_or_refused(rules.clean_domains, items)
    if cleaned is not None:
        assert len(cleaned) == len(set(cleaned))
        assert all(d == d.strip().lower() and 0 < len(d) <= 255 for d in cleaned)
        assert not any(CONTROL.search(d) for d in cleaned)
        assert rules.clean_domains(cleaned) == cleaned  # cleaning is idempotent


@given(st.lists(hostname_label, min_size=1, max_size=4))
def test_every_hostname_of_valid_labels_is_accepted(labels):
    domain = ".".join(labels)
    assume(not (len(labels) == 4 and all(label.isdigit() for label in labels)))  # IPv4-shaped
    if len(domain) <= 255:
        assert rules.clean_domains([domain.upper()]) == [domain]


@given(st.lists(st.sampled_from(PERMISSIONS)))
def test_any_list_of_known_permissions_is_accepted_in_ecl_order(chosen):
    assert rules.clean_permissions(chosen) == [p for p in PERMISSIONS if p in chosen]


@given(st.text())
def test_a_cleaned_bucket_name_obeys_the_length_rules(text):
    cleaned = cleaned_or_refused(rules.clean_bucket_name, text)
    if cleaned:
        assert 3 <= len(cleaned) <= 222
        assert cleaned == cleaned.lower()


@given(st.dictionaries(st.text(max_size=15), anything, max_size=6))
def test_a_service_account_key_needs_its_type_email_and_private_key(data):
    cleaned = cleaned_or_refused(rules.clean_service_account_key, json.dumps(data, default=str))
    if cleaned:
        parsed = json.loads(cleaned)
        assert parsed["type"] == "service_account"
        assert isinstance(parsed["client_email"], str)
        assert isinstance(parsed["private_key"], str)
