"""The benchmark emulator, run in its own process: ``python -m benchmarks._server``.

It seeds the data the benchmarks need (threads to retrieve, one thread per paging size), prints
one JSON line describing it on stdout, and serves until its stdin closes (the parent exited or
closed the pipe) or it gets SIGTERM. Running the server in a separate process keeps its CPU time
out of the client's measurements (with two cores, each side gets one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
import threading
import time

import orjson

from chatkit_async.testing import ChatKitEmulator

RETRIEVE_THREADS = 64


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    with contextlib.suppress(Exception):
        while sys.stdin.buffer.read(1 << 16):
            pass
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(stop.set)


async def _serve(sizes: list[int]) -> None:
    emu = ChatKitEmulator(demo=False, record_requests=False)
    started = time.perf_counter()
    retrieve_ids = []
    for k in range(RETRIEVE_THREADS):
        thread = emu.add_thread(id=f"cthr_bench_{k:03d}", user="user_bench", title=f"Thread {k}")
        retrieve_ids.append(thread["id"])
    paging: dict[str, str] = {}
    for n in sorted(set(sizes)):
        thread_id = f"cthr_items_{n}"
        emu.add_thread(id=thread_id, user="user_paging", title=f"{n} items")
        done = 0
        while done < n:  # in chunks, so that memory stays flat while seeding
            chunk = min(100_000, n - done)
            emu.add_items(thread_id, chunk)
            done += chunk
        paging[str(n)] = thread_id
    seeded = time.perf_counter() - started
    async with emu:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGTERM, stop.set)
        threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()
        info = {
            "base_url": emu.base_url,
            "api_key": emu.api_key,
            "retrieve_ids": retrieve_ids,
            "paging": paging,
            "seed_seconds": round(seeded, 2),
        }
        sys.stdout.buffer.write(orjson.dumps(info) + b"\n")
        sys.stdout.flush()
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument(
        "--items", type=int, nargs="*", default=[], help="seed one thread with N items, per N"
    )
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
