"""The portal behind ``ChatKit``: what crosses the thread hop, and what must never hang."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import pytest

from chatkit_async import ClientClosedError
from chatkit_async._portal import Portal


@pytest.fixture
def portal() -> Iterator[Portal]:
    """A started portal, closed (and its thread joined) at teardown."""
    p = Portal()
    try:
        yield p
    finally:
        p.close()


def test_values_come_back_from_the_loop_thread(portal: Portal) -> None:
    """A coroutine runs on the portal's own thread and its value reaches the caller."""

    async def where() -> tuple[int, bool]:
        await asyncio.sleep(0)
        return threading.get_ident(), portal.in_loop_thread()

    ident, on_loop = portal.call(where)
    assert on_loop
    assert ident != threading.get_ident()
    assert portal.call(partial(asyncio.sleep, 0, "slept")) == "slept"


def test_errors_surface_as_the_same_object(portal: Portal) -> None:
    """An exception raised on the loop reaches the caller unchanged, including BaseExceptions."""
    raised: list[BaseException] = []

    async def fail(exc: BaseException) -> None:
        await asyncio.sleep(0)
        raised.append(exc)
        raise exc

    for exc in (LookupError("missing"), KeyboardInterrupt(), asyncio.CancelledError()):
        with pytest.raises(type(exc)) as info:
            portal.call(partial(fail, exc))
        assert info.value is exc
    assert len(raised) == 3
    # The portal is unharmed: an error, even a BaseException, ended only that one call.
    assert portal.call(partial(asyncio.sleep, 0, 7)) == 7


def test_failed_calls_leave_no_unretrieved_task(
    portal: Portal, caplog: pytest.LogCaptureFixture
) -> None:
    """A call that raises is fully handled: asyncio never logs 'exception was never retrieved'."""

    async def fail() -> None:
        raise ValueError("bad id")

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        for _ in range(20):
            with pytest.raises(ValueError, match="bad id"):
                portal.call(fail)
        gc.collect()
        portal.call(partial(asyncio.sleep, 0))  # let the loop run any pending callback
    assert caplog.records == []


def test_no_task_outlives_its_call(portal: Portal) -> None:
    """When a call returns, the task that ran it is finished: nothing is left on the loop."""

    async def tasks_on_loop() -> int:
        return len(asyncio.all_tasks())

    baseline = portal.call(tasks_on_loop)  # the portal's own task plus this one
    for _ in range(10):
        portal.call(partial(asyncio.sleep, 0))
    assert portal.call(tasks_on_loop) == baseline


@pytest.mark.timeout(20)
def test_a_blocking_call_from_the_loop_thread_raises_instead_of_hanging(portal: Portal) -> None:
    """Calling back into the portal from its own loop thread is a clear RuntimeError, not a deadlock."""

    async def nested() -> None:
        return None

    with pytest.raises(RuntimeError, match="own event loop thread"):
        portal.run_sync(partial(portal.call, nested))
    with pytest.raises(RuntimeError, match="own event loop thread"):
        portal.run_sync(partial(portal.run_sync, int))
    assert portal.call(partial(asyncio.sleep, 0, "still fine")) == "still fine"


def test_many_threads_each_get_their_own_answer(portal: Portal) -> None:
    """Calls from many threads at once are never crossed: each caller gets its own result."""

    async def echo(n: int) -> int:
        await asyncio.sleep(0.001 * (n % 3))
        return n

    def worker(base: int) -> list[int]:
        return [portal.call(partial(echo, base + k)) for k in range(50)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(worker, range(0, 800, 100)))
    assert results == [list(range(b, b + 50)) for b in range(0, 800, 100)]


def test_calls_after_close_are_refused(portal: Portal) -> None:
    """Once closed, the portal refuses both kinds of call with ClientClosedError."""
    portal.close()
    with pytest.raises(ClientClosedError):
        portal.call(partial(asyncio.sleep, 0))
    with pytest.raises(ClientClosedError):
        portal.run_sync(int)


def test_an_interrupt_while_the_call_is_queued_still_cancels_it(
    portal: Portal, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C can land just after the call was handed to the loop, before the caller waits on
    it: the task must be cancelled all the same, not left running with its connection."""

    async def other_tasks() -> int:
        return len(asyncio.all_tasks() - {asyncio.current_task()})

    baseline = portal.call(other_tasks)
    loop = portal._loop
    queue = loop.call_soon_threadsafe

    def queue_then_interrupt(callback: Any, *args: Any) -> asyncio.Handle:
        queue(callback, *args)
        monkeypatch.setattr(loop, "call_soon_threadsafe", queue)
        raise KeyboardInterrupt  # as if SIGINT arrived right after the hand-off

    monkeypatch.setattr(loop, "call_soon_threadsafe", queue_then_interrupt)
    with pytest.raises(KeyboardInterrupt):
        portal.call(partial(asyncio.sleep, 30))  # a request the server never answers
    deadline = time.monotonic() + 5
    while portal.call(other_tasks) != baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    assert portal.call(other_tasks) == baseline, "the abandoned call kept running"
