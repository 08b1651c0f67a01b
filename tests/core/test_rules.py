"""The input rules shared by the pages and the API."""

import json

import pytest
from django.core.exceptions import ValidationError

from apps_admin import rules

KEY = {"type": "service_account", "client_email": "r@p.iam.gserviceaccount.com", "private_key": "k"}


def messages(error: ValidationError) -> str:
    return " ".join(error.messages)


def test_description_is_trimmed_and_limited_to_128_characters():
    assert rules.clean_description("  hello ") == "hello"
    assert rules.clean_description(None) == ""
    assert rules.clean_description("é" * 128) == "é" * 128
    with pytest.raises(ValidationError, match="at most 128 characters"):
        rules.clean_description("x" * 129)
    with pytest.raises(ValidationError):
        rules.clean_description(42)


def test_domains_are_trimmed_lowercased_and_deduplicated_in_order():
    text = " Example.COM \n\nlocalhost\nexample.com\n192.168.0.1\n"
    assert rules.clean_domains(text) == ["example.com", "localhost", "192.168.0.1"]
    assert rules.clean_domains(["a.example.com", "A.example.com"]) == ["a.example.com"]
    assert rules.clean_domains(None) == []


@pytest.mark.parametrize(
    ("domain", "says"),
    [
        ("https://example.com", "is a URL"),
        ("example.com:8080", "has a port"),
        ("example.com/app", "has a path"),
        ("*.example.com", "wildcards"),
        ("exa mple.com", "not a valid host name"),
        ("-bad.example.com", "not a valid host name"),
        ("a..b", "not a valid host name"),
        ("999.1.1.1", "not a valid IPv4"),
        ("a" * 64 + ".com", "not a valid host name"),
        (("a" * 60 + ".") * 5, "longer than 255"),
    ],
)
def test_each_kind_of_bad_domain_gets_its_own_message(domain, says):
    with pytest.raises(ValidationError) as raised:
        rules.clean_domains([domain])
    assert says in messages(raised.value)


def test_every_bad_domain_is_reported_at_once():
    with pytest.raises(ValidationError) as raised:
        rules.clean_domains(["http://a.com", "b.com:1", "ok.com"])
    assert len(raised.value.messages) == 2


def test_domains_must_be_text():
    with pytest.raises(ValidationError):
        rules.clean_domains([1, 2])
    with pytest.raises(ValidationError):
        rules.clean_domains({"a": 1})


def test_permissions_are_the_five_names_in_eclss_order():
    assert rules.clean_permissions(["SFU", "TURN", "SFU"]) == ["TURN", "SFU"]
    with pytest.raises(ValidationError, match="Unknown permission: ADMIN"):
        rules.clean_permissions(["ADMIN", "TURN"])
    with pytest.raises(ValidationError):
        rules.clean_permissions("TURN")


def test_status_is_active_or_suspended():
    assert rules.clean_status("suspended") == "suspended"
    for bad in ("Active", "", None, 1):
        with pytest.raises(ValidationError):
            rules.clean_status(bad)


@pytest.mark.parametrize(
    "name", ["acme-recordings", "abc", "a_b.c-d", "my.bucket.example.com", "a" * 63]
)
def test_valid_bucket_names(name):
    assert rules.clean_bucket_name(f" {name} ") == name


@pytest.mark.parametrize(
    "name",
    [
        "ab",
        "a" * 64,
        "Acme",
        "-acme",
        "acme-",
        "ac me",
        "192.168.5.4",
        "goog-bucket",
        "my-google-bucket",
        "my-g00gle",
        "a." + "b" * 64,
    ],
)
def test_invalid_bucket_names(name):
    with pytest.raises(ValidationError):
        rules.clean_bucket_name(name)


def test_a_service_account_key_is_a_json_object_of_type_service_account():
    assert json.loads(rules.clean_service_account_key(json.dumps(KEY))) == KEY
    assert json.loads(rules.clean_service_account_key(json.dumps(KEY).encode())) == KEY
    assert rules.clean_service_account_key("  ") == ""


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("not json {", "not valid JSON"),
        ("[1, 2]", "not a service account key"),
        (json.dumps({**KEY, "type": "authorized_user"}), "not a service account key"),
        (json.dumps({"type": "service_account", "client_email": "x"}), "lacks private_key"),
        (b"\xff\xfe", "not UTF-8"),
        ("x" * 70000, "too large"),
    ],
)
def test_bad_service_account_keys_are_refused_without_echoing_them(value, says):
    with pytest.raises(ValidationError) as raised:
        rules.clean_service_account_key(value)
    text = messages(raised.value)
    assert says in text
    assert 'private_key": ' not in text


# --- Whole values, no control characters, linear checks --------------------------------------


@pytest.mark.parametrize(
    "domain",
    ["evil\n.example.com", "evil.example.com\nx", "a\x00b.com", "a\u2028b.com", "ok\r.com"],
)
def test_a_domain_with_a_line_break_or_control_character_anywhere_is_refused(domain):
    with pytest.raises(ValidationError) as raised:
        rules.clean_domains([domain])
    assert messages(raised.value) == "A domain cannot hold a line break or a control character."
    assert raised.value.error_list[0].code == "invalid"  # ECL could never hold one


@pytest.mark.parametrize("name", ["buck\net", "bucket\nx", "bu\x00cket"])
def test_a_bucket_name_is_matched_whole(name):
    with pytest.raises(ValidationError, match="lower-case letters"):
        rules.clean_bucket_name(name)


@pytest.mark.parametrize("text", ["two\nlines", "tab\there", "nul\x00", "sep\u2028arated"])
def test_a_description_is_one_line_without_control_characters(text):
    with pytest.raises(ValidationError, match="one line of text"):
        rules.clean_description(text)
    assert rules.clean_description(text, stored=text) == text  # as ECL holds it, it stays


def test_a_description_may_hold_japanese_spaces_and_emoji():
    text = "受付\u3000ロビー 🎥"
    assert rules.clean_description(text) == text


def test_at_most_200_domains_counted_before_anything_else():
    many = [f"host{i}.example.com" for i in range(201)]
    for value in (many, "\n".join(many), [*many[:200], 12]):
        with pytest.raises(ValidationError) as raised:
            rules.clean_domains(value)
        assert messages(raised.value) == "An app can have at most 200 domains."
    assert len(rules.clean_domains(many[:200])) == 200
    assert rules.clean_domains("\n\n".join(many[:200]) + "\n" * 500) == many[:200]


def test_a_text_of_domains_too_long_to_hold_200_is_refused_unread():
    with pytest.raises(ValidationError, match="at most 200 domains"):
        rules.clean_domains("a" * (200 * 257 + 1))


def test_more_domains_than_200_pass_when_ecl_already_holds_as_many():
    stored = [f"host{i}.example.com" for i in range(250)]
    assert rules.clean_domains(stored, stored=stored) == stored
    with pytest.raises(ValidationError, match="at most 250 domains"):
        rules.clean_domains([*stored, "one-more.example.com"], stored=stored)


def test_duplicates_are_dropped_in_order_whatever_their_case_or_origin():
    stored = ["Legacy.Example:8080"]
    value = ["b.example", "legacy.example:8080", "B.EXAMPLE", "Legacy.Example:8080", "a.example"]
    assert rules.clean_domains(value, stored=stored) == [
        "b.example",
        "Legacy.Example:8080",
        "a.example",
    ]


def test_a_permissions_list_is_bounded_and_read_once():
    assert rules.clean_permissions(["SFU", "TURN"] * 50) == ["TURN", "SFU"]
    with pytest.raises(ValidationError, match="at most 100 names"):
        rules.clean_permissions(["TURN"] * 101)
    with pytest.raises(ValidationError, match="line break or a control character"):
        rules.clean_permissions(["TURN\n"])
