"""Running an aiohttp application on a port, from sync or async code: the emulator's lifecycle.

This module owns ``ServerLifecycle``: binding the socket (an ephemeral loopback port by
default), serving either on the caller's running loop (``astart`` / ``astop``) or on a loop of its
own in a daemon thread (``start`` / ``stop``, which works from plain code and from a thread whose
loop is already running, as in Jupyter), shutting down promptly (the ``closing`` event cuts
pending fault delays short, then connections are closed), and serving in the foreground until
Ctrl+C or SIGTERM (``run_in_foreground``). It knows nothing of ChatKit: it is handed a factory that
builds a fresh application for each start.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import threading
from collections.abc import Callable
from typing import Literal

from aiohttp import web

__all__ = ["AppFactory", "ServerLifecycle"]

#: Builds the application for one run; it gets the event set when that run shuts down.
AppFactory = Callable[[asyncio.Event], web.Application]

_SHUTDOWN_TIMEOUT = 2.0


class ServerLifecycle:
    """Serves applications from ``factory`` on ``host:port``, one run at a time, restartable.

    Args:
        factory: Builds the application of each run.
        host: Interface to bind.
        port: Port to bind; 0 picks a free port (a new one at each start).
    """

    def __init__(self, factory: AppFactory, *, host: str, port: int) -> None:
        self._factory = factory
        self._host = host
        self._port = port
        self._guard = threading.Lock()  # start/stop from several threads
        self._mode: Literal["sync", "async"] | None = None
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Event | None = None
        self._stop_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._thread_error: BaseException | None = None

    @property
    def host(self) -> str:
        """The interface the server binds."""
        return self._host

    @property
    def bound_port(self) -> int | None:
        """The port listened on, ``None`` while stopped."""
        return self._bound_port

    # ------------------------------------------------------------------ serving (any loop)

    async def _start_server(self) -> None:
        closing = asyncio.Event()
        app = self._factory(closing)  # before the socket exists: building may raise
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(
            self._host, self._port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
        family, socktype, proto, _, address = infos[0]
        sock = socket.socket(family, socktype, proto)
        try:
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.setblocking(False)
        except BaseException:
            sock.close()
            raise
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=_SHUTDOWN_TIMEOUT)
        try:
            await runner.setup()
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            raise
        self._closing = closing
        self._runner = runner
        self._bound_port = int(sock.getsockname()[1])

    async def _stop_server(self) -> None:
        runner, self._runner = self._runner, None
        self._bound_port = None
        if self._closing is not None:
            self._closing.set()
        try:
            if runner is not None:
                await runner.cleanup()
        finally:
            self._closing = None

    # ------------------------------------------------------------------ on the caller's loop

    async def astart(self) -> None:
        """Starts serving on the running event loop.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """
        with self._guard:
            if self._mode is not None:
                raise RuntimeError("the emulator is already running")
            self._mode = "async"
        try:
            self._loop = asyncio.get_running_loop()
            await self._start_server()
        except BaseException:
            self._loop = None
            self._mode = None
            raise

    async def astop(self) -> None:
        """Stops serving and closes every connection (no-op when not running).

        A server started with ``start`` is stopped in a worker thread.

        Raises:
            RuntimeError: If called from another loop than the one that ran ``astart``.
        """
        if self._mode == "sync":
            await asyncio.to_thread(self.stop)
            return
        if self._mode is None:
            return
        if asyncio.get_running_loop() is not self._loop:
            raise RuntimeError("astop() must run on the event loop that ran astart()")
        try:
            await self._stop_server()
        finally:
            self._loop = None
            self._mode = None

    # ------------------------------------------------------------------ in a thread of its own

    def start(self) -> None:
        """Starts serving from a daemon thread with its own event loop; blocks until listening.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """
        with self._guard:
            if self._mode is not None:
                raise RuntimeError("the emulator is already running")
            ready = threading.Event()
            self._thread_error = None
            thread = threading.Thread(
                target=self._thread_main, args=(ready,), name="chatkit-emulator", daemon=True
            )
            thread.start()
            ready.wait()
            error = self._pop_thread_error()
            if error is not None:
                thread.join()
                raise error
            self._thread = thread
            self._mode = "sync"

    def stop(self) -> None:
        """Stops the background server and joins its thread (no-op when not running).

        Raises:
            RuntimeError: If the server was started with ``astart``.
        """
        with self._guard:
            if self._mode is None:
                return
            if self._mode == "async":
                raise RuntimeError("this emulator was started with astart(); use 'await astop()'")
            thread, loop, event = self._thread, self._loop, self._stop_event
            if thread is not None and thread.is_alive() and loop is not None and event is not None:
                loop.call_soon_threadsafe(event.set)
            if thread is not None:
                thread.join()
            self._thread = None
            self._loop = None
            self._stop_event = None
            self._mode = None
            error = self._pop_thread_error()
        if error is not None:
            raise error

    def _pop_thread_error(self) -> BaseException | None:
        error, self._thread_error = self._thread_error, None
        return error

    def _thread_main(self, ready: threading.Event) -> None:
        try:
            asyncio.run(self._serve_in_thread(ready))
        except BaseException as exc:  # reported by stop()
            self._thread_error = exc
        finally:
            ready.set()

    async def _serve_in_thread(self, ready: threading.Event) -> None:
        self._loop = asyncio.get_running_loop()
        stop = self._stop_event = asyncio.Event()
        try:
            await self._start_server()
        except BaseException as exc:
            self._thread_error = exc
            ready.set()
            return
        ready.set()
        try:
            await stop.wait()
        finally:
            await self._stop_server()

    # ------------------------------------------------------------------ in the foreground

    def run_in_foreground(self, on_ready: Callable[[], None]) -> None:
        """Serves on a new event loop in this thread until Ctrl+C or SIGTERM, then stops.

        Args:
            on_ready: Called once listening.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """

        async def run() -> None:
            await self.astart()
            try:
                on_ready()
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                try:
                    loop.add_signal_handler(signal.SIGTERM, stop.set)
                    handles_sigterm = True
                except (NotImplementedError, RuntimeError, ValueError):
                    handles_sigterm = False
                try:
                    await stop.wait()
                finally:
                    if handles_sigterm:
                        loop.remove_signal_handler(signal.SIGTERM)
            finally:
                await self.astop()

        try:
            asyncio.run(run())
        except KeyboardInterrupt:
            pass
