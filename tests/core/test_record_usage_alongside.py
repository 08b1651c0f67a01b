"""While `record_usage` records a 10,000-app tenant on SQLite (the `make run` default), people
still sign in: the recording writes a few hundred apps per transaction, so no sign-in waits for
the database past its busy timeout ("database is locked")."""

import subprocess

import pytest
import requests

from bench import stack
from tests.helpers import PASSWORD, own_redis

# slow: a 10,000-app tenant, gunicorn and a recording of its own
# served_portal: bench.stack.portal collects static files into the project's staticfiles/, which
# the other served portals' processes read (WhiteNoise scans it): one at a time.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("served_portal")]

HTTPS = {"X-Forwarded-Proto": "https"}


def sign_in(site: stack.Portal, username: str, password: str) -> int:
    """The status of a sign-in through the login form (302 when it worked, 200 when refused)."""
    session = requests.Session()
    form = session.get(f"{site.base_url}/login/", headers=HTTPS, timeout=30)
    csrf = form.cookies["csrftoken"]
    origin = site.base_url.replace("http://", "https://")
    answer = session.post(
        f"{site.base_url}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        headers={**HTTPS, "Referer": f"{origin}/login/", "Cookie": f"csrftoken={csrf}"},
        allow_redirects=False,
        timeout=30,
    )
    return answer.status_code


def test_sign_ins_during_a_10000_app_recording_all_succeed(tmp_path, emulator, emulator_server):
    tenant = emulator.create_tenant(apps=10_000)
    with (
        own_redis() as cache_url,
        stack.portal(tmp_path, workers=1, threads=4, cache_url=cache_url) as site,
    ):
        site.manage(
            "tenant_add",
            "--name",
            "Big",
            "--tenant-id",
            tenant["tenant_id"],
            "--identity-url",
            emulator_server.identity_url,
            "--api-url",
            emulator_server.api_url,
            "--api-key",
            tenant["api_key"],
            extra_env={"ECL_API_SECRET": tenant["api_secret"]},
        )
        site.manage(
            "shell",
            "-c",
            "from django.contrib.auth import get_user_model; "
            f"get_user_model().objects.create_user('vera', password='{PASSWORD}')",
        )
        recorder = subprocess.Popen(
            [stack.PYTHON, "manage.py", "record_usage"],
            cwd=stack.ROOT,
            env=site.environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        signed_in, refused = [], []
        while recorder.poll() is None:
            # A sign-in (a session, the last login) and a failed one (an audit event, a count
            # of failures), each a write of its own.
            signed_in.append(sign_in(site, "vera", PASSWORD))
            refused.append(sign_in(site, f"nobody-{len(refused)}", "wrong-password-1"))
        output = recorder.stdout.read()
        assert recorder.returncode == 0, output
        assert "apps=10000" in output
        assert signed_in and set(signed_in) == {302}
        assert set(refused) == {200}
