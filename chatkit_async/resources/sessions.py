"""``client.sessions``: create and cancel ChatKit sessions.

Each method says what to send and what to decode into; the client's send pipeline does the rest.
The blocking twins at the end of this file (``Sessions`` and its raw-response class, used by
``ChatKit``) hold no logic: each method is one hop through the client's portal into the async
method of the same name, so the two faces cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING

from .._http import validate_path_id
from .._options import RequestOptions
from .._response import APIResponse, raw_wrapper
from .._types import NOT_GIVEN, NotGivenOr
from ..types.session import (
    ChatKitConfigurationParam,
    ChatSession,
    ExpiresAfterParam,
    RateLimitsParam,
    WorkflowParam,
)

if TYPE_CHECKING:
    from .._client import AsyncChatKit
    from .._sync_client import ChatKit

__all__ = ["AsyncSessions", "AsyncSessionsWithRawResponse", "Sessions", "SessionsWithRawResponse"]


class AsyncSessions:
    """Operations on ChatKit sessions; reach it as ``client.sessions``."""

    def __init__(self, client: AsyncChatKit) -> None:
        self._client = client

    @property
    def with_raw_response(self) -> AsyncSessionsWithRawResponse:
        """The same methods, returning :class:`~chatkit_async.APIResponse` (status, headers,
        request id) instead of the decoded model."""
        return AsyncSessionsWithRawResponse(self)

    async def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> ChatSession:
        """Create a ChatKit session for one end user, to hand its ``client_secret`` to a front end.

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields merged into the request body.

        Returns:
            The new session (``client_secret`` is readable but never shown in a repr).

        Raises:
            ValueError: ``user`` is empty or ``workflow`` has no ``id`` (before any request).
            BadRequestError: The server rejected the parameters.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
        """
        if not isinstance(user, str) or not user:
            raise ValueError(f"user must be a non-empty string, got {user!r}")
        if not isinstance(workflow, Mapping) or not isinstance(workflow.get("id"), str):
            raise ValueError("workflow must be a mapping with a string 'id', e.g. {'id': 'wf_123'}")
        body: dict[str, object] = {"user": user, "workflow": dict(workflow)}
        if chatkit_configuration is not NOT_GIVEN:
            body["chatkit_configuration"] = chatkit_configuration
        if expires_after is not NOT_GIVEN:
            body["expires_after"] = expires_after
        if rate_limits is not NOT_GIVEN:
            body["rate_limits"] = rate_limits
        options = RequestOptions(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        # Not idempotent: every processed request makes a new session, so it is retried only when
        # the server certainly did not process it (see ``should_retry_response``).
        session: ChatSession = await self._client._request(
            "POST",
            "/chatkit/sessions",
            cast_to=ChatSession,
            body=body,
            options=options,
            idempotent=False,
        )
        return session

    async def cancel(
        self,
        session_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> ChatSession:
        """Cancel a session, so that its client secret stops working.

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The session, with ``status`` ``"cancelled"``.

        Raises:
            ValueError: ``session_id`` is not a valid id.
            NotFoundError: No session has that id.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
        """
        path = f"/chatkit/sessions/{validate_path_id(session_id, name='session_id')}/cancel"
        options = RequestOptions(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        session: ChatSession = await self._client._request(
            "POST", path, cast_to=ChatSession, options=options
        )
        return session


class AsyncSessionsWithRawResponse:
    """``client.sessions.with_raw_response``: each method returns an ``APIResponse``."""

    def __init__(self, sessions: AsyncSessions) -> None:
        self.create = raw_wrapper(sessions.create)
        self.cancel = raw_wrapper(sessions.cancel)


class Sessions:
    """Operations on ChatKit sessions; reach it as ``client.sessions`` of a blocking ``ChatKit``.

    Each method runs the :class:`AsyncSessions` method of the same name on the client's event
    loop thread and waits for its result; signatures, validation and errors are the same.
    """

    def __init__(self, client: ChatKit) -> None:
        """Bind the resource to a blocking client.

        Args:
            client: The blocking client whose portal and async core the calls go through.
        """
        self._client = client
        self._portal = client._portal
        self._async = client._async.sessions

    @property
    def with_raw_response(self) -> SessionsWithRawResponse:
        """The same methods, returning :class:`~chatkit_async.APIResponse` (status, headers,
        request id) instead of the decoded model."""
        return SessionsWithRawResponse(self)

    def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> ChatSession:
        """Create a ChatKit session for one end user, to hand its ``client_secret`` to a front end.

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields merged into the request body.

        Returns:
            The new session (``client_secret`` is readable but never shown in a repr).

        Raises:
            ValueError: ``user`` is empty or ``workflow`` has no ``id`` (before any request).
            BadRequestError: The server rejected the parameters.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._async.create,
                user=user,
                workflow=workflow,
                chatkit_configuration=chatkit_configuration,
                expires_after=expires_after,
                rate_limits=rate_limits,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def cancel(
        self,
        session_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> ChatSession:
        """Cancel a session, so that its client secret stops working.

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The session, with ``status`` ``"cancelled"``.

        Raises:
            ValueError: ``session_id`` is not a valid id.
            NotFoundError: No session has that id.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._async.cancel,
                session_id,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )


class SessionsWithRawResponse:
    """``client.sessions.with_raw_response`` of a blocking client: each method returns an
    ``APIResponse``."""

    def __init__(self, sessions: Sessions) -> None:
        """Bind to a blocking ``sessions`` resource.

        Args:
            sessions: The resource whose calls are made raw.
        """
        self._portal = sessions._portal
        self._raw = sessions._async.with_raw_response

    def create(
        self,
        *,
        user: str,
        workflow: WorkflowParam,
        chatkit_configuration: NotGivenOr[ChatKitConfigurationParam] = NOT_GIVEN,
        expires_after: NotGivenOr[ExpiresAfterParam] = NOT_GIVEN,
        rate_limits: NotGivenOr[RateLimitsParam] = NOT_GIVEN,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> APIResponse[ChatSession]:
        """Create a ChatKit session, returning the raw response.

        Args:
            user: The end user's identifier (non-empty).
            workflow: The workflow to run, at least ``{"id": "wf_..."}``.
            chatkit_configuration: Feature overrides (titling, uploads, history).
            expires_after: Lifetime, ``{"anchor": "created_at", "seconds": 1..600}``.
            rate_limits: Request limits, ``{"max_requests_per_1_minute": N}``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields merged into the request body.

        Returns:
            The response; ``parse()`` gives the :class:`~chatkit_async.types.ChatSession`.

        Raises:
            ValueError: ``user`` is empty or ``workflow`` has no ``id`` (before any request).
            APIStatusError: An error status (``BadRequestError`` for rejected parameters).
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._raw.create,
                user=user,
                workflow=workflow,
                chatkit_configuration=chatkit_configuration,
                expires_after=expires_after,
                rate_limits=rate_limits,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def cancel(
        self,
        session_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> APIResponse[ChatSession]:
        """Cancel a session, returning the raw response.

        Args:
            session_id: The session's id, e.g. ``cksess_123``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The response; ``parse()`` gives the :class:`~chatkit_async.types.ChatSession`.

        Raises:
            ValueError: ``session_id`` is not a valid id.
            APIStatusError: An error status (``NotFoundError`` for an unknown id).
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._raw.cancel,
                session_id,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )
