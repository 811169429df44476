"""The reports of the bulk jobs: what a run did, as frozen values.

This module owns the report classes ([`JobReport`][chatkit_async.bulk.JobReport], the fields every
job's report has, and one subclass per job) and nothing else: plain data over attrs, no I/O. They
sit below the jobs and below [`JobInterrupted`][chatkit_async.bulk.JobInterrupted], which carries
the report of the run it ended, so that the jobs and their error import them without a circle.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import attrs

from ..types import Thread

__all__ = ["ExportReport", "JobReport", "MirrorReport", "PurgeFailure", "PurgeReport"]


@attrs.frozen(kw_only=True)
class JobReport:
    """The fields every bulk job's report has.

    Attributes:
        requests: Every HTTP request sent, retries and 429s included.
        rate_limited: Requests answered 429.
        retried: Requests sent again after a connection error, a timeout or a 5xx.
        seconds: Wall-clock duration of the run.
        concurrency_trace: The successive sizes of the window of requests in flight, from
            ``concurrency`` on: each 429 event halves it, each run of successes grows it by one.
    """

    requests: int
    rate_limited: int
    retried: int
    seconds: float
    concurrency_trace: tuple[int, ...]


@attrs.frozen(kw_only=True)
class ExportReport(JobReport):
    """What an export did.

    Attributes:
        path: The destination (``None`` when the export went to a stream).
        threads: Threads written by this run.
        items: Items written by this run.
        kept: Threads kept from the partial file (or the previous export) that was resumed.
        complete: Whether the export reached the end (``False`` in a
            [`JobInterrupted`][chatkit_async.bulk.JobInterrupted]).
    """

    path: Path | None
    threads: int
    items: int
    kept: int
    complete: bool


@attrs.frozen(kw_only=True)
class MirrorReport(JobReport):
    """What a mirror run found and changed.

    Attributes:
        database: The database file.
        user: The user the run was limited to (``None``: every thread).
        threads_seen: Threads the listing returned (within the run's scope).
        threads_new: Threads stored for the first time.
        threads_changed: Stored threads whose row changed (title, status, any field, or a
            thread that had been marked removed and is back).
        threads_removed: Stored threads the listing no longer returned (marked with
            ``removed_at``, or deleted with ``prune``).
        threads_pruned: Threads deleted from the database with their items (``prune``), those
            marked removed by earlier runs included.
        items_added: Items stored for the first time.
        items_updated: Stored items whose content changed (only a ``full`` run can see one).
        rows_written: Rows inserted, updated or deleted (0 when nothing changed).
        complete: Whether the run reached its end (``False`` in a
            [`JobInterrupted`][chatkit_async.bulk.JobInterrupted]).
    """

    database: Path
    user: str | None
    threads_seen: int
    threads_new: int
    threads_changed: int
    threads_removed: int
    threads_pruned: int
    items_added: int
    items_updated: int
    rows_written: int
    complete: bool

    def summary(self) -> dict[str, Any]:
        """The report as JSON-ready data (what ``mirror --json`` prints)."""
        data = attrs.asdict(self, recurse=False)
        data["database"] = os.fspath(self.database)
        data["seconds"] = round(self.seconds, 3)
        data["concurrency_trace"] = list(self.concurrency_trace)
        return data


@attrs.frozen
class PurgeFailure:
    """A thread that could not be deleted.

    Attributes:
        thread_id: The thread.
        reason: One line saying why (the API's error, with its request id).
        status_code: The HTTP status, when the server answered.
    """

    thread_id: str
    reason: str
    status_code: int | None = None


@attrs.frozen(kw_only=True)
class PurgeReport(JobReport):
    """What a purge found and did.

    Attributes:
        user: The user whose threads were purged.
        dry_run: Nothing was deleted on purpose.
        confirmed: ``False`` when ``confirm`` declined (nothing was deleted).
        matched: The user's threads, oldest first, each once.
        deleted: Ids deleted by this run.
        already_gone: Ids that no longer existed when their deletion was sent (404).
        failed: Threads that could not be deleted.
        ignored: Threads of other users that the listing returned anyway (never touched).
        complete: Whether the listing reached its end (``False`` in a
            [`JobInterrupted`][chatkit_async.bulk.JobInterrupted]).
    """

    user: str
    dry_run: bool
    confirmed: bool
    matched: tuple[Thread, ...]
    deleted: tuple[str, ...]
    already_gone: tuple[str, ...]
    failed: tuple[PurgeFailure, ...]
    ignored: int
    complete: bool
