"""`python -m ecl_emulator` as a program: what it prints, that it serves, that it stops cleanly."""

import signal
import subprocess
import sys

import pytest
import requests

from ecl_emulator.seed import DEMO_API_KEY, DEMO_API_SECRET, DEMO_APP_COUNT, DEMO_TENANT_ID
from ecl_emulator.testing import TenantSession, issue_token
from tests.helpers import ROOT, start_program

# slow: each test starts the emulator as a process
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_demo_program_prints_its_urls_and_credentials_serves_and_stops_cleanly(signum):
    process, printed = start_program("--demo")
    try:
        assert printed["ECL_TENANT_ID"] == DEMO_TENANT_ID
        assert printed["ECL_API_KEY"] == DEMO_API_KEY
        assert printed["ECL_API_SECRET"] == DEMO_API_SECRET
        api_url, identity_url = printed["ECL_API_URL"], printed["ECL_IDENTITY_URL"]
        assert identity_url == api_url + "/v3"
        assert not api_url.endswith(":0")

        token = issue_token(identity_url, DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET)
        demo = TenantSession(
            api_url, identity_url, DEMO_TENANT_ID, DEMO_API_KEY, DEMO_API_SECRET, token
        )
        assert len(demo.call("GET").json()) == DEMO_APP_COUNT == 120
    finally:
        process.send_signal(signum)
        returncode = process.wait(timeout=15)
    assert returncode == 0
    assert "Traceback" not in process.stderr.read()
    with pytest.raises(requests.ConnectionError):
        requests.get(api_url, timeout=5)


def test_without_demo_the_program_has_no_tenant_and_prints_no_credentials():
    process, printed = start_program("--token-ttl", "60")
    try:
        assert set(printed) == {"ECL_API_URL", "ECL_IDENTITY_URL"}
        control = requests.get(printed["ECL_API_URL"] + "/_emulator/config", timeout=10)
        assert control.json() == {"token_ttl": 60}
        response = requests.post(printed["ECL_API_URL"] + "/_emulator/reset", timeout=10)
        assert response.json() == {"tenants": []}
    finally:
        process.terminate()
        assert process.wait(timeout=15) == 0


def test_a_port_in_use_is_reported_without_a_traceback():
    process, printed = start_program()
    try:
        port = printed["ECL_API_URL"].rsplit(":", 1)[1]
        second = subprocess.run(
            [sys.executable, "-m", "ecl_emulator", "--port", port],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        assert "Cannot listen" in second.stderr and "Traceback" not in second.stderr
    finally:
        process.terminate()
        process.wait(timeout=15)
