"""The benchmark runner: start the emulator process, measure in rounds, report ratios.

Benchmarks (``--only`` takes their letters):

a. paging through every item of one thread (100,000 items, ``limit=100``), items/s;
b. 2,000 sequential ``threads.retrieve`` calls, calls/s (async and the blocking client);
c. 2,000 retrieves from 64 concurrent tasks, calls/s;
d. decoding one 100-item items page into models, no network, pages/s: twice, once the emulator's
   generated page (lean items) and once a rich page with every field of every item type
   (``benchmarks/_pages.py``), each against ``orjson.loads`` of the same body;
e. peak memory while paging 100,000 vs 1,000,000 items (RSS and tracemalloc, fresh processes).

In every round each contender runs once, in an order rotated from round to round, so that drift
on a shared machine hits everyone alike. A contender's ratio is the median, over rounds, of its
rate divided by the raw aiohttp + orjson rate *of the same round*; the blocking client's
"of async" figure is likewise the median of its rate over the async client's, round by round.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import gc
import inspect
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from . import _contenders as C
from . import _pages

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DOCS = ROOT / "docs" / "performance.md"
TABLE_START = "<!-- bench-table:start -->"
TABLE_END = "<!-- bench-table:end -->"

TARGETS = {"a": 0.50, "b": 0.75, "c": 0.60, "d": 0.30}
#: Benchmark b's second target: the blocking client's rate over the async client's, same round.
SYNC_VS_ASYNC_TARGET = 0.70
TITLES = {
    "a": "a. paging all items of one thread (limit=100)",
    "b": "b. sequential threads.retrieve",
    "c": f"c. threads.retrieve, {C.CONCURRENCY} concurrent tasks",
    "d": "d. decoding one 100-item items page (no network)",
    "d-rich": "d. the same, rich page (every field of every item type)",
    "e": "e. peak memory while paging",
}
UNITS = {"a": "items/s", "b": "calls/s", "c": "calls/s", "d": "pages/s"}
SHORT = {
    C.BASELINE: "raw/orjson",
    C.RAW_JSON: "raw/json",
    C.CK_ASYNC: "ck",
    C.CK_SYNC: "ck-sync",
    C.OA_ASYNC: "openai",
    C.OA_SYNC: "openai-sync",
    C.CK_DECODE: "ck",
    C.OA_DECODE: "openai",
}


class Sizes:
    def __init__(self, quick: bool) -> None:
        self.paging = 10_000 if quick else 100_000
        self.retrieve = 300 if quick else 2_000
        self.concurrent = 300 if quick else 2_000
        self.decode_repeat = 100 if quick else 400
        self.memory = (10_000, 100_000) if quick else (100_000, 1_000_000)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="chatkit-async vs the official openai SDK vs raw aiohttp, against the emulator.",
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer rounds")
    parser.add_argument("--only", default="a,b,c,d,e", help="benchmarks to run, e.g. 'a,d'")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per benchmark")
    parser.add_argument("--no-openai", action="store_true", help="leave the openai SDK out")
    parser.add_argument("--no-sync", action="store_true", help="leave the blocking clients out")
    parser.add_argument(
        "--json", type=Path, default=RESULTS / "latest.json", help="where to write the results"
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="copy the table into docs/performance.md (do it with full runs only)",
    )
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        default=None,
        help="measure nothing: print (and with --update-docs, copy) the table of a results file",
    )
    parser.add_argument(
        "--profile",
        metavar="BENCH",
        default=None,
        help="also profile chatkit-async in one benchmark (a, b, c, d or d-rich) with pyinstrument",
    )
    return parser.parse_args(argv)


# --- the emulator process ---------------------------------------------------------------------


@contextlib.contextmanager
def emulator_process(sizes: list[int]) -> Iterator[tuple[C.Env, str]]:
    cmd = [sys.executable, "-m", "benchmarks._server", "--items", *map(str, sizes)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=ROOT, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark emulator exited before it was ready")
        info = orjson.loads(line)
        paging = {int(k): v for k, v in info["paging"].items()}
        print(
            f"emulator: pid {proc.pid} at {info['base_url']}, seeded in {info['seed_seconds']}s",
            flush=True,
        )
        yield C.Env(info["base_url"], info["api_key"], info["retrieve_ids"], paging), line.decode()
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)


# --- measuring ------------------------------------------------------------------------------------


def _run_one(measure: Callable[..., Any], *args: Any) -> float:
    gc.collect()
    result = measure(*args)
    if inspect.isawaitable(result):
        result = asyncio.run(_await(result))
    return float(result)


async def _await(awaitable: Any) -> Any:
    return await awaitable


def _rounds(
    name: str,
    contenders: dict[str, Callable[..., Any]],
    rounds: int,
    work: float,
    args: Callable[[str], tuple[Any, ...]],
) -> dict[str, Any]:
    """Run every contender once per round (rotating the order); ``work`` units per run."""
    names = list(contenders)
    rates: dict[str, list[float]] = {n: [] for n in names}
    ratios: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        this_round: dict[str, float] = {}
        for contender in order:
            seconds = _run_one(contenders[contender], *args(contender))
            this_round[contender] = work / seconds
        base = this_round[C.BASELINE]
        for contender, rate in this_round.items():
            rates[contender].append(rate)
            ratios[contender].append(rate / base)
        shown = ", ".join(f"{SHORT.get(n, n)}={this_round[n]:,.0f}" for n in names)
        print(f"  {name} round {r + 1}/{rounds}: {shown}", flush=True)
    out: dict[str, Any] = {
        contender: {
            "median_rate": statistics.median(rates[contender]),
            "ratio": statistics.median(ratios[contender]),
            "rates": [round(x, 1) for x in rates[contender]],
            "ratios": [round(x, 4) for x in ratios[contender]],
        }
        for contender in names
    }
    if C.CK_SYNC in out and C.CK_ASYNC in out:
        vs_async = _paired(rates[C.CK_SYNC], rates[C.CK_ASYNC])
        out[C.CK_SYNC]["vs_async"] = statistics.median(vs_async)
        out[C.CK_SYNC]["vs_async_rounds"] = [round(x, 4) for x in vs_async]
    return out


def _paired(rates: list[float], reference: list[float]) -> list[float]:
    # The blocking client against the async one it wraps, paired round by round like every
    # other ratio (the quotient of two medians would mix rounds run at different speeds).
    return [r / ref for r, ref in zip(rates, reference, strict=True)]


def bench_a(env: C.Env, sizes: Sizes, rounds: int, sync: bool, openai: bool) -> dict[str, Any]:
    table = C.paging_contenders(sync, openai)
    n = sizes.paging
    return _rounds("a", table, rounds, n, lambda _: (env, n))


def bench_b(env: C.Env, sizes: Sizes, rounds: int, sync: bool, openai: bool) -> dict[str, Any]:
    table = C.retrieve_contenders(sync, openai)
    n = sizes.retrieve
    return _rounds("b", table, rounds, n, lambda _: (env, n))


def bench_c(env: C.Env, sizes: Sizes, rounds: int, openai: bool) -> dict[str, Any]:
    table = C.concurrent_contenders(openai)
    n = sizes.concurrent
    return _rounds("c", table, rounds, n, lambda _: (env, n))


def page_body(env: C.Env, thread_id: str) -> bytes:
    async def fetch() -> bytes:
        import aiohttp

        url = f"{env.base_url}/chatkit/threads/{thread_id}/items"
        async with aiohttp.ClientSession(headers=env.headers) as session:
            async with session.get(url, params={"limit": str(C.PAGE_SIZE)}) as resp:
                return await resp.read()

    return asyncio.run(fetch())


def bench_d(env: C.Env, sizes: Sizes, rounds: int, openai: bool) -> dict[str, Any]:
    """Both pages, one after the other; the rich page's results sit under ``"_rich"``."""
    result = _bench_decode("d", page_body(env, env.paging[sizes.paging]), sizes, rounds, openai)
    result["_rich"] = _bench_decode("d rich", _pages.rich_page_body(), sizes, rounds, openai)
    return result


def _bench_decode(name: str, body: bytes, sizes: Sizes, rounds: int, openai: bool) -> dict[str, Any]:
    table = C.decoders()
    if not openai:
        table = {k: v for k, v in table.items() if not k.startswith("openai")}
    C.check_decoders(body, table)
    repeat = sizes.decode_repeat
    measures = {
        name: (lambda d=decode: C.time_decoder(d, body, repeat)) for name, decode in table.items()
    }
    result = _rounds(name, measures, rounds, repeat, lambda _: ())
    result["_body_bytes"] = len(body)
    return result


def bench_e(env_line: str, sizes: Sizes, sync: bool) -> dict[str, Any]:
    small, big = sizes.memory
    contenders = [C.CK_ASYNC] + ([C.CK_SYNC] if sync else []) + [C.BASELINE]
    out: dict[str, Any] = {}
    for contender in contenders:
        row: dict[str, Any] = {}
        modes = ["rss", "tracemalloc"] if contender != C.BASELINE else ["rss"]
        for mode in modes:
            for n in (small, big):
                cmd = [
                    sys.executable, "-m", "benchmarks._memprobe", "--env", env_line,
                    "--items", str(n), "--contender", contender, "--mode", mode,
                ]  # fmt: skip
                done = subprocess.run(cmd, cwd=ROOT, capture_output=True, check=True, text=True)
                result = json.loads(done.stdout.strip().splitlines()[-1])
                row[f"{mode}:{n}"] = result
                print(f"  e {contender} {mode} {n:,} items: {result}", flush=True)
        rss_small, rss_big = row[f"rss:{small}"]["rss_peak_kib"], row[f"rss:{big}"]["rss_peak_kib"]
        row["rss_ratio"] = rss_big / rss_small
        if "tracemalloc" in modes:
            tm_small = row[f"tracemalloc:{small}"]["traced_peak_kib"]
            tm_big = row[f"tracemalloc:{big}"]["traced_peak_kib"]
            row["traced_ratio"] = tm_big / max(tm_small, 1)
        out[contender] = row
    out["_sizes"] = [small, big]
    return out


# --- reporting ------------------------------------------------------------------------------------


def _fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def render(results: dict[str, Any], meta: dict[str, Any]) -> str:
    lines = [
        f"Run {meta['date']} on {meta['machine']} ({meta['cpus']} CPUs), Python {meta['python']}, "
        f"{'quick' if meta['quick'] else 'full'} sizes, rounds: {_rounds_text(meta['rounds'])}; "
        f"ratios are medians of per-round rate / raw aiohttp+orjson rate, and 'of async' the median "
        f"of per-round blocking / async client rate.",
        "",
        "| benchmark | contender | median rate | ratio to raw aiohttp+orjson | target |",
        "| --- | --- | ---: | ---: | --- |",
    ]
    sections: list[tuple[str, str, dict[str, Any]]] = []
    for key in ("a", "b", "c", "d"):
        if key in results:
            sections.append((key, TITLES[key], results[key]))
            if key == "d" and "_rich" in results[key]:
                sections.append((key, TITLES["d-rich"], results[key]["_rich"]))
    for key, title, bench in sections:
        if key in meta["sizes"]:
            title += f", {meta['sizes'][key]:,}"
        if "_body_bytes" in bench:
            title += f" ({bench['_body_bytes'] / 1000:.1f} kB)"
        for contender, row in bench.items():
            if contender.startswith("_"):
                continue
            target = ""
            if contender in (C.CK_ASYNC, C.CK_DECODE):
                target = f">= {TARGETS[key]:.2f}"
            elif contender == C.CK_SYNC and C.CK_ASYNC in bench:
                # Results files written before ``vs_async`` was stored still have every rate.
                vs_async = row.get("vs_async")
                if vs_async is None:
                    vs_async = statistics.median(_paired(row["rates"], bench[C.CK_ASYNC]["rates"]))
                target = f"{vs_async:.2f} of async"
                if key == "b":
                    target += f", target >= {SYNC_VS_ASYNC_TARGET:.2f} of async"
            lines.append(
                f"| {title} | {contender} | {_fmt_rate(row['median_rate'])} {UNITS[key]} | "
                f"{row['ratio']:.2f} | {target} |"
            )
            title = ""
    if "e" in results:
        mem = results["e"]
        small, big = mem["_sizes"]
        lines += [
            "",
            f"e. peak memory while paging {small:,} vs {big:,} items (fresh process per run):",
            "",
            f"| contender | peak RSS {small:,} | peak RSS {big:,} | ratio | "
            f"traced peak {small:,} | traced peak {big:,} | ratio |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for contender, row in mem.items():
            if contender.startswith("_"):
                continue
            rss = (row[f"rss:{small}"]["rss_peak_kib"], row[f"rss:{big}"]["rss_peak_kib"])
            if f"tracemalloc:{small}" in row:
                tm = (
                    f"{row[f'tracemalloc:{small}']['traced_peak_kib'] / 1024:.2f} MiB | "
                    f"{row[f'tracemalloc:{big}']['traced_peak_kib'] / 1024:.2f} MiB | "
                    f"{row['traced_ratio']:.2f}"
                )
            else:
                tm = "| |"
            lines.append(
                f"| {contender} | {rss[0] / 1024:.1f} MiB | {rss[1] / 1024:.1f} MiB | "
                f"{row['rss_ratio']:.2f} | {tm} |"
            )
    return "\n".join(lines) + "\n"


def _rounds_text(rounds: Any) -> str:
    if isinstance(rounds, dict):
        return ", ".join(f"{k} {v}" for k, v in rounds.items())
    return str(rounds)


def update_docs(table: str) -> None:
    text = DOCS.read_text() if DOCS.exists() else ""
    if TABLE_START in text and TABLE_END in text:
        head, rest = text.split(TABLE_START, 1)
        _, tail = rest.split(TABLE_END, 1)
        DOCS.write_text(f"{head}{TABLE_START}\n{table}{TABLE_END}{tail}")
    else:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(f"{text}\n{TABLE_START}\n{table}{TABLE_END}\n")


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("chatkit-async", "openai", "aiohttp", "orjson", "cattrs", "attrs", "httpx2", "httpx"):
        with contextlib.suppress(PackageNotFoundError):
            out[dist] = version(dist)
    return out


def profile(key: str, env: C.Env, sizes: Sizes) -> None:
    from pyinstrument import Profiler

    run: Callable[[], Any]
    if key in ("d", "d-rich"):
        from chatkit_async import parse
        from chatkit_async.types import Page, ThreadItem

        body = page_body(env, env.paging[sizes.paging]) if key == "d" else _pages.rich_page_body()

        def run() -> Any:
            for _ in range(sizes.decode_repeat * 5):
                parse(body, Page[ThreadItem])

    else:
        measure = {"a": C.ck_async_paging, "b": C.ck_async_retrieve, "c": C.ck_async_concurrent}[key]
        n = {"a": sizes.paging, "b": sizes.retrieve, "c": sizes.concurrent}[key]

        def run() -> Any:
            return _run_one(measure, env, n)

    profiler = Profiler(interval=0.0005)
    profiler.start()
    run()
    profiler.stop()
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = profiler.output_text(unicode=False, color=False, show_all=False)
    (RESULTS / f"profile-{key}.txt").write_text(text)
    print(text)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.render is not None:
        saved = orjson.loads(args.render.read_bytes())
        table = render(saved["results"], saved["meta"])
        print(table)
        if args.update_docs:
            update_docs(table)
            print(f"table copied into {DOCS}")
        return 0
    only = {x.strip() for x in args.only.split(",") if x.strip()}
    unknown = only - set("abcde")
    if unknown:
        raise SystemExit(f"unknown benchmarks: {sorted(unknown)} (choose from a, b, c, d, e)")
    sizes = Sizes(args.quick)
    rounds = args.rounds or (3 if args.quick else 7)
    sync = not args.no_sync and C.have_sync_chatkit()
    openai = not args.no_openai and C.have_openai()
    if not args.no_sync and not sync:
        print("note: chatkit_async.ChatKit is not available; the blocking client is skipped")
    seed = {sizes.paging}
    if "e" in only:
        seed |= set(sizes.memory)
    meta: dict[str, Any] = {
        "date": dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.system()} {platform.machine()}",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "quick": args.quick,
        "rounds": rounds,
        "sizes": {"a": sizes.paging, "b": sizes.retrieve, "c": sizes.concurrent},
        "versions": _versions(),
    }
    results: dict[str, Any] = {}
    started = time.perf_counter()
    with emulator_process(sorted(seed)) as (env, env_line):
        # Paging is the long one (the openai SDK needs seconds per walk): fewer rounds.
        paging_rounds = args.rounds or (3 if args.quick else 5)
        meta["rounds"] = {"a": paging_rounds, "b": rounds, "c": rounds, "d": rounds}
        if "d" in only:
            results["d"] = bench_d(env, sizes, rounds, openai)
        if "b" in only:
            results["b"] = bench_b(env, sizes, rounds, sync, openai)
        if "c" in only:
            results["c"] = bench_c(env, sizes, rounds, openai)
        if "a" in only:
            results["a"] = bench_a(env, sizes, paging_rounds, sync, openai)
        if "e" in only:
            results["e"] = bench_e(env_line, sizes, sync)
        if args.profile:
            profile(args.profile, env, sizes)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    table = render(results, meta)
    print()
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_bytes(orjson.dumps({"meta": meta, "results": results}, option=orjson.OPT_INDENT_2))
    (args.json.parent / "latest.md").write_text(table)
    print(f"results: {args.json}")
    if args.update_docs:
        update_docs(table)
        print(f"table copied into {DOCS}")
    return 0
