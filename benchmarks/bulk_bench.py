"""Benchmarks of the bulk jobs: goodput under a rate limit, and the mirror's memory and increments.

Run by hand (not by the test suite, except ``smoke``)::

    python -m benchmarks.bulk_bench goodput            # R = 50 and 200 requests/s, ~20 s per run
    python -m benchmarks.bulk_bench memory             # mirrors of 100,000 and 1,000,000 items (~10 min)
    python -m benchmarks.bulk_bench all --json bulk.json
    python -m benchmarks.bulk_bench smoke              # a few seconds: every part runs once, tiny

The emulator always runs in a separate process (``chatkit-async emulator``, bulk seeding), so its
CPU time is not the client's.

**goodput**: for each rate R, an emulator limited to R requests/s (a token bucket of one second's
worth) is seeded with about ``R * --seconds`` threads of 10 items (one items page each). The mirror
and the export run against it twice each: with the adaptive limiter (the default of every job),
and with a fixed window of the same ``--concurrency`` that waits out each 429 on its own request
(``AdaptiveLimiter(..., adaptive=False)``: what a semaphore plus the SDK's own retries does). Each
run starts with a full bucket. Goodput is admitted requests (sent minus 429s) per second; the
bucket's initial burst (R requests served at once) is subtracted for the *steady* figure, which
is the one held to 0.9 R. The share of 429s is counted over every request sent.

**memory**: the emulator is seeded with a layout of threads x items; a fresh interpreter runs a
first mirror into a new database and reports its peak resident size (``VmHWM``), then another
fresh interpreter runs the second, incremental mirror on the unchanged account. The default
layouts: 100 x 1,000 against 1,000 x 1,000 (ten times the items, same threads) and 1,000 x 100
against 10,000 x 100 show the peak independent of the number of items; 10 x 100,000 shows a huge
thread held to its 1,000-item chunks; and the second runs of 1,000 x 100, 1,000 x 1,000 and
10,000 x 100 show the incremental cost following the threads, not the items.

It prints tables, then the results as one JSON object (also written to ``--json``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from chatkit_async import AsyncChatKit, __version__
from chatkit_async.bulk import AdaptiveLimiter, export, mirror
from chatkit_async.bulk import _runner as bulk_runner

KEY = "sk-bulk-bench"
ITEMS_PER_THREAD = 10


def _cli() -> list[str]:
    script = Path(sys.executable).parent / ("chatkit-async.exe" if os.name == "nt" else "chatkit-async")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chatkit_async"]


class Emulator:
    """``chatkit-async emulator`` in its own process, seeded in bulk."""

    def __init__(self, threads: int, items_per_thread: int, rate_limit: float | None = None) -> None:
        command = [
            *_cli(),
            "emulator",
            "--port",
            "0",
            "--threads",
            str(threads),
            "--items-per-thread",
            str(items_per_thread),
            "--key",
            KEY,
        ]
        if rate_limit is not None:
            command += ["--rate-limit", str(rate_limit)]
        started = time.perf_counter()
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.base_url = ""
        for _ in range(4):
            line = self.proc.stdout.readline()
            if line.strip().startswith("OPENAI_BASE_URL="):
                self.base_url = line.strip().split("=", 1)[1]
        if not self.base_url:
            self.stop()
            raise SystemExit("the emulator did not start")
        self.startup = time.perf_counter() - started

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- goodput --------------------------------------------------------------------------------------


async def _goodput_run(base_url: str, job: str, concurrency: int, adaptive: bool, tmp: Path) -> Any:
    limiter = AdaptiveLimiter(concurrency, adaptive=adaptive)
    async with AsyncChatKit(api_key=KEY, base_url=base_url, max_retries=2) as client:
        if job == "mirror":
            return await mirror(client, tmp / f"m-{adaptive}.db", limiter=limiter)
        return await export(client, tmp / f"e-{adaptive}.jsonl", limiter=limiter)


def goodput(
    rates: list[float],
    seconds: float,
    concurrency: int,
    jobs: list[str],
    *,
    baseline: bool = True,
    settle: float = 1.5,
) -> list[dict[str, Any]]:
    rows = []
    for rate in rates:
        threads = max(20, int(rate * seconds))
        with Emulator(threads, ITEMS_PER_THREAD, rate_limit=rate) as emu, tempfile.TemporaryDirectory(
            prefix="bulk-bench-"
        ) as tmp:
            print(
                f"R={rate:g}/s: {threads:,} threads x {ITEMS_PER_THREAD} items "
                f"(emulator ready in {emu.startup:.1f}s)",
                file=sys.stderr,
            )
            for job in jobs:
                for adaptive in (True, False) if baseline else (True,):
                    time.sleep(settle)  # let the bucket fill up again: every run starts alike
                    saved = bulk_runner.MAX_RATE_LIMITED_ATTEMPTS
                    # The fixed baseline may be refused many times in a row; let it keep trying.
                    bulk_runner.MAX_RATE_LIMITED_ATTEMPTS = saved if adaptive else 1_000_000
                    try:
                        report = asyncio.run(
                            _goodput_run(emu.base_url, job, concurrency, adaptive, Path(tmp))
                        )
                    finally:
                        bulk_runner.MAX_RATE_LIMITED_ATTEMPTS = saved
                    admitted = report.requests - report.rate_limited
                    burst = min(rate, admitted)
                    row = {
                        "rate_limit": rate,
                        "job": job,
                        "limiter": "adaptive" if adaptive else "fixed",
                        "concurrency": concurrency,
                        "threads": threads,
                        "seconds": round(report.seconds, 2),
                        "requests": report.requests,
                        "rate_limited": report.rate_limited,
                        "share_429": round(report.rate_limited / report.requests, 4),
                        "goodput": round(admitted / report.seconds, 1),
                        "steady_goodput": round((admitted - burst) / report.seconds, 1),
                        "steady_ratio": round((admitted - burst) / report.seconds / rate, 3),
                        "lowest_window": min(report.concurrency_trace),
                    }
                    rows.append(row)
                    print(
                        f"  {job:6} {row['limiter']:8} {row['seconds']:7.2f}s  "
                        f"goodput {row['goodput']:7.1f}/s (steady {row['steady_goodput']:7.1f}/s = "
                        f"{row['steady_ratio']:.2f} R)  429s {row['rate_limited']:5}/"
                        f"{row['requests']:5} = {row['share_429'] * 100:5.1f}%",
                        file=sys.stderr,
                    )
    return rows


# --- memory ---------------------------------------------------------------------------------------


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


async def _child_mirror(base_url: str, db: str) -> dict[str, Any]:
    async with AsyncChatKit(api_key=KEY, base_url=base_url, max_retries=2) as client:
        report = await mirror(client, db, concurrency=8)
    summary = report.summary()
    summary.pop("concurrency_trace")
    return summary


def child(argv: list[str]) -> int:
    """One mirror in this fresh interpreter; prints its report and peak memory as JSON."""
    base_url, db = argv
    before = _status_kib("VmRSS")
    summary = asyncio.run(_child_mirror(base_url, db))
    summary["rss_before_kib"] = before
    summary["rss_peak_kib"] = _status_kib("VmHWM")
    print(json.dumps(summary))
    return 0


def _run_child(base_url: str, db: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.bulk_bench", "_child", base_url, str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def memory(layouts: list[tuple[int, int]]) -> list[dict[str, Any]]:
    rows = []
    for threads, per_thread in layouts:
        with Emulator(threads, per_thread) as emu, tempfile.TemporaryDirectory(
            prefix="bulk-mem-"
        ) as tmp:
            db = Path(tmp) / "mirror.db"
            first = _run_child(emu.base_url, db)
            size = db.stat().st_size
            second = _run_child(emu.base_url, db)
        row = {
            "threads": threads,
            "items_per_thread": per_thread,
            "items": threads * per_thread,
            "first_seconds": first["seconds"],
            "first_requests": first["requests"],
            "first_items_per_s": round(first["items_added"] / first["seconds"], 0),
            "first_rss_peak_mib": round(first["rss_peak_kib"] / 1024, 1),
            "first_rss_before_mib": round(first["rss_before_kib"] / 1024, 1),
            "db_mib": round(size / 2**20, 1),
            "second_seconds": second["seconds"],
            "second_requests": second["requests"],
            "second_rows_written": second["rows_written"],
            "second_rss_peak_mib": round(second["rss_peak_kib"] / 1024, 1),
        }
        rows.append(row)
        print(
            f"{threads:>7,} x {per_thread:>5,} = {row['items']:>9,} items: first run "
            f"{row['first_seconds']:7.1f}s, {row['first_requests']:>6,} requests, peak "
            f"{row['first_rss_peak_mib']:6.1f} MiB (before {row['first_rss_before_mib']:.1f}); "
            f"second run {row['second_seconds']:6.2f}s, {row['second_requests']:>6,} requests, "
            f"{row['second_rows_written']} rows written, peak {row['second_rss_peak_mib']:.1f} MiB",
            file=sys.stderr,
        )
    return rows


def _layouts(text: str) -> list[tuple[int, int]]:
    result = []
    for part in text.split(","):
        threads, _, items = part.strip().partition("x")
        result.append((int(threads), int(items)))
    return result


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["_child"]:
        return child(arguments[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bulk_bench")
    parser.add_argument("what", choices=("goodput", "memory", "all", "smoke"))
    parser.add_argument("--rates", default="50,200", help="rate limits in requests/s (50,200)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of a goodput run (20)")
    parser.add_argument("--concurrency", type=int, default=8, help="the jobs' ceiling (8)")
    parser.add_argument("--jobs", default="mirror,export", help="jobs of the goodput runs")
    parser.add_argument(
        "--layouts",
        default="100x1000,1000x1000,1000x100,10000x100,10x100000",
        help="threads x items per thread of the memory runs",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    args = parser.parse_args(arguments)
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    jobs = [j.strip() for j in args.jobs.split(",") if j.strip()]
    layouts = _layouts(args.layouts)
    smoke = args.what == "smoke"
    if smoke:
        rates, args.seconds, jobs, layouts = [100.0], 0.5, ["mirror", "export"], [(20, 20)]
    results: dict[str, Any] = {
        "benchmark": "bulk",
        "chatkit_async": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    if args.what in ("goodput", "all", "smoke"):
        results["goodput"] = goodput(
            rates, args.seconds, args.concurrency, jobs, baseline=not smoke, settle=0 if smoke else 1.5
        )
    if args.what in ("memory", "all", "smoke"):
        results["memory"] = memory(layouts)
    print(json.dumps(results))
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
