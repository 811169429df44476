"""``chatkit-async purge-user``: delete every thread of one user (GDPR erasure).

This module owns the two halves of a purge, run as two separate steps so that the command line
can ask for confirmation in between:

* :func:`collect_threads` lists the user's threads (server-side user filter) and returns them all
  *before* anything is deleted, so deleting never disturbs the listing's cursors.
* :func:`delete_threads` deletes them with bounded concurrency. A failure on one thread is recorded
  and the others go on; a thread that is already gone (404) counts as erased, not as a failure.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from .._client import AsyncChatKit
from .._exceptions import ChatKitError, NotFoundError
from ..types import Thread
from ._console import one_line
from ._progress import Progress

__all__ = ["PurgeFailure", "PurgeReport", "collect_threads", "delete_threads"]

_PAGE_SIZE = 100


@dataclass(frozen=True)
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


@dataclass
class PurgeReport:
    """The outcome of deleting a user's threads, in listing order.

    Attributes:
        deleted: Ids deleted by this run.
        already_gone: Ids that no longer existed when their deletion was sent (404).
        failed: Threads that could not be deleted.
    """

    deleted: list[str] = field(default_factory=list)
    already_gone: list[str] = field(default_factory=list)
    failed: list[PurgeFailure] = field(default_factory=list)


async def collect_threads(client: AsyncChatKit, user: str) -> list[Thread]:
    """Every thread of ``user``, oldest first, each once.

    Raises:
        ChatKitError: The listing failed (after the client's retries).
    """
    threads: list[Thread] = []
    seen: set[str] = set()
    async for thread in client.threads.list(user=user, order="asc", limit=_PAGE_SIZE):
        # The filter is the server's; checking it again costs nothing and guards against a
        # server that ignores it: a purge must never touch another user's data.
        if thread.user == user and thread.id not in seen:
            seen.add(thread.id)
            threads.append(thread)
    return threads


async def delete_threads(
    client: AsyncChatKit,
    thread_ids: list[str],
    *,
    concurrency: int = 8,
    progress: Progress | None = None,
) -> PurgeReport:
    """Delete threads, at most ``concurrency`` at a time; a failure does not stop the others.

    Args:
        client: An open client.
        thread_ids: The threads to delete.
        concurrency: How many deletions may be in flight at once (1 or more).
        progress: Where to report progress.

    Returns:
        What was deleted, what was already gone, and what failed, each in the order given.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    unique = list(dict.fromkeys(thread_ids))
    pending = iter(unique)
    outcome: dict[str, str | PurgeFailure] = {}

    async def delete_one(thread_id: str) -> None:
        try:
            await client.threads.delete(thread_id)
        except NotFoundError:
            outcome[thread_id] = "gone"
        except ChatKitError as exc:
            status = getattr(exc, "status_code", None)
            outcome[thread_id] = PurgeFailure(thread_id, one_line(str(exc)), status)
        except ValueError as exc:  # an id the SDK refuses to put in a URL
            outcome[thread_id] = PurgeFailure(thread_id, one_line(str(exc)))
        else:
            outcome[thread_id] = "deleted"
        if progress is not None:
            progress.update(done=len(outcome))

    async def worker() -> None:
        # The workers share one iterator: taking the next id never awaits, so no id is taken
        # twice, and at most ``concurrency`` deletions are in flight.
        for thread_id in pending:
            await delete_one(thread_id)

    if progress is not None:
        progress.update(done=0, total=len(unique), force=True)
    workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(unique)))]
    try:
        await asyncio.gather(*workers)
    finally:
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        if progress is not None:
            progress.close()
    report = PurgeReport()
    for thread_id in unique:
        result = outcome[thread_id]
        if isinstance(result, PurgeFailure):
            report.failed.append(result)
        elif result == "gone":
            report.already_gone.append(thread_id)
        else:
            report.deleted.append(thread_id)
    return report
