"""The bulk-job benchmark runs end to end (a tiny smoke run: no speed is asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys


def test_bulk_benchmark_smoke_run() -> None:
    """Every part of ``python -m benchmarks.bulk_bench`` runs and reports coherent counts."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bulk_bench", "smoke"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout.strip().splitlines()[-1])
    runs = results["goodput"]
    assert {(r["job"], r["limiter"]) for r in runs} == {("mirror", "adaptive"), ("export", "adaptive")}
    for run in runs:
        assert run["requests"] >= run["threads"] + 1 and 0 <= run["rate_limited"] < run["requests"]
    (memory,) = results["memory"]
    assert memory["items"] == 400 and memory["first_requests"] == 21
    assert memory["second_requests"] == 21 and memory["second_rows_written"] == 0
    assert memory["first_rss_peak_mib"] > 0
