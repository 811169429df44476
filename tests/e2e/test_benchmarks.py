"""The benchmark harness keeps working: its arithmetic, its table, and one tiny end-to-end run.

Nothing here asserts a speed: the harness is checked for what it computes and writes, never for
how fast anything was.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from benchmarks import _contenders as C
from benchmarks import _runner as R

ROOT = Path(__file__).resolve().parents[2]


def _scripted(seconds: list[float]) -> Callable[[], float]:
    """A fake contender: each run 'takes' the next number of seconds from the list."""
    runs: Iterator[float] = iter(seconds)
    return lambda: next(runs)


def _rounds(per_contender: dict[str, list[float]]) -> dict[str, Any]:
    contenders = {name: _scripted(s) for name, s in per_contender.items()}
    return R._rounds("t", contenders, len(per_contender[C.BASELINE]), 100.0, lambda _: ())


def test_ratios_are_medians_of_same_round_quotients(capsys: pytest.CaptureFixture[str]) -> None:
    """Each ratio divides by the baseline of the same round, then takes the median over rounds."""
    got = _rounds({C.BASELINE: [1.0, 2.0, 4.0], C.CK_ASYNC: [2.0, 2.0, 16.0]})
    assert got[C.BASELINE] == {
        "median_rate": 50.0, "ratio": 1.0, "rates": [100.0, 50.0, 25.0], "ratios": [1.0, 1.0, 1.0],
    }  # fmt: skip
    assert got[C.CK_ASYNC]["ratios"] == [0.5, 1.0, 0.25]
    assert got[C.CK_ASYNC]["ratio"] == 0.5
    assert "t round 3/3" in capsys.readouterr().out


def test_the_blocking_client_is_paired_with_the_async_one_round_by_round() -> None:
    """'Of async' is the median of same-round quotients, not a quotient of two medians."""
    got = _rounds(
        {
            C.BASELINE: [1.0, 1.0, 1.0],
            C.CK_ASYNC: [1.0, 4.0, 4.0],  # ratios 1, 0.25, 0.25 -> median 0.25
            C.CK_SYNC: [2.0, 5.0, 8.0],  # ratios 0.5, 0.2, 0.125 -> median 0.2
        }
    )
    sync = got[C.CK_SYNC]
    assert sync["vs_async_rounds"] == [0.5, 0.8, 0.5]
    assert sync["vs_async"] == 0.5
    # The quotient of the medians would have said 0.8: the pairing matters.
    assert sync["ratio"] / got[C.CK_ASYNC]["ratio"] == pytest.approx(0.8)
    assert "vs_async" not in got[C.CK_ASYNC]


def _meta() -> dict[str, object]:
    return {
        "date": "2026-01-01 00:00", "machine": "Linux x86_64", "cpus": 2, "python": "3.11.7",
        "quick": True, "rounds": {"b": 3}, "sizes": {"b": 300},
    }  # fmt: skip


def test_the_table_shows_the_sync_target_and_reads_older_results() -> None:
    """The table states b's sync figure against its target, also from files without vs_async."""
    row = {"median_rate": 800.0, "ratio": 0.6, "rates": [80.0, 60.0, 90.0], "ratios": []}
    results = {
        "b": {
            C.BASELINE: {"median_rate": 1000.0, "ratio": 1.0, "rates": [], "ratios": []},
            C.CK_ASYNC: {"median_rate": 900.0, "ratio": 0.8, "rates": [100.0, 100.0, 100.0]},
            C.CK_SYNC: {**row, "vs_async": 0.85},
        }
    }
    table = R.render(results, _meta())
    assert "| 0.60 | 0.85 of async, target >= 0.70 of async |" in table
    assert "| b. sequential threads.retrieve, 300 | raw aiohttp+orjson | 1,000 calls/s | 1.00 |" in table
    results["b"][C.CK_SYNC] = row  # an older results file: pairs its stored rates itself
    assert "| 0.60 | 0.80 of async, target >= 0.70 of async |" in R.render(results, _meta())


@pytest.mark.timeout(300)
def test_a_quick_run_writes_its_results_and_table(tmp_path: Path) -> None:
    """`python -m benchmarks --quick` runs against its emulator process and writes JSON and Markdown."""
    out = tmp_path / "results.json"
    done = subprocess.run(
        [
            sys.executable, "-m", "benchmarks", "--quick", "--only", "b,d", "--rounds", "1",
            "--no-openai", "--json", str(out),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=280, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    saved = json.loads(out.read_text())
    assert set(saved["results"]) == {"b", "d"}
    b = saved["results"]["b"]
    assert set(b) == {C.BASELINE, C.RAW_JSON, C.CK_ASYNC, C.CK_SYNC}
    assert all(len(row["rates"]) == 1 and row["rates"][0] > 0 for row in b.values())
    assert b[C.CK_SYNC]["vs_async"] > 0
    assert saved["results"]["d"]["_body_bytes"] > 10_000
    assert saved["meta"]["versions"]["chatkit-async"]
    table = (tmp_path / "latest.md").read_text()
    assert table in done.stdout
    assert "of async, target >= 0.70 of async" in table
    assert "chatkit-async parse()" in table
