"""`manage.py api_token USERNAME [--name] [--scope] [--days]`: a token for scripts, printed last."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from apps_admin.models import ApiToken, AuditEvent

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue()


def test_the_token_is_printed_alone_on_the_last_line_and_works(users, tenant):
    output = run("eddie")
    text = output.splitlines()[-1]
    assert text.startswith("swp_") and " " not in text
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {text}")
    assert client.get(f"/api/tenants/{tenant.tenant_id}/apps").status_code == 200
    assert output.count(text) == 1


def test_by_default_a_token_reads_for_90_days(users):
    run("eddie")
    token = ApiToken.objects.get(user=users["editor"])
    assert token.scope == "read"
    assert token.expires_at - token.created_at == timedelta(days=90)
    assert token.name == "manage.py api_token"


def test_name_scope_and_days_are_as_given(users):
    run("alice", "--name", "key rotation", "--scope", "secrets", "--days", "7")
    token = ApiToken.objects.get(user=users["admin"])
    assert (token.name, token.scope) == ("key rotation", "secrets")
    assert token.expires_at - token.created_at == timedelta(days=7)


def test_the_token_is_audited_without_its_text(users):
    text = run("eddie", "--scope", "write").splitlines()[-1]
    event = AuditEvent.objects.get(action="token.create")
    assert event.actor_username == "manage.py"
    assert event.changes["user"] == {"from": None, "to": "eddie"}
    assert event.changes["scope"] == {"from": None, "to": "write"}
    assert text.split("_", 2)[2] not in repr(list(AuditEvent.objects.values()))


@pytest.mark.parametrize(
    "args, words",
    [
        (["nobody"], "No user named 'nobody'"),
        (["eddie", "--scope", "admin"], "Unknown scope 'admin'"),
        (["eddie", "--days", "0"], "--days is from 1 to 365"),
        (["eddie", "--days", "366"], "--days is from 1 to 365"),
        (["eddie", "--name", ""], "name"),
    ],
)
def test_wrong_arguments_are_a_clear_command_error(users, args, words):
    with pytest.raises(CommandError, match=words):
        run(*args)
    assert not ApiToken.objects.exists()


def test_a_deactivated_user_gets_no_token(users):
    users["editor"].is_active = False
    users["editor"].save()
    with pytest.raises(CommandError, match="deactivated"):
        run("eddie")
