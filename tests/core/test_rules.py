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
