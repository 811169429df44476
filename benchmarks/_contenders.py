"""What each contender does in each benchmark, written the way a user of that library would.

Every measuring function builds its client, warms it up (the first request opens the connection
and pays for lazy imports; it is not timed), then times only the work itself and returns the
elapsed seconds. Async contenders are coroutines run with ``asyncio.run`` by the runner; sync
ones are plain functions. All of them talk to the same emulator process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

#: The raw aiohttp + orjson loop every other contender is compared with.
BASELINE = "raw aiohttp+orjson"
RAW_JSON = "raw aiohttp+json"
CK_ASYNC = "chatkit-async AsyncChatKit"
CK_SYNC = "chatkit-async ChatKit (sync)"
OA_ASYNC = "openai AsyncOpenAI"
OA_SYNC = "openai OpenAI (sync)"
CK_DECODE = "chatkit-async parse()"
OA_DECODE = "openai construct_type()"

BETA = {"OpenAI-Beta": "chatkit_beta=v1"}
PAGE_SIZE = 100
CONCURRENCY = 64


@dataclass
class Env:
    """What the benchmark server seeded, as announced on its first line."""

    base_url: str
    api_key: str
    retrieve_ids: list[str]
    paging: dict[int, str] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", **BETA}


Measure = Callable[[Env, int], "float | Awaitable[float]"]


def have_sync_chatkit() -> bool:
    """Whether this checkout ships the blocking ``chatkit_async.ChatKit`` yet."""
    try:
        from chatkit_async import ChatKit  # noqa: F401
    except ImportError:
        return False
    return True


def have_openai() -> bool:
    try:
        import openai  # noqa: F401
    except ImportError:
        return False
    return True


# --- raw aiohttp ------------------------------------------------------------------------------


def _raw_session(env: Env) -> aiohttp.ClientSession:
    # What a careful hand-written client does: one session for every request, the headers set
    # once as session defaults, and no cookie jar (an API client has no use for one; aiohttp's
    # default jar costs a lookup and an update per request). A strong baseline, on purpose.
    return aiohttp.ClientSession(headers=env.headers, cookie_jar=aiohttp.DummyCookieJar())


async def _raw_get(session: aiohttp.ClientSession, url: str, params: Any, loads: Any) -> Any:
    async with session.get(url, params=params) as resp:
        body = await resp.read()
        if resp.status != 200:
            raise RuntimeError(f"GET {url} -> {resp.status}: {body[:200]!r}")
    return loads(body)


def raw_paging(loads: Callable[[bytes], Any]) -> Callable[[Env, int], Awaitable[float]]:
    async def run(env: Env, n: int) -> float:
        thread_id = env.paging[n]
        url = f"{env.base_url}/chatkit/threads/{thread_id}/items"
        async with _raw_session(env) as session:
            await _raw_get(session, f"{env.base_url}/chatkit/threads/{env.retrieve_ids[0]}", None, loads)
            started = time.perf_counter()
            count = 0
            params = {"limit": str(PAGE_SIZE)}
            while True:
                page = await _raw_get(session, url, params, loads)
                data = page["data"]
                for _item in data:
                    count += 1
                if not page["has_more"] or not data or not page["last_id"]:
                    break
                params = {"limit": str(PAGE_SIZE), "after": page["last_id"]}
            elapsed = time.perf_counter() - started
        _check(count, n)
        return elapsed

    return run


def raw_retrieve(loads: Callable[[bytes], Any]) -> Callable[[Env, int], Awaitable[float]]:
    async def run(env: Env, n: int) -> float:
        urls = [f"{env.base_url}/chatkit/threads/{i}" for i in env.retrieve_ids]
        async with _raw_session(env) as session:
            await _raw_get(session, urls[0], None, loads)
            started = time.perf_counter()
            for k in range(n):
                thread = await _raw_get(session, urls[k % len(urls)], None, loads)
                assert thread["id"]
            return time.perf_counter() - started

    return run


def raw_concurrent(loads: Callable[[bytes], Any]) -> Callable[[Env, int], Awaitable[float]]:
    async def run(env: Env, n: int) -> float:
        urls = [f"{env.base_url}/chatkit/threads/{i}" for i in env.retrieve_ids]
        async with _raw_session(env) as session:
            await _warm_concurrently(lambda k: _raw_get(session, urls[k % len(urls)], None, loads))
            todo = iter(range(n))

            async def worker() -> None:
                for k in todo:
                    thread = await _raw_get(session, urls[k % len(urls)], None, loads)
                    assert thread["id"]

            started = time.perf_counter()
            await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
            return time.perf_counter() - started

    return run


async def _warm_concurrently(call: Callable[[int], Awaitable[Any]]) -> None:
    # Opens the pool's connections before timing, for every contender alike.
    await asyncio.gather(*(call(k) for k in range(CONCURRENCY)))


def _check(count: int, expected: int) -> None:
    if count != expected:
        raise RuntimeError(f"walked {count} items, expected {expected}")


# --- chatkit-async ----------------------------------------------------------------------------


def _ck_async(env: Env) -> Any:
    from chatkit_async import AsyncChatKit

    return AsyncChatKit(api_key=env.api_key, base_url=env.base_url)


def _ck_sync(env: Env) -> Any:
    from chatkit_async import ChatKit

    return ChatKit(api_key=env.api_key, base_url=env.base_url)


async def ck_async_paging(env: Env, n: int) -> float:
    async with _ck_async(env) as client:
        await client.threads.retrieve(env.retrieve_ids[0])
        started = time.perf_counter()
        count = 0
        async for _item in client.threads.list_items(env.paging[n], limit=PAGE_SIZE):
            count += 1
        elapsed = time.perf_counter() - started
    _check(count, n)
    return elapsed


def ck_sync_paging(env: Env, n: int) -> float:
    with _ck_sync(env) as client:
        client.threads.retrieve(env.retrieve_ids[0])
        started = time.perf_counter()
        count = 0
        for _item in client.threads.list_items(env.paging[n], limit=PAGE_SIZE):
            count += 1
        elapsed = time.perf_counter() - started
    _check(count, n)
    return elapsed


async def ck_async_retrieve(env: Env, n: int) -> float:
    ids = env.retrieve_ids
    async with _ck_async(env) as client:
        retrieve = client.threads.retrieve
        await retrieve(ids[0])
        started = time.perf_counter()
        for k in range(n):
            thread = await retrieve(ids[k % len(ids)])
            assert thread.id
        return time.perf_counter() - started


def ck_sync_retrieve(env: Env, n: int) -> float:
    ids = env.retrieve_ids
    with _ck_sync(env) as client:
        retrieve = client.threads.retrieve
        retrieve(ids[0])
        started = time.perf_counter()
        for k in range(n):
            thread = retrieve(ids[k % len(ids)])
            assert thread.id
        return time.perf_counter() - started


async def ck_async_concurrent(env: Env, n: int) -> float:
    ids = env.retrieve_ids
    async with _ck_async(env) as client:
        retrieve = client.threads.retrieve
        await _warm_concurrently(lambda k: retrieve(ids[k % len(ids)]))
        todo = iter(range(n))

        async def worker() -> None:
            for k in todo:
                thread = await retrieve(ids[k % len(ids)])
                assert thread.id

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started


# --- the official openai SDK ------------------------------------------------------------------


def _oa_async(env: Env) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(api_key=env.api_key, base_url=env.base_url, default_headers=BETA)


def _oa_sync(env: Env) -> Any:
    from openai import OpenAI

    return OpenAI(api_key=env.api_key, base_url=env.base_url, default_headers=BETA)


async def oa_async_paging(env: Env, n: int) -> float:
    async with _oa_async(env) as client:
        threads = client.beta.chatkit.threads
        await threads.retrieve(env.retrieve_ids[0])
        started = time.perf_counter()
        count = 0
        async for _item in threads.list_items(env.paging[n], limit=PAGE_SIZE):
            count += 1
        elapsed = time.perf_counter() - started
    _check(count, n)
    return elapsed


def oa_sync_paging(env: Env, n: int) -> float:
    with _oa_sync(env) as client:
        threads = client.beta.chatkit.threads
        threads.retrieve(env.retrieve_ids[0])
        started = time.perf_counter()
        count = 0
        for _item in threads.list_items(env.paging[n], limit=PAGE_SIZE):
            count += 1
        elapsed = time.perf_counter() - started
    _check(count, n)
    return elapsed


async def oa_async_retrieve(env: Env, n: int) -> float:
    ids = env.retrieve_ids
    async with _oa_async(env) as client:
        retrieve = client.beta.chatkit.threads.retrieve
        await retrieve(ids[0])
        started = time.perf_counter()
        for k in range(n):
            thread = await retrieve(ids[k % len(ids)])
            assert thread.id
        return time.perf_counter() - started


def oa_sync_retrieve(env: Env, n: int) -> float:
    ids = env.retrieve_ids
    with _oa_sync(env) as client:
        retrieve = client.beta.chatkit.threads.retrieve
        retrieve(ids[0])
        started = time.perf_counter()
        for k in range(n):
            thread = retrieve(ids[k % len(ids)])
            assert thread.id
        return time.perf_counter() - started


async def oa_async_concurrent(env: Env, n: int) -> float:
    ids = env.retrieve_ids
    async with _oa_async(env) as client:
        retrieve = client.beta.chatkit.threads.retrieve
        await _warm_concurrently(lambda k: retrieve(ids[k % len(ids)]))
        todo = iter(range(n))

        async def worker() -> None:
            for k in todo:
                thread = await retrieve(ids[k % len(ids)])
                assert thread.id

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return time.perf_counter() - started


# --- decoding one page, no network --------------------------------------------------------------


def decoders() -> dict[str, Callable[[bytes], Any]]:
    """Contender name -> a function turning one page body into that contender's result."""
    from chatkit_async import parse
    from chatkit_async.types import Page, ThreadItem

    target = Page[ThreadItem]
    table: dict[str, Callable[[bytes], Any]] = {
        BASELINE: orjson.loads,
        RAW_JSON: json.loads,
        # The blocking client decodes with the very same function; one row says it for both.
        CK_DECODE: lambda body: parse(body, target),
    }
    if have_openai():
        from openai._models import construct_type
        from openai.pagination import SyncConversationCursorPage
        from openai.types.beta.chatkit.chatkit_thread_item_list import Data

        page_type = SyncConversationCursorPage[Data]  # what list_items builds from each response

        def openai_decode(body: bytes) -> Any:
            # The SDK's own steps: httpx's response.json() (stdlib json), then construct_type.
            return construct_type(type_=page_type, value=json.loads(body))

        table[OA_DECODE] = openai_decode
    return table


def check_decoders(body: bytes, table: dict[str, Callable[[bytes], Any]]) -> None:
    """Each decoder must actually produce all items (a broken contender must not look fast)."""
    expected = len(orjson.loads(body)["data"])
    for name, decode in table.items():
        result = decode(body)
        data = result["data"] if isinstance(result, dict) else result.data
        if len(data) != expected:
            raise RuntimeError(f"{name} decoded {len(data)} items, expected {expected}")


def time_decoder(decode: Callable[[bytes], Any], body: bytes, repeat: int) -> float:
    started = time.perf_counter()
    for _ in itertools.repeat(None, repeat):
        decode(body)
    return time.perf_counter() - started


# --- the tables the runner walks ----------------------------------------------------------------


def paging_contenders(include_sync: bool, include_openai: bool) -> dict[str, Measure]:
    table: dict[str, Measure] = {
        BASELINE: raw_paging(orjson.loads),
        RAW_JSON: raw_paging(json.loads),
        CK_ASYNC: ck_async_paging,
    }
    if include_sync:
        table[CK_SYNC] = ck_sync_paging
    if include_openai:
        table[OA_ASYNC] = oa_async_paging
        table[OA_SYNC] = oa_sync_paging
    return table


def retrieve_contenders(include_sync: bool, include_openai: bool) -> dict[str, Measure]:
    table: dict[str, Measure] = {
        BASELINE: raw_retrieve(orjson.loads),
        RAW_JSON: raw_retrieve(json.loads),
        CK_ASYNC: ck_async_retrieve,
    }
    if include_sync:
        table[CK_SYNC] = ck_sync_retrieve
    if include_openai:
        table[OA_ASYNC] = oa_async_retrieve
        table[OA_SYNC] = oa_sync_retrieve
    return table


def concurrent_contenders(include_openai: bool) -> dict[str, Measure]:
    table: dict[str, Measure] = {
        BASELINE: raw_concurrent(orjson.loads),
        RAW_JSON: raw_concurrent(json.loads),
        CK_ASYNC: ck_async_concurrent,
    }
    if include_openai:
        table[OA_ASYNC] = oa_async_concurrent
    return table
