"""AsyncChatKit end to end: every endpoint against the emulator over real HTTP on loopback."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from chatkit_async import (
    APIResponse,
    AsyncChatKit,
    ChatKitError,
    ChatSession,
    ClientClosedError,
    CursorLoopError,
    NotFoundError,
    Page,
    Thread,
    ThreadDeleted,
    ThreadItem,
    UnknownItem,
    UserMessageItem,
    parse,
    to_dict,
)
from chatkit_async.testing import ChatKitEmulator, FaultSpec
from chatkit_async.types import UnknownStatus

pytestmark = pytest.mark.anyio


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(seed=7, demo_threads=12) as emulator:
        yield emulator


@pytest.fixture
async def client(emu: ChatKitEmulator) -> AsyncIterator[AsyncChatKit]:
    assert emu.api_key is not None
    async with AsyncChatKit(api_key=emu.api_key, base_url=emu.base_url, max_retries=0) as c:
        yield c


def thread_order(emu: ChatKitEmulator, order: str, user: str | None = None) -> list[dict[str, Any]]:
    """The emulator's threads in listing order (created_at, then insertion order)."""
    threads = [t for t in emu.threads() if user is None or t["user"] == user]
    ordered = sorted(enumerate(threads), key=lambda p: (p[1]["created_at"], p[0]))
    result = [t for _, t in ordered]
    return result if order == "asc" else result[::-1]


def biggest_thread(emu: ChatKitEmulator) -> str:
    return max(emu.threads(), key=lambda t: len(emu.items(t["id"])))["id"]


# --- threads ---------------------------------------------------------------------------------


async def test_retrieve_returns_every_field_as_served(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """retrieve() decodes each demo thread to a model whose to_dict equals what was served."""
    for served in emu.threads():
        thread = await client.threads.retrieve(served["id"])
        assert isinstance(thread, Thread)
        assert to_dict(thread) == served
        assert (thread.id, thread.user, thread.title) == (served["id"], served["user"], served["title"])


async def test_statuses_of_the_demo_data_decode_to_their_classes(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """Active, locked and closed threads all appear and decode to the matching classes."""
    seen = set()
    async for thread in client.threads.list(limit=100):
        seen.add(type(thread.status).__name__)
        assert thread.status.type in ("active", "locked", "closed")
    assert seen == {"ActiveStatus", "LockedStatus", "ClosedStatus"}


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_list_threads_walks_every_thread_once_in_server_order(
    emu: ChatKitEmulator, client: AsyncChatKit, order: str, limit: int
) -> None:
    """Forward paging yields each thread exactly once, in the server's order, for any page size."""
    got = [t.id async for t in client.threads.list(limit=limit, order=order)]  # type: ignore[arg-type]
    assert got == [t["id"] for t in thread_order(emu, order)]
    pages = -(-len(got) // limit)
    requests = [r for r in emu.requests if r.path == "/v1/chatkit/threads"]
    assert len(requests) in (pages, pages + 1)  # +1 when the last full page said has_more
    assert all(not ("after" in r.query and "before" in r.query) for r in requests)


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_list_threads_backwards_from_before(
    emu: ChatKitEmulator, client: AsyncChatKit, order: str, limit: int
) -> None:
    """Starting from before=X walks backwards with before=first_id and never sends both cursors."""
    listing = [t["id"] for t in thread_order(emu, order)]
    start = listing[-1]
    got = [t.id async for t in client.threads.list(before=start, limit=limit, order=order)]  # type: ignore[arg-type]
    # Backwards: each page is in listing order, pages come from the cursor towards the start.
    assert sorted(got, key=listing.index) == listing[:-1]
    assert len(got) == len(set(got)) == len(listing) - 1
    pages = [got[i : i + limit] for i in range(0, len(got), limit)]
    for page in pages:
        assert page == sorted(page, key=listing.index)
    requests = [r for r in emu.requests if r.path == "/v1/chatkit/threads"]
    assert all("after" not in r.query for r in requests)
    assert requests[0].query["before"] == start
    for prev, nxt in itertools.pairwise(requests):
        assert nxt.query["before"] != prev.query["before"]


async def test_list_threads_filters_by_user(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """user= returns exactly that user's threads."""
    got = [t async for t in client.threads.list(user="user_2", limit=3)]
    assert [t.id for t in got] == [t["id"] for t in thread_order(emu, "desc", user="user_2")]
    assert got and all(t.user == "user_2" for t in got)
    assert all(r.query.get("user") == "user_2" for r in emu.requests)


async def test_pages_expose_cursors_and_has_more(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """pages() yields Page objects with data, first_id, last_id and has_more."""
    pages = [p async for p in client.threads.list(limit=5, order="asc").pages()]
    assert [len(p.data) for p in pages] == [5, 5, 2]
    assert [p.has_more for p in pages] == [True, True, False]
    for page in pages:
        assert isinstance(page, Page)
        assert page.first_id == page.data[0].id and page.last_id == page.data[-1].id


async def test_paging_is_lazy(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """Creating a paginator sends nothing; breaking after the first item made exactly one request."""
    paginator = client.threads.list(limit=2)
    assert emu.requests == []
    async for _thread in paginator:
        break
    assert len(emu.requests) == 1


async def test_awaiting_a_paginator_gives_the_first_page(
    client: AsyncChatKit, emu: ChatKitEmulator
) -> None:
    """await client.threads.list(...) returns the first Page."""
    page = await client.threads.list(limit=3)
    assert isinstance(page, Page) and len(page.data) == 3 and page.has_more
    assert len(emu.requests) == 1


async def test_max_items_caps_the_walk(client: AsyncChatKit, emu: ChatKitEmulator) -> None:
    """max_items stops after that many items, without fetching further pages."""
    got = [t async for t in client.threads.list(limit=5, max_items=7)]
    assert len(got) == 7
    assert len(emu.requests) == 2
    pages = [p async for p in client.threads.list(limit=5, max_items=7).pages()]
    assert [len(p.data) for p in pages] == [5, 2]


async def test_each_iteration_restarts_the_walk(client: AsyncChatKit) -> None:
    """Iterating the same paginator twice yields the same items both times."""
    paginator = client.threads.list(limit=4)
    first = [t.id async for t in paginator]
    second = [t.id async for t in paginator]
    assert first == second and len(first) == 12


async def test_delete_removes_the_thread_and_its_items(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """delete() returns the receipt; the thread is gone afterwards (404), items included."""
    thread_id = biggest_thread(emu)
    receipt = await client.threads.delete(thread_id)
    assert receipt == ThreadDeleted(id=thread_id, deleted=True)
    assert thread_id not in [t["id"] for t in emu.threads()]
    with pytest.raises(NotFoundError):
        await client.threads.retrieve(thread_id)
    with pytest.raises(NotFoundError):
        await client.threads.list_items(thread_id)
    with pytest.raises(NotFoundError):
        await client.threads.delete(thread_id)


# --- items -----------------------------------------------------------------------------------


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_list_items_every_item_once_in_server_order(
    emu: ChatKitEmulator, client: AsyncChatKit, order: str, limit: int
) -> None:
    """Items of the largest demo thread arrive exactly once, in order, equal to what was served."""
    thread_id = biggest_thread(emu)
    items = [i async for i in client.threads.list_items(thread_id, limit=limit, order=order)]  # type: ignore[arg-type]
    assert [to_dict(i) for i in items] == emu.items(thread_id, order=order)  # type: ignore[arg-type]


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("limit", [1, 7, 100])
async def test_list_items_backwards(
    emu: ChatKitEmulator, client: AsyncChatKit, order: str, limit: int
) -> None:
    """Paging items backwards from before=X yields every earlier item once, pages in listing order."""
    thread_id = biggest_thread(emu)
    listing = [i["id"] for i in emu.items(thread_id, order=order)]  # type: ignore[arg-type]
    start = listing[-3]
    pages = [
        [i.id for i in p.data]
        async for p in client.threads.list_items(
            thread_id, before=start, limit=limit, order=order
        ).pages()  # type: ignore[arg-type]
    ]
    got = [i for page in pages for i in page]
    assert sorted(got, key=listing.index) == listing[:-3]
    assert len(got) == len(set(got))
    for page in pages:
        assert page == sorted(page, key=listing.index)
    # Walking back, each page lies entirely before the previous one.
    for later, earlier in itertools.pairwise(pages):
        assert listing.index(earlier[-1]) < listing.index(later[0])
    assert all("after" not in r.query for r in emu.requests)


async def test_list_items_after_cursor_forward(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """Starting from after=X yields the items following X."""
    thread_id = biggest_thread(emu)
    listing = [i["id"] for i in emu.items(thread_id, order="asc")]
    got = [
        i.id async for i in client.threads.list_items(thread_id, after=listing[4], order="asc", limit=7)
    ]
    assert got == listing[5:]


async def test_every_item_type_is_served_and_decoded(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """The demo data holds all six item types and each decodes to its class with every field."""
    classes: set[str] = set()
    for thread in emu.threads():
        async for item in client.threads.list_items(thread["id"], limit=100):
            classes.add(type(item).__name__)
            assert not isinstance(item, UnknownItem)
    assert classes == {
        "UserMessageItem",
        "AssistantMessageItem",
        "WidgetItem",
        "ClientToolCallItem",
        "TaskItem",
        "TaskGroupItem",
    }


async def test_unknown_and_bare_item_types_over_the_wire(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """An unknown item type, the bare spelling and extra fields survive a real response."""
    thread = emu.add_thread(user="user_9")
    bare = emu.add_raw_item(
        thread["id"],
        {
            "object": "chatkit.thread_item",
            "thread_id": thread["id"],
            "type": "user_message",
            "content": [{"type": "input_text", "text": "hi"}],
            "attachments": [],
            "inference_options": None,
            "sentiment": "happy",
        },
    )
    odd = emu.add_raw_item(
        thread["id"],
        {"object": "chatkit.thread_item", "thread_id": thread["id"], "type": "chatkit.poll", "q": "?"},
    )
    normal = emu.add_item(thread["id"], "chatkit.widget")
    items = [i async for i in client.threads.list_items(thread["id"], order="asc")]
    assert [type(i) for i in items] == [UserMessageItem, UnknownItem, type(items[2])]
    assert items[0].extra == {"sentiment": "happy"} and items[0].type == "user_message"
    assert isinstance(items[1], UnknownItem) and items[1].raw == odd and items[1].type == "chatkit.poll"
    assert [to_dict(i) for i in items] == [bare, odd, normal]


async def test_unknown_thread_status_over_the_wire(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """A thread with a status type from the future decodes to UnknownStatus, not 'active'."""
    thread = emu.add_thread(status={"type": "archived", "archived_by": "admin"})
    got = await client.threads.retrieve(thread["id"])
    assert got.status == UnknownStatus(type="archived", raw={"type": "archived", "archived_by": "admin"})


# --- sessions --------------------------------------------------------------------------------


async def test_sessions_create_sends_every_parameter_and_cancel(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """create() sends the documented body and decodes the session; cancel() flips its status."""
    session = await client.sessions.create(
        user="user_42",
        workflow={
            "id": "wf_123",
            "version": "3",
            "state_variables": {"plan": "pro", "n": 2},
            "tracing": {"enabled": False},
        },
        chatkit_configuration={
            "history": {"enabled": False},
            "file_upload": {"enabled": True, "max_files": 3},
        },
        expires_after={"anchor": "created_at", "seconds": 120},
        rate_limits={"max_requests_per_1_minute": 30},
    )
    sent = orjson.loads(emu.requests[-1].body)
    assert sent == {
        "user": "user_42",
        "workflow": {
            "id": "wf_123",
            "version": "3",
            "state_variables": {"plan": "pro", "n": 2},
            "tracing": {"enabled": False},
        },
        "chatkit_configuration": {
            "history": {"enabled": False},
            "file_upload": {"enabled": True, "max_files": 3},
        },
        "expires_after": {"anchor": "created_at", "seconds": 120},
        "rate_limits": {"max_requests_per_1_minute": 30},
    }
    assert emu.requests[-1].header("content-type") == "application/json"
    assert isinstance(session, ChatSession)
    assert to_dict(session) == emu.sessions()[-1]
    assert session.status == "active" and session.user == "user_42"
    assert session.workflow.id == "wf_123" and session.workflow.version == "3"
    assert session.workflow.state_variables == {"plan": "pro", "n": 2}
    assert session.rate_limits.max_requests_per_1_minute == 30
    assert session.chatkit_configuration.history.enabled is False
    assert session.chatkit_configuration.file_upload.max_files == 3
    assert session.client_secret and session.client_secret not in repr(session)
    cancelled = await client.sessions.cancel(session.id)
    assert cancelled.id == session.id and cancelled.status == "cancelled"
    with pytest.raises(NotFoundError):
        await client.sessions.cancel("cksess_missing")


async def test_session_create_validates_before_sending(
    client: AsyncChatKit, emu: ChatKitEmulator
) -> None:
    """An empty user or a workflow without id is refused locally."""
    with pytest.raises(ValueError, match="user"):
        await client.sessions.create(user="", workflow={"id": "wf"})
    with pytest.raises(ValueError, match="workflow"):
        await client.sessions.create(user="u", workflow={})  # type: ignore[typeddict-item]
    assert emu.requests == []


# --- wire fidelity ----------------------------------------------------------------------------


async def test_every_emitted_body_round_trips(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """For every body the emulator emits on every endpoint, to_dict(parse(body, cls)) == body."""
    checked = 0

    def check(raw: APIResponse[Any], cls: Any) -> None:
        nonlocal checked
        body = orjson.loads(raw.content)
        assert to_dict(parse(raw.content, cls)) == body
        assert to_dict(raw.parse()) == body
        checked += 1

    for order in ("asc", "desc"):
        check(await client.threads.with_raw_response.list(limit=100, order=order), Page[Thread])  # type: ignore[arg-type]
    for served in emu.threads():
        check(await client.threads.with_raw_response.retrieve(served["id"]), Thread)
        check(
            await client.threads.with_raw_response.list_items(served["id"], limit=100), Page[ThreadItem]
        )
    session = await client.sessions.with_raw_response.create(user="u", workflow={"id": "wf"})
    check(session, ChatSession)
    check(await client.sessions.with_raw_response.cancel(session.parse().id), ChatSession)
    check(await client.threads.with_raw_response.delete(emu.threads()[0]["id"]), ThreadDeleted)
    assert checked == 2 + 2 * 12 + 3


async def test_raw_response_exposes_status_headers_and_request_id(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """with_raw_response gives the status, headers, request id and the lazily parsed model."""
    thread_id = emu.threads()[0]["id"]
    raw = await client.threads.with_raw_response.retrieve(thread_id)
    assert raw.status_code == 200
    assert raw.request_id == emu.requests[-1].request_id and raw.request_id.startswith("req_")
    assert raw.headers["X-Request-Id"] == raw.request_id
    assert raw.retries_taken == 0 and raw.method == "GET" and raw.url.endswith(thread_id)
    assert raw.parse() is raw.parse()
    assert raw.json()["id"] == thread_id
    page = await client.threads.with_raw_response.list_items(thread_id, limit=2)
    assert isinstance(page.parse(), Page)


async def test_headers_sent_with_every_request(emu: ChatKitEmulator) -> None:
    """Authorization, the beta header, organization, project, UA and default/extra headers are sent."""
    assert emu.api_key is not None
    async with AsyncChatKit(
        api_key=emu.api_key,
        base_url=emu.base_url,
        organization="org_1",
        project="proj_1",
        default_headers={"X-Team": "support"},
    ) as client:
        await client.threads.retrieve(emu.threads()[0]["id"], extra_headers={"X-Trace": "t1"})
    request = emu.requests[-1]
    assert request.header("authorization") == f"Bearer {emu.api_key}"
    assert request.header("openai-beta") == "chatkit_beta=v1"
    assert request.header("openai-organization") == "org_1"
    assert request.header("openai-project") == "proj_1"
    assert request.header("x-team") == "support" and request.header("x-trace") == "t1"
    assert (request.header("user-agent") or "").startswith("chatkit-async/")


async def test_extra_query_and_body_reach_the_server(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """extra_query is merged into the query string and extra_body into the JSON body."""
    await client.threads.list(extra_query={"include": "x"})
    assert emu.requests[-1].query["include"] == "x"
    await client.sessions.create(user="u", workflow={"id": "wf"}, extra_body={"note": "n"})
    assert orjson.loads(emu.requests[-1].body)["note"] == "n"


async def test_ids_are_percent_encoded(emu: ChatKitEmulator, client: AsyncChatKit) -> None:
    """Characters outside the unreserved set travel percent-encoded and reach the server intact."""
    thread = emu.add_thread(id="cthr_ünï+code:1")
    got = await client.threads.retrieve("cthr_ünï+code:1")
    assert got.id == thread["id"]
    assert emu.requests[-1].raw_path == "/v1/chatkit/threads/cthr_%C3%BCn%C3%AF%2Bcode%3A1"


@pytest.mark.parametrize("bad", ["", ".", "..", "a/b", "a?b", "a#b", "a%2Fb", "a b", "a\nb", "a\x00b"])
async def test_hostile_ids_are_refused_before_sending(
    client: AsyncChatKit, emu: ChatKitEmulator, bad: str
) -> None:
    """Path ids that could change the URL raise ValueError and nothing is sent."""
    with pytest.raises(ValueError):
        await client.threads.retrieve(bad)
    with pytest.raises(ValueError):
        await client.threads.delete(bad)
    with pytest.raises(ValueError):
        client.threads.list_items(bad)
    with pytest.raises(ValueError):
        await client.sessions.cancel(bad)
    assert emu.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"limit": 101},
        {"limit": -1},
        {"order": "up"},
        {"user": ""},
        {"user": "u" * 513},
        {"after": "a", "before": "b"},
    ],
)
async def test_bad_list_parameters_are_refused_before_sending(
    client: AsyncChatKit, emu: ChatKitEmulator, kwargs: dict[str, Any]
) -> None:
    """Out-of-range limit, a bad order, a bad user and both cursors raise ValueError at once."""
    with pytest.raises(ValueError):
        client.threads.list(**kwargs)
    assert emu.requests == []


# --- the loop guard ----------------------------------------------------------------------------


async def test_a_server_repeating_a_cursor_raises_instead_of_looping(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """A page whose last_id was already used as a cursor stops the walk with CursorLoopError."""
    thread = emu.threads()[0]
    stuck = {
        "object": "list",
        "data": [thread],
        "first_id": thread["id"],
        "last_id": thread["id"],
        "has_more": True,
    }
    emu.inject(FaultSpec(status=200, body=stuck, times=5))
    got: list[str] = []
    with pytest.raises(CursorLoopError, match="second time"):
        async for t in client.threads.list():
            got.append(t.id)
    assert got == [thread["id"], thread["id"]]
    assert len(emu.requests) == 2
    assert isinstance(CursorLoopError("x"), ChatKitError)


async def test_paging_stops_on_empty_page_or_missing_cursor(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """has_more=true with an empty page, or without last_id, ends the walk (no request storm)."""
    emu.inject(
        FaultSpec(
            status=200,
            body={"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": True},
        )
    )
    assert [t async for t in client.threads.list()] == []
    thread = emu.threads()[0]
    emu.inject(
        FaultSpec(
            status=200,
            body={
                "object": "list",
                "data": [thread],
                "first_id": None,
                "last_id": None,
                "has_more": True,
            },
        )
    )
    assert [t.id async for t in client.threads.list()] == [thread["id"]]
    assert len(emu.requests) == 2


# --- lifecycle ------------------------------------------------------------------------------


async def test_with_options_shares_the_pool_and_closing_it_leaves_the_original_open(
    emu: ChatKitEmulator, client: AsyncChatKit
) -> None:
    """A derived client overrides settings, shares connections, and its close() is its own."""
    derived = client.with_options(timeout=5, default_headers={"X-Derived": "1"})
    assert derived.timeout == 5.0 and client.timeout == 60.0
    await derived.threads.list(limit=1)
    assert emu.requests[-1].header("x-derived") == "1"
    await derived.close()
    assert derived.closed and not client.closed
    with pytest.raises(ClientClosedError):
        await derived.threads.list(limit=1)
    await client.threads.list(limit=1)
    assert emu.requests[-1].header("x-derived") is None


async def test_a_user_owned_session_is_never_closed(emu: ChatKitEmulator) -> None:
    """With session=..., the client uses it and leaves it open on close."""
    import aiohttp

    assert emu.api_key is not None
    async with aiohttp.ClientSession() as session:
        async with AsyncChatKit(api_key=emu.api_key, base_url=emu.base_url, session=session) as client:
            await client.threads.list(limit=1)
        assert not session.closed
        async with session.get(emu.base_url + "/chatkit/threads") as resp:
            assert resp.status == 401  # the session still works (no key on a bare request)


async def test_use_after_close_raises_clearly(client: AsyncChatKit) -> None:
    """Calls on a closed client raise ClientClosedError; closing twice is fine."""
    await client.close()
    await client.close()
    with pytest.raises(ClientClosedError, match="closed"):
        await client.threads.retrieve("cthr_1")
