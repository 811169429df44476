"""What the emulator alone costs per request, measured with raw aiohttp against it in its own process.

Every benchmark's absolute figures include the emulator's own time (it is their server), so a
change to the emulator's request path shows up everywhere. This script isolates that cost on two
requests:

* ``retrieve``: sequential ``GET /v1/chatkit/threads/{id}`` of one thread;
* ``pages``: sequential ``GET .../items?limit=100&after=...``, walking a 20,000-item thread.

The server is a ``ChatKitEmulator(record_requests=False)`` in a subprocess; the client is one raw
aiohttp session (no SDK). Two ways to measure:

* by default, for each round, the wall time per request and the server process's CPU time per
  request (from ``/proc``, so Linux only). Rounds alternate between the trees given with
  ``--tree`` so that two versions of the emulator (e.g. a ``git archive`` of the base commit and
  the working tree) are compared under the same load; the tables show the medians and the
  minimums over rounds (on a busy machine the minimum CPU time is the steadiest of the two);
* with ``--instructions``, the server runs under valgrind's callgrind twice per tree and request
  kind, serving N1 then N2 requests, its cyclic garbage collector off; the difference of the two
  instruction counts divided by ``N2 - N1`` is the instructions one request costs the server. It
  is slow (minutes) but barely moved by other processes, so small differences between trees can
  be trusted.

Usage::

    python -m benchmarks.emulator_bench                          # this tree, 3 rounds
    python -m benchmarks.emulator_bench --tree /tmp/base --tree . --rounds 5
    python -m benchmarks.emulator_bench --tree /tmp/base --tree . --instructions

This script is not part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import aiohttp
import orjson

# The server: seeds one small thread and one thread of ITEMS items, prints its address, and
# serves until its stdin closes; with "nogc" its cyclic garbage collector is off once it serves.
_SERVER = r"""
import asyncio, gc, sys, threading
import orjson
from chatkit_async.testing import ChatKitEmulator

async def main(items, collect):
    emu = ChatKitEmulator(demo=False, record_requests=False)
    emu.add_thread(id="cthr_one", title="one")
    emu.add_thread(id="cthr_big", title="big")
    for start in range(0, items, 5_000):
        emu.add_items("cthr_big", min(5_000, items - start))
    async with emu:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        def watch():
            while sys.stdin.buffer.read(1 << 16):
                pass
            loop.call_soon_threadsafe(stop.set)
        threading.Thread(target=watch, daemon=True).start()
        info = {"base_url": emu.base_url, "key": emu.api_key, "module": ChatKitEmulator.__module__}
        info["file"] = sys.modules[info["module"]].__file__
        sys.stdout.buffer.write(orjson.dumps(info) + b"\n")
        sys.stdout.flush()
        if not collect:
            gc.disable()
        await stop.wait()

asyncio.run(main(int(sys.argv[1]), sys.argv[2] == "gc"))
"""

_KEYS = ["retrieve_wall_us", "retrieve_cpu_us", "pages_wall_us", "pages_cpu_us"]


def _cpu_seconds(pid: int) -> float:
    """CPU time of every thread of a process so far, in seconds (Linux ``schedstat``, 0.0 elsewhere).

    ``/proc/<pid>/task/<tid>/schedstat`` counts nanoseconds, where ``/proc/<pid>/stat`` counts
    clock ticks of 10 ms, too coarse for a few hundred requests.
    """
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except OSError:
        return 0.0
    return total / 1e9


class _Client:
    """One raw aiohttp session against a served emulator."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.one = f"{base_url}/chatkit/threads/cthr_one"
        self.items = f"{base_url}/chatkit/threads/cthr_big/items"
        self.params = {"limit": "100"}

    async def retrieve(self) -> None:
        async with self.session.get(self.one) as resp:
            await resp.read()
            assert resp.status == 200

    async def page(self) -> None:
        async with self.session.get(self.items, params=self.params) as resp:
            page = orjson.loads(await resp.read())
            assert resp.status == 200 and len(page["data"]) == 100
        self.params = {"limit": "100"}
        if page["has_more"]:  # walk on, and start over at the end
            self.params["after"] = page["last_id"]


def _serve(
    tree: str, items: int, prefix: list[str], *, collect: bool = True
) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    root = Path(tree).resolve()
    # ``python -c`` puts its working directory first on sys.path, before PYTHONPATH: run it in
    # the tree, or an installed (editable) chatkit_async would be measured instead.
    proc = subprocess.Popen(
        [*prefix, sys.executable, "-c", _SERVER, str(items), "gc" if collect else "nogc"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONHASHSEED": "0"},
    )
    assert proc.stdout is not None
    info: dict[str, str] = orjson.loads(proc.stdout.readline())
    if not Path(info["file"]).resolve().is_relative_to(root):
        _stop(proc)
        raise SystemExit(f"{tree}: the server imported {info['file']}, not this tree's emulator")
    return proc, info


def _stop(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=600)


def _session(info: dict[str, str]) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {info['key']}", "OpenAI-Beta": "chatkit_beta=v1"}
    )


# --------------------------------------------------------------------------- wall and CPU time


async def _timed(info: dict[str, str], pid: int, retrieves: int, pages: int) -> dict[str, float]:
    out: dict[str, float] = {}
    async with _session(info) as session:
        client = _Client(session, info["base_url"])
        for _ in range(50):  # warm up the connection and both code paths
            await client.retrieve()
            await client.page()
        for name, call, n in (("retrieve", client.retrieve, retrieves), ("pages", client.page, pages)):
            cpu, start = _cpu_seconds(pid), time.perf_counter()
            for _ in range(n):
                await call()
            out[f"{name}_wall_us"] = (time.perf_counter() - start) / n * 1e6
            out[f"{name}_cpu_us"] = (_cpu_seconds(pid) - cpu) / n * 1e6
    return out


def _timing(trees: list[str], rounds: int, retrieves: int, pages: int) -> None:
    results: dict[str, list[dict[str, float]]] = {tree: [] for tree in trees}
    pick: Callable[[Iterable[float]], float]
    for r in range(rounds):
        for tree in trees if r % 2 == 0 else trees[::-1]:
            proc, info = _serve(tree, 20_000, [])
            try:
                figures = asyncio.run(_timed(info, proc.pid, retrieves, pages))
            finally:
                _stop(proc)
            results[tree].append(figures)
            print(f"round {r + 1} {tree}: " + ", ".join(f"{k}={v:.1f}" for k, v in figures.items()))
    for label, pick in (("median", statistics.median), ("min", min)):
        print(f"\n{label} over {rounds} rounds".ljust(41) + "".join(f"{k:>18}" for k in _KEYS))
        for tree, measured in results.items():
            print(f"{tree:<40}" + "".join(f"{pick(f[k] for f in measured):>18.1f}" for k in _KEYS))


# --------------------------------------------------------------------------- instructions


async def _drive(info: dict[str, str], kind: str, n: int) -> None:
    async with _session(info) as session:
        client = _Client(session, info["base_url"])
        call = client.retrieve if kind == "retrieve" else client.page
        for _ in range(n):
            await call()


def _instructions_served(tree: str, kind: str, n: int) -> int:
    """Instructions the whole server process executed, serving ``n`` requests of ``kind``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        # Without the cyclic collector: a full collection costs millions of instructions and
        # falls in one run or the other by chance, which would swamp the difference measured.
        proc, info = _serve(
            tree,
            1_000,
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"],
            collect=False,
        )
        try:
            asyncio.run(_drive(info, kind, n))
        finally:
            _stop(proc)
        found = re.search(r"^summary: (\d+)", out.read_text(), re.MULTILINE)
        assert found, "no summary in callgrind's output"
        return int(found.group(1))


def _instructions(trees: list[str]) -> None:
    if shutil.which("valgrind") is None:
        raise SystemExit("--instructions needs valgrind on the PATH")
    for kind, (few, many) in (("retrieve", (100, 600)), ("pages", (50, 250))):
        for tree in trees:
            delta = _instructions_served(tree, kind, many) - _instructions_served(tree, kind, few)
            print(f"{kind:<9} {tree:<40} {delta / (many - few):>12,.0f} instructions/request")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.emulator_bench")
    parser.add_argument("--tree", action="append", help="a source tree holding chatkit_async/")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--retrieves", type=int, default=2_000)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions with callgrind instead"
    )
    args = parser.parse_args(argv)
    trees: list[str] = args.tree or ["."]
    if args.instructions:
        _instructions(trees)
    else:
        _timing(trees, args.rounds, args.retrieves, args.pages)
    return 0


if __name__ == "__main__":
    sys.exit(main())
