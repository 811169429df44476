"""What the bulk jobs share: their errors, progress events and page walks (reports: ``_reports``).

This module owns the bulk jobs' exception classes ([`BulkJobError`][chatkit_async.bulk.BulkJobError]
and its children), the progress event ([`JobProgress`][chatkit_async.bulk.JobProgress]), and the two
page walks every job makes through its ``RequestRunner``: the thread listing and one thread's
items. The walks request one page at a time, so a 429 in the middle of a walk resends that page
only. It does no file or database work.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Literal, TypeVar

import attrs

from .._client import AsyncChatKit
from .._exceptions import ChatKitError
from .._pagination import LoopGuard, loop_error, next_page_query
from .._response import APIResponse
from .._types import NOT_GIVEN
from ..types import Page, Thread, ThreadItem
from ._limiter import AdaptiveLimiter
from ._reports import ExportReport, MirrorReport, PurgeReport
from ._runner import RequestRunner

__all__ = [
    "PAGE_SIZE",
    "BulkJobError",
    "Clock",
    "ExportFileError",
    "JobInterrupted",
    "JobProgress",
    "MirrorDatabaseError",
    "ProgressCallback",
    "check_concurrency",
    "item_pages",
    "new_runner",
    "thread_pages",
]

T = TypeVar("T")

PAGE_SIZE = 100
"""Every walk asks for the largest page the API serves."""


class BulkJobError(ChatKitError):
    """A bulk job could not run, or could not finish."""


class ExportFileError(BulkJobError):
    """The export's file cannot be written, or the file to resume is not an export."""


class MirrorDatabaseError(BulkJobError):
    """The mirror's database cannot be opened, is not a mirror, or cannot be written."""


class JobInterrupted(BulkJobError):
    """A bulk job stopped before its end because a request failed for good.

    Whatever the job had finished is kept (the export's complete lines in its partial file, the
    mirror's committed threads, the purge's deletions), and running the job again continues from
    there. The error that stopped it is ``cause`` (also ``__cause__``): e.g. an
    [`APIConnectionError`][chatkit_async.APIConnectionError] after a network outage longer than the
    retries.

    Attributes:
        cause: The error that stopped the job.
        report: What the job had done when it stopped.
        partial_path: The export's partial file (``None`` for other jobs, or when nothing was
            written).
    """

    cause: ChatKitError
    report: ExportReport | MirrorReport | PurgeReport
    partial_path: Path | None

    def __init__(
        self,
        message: str,
        *,
        cause: ChatKitError,
        report: ExportReport | MirrorReport | PurgeReport,
        partial_path: Path | None = None,
    ) -> None:
        """Create the error.

        Args:
            message: What stopped, and where its work is kept.
            cause: The error that stopped the job.
            report: What the job had done.
            partial_path: The export's partial file, if any.
        """
        super().__init__(message)
        self.cause = cause
        self.report = report
        self.partial_path = partial_path


@attrs.frozen
class JobProgress:
    """A bulk job's progress, handed to its ``progress`` callback.

    The callback runs on the job's event loop (for the blocking functions: on the client's loop
    thread), after each thread is finished and when the listing ends; keep it quick.

    Attributes:
        job: ``"export"``, ``"mirror"`` or ``"purge"``.
        threads_done: Threads finished (exported, mirrored, deleted).
        threads_total: Threads to do, once the listing has ended (``None`` before).
        items: Items written so far (export and mirror).
        requests: HTTP requests sent so far, retries and 429s included.
        rate_limited: Requests answered 429 so far.
        concurrency: Requests allowed in flight now (shrinks on 429s).
        elapsed: Seconds since the job started.
    """

    job: Literal["export", "mirror", "purge"]
    threads_done: int
    threads_total: int | None
    items: int
    requests: int
    rate_limited: int
    concurrency: int
    elapsed: float


ProgressCallback = Callable[[JobProgress], object]
"""The type of a job's ``progress`` argument."""


def check_concurrency(concurrency: int) -> None:
    """Reject a concurrency that is not a whole number of at least 1 (``ValueError``)."""
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise ValueError(f"concurrency must be a whole number of at least 1, got {concurrency!r}")


def new_runner(
    client: AsyncChatKit, concurrency: int, limiter: AdaptiveLimiter | None
) -> RequestRunner:
    """The request runner of one job: the given limiter, or an adaptive one of ``concurrency``."""
    if limiter is None:
        limiter = AdaptiveLimiter(concurrency)
    elif limiter.in_flight:
        raise ValueError("this limiter is in use by another job")
    return RequestRunner(client, limiter)


class Clock:
    """Seconds since a job started, for its report and progress events."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    @property
    def elapsed(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self._start


async def thread_pages(
    runner: RequestRunner, *, user: str | None, order: Literal["asc", "desc"]
) -> AsyncIterator[Page[Thread]]:
    """Walk the thread listing one page at a time (each page a separate, retried request).

    Raises:
        CursorLoopError: The server handed back a cursor it had already given.
    """
    cursor: str | None = None
    guard = LoopGuard()
    while True:
        response = await runner.send(partial(_list_threads, after=cursor, user=user, order=order))
        page = response.parse()
        yield page
        cursor = _next_cursor(page, guard)
        if cursor is None:
            return


async def item_pages(
    runner: RequestRunner, thread_id: str, *, after: str | None = None
) -> AsyncIterator[Page[ThreadItem]]:
    """Walk one thread's items oldest first, from just after ``after`` (from the start if ``None``).

    Raises:
        CursorLoopError: The server handed back a cursor it had already given.
    """
    cursor = after
    guard = LoopGuard()
    if after is not None:
        guard.repeats(after)
    while True:
        response = await runner.send(partial(_list_items, thread_id=thread_id, after=cursor))
        page = response.parse()
        yield page
        cursor = _next_cursor(page, guard)
        if cursor is None:
            return


def _list_threads(
    client: AsyncChatKit, *, after: str | None, user: str | None, order: Literal["asc", "desc"]
) -> Awaitable[APIResponse[Page[Thread]]]:
    return client.threads.with_raw_response.list(
        after=NOT_GIVEN if after is None else after,
        limit=PAGE_SIZE,
        order=order,
        user=NOT_GIVEN if user is None else user,
    )


def _list_items(
    client: AsyncChatKit, *, thread_id: str, after: str | None
) -> Awaitable[APIResponse[Page[ThreadItem]]]:
    return client.threads.with_raw_response.list_items(
        thread_id, after=NOT_GIVEN if after is None else after, limit=PAGE_SIZE, order="asc"
    )


def _next_cursor(page: Page[T], guard: LoopGuard) -> str | None:
    """The ``after`` of the page following ``page`` (the SDK paginator's rule), or ``None``."""
    following = next_page_query({}, page, backward=False)
    if following is None:
        return None
    cursor = following["after"]
    if guard.repeats(cursor):
        raise loop_error(cursor)
    return cursor
