"""Fault injection of the emulator: what a fault is, which request gets it, and what it answers.

This module owns [`FaultSpec`][chatkit_async.testing.FaultSpec] (one fault: a status, a body,
headers, a delay, a dropped connection, before or after the operation), ``FaultQueue`` (queued
faults matched FIFO by method and path prefix, then a seeded random mix, with a count of faults
served) and ``fault_reply`` (the status and body a fault answers with). It is pure and thread-safe:
no I/O and no aiohttp. Serving a fault (sleeping, dropping the connection, running the operation first)
is the ``faults`` middleware's job in ``_pipeline``.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ._errors import error_body

__all__ = ["FaultQueue", "FaultSpec", "fault_reply", "random_fault_specs"]

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
class FaultSpec:
    """A fault to serve instead of (or on top of) the normal response.

    Faults are queued with ``ChatKitEmulator.inject`` and consumed in FIFO order by the
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
        """Short label of the fault, as recorded in ``RecordedRequest.fault``."""
        if self.drop:
            return "drop"
        if self.status is not None:
            return str(self.status)
        if self.body is not None:
            return "body"
        if self.delay > 0:
            return "delay"
        return "headers"

    @property
    def replaces_reply(self) -> bool:
        """Whether the fault answers instead of the operation (a status or a body)."""
        return self.status is not None or self.body is not None

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to a request.

        Args:
            method: The request's method, upper case.
            path: The request's decoded path.
        """
        if self.method is not None and self.method.upper() != method:
            return False
        return self.path is None or path.startswith(self.path)


def fault_reply(fault: FaultSpec) -> tuple[int, bytes]:
    """The status and body a fault with a ``status`` or a ``body`` answers with.

    Args:
        fault: The fault.

    Returns:
        ``body`` as given (bytes) or JSON-encoded, with ``status`` (200 by default); without a
        body, an empty one below 400 and OpenAI's error envelope from 400 on.
    """
    status = fault.status if fault.status is not None else 200
    if isinstance(fault.body, bytes):
        return status, fault.body
    if fault.body is not None:
        return status, orjson.dumps(fault.body)
    if status < 400:
        return status, b""
    type_, code = _FAULT_ERRORS.get(
        status, ("server_error" if status >= 500 else "invalid_request_error", None)
    )
    return status, error_body(
        f"Injected fault: HTTP {status} (ChatKit emulator).", type_, None, code
    )


def random_fault_specs(
    kinds: Sequence[str], *, delay: float, retry_after_ms: int
) -> tuple[FaultSpec, ...]:
    """The faults of a random mix, one per kind.

    Args:
        kinds: A status code such as ``"429"`` (served with a ``retry-after-ms`` header),
            ``"drop"`` or ``"delay"``.
        delay: Seconds slept by a ``"delay"`` fault.
        retry_after_ms: Value of the ``retry-after-ms`` header of status faults.

    Returns:
        The faults, in the order of ``kinds``.

    Raises:
        ValueError: On no kinds or an unknown kind.
    """
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
    return tuple(specs)


@dataclass
class _Slot:
    """A queued fault and how many more requests it applies to."""

    spec: FaultSpec
    remaining: int


@dataclass
class _RandomMix:
    """A seeded random mix: a fault with probability ``rate`` per request, one of ``specs``."""

    rng: random.Random
    rate: float
    specs: tuple[FaultSpec, ...]


class FaultQueue:
    """Which request gets which fault: queued faults first (FIFO), then the random mix.

    Thread-safe: tests inject from their own thread while the server takes faults on its loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: list[_Slot] = []
        self._random: _RandomMix | None = None
        self._served = 0

    @property
    def idle(self) -> bool:
        """Whether no fault is queued and no random mix is on (read without the lock).

        Reading two attributes is atomic enough here: a fault injected while a request is in
        flight may apply to it or to the next one either way.
        """
        return not self._slots and self._random is None

    @property
    def served(self) -> int:
        """How many faults (queued or random) were handed out."""
        with self._lock:
            return self._served

    def push(self, *faults: FaultSpec) -> None:
        """Queues faults, each for its next ``times`` matching requests, in the order given."""
        with self._lock:
            self._slots.extend(_Slot(f, f.times) for f in faults)

    def set_random(
        self,
        rate: float,
        seed: int,
        kinds: Sequence[str],
        *,
        delay: float,
        retry_after_ms: int,
    ) -> None:
        """Serves a seeded random mix of faults: each request gets one with probability ``rate``.

        Args:
            rate: Probability of a fault per request, 0..1; 0 turns the random mix off.
            seed: Seed of the random sequence (same seed: the n-th request gets the same fault).
            kinds: Fault kinds, see ``random_fault_specs``.
            delay: Seconds slept by a ``"delay"`` fault.
            retry_after_ms: Value of the ``retry-after-ms`` header of status faults.

        Raises:
            ValueError: On a rate outside 0..1, no kinds, or an unknown kind.
        """
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within 0..1")
        specs = random_fault_specs(kinds, delay=delay, retry_after_ms=retry_after_ms)
        mix = None if rate == 0.0 else _RandomMix(random.Random(seed), rate, specs)
        with self._lock:
            self._random = mix

    def clear(self) -> None:
        """Drops queued faults and turns the random mix off."""
        with self._lock:
            self._slots.clear()
            self._random = None

    def reset(self) -> None:
        """Drops every fault and zeroes the count of faults served."""
        with self._lock:
            self._slots.clear()
            self._random = None
            self._served = 0

    def take(self, method: str, path: str) -> FaultSpec | None:
        """Hands out the fault for one request, if any, and counts it.

        Args:
            method: The request's method, upper case.
            path: The request's decoded path.

        Returns:
            The first queued fault that matches (one use of it is spent), else a draw from the
            random mix, else ``None``.
        """
        if self.idle:  # the common case, and every benchmark's: no lock taken
            return None
        with self._lock:
            for i, slot in enumerate(self._slots):
                if not slot.spec.matches(method, path):
                    continue
                slot.remaining -= 1
                if slot.remaining <= 0:
                    del self._slots[i]
                self._served += 1
                return slot.spec
            mix = self._random
            if mix is not None and mix.rng.random() < mix.rate:
                self._served += 1
                return mix.specs[mix.rng.randrange(len(mix.specs))]
        return None
