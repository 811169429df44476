"""The mirror job: keep a SQLite database in step with the account, incrementally and durably.

This module owns [`mirror`][chatkit_async.bulk.mirror] (and
[`mirror_sync`][chatkit_async.bulk.mirror_sync]) and its report. A run:

1. walks the thread listing (all threads, or one user's) page by page, and looks each page's
   threads up in the database in one query;
2. for each thread, fetches only the items after the newest one stored (``after=<its id>``,
   ``order=asc``; a new thread, or every thread with ``full=True``, from the start), at most
   ``2 * concurrency`` threads at a time, every request through the job's limiter;
3. commits each thread's row, its new items and its cursor in one transaction
   (``apply``), through one writer that sends several such
   transactions to the database's thread at a time. A thread with more than
   ``CHUNK_ITEMS`` new items is committed in chunks of that size, each with the cursor of its
   last item, so memory stays bounded however large a thread is; a stop between two chunks
   leaves the thread with a prefix of its items, which the next run continues;
4. once the listing is complete and every thread is stored, marks the stored threads the listing
   no longer returned with ``removed_at`` (only within the run's scope: one user's threads with
   ``user``), or deletes them with their items when ``prune=True``.

Nothing is written that is already stored: a thread's row is written only when it differs, items
only when new or different, so a run on an unchanged account sends one items request per thread
(plus the listing) and leaves the database untouched. The database work runs on one thread of its
own, one call at a time, so the event loop never waits on a disk. A run stopped by a request that
failed for good first commits the chunks it had already fetched; a cancelled run only waits for the
transaction in progress to finish before it closes the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import orjson

from .._client import AsyncChatKit
from .._converter import to_dict
from .._exceptions import BadRequestError, ChatKitError, NotFoundError
from .._sync_client import ChatKit
from ..types import Thread
from ._blocking import run_blocking
from ._common import (
    BulkJobError,
    Clock,
    JobInterrupted,
    JobProgress,
    ProgressCallback,
    check_concurrency,
    item_pages,
    new_runner,
    thread_pages,
)
from ._limiter import AdaptiveLimiter
from ._mirror_db import ItemRow, MirrorDatabase, StoredThread, ThreadChange
from ._reports import MirrorReport
from ._runner import RequestRunner

__all__ = ["CHUNK_ITEMS", "mirror", "mirror_sync"]

T = TypeVar("T")

CHUNK_ITEMS = 1000
"""A thread's new items are committed in transactions of at most this many (ten pages)."""


@attrs.define
class _Tally:
    seen: set[str] = attrs.Factory(set)
    listed: int | None = None
    done: int = 0
    new: int = 0
    changed: int = 0
    removed: int = 0
    pruned: int = 0
    added: int = 0
    updated: int = 0


class _DatabaseThread:
    """Runs the database's calls on one thread of its own, in order, one at a time."""

    def __init__(self) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="chatkit-async-mirror-db"
        )
        self._last: concurrent.futures.Future[Any] | None = None

    async def call(self, func: Callable[..., T], /, *args: Any) -> T:
        future = self._executor.submit(func, *args)
        self._last = future
        return await asyncio.wrap_future(future)

    async def close(self, final: Callable[[], object] | None) -> None:
        """Run ``final`` after everything submitted, and wait for it even through a
        cancellation: a transaction in progress ends whole before the database is closed."""
        if final is not None:
            self._last = self._executor.submit(final)
        self._executor.shutdown(wait=False)
        last = self._last
        cancelled = False
        while last is not None and not last.done():
            try:
                await asyncio.shield(asyncio.wrap_future(last))
            except asyncio.CancelledError:
                cancelled = True
            except Exception:
                break
        if cancelled:
            raise asyncio.CancelledError


@attrs.frozen
class _Queued:
    """A change waiting for the writer, and what to count once it is committed."""

    change: ThreadChange | None  # None: nothing to write, only the thread's end to count
    kind: str | None  # "new" or "changed" when the change stores the thread's row
    last: bool  # the thread's last change: it is done once this one is committed


class _Writer:
    """The one writer of the mirror's database.

    Changes are queued in order and applied on the database's thread, each in its own
    transaction, but several per trip to that thread: waking the event loop once per transaction
    cost the mirror about a quarter of its throughput (the GIL passed back and forth for every
    commit). The queue is bounded, so fetching never runs far ahead of writing.
    """

    _MAX_ITEMS = 4 * CHUNK_ITEMS
    _MAX_CHANGES = 256

    def __init__(
        self,
        db_thread: _DatabaseThread,
        database: MirrorDatabase,
        applied: Callable[[_Queued, int, int], None],
    ) -> None:
        self._db = db_thread
        self._database = database
        self._applied = applied
        self._queue: list[_Queued] = []
        self._queued_items = 0
        self._room = asyncio.Event()
        self._room.set()
        self._drainer: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    async def put(self, queued: _Queued) -> None:
        """Queue a change; waits while the queue is full."""
        while True:
            if self._error is not None:
                raise self._error
            size = len(queued.change.items) if queued.change is not None else 0
            if not self._queue or (
                self._queued_items + size <= self._MAX_ITEMS and len(self._queue) < self._MAX_CHANGES
            ):
                break
            self._room.clear()
            await self._room.wait()
        self._queue.append(queued)
        self._queued_items += len(queued.change.items) if queued.change is not None else 0
        if self._drainer is None or self._drainer.done():
            self._drainer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        while self._queue and self._error is None:
            batch, self._queue, self._queued_items = self._queue, [], 0
            self._room.set()
            changes = [q.change for q in batch if q.change is not None]
            try:
                results, error = await self._db.call(self._database.apply_all, changes)
            except BaseException as exc:
                self._error = exc
                self._room.set()
                raise
            outcomes = iter(results)
            for queued in batch:
                if queued.change is None:
                    self._applied(queued, 0, 0)
                    continue
                outcome = next(outcomes, None)
                if outcome is None:  # not applied: the error below stopped it
                    break
                self._applied(queued, *outcome)
            if error is not None:
                self._error = error
                self._room.set()

    async def flush(self) -> None:
        """Wait until everything queued is committed; raise what stopped the writer, if anything."""
        while self._drainer is not None and not self._drainer.done():
            await asyncio.wait({self._drainer})
        if self._error is not None:
            raise self._error

    async def aclose(self) -> None:
        """Stop writing: what is queued and not yet sent to the database is dropped (each thread
        then holds the items of its last committed change, a consistent prefix)."""
        self._queue.clear()
        if self._drainer is not None and not self._drainer.done():
            self._drainer.cancel()
            await asyncio.gather(self._drainer, return_exceptions=True)


def _thread_row(thread: Thread) -> tuple[str, int, str, str | None, str, str]:
    data = orjson.dumps(to_dict(thread)).decode()
    return (thread.id, thread.created_at, thread.user, thread.title, thread.status.type, data)


class _Mirror:
    """One run's state and steps (see the module documentation)."""

    def __init__(
        self,
        runner: RequestRunner,
        database: MirrorDatabase,
        db_thread: _DatabaseThread,
        *,
        user: str | None,
        full: bool,
        prune: bool,
        report_progress: Callable[[], None],
    ) -> None:
        self.runner = runner
        self.database = database
        self.db = db_thread
        self.user = user
        self.full = full
        self.prune = prune
        self.report_progress = report_progress
        self.tally = _Tally()
        self.writer = _Writer(db_thread, database, self._applied)

    def _applied(self, queued: _Queued, added: int, updated: int) -> None:
        tally = self.tally
        tally.added += added
        tally.updated += updated
        if queued.kind == "new":
            tally.new += 1
        elif queued.kind == "changed":
            tally.changed += 1
        if queued.last:
            tally.done += 1
            self.report_progress()

    async def run(self) -> None:
        window = asyncio.Semaphore(2 * self.runner.limiter.ceiling)
        tasks: set[asyncio.Task[None]] = set()
        failure: list[BaseException] = []

        def finished(task: asyncio.Task[None]) -> None:
            tasks.discard(task)
            window.release()
            if not task.cancelled() and task.exception() is not None and not failure:
                failure.append(task.exception())  # type: ignore[arg-type]
                lister.cancel()
                for other in tasks:
                    other.cancel()

        async def list_all() -> None:
            seen = self.tally.seen
            async for page in thread_pages(self.runner, user=self.user, order="asc"):
                fresh: list[Thread] = []
                for thread in page.data:
                    # With a user, only that user's threads, even if the server ignored the filter.
                    if thread.id not in seen and (self.user is None or thread.user == self.user):
                        seen.add(thread.id)
                        fresh.append(thread)
                if not fresh:
                    continue
                stored = await self.db.call(self.database.stored, [t.id for t in fresh])
                for thread in fresh:
                    await window.acquire()
                    task = asyncio.ensure_future(self.sync_thread(thread, stored.get(thread.id)))
                    tasks.add(task)
                    task.add_done_callback(finished)
            self.tally.listed = len(seen)

        lister = asyncio.ensure_future(list_all())
        keep_fetched = True
        try:
            await asyncio.wait({lister})
            if failure:
                raise failure[0]
            lister.result()  # a listing error
            while tasks:
                await asyncio.wait(set(tasks))
                if failure:
                    raise failure[0]
            await self.writer.flush()
        except asyncio.CancelledError:
            keep_fetched = False  # stop now: only the transaction in progress is finished
            raise
        finally:
            pending: list[asyncio.Future[Any]] = [lister, *tasks]
            for future in pending:
                future.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if keep_fetched:
                # A request failed for good: commit the complete chunks already fetched, so the
                # next run does not fetch them again (each is a consistent prefix of its thread).
                with contextlib.suppress(Exception):
                    await self.writer.flush()
            await self.writer.aclose()
        self.report_progress()
        await self.find_removed()

    async def sync_thread(self, thread: Thread, stored: StoredThread | None) -> None:
        """Store one thread's row (if it changed) and its new items, chunk by chunk."""
        tally = self.tally
        row = _thread_row(thread)
        if stored is None:
            kind = "new"
        elif stored.data != row[5] or stored.removed_at is not None:
            kind = "changed"
        else:
            kind = "unchanged"
        pending_row = None if kind == "unchanged" else row
        cursor = None if self.full or stored is None else stored.cursor
        clear = False
        chunk: list[ItemRow] = []

        queued_any = False

        async def commit(last: bool = False) -> None:
            nonlocal pending_row, clear, chunk, queued_any
            if not chunk and pending_row is None and not clear:
                if last and queued_any:
                    # Done once its earlier chunks are committed: a marker, in their queue.
                    await self.writer.put(_Queued(None, None, True))
                elif last:
                    tally.done += 1  # nothing was written for it: done now
                    self.report_progress()
                return
            queued_any = True
            change = ThreadChange(
                thread.id,
                row=pending_row,
                items=chunk,
                cursor=chunk[-1][0] if chunk else None,
                clear_items=clear,
            )
            counted = None if pending_row is None else kind
            await self.writer.put(_Queued(change, counted, last))
            pending_row, clear, chunk = None, False, []

        while True:
            try:
                async for page in item_pages(self.runner, thread.id, after=cursor):
                    for item, wire in zip(page.data, to_dict(page.data), strict=True):
                        if not isinstance(item.id, str) or not item.id:
                            raise BulkJobError(f"an item of thread {thread.id} has no id: {wire!r}")
                        chunk.append(
                            (item.id, thread.id, item.created_at, str(wire["type"]), _dumps(wire))
                        )
                    if len(chunk) >= CHUNK_ITEMS:
                        await commit()
            except BadRequestError:
                if cursor is None:
                    raise
                # The server no longer knows the newest item we stored: start the thread over.
                cursor, clear, chunk = None, True, []
                continue
            except NotFoundError:
                # Deleted since the listing: the end of the run marks it removed.
                tally.seen.discard(thread.id)
                if chunk:
                    await commit()
                return
            break
        await commit(last=True)

    async def find_removed(self) -> None:
        """Mark (or prune) the stored threads in scope that the complete listing did not return."""
        tally = self.tally
        present = await self.db.call(self.database.present_ids, self.user)
        gone_now = [i for i in present if i not in tally.seen]
        if not self.prune:
            if gone_now:
                tally.removed = await self.db.call(
                    self.database.mark_removed, gone_now, int(time.time())
                )
            return
        tally.removed = len(gone_now)
        every = await self.db.call(self.database.all_ids, self.user)
        doomed = [i for i in every if i not in tally.seen]
        if doomed:
            tally.pruned = await self.db.call(self.database.prune, doomed)


def _dumps(wire: Any) -> str:
    return orjson.dumps(wire).decode()


async def mirror(
    client: AsyncChatKit,
    db: str | os.PathLike[str],
    *,
    user: str | None = None,
    concurrency: int = 8,
    prune: bool = False,
    full: bool = False,
    progress: ProgressCallback | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> MirrorReport:
    """Bring the SQLite database ``db`` in step with the account (see the module documentation).

    Args:
        client: An open client. Its ``max_retries`` bounds the job's retries of connection
            errors, timeouts and 5xx; 429s are handled by the job's limiter.
        db: The database file; created with the mirror's schema if missing.
        user: Mirror only this user's threads (and mark or prune only theirs).
        concurrency: The most requests in flight at once (the limiter's ceiling).
        prune: Delete threads gone from the account, with their items, instead of marking
            them with ``removed_at``.
        full: Fetch every thread's items from the start (rows are still compared: only
            differences are written).
        progress: Called with a [`JobProgress`][chatkit_async.bulk.JobProgress] after each thread.
        limiter: A limiter to use instead of a new ``AdaptiveLimiter(concurrency)``.

    Returns:
        What the run found and changed.

    Raises:
        ValueError: A bad argument (``concurrency`` below 1).
        MirrorDatabaseError: The file is not a SQLite database, or is some other database.
        JobInterrupted: A request failed for good; every thread committed so far is kept, and
            the next run continues from there.
    """
    check_concurrency(concurrency)
    if user is not None and (not isinstance(user, str) or not user):
        raise ValueError("user must be a non-empty string")
    path = Path(db)
    clock = Clock()
    db_thread = _DatabaseThread()
    try:
        database = await db_thread.call(MirrorDatabase, path)
    except BaseException:
        await db_thread.close(None)
        raise
    runner = new_runner(client, concurrency, limiter)
    job: _Mirror | None = None

    def report(complete: bool) -> MirrorReport:
        counters = runner.counters
        tally = job.tally if job is not None else _Tally()
        return MirrorReport(
            database=path,
            user=user,
            threads_seen=len(tally.seen),
            threads_new=tally.new,
            threads_changed=tally.changed,
            threads_removed=tally.removed,
            threads_pruned=tally.pruned,
            items_added=tally.added,
            items_updated=tally.updated,
            rows_written=database.total_changes,
            complete=complete,
            requests=counters.requests,
            rate_limited=counters.rate_limited,
            retried=counters.retried,
            seconds=clock.elapsed,
            concurrency_trace=runner.limiter.trace,
        )

    def report_progress() -> None:
        if progress is None or job is None:
            return
        counters = runner.counters
        tally = job.tally
        progress(
            JobProgress(
                job="mirror",
                threads_done=tally.done,
                threads_total=tally.listed,
                items=tally.added,
                requests=counters.requests,
                rate_limited=counters.rate_limited,
                concurrency=runner.limiter.limit,
                elapsed=clock.elapsed,
            )
        )

    job = _Mirror(
        runner,
        database,
        db_thread,
        user=user,
        full=full,
        prune=prune,
        report_progress=report_progress,
    )
    try:
        await job.run()
        final = report(True)
    except BulkJobError:
        raise
    except ChatKitError as exc:
        raise JobInterrupted(
            f"mirror stopped after {job.tally.done:,} threads: {exc} (everything committed is "
            f"kept in {path}; run again to continue)",
            cause=exc,
            report=report(False),
        ) from exc
    finally:
        with contextlib.suppress(Exception):
            await runner.aclose()
        await db_thread.close(database.close)
    return final


def mirror_sync(
    client: ChatKit,
    db: str | os.PathLike[str],
    *,
    user: str | None = None,
    concurrency: int = 8,
    prune: bool = False,
    full: bool = False,
    progress: ProgressCallback | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> MirrorReport:
    """The blocking [`mirror`][chatkit_async.bulk.mirror], for a [`ChatKit`][chatkit_async.ChatKit]
    client.

    It runs on the client's event loop thread (where ``progress`` is called too); Ctrl-C cancels
    it there, after the transaction in progress. Arguments, result and errors are those of
    [`mirror`][chatkit_async.bulk.mirror].
    """
    return run_blocking(
        client,
        mirror,
        db,
        user=user,
        concurrency=concurrency,
        prune=prune,
        full=full,
        progress=progress,
        limiter=limiter,
    )
