"""``client.sessions``: create and cancel ChatKit sessions.

Each endpoint is written once, as a module-level function that checks its arguments and returns the
``Endpoint`` to call; the four faces (async, async raw, blocking,
blocking raw) are thin, as in ``chatkit_async.resources.threads``. ``sessions.create`` is the
API's one call that is not idempotent: its endpoint says so, and the send pipeline then retries it
only when the server certainly did not process it.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from .._http import validate_path_id
from .._options import RequestOptions
from .._response import APIResponse
from .._types import NOT_GIVEN, BlockingCaller, NotGivenOr, Unpack
from ..types.session import (
    ChatKitConfigurationParam,
    ChatSession,
    ExpiresAfterParam,
    RateLimitsParam,
    WorkflowParam,
)
from ._base import Endpoint, Requester

__all__ = ["AsyncSessions", "AsyncSessionsWithRawResponse", "Sessions", "SessionsWithRawResponse"]


def _create(
    user: str,
    workflow: WorkflowParam,
    chatkit_configuration: NotGivenOr[ChatKitConfigurationParam],
    expires_after: NotGivenOr[ExpiresAfterParam],
    rate_limits: NotGivenOr[RateLimitsParam],
) -> Endpoint[ChatSession]:
    if not isinstance(user, str) or not user:
        raise ValueError(f"user must be a non-empty string, got {user!r}")
    if not isinstance(workflow, Mapping) or not isinstance(workflow.get("id"), str):
        raise ValueError("workflow must be a mapping with a string 'id', e.g. {'id': 'wf_123'}")
    body: dict[str, object] = {"user": user, "workflow": workflow}
    if chatkit_configuration is not NOT_GIVEN:
        body["chatkit_configuration"] = chatkit_configuration
    if expires_after is not NOT_GIVEN:
        body["expires_after"] = expires_after
    if rate_limits is not NOT_GIVEN:
        body["rate_limits"] = rate_limits
    # Not idempotent: every processed request makes a new session (see should_retry_response).
    return Endpoint("POST", "/chatkit/sessions", ChatSession, body=body, idempotent=False)


def _cancel(session_id: str) -> Endpoint[ChatSession]:
    path = f"/chatkit/sessions/{validate_path_id(session_id, name='session_id')}/cancel"
    return Endpoint("POST", path, ChatSession)


class AsyncSessions:
    """Operations on ChatKit sessions; reach it as ``client.sessions``."""

    def __init__(self, request: Requester) -> None:
        """Bind the resource to a send pipeline.

        Args:
            request: Sends an endpoint and returns the response (the client's pipeline).
        """
        self._request = request
        self._raw = AsyncSessionsWithRawResponse(request)

    @property
    def with_raw_response(self) -> AsyncSessionsWithRawResponse:
        """The same methods, returning [`APIResponse`][chatkit_async.APIResponse] (status, headers,
        request id) instead of the decoded model."""
        return self._raw

    async def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> ChatSession:
        """Create a ChatKit session for one end user, to hand its ``client_secret`` to a front end.

        Not idempotent, so not retried blindly: after a timeout, a dropped connection or a 5xx the
        session may exist already, and the error is raised at once rather than risking a second
        live session. Only a refused connection, a 429 or ``x-should-retry: true`` are retried.

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body`` (merged into the JSON body).

        Returns:
            The new session (``client_secret`` is readable but never shown in a repr).

        Raises:
            ValueError: ``user`` is empty or ``workflow`` has no ``id`` (before any request).
            BadRequestError: The server rejected the parameters.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
        """
        endpoint = _create(user, workflow, chatkit_configuration, expires_after, rate_limits)
        return (await self._request(endpoint, options)).parse()

    async def cancel(self, session_id: str, **options: Unpack[RequestOptions]) -> ChatSession:
        """Cancel a session, so that its client secret stops working.

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The session, with ``status`` ``"cancelled"``.

        Raises:
            ValueError: ``session_id`` is not a valid id.
            NotFoundError: No session has that id.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
        """
        return (await self._request(_cancel(session_id), options)).parse()


class AsyncSessionsWithRawResponse:
    """``client.sessions.with_raw_response``: each method returns an ``APIResponse``."""

    def __init__(self, request: Requester) -> None:
        """Bind to a send pipeline.

        Args:
            request: Sends an endpoint and returns the response (the client's pipeline).
        """
        self._request = request

    async def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[ChatSession]:
        """Create a ChatKit session, returning the raw response.

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body`` (merged into the JSON body).

        Returns:
            The response; ``parse()`` gives the [`ChatSession`][chatkit_async.types.ChatSession].
        """
        endpoint = _create(user, workflow, chatkit_configuration, expires_after, rate_limits)
        return await self._request(endpoint, options)

    async def cancel(
        self, session_id: str, **options: Unpack[RequestOptions]
    ) -> APIResponse[ChatSession]:
        """Cancel a session, returning the raw response.

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The response; ``parse()`` gives the [`ChatSession`][chatkit_async.types.ChatSession].
        """
        return await self._request(_cancel(session_id), options)


class Sessions:
    """Operations on ChatKit sessions; reach it as ``client.sessions`` of a blocking ``ChatKit``.

    Each method runs the [`AsyncSessions`][chatkit_async.resources.sessions.AsyncSessions] method of
    the same name on the client's event loop thread and waits for its result; signatures, validation
    and errors are the same.
    """

    def __init__(self, sessions: AsyncSessions, portal: BlockingCaller) -> None:
        """Bind the blocking face to its async twin.

        Args:
            sessions: The async resource every call goes to.
            portal: Runs those calls on the client's event loop thread.
        """
        self._async = sessions
        self._portal = portal
        self._raw = SessionsWithRawResponse(sessions.with_raw_response, portal)

    @property
    def with_raw_response(self) -> SessionsWithRawResponse:
        """The same methods, returning [`APIResponse`][chatkit_async.APIResponse] (status, headers,
        request id) instead of the decoded model."""
        return self._raw

    def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> ChatSession:
        """Create a ChatKit session (blocking
        [`AsyncSessions.create`][chatkit_async.resources.sessions.AsyncSessions.create]).

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body`` (merged into the JSON body).

        Returns:
            The new session (``client_secret`` is readable but never shown in a repr).
        """
        call = partial(
            self._async.create,
            user=user,
            workflow=workflow,
            chatkit_configuration=chatkit_configuration,
            expires_after=expires_after,
            rate_limits=rate_limits,
            **options,
        )
        return self._portal.call(call)

    def cancel(self, session_id: str, **options: Unpack[RequestOptions]) -> ChatSession:
        """Cancel a session (blocking
        [`AsyncSessions.cancel`][chatkit_async.resources.sessions.AsyncSessions.cancel]).

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The session, with ``status`` ``"cancelled"``.
        """
        return self._portal.call(partial(self._async.cancel, session_id, **options))


class SessionsWithRawResponse:
    """``client.sessions.with_raw_response`` of a blocking client: each method returns an
    ``APIResponse``; each is a blocking
    [`AsyncSessionsWithRawResponse`][chatkit_async.resources.sessions.AsyncSessionsWithRawResponse]
    method.
    """

    def __init__(self, raw: AsyncSessionsWithRawResponse, portal: BlockingCaller) -> None:
        """Bind the blocking face to its async twin.

        Args:
            raw: The async raw-response resource every call goes to.
            portal: Runs those calls on the client's event loop thread.
        """
        self._async = raw
        self._portal = portal

    def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[ChatSession]:
        """Create a ChatKit session, returning the raw response.

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body`` (merged into the JSON body).

        Returns:
            The response; ``parse()`` gives the [`ChatSession`][chatkit_async.types.ChatSession].
        """
        call = partial(
            self._async.create,
            user=user,
            workflow=workflow,
            chatkit_configuration=chatkit_configuration,
            expires_after=expires_after,
            rate_limits=rate_limits,
            **options,
        )
        return self._portal.call(call)

    def cancel(
        self, session_id: str, **options: Unpack[RequestOptions]
    ) -> APIResponse[ChatSession]:
        """Cancel a session, returning the raw response.

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The response; ``parse()`` gives the [`ChatSession`][chatkit_async.types.ChatSession].
        """
        return self._portal.call(partial(self._async.cancel, session_id, **options))
