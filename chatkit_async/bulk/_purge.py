"""The purge job: delete every thread of one user (GDPR erasure), and nobody else's.

This module owns [`purge_user`][chatkit_async.bulk.purge_user] (and
[`purge_user_sync`][chatkit_async.bulk.purge_user_sync]) and its report. A purge runs in two steps,
so that a caller can confirm in between:

* It lists the user's threads (the server's user filter) to the end *before* deleting anything, so
  deleting never disturbs the listing's cursors. A thread whose ``user`` is not the one asked for
  is never deleted, whatever the listing returned: the filter is the server's, and a purge must not
  trust it with someone else's data.
* Then, if ``dry_run`` is off and ``confirm`` (if given) agrees, it deletes them through the job's
  limiter. A failure on one thread is recorded and the others go on; a thread already gone (404)
  counts as erased.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
from collections.abc import Awaitable, Callable, Sequence

from .._client import AsyncChatKit
from .._exceptions import (
    APIConnectionError,
    APIStatusError,
    ChatKitError,
    NotFoundError,
    RateLimitError,
)
from .._response import APIResponse
from .._sync_client import ChatKit
from ..types import Thread, ThreadDeleted
from ._blocking import run_blocking
from ._common import (
    Clock,
    JobInterrupted,
    JobProgress,
    ProgressCallback,
    check_concurrency,
    new_runner,
    thread_pages,
)
from ._limiter import AdaptiveLimiter
from ._reports import PurgeFailure, PurgeReport
from ._runner import RequestRunner

__all__ = ["purge_user", "purge_user_sync"]


def _one_line(text: str) -> str:
    return " ".join(text.split())


async def _delete_one(runner: RequestRunner, thread_id: str) -> str | PurgeFailure:
    """Delete one thread: ``"deleted"``, ``"gone"``, or the failure."""
    uncertain = False

    async def request(client: AsyncChatKit) -> APIResponse[ThreadDeleted]:
        nonlocal uncertain
        try:
            return await client.threads.with_raw_response.delete(thread_id)
        except RateLimitError:
            raise  # refused before anything was done
        except (APIConnectionError, APIStatusError) as exc:
            if isinstance(exc, APIConnectionError) or exc.status_code >= 500:
                uncertain = True  # the server may have deleted it before the answer was lost
            raise

    try:
        await runner.send(request)
    except NotFoundError:
        # After an attempt whose answer was lost (a timeout, a dropped connection, a 5xx), a
        # 404 most likely means that attempt deleted the thread: it counts as deleted by us.
        return "deleted" if uncertain else "gone"
    except ChatKitError as exc:
        status = exc.status_code if isinstance(exc, APIStatusError) else None
        return PurgeFailure(thread_id, _one_line(str(exc)), status)
    except ValueError as exc:  # an id the SDK refuses to put in a URL
        return PurgeFailure(thread_id, _one_line(str(exc)))
    return "deleted"


async def purge_user(
    client: AsyncChatKit,
    user: str,
    *,
    dry_run: bool = False,
    confirm: Callable[[Sequence[Thread]], bool | Awaitable[bool]] | None = None,
    concurrency: int = 8,
    progress: ProgressCallback | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> PurgeReport:
    """Delete every thread of ``user`` with all of its items.

    Args:
        client: An open client. Its ``max_retries`` bounds the job's retries of connection
            errors, timeouts and 5xx; 429s are handled by the job's limiter.
        user: The user whose threads go (threads of anyone else are never deleted).
        dry_run: Only list what would be deleted.
        confirm: Called with the matched threads before anything is deleted (not called when
            none matched); deleting goes ahead only if it returns (or, for a coroutine
            function, its awaitable gives) ``True``.
        concurrency: The most requests in flight at once (the limiter's ceiling).
        progress: Called with a [`JobProgress`][chatkit_async.bulk.JobProgress] after each deletion.
        limiter: A limiter to use instead of a new ``AdaptiveLimiter(concurrency)``.

    Returns:
        What was matched, deleted, already gone and failed (each in listing order).

    Raises:
        ValueError: ``user`` is empty or ``concurrency`` below 1.
        JobInterrupted: The listing failed for good; nothing was deleted.
    """
    check_concurrency(concurrency)
    if not isinstance(user, str) or not user:
        raise ValueError("user must be a non-empty string")
    clock = Clock()
    runner = new_runner(client, concurrency, limiter)
    matched: list[Thread] = []
    outcome: dict[str, str | PurgeFailure] = {}
    ignored = 0
    state = {"complete": False, "confirmed": not dry_run}

    def report() -> PurgeReport:
        counters = runner.counters
        ids = [t.id for t in matched]
        return PurgeReport(
            user=user,
            dry_run=dry_run,
            confirmed=state["confirmed"],
            matched=tuple(matched),
            deleted=tuple(i for i in ids if outcome.get(i) == "deleted"),
            already_gone=tuple(i for i in ids if outcome.get(i) == "gone"),
            failed=tuple(f for i in ids if isinstance(f := outcome.get(i), PurgeFailure)),
            ignored=ignored,
            complete=state["complete"],
            requests=counters.requests,
            rate_limited=counters.rate_limited,
            retried=counters.retried,
            seconds=clock.elapsed,
            concurrency_trace=runner.limiter.trace,
        )

    def report_progress() -> None:
        if progress is not None:
            counters = runner.counters
            progress(
                JobProgress(
                    job="purge",
                    threads_done=len(outcome),
                    threads_total=len(matched),
                    items=0,
                    requests=counters.requests,
                    rate_limited=counters.rate_limited,
                    concurrency=runner.limiter.limit,
                    elapsed=clock.elapsed,
                )
            )

    try:
        seen: set[str] = set()
        try:
            async for page in thread_pages(runner, user=user, order="asc"):
                for thread in page.data:
                    if thread.user != user:
                        ignored += 1
                    elif thread.id not in seen:
                        seen.add(thread.id)
                        matched.append(thread)
        except ChatKitError as exc:
            raise JobInterrupted(
                f"listing the threads of {user} failed; nothing was deleted: {exc}",
                cause=exc,
                report=report(),
            ) from exc
        state["complete"] = True
        if dry_run or not matched:
            return report()
        if confirm is not None:
            answer = confirm(tuple(matched))
            if inspect.isawaitable(answer):
                answer = await answer
            if not answer:
                state["confirmed"] = False
                return report()
        report_progress()
        pending = iter([t.id for t in matched])

        async def worker() -> None:
            # The workers share one iterator: taking the next id never awaits, so no id is
            # taken twice.
            for thread_id in pending:
                outcome[thread_id] = await _delete_one(runner, thread_id)
                report_progress()

        workers = [asyncio.ensure_future(worker()) for _ in range(min(concurrency, len(matched)))]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        return report()
    finally:
        with contextlib.suppress(Exception):
            await runner.aclose()


def purge_user_sync(
    client: ChatKit,
    user: str,
    *,
    dry_run: bool = False,
    confirm: Callable[[Sequence[Thread]], bool | Awaitable[bool]] | None = None,
    concurrency: int = 8,
    progress: ProgressCallback | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> PurgeReport:
    """The blocking [`purge_user`][chatkit_async.bulk.purge_user], for a
    [`ChatKit`][chatkit_async.ChatKit] client.

    It runs on the client's event loop thread (``confirm`` and ``progress`` are called there).
    Arguments, result and errors are those of [`purge_user`][chatkit_async.bulk.purge_user].
    """
    return run_blocking(
        client,
        purge_user,
        user,
        dry_run=dry_run,
        confirm=confirm,
        concurrency=concurrency,
        progress=progress,
        limiter=limiter,
    )
