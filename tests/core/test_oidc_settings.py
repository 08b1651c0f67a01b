"""The system check says at startup what would make a sign-in with the identity provider fail."""

from django.core import checks

from apps_admin.checks import identity_provider_check


def ids(messages: list[checks.CheckMessage]) -> list[str]:
    return [message.id for message in messages]


def test_nothing_to_say_without_a_provider(settings):
    assert identity_provider_check(None) == []


def test_an_issuer_without_client_credentials_is_an_error(settings):
    settings.OIDC_ISSUER = "https://login.example.com"
    settings.OIDC_RP_CLIENT_ID = ""
    assert ids(identity_provider_check(None)) == ["apps_admin.E003"]


def test_local_login_off_without_a_provider_is_a_warning(settings):
    settings.LOCAL_LOGIN = False
    assert ids(identity_provider_check(None)) == ["apps_admin.W001"]


def test_a_group_role_that_does_not_parse_is_named(settings):
    settings.OIDC_GROUP_ROLES = f"admins={'a' * 32}:admin, viewers={'a' * 32}:owner, broken"
    found = identity_provider_check(None)
    assert ids(found) == ["apps_admin.E004", "apps_admin.E004"]
    assert "owner" in found[0].msg and "broken" in found[1].msg
