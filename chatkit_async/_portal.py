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
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from contextlib import ExitStack
from typing import Any, TypeVar, cast

from anyio.from_thread import BlockingPortal, start_blocking_portal

from ._exceptions import ClientClosedError

__all__ = ["Portal"]

T = TypeVar("T")

_CLOSED_MESSAGE = "This client has been closed."


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

        ``BlockingPortal.call`` takes positional arguments only, so callers bind arguments with
        ``functools.partial`` and pass a callable that takes none.

        Args:
            func: A callable taking no arguments and returning an awaitable.

        Returns:
            What the awaitable returned.

        Raises:
            ClientClosedError: The portal is closed or closing.
            BaseException: Whatever ``func`` raised, unchanged.
        """
        return cast(T, self._submit(func, coroutine=True))

    def run_sync(self, func: Callable[[], T]) -> T:
        """Run a plain function on the portal's loop thread and wait for its result.

        Args:
            func: A callable taking no arguments.

        Returns:
            What ``func`` returned.

        Raises:
            ClientClosedError: The portal is closed or closing.
            BaseException: Whatever ``func`` raised, unchanged.
        """
        return cast(T, self._submit(func))

    def _submit(self, func: Callable[[], Any], *, coroutine: bool = False) -> Any:
        with self._lock:
            if self._closing:
                raise ClientClosedError(_CLOSED_MESSAGE)
            self._inflight += 1
        try:
            future: Future[Any]
            if coroutine:
                # The hot path of every blocking call: asyncio's own thread hand-off measured
                # about 65 us cheaper per call than the portal's task machinery (see
                # docs/performance.md). The portal still owns the loop's lifecycle, and
                # ``close()`` waits for these calls through ``_inflight`` all the same.
                future = asyncio.run_coroutine_threadsafe(_awaited(func), self._loop)
            else:
                future = self._portal.start_task_soon(func)
            try:
                return future.result()
            except BaseException:
                # Only reached with the task still pending when the *wait* was interrupted (e.g.
                # KeyboardInterrupt): cancelling the future cancels the task on the loop. For an
                # exception raised by the task itself the future is done and this is a no-op.
                if not future.done():
                    future.cancel()
                raise
        finally:
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


async def _awaited(func: Callable[[], Awaitable[T]]) -> T:
    return await func()
