"""The bulk jobs as a library, run against the emulator over real loopback HTTP.

Each test compares what a job wrote (an export file, a mirror database) with the emulator's own
data, and what it sent with the emulator's request log: export (exactly once, resume after an
outage, a torn last line, a stream), mirror (the contract's schema, exact copies, nothing
refetched or rewritten, removals, prune, one user's scope, chunked commits, faults), purge (never
another user's thread), and adaptive concurrency against the emulator's rate limit.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bulk_helpers import (
    THREADS_PATH,
    check_mirror,
    connect,
    expected_records,
    items_path,
    mirror_state,
    read_records,
    sha256,
)

from chatkit_async import APIConnectionError, AsyncChatKit, ChatKit, InternalServerError
from chatkit_async.bulk import (
    CHUNK_ITEMS,
    ExportFileError,
    JobInterrupted,
    JobProgress,
    MirrorDatabaseError,
    export,
    export_sync,
    mirror,
    mirror_sync,
    partial_path,
    purge_user,
    purge_user_sync,
)
from chatkit_async.testing import ChatKitEmulator, FaultSpec

KEY = "sk-bulk-test-0f3c9a"


def add_odd_data(emu: ChatKitEmulator) -> None:
    """A three-page thread, an unknown status, an unknown item type and extra fields."""
    long_thread = emu.add_thread(user="user_2", title="Long one")
    emu.add_items(long_thread["id"], 230)
    odd = emu.add_raw_thread(
        {
            "object": "chatkit.thread",
            "title": None,
            "status": {"type": "archived", "by": "x"},
            "user": "user_1",
            "labels": ["vip"],
        }
    )
    emu.add_raw_item(
        odd["id"],
        {
            "type": "chatkit.hologram",
            "object": "chatkit.thread_item",
            "thread_id": odd["id"],
            "beam": [1, 2, 3],
        },
    )


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    emulator = ChatKitEmulator(api_key=KEY)
    add_odd_data(emulator)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def client_for(emu: ChatKitEmulator, *, max_retries: int = 0) -> AsyncChatKit:
    return AsyncChatKit(api_key=KEY, base_url=emu.base_url, max_retries=max_retries)


def listing_requests(emu: ChatKitEmulator) -> list[Any]:
    return [r for r in emu.requests if r.method == "GET" and r.path == THREADS_PATH]


def item_requests(emu: ChatKitEmulator) -> list[Any]:
    return [r for r in emu.requests if r.path.endswith("/items")]


# --- export -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_export_writes_each_thread_once_and_counts_every_request(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    """The file is the account in wire form; the report's requests are the requests served."""
    out = tmp_path / "all.jsonl"
    events: list[JobProgress] = []
    emu.clear_requests()
    async with client_for(emu) as client:
        report = await export(client, out, concurrency=4, progress=events.append)
    expected = expected_records(emu)
    assert read_records(out) == expected
    assert not partial_path(out).exists()
    assert report.complete and report.path == out
    assert (report.threads, report.items, report.kept) == (
        len(expected),
        sum(len(r["items"]) for r in expected),
        0,
    )
    assert report.requests == len(emu.requests) and report.rate_limited == 0
    assert events[-1].threads_done == len(expected) and events[-1].threads_total == len(expected)
    assert all(e.job == "export" for e in events)


@pytest.mark.anyio
async def test_an_outage_keeps_the_complete_lines_and_resume_finishes(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    """An outage longer than the retries stops the export with JobInterrupted; the partial file
    holds exactly the threads written before, and resume fetches only the others."""
    out = tmp_path / "export.jsonl"
    out.write_bytes(b"previous\n")
    threads = emu.threads()
    victim = threads[6]["id"]
    emu.inject(FaultSpec(drop=True, path=items_path(victim), times=20))
    async with client_for(emu, max_retries=2) as client:
        with pytest.raises(JobInterrupted) as caught:
            await export(client, out, concurrency=1)
    interrupted = caught.value
    assert isinstance(interrupted.cause, APIConnectionError)
    assert interrupted.__cause__ is interrupted.cause
    assert interrupted.partial_path == partial_path(out)
    assert not interrupted.report.complete
    assert out.read_bytes() == b"previous\n"  # the destination is never half-written
    kept = read_records(partial_path(out))
    assert kept == expected_records(emu)[:6]  # concurrency 1: every thread before the victim
    assert interrupted.report.threads == 6

    emu.clear_faults()
    emu.clear_requests()
    async with client_for(emu) as client:
        report = await export(client, out, resume=True)
    assert read_records(out) == expected_records(emu)
    assert not partial_path(out).exists()
    assert (report.kept, report.threads) == (6, len(threads) - 6)
    refetched = {r.path for r in item_requests(emu)}
    assert refetched == {items_path(t["id"]) for t in threads[6:]}


@pytest.mark.anyio
async def test_resume_drops_a_torn_last_line(emu: ChatKitEmulator, tmp_path: Path) -> None:
    """A line cut short by a kill mid-write is dropped and its thread exported again."""
    out = tmp_path / "export.jsonl"
    expected = expected_records(emu)
    lines = [json.dumps(r, separators=(",", ":")).encode() + b"\n" for r in expected[:3]]
    torn = json.dumps(expected[3]).encode()[:40]
    partial_path(out).write_bytes(b"".join(lines) + torn)
    emu.clear_requests()
    async with client_for(emu) as client:
        report = await export(client, out, resume=True)
    assert read_records(out) == expected
    assert report.kept == 3 and report.threads == len(expected) - 3
    assert items_path(expected[3]["thread"]["id"]) in {r.path for r in item_requests(emu)}
    assert items_path(expected[0]["thread"]["id"]) not in {r.path for r in item_requests(emu)}


@pytest.mark.anyio
async def test_resume_refuses_a_file_that_is_not_an_export(emu: ChatKitEmulator, tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    partial_path(out).write_bytes(b'{"thread": {"id": "cthr_1"}, "items": []}\nnot json\n{"a": 1}\n')
    async with client_for(emu) as client:
        with pytest.raises(ExportFileError, match="line 2"):
            await export(client, out, resume=True)
    assert partial_path(out).read_bytes().endswith(b'{"a": 1}\n')  # left as it was


@pytest.mark.anyio
async def test_export_to_a_stream(emu: ChatKitEmulator) -> None:
    stream = io.BytesIO()
    async with client_for(emu) as client:
        report = await export(client, stream, order="desc", concurrency=3)
        with pytest.raises(ValueError, match="resume"):
            await export(client, io.BytesIO(), resume=True)
        with pytest.raises(ValueError, match="concurrency"):
            await export(client, io.BytesIO(), concurrency=0)
    assert report.path is None
    assert [json.loads(line) for line in stream.getvalue().splitlines()] == expected_records(emu)[::-1]


@pytest.mark.anyio
async def test_a_users_export_holds_only_that_user_even_if_the_server_ignores_the_filter(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    everyone = emu.threads()
    page = {"object": "list", "data": everyone, "first_id": everyone[0]["id"],
            "last_id": everyone[-1]["id"], "has_more": False}
    emu.inject(FaultSpec(body=page, path=THREADS_PATH, method="GET"))
    out = tmp_path / "user_3.jsonl"
    async with client_for(emu) as client:
        await export(client, out, user="user_3")
    assert read_records(out) == expected_records(emu, user="user_3")


@pytest.mark.anyio
@pytest.mark.skipif(os.name != "posix", reason="flock")
async def test_two_exports_cannot_write_the_same_file(emu: ChatKitEmulator, tmp_path: Path) -> None:
    import fcntl

    out = tmp_path / "export.jsonl"
    with partial_path(out).open("wb") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        async with client_for(emu) as client:
            with pytest.raises(ExportFileError, match="another export"):
                await export(client, out)
    assert not out.exists()


def test_export_sync_from_a_blocking_client(emu: ChatKitEmulator, tmp_path: Path) -> None:
    out = tmp_path / "sync.jsonl"
    with ChatKit(api_key=KEY, base_url=emu.base_url) as client:
        report = export_sync(client, out, concurrency=2)
    assert read_records(out) == expected_records(emu)
    assert report.complete and report.threads == len(emu.threads())


# --- mirror -------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_mirror_schema_is_the_contract(emu: ChatKitEmulator, tmp_path: Path) -> None:
    """Column names, types, NOT NULL and primary keys exactly as API.md fixes them."""
    db = tmp_path / "m.db"
    async with client_for(emu) as client:
        await mirror(client, db)
    with connect(db) as con:
        columns = {
            table: [(c[1], c[2], c[3], c[5]) for c in con.execute(f"PRAGMA table_info({table})")]
            for table in ("threads", "items")
        }
    assert columns["threads"] == [
        ("id", "TEXT", 0, 1),
        ("created_at", "INTEGER", 1, 0),
        ("user", "TEXT", 1, 0),
        ("title", "TEXT", 0, 0),
        ("status", "TEXT", 1, 0),
        ("data", "TEXT", 1, 0),
        ("removed_at", "INTEGER", 0, 0),
    ]
    assert columns["items"] == [
        ("id", "TEXT", 0, 1),
        ("thread_id", "TEXT", 1, 0),
        ("created_at", "INTEGER", 1, 0),
        ("type", "TEXT", 1, 0),
        ("data", "TEXT", 1, 0),
    ]


@pytest.mark.anyio
async def test_mirror_copies_the_account_exactly(emu: ChatKitEmulator, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    emu.clear_requests()
    async with client_for(emu) as client:
        report = await mirror(client, db, concurrency=4)
    counts = check_mirror(db, emu, complete=True)
    total = sum(len(emu.items(t["id"])) for t in emu.threads())
    assert sum(counts.values()) == total
    assert report.complete and report.threads_seen == report.threads_new == len(emu.threads())
    assert report.items_added == total and report.threads_removed == 0
    assert report.requests == len(emu.requests)
    with connect(db) as con:
        status, data = con.execute(
            "SELECT status, data FROM threads WHERE json_extract(data, '$.labels') IS NOT NULL"
        ).fetchone()
        (hologram,) = con.execute("SELECT data FROM items WHERE type = 'chatkit.hologram'").fetchone()
    assert status == "archived" and json.loads(data)["labels"] == ["vip"]
    assert json.loads(hologram)["beam"] == [1, 2, 3]


@pytest.mark.anyio
async def test_an_unchanged_account_costs_one_items_request_per_thread_and_writes_nothing(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    async with client_for(emu) as client:
        await mirror(client, db)
        before, digest = mirror_state(db), sha256(db)
        emu.clear_requests()
        again = await mirror(client, db)
    assert mirror_state(db) == before and sha256(db) == digest
    assert again.rows_written == 0
    assert (again.threads_new, again.threads_changed, again.items_added) == (0, 0, 0)
    threads = emu.threads()
    assert len(listing_requests(emu)) == 1 and len(item_requests(emu)) == len(threads)
    assert again.requests == len(emu.requests) == 1 + len(threads)
    for request in item_requests(emu):
        thread_id = request.path.split("/")[-2]
        items = emu.items(thread_id, order="asc")
        assert request.query.get("after") == (items[-1]["id"] if items else None)
        assert request.query.get("order") == "asc"


@pytest.mark.anyio
async def test_a_later_run_fetches_only_what_is_new(emu: ChatKitEmulator, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    async with client_for(emu) as client:
        await mirror(client, db)
        grown = emu.threads()[0]["id"]
        last = emu.items(grown, order="asc")[-1]["id"]
        emu.add_items(grown, 150)
        fresh = emu.add_thread(user="user_9", title="new")
        emu.add_items(fresh["id"], 7)
        emu.clear_requests()
        report = await mirror(client, db)
    check_mirror(db, emu, complete=True)
    assert (report.threads_new, report.threads_changed, report.items_added) == (1, 0, 157)
    grown_requests = [r for r in item_requests(emu) if r.path == items_path(grown)]
    assert grown_requests[0].query.get("after") == last
    assert len(grown_requests) == 2  # 150 new items: two pages, nothing before them
    assert [r.query.get("after") for r in item_requests(emu) if r.path == items_path(fresh["id"])] == [
        None
    ]


@pytest.mark.anyio
async def test_gone_threads_are_marked_then_pruned_and_a_changed_thread_is_updated(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    threads = emu.threads()
    gone = threads[2]["id"]
    gone_items = len(emu.items(gone))
    assert gone_items > 0
    async with client_for(emu) as client:
        await mirror(client, db)
        await client.threads.delete(gone)
        marked = await mirror(client, db)
        with connect(db) as con:
            (removed_at,) = con.execute(
                "SELECT removed_at FROM threads WHERE id = ?", (gone,)
            ).fetchone()
            (kept_items,) = con.execute(
                "SELECT count(*) FROM items WHERE thread_id = ?", (gone,)
            ).fetchone()
        assert marked.threads_removed == 1 and removed_at is not None
        assert kept_items == gone_items  # marked, not deleted: its items are kept

        # A listing that shows a thread with a new title: the row is updated, nothing else.
        renamed = dict(threads[0], title="Renamed")
        rest = [t for t in emu.threads() if t["id"] != renamed["id"]]
        page = {"object": "list", "data": [renamed, *rest], "first_id": renamed["id"],
                "last_id": rest[-1]["id"], "has_more": False}
        emu.inject(FaultSpec(body=page, path=THREADS_PATH, method="GET"))
        changed = await mirror(client, db)
        assert (changed.threads_changed, changed.threads_new, changed.items_added) == (1, 0, 0)
        with connect(db) as con:
            title, data = con.execute(
                "SELECT title, data FROM threads WHERE id = ?", (renamed["id"],)
            ).fetchone()
        assert title == "Renamed" and json.loads(data) == renamed

        pruned = await mirror(client, db, prune=True)
    assert pruned.threads_pruned == 1 and pruned.threads_removed == 0
    assert pruned.threads_changed == 1  # the title is back to the server's
    with connect(db) as con:
        assert con.execute("SELECT count(*) FROM threads WHERE id = ?", (gone,)).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM items WHERE thread_id = ?", (gone,)).fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM mirror_cursors WHERE thread_id = ?", (gone,)
        ).fetchone() == (0,)
    check_mirror(db, emu, complete=True)


@pytest.mark.anyio
async def test_a_users_mirror_stores_and_removes_only_that_users_threads(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    async with client_for(emu) as client:
        await mirror(client, db)  # everyone
        other = next(t for t in emu.threads() if t["user"] == "user_1")["id"]
        own = next(t for t in emu.threads() if t["user"] == "user_2")["id"]
        await client.threads.delete(other)
        await client.threads.delete(own)
        emu.clear_requests()
        report = await mirror(client, db, user="user_2")
        assert report.threads_removed == 1
        assert {r.query.get("user") for r in listing_requests(emu)} == {"user_2"}
        with connect(db) as con:
            removed = dict(con.execute("SELECT id, removed_at FROM threads WHERE id IN (?, ?)",
                                       (own, other)))
        assert removed[own] is not None and removed[other] is None  # user_1 is not in scope

        only = tmp_path / "only.db"
        page_of_everyone = {"object": "list", "data": emu.threads(), "has_more": False,
                            "first_id": emu.threads()[0]["id"], "last_id": emu.threads()[-1]["id"]}
        emu.inject(FaultSpec(body=page_of_everyone, path=THREADS_PATH, method="GET"))
        await mirror(client, only, user="user_2")
    check_mirror(only, emu, complete=True, user="user_2")


@pytest.mark.anyio
async def test_a_mirror_through_faults_is_exact_and_counts_every_request(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    """429s and 5xx on a third of the requests: the copy is still exact, and the report counts
    what the emulator served, refusals included."""
    db = tmp_path / "m.db"
    emu.clear_requests()
    emu.inject_random_faults(rate=0.3, seed=7, kinds=("429", "500", "503"), retry_after_ms=2)
    async with client_for(emu, max_retries=8) as client:
        report = await mirror(client, db, concurrency=4)
    emu.clear_faults()
    check_mirror(db, emu, complete=True)
    served = emu.requests
    assert report.requests == len(served)
    assert report.rate_limited == sum(1 for r in served if r.status == 429) > 0
    assert report.retried == sum(1 for r in served if r.status >= 500) > 0


@pytest.mark.anyio
async def test_an_interrupted_mirror_is_consistent_and_the_next_run_refetches_nothing_committed(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    threads = emu.threads()
    victim = threads[5]["id"]
    emu.inject(FaultSpec(status=500, path=items_path(victim), times=10))
    async with client_for(emu, max_retries=1) as client:
        with pytest.raises(JobInterrupted) as caught:
            await mirror(client, db, concurrency=1)
        assert isinstance(caught.value.cause, InternalServerError)
        assert not caught.value.report.complete
        counts = check_mirror(db, emu, complete=False)
        committed = {t for t, n in counts.items() if n == len(emu.items(t))}
        assert victim not in counts and len(committed) >= 5
        emu.clear_faults()
        emu.clear_requests()
        report = await mirror(client, db)
    check_mirror(db, emu, complete=True)
    assert report.complete and report.threads_removed == 0
    for request in item_requests(emu):
        thread_id = request.path.split("/")[-2]
        if thread_id in committed and counts[thread_id]:
            # What was committed is never fetched again: only what follows its last item.
            assert request.query.get("after") == emu.items(thread_id, order="asc")[-1]["id"]


@pytest.mark.anyio
async def test_a_huge_thread_is_committed_in_chunks_and_continued(tmp_path: Path) -> None:
    """A thread of 2,500 items cut off after 20 pages holds exactly its first two chunks; the
    next run fetches the rest after them."""
    db = tmp_path / "m.db"
    async with ChatKitEmulator(api_key=KEY, demo=False) as emu:
        big = emu.add_thread(user="user_1", title="big")["id"]
        emu.add_items(big, 2500)
        pages_before_the_cut = 2 * CHUNK_ITEMS // 100
        emu.inject(
            *[FaultSpec(headers={"x-pass": "1"}, path=items_path(big))] * pages_before_the_cut,
            FaultSpec(status=503, path=items_path(big), times=5),
        )
        async with client_for(emu) as client:
            with pytest.raises(JobInterrupted):
                await mirror(client, db)
            counts = check_mirror(db, emu, complete=False)
            assert counts == {big: 2 * CHUNK_ITEMS}
            emu.clear_faults()
            emu.clear_requests()
            report = await mirror(client, db)
        check_mirror(db, emu, complete=True)
        assert report.items_added == 500 and report.threads_new == 0
        afters = [r.query.get("after") for r in item_requests(emu)]
        assert afters[0] == emu.items(big, order="asc")[2 * CHUNK_ITEMS - 1]["id"]
        assert len(afters) == 5


@pytest.mark.anyio
async def test_full_refetches_everything_and_rewrites_nothing(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    db = tmp_path / "m.db"
    async with client_for(emu) as client:
        await mirror(client, db)
        before = mirror_state(db)
        emu.clear_requests()
        report = await mirror(client, db, full=True)
    assert mirror_state(db) == before and report.rows_written == 0
    assert (report.items_added, report.items_updated) == (0, 0)
    first_pages = sorted(r.path for r in item_requests(emu) if r.query.get("after") is None)
    assert first_pages == sorted(items_path(t["id"]) for t in emu.threads())
    pages = sum(max(1, -(-len(emu.items(t["id"])) // 100)) for t in emu.threads())
    assert len(item_requests(emu)) == pages  # every item fetched again, from the start


@pytest.mark.anyio
async def test_mirror_refuses_files_that_are_not_mirrors(emu: ChatKitEmulator, tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello\n" * 100)
    other = tmp_path / "other.db"
    with connect(other) as con:
        con.execute("CREATE TABLE invoices (id INTEGER)")
    digests = {p: sha256(p) for p in (text, other)}
    async with client_for(emu) as client:
        with pytest.raises(MirrorDatabaseError, match="not a SQLite database"):
            await mirror(client, text)
        with pytest.raises(MirrorDatabaseError, match="not a chatkit-async mirror"):
            await mirror(client, other)
        with pytest.raises(MirrorDatabaseError, match="does not exist"):
            await mirror(client, tmp_path / "missing" / "m.db")
    assert {p: sha256(p) for p in digests} == digests
    assert emu.requests == []


def test_mirror_sync_from_a_blocking_client(emu: ChatKitEmulator, tmp_path: Path) -> None:
    db = tmp_path / "sync.db"
    with ChatKit(api_key=KEY, base_url=emu.base_url) as client:
        report = mirror_sync(client, db, concurrency=3)
    check_mirror(db, emu, complete=True)
    assert report.threads_new == len(emu.threads())


# --- purge --------------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_purge_never_deletes_another_users_thread_even_if_the_listing_returns_it(
    emu: ChatKitEmulator,
) -> None:
    everyone = emu.threads()
    victims = [t["id"] for t in everyone if t["user"] == "user_1"]
    page = {"object": "list", "data": everyone, "first_id": everyone[0]["id"],
            "last_id": everyone[-1]["id"], "has_more": False}
    emu.inject(FaultSpec(body=page, path=THREADS_PATH, method="GET"))
    async with client_for(emu) as client:
        report = await purge_user(client, "user_1", concurrency=3)
    assert list(report.deleted) == victims
    assert report.ignored == len(everyone) - len(victims)
    deleted = [r.path.rsplit("/", 1)[1] for r in emu.requests if r.method == "DELETE"]
    assert sorted(deleted) == sorted(victims)
    assert [t["id"] for t in emu.threads()] == [t["id"] for t in everyone if t["user"] != "user_1"]


@pytest.mark.anyio
async def test_purge_counts_a_retried_delete_answering_404_as_deleted(emu: ChatKitEmulator) -> None:
    """The first attempt deleted the thread but its answer was a 500: the retry's 404 means done."""
    victims = [t["id"] for t in emu.threads() if t["user"] == "user_3"]
    emu.inject(FaultSpec(status=500, after=True, method="DELETE", path=f"{THREADS_PATH}/{victims[0]}"))
    async with client_for(emu, max_retries=2) as client:
        await client.threads.delete(victims[1])  # gone before the purge: "already gone"
        report = await purge_user(client, "user_3")
    assert victims[0] in report.deleted and victims[1] not in report.deleted
    assert report.failed == () and report.retried == 1
    assert all(t["user"] != "user_3" for t in emu.threads())


@pytest.mark.anyio
async def test_purge_dry_run_and_declined_confirmation_delete_nothing(emu: ChatKitEmulator) -> None:
    victims = [t["id"] for t in emu.threads() if t["user"] == "user_2"]
    asked: list[int] = []

    async def decline(threads: Any) -> bool:
        asked.append(len(threads))
        return False

    async with client_for(emu) as client:
        dry = await purge_user(client, "user_2", dry_run=True)
        declined = await purge_user(client, "user_2", confirm=decline)
        with pytest.raises(ValueError):
            await purge_user(client, "")
    assert [t.id for t in dry.matched] == victims and dry.deleted == ()
    assert not declined.confirmed and declined.deleted == () and asked == [len(victims)]
    assert not [r for r in emu.requests if r.method == "DELETE"]


def test_purge_user_sync(emu: ChatKitEmulator) -> None:
    victims = [t["id"] for t in emu.threads() if t["user"] == "user_2"]
    with ChatKit(api_key=KEY, base_url=emu.base_url) as client:
        report = purge_user_sync(client, "user_2", confirm=lambda threads: len(threads) == len(victims))
    assert list(report.deleted) == victims


# --- adaptive concurrency -----------------------------------------------------------------------


@pytest.mark.anyio
async def test_jobs_ride_the_rate_limit(tmp_path: Path) -> None:
    """Against a rate limit with a small burst, the window shrinks on the first 429s and grows
    back, 429s stay at most 5% of the requests, and the mirror and the export are exact."""
    async with ChatKitEmulator(api_key=KEY, demo=False, rate_limit=400, rate_limit_burst=6) as emu:
        for n in range(300):
            thread = emu.add_thread(user=f"user_{n % 3}")
            emu.add_items(thread["id"], n % 5)
        async with client_for(emu) as client:
            db = tmp_path / "m.db"
            mirrored = await mirror(client, db, concurrency=8)
            out = tmp_path / "e.jsonl"
            exported = await export(client, out, concurrency=8)
        check_mirror(db, emu, complete=True)
        assert read_records(out) == expected_records(emu)
        assert emu.rate_limited == mirrored.rate_limited + exported.rate_limited
    for report in (mirrored, exported):
        assert report.rate_limited >= 1
        assert report.rate_limited <= 0.05 * report.requests
        trace = report.concurrency_trace
        lowest = trace.index(min(trace))
        assert min(trace) < 8 and max(trace[lowest:]) > min(trace)


# --- cancellation (what Ctrl-C does to a blocking call: the portal cancels the task) -----------


@pytest.mark.anyio
async def test_a_cancelled_mirror_ends_its_transaction_and_a_cancelled_export_keeps_its_lines(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    threads = emu.threads()
    stuck = threads[6]["id"]
    db = tmp_path / "m.db"
    out = tmp_path / "e.jsonl"
    six_done = asyncio.Event()

    def watch(event: JobProgress) -> None:
        if event.threads_done == 6:
            six_done.set()  # the next thread is the stuck one

    async with client_for(emu) as client:
        emu.inject(FaultSpec(delay=60, path=items_path(stuck)))
        job = asyncio.ensure_future(mirror(client, db, concurrency=1, progress=watch))
        await six_done.wait()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        counts = check_mirror(db, emu, complete=False)
        assert set(counts) == {t["id"] for t in threads[:6]}

        emu.clear_faults()
        emu.inject(FaultSpec(delay=60, path=items_path(stuck)))
        six_done.clear()
        job = asyncio.ensure_future(export(client, out, concurrency=1, progress=watch))
        await six_done.wait()
        job.cancel()
        with pytest.raises(asyncio.CancelledError):
            await job
        assert read_records(partial_path(out)) == expected_records(emu)[:6]
        emu.clear_faults()
        # Both files were released: the next runs finish them.
        await mirror(client, db)
        await export(client, out, resume=True)
    check_mirror(db, emu, complete=True)
    assert read_records(out) == expected_records(emu)


@pytest.mark.anyio
async def test_a_thread_counts_as_done_only_once_all_its_chunks_are_committed(tmp_path: Path) -> None:
    """Progress says a thread is done when its last chunk is in the database, not before (here
    its items fill exactly two chunks, so nothing is left to write after the second)."""
    db = tmp_path / "m.db"
    seen_when_done: list[int] = []

    def watch(event: JobProgress) -> None:
        if event.threads_done == 1 and not seen_when_done:
            with connect(db) as con:
                seen_when_done.append(con.execute("SELECT count(*) FROM items").fetchone()[0])

    async with ChatKitEmulator(api_key=KEY, demo=False) as emu:
        thread = emu.add_thread(user="user_1")["id"]
        emu.add_items(thread, 2 * CHUNK_ITEMS)
        async with client_for(emu) as client:
            report = await mirror(client, db, progress=watch)
        check_mirror(db, emu, complete=True)
    assert seen_when_done == [2 * CHUNK_ITEMS]
    assert report.items_added == 2 * CHUNK_ITEMS
