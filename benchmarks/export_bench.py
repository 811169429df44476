"""Benchmark of ``chatkit-async export``: threads per second at several concurrencies.

An emulator runs in a separate process (``chatkit-async emulator --items-per-thread ...``, which
seeds with the emulator's bulk seeding), so the server's work does not share the client's CPU
time slice or event loop. The export itself runs in this process through the same coroutine the
command line uses (:func:`chatkit_async.bulk.export`), once per concurrency level (best of
``--repeat`` runs), and every run's file is checked to be identical to the first.

Usage::

    python benchmarks/export_bench.py                   # 2,000 threads x 20 items; 1, 8, 32
    python benchmarks/export_bench.py --threads 500 --concurrency 1,4,16 --json result.json

It prints a small table, then the same results as one JSON object (also written to ``--json``).
This script is not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
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
from chatkit_async.bulk import export

KEY = "sk-bench-emulator"


def _cli() -> list[str]:
    script = Path(sys.executable).parent / ("chatkit-async.exe" if os.name == "nt" else "chatkit-async")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chatkit_async"]


def start_emulator(threads: int, items_per_thread: int) -> tuple[subprocess.Popen[str], str, float]:
    """Start the emulator process and wait until it is seeded and listening.

    Returns:
        The process, its base URL, and the seconds it took to start and seed.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
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
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    base_url = None
    for _ in range(4):
        line = proc.stdout.readline()
        if not line:
            break
        if line.strip().startswith("OPENAI_BASE_URL="):
            base_url = line.strip().split("=", 1)[1]
    if base_url is None:
        proc.kill()
        raise SystemExit(f"the emulator did not start (exit status {proc.wait()})")
    return proc, base_url, time.perf_counter() - started


def stop_emulator(proc: subprocess.Popen[str]) -> None:
    """Stop the emulator process (Ctrl-C, then kill if it lingers)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT if os.name == "posix" else signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stdout is not None:
        proc.stdout.close()


async def export_once(base_url: str, out: Path, concurrency: int) -> tuple[float, int, int]:
    """Run one export; returns (seconds, threads, items)."""
    async with AsyncChatKit(api_key=KEY, base_url=base_url, max_retries=0) as client:
        started = time.perf_counter()
        stats = await export(client, out, concurrency=concurrency)
        return time.perf_counter() - started, stats.threads, stats.items


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--threads", type=int, default=2000, help="threads to seed (2000)")
    parser.add_argument("--items-per-thread", type=int, default=20, help="items per thread (20)")
    parser.add_argument(
        "--concurrency", default="1,8,32", help="comma-separated levels (default 1,8,32)"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs per level; best is kept (1)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the results here")
    args = parser.parse_args(argv)
    levels = [int(x) for x in args.concurrency.split(",") if x.strip()]

    proc, base_url, startup = start_emulator(args.threads, args.items_per_thread)
    print(
        f"emulator: {args.threads:,} threads x {args.items_per_thread} items, "
        f"started and seeded in {startup:.2f}s at {base_url}",
        file=sys.stderr,
    )
    rows: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="export-bench-") as tmp:
            reference: str | None = None
            for level in levels:
                best = float("inf")
                threads = items = 0
                for run in range(args.repeat):
                    out = Path(tmp) / f"c{level}-{run}.jsonl"
                    seconds, threads, items = asyncio.run(export_once(base_url, out, level))
                    best = min(best, seconds)
                    fingerprint = digest(out)
                    if reference is None:
                        reference = fingerprint
                    elif fingerprint != reference:
                        raise SystemExit(f"concurrency {level} wrote a different file")
                    size = out.stat().st_size
                    out.unlink()
                rows.append(
                    {
                        "concurrency": level,
                        "seconds": round(best, 3),
                        "threads": threads,
                        "items": items,
                        "threads_per_s": round(threads / best, 1),
                        "items_per_s": round(items / best, 1),
                        "file_bytes": size,
                    }
                )
    finally:
        stop_emulator(proc)

    header = f"{'concurrency':>11}  {'seconds':>8}  {'threads/s':>10}  {'items/s':>10}  {'speedup':>7}"
    print(header)
    print("-" * len(header))
    base = rows[0]["threads_per_s"] if rows else 1.0
    for row in rows:
        print(
            f"{row['concurrency']:>11}  {row['seconds']:>8.2f}  {row['threads_per_s']:>10,.1f}  "
            f"{row['items_per_s']:>10,.1f}  {row['threads_per_s'] / base:>6.2f}x"
        )
    report = {
        "benchmark": "export",
        "chatkit_async": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "threads": args.threads,
        "items_per_thread": args.items_per_thread,
        "emulator_startup_s": round(startup, 3),
        "identical_files": True,
        "results": rows,
    }
    print(json.dumps(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
