"""``AsyncChatKit``: the client's settings, its lifecycle, and the one send pipeline with retries.

Every call of every resource goes through ``AsyncChatKit._request``: build the request from the
resource's endpoint, the client's settings and the per-call options (a pure step, in ``_http``),
send it through the transport, retry what is worth retrying, turn an error status into the exception
tree, and hand back an [`APIResponse`][chatkit_async.APIResponse]. The resource then parses it (or, for
``with_raw_response``, returns it). Resources (``chatkit_async.resources``) only say *what* to
send and *what* to decode into; they receive ``_request`` when the client builds them.

Where a change goes:

* **A new client setting**: ``_Settings`` and ``_resolve_settings`` (validated there and
  nowhere else), then ``with_options`` and the blocking ``ChatKit`` constructor.
* **A new retry rule**: ``_http`` (``should_retry_response``,
  ``RetryPolicy``); ``AsyncChatKit._send`` only applies them.
* **A new endpoint**: its resource module; nothing here.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Mapping
from typing import TYPE_CHECKING, TypeVar

import attrs

from ._exceptions import APIConnectionError, ChatKitError, ClientClosedError, make_status_error
from ._http import (
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    Request,
    RetryPolicy,
    build_default_headers,
    build_request,
    check_timeout,
    merge_headers,
    parse_base_url,
    redact_headers,
    should_retry_response,
    url_for_log,
)
from ._options import OPTION_NAMES, RequestOptions, check_options
from ._response import APIResponse
from ._transport import RawResponse, Transport
from ._types import NOT_GIVEN, NotGiven, NotGivenOr
from .resources._base import Endpoint
from .resources.sessions import AsyncSessions
from .resources.threads import AsyncThreads

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AsyncChatKit"]

T = TypeVar("T")

logger = logging.getLogger("chatkit_async")


@attrs.frozen(slots=True)
class _Settings:
    """A client's settings, each validated once (by ``_resolve_settings``)."""

    api_key: str = attrs.field(repr=False)
    base_url: str
    organization: str | None
    project: str | None
    timeout: float | None
    retry: RetryPolicy
    default_headers: Mapping[str, str] = attrs.field(repr=False)
    headers: Mapping[str, str] = attrs.field(repr=False)  # every request's, defaults merged


def _resolve_settings(
    *,
    api_key: str | None,
    base_url: str | None,
    organization: str | None,
    project: str | None,
    timeout: float | None,
    max_retries: int,
    default_headers: Mapping[str, str] | None,
    environ: Mapping[str, str],
) -> _Settings:
    """Apply the environment's fallbacks and check every setting: the one place that does."""
    if api_key is None:
        api_key = environ.get("OPENAI_API_KEY")
    if not api_key:
        raise ChatKitError(
            "No API key: pass api_key=... to the client or set the OPENAI_API_KEY "
            "environment variable."
        )
    if not isinstance(api_key, str):
        raise TypeError("api_key must be a str")
    if base_url is not None:
        base_url = parse_base_url(base_url, setting="base_url")
    elif environ.get("OPENAI_BASE_URL"):
        base_url = parse_base_url(
            environ["OPENAI_BASE_URL"], setting="OPENAI_BASE_URL (from the environment)"
        )
    else:
        base_url = DEFAULT_BASE_URL
    if organization is None:
        organization = environ.get("OPENAI_ORG_ID") or None
    if project is None:
        project = environ.get("OPENAI_PROJECT_ID") or None
    extra = dict(default_headers or {})
    return _Settings(
        api_key=api_key,
        base_url=base_url,
        organization=organization,
        project=project,
        timeout=check_timeout(timeout),
        retry=RetryPolicy(max_retries=max_retries),
        default_headers=extra,
        headers=build_default_headers(
            api_key=api_key, organization=organization, project=project, extra=extra
        ),
    )


class AsyncChatKit:
    """The asyncio client for OpenAI's ChatKit API.

    Use it as an async context manager, or call [`close`][chatkit_async.AsyncChatKit.close] when done:

        async with AsyncChatKit() as client:
            thread = await client.threads.retrieve("cthr_123")

    Settings not passed fall back to the environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``,
    ``OPENAI_ORG_ID`` and ``OPENAI_PROJECT_ID``. Closing it while calls are in flight makes them
    raise [`ClientClosedError`][chatkit_async.ClientClosedError] at once.

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
        ValueError: A setting is malformed or out of range (a ``base_url`` without http(s) or a
            host, a negative ``max_retries``, an infinite ``timeout``); the message names it.
    """

    threads: AsyncThreads
    """Threads and their items: retrieve, list, delete, list_items."""
    sessions: AsyncSessions
    """ChatKit sessions: create, cancel."""

    _settings: _Settings
    _transport: Transport
    _owns_transport: bool
    _closed: bool
    _sleepers: set[asyncio.Future[None]]
    _rng: random.Random

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
        settings = _resolve_settings(
            api_key=api_key,
            base_url=base_url,
            organization=organization,
            project=project,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            environ=os.environ,
        )
        transport = Transport(session=session, connect_timeout=DEFAULT_CONNECT_TIMEOUT)
        self._setup(settings, transport, owns_transport=True)

    def _setup(self, settings: _Settings, transport: Transport, *, owns_transport: bool) -> None:
        self._settings = settings
        self._transport = transport
        self._owns_transport = owns_transport
        self._closed = False
        # Futures of the retry backoffs sleeping now: ``close()`` wakes them with an error.
        self._sleepers = set()
        self._rng = random.Random()
        self.threads = AsyncThreads(self._request)
        self.sessions = AsyncSessions(self._request)

    # --- settings -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API root every path is appended to."""
        return self._settings.base_url

    @property
    def api_key(self) -> str:
        """The API key (read it deliberately; it is never shown in a repr)."""
        return self._settings.api_key

    @property
    def organization(self) -> str | None:
        """The organization sent as ``OpenAI-Organization``, if any."""
        return self._settings.organization

    @property
    def project(self) -> str | None:
        """The project sent as ``OpenAI-Project``, if any."""
        return self._settings.project

    @property
    def timeout(self) -> float | None:
        """Seconds allowed per request attempt (``None``: no limit)."""
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        """Retries after a failed attempt."""
        return self._settings.retry.max_retries

    @property
    def closed(self) -> bool:
        """Whether [`close`][chatkit_async.AsyncChatKit.close] has been called."""
        return self._closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r} closed={self._closed}>"

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
            A new [`AsyncChatKit`][chatkit_async.AsyncChatKit].

        Raises:
            ClientClosedError: This client has been closed.
        """
        self._ensure_open()
        current = self._settings
        settings = _resolve_settings(
            api_key=api_key if api_key is not None else current.api_key,
            base_url=base_url if base_url is not None else current.base_url,
            organization=organization if organization is not None else current.organization,
            project=project if project is not None else current.project,
            timeout=current.timeout if isinstance(timeout, NotGiven) else timeout,
            max_retries=max_retries if max_retries is not None else current.retry.max_retries,
            default_headers=merge_headers(current.default_headers, default_headers),
            environ={},
        )
        derived = object.__new__(type(self))
        derived._setup(settings, self._transport, owns_transport=False)
        return derived

    # --- lifecycle ----------------------------------------------------------------------------

    async def close(self) -> None:
        """Close the connection pool (unless it was borrowed or shared). Safe to call twice.

        Calls still in flight raise [`ClientClosedError`][chatkit_async.ClientClosedError] at once,
        without a retry: a request on the wire is cut, and a wait before a retry ends.
        """
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

    async def _request(self, endpoint: Endpoint[T], options: RequestOptions) -> APIResponse[T]:
        """Send one call of the API and return its successful response (see the module docstring).

        Raises:
            ClientClosedError: The client is closed, or was closed while the call ran.
            APIStatusError: The API answered with an error status (after any retries).
            APIConnectionError: The request could not be completed (after any retries).
            TypeError: An unknown per-call option, or a body JSON cannot carry.
            ValueError: A nonsense per-call ``timeout``, or a header that could split the headers.
        """
        self._ensure_open()
        settings = self._settings
        timeout = settings.timeout
        if options:
            # The common call passes no options: checking costs nothing then.
            if not OPTION_NAMES.issuperset(options) or "timeout" in options:
                check_options(options)
                if "timeout" in options:
                    timeout = options["timeout"]
        request = build_request(
            method=endpoint.method,
            url=settings.base_url + endpoint.path,
            headers=settings.headers,
            timeout=timeout,
            query=endpoint.query,
            body=endpoint.body,
            extra_headers=options.get("extra_headers"),
            extra_query=options.get("extra_query"),
            extra_body=options.get("extra_body"),
            idempotent=endpoint.idempotent,
        )
        raw, retries = await self._send(request)
        return APIResponse(
            status_code=raw.status,
            headers=raw.headers,
            content=raw.content,
            method=request.method,
            url=raw.url,
            elapsed=raw.elapsed,
            retries_taken=retries,
            cast_to=endpoint.cast_to,
        )

    async def _send(self, request: Request) -> tuple[RawResponse, int]:
        """Send with retries; returns a 2xx response and the number of retries it took.

        A request that is not idempotent is sent again only when the server certainly did not
        process it: the connection could not be made, a 429, or ``x-should-retry: true``.
        """
        retry = self._settings.retry
        method, url = request.method, request.url
        debug = logger.isEnabledFor(logging.DEBUG)
        attempt = 0
        while True:
            if debug:
                logger.debug(
                    "%s %s attempt=%d headers=%s",
                    method,
                    url_for_log(url),
                    attempt + 1,
                    redact_headers(request.headers),
                )
            try:
                raw = await self._transport.request(request)
            except APIConnectionError as exc:
                if self._closed:
                    raise ClientClosedError(
                        "The client was closed while this request was in flight."
                    ) from exc
                if (
                    attempt >= retry.max_retries
                    or not exc.retryable
                    or (exc.request_sent and not request.idempotent)
                ):
                    raise
                delay = retry.backoff(attempt, rng=self._rng)
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
            if attempt < retry.max_retries and should_retry_response(
                status, raw.headers, idempotent=request.idempotent
            ):
                wait = retry.delay_for(attempt, raw.headers, rng=self._rng)
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
            raise make_status_error(
                status, raw.headers, raw.content, secrets=(self._settings.api_key,)
            )

    async def _sleep(self, delay: float) -> None:
        """Wait before a retry; [`close`][chatkit_async.AsyncChatKit.close] cuts the wait short with
        ``ClientClosedError``."""
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
