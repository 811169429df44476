"""Typing script: the return type of every public call of the asyncio client.

Checked by ``mypy --strict`` in ``tests/unit/test_sync_parity.py``; never executed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any

from typing_extensions import assert_type

from chatkit_async import (
    APIResponse,
    AsyncChatKit,
    AsyncPaginator,
    ChatSession,
    Page,
    Thread,
    ThreadDeleted,
    ThreadItem,
    to_dict,
)
from chatkit_async.resources.sessions import AsyncSessions, AsyncSessionsWithRawResponse
from chatkit_async.resources.threads import AsyncThreads, AsyncThreadsWithRawResponse


async def check_client() -> None:
    client = AsyncChatKit(
        api_key="sk-test",
        base_url="http://127.0.0.1:1/v1",
        organization="org_1",
        project="proj_1",
        timeout=5.0,
        max_retries=0,
        default_headers={"X-Test": "1"},
        session=None,
    )
    assert_type(client, AsyncChatKit)
    assert_type(client.threads, AsyncThreads)
    assert_type(client.sessions, AsyncSessions)
    assert_type(client.base_url, str)
    assert_type(client.api_key, str)
    assert_type(client.organization, str | None)
    assert_type(client.project, str | None)
    assert_type(client.timeout, float | None)
    assert_type(client.max_retries, int)
    assert_type(client.closed, bool)
    assert_type(client.with_options(timeout=None, max_retries=1), AsyncChatKit)
    async with client as entered:
        assert_type(entered, AsyncChatKit)
    assert_type(await client.close(), None)


async def check_threads(client: AsyncChatKit) -> None:
    thread = await client.threads.retrieve("cthr_1", timeout=1.0)
    assert_type(thread, Thread)
    assert_type(thread.to_dict(), dict[str, Any])
    assert_type(to_dict(thread), dict[str, Any])
    assert_type(to_dict([thread, thread]), list[dict[str, Any]])
    assert_type((await client.threads.list()).to_dict(), dict[str, Any])
    assert_type(await client.threads.delete("cthr_1", extra_headers={"X": "1"}), ThreadDeleted)

    threads = client.threads.list(limit=10, order="asc", user="user_1", max_items=5)
    assert_type(threads, AsyncPaginator[Thread])
    async for thread in threads:
        assert_type(thread, Thread)
    assert_type(threads.pages(), AsyncIterator[Page[Thread]])
    async for page in threads.pages():
        assert_type(page, Page[Thread])
        assert_type(page.data, list[Thread])
    assert_type(await threads, Page[Thread])
    assert_type(threads.query, Mapping[str, str])

    items = client.threads.list_items("cthr_1", before="cthi_9", extra_query={"q": 1})
    assert_type(items, AsyncPaginator[ThreadItem])
    async for item in items:
        assert_type(item, ThreadItem)
    assert_type(await items, Page[ThreadItem])


async def check_sessions(client: AsyncChatKit) -> None:
    session = await client.sessions.create(
        user="user_1",
        workflow={"id": "wf_1"},
        expires_after={"anchor": "created_at", "seconds": 60},
        rate_limits={"max_requests_per_1_minute": 10},
    )
    assert_type(session, ChatSession)
    assert_type(await client.sessions.cancel(session.id), ChatSession)


async def check_raw(client: AsyncChatKit) -> None:
    threads_raw = client.threads.with_raw_response
    assert_type(threads_raw, AsyncThreadsWithRawResponse)
    retrieved = await threads_raw.retrieve("cthr_1")
    assert_type(retrieved, APIResponse[Thread])
    assert_type(retrieved.parse(), Thread)
    assert_type(await threads_raw.delete("cthr_1"), APIResponse[ThreadDeleted])
    listed = await threads_raw.list(limit=2)
    assert_type(listed, APIResponse[Page[Thread]])
    assert_type(listed.parse(), Page[Thread])
    assert_type(await threads_raw.list_items("cthr_1"), APIResponse[Page[ThreadItem]])

    sessions_raw = client.sessions.with_raw_response
    assert_type(sessions_raw, AsyncSessionsWithRawResponse)
    created = await sessions_raw.create(user="user_1", workflow={"id": "wf_1"})
    assert_type(created, APIResponse[ChatSession])
    assert_type(await sessions_raw.cancel("cksess_1"), APIResponse[ChatSession])
