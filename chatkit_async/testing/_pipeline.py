"""The emulator's request pipeline: aiohttp middlewares around the route table, in the API's order.

This module owns what happens to every request on its way to an operation and back, as four
aiohttp middlewares, and the aiohttp application that chains them around the route table
(``make_app``). Outermost first, each wrapping the next:

1. ``envelope``: reads the body (a body too large or unreadable is answered here), then gives every
   answer its ``Content-Type`` (JSON, none for 204/304) and ``x-request-id`` (unless a fault header
   set one), closes the connection of a dropped request, and records the exchange in the log.
2. ``rate_limit``: spends a token, or answers 429 with ``retry-after-ms``; adds OpenAI's
   ``x-ratelimit-*`` headers to every answer while a limit is set.
3. ``faults``: serves the next injected fault (delay, status, body, headers, dropped connection),
   before the operation or, with ``after=True``, after it.
4. ``checks``: the API's own checks, in its order: authentication (401 without ``Authorization:
   Bearer <the key>``), routing (404 for an unknown URL, 405 for a method the URL does not serve,
   ``check_route``), the beta header (400 without ``OpenAI-Beta: chatkit_beta=v1``,
   when required); then the operation's handler (``_routes``), whose
   ``InvalidRequest`` becomes a 400 and ``NotFound`` a 404. Anything
   else raised in there is an emulator bug, answered as a 500 in OpenAI's shape.

Headers set further in win over those set further out, except that a fault's headers win over
everything: a fault's ``x-request-id`` replaces the emulator's, and its ``content-type`` the JSON
one.

Every request pays for each middleware, and the emulator is also the benchmarks' server, so the
common path does no work it does not need: no copies of bodies, no per-request closures, no lock
while no fault is queued and no limit set, and no log entry while recording is off. For the same
reason the four checks share one middleware (each layer is a call and a coroutine for every
request): a new check on every request is one more step in ``checks``, or a middleware of its own
only if it must run before faults.
"""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from multidict import CIMultiDict, CIMultiDictProxy

from ._errors import InvalidRequest, NotFound
from ._faults import FaultQueue, FaultSpec, fault_reply
from ._ratelimit import RateLimit
from ._requestlog import RecordedRequest, RequestLog
from ._routes import Operations, check_route, error_response

__all__ = ["BETA_VALUE", "FAULT_KIND", "Pipeline", "Settings", "make_app"]

#: The ``OpenAI-Beta`` value the ChatKit API requires.
BETA_VALUE = "chatkit_beta=v1"

#: Request key under which the ``faults`` and ``rate_limit`` middlewares leave the kind of the
#: fault they served, for the request log. aiohttp 3.14 wants a typed key (a ``str`` key warns);
#: older versions have none and take the ``str`` silently.
_REQUEST_KEY = getattr(web, "RequestKey", None)  # spelt so that mypy passes at aiohttp 3.10.6 too
FAULT_KIND: Final = (
    _REQUEST_KEY("fault_kind", str) if _REQUEST_KEY is not None else "chatkit_async.fault"
)

_NO_BODY_STATUSES = frozenset({204, 304})


class _ConnectionDropped(Exception):
    """Raised by the ``faults`` middleware for a ``drop`` fault; the envelope closes the socket."""


@dataclass
class Settings:
    """The checks an emulator makes, changeable while it runs.

    Attributes:
        api_key: The only bearer key accepted; ``None`` accepts any key (fixed once a pipeline
            is built on these settings).
        require_beta_header: Reject requests lacking ``OpenAI-Beta: chatkit_beta=v1``.
    """

    api_key: str | None
    require_beta_header: bool


def _has_beta(values: Sequence[str]) -> bool:
    """Whether any ``OpenAI-Beta`` header value lists ``chatkit_beta=v1``."""
    return any(part.strip() == BETA_VALUE for value in values for part in value.split(","))


def _request_id() -> str:
    """A fresh ``req_<32 hex digits>`` id (``os.urandom`` directly: ``secrets`` adds two calls)."""
    return "req_" + os.urandom(16).hex()


class Pipeline:
    """The middlewares of one running emulator, over the state they share with its facade.

    Args:
        settings: Authentication and beta-header settings.
        rate_limit: The rate limit.
        faults: The fault queue.
        log: The request log.
        closing: Set when the server shuts down: fault delays end early then.
    """

    def __init__(
        self,
        *,
        settings: Settings,
        rate_limit: RateLimit,
        faults: FaultQueue,
        log: RequestLog,
        closing: asyncio.Event,
    ) -> None:
        self._settings = settings
        # The key never changes after construction; encoded once, not for every request.
        self._key = None if settings.api_key is None else settings.api_key.encode()
        self._rate_limit = rate_limit
        self._faults = faults
        self._log = log
        self._closing = closing

    def middlewares(self) -> list[Middleware]:
        """The middlewares, outermost first (the module's docstring explains the order)."""
        return [
            self.envelope,
            self.rate_limit,
            self.faults,
            self.checks,
        ]

    # ------------------------------------------------------------------ 1. envelope

    @web.middleware
    async def envelope(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Reads the body, finishes every answer's headers, drops connections, logs the exchange."""
        try:
            # The body is cached on the request: handlers read it again for free. A request
            # without one (every GET) skips the read altogether.
            body = await request.read() if request.body_exists else b""
        except web.HTTPException as exc:  # e.g. 413, past aiohttp's client_max_size
            body = b""
            response: web.StreamResponse = error_response(
                exc.status, exc.reason, "invalid_request_error"
            )
        except Exception:
            body = b""
            response = error_response(
                400, "Could not read the request body.", "invalid_request_error"
            )
        else:
            try:
                response = await handler(request)
            except _ConnectionDropped:
                if self._log.enabled:
                    self._record(request, body, 0, _request_id())
                transport = request.transport
                if transport is not None:
                    transport.close()
                return web.Response()
        headers = response.headers
        if response.status in _NO_BODY_STATUSES:
            if isinstance(response, web.Response) and response.body:
                response.body = b""
        elif "Content-Type" not in headers:
            headers["Content-Type"] = "application/json"
        request_id = headers.get("x-request-id")
        if request_id is None:
            request_id = headers["x-request-id"] = _request_id()
        if self._log.enabled:
            self._record(request, body, response.status, request_id)
        return response

    def _record(self, request: web.Request, body: bytes, status: int, request_id: str) -> None:
        self._log.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=CIMultiDictProxy(CIMultiDict(request.headers)),
                body=body,
                status=status,
                request_id=request_id,
                raw_path=request.rel_url.raw_path,
                fault=request.get(FAULT_KIND),
            )
        )

    # ------------------------------------------------------------------ 2. rate limit

    @web.middleware
    async def rate_limit(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Answers 429 past the limit; adds the ``x-ratelimit-*`` headers to every answer."""
        admission = self._rate_limit.admit()
        if admission is None:
            return await handler(request)
        limit_headers = admission.headers
        if admission.refused:
            request[FAULT_KIND] = "rate_limit"
            response: web.StreamResponse = error_response(
                429,
                f"Rate limit reached for requests: limit {admission.rate:g} per second. Please "
                f"try again in {limit_headers['retry-after-ms']}ms.",
                "requests",
                "requests",
                "rate_limit_exceeded",
            )
        else:
            response = await handler(request)
        _add_missing(response.headers, limit_headers)
        return response

    # ------------------------------------------------------------------ 3. faults

    @web.middleware
    async def faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Serves the next injected fault for this request, if any."""
        # Idle (no fault queued, no random mix), the request's decoded path is not even needed:
        # the router decodes its own copy (``path_safe``), and this one would cost a second.
        if self._faults.idle:
            return await handler(request)
        fault = self._faults.take(request.method, request.path)
        if fault is None:
            return await handler(request)
        request[FAULT_KIND] = fault.kind
        response = await handler(request) if fault.after else None
        if fault.delay > 0:
            await self._pause(fault.delay)
        if fault.drop:
            raise _ConnectionDropped
        if fault.replaces_reply:
            response = _fault_response(fault)
        elif response is None:
            response = await handler(request)
        response.headers.update(fault.headers)
        return response

    async def _pause(self, delay: float) -> None:
        """Sleeps ``delay`` seconds, cut short when the server shuts down."""
        try:
            await asyncio.wait_for(self._closing.wait(), timeout=delay)
        except asyncio.TimeoutError:
            pass

    # ------------------------------------------------------------------ 4. the API's checks

    @web.middleware
    async def checks(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The API's own checks in its order, then the operation; every refusal in OpenAI's shape.

        Authentication (401), routing (404 unknown URL, 405 unknown method), the beta header
        (400); then the operation, whose ``InvalidRequest`` is a 400 and
        ``NotFound`` a 404. Anything else raised is an emulator bug, still answered
        as a 500 in the API's shape.
        """
        try:
            # ``is None``, never ``a or b or c``: a response is a mapping, and in older aiohttp
            # (3.10.6 among them) an empty one is falsy, so a refusal would be skipped.
            refusal = self._authenticate(request)
            if refusal is None:
                refusal = check_route(request)
            if refusal is None:
                refusal = self._check_beta_header(request)
            if refusal is not None:
                return refusal
            return await handler(request)
        except InvalidRequest as exc:
            return error_response(400, exc.message, "invalid_request_error", exc.param, exc.code)
        except NotFound as exc:
            return error_response(404, exc.message, "invalid_request_error", None, "not_found")
        except Exception as exc:  # an emulator bug: still answer in the API's shape
            return error_response(
                500, f"ChatKit emulator internal error: {exc!r}", "server_error"
            )

    def _authenticate(self, request: web.Request) -> web.Response | None:
        """401 unless ``Authorization: Bearer <key>`` carries the accepted key (any, if none)."""
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        key = key.strip()
        if scheme.lower() != "bearer" or not key:
            return error_response(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "authentication_error",
                None,
                "missing_api_key",
            )
        if self._key is not None and not secrets.compare_digest(key.encode(), self._key):
            return error_response(
                401,
                "Incorrect API key provided.",
                "authentication_error",
                None,
                "invalid_api_key",
            )
        return None

    def _check_beta_header(self, request: web.Request) -> web.Response | None:
        """400 ``missing_beta_header`` without ``OpenAI-Beta: chatkit_beta=v1`` (if required)."""
        if not self._settings.require_beta_header:
            return None
        headers = request.headers
        # The usual header is exactly the value; only other spellings need the full parse.
        if headers.get("OpenAI-Beta") != BETA_VALUE and not _has_beta(
            headers.getall("OpenAI-Beta", [])
        ):
            return error_response(
                400,
                f"You must provide the 'OpenAI-Beta: {BETA_VALUE}' header to access the "
                "ChatKit API.",
                "invalid_request_error",
                None,
                "missing_beta_header",
            )
        return None


def _fault_response(fault: FaultSpec) -> web.Response:
    status, body = fault_reply(fault)
    return web.Response(status=status, body=body)


def _add_missing(headers: CIMultiDict[str], extra: Mapping[str, str]) -> None:
    """Adds the headers not set yet (those set further in win)."""
    for name, value in extra.items():
        if name not in headers:
            headers[name] = value


def make_app(pipeline: Pipeline, operations: Operations) -> web.Application:
    """The aiohttp application: the pipeline's middlewares around the operations' routes.

    Args:
        pipeline: The middlewares.
        operations: The handlers.

    Returns:
        A new application (one per start: an application runs once).
    """
    app = web.Application(middlewares=pipeline.middlewares())
    operations.register(app.router)
    return app
