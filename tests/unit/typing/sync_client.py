"""Typing script: the return type of every public call of the blocking client.

Checked by ``mypy --strict`` in ``tests/unit/test_sync_parity.py``; never executed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from typing_extensions import assert_type

from chatkit_async import (
    APIResponse,
    ChatKit,
    ChatSession,
    Page,
    SyncPaginator,
    Thread,
    ThreadDeleted,
    ThreadItem,
)
from chatkit_async.resources.sessions import Sessions, SessionsWithRawResponse
from chatkit_async.resources.threads import Threads, ThreadsWithRawResponse


def check_client() -> None:
    client = ChatKit(
        api_key="sk-test",
        base_url="http://127.0.0.1:1/v1",
        organization="org_1",
        project="proj_1",
        timeout=5.0,
        max_retries=0,
        default_headers={"X-Test": "1"},
    )
    assert_type(client, ChatKit)
    assert_type(client.threads, Threads)
    assert_type(client.sessions, Sessions)
    assert_type(client.base_url, str)
    assert_type(client.api_key, str)
    assert_type(client.organization, str | None)
    assert_type(client.project, str | None)
    assert_type(client.timeout, float | None)
    assert_type(client.max_retries, int)
    assert_type(client.closed, bool)
    assert_type(client.with_options(timeout=None, max_retries=1), ChatKit)
    with client as entered:
        assert_type(entered, ChatKit)
    assert_type(client.close(), None)


def check_threads(client: ChatKit) -> None:
    assert_type(client.threads.retrieve("cthr_1", timeout=1.0), Thread)
    assert_type(client.threads.delete("cthr_1", extra_headers={"X": "1"}), ThreadDeleted)

    threads = client.threads.list(limit=10, order="asc", user="user_1", max_items=5)
    assert_type(threads, SyncPaginator[Thread])
    assert_type(iter(threads), Iterator[Thread])
    for thread in threads:
        assert_type(thread, Thread)
    assert_type(threads.pages(), Iterator[Page[Thread]])
    for page in threads.pages():
        assert_type(page, Page[Thread])
        assert_type(page.data, list[Thread])
        assert_type(page.has_more, bool)
        assert_type(page.last_id, str | None)
    assert_type(threads.first_page(), Page[Thread])
    assert_type(threads.query, Mapping[str, str])

    items = client.threads.list_items("cthr_1", before="cthi_9", extra_query={"q": 1})
    assert_type(items, SyncPaginator[ThreadItem])
    for item in items:
        assert_type(item, ThreadItem)
    assert_type(items.first_page(), Page[ThreadItem])


def check_sessions(client: ChatKit) -> None:
    session = client.sessions.create(
        user="user_1",
        workflow={"id": "wf_1"},
        expires_after={"anchor": "created_at", "seconds": 60},
        rate_limits={"max_requests_per_1_minute": 10},
    )
    assert_type(session, ChatSession)
    assert_type(client.sessions.cancel(session.id), ChatSession)


def check_raw(client: ChatKit) -> None:
    threads_raw = client.threads.with_raw_response
    assert_type(threads_raw, ThreadsWithRawResponse)
    retrieved = threads_raw.retrieve("cthr_1")
    assert_type(retrieved, APIResponse[Thread])
    assert_type(retrieved.parse(), Thread)
    assert_type(retrieved.request_id, str | None)
    assert_type(retrieved.status_code, int)
    assert_type(threads_raw.delete("cthr_1"), APIResponse[ThreadDeleted])
    listed = threads_raw.list(limit=2)
    assert_type(listed, APIResponse[Page[Thread]])
    assert_type(listed.parse(), Page[Thread])
    assert_type(threads_raw.list_items("cthr_1"), APIResponse[Page[ThreadItem]])

    sessions_raw = client.sessions.with_raw_response
    assert_type(sessions_raw, SessionsWithRawResponse)
    created = sessions_raw.create(user="user_1", workflow={"id": "wf_1"})
    assert_type(created, APIResponse[ChatSession])
    assert_type(sessions_raw.cancel("cksess_1"), APIResponse[ChatSession])
