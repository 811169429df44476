"""How fast a bulk job may send: the adaptive limiter, pure bookkeeping over an injected clock.

This module owns [`AdaptiveLimiter`][chatkit_async.bulk.AdaptiveLimiter] and the parsing of OpenAI's
rate-limit headers. It performs no I/O, never sleeps and knows nothing of asyncio: the job's request
runner (``chatkit_async.bulk._runner``) asks it before each request
([`AdaptiveLimiter.has_slot`][chatkit_async.bulk.AdaptiveLimiter.has_slot],
[`AdaptiveLimiter.delay`][chatkit_async.bulk.AdaptiveLimiter.delay],
[`AdaptiveLimiter.start`][chatkit_async.bulk.AdaptiveLimiter.start]) and tells it how each request
ended ([`AdaptiveLimiter.on_success`][chatkit_async.bulk.AdaptiveLimiter.on_success],
[`AdaptiveLimiter.on_rate_limited`][chatkit_async.bulk.AdaptiveLimiter.on_rate_limited],
[`AdaptiveLimiter.on_failure`][chatkit_async.bulk.AdaptiveLimiter.on_failure]). Every method takes
``now`` explicitly, so the tests drive it with plain numbers.

Three controls, because one is not enough:

* **A concurrency window** (AIMD, as TCP does): at most ``limit`` requests in flight, starting at the
  ceiling the caller chose. A 429 halves it, once per congestion event: 429s answering requests
  that were sent *before* the last decrease carry no new information and do not shrink it again.
  Each run of ``limit`` successes in a row grows it by one, back up to the ceiling.
* **A job-wide pause**: a 429 stops every new request until the wait the server asked for
  (``retry-after-ms`` / ``retry-after``) has passed, not just the one request that got it; without
  such a header the pause doubles from one second on each refusal in a row.
* **Pacing**: a window alone cannot hold a rate limit when the latency is low. Against a server
  admitting 50 requests/s, one request at a time with 3 ms of latency is still 300 requests/s, and
  five refusals out of six. So the limiter also spaces requests to a rate, a client-side token
  bucket (with a burst of 5 % of a second's worth, to catch up on scheduling jitter). The rate
  comes from the server's own ``x-ratelimit-*-requests`` headers when it sends them (the refill
  rate is ``(limit - remaining) / reset``, read only once at least ten requests are missing from
  the bucket, where the headers' whole-number rounding is within 10 %), and otherwise from what
  the job achieved: on a 429 the pace becomes 90 % of the requests admitted in the last second,
  then grows by about 5 % per second of success. The requests the server says ``remaining`` are
  spent first, at full speed (less those in flight), so a large quota is not paced from its
  tenth request on.

With ``adaptive=False`` the limiter is a plain semaphore of ``ceiling`` (no pacing, no pause, no
change): the baseline the benchmark compares against.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable, Mapping

import attrs

from .._http import get_header

__all__ = ["AdaptiveLimiter", "RateLimitHeaders", "parse_duration", "parse_rate_limit_headers"]

_FIRST_PAUSE = 1.0
"""Seconds of the job-wide pause after a 429 that says nothing about how long to wait."""
_MAX_PAUSE = 30.0
"""The longest pause the limiter picks by itself (the server's own wait is never shortened)."""
_DECREASE = 0.9
"""On a 429 the pace becomes this share of the rate the server admitted in the last second."""
_GROWTH_PER_SECOND = 0.05
"""How fast a learned pace grows back: about 5 % per second of success."""
_MIN_RATE = 0.1
"""The slowest pace, in requests per second (one request every ten seconds)."""
_OBSERVATION_WINDOW = 1.0
"""Seconds of successes the observed rate is measured over."""
_MIN_DEFICIT = 10
"""Requests missing from the server's bucket before its headers are trusted to give a rate."""
_BURST_SECONDS = 0.05
"""The pacing bucket holds this many seconds' worth of requests (at least one)."""
_TRACE_LIMIT = 10_000
_EPSILON = 1e-9

_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(ms|us|µs|ns|h|m|s)")
_UNIT_SECONDS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def parse_duration(text: str) -> float | None:
    """Read a duration the way OpenAI writes ``x-ratelimit-reset-*``: ``20ms``, ``1.5s``, ``6m0s``.

    Args:
        text: The header's value.

    Returns:
        The duration in seconds, or ``None`` if the text is not such a duration. A bare number
        is read as seconds.
    """
    text = text.strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        pass
    else:
        return value if math.isfinite(value) and value >= 0 else None
    total = 0.0
    position = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != position:
            return None
        total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        position = match.end()
    if position != len(text) or position == 0:
        return None
    return total


@attrs.frozen
class RateLimitHeaders:
    """OpenAI's request rate-limit headers of one response.

    Attributes:
        limit: ``x-ratelimit-limit-requests``: the bucket's size.
        remaining: ``x-ratelimit-remaining-requests``: requests left in it.
        reset: ``x-ratelimit-reset-requests`` in seconds: until the bucket is full again.
    """

    limit: int
    remaining: int
    reset: float

    @property
    def refill_rate(self) -> float | None:
        """Requests per second the bucket refills at, when the headers say so precisely enough."""
        deficit = self.limit - self.remaining
        # ``remaining`` is a whole number (the server rounds its fractional tokens down), so a
        # deficit of d means d to d+1 missing requests: trusting it only from ten on keeps the
        # estimate within 10 % (and a tiny bucket is trusted from half its size).
        if self.reset <= 0 or deficit < max(1, min(_MIN_DEFICIT, self.limit // 2)):
            return None
        return deficit / self.reset


def _non_negative_int(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    return int(value) if value.isdigit() else None


def parse_rate_limit_headers(headers: Mapping[str, str]) -> RateLimitHeaders | None:
    """Read OpenAI's ``x-ratelimit-{limit,remaining,reset}-requests`` headers.

    Args:
        headers: Response headers (names matched case-insensitively).

    Returns:
        The three values, or ``None`` when one is missing or unreadable.
    """
    limit = _non_negative_int(get_header(headers, "x-ratelimit-limit-requests"))
    remaining = _non_negative_int(get_header(headers, "x-ratelimit-remaining-requests"))
    reset_text = get_header(headers, "x-ratelimit-reset-requests")
    reset = parse_duration(reset_text) if reset_text is not None else None
    if limit is None or remaining is None or reset is None or remaining > limit:
        return None
    return RateLimitHeaders(limit=limit, remaining=remaining, reset=reset)


class AdaptiveLimiter:
    """Decides when a bulk job's next request may start (see the module documentation).

    One limiter serves one job at a time; it is not thread-safe (a job runs on one event loop).

    Args:
        ceiling: The most requests ever in flight at once (the ``--concurrency`` of the command
            line); also where the window starts.
        adaptive: ``False`` turns every adaptation off: a fixed window of ``ceiling``, no
            pacing, no job-wide pause (the runner then waits out each 429 on its own request).
        clock: Monotonic seconds; injectable for tests.

    Raises:
        ValueError: ``ceiling`` is not a whole number of at least 1.
    """

    def __init__(
        self,
        ceiling: int,
        *,
        adaptive: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(ceiling, bool) or not isinstance(ceiling, int) or ceiling < 1:
            raise ValueError(f"concurrency must be a whole number of at least 1, got {ceiling!r}")
        self.ceiling = ceiling
        self.adaptive = adaptive
        self.clock = clock
        now = clock()
        self._limit = ceiling
        self._in_flight = 0
        self._epoch = 0
        self._streak = 0
        self._paused_until = -math.inf
        self._refusals_in_a_row = 0
        self._server_rate: float | None = None
        self._learned_rate: float | None = None
        self._tokens = 1.0
        self._stamp = now
        self._started = now
        self._successes: deque[float] = deque()
        self._trace: list[int] = [ceiling]
        self.decreases = 0
        """How many times a 429 shrank the window."""
        self.increases = 0
        """How many times a run of successes grew it."""

    # --- state --------------------------------------------------------------------------------

    @property
    def limit(self) -> int:
        """How many requests may be in flight now."""
        return self._limit

    @property
    def in_flight(self) -> int:
        """How many requests are in flight."""
        return self._in_flight

    @property
    def paused_until(self) -> float:
        """The clock time before which no request starts (``-inf`` when not paused)."""
        return self._paused_until

    @property
    def rate(self) -> float | None:
        """The pace in requests per second, or ``None`` while nothing says to pace."""
        rates = [r for r in (self._server_rate, self._learned_rate) if r is not None]
        return min(rates) if rates else None

    @property
    def trace(self) -> tuple[int, ...]:
        """The window's successive sizes, from the ceiling on (the first 10,000 changes)."""
        return tuple(self._trace)

    def __repr__(self) -> str:
        rate = "none" if self.rate is None else f"{self.rate:.1f}/s"
        return (
            f"<AdaptiveLimiter limit={self._limit}/{self.ceiling} in_flight={self._in_flight} "
            f"rate={rate}>"
        )

    # --- before a request ---------------------------------------------------------------------

    def has_slot(self) -> bool:
        """Whether the window has room for one more request."""
        return self._in_flight < self._limit

    def delay(self, now: float) -> float:
        """Seconds to wait before the next request may start (0 when it may start now).

        The window is not part of it: check
        [`has_slot`][chatkit_async.bulk.AdaptiveLimiter.has_slot] as well.

        Args:
            now: The clock now.

        Returns:
            The longer of the job-wide pause and the pace's wait.
        """
        wait = self._paused_until - now
        rate = self.rate
        if rate is not None:
            self._refill(now, rate)
            # The epsilon absorbs float dust: a wait of 1e-15 s would never move the clock on.
            if self._tokens < 1.0 - _EPSILON:
                wait = max(wait, (1.0 - self._tokens) / rate)
        return max(0.0, wait)

    def start(self, now: float) -> int:
        """Record that a request starts now.

        Args:
            now: The clock now.

        Returns:
            A ticket to hand back with the request's outcome.

        Raises:
            RuntimeError: The window is full (call
                [`has_slot`][chatkit_async.bulk.AdaptiveLimiter.has_slot] first).
        """
        if not self.has_slot():
            raise RuntimeError("no free slot: wait for a request to finish")
        rate = self.rate
        if rate is not None:
            self._refill(now, rate)
            self._tokens -= 1.0
        self._in_flight += 1
        return self._epoch

    # --- after a request ----------------------------------------------------------------------

    def on_success(self, ticket: int, now: float, headers: Mapping[str, str] | None = None) -> None:
        """Record a request answered without a 429 (a success, or an error that is not about load).

        Args:
            ticket: What [`start`][chatkit_async.bulk.AdaptiveLimiter.start] returned for it.
            now: The clock now.
            headers: The response's headers, to learn the server's rate from.
        """
        del ticket  # a success means the same whenever the request was sent
        self._release()
        self._learn(headers)
        self._refusals_in_a_row = 0
        self._successes.append(now)
        self._forget_before(now - _OBSERVATION_WINDOW)
        if not self.adaptive:
            return
        self._streak += 1
        if self._limit < self.ceiling and self._streak >= self._limit:
            self._set_limit(self._limit + 1)
            self._streak = 0
            self.increases += 1
        if self._learned_rate is not None:
            # Per success, so per second it grows by about _GROWTH_PER_SECOND (e^0.05 - 1).
            self._learned_rate *= 1.0 + _GROWTH_PER_SECOND / max(self._learned_rate, _MIN_RATE)
            if self._server_rate is not None and self._learned_rate >= self._server_rate:
                self._learned_rate = None  # the server's own rate is the tighter bound again

    def on_rate_limited(
        self,
        ticket: int,
        now: float,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> float:
        """Record a 429: pause the job, and shrink the window and the pace once per event.

        Args:
            ticket: What [`start`][chatkit_async.bulk.AdaptiveLimiter.start] returned for the
                refused request.
            now: The clock now.
            retry_after: The wait the server asked for, in seconds, if it said.
            headers: The 429's headers.

        Returns:
            How long the request should wait before it is sent again, in seconds.
        """
        self._release()
        self._learn(headers)
        if retry_after is None:
            wait = min(_FIRST_PAUSE * 2.0 ** min(self._refusals_in_a_row, 16), _MAX_PAUSE)
        else:
            wait = max(0.0, retry_after)
        self._refusals_in_a_row += 1
        if not self.adaptive:
            return wait
        self._paused_until = max(self._paused_until, now + wait)
        self._tokens = min(self._tokens, 1.0)
        if ticket < self._epoch:
            # Sent before the last decrease: the decrease already answered this congestion.
            return wait
        self._epoch += 1
        self._streak = 0
        self.decreases += 1
        self._set_limit(max(1, self._limit // 2))
        observed = self._observed_rate(now)
        bounds = [r for r in (self.rate, observed) if r is not None]
        if bounds:
            self._learned_rate = max(_MIN_RATE, _DECREASE * min(bounds))
        return wait

    def on_failure(self, ticket: int, now: float) -> None:
        """Record a request that ended without an answer (a connection error, a timeout, or a
        cancellation): it only frees its slot.

        Args:
            ticket: What [`start`][chatkit_async.bulk.AdaptiveLimiter.start] returned for it.
            now: The clock now.
        """
        del ticket, now
        self._release()

    # --- internals ----------------------------------------------------------------------------

    def _release(self) -> None:
        if self._in_flight <= 0:
            raise RuntimeError("a request finished that was never started")
        self._in_flight -= 1

    def _set_limit(self, limit: int) -> None:
        if limit != self._limit:
            self._limit = limit
            if len(self._trace) < _TRACE_LIMIT:
                self._trace.append(limit)

    def _refill(self, now: float, rate: float) -> None:
        elapsed = now - self._stamp
        self._stamp = now
        burst = max(1.0, rate * _BURST_SECONDS)
        # Tokens granted by the server's ``remaining`` may exceed the burst: they are spent,
        # never clipped; only the refill stops at the burst.
        if elapsed > 0 and self._tokens < burst:
            self._tokens = min(burst, self._tokens + elapsed * rate)

    def _learn(self, headers: Mapping[str, str] | None) -> None:
        if headers is None or not self.adaptive:
            return
        parsed = parse_rate_limit_headers(headers)
        if parsed is None:
            return
        rate = parsed.refill_rate
        if rate is not None:
            self._server_rate = max(rate, _MIN_RATE)
        # What the server still holds may be spent at once, less what is already in flight (it
        # may not be counted yet) and one for safety: a quota of 5,000 requests a minute is
        # used as such, not at 83 requests/s from its tenth request on.
        self._tokens = max(self._tokens, float(parsed.remaining - self._in_flight - 1))

    def _forget_before(self, cutoff: float) -> None:
        successes = self._successes
        while successes and successes[0] < cutoff:
            successes.popleft()

    def _observed_rate(self, now: float) -> float | None:
        """Successes per second over the last second (or since the start, if that is shorter)."""
        self._forget_before(now - _OBSERVATION_WINDOW)
        span = min(_OBSERVATION_WINDOW, now - self._started)
        if span <= 0.0 or not self._successes:
            return None
        return len(self._successes) / span
