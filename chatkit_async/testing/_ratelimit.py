"""The emulator's rate limit: a token bucket and the headers OpenAI sends with it.

This module owns ``TokenBucket``, pure arithmetic over a clock it is given, and
``RateLimit``, the emulator's switchable, thread-safe holder of a bucket that also counts
refusals. Neither does I/O, sleeps or knows aiohttp. The ``rate_limit`` middleware of
``_pipeline`` asks ``RateLimit.admit`` once per request and turns a refusal into a 429
carrying ``retry-after-ms``; every answer, accepted or not, carries OpenAI's
``x-ratelimit-limit-requests``, ``x-ratelimit-remaining-requests`` and ``x-ratelimit-reset-requests``
headers (``TokenBucket.headers``).

How the bucket behaves, with ``rate=50`` and the default ``burst`` (one second's worth, 50): a client
that has been quiet may send 50 requests at once; after that one request is admitted every 20 ms.
A refused request costs nothing (OpenAI counts only admitted requests against the limit) and is told
how long until a token is free, rounded up to the millisecond, so a client that waits exactly that
long is admitted.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Admission", "RateLimit", "TokenBucket", "format_duration"]

_EPSILON = 1e-9


def format_duration(seconds: float) -> str:
    """Render a wait the way OpenAI's ``x-ratelimit-reset-*`` headers do: ``20ms``, ``1.5s``, ``6m0s``.

    Args:
        seconds: A duration of 0 or more seconds.

    Returns:
        Milliseconds below one second, seconds (up to three decimals) below a minute, else minutes
        and whole seconds.
    """
    if seconds < 1.0:
        return f"{math.ceil(seconds * 1000)}ms"
    if seconds < 60.0:
        return f"{round(seconds, 3):g}s"
    minutes, rest = divmod(math.ceil(seconds), 60)
    return f"{minutes}m{rest}s"


class TokenBucket:
    """Admit at most ``rate`` requests per second on average, and ``burst`` at once.

    Not thread-safe on its own: ``RateLimit`` calls it under its lock.

    Args:
        rate: Tokens added per second (> 0).
        burst: The bucket's size, the most requests admitted back to back (default: one second's
            worth, at least 1).
        clock: Monotonic seconds; injectable for tests.

    Raises:
        ValueError: ``rate`` is not a positive finite number, or ``burst`` is below 1.
    """

    __slots__ = ("_clock", "_stamp", "_tokens", "burst", "rate")

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, (int, float)):
            raise ValueError(f"rate must be a number of requests per second, got {rate!r}")
        if not (math.isfinite(rate) and rate > 0):
            raise ValueError(f"rate must be a positive number of requests per second, got {rate!r}")
        size = max(1, math.ceil(rate)) if burst is None else burst
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise ValueError(f"burst must be a whole number of requests >= 1, got {burst!r}")
        self.rate = float(rate)
        self.burst = size
        self._clock = clock
        self._tokens = float(size)
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = now - self._stamp
        self._stamp = now
        if elapsed > 0:
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)

    def take(self) -> float | None:
        """Admit one request, or say how long until one would be admitted.

        Returns:
            ``None`` when the request is admitted (a token was spent), otherwise the seconds until
            a token is free.
        """
        self._refill()
        # The epsilon absorbs float dust: a client that waited exactly the time it was told
        # (0.05 s after 0.05 s) must not be refused for a shortfall of 1e-15 tokens.
        if self._tokens >= 1.0 - _EPSILON:
            self._tokens = max(0.0, self._tokens - 1.0)
            return None
        return (1.0 - self._tokens) / self.rate

    def headers(self) -> dict[str, str]:
        """OpenAI's rate-limit headers describing the bucket now (after the last ``take``).

        Returns:
            ``x-ratelimit-limit-requests`` (the bucket's size), ``x-ratelimit-remaining-requests``
            (whole tokens left) and ``x-ratelimit-reset-requests`` (until the bucket is full).
        """
        self._refill()
        missing = float(self.burst) - self._tokens
        return {
            "x-ratelimit-limit-requests": str(self.burst),
            "x-ratelimit-remaining-requests": str(math.floor(self._tokens)),
            "x-ratelimit-reset-requests": format_duration(max(0.0, missing / self.rate)),
        }


@dataclass
class Admission:
    """The rate limit's verdict on one request.

    Attributes:
        headers: OpenAI's rate-limit headers for the answer; with ``retry-after-ms`` (whole
            milliseconds, at least 1) when refused.
        refused: Whether the request must be answered with a 429.
        rate: The limit, in requests per second (for the 429's message).
    """

    headers: dict[str, str]
    refused: bool
    rate: float


class RateLimit:
    """The emulator's rate limit: an optional ``TokenBucket`` and a count of refusals.

    Thread-safe: tests change the limit from their own thread while the server admits requests on
    its loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._bucket: TokenBucket | None = None
        self._refused = 0

    @property
    def refused(self) -> int:
        """How many requests were refused."""
        with self._lock:
            return self._refused

    def set(self, rate: float | None, burst: int | None = None) -> None:
        """Starts, changes or stops enforcing a limit (a new bucket starts full).

        Args:
            rate: Requests per second; ``None`` removes the limit.
            burst: How many requests are admitted back to back (default: one second's worth).

        Raises:
            ValueError: ``rate`` is not positive and finite, or ``burst`` is below 1.
        """
        bucket = None if rate is None else TokenBucket(rate, burst)
        with self._lock:
            self._bucket = bucket

    def admit(self) -> Admission | None:
        """Spends a token for one request.

        Returns:
            ``None`` when no limit is set, else the verdict with the headers to send.
        """
        # Without a limit (the common case, and every benchmark) no lock is taken: reading one
        # attribute is atomic.
        bucket = self._bucket
        if bucket is None:
            return None
        with self._lock:
            bucket = self._bucket  # again: the limit may have changed since
            if bucket is None:
                return None
            wait = bucket.take()
            headers = bucket.headers()
            if wait is None:
                return Admission(headers, False, bucket.rate)
            self._refused += 1
        headers["retry-after-ms"] = str(max(1, math.ceil(wait * 1000)))
        return Admission(headers, True, bucket.rate)
