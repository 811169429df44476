"""``AsyncChatKit``: the client's settings, its lifecycle, and the one send pipeline with retries.

Every request of every resource goes through :meth:`AsyncChatKit._request`: merge the per-call
options into the client's, send through the transport, retry what is worth retrying, turn error
statuses into the exception tree, and decode the body with the one converter. Resources
(:mod:`chatkit_async.resources`) only say *what* to send and *what* to decode into.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import APIConnectionError, ChatKitError, ClientClosedError, make_status_error
from ._http import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    RetryPolicy,
    build_default_headers,
    check_timeout,
    encode_json_body,
    encode_query,
    merge_headers,
    parse_base_url,
    query_value,
    redact_headers,
    should_retry_response,
    url_for_log,
)
from ._options import NO_OPTIONS, RequestOptions
from ._response import APIResponse, decode_body, want_raw
from ._transport import RawResponse, Transport
from ._types import NOT_GIVEN, NotGiven, NotGivenOr
from .resources.sessions import AsyncSessions
from .resources.threads import AsyncThreads

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AsyncChatKit"]

T = TypeVar("T")

logger = logging.getLogger("chatkit_async")


class AsyncChatKit:
    """The asyncio client for OpenAI's ChatKit API.

    Use it as an async context manager, or call :meth:`close` when done::

        async with AsyncChatKit() as client:
            thread = await client.threads.retrieve("cthr_123")

    Settings not passed fall back to the environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
    ``OPENAI_ORG_ID`` and ``OPENAI_PROJECT_ID``.

    Args:
        api_key: The API key (default: ``OPENAI_API_KEY``). Never shown in a repr, error or log.
        base_url: The API root (default: ``OPENAI_BASE_URL`` or ``https://api.openai.com/v1``).
        organization: Sent as ``OpenAI-Organization`` (default: ``OPENAI_ORG_ID``).
        project: Sent as ``OpenAI-Project`` (default: ``OPENAI_PROJECT_ID``).
        timeout: Seconds allowed for each request attempt (default 60); ``None`` for no limit.
        max_retries: Retries after a failed attempt (default 2); ``0`` disables retrying.
        default_headers: Headers sent with every request (they override the defaults).
        session: An ``aiohttp.ClientSession`` to use instead of the client's own. The client
            never closes a session it was given.

    Raises:
        ChatKitError: No API key was given and ``OPENAI_API_KEY`` is not set.
        ValueError: A setting is out of range (e.g. a negative ``max_retries``).
    """

    threads: AsyncThreads
    """Threads and their items: retrieve, list, delete, list_items."""
    sessions: AsyncSessions
    """ChatKit sessions: create, cancel."""

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        session: aiohttp.ClientSession | None = None,
    ) -> None:
        if api_key is None:
            api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            raise ChatKitError(
                "No API key: pass api_key=... to the client or set the OPENAI_API_KEY "
                "environment variable."
            )
        if not isinstance(api_key, str):
            raise TypeError("api_key must be a str")
        if base_url is not None:
            base_url = parse_base_url(base_url, setting="base_url")
        elif os.environ.get("OPENAI_BASE_URL"):
            base_url = parse_base_url(
                os.environ["OPENAI_BASE_URL"], setting="OPENAI_BASE_URL (from the environment)"
            )
        else:
            base_url = DEFAULT_BASE_URL
        if organization is None:
            organization = os.environ.get("OPENAI_ORG_ID") or None
        if project is None:
            project = os.environ.get("OPENAI_PROJECT_ID") or None
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise ValueError(f"max_retries must be a non-negative integer, got {max_retries!r}")

        self._api_key = api_key
        self._base_url = base_url
        self._organization = organization
        self._project = project
        self._timeout = check_timeout(timeout)
        self._max_retries = max_retries
        self._default_headers = dict(default_headers or {})
        self._headers = build_default_headers(
            api_key=api_key,
            organization=organization,
            project=project,
            extra=self._default_headers,
        )
        self._retry = RetryPolicy(max_retries=max_retries)
        self._rng = random.Random()
        self._transport = Transport(session=session, connect_timeout=DEFAULT_CONNECT_TIMEOUT)
        self._owns_transport = True
        self._closed = False
        # Futures of the retry backoffs sleeping now: ``close()`` wakes them with an error.
        self._sleepers: set[asyncio.Future[None]] = set()
        self.threads = AsyncThreads(self)
        self.sessions = AsyncSessions(self)

    # --- settings -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API root every path is appended to."""
        return self._base_url

    @property
    def api_key(self) -> str:
        """The API key (read it deliberately; it is never shown in a repr)."""
        return self._api_key

    @property
    def organization(self) -> str | None:
        """The organization sent as ``OpenAI-Organization``, if any."""
        return self._organization

    @property
    def project(self) -> str | None:
        """The project sent as ``OpenAI-Project``, if any."""
        return self._project

    @property
    def timeout(self) -> float | None:
        """Seconds allowed per request attempt (``None``: no limit)."""
        return self._timeout

    @property
    def max_retries(self) -> int:
        """Retries after a failed attempt."""
        return self._max_retries

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` has been called."""
        return self._closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self._base_url!r} closed={self._closed}>"

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> AsyncChatKit:
        """A client with some settings overridden that shares this client's connection pool.

        Closing the returned client does not close the pool; closing this one does.

        Args:
            api_key: Replaces the API key.
            base_url: Replaces the API root.
            organization: Replaces the organization.
            project: Replaces the project.
            timeout: Replaces the per-attempt timeout (``None``: no limit).
            max_retries: Replaces the retry count.
            default_headers: Merged over this client's default headers.

        Returns:
            A new :class:`AsyncChatKit`.
        """
        self._ensure_open()
        derived = type(self).__new__(type(self))
        AsyncChatKit.__init__(
            derived,
            api_key=api_key if api_key is not None else self._api_key,
            base_url=base_url if base_url is not None else self._base_url,
            organization=organization if organization is not None else self._organization,
            project=project if project is not None else self._project,
            timeout=self._timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=max_retries if max_retries is not None else self._max_retries,
            default_headers=merge_headers(self._default_headers, default_headers),
        )
        derived._transport = self._transport
        derived._owns_transport = False
        return derived

    # --- lifecycle ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection pool (unless it was borrowed or shared). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        for sleeper in self._sleepers:
            if not sleeper.done():
                sleeper.set_exception(ClientClosedError("The client was closed during a retry wait."))
        self._sleepers.clear()
        if self._owns_transport:
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncChatKit:
        self._ensure_open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    def _ensure_open(self) -> None:
        if self._closed or self._transport.closed:
            raise ClientClosedError("This client has been closed.")

    # --- the send pipeline ----------------------------------------------------------------------

    def _url(self, path: str, query: Mapping[str, str] | None) -> str:
        url = self._base_url + path
        if query:
            url += "?" + encode_query(query)
        return url

    async def _request(
        self,
        method: str,
        path: str,
        *,
        cast_to: Any,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, object] | None = None,
        options: RequestOptions = NO_OPTIONS,
        idempotent: bool = True,
    ) -> Any:
        """Send one API call and decode its answer (or return the raw response, see _response)."""
        self._ensure_open()
        if options.extra_query:
            merged = dict(query or {})
            for name, value in options.extra_query.items():
                if not isinstance(name, str):
                    raise TypeError(f"extra_query names must be str, not {type(name).__name__}")
                rendered = query_value(value)
                if rendered is None:
                    merged.pop(name, None)
                else:
                    merged[name] = rendered
            query = merged
        if options.extra_body:
            body = {**(body or {}), **options.extra_body}
        headers = self._headers
        if body is not None:
            headers = {**headers, "Content-Type": "application/json"}
        if options.extra_headers:
            headers = merge_headers(headers, options.extra_headers)
        # RequestOptions validated a per-call timeout already; no second check on the hot path.
        timeout = self._timeout if isinstance(options.timeout, NotGiven) else options.timeout
        content = encode_json_body(body) if body is not None else None
        url = self._url(path, query)
        raw, retries = await self._send(method, url, headers, content, timeout, idempotent)
        if want_raw.get():
            return APIResponse[Any](
                status_code=raw.status,
                headers=raw.headers,
                content=raw.content,
                method=method,
                url=raw.url,
                elapsed=raw.elapsed,
                retries_taken=retries,
                cast_to=cast_to,
            )
        return decode_body(
            raw.content,
            cast_to,
            status_code=raw.status,
            request_id=raw.headers.get("x-request-id"),
        )

    async def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: float | None,
        idempotent: bool = True,
    ) -> tuple[RawResponse, int]:
        """Send with retries; returns a 2xx response and the number of retries it took.

        A request that is not ``idempotent`` is sent again only when the server certainly did not
        process it: the connection could not be made, a 429, or ``x-should-retry: true``.
        """
        debug = logger.isEnabledFor(logging.DEBUG)
        attempt = 0
        while True:
            if debug:
                logger.debug(
                    "%s %s attempt=%d headers=%s",
                    method,
                    url_for_log(url),
                    attempt + 1,
                    redact_headers(headers),
                )
            try:
                raw = await self._transport.request(
                    method, url, headers=headers, content=content, timeout=timeout
                )
            except APIConnectionError as exc:
                if self._closed:
                    raise ClientClosedError(
                        "The client was closed while this request was in flight."
                    ) from exc
                if (
                    attempt >= self._retry.max_retries
                    or not exc.retryable
                    or (exc.request_sent and not idempotent)
                ):
                    raise
                delay = self._retry.backoff(attempt, rng=self._rng)
                logger.info(
                    "%s %s failed (%s); retrying in %.2fs",
                    method,
                    url_for_log(url),
                    exc.message,
                    delay,
                )
                await self._sleep(delay)
                attempt += 1
                continue
            status = raw.status
            if debug:
                logger.debug(
                    "%s %s -> %d request_id=%s",
                    method,
                    url_for_log(url),
                    status,
                    raw.headers.get("x-request-id"),
                )
            if 200 <= status < 300:
                return raw, attempt
            if attempt < self._retry.max_retries and should_retry_response(
                status, raw.headers, idempotent=idempotent
            ):
                wait = self._retry.delay_for(attempt, raw.headers, rng=self._rng)
                if wait is not None:
                    logger.info(
                        "%s %s -> %d (request_id=%s); retrying in %.2fs",
                        method,
                        url_for_log(url),
                        status,
                        raw.headers.get("x-request-id"),
                        wait,
                    )
                    await self._sleep(wait)
                    attempt += 1
                    continue
            raise make_status_error(status, raw.headers, raw.content, secrets=(self._api_key,))

    async def _sleep(self, delay: float) -> None:
        """Wait before a retry; :meth:`close` cuts the wait short with ``ClientClosedError``."""
        self._ensure_open()
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        handle = waiter.get_loop().call_later(delay, _wake, waiter)
        self._sleepers.add(waiter)
        try:
            await waiter
        finally:
            handle.cancel()
            self._sleepers.discard(waiter)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
