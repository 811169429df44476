"""The blocking portal behind [`ChatKit`][chatkit_async.ChatKit]: the only user of ``anyio.from_thread``.

This module owns one thing: a long-lived event loop in a thread of its own, and a way for any other
thread to run a coroutine function on it and wait for the result. The blocking client runs the one
async core (``AsyncChatKit``) on that loop, so its aiohttp session is born there and lives there; no
second HTTP stack, no ``asyncio.run`` per call, no ``nest_asyncio``.

Why a thread of its own: ``asyncio.run()`` refuses to start in a thread whose loop is already running
(Jupyter, IPython, an async web framework calling sync code). The portal's loop never runs in the
caller's thread, so a blocking call works from any thread, including several at once.

Two pieces, each with one job. anyio *runs* the loop: the thread calls ``anyio.run``, which hosts an
anyio ``BlockingPortal`` for the portal's lifetime (its stop event is what ends the thread). Every
*call* (the hot path, the rare ``run_sync``, and the final stop) is handed over by this module's own
``_Call``: one ``call_soon_threadsafe`` to start a task, and a bare ``threading.Lock`` the task
releases as its last act. The benchmarks chose this hand-off: anyio's ``BlockingPortal.call`` goes
through a ``concurrent.futures.Future``, a chained callback and an extra loop iteration, and measured
about 40 % slower per blocking request (``python -m benchmarks.hop_bench``). On Python 3.12+ the task
also starts eagerly, in the same loop iteration that received it. The thread is started by hand rather
than with ``start_blocking_portal`` because that context manager's clean-up blocks until the loop
thread answers, and in a forked child (where the thread does not exist) the garbage collector would
run it at exit and wait forever.

Rules it enforces:

* A portal is started fully or not at all: if the loop cannot start, the constructor raises after
  the thread has ended.
* An exception raised on the loop surfaces unchanged (same object, same class) in the caller's
  thread. If the waiting caller is interrupted (``KeyboardInterrupt``), the task on the loop is
  cancelled, so an abandoned request does not keep running or hold its connection.
* A blocking call made *from* the loop's own thread raises ``RuntimeError`` at once: it could only
  wait forever for a loop that is waiting for it.
* Closing never hangs. ``Portal.close`` refuses new calls, runs the final clean-up on the loop
  (closing the aiohttp session, which makes requests in flight fail at once), gives calls still
  running a moment, cancels what is left (those callers get ``ClientClosedError``), stops the loop
  and joins the thread, each step bounded. Closing at interpreter exit (a client's finalizer) takes
  the same path, so daemon threads stuck on a stalled server or ``timeout=None`` do not hold the
  interpreter up.
* In a child made by ``os.fork()`` the loop thread does not exist: calls raise
  [`ChatKitError`][chatkit_async.ChatKitError] at once, and closing only forgets the parent's thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Final, TypeVar, cast

import anyio
from anyio.from_thread import BlockingPortal

from ._exceptions import ChatKitError, ClientClosedError
from ._process import FORKED_MESSAGE, fork_generation

__all__ = ["Portal"]

T = TypeVar("T")

_CLOSED_MESSAGE = "This client has been closed."
_REENTRY_MESSAGE = (
    "A blocking ChatKit call was made from the client's own event loop thread, where it would "
    "wait forever; use the AsyncChatKit core there instead."
)
#: Seconds the final clean-up (closing the aiohttp session) may take before closing moves on.
CLOSE_FINAL_TIMEOUT: Final = 2.0
#: Seconds calls still running after the clean-up get to finish before they are cancelled.
CLOSE_GRACE: Final = 0.5
#: Seconds to wait for cancelled calls, and then for the loop thread to end.
CLOSE_STOP_TIMEOUT: Final = 2.0


class Portal:
    """An event loop in a daemon thread, callable from any other thread (see the module docstring).

    Creating a portal starts its thread; ``close`` stops and joins it.

    Raises:
        RuntimeError: The event loop thread could not be started.
    """

    __slots__ = (
        "_calls",
        "_closing",
        "_generation",
        "_idle",
        "_lock",
        "_loop",
        "_loop_thread_id",
        "_portal",
        "_thread",
    )

    def __init__(self) -> None:
        started = _Started()
        thread = threading.Thread(
            target=_run_loop, args=(started,), name="chatkit-async-portal", daemon=True
        )
        thread.start()
        started.ready.wait()
        if started.error is not None or started.portal is None or started.loop is None:
            thread.join()
            raise RuntimeError("The blocking client's event loop could not start.") from (
                started.error
            )
        self._thread = thread
        self._portal: BlockingPortal = started.portal
        self._loop_thread_id: int = started.ident
        self._loop: asyncio.AbstractEventLoop = started.loop
        self._generation = fork_generation()
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._calls: set[_Call] = set()
        self._closing = False

    @property
    def closed(self) -> bool:
        """Whether ``close`` has been called (new calls are refused)."""
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
            ClientClosedError: The portal is closed or closing, or closing cancelled the call.
            ChatKitError: The portal was created in another process (before ``os.fork()``).
            RuntimeError: Called from the portal's own loop thread (it would deadlock).
            BaseException: Whatever ``func`` raised, unchanged.
        """
        pending = _Call(func)
        self._admit(pending)
        try:
            try:
                self._loop.call_soon_threadsafe(pending.start, self._loop)
                pending.done.acquire()
            except BaseException:
                # The caller was interrupted (e.g. KeyboardInterrupt) while the call was being
                # queued or while it waited: cancel the task on the loop, so the abandoned request
                # neither keeps running nor holds a connection. The interrupt may land between
                # the two lines above, so both are covered. Callbacks run in order: a queued
                # ``start`` runs before ``cancel``; if it was never queued, ``cancel`` does nothing.
                with contextlib.suppress(RuntimeError):  # a closed loop: nothing runs there
                    self._loop.call_soon_threadsafe(pending.cancel)
                raise
            return cast(T, pending.outcome())
        finally:
            self._leave(pending)

    def run_sync(self, func: Callable[[], T]) -> T:
        """Run a plain function on the portal's loop thread and wait for its result.

        Used off the hot path (building a client, ``with_options``), through the same hand-off
        as ``call``.

        Args:
            func: A callable taking no arguments.

        Returns:
            What ``func`` returned.

        Raises:
            ClientClosedError: The portal is closed or closing.
            RuntimeError: Called from the portal's own loop thread (it would deadlock).
            BaseException: Whatever ``func`` raised, unchanged.
        """

        async def run() -> T:
            return func()

        return self.call(run)

    def _admit(self, pending: _Call) -> None:
        # Every call is registered while it runs, so that ``close()`` can wait for or cancel it.
        if self._generation != fork_generation():
            raise ChatKitError(FORKED_MESSAGE)
        if threading.get_ident() == self._loop_thread_id:
            raise RuntimeError(_REENTRY_MESSAGE)
        with self._lock:
            if self._closing:
                raise ClientClosedError(_CLOSED_MESSAGE)
            self._calls.add(pending)

    def _leave(self, pending: _Call) -> None:
        with self._lock:
            self._calls.discard(pending)
            if not self._calls:
                self._idle.notify_all()

    def close(self, final: Callable[[], Awaitable[None]] | None = None) -> None:
        """Refuse new calls, clean up on the loop, end running calls, stop and join the thread.

        Each step is bounded (see the module docstring), so closing returns within a few seconds
        whatever the calls in flight are waiting for. Safe to call twice (the second call returns
        at once). Called from the portal's own thread (for instance by a garbage-collection
        finalizer that happens to run there), the shutdown is handed to a helper thread, because
        a thread cannot join itself. In a child made by ``os.fork()`` it only marks the portal
        closed: the parent's loop thread is not in this process.

        Args:
            final: A coroutine function run on the loop first (e.g. closing the aiohttp session,
                which must happen on the loop it belongs to).

        Raises:
            BaseException: Whatever ``final`` raised (the thread is stopped all the same).
        """
        with self._lock:
            if self._closing:
                return
            self._closing = True
        if self._generation != fork_generation():
            return
        if self.in_loop_thread():
            threading.Thread(
                target=self._shutdown, args=(final,), name="chatkit-async-portal-close", daemon=True
            ).start()
            return
        self._shutdown(final)

    def _shutdown(self, final: Callable[[], Awaitable[None]] | None) -> None:
        error: BaseException | None = None
        if final is not None:
            cleanup = _Call(final)
            self._loop.call_soon_threadsafe(cleanup.start, self._loop)
            if cleanup.done.acquire(timeout=CLOSE_FINAL_TIMEOUT):
                error = cleanup.error
                cleanup.error = None
            else:
                self._loop.call_soon_threadsafe(cleanup.cancel)
        try:
            self._end_calls()
        finally:
            self._stop_loop()
        if error is not None:
            try:
                raise error
            finally:
                del error

    def _end_calls(self) -> None:
        """Give running calls ``CLOSE_GRACE`` seconds, then cancel the rest."""
        with self._lock:
            self._idle.wait_for(lambda: not self._calls, timeout=CLOSE_GRACE)
            remaining = list(self._calls)
        if not remaining:
            return
        for pending in remaining:
            pending.closing = True
            self._loop.call_soon_threadsafe(pending.cancel)
        with self._lock:
            self._idle.wait_for(lambda: not self._calls, timeout=CLOSE_STOP_TIMEOUT)

    def _stop_loop(self) -> None:
        """Stop the loop and join its thread, giving up after ``CLOSE_STOP_TIMEOUT``."""
        stop = _Call(self._portal.stop)
        try:
            self._loop.call_soon_threadsafe(stop.start, self._loop)
        except RuntimeError:  # the loop has ended already
            pass
        self._thread.join(CLOSE_STOP_TIMEOUT)
        # A loop wedged by something that ignores cancellation: wake whoever still waits (the
        # loop thread is a daemon and goes with the interpreter).
        with self._lock:
            stranded = list(self._calls)
        for pending in stranded:
            pending.abandon()


class _Started:
    """What the loop thread reports once it runs (or why it could not start)."""

    __slots__ = ("error", "ident", "loop", "portal", "ready")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.portal: BlockingPortal | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.ident = 0
        self.error: BaseException | None = None


def _run_loop(started: _Started) -> None:
    """The portal thread: run an event loop with anyio until the portal is stopped."""

    async def serve() -> None:
        async with BlockingPortal() as portal:
            started.portal = portal
            started.loop = asyncio.get_running_loop()
            started.ident = threading.get_ident()
            started.ready.set()
            await portal.sleep_until_stopped()

    try:
        anyio.run(serve, backend="asyncio")
    except BaseException as exc:  # reported to the constructor if it is still waiting
        started.error = exc
    finally:
        started.ready.set()


class _Call:
    """One blocking call in flight: the caller sleeps on ``done``, the loop fills in the outcome.

    ``done`` is created locked and released exactly once, by whoever finishes the call first: the
    coroutine's wrapper as its very last act, after storing either ``value`` or ``error``, or
    ``abandon`` when closing gives up on a wedged loop (``_finished`` is the latch deciding
    who). A plain lock is the cheapest thing one thread can sleep on and another wake it with
    (``concurrent.futures.Future`` adds a condition variable, a callback chain and an extra loop
    iteration).
    """

    __slots__ = ("_finished", "closing", "done", "error", "func", "task", "value")

    def __init__(self, func: Callable[[], Awaitable[Any]]) -> None:
        self.func = func
        self.done = threading.Lock()
        self.done.acquire()
        self._finished = threading.Lock()
        self.value: Any = None
        self.error: BaseException | None = None
        self.task: asyncio.Task[None] | None = None
        self.closing = False

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start the call as a task (on the loop thread, from ``call_soon_threadsafe``)."""
        self.task = _start_task(loop, self._run())

    async def _run(self) -> None:
        try:
            value = await self.func()
        except BaseException as exc:  # handed to the waiting caller, who raises it
            if self._finished.acquire(blocking=False):
                self.error = exc
                self.done.release()
        else:
            if self._finished.acquire(blocking=False):
                self.value = value
                self.done.release()

    def cancel(self) -> None:
        """Cancel the task (on the loop thread) after the caller stopped waiting for it."""
        if self.task is not None:
            self.task.cancel()

    def abandon(self) -> None:
        """Finish the call with ``ClientClosedError`` if its task never will (a wedged loop)."""
        if self._finished.acquire(blocking=False):
            self.error = ClientClosedError("The client was closed while this call was running.")
            self.done.release()

    def outcome(self) -> Any:
        """The value, or raise the error (in the caller's thread, once ``done`` was acquired)."""
        error = self.error
        if error is None:
            return self.value
        # Drop our references before raising: the traceback refers to this frame, and a cycle
        # would keep the error (and everything its frames hold) alive until the next GC pass.
        self.error = None
        try:
            if self.closing and isinstance(error, asyncio.CancelledError):
                raise ClientClosedError(
                    "The client was closed while this call was running."
                ) from error
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
