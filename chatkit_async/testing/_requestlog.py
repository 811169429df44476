"""The emulator's request log: what each request was, and what it was answered.

This module owns [`RecordedRequest`][chatkit_async.testing.RecordedRequest] (one exchange, frozen)
and ``RequestLog`` (the thread-safe list of them, which can be switched off for long benchmarks). It
is pure: no I/O and no aiohttp; the ``envelope`` middleware of ``_pipeline`` builds each record from
the request.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

__all__ = ["RecordedRequest", "RequestLog"]


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


class RequestLog:
    """The recorded requests, oldest first; thread-safe.

    Attributes:
        enabled: Whether new requests are recorded (turn off for long benchmarks: the log keeps
            every body).
    """

    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._entries: list[RecordedRequest] = []

    def append(self, entry: RecordedRequest) -> None:
        """Records one exchange (even when ``enabled`` is off: the caller checks it)."""
        with self._lock:
            self._entries.append(entry)

    def snapshot(self) -> list[RecordedRequest]:
        """Returns a copy of the log, oldest first."""
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        """Empties the log."""
        with self._lock:
            self._entries.clear()
