"""Two portals under gunicorn, one database and one Redis: what each process holds of who asks
(identity_cache.py) gives way at the next request to a change made in a third process."""

import sqlite3

import pytest
import requests

from bench import stack
from tests.helpers import own_redis

# slow: starts Redis and two gunicorn portals of its own
# served_portal: bench.stack.portal collects static files into the project's staticfiles/, which
# the other served portals' processes read (WhiteNoise scans it): one at a time.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("served_portal")]

TENANT_ID = "ab" * 16
SETUP = f"""
from django.contrib.auth import get_user_model
from apps_admin.accounts import api_tokens
from apps_admin.models import Membership, Tenant
tenant = Tenant(name="Acme", tenant_id="{TENANT_ID}", api_key="key")
tenant.set_api_secret("secret")
tenant.save()
vera = get_user_model().objects.create_user("vera", password="correct-horse-battery-staple")
Membership.objects.create(user=vera, tenant=tenant, role="viewer")
print(api_tokens.issue(vera, name="ci", scope="read")[1])
"""

REVOKE_TOKENS = """
from django.contrib.auth import get_user_model
from apps_admin.accounts import api_tokens
api_tokens.revoke_all(get_user_model().objects.get(username="vera"))
"""


def tenants(site: stack.Portal, token: str) -> dict[str, str] | int:
    """What GET /api/tenants answers with the token: name -> role, or the status of a refusal.
    (The portal's own list: no call to ECL.)"""
    response = requests.get(
        f"{site.base_url}/api/tenants",
        headers={"X-Auth-Token": token, "X-Forwarded-Proto": "https"},
        timeout=30,
    )
    if response.status_code != 200:
        return response.status_code
    return {entry["name"]: entry["role"] for entry in response.json()}


def test_a_change_in_one_process_counts_at_the_next_request_in_every_other(tmp_path):
    with (
        own_redis() as cache_url,
        stack.portal(tmp_path, workers=1, threads=2, cache_url=cache_url) as first,
        stack.portal(tmp_path, workers=1, threads=2, cache_url=cache_url) as second,
    ):
        token = first.manage("shell", "-c", SETUP).splitlines()[-1]
        both = (first, second)
        assert [tenants(site, token) for site in both] == [{"Acme": "viewer"}] * 2

        # A write that tells nobody (straight into the database file): each process answers
        # from what it holds, so the checks below are not answered by fresh reads.
        with sqlite3.connect(tmp_path / "bench.sqlite3") as database:
            database.execute("UPDATE apps_admin_membership SET role = 'editor'")
        assert [tenants(site, token) for site in both] == [{"Acme": "viewer"}] * 2

        # Changes made by a third process, the way an administrator makes them.
        first.manage("tenant_grant", "vera", TENANT_ID, "admin")
        assert [tenants(site, token) for site in both] == [{"Acme": "admin"}] * 2
        first.manage("tenant_grant", "vera", TENANT_ID, "--revoke")
        assert [tenants(site, token) for site in both] == [{}] * 2
        first.manage("shell", "-c", REVOKE_TOKENS)
        assert [tenants(site, token) for site in both] == [401] * 2
