"""The ChatKit emulator server: HTTP surface, lifecycle, request log and fault injection.

This module owns :class:`ChatKitEmulator`, a real aiohttp server on loopback that implements the
six ChatKit operations of OpenAI's API (``/v1/chatkit/threads``, ``.../threads/{id}``,
``.../threads/{id}/items``, ``/v1/chatkit/sessions``, ``.../sessions/{id}/cancel``) with the
checks a client meets in production: ``Authorization: Bearer`` and ``OpenAI-Beta:
chatkit_beta=v1`` headers, OpenAI's ``{"error": {...}}`` shape, and an ``x-request-id`` header on
every response. It also owns :class:`RecordedRequest` (the request log),
:class:`FaultSpec` (fault injection) and :func:`serve_forever` (running it from a terminal, as
``chatkit-async emulator`` does).

The emulator is an independent oracle: it emits plain dicts and never imports the SDK. Data and
paging rules live in :mod:`._store`, demo contents in :mod:`._demo`.

Example:
    Sync code (the server runs on its own loop in a daemon thread)::

        with ChatKitEmulator() as emu:
            client = ChatKit(api_key=emu.api_key, base_url=emu.base_url)

    Async code (the server runs on the current loop)::

        async with ChatKitEmulator(demo=False) as emu:
            emu.add_thread(id="cthr_1")
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import re
import secrets
import signal
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal
from urllib.parse import unquote

import orjson
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from ._demo import build_demo
from ._errors import InvalidRequest, NotFound
from ._paging import Order
from ._ratelimit import TokenBucket
from ._store import EmulatorStore

__all__ = [
    "DEFAULT_API_KEY",
    "ChatKitEmulator",
    "FaultSpec",
    "RecordedRequest",
    "serve_forever",
]

#: The API key an emulator accepts unless told otherwise.
DEFAULT_API_KEY = "sk-test-emulator"

_BETA_VALUE = "chatkit_beta=v1"
_API_PREFIX = "/v1/chatkit/"
_LIMIT_RE = re.compile(r"[+-]?[0-9]{1,18}")
_SHUTDOWN_TIMEOUT = 2.0
_NO_BODY_STATUSES = frozenset({204, 304})

_Route = tuple[str, tuple[str, ...]]
_ALLOWED_METHODS: dict[str, tuple[str, ...]] = {
    "threads": ("GET",),
    "thread": ("GET", "DELETE"),
    "items": ("GET",),
    "sessions": ("POST",),
    "cancel": ("POST",),
}

# Type and code of the default error body of an injected status fault.
_FAULT_ERRORS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("authentication_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    408: ("timeout_error", None),
    409: ("conflict_error", None),
    422: ("invalid_request_error", None),
    429: ("requests", "rate_limit_exceeded"),
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it, with the status it served.

    Attributes:
        method: HTTP method, upper case.
        path: Decoded URL path, e.g. ``"/v1/chatkit/threads"``.
        query: Query parameters (the first value of a repeated name).
        headers: Request headers, a case-insensitive read-only mapping.
        body: Raw request body.
        status: Status served; ``0`` when the connection was dropped by a fault.
        request_id: The ``x-request-id`` served.
        raw_path: The path as sent on the wire (percent-encoding kept).
        fault: Kind of the injected fault that was served (``"drop"``, ``"429"``, ``"body"``,
            ``"delay"``, ``"headers"``), ``"rate_limit"`` for a request refused by the rate
            limit, or ``None``.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: Mapping[str, str]
    body: bytes
    status: int
    request_id: str = ""
    raw_path: str = ""
    fault: str | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        """Returns a request header by case-insensitive name.

        Args:
            name: Header name.
            default: Value when absent.
        """
        return self.headers.get(name, default)

    def json(self) -> Any:
        """Returns the body decoded as JSON.

        Raises:
            orjson.JSONDecodeError: If the body is not JSON.
        """
        return orjson.loads(self.body)


@dataclass(frozen=True)
class FaultSpec:
    """A fault to serve instead of (or on top of) the normal response.

    Faults are queued with :meth:`ChatKitEmulator.inject` and consumed in FIFO order by the
    next matching requests, each ``times`` times.

    Attributes:
        status: Respond with this status. Without ``body`` the body is an OpenAI error dict
            for that status (empty for statuses below 400).
        headers: Headers added to the response (normal or faulty), e.g.
            ``{"retry-after-ms": "10"}`` or ``{"x-should-retry": "false"}``; they override the
            emulator's own, ``content-type`` and ``x-request-id`` included.
        body: Serve these exact bytes, or this JSON-encoded value, with ``status`` (200 by
            default); e.g. ``b"<html>"`` or ``b"{trunc"`` for hostile-body tests.
        drop: Close the connection abruptly without any response. Note that aiohttp's client
            silently retries an idempotent request (GET, DELETE) once after a disconnect, so
            use ``times=2`` (or more) for a plain aiohttp GET to see the error.
        delay: Sleep this many seconds first; then handle normally unless ``status``, ``body``
            or ``drop`` is set too.
        after: Run the operation first (so a session is created, a thread deleted), then serve
            the fault instead of its response: the delay happens before the reply, and
            ``status``, ``body`` or ``drop`` replace it. This is the fault a client cannot tell
            apart from one that struck before the server acted, e.g. a timeout on a
            ``POST /sessions`` that did create a session.
        times: How many requests this fault applies to.
        method: Only requests with this method (case-insensitive).
        path: Only requests whose decoded path starts with this prefix, e.g.
            ``"/v1/chatkit/threads/cthr_1/items"``.
    """

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | dict[str, Any] | list[Any] | None = None
    drop: bool = False
    delay: float = 0.0
    after: bool = False
    times: int = 1
    method: str | None = None
    path: str | None = None

    def __post_init__(self) -> None:
        """Validates the fault.

        Raises:
            ValueError: On a status outside 100..599, a negative delay or ``times`` below 1.
        """
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError(f"status must be within 100..599, got {self.status}")
        if self.delay < 0:
            raise ValueError("delay must be >= 0")
        if self.times < 1:
            raise ValueError("times must be >= 1")

    @property
    def kind(self) -> str:
        """Short label of the fault, as recorded in :attr:`RecordedRequest.fault`."""
        if self.drop:
            return "drop"
        if self.status is not None:
            return str(self.status)
        if self.body is not None:
            return "body"
        if self.delay > 0:
            return "delay"
        return "headers"


@dataclass
class _FaultSlot:
    """A queued fault and how many more requests it applies to."""

    spec: FaultSpec
    remaining: int


@dataclass
class _RandomFaults:
    """State of :meth:`ChatKitEmulator.inject_random_faults`."""

    rng: random.Random
    rate: float
    specs: tuple[FaultSpec, ...]


@dataclass
class _Reply:
    """A response before it becomes an aiohttp response."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _error_body(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> bytes:
    """Serializes OpenAI's error envelope."""
    return orjson.dumps(
        {"error": {"message": message, "type": type_, "param": param, "code": code}}
    )


def _error(
    status: int, message: str, type_: str, param: str | None = None, code: str | None = None
) -> _Reply:
    return _Reply(status, _error_body(message, type_, param, code))


def _invalid(exc: InvalidRequest) -> _Reply:
    return _error(400, exc.message, "invalid_request_error", exc.param, exc.code)


def _match_route(raw_path: str) -> _Route | None:
    """Maps a raw URL path to a route name and its decoded path parameters."""
    if not raw_path.startswith(_API_PREFIX):
        return None
    parts = raw_path[len(_API_PREFIX) :].split("/")
    match parts:
        case ["threads"]:
            return "threads", ()
        case ["threads", thread_id]:
            return "thread", (unquote(thread_id),)
        case ["threads", thread_id, "items"]:
            return "items", (unquote(thread_id),)
        case ["sessions"]:
            return "sessions", ()
        case ["sessions", session_id, "cancel"]:
            return "cancel", (unquote(session_id),)
    return None


def _has_beta(values: Sequence[str]) -> bool:
    """Whether any ``OpenAI-Beta`` header value lists ``chatkit_beta=v1``."""
    return any(part.strip() == _BETA_VALUE for value in values for part in value.split(","))


@dataclass
class _PageParams:
    """Validated paging query parameters."""

    limit: int
    order: Order
    after: str | None
    before: str | None


def _parse_page_params(query: Mapping[str, str]) -> _PageParams:
    """Validates ``limit``, ``order``, ``after`` and ``before``.

    Raises:
        InvalidRequest: On a bad value.
    """
    limit = 20
    if "limit" in query:
        raw = query["limit"]
        if not _LIMIT_RE.fullmatch(raw):
            raise InvalidRequest(
                f"Invalid 'limit': expected an integer, but got '{raw}' instead.",
                "limit",
                "invalid_type",
            )
        limit = int(raw)
        if limit < 0:
            raise InvalidRequest(
                "Invalid 'limit': integer below minimum value. Expected a value >= 0, but got "
                f"{limit} instead.",
                "limit",
                "integer_below_min_value",
            )
        if limit > 100:
            raise InvalidRequest(
                "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got "
                f"{limit} instead.",
                "limit",
                "integer_above_max_value",
            )
    order = query.get("order", "desc")
    if order not in ("asc", "desc"):
        raise InvalidRequest(
            f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
            "order",
            "invalid_value",
        )
    after = query.get("after")
    before = query.get("before")
    if after is not None and before is not None:
        raise InvalidRequest(
            "Only one of 'after' and 'before' can be provided.", "before", "invalid_parameters"
        )
    return _PageParams(limit, "asc" if order == "asc" else "desc", after, before)


class ChatKitEmulator:
    """An in-process ChatKit API server for tests, demos and benchmarks.

    The emulator serves on ``host:port`` (an ephemeral loopback port by default) once started,
    either in a background thread (:meth:`start` / :meth:`stop` or ``with``) or on the running
    loop (:meth:`astart` / :meth:`astop` or ``async with``). Seeding, inspection and fault
    injection are plain thread-safe methods, callable before or after starting.

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
        demo: Seed the demo data set at construction (see :meth:`seed_demo`).
        demo_threads: Number of demo threads.
        require_beta_header: Reject requests lacking ``OpenAI-Beta: chatkit_beta=v1``.
        record_requests: Keep the request log (turn off for long benchmarks).
        rate_limit: Requests per second admitted (a token bucket); requests beyond it get a 429
            with ``retry-after-ms`` and OpenAI's ``x-ratelimit-*-requests`` headers, which every
            response carries while a limit is set. ``None``: no limit. See
            :meth:`set_rate_limit`.
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
        self._api_key = api_key
        self._host = host
        self._port = port
        self._seed = seed
        self.require_beta_header = require_beta_header
        self.record_requests = record_requests
        self._lock = threading.RLock()
        self._lifecycle = threading.Lock()
        self._store = EmulatorStore(seed)
        self._faults: list[_FaultSlot] = []
        self._random_faults: _RandomFaults | None = None
        self._faults_served = 0
        self._log: list[RecordedRequest] = []
        self._bucket: TokenBucket | None = None
        self._rate_limited = 0
        self.set_rate_limit(rate_limit, burst=rate_limit_burst)
        # server state
        self._mode: Literal["sync", "async"] | None = None
        self._runner: web.ServerRunner | None = None
        self._bound_port: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing: asyncio.Event | None = None
        self._stop_event: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._thread_error: BaseException | None = None
        if demo:
            self.seed_demo(seed, demo_threads)

    def __repr__(self) -> str:
        where = self._url_root() if self._bound_port is not None else "stopped"
        return f"<ChatKitEmulator {where}>"

    # ------------------------------------------------------------------ properties

    @property
    def api_key(self) -> str | None:
        """The accepted API key (``None``: any bearer key is accepted)."""
        return self._api_key

    @property
    def host(self) -> str:
        """The interface the server binds."""
        return self._host

    @property
    def port(self) -> int:
        """The bound port.

        Raises:
            RuntimeError: If the emulator is not running.
        """
        if self._bound_port is None:
            raise RuntimeError("the emulator is not running: call start() or use 'async with'")
        return self._bound_port

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
        return self._bound_port is not None

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    @property
    def rate_limited(self) -> int:
        """How many requests the rate limit refused with a 429."""
        with self._lock:
            return self._rate_limited

    def set_rate_limit(self, rate: float | None, *, burst: int | None = None) -> None:
        """Start, change or stop enforcing a rate limit (a token bucket, full when set).

        Args:
            rate: Requests per second; ``None`` removes the limit.
            burst: How many requests are admitted back to back (default: one second's worth).

        Raises:
            ValueError: ``rate`` is not positive and finite, or ``burst`` is below 1.
        """
        bucket = None if rate is None else TokenBucket(rate, burst)
        with self._lock:
            self._bucket = bucket

    def _admit(self) -> tuple[_Reply | None, dict[str, str]]:
        """Spend a token: ``(None, headers)`` when admitted, else a 429 reply and its headers."""
        with self._lock:
            bucket = self._bucket
            if bucket is None:
                return None, {}
            wait = bucket.take()
            headers = bucket.headers()
            if wait is None:
                return None, headers
            self._rate_limited += 1
        headers["retry-after-ms"] = str(max(1, math.ceil(wait * 1000)))
        reply = _error(
            429,
            f"Rate limit reached for requests: limit {bucket.rate:g} per second. Please try "
            f"again in {headers['retry-after-ms']}ms.",
            "requests",
            "requests",
            "rate_limit_exceeded",
        )
        return reply, headers

    @property
    def faults_served(self) -> int:
        """How many injected faults (queued or random) were served."""
        with self._lock:
            return self._faults_served

    def _url_root(self) -> str:
        port = self.port
        host = self._host
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
        45-item thread. See :func:`chatkit_async.testing._demo.build_demo`.

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
            self._faults.clear()
            self._random_faults = None
            self._faults_served = 0
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
        with self._lock:
            self._log.clear()

    # ------------------------------------------------------------------ faults

    def inject(self, *faults: FaultSpec) -> None:
        """Queues faults for the next matching requests (FIFO, each ``times`` times).

        Args:
            *faults: The faults, served in the order given.
        """
        with self._lock:
            self._faults.extend(_FaultSlot(f, f.times) for f in faults)

    def clear_faults(self) -> None:
        """Drops queued faults and turns random faults off."""
        with self._lock:
            self._faults.clear()
            self._random_faults = None

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
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within 0..1")
        specs: list[FaultSpec] = []
        for kind in kinds:
            if kind == "drop":
                specs.append(FaultSpec(drop=True))
            elif kind == "delay":
                specs.append(FaultSpec(delay=delay))
            elif kind.isdigit() and 100 <= int(kind) <= 599:
                specs.append(
                    FaultSpec(status=int(kind), headers={"retry-after-ms": str(retry_after_ms)})
                )
            else:
                raise ValueError(f"unknown fault kind {kind!r}")
        if not specs:
            raise ValueError("kinds must not be empty")
        with self._lock:
            if rate == 0.0:
                self._random_faults = None
            else:
                self._random_faults = _RandomFaults(random.Random(seed), rate, tuple(specs))

    def _take_fault(self, method: str, path: str) -> FaultSpec | None:
        with self._lock:
            for i, slot in enumerate(self._faults):
                spec = slot.spec
                if spec.method is not None and spec.method.upper() != method:
                    continue
                if spec.path is not None and not path.startswith(spec.path):
                    continue
                slot.remaining -= 1
                if slot.remaining <= 0:
                    del self._faults[i]
                self._faults_served += 1
                return spec
            rnd = self._random_faults
            if rnd is not None and rnd.rng.random() < rnd.rate:
                self._faults_served += 1
                return rnd.specs[rnd.rng.randrange(len(rnd.specs))]
        return None

    # ------------------------------------------------------------------ HTTP

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        """Serves one request: faults, then auth, routing, beta check and the operation."""
        request_id = f"req_{secrets.token_hex(16)}"
        method = request.method
        path = request.path
        raw_path = request.rel_url.raw_path
        query = dict(request.query)
        fault: FaultSpec | None = None
        reply: _Reply | None
        limit_headers: dict[str, str] = {}
        kind: str | None = None
        try:
            body = await request.read()
        except web.HTTPException as exc:
            body = b""
            reply = _error(exc.status, exc.reason, "invalid_request_error")
        except Exception:
            body = b""
            reply = _error(400, "Could not read the request body.", "invalid_request_error")
        else:
            reply, limit_headers = self._admit()
            if reply is not None:
                kind = "rate_limit"
            else:
                fault = self._take_fault(method, path)
                kind = None if fault is None else fault.kind
                reply = await self._serve(request, fault, method, raw_path, query, body)
        if reply is None:  # dropped connection
            self._record(request, body, 0, request_id, query, kind)
            transport = request.transport
            if transport is not None:
                transport.close()
            return web.Response()
        headers = CIMultiDict[str]()
        if reply.status not in _NO_BODY_STATUSES:
            headers["Content-Type"] = "application/json"
        headers.update(limit_headers)
        headers.update(reply.headers)
        if fault is not None:
            headers.update(fault.headers)
        if "x-request-id" in headers:
            request_id = headers["x-request-id"]
        else:
            headers["x-request-id"] = request_id
        self._record(request, body, reply.status, request_id, query, kind)
        payload = b"" if reply.status in _NO_BODY_STATUSES else reply.body
        return web.Response(status=reply.status, body=payload, headers=headers)

    async def _serve(
        self,
        request: web.BaseRequest,
        fault: FaultSpec | None,
        method: str,
        raw_path: str,
        query: dict[str, str],
        body: bytes,
    ) -> _Reply | None:
        """Returns the reply, or ``None`` to drop the connection."""
        reply: _Reply | None = None
        if fault is not None and fault.after:
            reply = self._dispatch_safely(method, raw_path, request.headers, query, body)
        if fault is not None:
            if fault.delay > 0:
                await self._pause(fault.delay)
            if fault.drop:
                return None
            if fault.status is not None or fault.body is not None:
                return _fault_reply(fault)
        if reply is None:
            reply = self._dispatch_safely(method, raw_path, request.headers, query, body)
        return reply

    def _dispatch_safely(
        self,
        method: str,
        raw_path: str,
        headers: CIMultiDictProxy[str],
        query: dict[str, str],
        body: bytes,
    ) -> _Reply:
        try:
            return self._dispatch(method, raw_path, headers, query, body)
        except Exception as exc:  # an emulator bug: still answer in the API's shape
            return _error(500, f"ChatKit emulator internal error: {exc!r}", "server_error")

    async def _pause(self, delay: float) -> None:
        """Sleeps ``delay`` seconds, cut short when the server shuts down."""
        closing = self._closing
        if closing is None:
            await asyncio.sleep(delay)
            return
        try:
            await asyncio.wait_for(closing.wait(), timeout=delay)
        except asyncio.TimeoutError:
            pass

    def _record(
        self,
        request: web.BaseRequest,
        body: bytes,
        status: int,
        request_id: str,
        query: dict[str, str],
        kind: str | None,
    ) -> None:
        if not self.record_requests:
            return
        entry = RecordedRequest(
            method=request.method,
            path=request.path,
            query=query,
            headers=CIMultiDictProxy(CIMultiDict(request.headers)),
            body=body,
            status=status,
            request_id=request_id,
            raw_path=request.rel_url.raw_path,
            fault=kind,
        )
        with self._lock:
            self._log.append(entry)

    def _check_auth(self, headers: Mapping[str, str]) -> _Reply | None:
        auth = headers.get("Authorization", "")
        scheme, _, key = auth.partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return _error(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "authentication_error",
                None,
                "missing_api_key",
            )
        if self._api_key is not None and not secrets.compare_digest(
            key.encode(), self._api_key.encode()
        ):
            return _error(
                401,
                "Incorrect API key provided.",
                "authentication_error",
                None,
                "invalid_api_key",
            )
        return None

    def _dispatch(
        self,
        method: str,
        raw_path: str,
        headers: CIMultiDictProxy[str],
        query: dict[str, str],
        body: bytes,
    ) -> _Reply:
        denied = self._check_auth(headers)
        if denied is not None:
            return denied
        route = _match_route(raw_path)
        if route is None:
            return _error(
                404,
                f"Invalid URL ({method} {unquote(raw_path)})",
                "invalid_request_error",
                None,
                "unknown_url",
            )
        name, params = route
        allowed = _ALLOWED_METHODS[name]
        if method not in allowed:
            reply = _error(
                405,
                f"Method {method} is not allowed for {unquote(raw_path)}.",
                "invalid_request_error",
                None,
                "method_not_allowed",
            )
            reply.headers["Allow"] = ", ".join(allowed)
            return reply
        if self.require_beta_header and not _has_beta(headers.getall("OpenAI-Beta", [])):
            return _error(
                400,
                f"You must provide the 'OpenAI-Beta: {_BETA_VALUE}' header to access "
                "the ChatKit API.",
                "invalid_request_error",
                None,
                "missing_beta_header",
            )
        try:
            return self._operation(name, method, params, query, body)
        except InvalidRequest as exc:
            return _invalid(exc)
        except NotFound as exc:
            return _error(404, exc.message, "invalid_request_error", None, "not_found")

    def _operation(
        self,
        name: str,
        method: str,
        params: tuple[str, ...],
        query: dict[str, str],
        body: bytes,
    ) -> _Reply:
        if name == "threads":
            page_params = _parse_page_params(query)
            user = query.get("user")
            if user is not None and not 1 <= len(user) <= 512:
                raise InvalidRequest(
                    "Invalid 'user': expected a string of 1 to 512 characters.",
                    "user",
                    "invalid_value",
                )
            with self._lock:
                page = self._store.list_threads(
                    limit=page_params.limit,
                    order=page_params.order,
                    after=page_params.after,
                    before=page_params.before,
                    user=user,
                )
            return _Reply(200, page.to_json())
        if name == "thread":
            with self._lock:
                if method == "DELETE":
                    return _Reply(200, orjson.dumps(self._store.delete_thread(params[0])))
                return _Reply(200, self._store.get_thread(params[0]))
        if name == "items":
            page_params = _parse_page_params(query)
            with self._lock:
                page = self._store.list_items(
                    params[0],
                    limit=page_params.limit,
                    order=page_params.order,
                    after=page_params.after,
                    before=page_params.before,
                )
            return _Reply(200, page.to_json())
        now = int(time.time())
        if name == "sessions":
            try:
                decoded = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise InvalidRequest(
                    "We could not parse the JSON body of your request. (HINT: This likely means "
                    "you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
                    "payload, but what was sent was not valid JSON.)",
                    None,
                    "invalid_json",
                ) from None
            with self._lock:
                session = self._store.create_session(decoded, now)
            return _Reply(200, orjson.dumps(session))
        # cancel
        with self._lock:
            session = self._store.cancel_session(params[0], now)
        return _Reply(200, orjson.dumps(session))

    # ------------------------------------------------------------------ lifecycle (async)

    async def _start_server(self) -> None:
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
        self._closing = asyncio.Event()
        runner = web.ServerRunner(
            web.Server(self._handle, access_log=None), shutdown_timeout=_SHUTDOWN_TIMEOUT
        )
        try:
            await runner.setup()
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            await runner.cleanup()
            sock.close()
            self._closing = None
            raise
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

    async def astart(self) -> ChatKitEmulator:
        """Starts serving on the running event loop.

        Returns:
            The emulator itself.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """
        with self._lifecycle:
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
        return self

    async def astop(self) -> None:
        """Stops serving and closes every connection (no-op when not running).

        An emulator started with :meth:`start` is stopped in a worker thread.

        Raises:
            RuntimeError: If called from another loop than the one that ran :meth:`astart`.
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

    async def __aenter__(self) -> ChatKitEmulator:
        """Starts serving on the running loop (unless already running)."""
        if self._mode is None:
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

    # ------------------------------------------------------------------ lifecycle (sync)

    def start(self) -> ChatKitEmulator:
        """Starts serving from a daemon thread with its own event loop; blocks until listening.

        It works from plain sync code and from a thread whose own loop is running (Jupyter).

        Returns:
            The emulator itself, so ``emu = ChatKitEmulator().start()`` works.

        Raises:
            RuntimeError: If it is already running.
            OSError: If the address cannot be bound.
        """
        with self._lifecycle:
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
        return self

    def stop(self) -> None:
        """Stops the background server and joins its thread (no-op when not running).

        Raises:
            RuntimeError: If the emulator was started with :meth:`astart`.
        """
        with self._lifecycle:
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

    def __enter__(self) -> ChatKitEmulator:
        """Starts the background server (unless already running)."""
        if self._mode is None:
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


def _fault_reply(fault: FaultSpec) -> _Reply:
    status = fault.status if fault.status is not None else 200
    if isinstance(fault.body, bytes):
        return _Reply(status, fault.body)
    if fault.body is not None:
        return _Reply(status, orjson.dumps(fault.body))
    if status < 400:
        return _Reply(status, b"")
    type_, code = _FAULT_ERRORS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    message = f"Injected fault: HTTP {status} (ChatKit emulator)."
    return _error(status, message, type_, None, code)


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

    async def run() -> None:
        async with emulator:
            if on_ready is not None:
                on_ready(emulator)
            else:
                key = emulator.api_key if emulator.api_key is not None else "any key"
                print(
                    f"ChatKit emulator listening on {emulator.base_url} (API key: {key}); "
                    "press Ctrl+C to stop",
                    flush=True,
                )
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

    try:
        asyncio.run(run())
    except KeyboardInterrupt:
        pass
