"""What one blocking call costs to cross into an event loop thread and back.

Every blocking ``ChatKit`` call wakes the portal's loop thread and is woken in turn when the result
is ready. First this isolates that hand-off, with no I/O: a coroutine that does nothing, run
from the main thread on a loop in another thread, by each way of crossing:

* ``anyio BlockingPortal.call``: anyio's own portal task machinery;
* ``asyncio.run_coroutine_threadsafe``: a task plus a ``concurrent.futures.Future`` chained to it;
* ``chatkit_async Portal.call``: what ``ChatKit`` uses (``call_soon_threadsafe`` and a bare lock
  released by the coroutine's wrapper);
* ``floor``: ``call_soon_threadsafe`` of a lock's ``release`` (no task, no coroutine): no hand-off
  that runs a coroutine can be cheaper.

Then the same count with real requests: sequential ``threads.retrieve`` calls against the
benchmark emulator in its own process (as in benchmark b), from ``AsyncChatKit`` and from
``ChatKit``, to show how many context switches the hop adds per call on top of the request.

Rounds rotate the order; the tables show medians over rounds of the time per call, and (on Linux)
the context switches per call of this process's threads.

Usage::

    python -m benchmarks.hop_bench              # 7 rounds of 5,000 calls per way, 2,000 requests
    python -m benchmarks.hop_bench --calls 20000 --rounds 5 --requests 0   # no I/O part

This script is not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from anyio.from_thread import start_blocking_portal

from chatkit_async import AsyncChatKit, ChatKit
from chatkit_async._portal import Portal

from . import _contenders as C
from ._runner import emulator_process


async def _nothing() -> int:
    return 1


def _switches() -> int:
    """Context switches (voluntary and not) of every thread of this process so far; 0 if unknown."""
    total = 0
    tasks = Path("/proc/self/task")
    if not tasks.is_dir():
        return 0
    for task in tasks.iterdir():
        try:
            status = (task / "status").read_text()
        except OSError:  # the thread ended meanwhile
            continue
        for line in status.splitlines():
            if "ctxt_switches:" in line:
                total += int(line.split()[-1])
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hop_bench")
    parser.add_argument("--calls", type=int, default=5_000, help="calls per way per round")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument(
        "--requests", type=int, default=2_000, help="retrieves per client per round (0: skip)"
    )
    args = parser.parse_args(argv)

    with ExitStack() as stack:
        anyio_portal = stack.enter_context(start_blocking_portal(backend="asyncio"))
        ours = Portal()
        stack.callback(ours.close)
        loop = ours._loop  # the floor and run_coroutine_threadsafe use the same loop thread

        def floor() -> None:
            done = threading.Lock()
            done.acquire()
            loop.call_soon_threadsafe(done.release)
            done.acquire()

        ways: dict[str, Callable[[], object]] = {
            "anyio BlockingPortal.call": lambda: anyio_portal.call(_nothing),
            "asyncio.run_coroutine_threadsafe": (
                lambda: asyncio.run_coroutine_threadsafe(_nothing(), loop).result()
            ),
            "chatkit_async Portal.call": lambda: ours.call(_nothing),
            "floor: call_soon_threadsafe + lock": floor,
        }
        names = list(ways)
        samples: dict[str, list[tuple[float, float, float]]] = {n: [] for n in names}
        for r in range(args.rounds):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                call = ways[name]
                call()
                with _Meter() as meter:
                    for _ in range(args.calls):
                        call()
                samples[name].append(meter.per_call(args.calls))

    print(
        f"{platform.system()} {platform.machine()} ({os.cpu_count()} CPUs), Python "
        f"{platform.python_version()}, {args.rounds} rounds of {args.calls:,} calls, medians"
    )
    print()
    print("| how a blocking call crosses to the loop thread and back | per call | switches per call |")
    print("| --- | ---: | ---: |")
    for name, (wall, _, switched) in _medians(samples).items():
        print(f"| {name} | {wall:.0f} µs | {switched:.1f} |")
    if args.requests:
        rows = _requests(args.requests, args.rounds)
        print()
        print(f"sequential threads.retrieve against the emulator process, {args.requests:,} per round")
        print()
        print("| client | per call | client CPU per call | switches per call |")
        print("| --- | ---: | ---: | ---: |")
        for name, (wall, cpu, switched) in rows.items():
            print(f"| {name} | {wall:.0f} µs | {cpu:.0f} µs | {switched:.1f} |")
    return 0


class _Meter:
    """Wall time, process CPU time and context switches spent inside a ``with`` block."""

    def __enter__(self) -> _Meter:
        self._switches = _switches()
        self._cpu = time.process_time()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self.switches = _switches() - self._switches

    def per_call(self, n: int) -> tuple[float, float, float]:
        return self.wall / n * 1e6, self.cpu / n * 1e6, self.switches / n


def _requests(n: int, rounds: int) -> dict[str, tuple[float, float, float]]:
    """Per client, medians over rounds of wall µs, process CPU µs and switches per call."""
    with emulator_process([]) as (env, _):
        ids = env.retrieve_ids

        async def run_async() -> tuple[float, float, float]:
            async with AsyncChatKit(api_key=env.api_key, base_url=env.base_url) as client:
                await client.threads.retrieve(ids[0])
                with _Meter() as meter:
                    for k in range(n):
                        await client.threads.retrieve(ids[k % len(ids)])
            return meter.per_call(n)

        def run_sync() -> tuple[float, float, float]:
            with ChatKit(api_key=env.api_key, base_url=env.base_url) as client:
                client.threads.retrieve(ids[0])
                with _Meter() as meter:
                    for k in range(n):
                        client.threads.retrieve(ids[k % len(ids)])
            return meter.per_call(n)

        ways: dict[str, Callable[[], tuple[float, float, float]]] = {
            C.CK_ASYNC: lambda: asyncio.run(run_async()),
            C.CK_SYNC: run_sync,
        }
        names = list(ways)
        samples: dict[str, list[tuple[float, float, float]]] = {name: [] for name in names}
        for r in range(rounds):
            for name in names[r % 2 :] + names[: r % 2]:
                samples[name].append(ways[name]())
    return _medians(samples)


def _medians(
    samples: dict[str, list[tuple[float, float, float]]],
) -> dict[str, tuple[float, float, float]]:
    """Per way, the median over rounds of each of ``_Meter.per_call``'s three figures."""
    medians: dict[str, tuple[float, float, float]] = {}
    for name, rows in samples.items():
        wall, cpu, switched = (statistics.median(row[i] for row in rows) for i in range(3))
        medians[name] = (wall, cpu, switched)
    return medians


if __name__ == "__main__":
    sys.exit(main())
