"""ECL's own words from an error answer in any shape: nested or flat JSON, text, HTML, nothing."""

import pytest

from apps_admin.ecl.error_text import MAX_LENGTH, upstream_text


@pytest.mark.parametrize(
    ("body", "content_type", "text"),
    [
        (b'{"error": {"code": 403, "message": "App doesn\'t exist"}}', "", "App doesn't exist"),
        (b'{"error": {"code": 401, "title": "Unauthorized"}}', "", "Unauthorized"),
        (b'{"code": 403, "message": "Tenant is suspended"}', "", "Tenant is suspended"),
        (b'{"error": "Tenant is deleted"}', "", "Tenant is deleted"),
        (b'{"detail": "Invalid token"}', "", "Invalid token"),
        (b'{"detail": {"message": "Token has expired"}}', "", "Token has expired"),
        (b'{"errors": [{"message": "Invalid status"}, {"detail": "x"}]}', "", "Invalid status; x"),
        (b'{"errors": ["a", "b"]}', "", "a; b"),
        (b'"Not authenticated"', "", "Not authenticated"),
        (b"App doesn't exist\n", "text/plain", "App doesn't exist"),
        (
            b"<html><head><title>403 Forbidden</title></head><body><h1>403 Forbidden</h1>"
            b"<p>App doesn&#x27;t exist</p><script>var x = 1;</script></body></html>",
            "text/html",
            "403 Forbidden App doesn't exist",
        ),
        (b"<html><head><title>Bad Gateway</title></head><body></body></html>", "", "Bad Gateway"),
        (b"", "application/json", ""),
        (b"   ", "", ""),
        (b'{"unrelated": 1}', "", ""),
        (b"\xff\xfe broken", "", "\ufffd\ufffd broken"),
    ],
)
def test_the_message_is_found_in_any_shape(body, content_type, text):
    assert upstream_text(body, content_type) == text


def test_a_long_page_is_cut_to_its_first_words():
    page = b"<html><body><p>" + b"word " * 1000 + b"</p></body></html>"
    text = upstream_text(page, "text/html")
    assert len(text) == MAX_LENGTH and text.endswith("…")


def test_deep_nesting_is_not_followed_forever():
    body = b'{"error": ' * 50 + b'"deep"' + b"}" * 50
    assert upstream_text(body) == ""
