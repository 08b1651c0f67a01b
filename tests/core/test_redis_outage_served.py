"""A Redis outage under gunicorn (`bench.redis_outage` at a small size): 2 workers x 4 threads,
a redis-server of the test's own stopped for a few seconds under steady load."""

import pytest

from bench import redis_outage
from tests.helpers import redis_server_program

# slow: starts the emulator, a redis-server and gunicorn of its own; one process runs the tests
# of the group one after another (each portal collects its static files into staticfiles/).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("served_portal")]


def test_users_get_their_pages_api_and_sign_in_while_redis_is_down_and_after():
    redis_server_program()  # skips (or fails under REQUIRE_E2E=1) without redis-server
    results = redis_outage.run(before=1.5, outage=4.0, after=5.0)
    during, after = results["counts"]["outage"], results["counts"]["after"]
    # Only right answers (a 200 without every app, or a 302 without a session, is counted as
    # "... wrong body"), and some of each kind.
    for phase in (during, after):
        assert set(phase["page"]) == {"200"}
        assert set(phase["api"]) == {"200"}
        assert set(phase["sign-in"]) == {"302"}
        assert set(phase["healthz"]) == {"200"}
    assert during["healthz?strict"].get("503", 0) > 0
    assert after["healthz?strict"].get("200", 0) > 0  # back to Redis without a restart
    # One line per worker process that met the outage (2 workers), not one per request.
    assert 1 <= results["redis_warnings"] <= 2
    assert "Redis is not answering" in results["redis_warning_example"]
