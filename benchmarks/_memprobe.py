"""Peak memory while paging, measured in a fresh process: ``python -m benchmarks._memprobe``.

A fresh interpreter per measurement keeps one run's heap from hiding another's. Two modes:

* ``rss``: the process's peak resident set size (``VmHWM``) after walking every item, next to
  its resident size just before the walk (after imports and a warm-up request).
* ``tracemalloc``: the peak of Python allocations traced during the walk only (tracing starts after
  the warm-up). It slows the walk down a few times but counts exactly what the walk keeps alive.

It prints one JSON line: ``{"items", "seconds", "rss_before_kib", "rss_peak_kib",
"traced_peak_kib"}`` (the fields of the other mode are ``null``).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import resource
import sys
import time
import tracemalloc
from typing import Any

import orjson

from ._contenders import BASELINE, CK_ASYNC, CK_SYNC, PAGE_SIZE, Env


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def _rss_now_kib() -> int:
    now = _status_kib("VmRSS")
    return now if now is not None else _rss_peak_kib()


def _rss_peak_kib() -> int:
    # VmHWM, not ru_maxrss: on Linux ru_maxrss survives fork and exec, so a child would report
    # its parent's peak whenever that is higher than its own.
    peak = _status_kib("VmHWM")
    return peak if peak is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


async def _walk_async(env: Env, thread_id: str, mode: str) -> dict[str, Any]:
    from chatkit_async import AsyncChatKit

    async with AsyncChatKit(api_key=env.api_key, base_url=env.base_url) as client:
        await client.threads.retrieve(env.retrieve_ids[0])
        return await _measured_async(
            mode, lambda: _count_async(client.threads.list_items(thread_id, limit=PAGE_SIZE))
        )


async def _count_async(iterator: Any) -> int:
    count = 0
    async for _item in iterator:
        count += 1
    return count


async def _walk_raw(env: Env, thread_id: str, mode: str) -> dict[str, Any]:
    import aiohttp

    url = f"{env.base_url}/chatkit/threads/{thread_id}/items"
    async with aiohttp.ClientSession(
        headers=env.headers, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        async with session.get(f"{env.base_url}/chatkit/threads/{env.retrieve_ids[0]}") as resp:
            await resp.read()

        async def walk() -> int:
            count = 0
            params = {"limit": str(PAGE_SIZE)}
            while True:
                async with session.get(url, params=params) as resp:
                    page = orjson.loads(await resp.read())
                data = page["data"]
                for _item in data:
                    count += 1
                if not page["has_more"] or not data or not page["last_id"]:
                    return count
                params = {"limit": str(PAGE_SIZE), "after": page["last_id"]}

        return await _measured_async(mode, walk)


async def _measured_async(mode: str, walk: Any) -> dict[str, Any]:
    gc.collect()
    before = _rss_now_kib()
    if mode == "tracemalloc":
        tracemalloc.start()
    started = time.perf_counter()
    count = await walk()
    seconds = time.perf_counter() - started
    return _report(mode, count, seconds, before)


def _walk_sync(env: Env, thread_id: str, mode: str) -> dict[str, Any]:
    from chatkit_async import ChatKit

    with ChatKit(api_key=env.api_key, base_url=env.base_url) as client:
        client.threads.retrieve(env.retrieve_ids[0])
        gc.collect()
        before = _rss_now_kib()
        if mode == "tracemalloc":
            tracemalloc.start()
        started = time.perf_counter()
        count = 0
        for _item in client.threads.list_items(thread_id, limit=PAGE_SIZE):
            count += 1
        seconds = time.perf_counter() - started
        return _report(mode, count, seconds, before)


def _report(mode: str, count: int, seconds: float, before: int) -> dict[str, Any]:
    traced = None
    if mode == "tracemalloc":
        traced = tracemalloc.get_traced_memory()[1] // 1024
        tracemalloc.stop()
    peak = _rss_peak_kib()
    return {
        "items": count,
        "seconds": round(seconds, 3),
        "rss_before_kib": before if mode == "rss" else None,
        "rss_peak_kib": peak if mode == "rss" else None,
        "traced_peak_kib": traced,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._memprobe")
    parser.add_argument("--env", required=True, help="the server's JSON line")
    parser.add_argument("--items", type=int, required=True)
    parser.add_argument("--contender", choices=[CK_ASYNC, CK_SYNC, BASELINE], default=CK_ASYNC)
    parser.add_argument("--mode", choices=["rss", "tracemalloc"], default="rss")
    args = parser.parse_args(argv)
    info = orjson.loads(args.env)
    env = Env(info["base_url"], info["api_key"], info["retrieve_ids"])
    thread_id = info["paging"][str(args.items)]
    if args.contender == CK_SYNC:
        result = _walk_sync(env, thread_id, args.mode)
    elif args.contender == CK_ASYNC:
        result = asyncio.run(_walk_async(env, thread_id, args.mode))
    else:
        result = asyncio.run(_walk_raw(env, thread_id, args.mode))
    if result["items"] != args.items:
        raise SystemExit(f"walked {result['items']} items, expected {args.items}")
    sys.stdout.write(orjson.dumps(result).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
