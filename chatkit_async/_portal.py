"""The blocking portal behind :class:`~chatkit_async.ChatKit`: the only user of ``anyio.from_thread``.

This module owns one thing: a long-lived event loop in a thread of its own, and a way for any other
thread to run a coroutine function on it and wait for the result. The blocking client runs the one
async core (``AsyncChatKit``) on that loop, so its aiohttp session is born there and lives there; no
second HTTP stack, no ``asyncio.run`` per call, no ``nest_asyncio``.

Why a thread of its own: ``asyncio.run()`` refuses to start in a thread whose loop is already running
(Jupyter, IPython, an async web framework calling sync code). The portal's loop never runs in the
caller's thread, so a blocking call works from any thread, including several at once.

Rules it enforces:

* A portal is started fully or not at all: if anything fails half-way, the loop thread is stopped
  and joined before the error propagates (``ExitStack`` + ``pop_all()``).
* After :meth:`Portal.close` starts, every new call raises :class:`~chatkit_async.ClientClosedError`;
  calls already running are allowed to finish, then the final clean-up coroutine runs on the loop
  (closing the aiohttp session there), then the loop thread is joined: nothing is left behind.
* An exception raised on the loop surfaces unchanged (same object, same class) in the caller's
  thread. If the waiting caller is interrupted (``KeyboardInterrupt``), the task on the loop is
  cancelled, so an abandoned request does not keep running or leak its connection.
* A blocking call made *from* the loop's own thread raises ``RuntimeError`` at once: it could only
  wait forever for a loop that is waiting for it.

The hot path (:meth:`Portal.call`, every blocking request and every page) is built for latency,
because a sequential blocking call pays it twice: once to wake the loop thread, once to wake the
caller. It hands the coroutine function to the loop with one ``call_soon_threadsafe`` and waits on a
bare ``threading.Lock`` that the loop releases as the coroutine's last act; no
``concurrent.futures.Future``, no chained callbacks, no extra loop iteration to deliver the result.
On Python 3.12+ the task also starts eagerly, in the same loop iteration that received it.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import ExitStack
from typing import Any, TypeVar, cast

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._exceptions import ClientClosedError

__all__ = ["Portal"]

T = TypeVar("T")

_CLOSED_MESSAGE = "This client has been closed."
_REENTRY_MESSAGE = (
    "A blocking ChatKit call was made from the client's own event loop thread, where it would "
    "wait forever; use the AsyncChatKit core there instead."
)


class Portal:
    """An event loop in a daemon thread, callable from any other thread (see the module docstring).

    Creating a portal starts its thread; :meth:`close` stops and joins it.

    Raises:
        RuntimeError: The event loop thread could not be started.
    """

    __slots__ = (
        "_closing",
        "_idle",
        "_inflight",
        "_lock",
        "_loop",
        "_loop_thread_id",
        "_portal",
        "_stack",
    )

    def __init__(self) -> None:
        with ExitStack() as stack:
            portal = stack.enter_context(
                start_blocking_portal(backend="asyncio", name="chatkit-async-portal")
            )
            loop_thread_id = portal.call(threading.get_ident)
            loop = portal.call(asyncio.get_running_loop)
            # Everything above succeeded: keep the portal running past this block.
            self._stack = stack.pop_all()
        self._portal: BlockingPortal = portal
        self._loop_thread_id: int = loop_thread_id
        self._loop: asyncio.AbstractEventLoop = loop
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._inflight = 0
        self._closing = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called (new calls are refused)."""
        return self._closing

    def in_loop_thread(self) -> bool:
        """Whether the current thread is the portal's own event loop thread.

        Returns:
            ``True`` when called from code running on the portal's loop.
        """
        return threading.get_ident() == self._loop_thread_id

    def call(self, func: Callable[[], Awaitable[T]]) -> T:
        """Run a coroutine function on the portal's loop and wait for its result.

        Callers bind arguments with ``functools.partial`` and pass a callable that takes none.

        Args:
            func: A callable taking no arguments and returning an awaitable.

        Returns:
            What the awaitable returned.

        Raises:
            ClientClosedError: The portal is closed or closing.
            RuntimeError: Called from the portal's own loop thread (it would deadlock).
            BaseException: Whatever ``func`` raised, unchanged.
        """
        self._admit()
        try:
            pending = _Call(func)
            self._loop.call_soon_threadsafe(pending.start, self._loop)
            try:
                pending.done.acquire()
            except BaseException:
                # The *wait* was interrupted (e.g. KeyboardInterrupt): cancel the task on the
                # loop, so the abandoned request neither keeps running nor holds a connection.
                # ``start`` was queued first and the loop runs callbacks in order, so the task
                # exists by the time ``cancel`` runs.
                self._loop.call_soon_threadsafe(pending.cancel)
                raise
            return cast(T, pending.outcome())
        finally:
            self._leave()

    def run_sync(self, func: Callable[[], T]) -> T:
        """Run a plain function on the portal's loop thread and wait for its result.

        Used off the hot path (building a client, ``with_options``), through anyio's portal.

        Args:
            func: A callable taking no arguments.

        Returns:
            What ``func`` returned.

        Raises:
            ClientClosedError: The portal is closed or closing.
            RuntimeError: Called from the portal's own loop thread (it would deadlock).
            BaseException: Whatever ``func`` raised, unchanged.
        """
        self._admit()
        try:
            return self._portal.start_task_soon(func).result()
        finally:
            self._leave()

    def _admit(self) -> None:
        # Every call is counted while it runs, so that ``close()`` can wait for it.
        if threading.get_ident() == self._loop_thread_id:
            raise RuntimeError(_REENTRY_MESSAGE)
        with self._lock:
            if self._closing:
                raise ClientClosedError(_CLOSED_MESSAGE)
            self._inflight += 1

    def _leave(self) -> None:
        with self._lock:
            self._inflight -= 1
            if not self._inflight:
                self._idle.notify_all()

    def close(self, final: Callable[[], Awaitable[None]] | None = None) -> None:
        """Refuse new calls, let running ones finish, run ``final`` on the loop, join the thread.

        Safe to call twice (the second call returns at once). Called from the portal's own
        thread (for instance by a garbage-collection finalizer that happens to run there), the
        shutdown is handed to a helper thread, because a thread cannot join itself.

        Args:
            final: A coroutine function run on the loop before it stops (e.g. closing the
                aiohttp session, which must happen on the loop it belongs to).

        Raises:
            BaseException: Whatever ``final`` raised (the thread is joined all the same).
        """
        with self._lock:
            if self._closing:
                return
            self._closing = True
        if self.in_loop_thread():
            threading.Thread(
                target=self._shutdown, args=(final,), name="chatkit-async-portal-close", daemon=True
            ).start()
            return
        self._shutdown(final)

    def _shutdown(self, final: Callable[[], Awaitable[None]] | None) -> None:
        with self._lock:
            while self._inflight:
                self._idle.wait()
        try:
            if final is not None:
                self._portal.call(final)
        finally:
            self._stack.close()


class _Call:
    """One blocking call in flight: the caller sleeps on ``done``, the loop fills in the outcome.

    ``done`` is created locked; the coroutine's wrapper releases it as its very last act, after
    storing either ``value`` or ``error``. A plain lock is the cheapest thing one thread can sleep
    on and another wake it with (``concurrent.futures.Future`` adds a condition variable, a
    callback chain and an extra loop iteration).
    """

    __slots__ = ("done", "error", "func", "task", "value")

    def __init__(self, func: Callable[[], Awaitable[Any]]) -> None:
        self.func = func
        self.done = threading.Lock()
        self.done.acquire()
        self.value: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the call as a task (on the loop thread, from ``call_soon_threadsafe``)."""
        self.task = _start_task(loop, self._run())

    async def _run(self) -> None:
        try:
            self.value = await self.func()
        except BaseException as exc:  # handed to the waiting caller, who raises it
            self.error = exc
        finally:
            self.done.release()

    def cancel(self) -> None:
        """Cancel the task (on the loop thread) after the caller stopped waiting for it."""
        if self.task is not None:
            self.task.cancel()

    def outcome(self) -> Any:
        """The value, or raise the error (in the caller's thread, once ``done`` was acquired)."""
        error = self.error
        if error is None:
            return self.value
        # Drop our references before raising: the traceback refers to this frame, and a cycle
        # would keep the error (and everything its frames hold) alive until the next GC pass.
        self.error = None
        try:
            raise error
        finally:
            del error


if sys.version_info >= (3, 12):

    def _start_task(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        # Run the first step now, inside this callback, instead of one loop iteration later:
        # the request is on the wire before the loop polls again.
        return asyncio.Task(coro, loop=loop, eager_start=True)

else:

    def _start_task(
        loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, None]
    ) -> asyncio.Task[None]:
        return loop.create_task(coro)
