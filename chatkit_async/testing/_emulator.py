"""The ChatKit emulator's facade: one object to start, seed, inspect and break the server.

This module owns [`ChatKitEmulator`][chatkit_async.testing.ChatKitEmulator], which composes the
emulator's rooms and adds no behaviour of its own: the data (``EmulatorStore`` behind one lock), the
request pipeline and route table (``_pipeline``, ``_routes``), fault injection
(``FaultQueue``), the rate limit (``RateLimit``), the request log
(``RequestLog``) and the lifecycle (``ServerLifecycle``). It
also owns [`serve_forever`][chatkit_async.testing.serve_forever], which runs one from a terminal
(``chatkit-async emulator``).

The emulator is an independent oracle: it emits plain dicts and never imports the SDK.

Example:
    Sync code (the server runs on its own loop in a daemon thread):

        with ChatKitEmulator() as emu:
            client = ChatKit(api_key=emu.api_key, base_url=emu.base_url)

    Async code (the server runs on the current loop):

        async with ChatKitEmulator(demo=False) as emu:
            emu.add_thread(id="cthr_1")
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Literal

from aiohttp import web

from ._demo import build_demo
from ._faults import FaultQueue, FaultSpec
from ._lifecycle import ServerLifecycle
from ._pipeline import Pipeline, Settings, make_app
from ._ratelimit import RateLimit
from ._requestlog import RecordedRequest, RequestLog
from ._routes import Operations
from ._store import EmulatorStore

__all__ = ["DEFAULT_API_KEY", "ChatKitEmulator", "serve_forever"]

#: The API key an emulator accepts unless told otherwise.
DEFAULT_API_KEY = "sk-test-emulator"


class ChatKitEmulator:
    """An in-process ChatKit API server for tests, demos and benchmarks.

    The emulator serves on ``host:port`` (an ephemeral loopback port by default) once started,
    either in a background thread ([`start`][chatkit_async.testing.ChatKitEmulator.start] /
    [`stop`][chatkit_async.testing.ChatKitEmulator.stop] or ``with``) or on the running loop
    ([`astart`][chatkit_async.testing.ChatKitEmulator.astart] /
    [`astop`][chatkit_async.testing.ChatKitEmulator.astop] or ``async with``). Seeding, inspection
    and fault injection are plain thread-safe methods, callable before or after starting.

    Behaviour:
        * Lists are ordered by ``created_at`` then insertion order, ``desc`` by default.
          ``after=X`` returns the ``limit`` elements following X in listing order, ``before=X``
          the ``limit`` elements immediately preceding X (still in listing order); ``has_more``
          tells whether elements remain beyond the page in the direction of travel. Both
          cursors at once, an unknown cursor, a bad ``limit``/``order``/``user`` are 400s. A
          cursor naming a deleted element keeps its position.
        * 401 without ``Authorization: Bearer <api_key>`` (any key when ``api_key`` is None),
          400 ``missing_beta_header`` without ``OpenAI-Beta: chatkit_beta=v1`` (when
          ``require_beta_header``), 404 for unknown ids or routes, 405 for a known route with
          the wrong method, 400 for malformed JSON or an invalid session request.
        * Every response carries ``x-request-id: req_<hex>``; errors use
          ``{"error": {"message", "type", "param", "code"}}``.

    Args:
        api_key: The only bearer key accepted; ``None`` accepts any key.
        host: Interface to bind (loopback by default).
        port: Port to bind; 0 picks a free port.
        seed: Seed of generated ids (and of the demo data set when ``demo``).
        demo: Seed the demo data set at construction (see
            [`seed_demo`][chatkit_async.testing.ChatKitEmulator.seed_demo]).
        demo_threads: Number of demo threads.
        require_beta_header: Reject requests lacking ``OpenAI-Beta: chatkit_beta=v1``.
        record_requests: Keep the request log (turn off for long benchmarks).
        rate_limit: Requests per second admitted (a token bucket); requests beyond it get a 429
            with ``retry-after-ms`` and OpenAI's ``x-ratelimit-*-requests`` headers, which every
            response carries while a limit is set. ``None``: no limit. See
            [`set_rate_limit`][chatkit_async.testing.ChatKitEmulator.set_rate_limit].
        rate_limit_burst: How many requests the bucket admits back to back (default: one
            second's worth).
    """

    def __init__(
        self,
        *,
        api_key: str | None = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 0,
        demo: bool = True,
        demo_threads: int = 12,
        require_beta_header: bool = True,
        record_requests: bool = True,
        rate_limit: float | None = None,
        rate_limit_burst: int | None = None,
    ) -> None:
        self._settings = Settings(api_key=api_key, require_beta_header=require_beta_header)
        self._lock = threading.RLock()  # every access to the store, from any thread
        self._store = EmulatorStore(seed)
        self._faults = FaultQueue()
        self._log = RequestLog(enabled=record_requests)
        self._rate_limit = RateLimit()
        self._rate_limit.set(rate_limit, rate_limit_burst)
        self._server = ServerLifecycle(self._make_app, host=host, port=port)
        if demo:
            self.seed_demo(seed, demo_threads)

    def _make_app(self, closing: asyncio.Event) -> web.Application:
        """The application of one run: the pipeline around the six operations."""
        pipeline = Pipeline(
            settings=self._settings,
            rate_limit=self._rate_limit,
            faults=self._faults,
            log=self._log,
            closing=closing,
        )
        return make_app(pipeline, Operations(self._store, self._lock))

    def __repr__(self) -> str:
        where = self._url_root() if self.is_running else "stopped"
        return f"<ChatKitEmulator {where}>"

    # ------------------------------------------------------------------ properties

    @property
    def api_key(self) -> str | None:
        """The accepted API key (``None``: any bearer key is accepted)."""
        return self._settings.api_key

    @property
    def host(self) -> str:
        """The interface the server binds."""
        return self._server.host

    @property
    def port(self) -> int:
        """The bound port.

        Raises:
            RuntimeError: If the emulator is not running.
        """
        port = self._server.bound_port
        if port is None:
            raise RuntimeError("the emulator is not running: call start() or use 'async with'")
        return port

    @property
    def base_url(self) -> str:
        """Base URL for a client, e.g. ``"http://127.0.0.1:54321/v1"``.

        Raises:
            RuntimeError: If the emulator is not running.
        """
        return self._url_root() + "/v1"

    @property
    def is_running(self) -> bool:
        """Whether the server is listening."""
        return self._server.bound_port is not None

    @property
    def require_beta_header(self) -> bool:
        """Whether requests lacking ``OpenAI-Beta: chatkit_beta=v1`` are refused (settable)."""
        return self._settings.require_beta_header

    @require_beta_header.setter
    def require_beta_header(self, value: bool) -> None:
        self._settings.require_beta_header = value

    @property
    def record_requests(self) -> bool:
        """Whether requests are recorded in
        [`requests`][chatkit_async.testing.ChatKitEmulator.requests] (settable; off for long
        runs)."""
        return self._log.enabled

    @record_requests.setter
    def record_requests(self, value: bool) -> None:
        self._log.enabled = value

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the request log, oldest first."""
        return self._log.snapshot()

    @property
    def rate_limited(self) -> int:
        """How many requests the rate limit refused with a 429."""
        return self._rate_limit.refused

    def set_rate_limit(self, rate: float | None, *, burst: int | None = None) -> None:
        """Start, change or stop enforcing a rate limit (a token bucket, full when set).

        Args:
            rate: Requests per second; ``None`` removes the limit.
            burst: How many requests are admitted back to back (default: one second's worth).

        Raises:
            ValueError: ``rate`` is not positive and finite, or ``burst`` is below 1.
        """
        self._rate_limit.set(rate, burst)

    @property
    def faults_served(self) -> int:
        """How many injected faults (queued or random) were served."""
        return self._faults.served

    def _url_root(self) -> str:
        port = self.port
        host = self.host
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{port}"

    # ------------------------------------------------------------------ seeding

    def add_thread(
        self,
        *,
        id: str | None = None,
        user: str = "user_1",
        title: str | None = None,
        status: Mapping[str, Any] | None = None,
        created_at: int | None = None,
    ) -> dict[str, Any]:
        """Adds a schema-valid thread.

        Args:
            id: Thread id; a random-looking ``cthr_...`` id when ``None``.
            user: Owner.
            title: Title (``None`` is served as null).
            status: Status dict, ``{"type": "active"}`` by default; ``locked``/``closed``
                without ``reason`` get ``"reason": null``; other dicts are served as given.
            created_at: Unix seconds; one second after the newest thread when ``None``.

        Returns:
            The thread as served (a copy).

        Raises:
            ValueError: If the id is taken.
        """
        with self._lock:
            return self._store.add_thread(
                id=id, user=user, title=title, status=status, created_at=created_at
            )

    def add_raw_thread(self, thread: Mapping[str, Any]) -> dict[str, Any]:
        """Adds a thread dict served verbatim (``id``/``created_at`` filled only if missing).

        Args:
            thread: The thread object as it should be served (any JSON object).

        Returns:
            The thread as served.

        Raises:
            TypeError: If the id is not a string or the dict is not JSON-serializable.
            ValueError: If the id is taken.
        """
        with self._lock:
            return self._store.add_raw_thread(thread)

    def add_item(
        self,
        thread_id: str,
        type: str = "chatkit.user_message",
        *,
        id: str | None = None,
        created_at: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Adds a schema-valid item of one of the six types.

        Args:
            thread_id: Parent thread (must exist).
            type: Item type, full (``"chatkit.widget"``) or bare (``"widget"``); it is served
                in the full spelling.
            id: Item id; a random-looking ``cthi_...`` id when ``None``.
            created_at: Unix seconds; one second after the thread's newest item when ``None``.
            **fields: Values overriding the type's defaults (extra keys are served too). For
                user and assistant messages, ``text="..."`` sets a one-part content.

        Returns:
            The item as served.

        Raises:
            KeyError: If the thread does not exist.
            ValueError: If the type is unknown or the id is taken.
        """
        with self._lock:
            return self._store.add_item(
                thread_id, type, id=id, created_at=created_at, fields=fields
            )

    def add_raw_item(self, thread_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
        """Adds any item dict, served verbatim (``id``/``created_at`` filled only if missing).

        Use it for unknown types, the bare spelling (``"user_message"``) or extra fields.

        Args:
            thread_id: Parent thread (must exist).
            item: The item object as it should be served (any JSON object).

        Returns:
            The item as served.

        Raises:
            KeyError: If the thread does not exist.
            TypeError: If the id is not a string or the dict is not JSON-serializable.
            ValueError: If the id is taken.
        """
        with self._lock:
            return self._store.add_raw_item(thread_id, item)

    def add_items(
        self, thread_id: str, n: int, *, types: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Adds ``n`` items at once, cycling through ``types`` (all six by default).

        Args:
            thread_id: Parent thread (must exist).
            n: How many items to add.
            types: Item types to cycle through (full or bare spelling).

        Returns:
            The items as served, in creation order.

        Raises:
            KeyError: If the thread does not exist.
            ValueError: If ``n`` is negative or a type is unknown.
        """
        with self._lock:
            return self._store.add_items(thread_id, n, types=types)

    def seed_demo(self, seed: int = 0, threads: int = 12) -> None:
        """Adds the deterministic demo data set (same seed: identical ids, times and content).

        It has three users (``user_1`` .. ``user_3``), active/locked/closed threads, null and
        non-null titles, every item type, annotations and attachments, an empty thread and a
        45-item thread. See ``chatkit_async.testing._demo.build_demo``.

        Args:
            seed: Seed of the data set (ids, timestamps and content).
            threads: How many threads to add.

        Raises:
            ValueError: If its ids are already present (seeding the same demo twice).
        """
        demo = build_demo(seed, threads)
        with self._lock:
            self._store.load_demo(demo)

    def reset(self) -> None:
        """Removes all data, queued and random faults, and the request log."""
        with self._lock:
            self._store.clear()
        self._faults.reset()
        self._log.clear()

    # ------------------------------------------------------------------ inspection

    def threads(self) -> list[dict[str, Any]]:
        """Returns copies of all threads in creation order."""
        with self._lock:
            return self._store.threads_snapshot()

    def items(
        self, thread_id: str, *, order: Literal["created", "asc", "desc"] = "created"
    ) -> list[dict[str, Any]]:
        """Returns copies of a thread's items.

        Args:
            thread_id: The thread.
            order: ``"created"`` (creation order), or the listing order ``"asc"``/``"desc"``.

        Raises:
            KeyError: If the thread does not exist.
        """
        with self._lock:
            return self._store.items_snapshot(thread_id, order)

    def sessions(self) -> list[dict[str, Any]]:
        """Returns copies of all sessions in creation order."""
        now = int(time.time())
        with self._lock:
            return self._store.sessions_snapshot(now)

    def clear_requests(self) -> None:
        """Empties the request log."""
        self._log.clear()

    # ------------------------------------------------------------------ faults

    def inject(self, *faults: FaultSpec) -> None:
        """Queues faults for the next matching requests (FIFO, each ``times`` times).

        Args:
            *faults: The faults, served in the order given.
        """
        self._faults.push(*faults)

    def clear_faults(self) -> None:
        """Drops queued faults and turns random faults off."""
        self._faults.clear()

    def inject_random_faults(
        self,
        *,
        rate: float,
        seed: int,
        kinds: Sequence[str] = ("429", "500", "503", "drop", "delay"),
        delay: float = 0.01,
        retry_after_ms: int = 5,
    ) -> None:
        """Serves a seeded random mix of faults on every request (queued faults go first).

        With the same seed, the n-th request always gets the same fault (or none).

        Args:
            rate: Probability of a fault per request, 0..1; 0 turns random faults off.
            seed: Seed of the random sequence.
            kinds: Fault kinds: a status code such as ``"429"`` (served with a
                ``retry-after-ms`` header), ``"drop"`` or ``"delay"``.
            delay: Seconds slept by a ``"delay"`` fault (the request then succeeds).
            retry_after_ms: Value of the ``retry-after-ms`` header of status faults.

        Raises:
            ValueError: On a rate outside 0..1, no kinds, or an unknown kind.
        """
        self._faults.set_random(rate, seed, kinds, delay=delay, retry_after_ms=retry_after_ms)

    # ------------------------------------------------------------------ lifecycle

    async def astart(self) -> ChatKitEmulator:
        """Starts serving on the running event loop.

        Returns:
            The emulator itself.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """
        await self._server.astart()
        return self

    async def astop(self) -> None:
        """Stops serving and closes every connection (no-op when not running).

        An emulator started with [`start`][chatkit_async.testing.ChatKitEmulator.start] is stopped
        in a worker thread.

        Raises:
            RuntimeError: If called from another loop than the one that ran
                [`astart`][chatkit_async.testing.ChatKitEmulator.astart].
        """
        await self._server.astop()

    async def __aenter__(self) -> ChatKitEmulator:
        """Starts serving on the running loop (unless already running)."""
        if not self.is_running:
            await self.astart()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stops serving."""
        await self.astop()

    def start(self) -> ChatKitEmulator:
        """Starts serving from a daemon thread with its own event loop; blocks until listening.

        It works from plain sync code and from a thread whose own loop is running (Jupyter).

        Returns:
            The emulator itself, so ``emu = ChatKitEmulator().start()`` works.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """
        self._server.start()
        return self

    def stop(self) -> None:
        """Stops the background server and joins its thread (no-op when not running).

        Raises:
            RuntimeError: If the emulator was started with
                [`astart`][chatkit_async.testing.ChatKitEmulator.astart].
        """
        self._server.stop()

    def __enter__(self) -> ChatKitEmulator:
        """Starts the background server (unless already running)."""
        if not self.is_running:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stops the background server."""
        self.stop()


def serve_forever(
    port: int = 0,
    seed: int = 0,
    threads: int = 12,
    host: str = "127.0.0.1",
    *,
    api_key: str | None = DEFAULT_API_KEY,
    require_beta_header: bool = True,
    rate_limit: float | None = None,
    on_ready: Callable[[ChatKitEmulator], None] | None = None,
) -> None:
    """Runs an emulator in the foreground until Ctrl+C or SIGTERM.

    Args:
        port: Port to bind (0 picks a free one).
        seed: Seed of the demo data and ids.
        threads: Number of demo threads (0: no demo data).
        host: Interface to bind.
        api_key: Accepted key (``None``: any).
        require_beta_header: Reject requests without ``OpenAI-Beta: chatkit_beta=v1``.
        rate_limit: Requests per second admitted (``None``: no limit).
        on_ready: Called once listening; by default a line with the base URL is printed.

    Raises:
        OSError: If the address cannot be bound.
    """
    emulator = ChatKitEmulator(
        api_key=api_key,
        host=host,
        port=port,
        seed=seed,
        demo=threads > 0,
        demo_threads=threads,
        require_beta_header=require_beta_header,
        rate_limit=rate_limit,
    )

    def ready() -> None:
        if on_ready is not None:
            on_ready(emulator)
            return
        key = emulator.api_key if emulator.api_key is not None else "any key"
        print(
            f"ChatKit emulator listening on {emulator.base_url} (API key: {key}); "
            "press Ctrl+C to stop",
            flush=True,
        )

    emulator._server.run_in_foreground(ready)
