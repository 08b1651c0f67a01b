"""`make bench` runs end to end at a tiny size, and its counts meet the targets."""

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT

# slow: runs the benchmark (servers of its own)
pytestmark = pytest.mark.slow

SCENARIOS = {
    "direct_list",
    "direct_get",
    "page_list",
    "api_list",
    "page_detail",
    "page_floor",
    "api_get",
}


def test_the_benchmark_runs_and_reports_what_it_promises(tmp_path):
    output = tmp_path / "results.json"
    result = subprocess.run(
        [sys.executable, "-m", "bench.run", "--tiny", "--latency-ms", "0", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    results = json.loads(output.read_text())
    assert set(results) == {
        "env",
        "scenarios",
        "token_requests",
        "throughput",
        "worker_peak_rss_mb",
    }
    assert {name.split("@")[0] for name in results["scenarios"]} == SCENARIOS
    for name, entry in results["scenarios"].items():
        assert entry["upstream_calls_per_view"] == 1, name
        assert 0 < entry["p50_ms"] <= entry["p95_ms"], name
        if not name.startswith("direct"):
            assert entry["ratio_p50"] > 0
    assert results["token_requests"] == 1  # one tenant, one token for the whole run
    for load in results["throughput"].values():
        assert load["requests"] > 0 and load["errors"] == 0
    assert results["worker_peak_rss_mb"] > 0
    assert "token requests over the run: 1" in result.stdout
