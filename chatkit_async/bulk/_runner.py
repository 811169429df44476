"""Every HTTP request of a bulk job goes through here: limited, counted, and retried by the job.

This module owns ``RequestRunner``. A job hands it a function that sends one request through a
client whose own retries are off (``client.with_options(max_retries=0)``), so that every answer,
429s included, reaches the job at once instead of being waited out inside the SDK:

* before sending, it waits for the [`AdaptiveLimiter`][chatkit_async.bulk.AdaptiveLimiter] (a free
  slot in the window, the end of a job-wide pause, the pace), one request at a time in arrival order;
* it counts every request it sends (``JobCounters.requests``) and every 429
  (``JobCounters.rate_limited``);
* a 429 goes back to the limiter (which pauses the whole job) and the request is sent again, up to
  ``MAX_RATE_LIMITED_ATTEMPTS`` times in a row; a 429 whose ``code`` is
  ``insufficient_quota``, or that says ``x-should-retry: false``, or that asks for a longer wait
  than the retry policy honours, is raised at once;
* connection errors, timeouts, 408, 409 and 5xx (as ``should_retry_response``
  decides) are retried with the retry policy's backoff, up to the *original* client's
  ``max_retries``; they do not pause the other requests.

It never decodes anything itself, and raises the SDK's own errors unchanged.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import attrs

from .._client import AsyncChatKit
from .._exceptions import APIConnectionError, APIStatusError, RateLimitError
from .._http import RetryPolicy, should_retry_response
from .._response import APIResponse
from ._limiter import AdaptiveLimiter

__all__ = ["MAX_RATE_LIMITED_ATTEMPTS", "JobCounters", "RequestRunner"]

T = TypeVar("T")

MAX_RATE_LIMITED_ATTEMPTS = 30
"""429s in a row after which one request gives up (the job then stops with the 429)."""


@attrs.define
class JobCounters:
    """What a job's requests did so far (mutable; the reports copy it).

    Attributes:
        requests: Every HTTP request sent, retries and 429s included.
        rate_limited: Requests answered 429.
        retried: Requests sent again after a connection error, a timeout or a 5xx.
    """

    requests: int = 0
    rate_limited: int = 0
    retried: int = 0


class RequestRunner:
    """Sends a job's requests through one limiter (see the module documentation).

    Args:
        client: The caller's client; the runner derives its own with retries off, sharing the
            connection pool, and retries up to this client's ``max_retries`` itself.
        limiter: The limiter all of the job's requests share.
        rng: Randomness for the backoff jitter (seed it in tests).
    """

    def __init__(
        self,
        client: AsyncChatKit,
        limiter: AdaptiveLimiter,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.client = client.with_options(max_retries=0)
        self.limiter = limiter
        self.counters = JobCounters()
        self._policy = RetryPolicy(max_retries=client.max_retries)
        self._rng = rng if rng is not None else random.Random()
        self._gate = asyncio.Lock()
        self._freed = asyncio.Event()

    async def aclose(self) -> None:
        """Close the derived client (the connection pool stays the caller's)."""
        await self.client.close()

    async def _acquire(self) -> int:
        # One request at a time waits at the gate (asyncio.Lock is FIFO), so the pace is shared
        # out in arrival order instead of being raced for by every waiting task.
        limiter = self.limiter
        async with self._gate:
            while True:
                if not limiter.has_slot():
                    self._freed.clear()
                    await self._freed.wait()
                    continue
                delay = limiter.delay(limiter.clock())
                if delay > 0:
                    await asyncio.sleep(delay)
                    continue
                return limiter.start(limiter.clock())

    def _released(self) -> None:
        self._freed.set()

    async def send(self, request: Callable[[AsyncChatKit], Awaitable[APIResponse[T]]]) -> APIResponse[T]:
        """Send one request until it succeeds or fails for good.

        Args:
            request: Sends the request with the client it is given (call a
                ``with_raw_response`` method on it) and returns the raw response.

        Returns:
            The successful response. ``request`` is called once per attempt, so it can tell
            whether an earlier attempt may have reached the server.

        Raises:
            APIStatusError: An error status that is not retried, or still there after the
                retries (a 429 after ``MAX_RATE_LIMITED_ATTEMPTS`` refusals in a row).
            APIConnectionError: The connection failed, or timed out, on every attempt.
        """
        limiter = self.limiter
        counters = self.counters
        failed = 0
        refused = 0
        while True:
            ticket = await self._acquire()
            counters.requests += 1
            try:
                response = await request(self.client)
            except RateLimitError as exc:
                counters.rate_limited += 1
                wait = limiter.on_rate_limited(ticket, limiter.clock(), exc.retry_after, exc.headers)
                self._released()
                refused += 1
                if (
                    exc.code == "insufficient_quota"  # a quota, not a rate: waiting will not help
                    or not should_retry_response(exc.status_code, exc.headers)
                    or (exc.retry_after is not None and exc.retry_after > self._policy.max_retry_after)
                    or refused >= MAX_RATE_LIMITED_ATTEMPTS
                ):
                    raise
                if not limiter.adaptive:
                    await asyncio.sleep(wait)  # the baseline waits out each refusal on its own
                continue
            except APIStatusError as exc:
                limiter.on_success(ticket, limiter.clock(), exc.headers)
                self._released()
                if failed >= self._policy.max_retries or not should_retry_response(
                    exc.status_code, exc.headers
                ):
                    raise
                wait_for = self._policy.delay_for(failed, exc.headers, rng=self._rng)
                if wait_for is None:
                    raise
            except APIConnectionError:
                limiter.on_failure(ticket, limiter.clock())
                self._released()
                if failed >= self._policy.max_retries:
                    raise
                wait_for = self._policy.backoff(failed, rng=self._rng)
            except BaseException:
                limiter.on_failure(ticket, limiter.clock())
                self._released()
                raise
            else:
                limiter.on_success(ticket, limiter.clock(), response.headers)
                self._released()
                return response
            failed += 1
            counters.retried += 1
            await asyncio.sleep(wait_for)
