"""The blocking ``ChatKit`` client end to end against the emulator, over real loopback HTTP."""

from __future__ import annotations

import asyncio
import gc
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import pytest

from chatkit_async import (
    APIConnectionError,
    APIResponse,
    APITimeoutError,
    AuthenticationError,
    ChatKit,
    ChatKitError,
    ChatSession,
    ClientClosedError,
    InternalServerError,
    NotFoundError,
    Page,
    RateLimitError,
    SyncPaginator,
    Thread,
    ThreadDeleted,
)
from chatkit_async.testing import ChatKitEmulator, FaultSpec

THREADS_PATH = "/v1/chatkit/threads"


@pytest.fixture
def emu(chatkit_emulator: ChatKitEmulator) -> ChatKitEmulator:
    """The started demo emulator (12 threads), with an empty request log."""
    chatkit_emulator.clear_requests()
    return chatkit_emulator


@pytest.fixture
def client(emu: ChatKitEmulator) -> Iterator[ChatKit]:
    """A blocking client on the emulator, closed at teardown."""
    with ChatKit(api_key=emu.api_key, base_url=emu.base_url, max_retries=0) as c:
        yield c


def desc_thread_ids(emu: ChatKitEmulator) -> list[str]:
    """The emulator's threads in the server's default (newest first) order."""
    return [t["id"] for t in reversed(emu.threads())]


def biggest_thread(emu: ChatKitEmulator) -> str:
    """The id of the demo thread with the most items (45)."""
    thread_id: str = max(emu.threads(), key=lambda t: len(emu.items(t["id"])))["id"]
    return thread_id


def wait_for_threads(expected: int, timeout: float = 5.0) -> int:
    """Wait until ``threading.active_count()`` drops to ``expected``; return the final count."""
    deadline = time.monotonic() + timeout
    while threading.active_count() > expected and time.monotonic() < deadline:
        time.sleep(0.01)
    return threading.active_count()


# --- construction and settings ---------------------------------------------------------------


def test_missing_key_is_a_clear_error_and_leaks_no_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without a key the constructor names OPENAI_API_KEY and stops its portal thread."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    before = threading.active_count()
    with pytest.raises(ChatKitError, match="OPENAI_API_KEY"):
        ChatKit()
    assert threading.active_count() == before


def test_bad_setting_raises_unchanged_and_leaks_no_thread() -> None:
    """A bad setting raises the core's ValueError in the caller; no thread is left behind."""
    before = threading.active_count()
    with pytest.raises(ValueError, match="max_retries"):
        ChatKit(api_key="sk-x", max_retries=-1)
    with pytest.raises(ValueError, match="base_url"):
        ChatKit(api_key="sk-x", base_url="ftp://example.com")
    assert threading.active_count() == before


def test_settings_and_environment_fallbacks(
    emu: ChatKitEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings come from keywords or the environment and reach the wire as headers."""
    monkeypatch.setenv("OPENAI_API_KEY", emu.api_key or "")
    monkeypatch.setenv("OPENAI_BASE_URL", emu.base_url + "/")
    monkeypatch.setenv("OPENAI_ORG_ID", "org_env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj_env")
    with ChatKit(timeout=7, max_retries=1, default_headers={"X-Extra": "yes"}) as c:
        assert c.api_key == emu.api_key
        assert c.base_url == emu.base_url
        assert c.organization == "org_env"
        assert c.project == "proj_env"
        assert c.timeout == 7.0
        assert c.max_retries == 1
        assert c.closed is False
        c.threads.retrieve(desc_thread_ids(emu)[0])
    request = emu.requests[-1]
    assert request.header("OpenAI-Organization") == "org_env"
    assert request.header("OpenAI-Project") == "proj_env"
    assert request.header("X-Extra") == "yes"
    assert request.header("OpenAI-Beta") == "chatkit_beta=v1"
    assert request.header("Authorization") == f"Bearer {emu.api_key}"


def test_repr_hides_the_key(client: ChatKit) -> None:
    """The repr shows the base URL and state, never the key."""
    text = repr(client)
    assert "ChatKit" in text and client.base_url in text
    assert client.api_key not in text
    assert "closed=False" in text


# --- threads ------------------------------------------------------------------------------------


def test_retrieve_returns_the_emulators_thread(client: ChatKit, emu: ChatKitEmulator) -> None:
    """retrieve decodes every field as the emulator serves it."""
    for served in emu.threads():
        thread = client.threads.retrieve(served["id"])
        assert isinstance(thread, Thread)
        assert thread.id == served["id"]
        assert thread.created_at == served["created_at"]
        assert thread.title == served["title"]
        assert thread.user == served["user"]
        assert thread.status.type == served["status"]["type"]
    assert [r.path for r in emu.requests] == [f"{THREADS_PATH}/{t['id']}" for t in emu.threads()]


def test_list_is_lazy_and_yields_every_thread(client: ChatKit, emu: ChatKitEmulator) -> None:
    """list sends nothing until iterated, then yields all threads in server order."""
    paginator = client.threads.list(limit=5)
    assert isinstance(paginator, SyncPaginator)
    assert emu.requests == []
    assert [t.id for t in paginator] == desc_thread_ids(emu)
    assert len(emu.requests) == math.ceil(12 / 5)
    queries = [r.query for r in emu.requests]
    assert queries[0] == {"limit": "5"}
    assert all("after" in q and "before" not in q for q in queries[1:])
    # Each iteration starts a fresh walk.
    assert len(list(paginator)) == 12


def test_list_filters_by_user_and_order(client: ChatKit, emu: ChatKitEmulator) -> None:
    """user and order reach the server and shape the result."""
    expected = [t["id"] for t in emu.threads() if t["user"] == "user_2"]
    got = list(client.threads.list(user="user_2", order="asc", limit=2))
    assert [t.id for t in got] == expected
    assert all(t.user == "user_2" for t in got)
    assert all(r.query["user"] == "user_2" and r.query["order"] == "asc" for r in emu.requests)


def test_break_after_first_item_makes_exactly_one_request(client: ChatKit, emu: ChatKitEmulator) -> None:
    """Breaking out after one item leaves no further request behind."""
    for thread in client.threads.list(limit=3):
        assert thread.id == desc_thread_ids(emu)[0]
        break
    gc.collect()
    assert len(emu.requests) == 1
    # The client is still perfectly usable afterwards.
    assert len(list(client.threads.list(limit=100))) == 12


def test_pages_are_lazy_and_carry_cursors(client: ChatKit, emu: ChatKitEmulator) -> None:
    """pages() yields Page objects one request at a time, following last_id."""
    pages = client.threads.list(limit=5).pages()
    assert emu.requests == []
    first = next(pages)
    assert isinstance(first, Page)
    assert len(emu.requests) == 1
    assert len(first.data) == 5 and first.has_more
    assert first.first_id == first.data[0].id and first.last_id == first.data[-1].id
    rest = list(pages)
    assert [len(p.data) for p in rest] == [5, 2]
    assert rest[-1].has_more is False
    assert emu.requests[1].query["after"] == first.last_id
    ids = [t.id for p in [first, *rest] for t in p.data]
    assert ids == desc_thread_ids(emu)


def test_backward_paging_from_before(client: ChatKit, emu: ChatKitEmulator) -> None:
    """A walk started with before=X continues with before=<first_id>, never both cursors."""
    asc = [t["id"] for t in emu.threads()]
    pages = list(client.threads.list(before=asc[6], order="asc", limit=2).pages())
    assert [[t.id for t in p.data] for p in pages] == [asc[4:6], asc[2:4], asc[0:2]]
    for request in emu.requests:
        assert "before" in request.query and "after" not in request.query


def test_max_items_caps_the_walk(client: ChatKit, emu: ChatKitEmulator) -> None:
    """max_items stops after that many items, without fetching pages it does not need."""
    got = list(client.threads.list(limit=5, max_items=7))
    assert [t.id for t in got] == desc_thread_ids(emu)[:7]
    assert len(emu.requests) == 2
    assert list(client.threads.list(max_items=0)) == []
    assert len(emu.requests) == 2


def test_first_page(client: ChatKit, emu: ChatKitEmulator) -> None:
    """first_page() fetches only the first page."""
    page = client.threads.list(limit=4).first_page()
    assert isinstance(page, Page)
    assert [t.id for t in page.data] == desc_thread_ids(emu)[:4]
    assert page.has_more is True
    assert len(emu.requests) == 1


def test_list_validates_before_sending(client: ChatKit, emu: ChatKitEmulator) -> None:
    """Out-of-range parameters raise ValueError at call time, before any request."""
    with pytest.raises(ValueError):
        client.threads.list(limit=101)
    with pytest.raises(ValueError):
        client.threads.list(after="cthr_a", before="cthr_b")
    with pytest.raises(ValueError):
        client.threads.list_items("../etc")
    with pytest.raises(ValueError):
        client.threads.retrieve("a/b")
    with pytest.raises(ValueError):
        client.threads.delete("")
    assert emu.requests == []


def test_list_items_walks_every_item(client: ChatKit, emu: ChatKitEmulator) -> None:
    """list_items yields the thread's 45 items across pages, newest first."""
    thread_id = biggest_thread(emu)
    expected = [i["id"] for i in emu.items(thread_id, order="desc")]
    assert len(expected) == 45
    items = list(client.threads.list_items(thread_id, limit=20))
    assert [i.id for i in items] == expected
    assert all(i.thread_id == thread_id for i in items)
    assert len(emu.requests) == 3
    assert {r.path for r in emu.requests} == {f"{THREADS_PATH}/{thread_id}/items"}
    page_sizes = [len(p.data) for p in client.threads.list_items(thread_id, limit=20).pages()]
    assert page_sizes == [20, 20, 5]
    asc = [i.id for i in client.threads.list_items(thread_id, order="asc", max_items=10)]
    assert asc == [i["id"] for i in emu.items(thread_id, order="asc")][:10]


def test_list_items_of_an_empty_thread(client: ChatKit, emu: ChatKitEmulator) -> None:
    """An empty thread yields nothing after one request."""
    empty = next(t["id"] for t in emu.threads() if not emu.items(t["id"]))
    assert list(client.threads.list_items(empty)) == []
    assert len(emu.requests) == 1


def test_delete(client: ChatKit, emu: ChatKitEmulator) -> None:
    """delete removes the thread on the server and returns the receipt."""
    victim = desc_thread_ids(emu)[3]
    deleted = client.threads.delete(victim)
    assert isinstance(deleted, ThreadDeleted)
    assert deleted.id == victim and deleted.deleted is True
    assert victim not in [t["id"] for t in emu.threads()]
    with pytest.raises(NotFoundError):
        client.threads.retrieve(victim)
    assert len(list(client.threads.list())) == 11


# --- sessions -----------------------------------------------------------------------------------


def test_sessions_create_and_cancel(client: ChatKit, emu: ChatKitEmulator) -> None:
    """create sends the body and returns the session; cancel marks it cancelled."""
    session = client.sessions.create(
        user="user_42",
        workflow={"id": "wf_123"},
        expires_after={"anchor": "created_at", "seconds": 120},
    )
    assert isinstance(session, ChatSession)
    assert session.user == "user_42"
    assert session.workflow.id == "wf_123"
    assert session.status == "active"
    assert [s["id"] for s in emu.sessions()] == [session.id]
    body = emu.requests[-1].json()
    assert body["user"] == "user_42" and body["workflow"] == {"id": "wf_123"}
    assert body["expires_after"] == {"anchor": "created_at", "seconds": 120}
    cancelled = client.sessions.cancel(session.id)
    assert cancelled.id == session.id
    assert cancelled.status == "cancelled"
    assert emu.sessions()[0]["status"] == "cancelled"
    with pytest.raises(ValueError):
        client.sessions.create(user="", workflow={"id": "wf_1"})


# --- raw responses ------------------------------------------------------------------------------


def test_raw_responses(client: ChatKit, emu: ChatKitEmulator) -> None:
    """with_raw_response returns APIResponse objects whose parse() gives the usual model."""
    ids = desc_thread_ids(emu)
    raw = client.threads.with_raw_response.retrieve(ids[0])
    assert isinstance(raw, APIResponse)
    assert raw.status_code == 200
    assert raw.request_id == emu.requests[-1].request_id
    assert raw.headers["x-request-id"] == raw.request_id
    assert raw.parse().id == ids[0]

    listed = client.threads.with_raw_response.list(limit=3, user="user_1")
    page = listed.parse()
    assert isinstance(page, Page)
    assert [t.id for t in page.data] == [
        t["id"] for t in reversed(emu.threads()) if t["user"] == "user_1"
    ][:3]
    assert emu.requests[-1].query == {"limit": "3", "user": "user_1"}

    thread_id = biggest_thread(emu)
    items = client.threads.with_raw_response.list_items(thread_id, limit=7).parse()
    assert len(items.data) == 7 and items.has_more

    deleted = client.threads.with_raw_response.delete(ids[1])
    assert deleted.status_code == 200 and deleted.parse().deleted is True

    created = client.sessions.with_raw_response.create(user="u", workflow={"id": "wf_1"})
    session = created.parse()
    assert isinstance(session, ChatSession)
    assert created.json()["id"] == session.id
    cancelled = client.sessions.with_raw_response.cancel(session.id)
    assert cancelled.parse().status == "cancelled"
    # The raw switch does not leak into later ordinary calls.
    assert isinstance(client.threads.retrieve(ids[0]), Thread)


# --- with_options -------------------------------------------------------------------------------


def test_with_options_overrides_and_shares_the_pool(client: ChatKit, emu: ChatKitEmulator) -> None:
    """A derived client has its own settings, the same portal and pool, and closes alone."""
    derived = client.with_options(timeout=3, default_headers={"X-Derived": "1"}, max_retries=1)
    assert derived.timeout == 3.0 and derived.max_retries == 1
    assert client.timeout != 3.0
    assert derived._portal is client._portal
    assert derived._async._transport is client._async._transport
    threads_before = threading.active_count()
    thread_id = desc_thread_ids(emu)[0]
    assert derived.threads.retrieve(thread_id).id == thread_id
    assert emu.requests[-1].header("X-Derived") == "1"
    client.threads.retrieve(thread_id)
    assert emu.requests[-1].header("X-Derived") is None
    assert threading.active_count() == threads_before  # no second loop thread

    derived.close()
    assert derived.closed and not client.closed
    with pytest.raises(ClientClosedError):
        derived.threads.retrieve(thread_id)
    assert client.threads.retrieve(thread_id).id == thread_id
    assert len(list(client.threads.list())) == 12


def test_closing_the_original_closes_derived_clients(emu: ChatKitEmulator) -> None:
    """Once the pool's owner is closed, a derived client refuses to work, clearly."""
    original = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    derived = original.with_options(max_retries=0)
    original.close()
    assert derived.closed
    with pytest.raises(ClientClosedError):
        derived.threads.retrieve("cthr_1")
    with pytest.raises(ClientClosedError):
        list(derived.threads.list())
    derived.close()  # harmless
    with pytest.raises(ClientClosedError):
        original.with_options(timeout=1)


# --- errors -------------------------------------------------------------------------------------


def test_status_errors_surface_with_their_class(client: ChatKit, emu: ChatKitEmulator) -> None:
    """Core exceptions reach the caller's thread unchanged: class, status and request id."""
    with pytest.raises(NotFoundError) as info:
        client.threads.retrieve("cthr_missing")
    assert type(info.value) is NotFoundError
    assert info.value.status_code == 404
    assert info.value.request_id == emu.requests[-1].request_id
    # The traceback leads back into the async core.
    frames = [frame.name for frame in info.traceback]
    assert "_request" in frames or "_send" in frames

    emu.inject(FaultSpec(status=500))
    with pytest.raises(InternalServerError):
        client.threads.retrieve(desc_thread_ids(emu)[0])

    emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "5"}))
    with pytest.raises(RateLimitError):
        client.threads.list().first_page()

    with ChatKit(api_key="sk-wrong", base_url=emu.base_url) as wrong:
        with pytest.raises(AuthenticationError):
            wrong.threads.retrieve("cthr_x")


def test_retries_work_through_the_facade(emu: ChatKitEmulator) -> None:
    """The core's retry loop runs on the portal: a 429 then a 200 is a success."""
    with ChatKit(api_key=emu.api_key, base_url=emu.base_url, max_retries=2) as c:
        emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "10"}, times=2))
        assert len(list(c.threads.list(limit=100))) == 12
    assert [r.status for r in emu.requests] == [429, 429, 200]


def test_connection_errors_and_timeouts(client: ChatKit, emu: ChatKitEmulator) -> None:
    """A dropped connection and a slow answer raise APIConnectionError / APITimeoutError."""
    # aiohttp itself retries an idempotent request once after a disconnect: drop both.
    emu.inject(FaultSpec(drop=True, times=2))
    with pytest.raises(APIConnectionError):
        client.threads.retrieve(desc_thread_ids(emu)[0])

    emu.inject(FaultSpec(delay=2.0))
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        client.threads.retrieve(desc_thread_ids(emu)[0], timeout=0.2)
    assert time.monotonic() - started < 1.5
    # The client is still usable afterwards.
    assert client.threads.retrieve(desc_thread_ids(emu)[0]).id == desc_thread_ids(emu)[0]


def test_error_mid_walk_surfaces_from_the_iterator(client: ChatKit, emu: ChatKitEmulator) -> None:
    """An error on page 2 is raised by next(); the pages already read stay valid."""
    pages = client.threads.list(limit=5).pages()
    first = next(pages)
    emu.inject(FaultSpec(status=500, path=THREADS_PATH))
    with pytest.raises(InternalServerError):
        next(pages)
    assert len(first.data) == 5


# --- threads, loops, lifetime -------------------------------------------------------------------


def test_works_in_a_thread_whose_loop_is_running(emu: ChatKitEmulator) -> None:
    """Called from inside a running event loop (as in Jupyter), the blocking client works."""

    async def notebook_cell() -> list[str]:
        asyncio.get_running_loop()  # a loop is running in this very thread
        with ChatKit(api_key=emu.api_key, base_url=emu.base_url) as c:
            thread = c.threads.retrieve(desc_thread_ids(emu)[0])
            return [thread.id, *(t.id for t in c.threads.list(limit=4))]

    got = asyncio.run(notebook_cell())
    assert got == [desc_thread_ids(emu)[0], *desc_thread_ids(emu)]


def test_shared_by_eight_threads(client: ChatKit, emu: ChatKitEmulator) -> None:
    """Eight threads share one client at once; every answer is right."""
    threads = emu.threads()
    expected_items = {t["id"]: [i["id"] for i in emu.items(t["id"], order="desc")] for t in threads}
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        barrier.wait()
        for round_ in range(3):
            served = threads[(n + round_) % len(threads)]
            assert client.threads.retrieve(served["id"]).title == served["title"]
            ids = [i.id for i in client.threads.list_items(served["id"], limit=7)]
            assert ids == expected_items[served["id"]]
            assert [t.id for t in client.threads.list(limit=5)] == desc_thread_ids(emu)

    with ThreadPoolExecutor(max_workers=8) as pool:
        for future in [pool.submit(worker, n) for n in range(8)]:
            future.result(timeout=60)
    assert all(r.status == 200 for r in emu.requests)


def test_close_joins_the_portal_thread(emu: ChatKitEmulator) -> None:
    """close() leaves no thread behind, even after heavy use; closing twice is harmless."""
    before = threading.active_count()
    c = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    assert threading.active_count() == before + 1
    assert len(list(c.threads.list(limit=2))) == 12
    c.with_options(timeout=5).threads.retrieve(desc_thread_ids(emu)[0])
    c.close()
    assert threading.active_count() == before
    assert c.closed
    c.close()
    assert "closed=True" in repr(c)


def test_use_after_close_raises_client_closed_error(emu: ChatKitEmulator) -> None:
    """Every call after close() raises ClientClosedError, a ChatKitError, without I/O."""
    c = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    paginator = c.threads.list(limit=5)
    pages = paginator.pages()
    next(pages)
    c.close()
    emu.clear_requests()
    calls: list[Callable[[], object]] = [
        lambda: c.threads.retrieve("cthr_1"),
        lambda: c.threads.delete("cthr_1"),
        lambda: list(c.threads.list()),
        lambda: list(c.threads.list_items("cthr_1")),
        lambda: c.threads.list().first_page(),
        lambda: c.threads.with_raw_response.retrieve("cthr_1"),
        lambda: c.sessions.create(user="u", workflow={"id": "wf"}),
        lambda: c.sessions.with_raw_response.cancel("cksess_1"),
        lambda: next(pages),
        lambda: list(paginator),
        lambda: c.with_options(timeout=1),
    ]
    for call in calls:
        with pytest.raises(ClientClosedError, match="closed"):
            call()
    assert issubclass(ClientClosedError, ChatKitError)
    with pytest.raises(ClientClosedError):
        with c:
            pass
    assert emu.requests == []


def test_close_lets_running_calls_finish(emu: ChatKitEmulator) -> None:
    """close() from one thread waits for another thread's request in flight, then shuts down."""
    before = threading.active_count()
    c = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    thread_id = desc_thread_ids(emu)[0]
    emu.inject(FaultSpec(delay=0.3))
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(c.threads.retrieve, thread_id)
        deadline = time.monotonic() + 5
        while not emu.requests and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        c.close()
        assert future.result(timeout=10).id == thread_id
    assert wait_for_threads(before) == before


def test_keyboard_interrupt_cancels_the_request(emu: ChatKitEmulator) -> None:
    """Ctrl-C while waiting raises KeyboardInterrupt in the caller and cancels the request."""
    before = threading.active_count()
    c = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    emu.inject(FaultSpec(delay=3.0))
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.2, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
    try:
        timer.start()
        started = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            c.threads.retrieve(desc_thread_ids(emu)[0])
        assert time.monotonic() - started < 2.0
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    # The client survives the interruption...
    assert c.threads.retrieve(desc_thread_ids(emu)[1]).id == desc_thread_ids(emu)[1]
    # ...and close() is quick: the abandoned request was cancelled, not awaited.
    started = time.monotonic()
    c.close()
    assert time.monotonic() - started < 2.0
    assert wait_for_threads(before) == before


def test_abandoned_iterators_are_collected_cleanly(client: ChatKit, emu: ChatKitEmulator) -> None:
    """Dropping half-read iterators leaves no warning and no extra request."""
    items = iter(client.threads.list_items(biggest_thread(emu), limit=10))
    next(items)
    pages = client.threads.list(limit=2).pages()
    next(pages)
    del items, pages
    gc.collect()
    assert len(emu.requests) == 2


def test_forgotten_client_is_closed_when_collected(emu: ChatKitEmulator) -> None:
    """A client dropped without close() is closed by the garbage collector: no thread left."""
    before = threading.active_count()
    c = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    assert c.threads.retrieve(desc_thread_ids(emu)[0]).id == desc_thread_ids(emu)[0]
    del c
    gc.collect()
    assert wait_for_threads(before) == before


def test_paginator_keeps_a_temporary_client_alive(emu: ChatKitEmulator) -> None:
    """Iterating ChatKit(...).threads.list() works although nothing else holds the client."""
    before = threading.active_count()
    walk = iter(ChatKit(api_key=emu.api_key, base_url=emu.base_url).threads.list(limit=5))
    gc.collect()
    assert [t.id for t in walk] == desc_thread_ids(emu)
    del walk
    gc.collect()
    assert wait_for_threads(before) == before


def test_portal_closed_from_its_own_thread_hands_off_the_join() -> None:
    """A close that runs on the loop thread (as a GC finalizer might) still joins that thread."""
    from chatkit_async._portal import Portal

    before = threading.active_count()
    portal = Portal()
    closed_on_loop: list[bool] = []

    async def final() -> None:
        closed_on_loop.append(portal.in_loop_thread())

    portal.run_sync(partial(portal.close, final))
    assert portal.closed
    assert wait_for_threads(before) == before
    assert closed_on_loop == [True]
    with pytest.raises(ClientClosedError):
        portal.run_sync(time.monotonic)


@pytest.mark.timeout(20)
def test_the_sync_client_refuses_use_from_its_own_loop(chatkit_emulator: ChatKitEmulator) -> None:
    """A ChatKit call made by code running on that client's loop raises instead of hanging."""
    with ChatKit(api_key=chatkit_emulator.api_key, base_url=chatkit_emulator.base_url) as client:
        thread_id = chatkit_emulator.threads()[0]["id"]
        with pytest.raises(RuntimeError, match="AsyncChatKit"):
            client._portal.run_sync(partial(client.threads.retrieve, thread_id))
        assert client.threads.retrieve(thread_id).id == thread_id
