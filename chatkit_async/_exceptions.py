"""The exception tree, and turning an error response into the right exception.

This module owns every exception the SDK raises on purpose and ``make_status_error``, which
maps an HTTP error response (status, headers, raw body) to its class. It performs no I/O: the
transport reads the response and hands the bytes in. Every exception pickles, copies, and has a
readable ``str()`` and ``repr()``, none of which ever contains a request's ``Authorization``
header (request headers are never stored here; response headers are kept in a mapping whose
``repr`` redacts secrets).

The tree:

    ChatKitError                          .message
    ├── APIConnectionError                network failure, no usable response
    │   └── APITimeoutError               the request took longer than its timeout
    ├── APIStatusError                    .status_code .request_id .body .headers .code
    │   │                                 .param .type (also every other 4xx)
    │   ├── BadRequestError               400
    │   ├── AuthenticationError           401
    │   ├── PermissionDeniedError         403
    │   ├── NotFoundError                 404
    │   ├── ConflictError                 409
    │   ├── UnprocessableEntityError      422
    │   ├── RateLimitError                429, .retry_after
    │   └── InternalServerError           500 and above
    ├── APIResponseValidationError        a 2xx body that is not JSON or not the expected shape
    ├── CursorLoopError                   the server repeated a paging cursor; paging stopped
    └── ClientClosedError                 the client was used after ``close()``

Examples:
    >>> err = make_status_error(
    ...     404,
    ...     {"X-Request-Id": "req_abc"},
    ...     b'{"error": {"message": "No thread with id \\'cthr_x\\'", "code": null}}',
    ... )
    >>> type(err).__name__, str(err)
    ('NotFoundError', "Error code: 404 - No thread with id 'cthr_x' (request_id: req_abc)")
"""

from __future__ import annotations

import http
import re
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Final

import orjson

from chatkit_async._http import (
    CaseInsensitiveHeaders,
    get_header,
    parse_retry_after,
    redact_secret,
)

__all__ = [
    "APIConnectionError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ChatKitError",
    "ClientClosedError",
    "ConflictError",
    "CursorLoopError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "make_status_error",
]

_EXCERPT_LENGTH: Final = 200
_WHITESPACE_RE: Final = re.compile(r"\s+")
_TAG_RE: Final = re.compile(r"<[^>]*>")
# Credentials that a misbehaving proxy might echo back in an error page. OpenAI's own messages
# already mask keys ("sk-abc***xyz"), which these patterns leave alone.
_SECRET_RES: Final = (
    (re.compile(r"(?i)\bbearer\s+[^\s\"',;<>]+"), "Bearer <redacted>"),
    (re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}"), "sk-<redacted>"),
)


def _rebuild(cls: type[ChatKitError], args: tuple[Any, ...], state: dict[str, Any]) -> ChatKitError:
    """Unpickle an exception without calling ``__init__`` (whose arguments are keyword-only)."""
    error = cls.__new__(cls, *args)
    error.__dict__.update(state)
    return error


class ChatKitError(Exception):
    """The root of every error raised by this SDK.

    Attributes:
        message: A human-readable description.
    """

    message: str

    def __init__(self, message: str) -> None:
        """Create the error.

        Args:
            message: A human-readable description.
        """
        super().__init__(message)
        self.message = message

    def __reduce__(self) -> tuple[Any, ...]:
        # The default reduction calls ``cls(*args)``, which cannot supply keyword-only arguments.
        return (_rebuild, (self.__class__, self.args, dict(self.__dict__)))


class CursorLoopError(ChatKitError):
    """The server handed back a cursor it had already given; paging stopped instead of looping.

    The page that repeated the cursor was still handed over: only the walk beyond it is lost.
    """


class ClientClosedError(ChatKitError):
    """The client was used after it was closed."""

    def __init__(self, message: str = "This client has been closed.") -> None:
        """Create the error.

        Args:
            message: A human-readable description.
        """
        super().__init__(message)


class APIConnectionError(ChatKitError):
    """The request failed before a response arrived (DNS, refused or dropped connection, TLS).

    The underlying exception is chained as ``__cause__``.

    Attributes:
        request_sent: ``False`` when the request certainly never reached the server (the
            connection could not be made), so even a request that is not idempotent
            (``sessions.create``) may be sent again; ``True`` when the server may have received
            and processed it (a connection dropped mid-way, a timeout).
        retryable: ``False`` for failures a retry cannot mend (a redirect loop, a redirect to a
            URL that is not http or https).
    """

    request_sent: bool
    retryable: bool

    def __init__(
        self,
        message: str = "Connection error.",
        *,
        request_sent: bool = True,
        retryable: bool = True,
    ) -> None:
        """Create the error.

        Args:
            message: A human-readable description.
            request_sent: Whether the server may have received the request.
            retryable: Whether sending the request again could succeed.
        """
        super().__init__(message)
        self.request_sent = request_sent
        self.retryable = retryable


class APITimeoutError(APIConnectionError):
    """The request did not complete within its timeout."""

    def __init__(self, message: str = "Request timed out.", *, request_sent: bool = True) -> None:
        """Create the error.

        Args:
            message: A human-readable description.
            request_sent: Whether the server may have received the request (``False`` when the
                time ran out while connecting).
        """
        super().__init__(message, request_sent=request_sent)


class APIStatusError(ChatKitError):
    """The API answered with an error status (4xx or 5xx).

    Subclasses stand for specific statuses; a status without one (405, 408, 410, 413, ...) is
    raised as this class itself. ``str(err)`` reads like
    ``Error code: 404 - No thread with id 'cthr_x' (request_id: req_abc)``.

    Attributes:
        message: The server's message (or a short excerpt of a non-JSON body, or the status's
            reason phrase when the body is empty).
        status_code: The HTTP status.
        request_id: The ``x-request-id`` response header, to quote when contacting support.
        body: The parsed JSON body if it was JSON, else the body decoded as text.
        headers: The response headers; lookups ignore case, and the ``repr`` redacts secrets.
        code: ``error.code`` from the body (e.g. ``"rate_limit_exceeded"``), as a string.
        param: ``error.param`` from the body: the request parameter at fault.
        type: ``error.type`` from the body (e.g. ``"invalid_request_error"``).
    """

    #: The status this class stands for; the ``status_code`` default when one is not given.
    default_status_code: ClassVar[int | None] = None

    status_code: int
    request_id: str | None
    body: object
    headers: Mapping[str, str]
    code: str | None
    param: str | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
    ) -> None:
        """Create the error.

        Args:
            message: The server's human-readable message.
            status_code: The HTTP status; optional for the subclasses tied to one status
                (``NotFoundError("gone")`` is a 404), required for this class.
            request_id: The ``x-request-id`` response header.
            body: The decoded response body.
            headers: The response headers.
            code: The machine-readable error code.
            param: The request parameter at fault.
            type: The error's type as the API names it.

        Raises:
            TypeError: If ``status_code`` is missing and the class stands for no single status.
        """
        super().__init__(message)
        if status_code is None:
            status_code = self.default_status_code
            if status_code is None:
                raise TypeError(f"{self.__class__.__name__} requires a status_code")
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        self.headers = CaseInsensitiveHeaders(headers if headers is not None else ())
        self.code = code
        self.param = param
        self.type = type

    def __str__(self) -> str:
        text = f"Error code: {self.status_code} - {self.message}"
        if self.request_id:
            text += f" (request_id: {self.request_id})"
        return text

    def __repr__(self) -> str:
        # ``body`` and ``headers`` are left out: they can be large, and are one attribute away.
        parts = [repr(self.message), f"status_code={self.status_code}"]
        for name in ("request_id", "code", "param", "type"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={value!r}")
        return f"{self.__class__.__name__}({', '.join(parts)})"


class BadRequestError(APIStatusError):
    """400: the request was malformed or had an invalid parameter (see ``param``)."""

    default_status_code = 400


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""

    default_status_code = 401


class PermissionDeniedError(APIStatusError):
    """403: the key may not access this resource (organization, project or region)."""

    default_status_code = 403


class NotFoundError(APIStatusError):
    """404: no such thread, session or endpoint."""

    default_status_code = 404


class ConflictError(APIStatusError):
    """409: the resource is in a conflicting state (retried by default)."""

    default_status_code = 409


class UnprocessableEntityError(APIStatusError):
    """422: the request was well-formed but could not be processed."""

    default_status_code = 422


class RateLimitError(APIStatusError):
    """429: too many requests, or the quota is exhausted.

    Attributes:
        retry_after: The wait the server asked for in seconds (from ``retry-after-ms`` or
            ``retry-after``), or ``None`` if it did not say. Measured when the error was made.
    """

    default_status_code = 429

    retry_after: float | None

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        request_id: str | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
        code: str | None = None,
        param: str | None = None,
        type: str | None = None,
    ) -> None:
        """Create the error; arguments as for [`APIStatusError`][chatkit_async.APIStatusError]."""
        super().__init__(
            message,
            status_code=status_code,
            request_id=request_id,
            body=body,
            headers=headers,
            code=code,
            param=param,
            type=type,
        )
        self.retry_after = parse_retry_after(self.headers)

    def __repr__(self) -> str:
        text = super().__repr__()
        if self.retry_after is None:
            return text
        return f"{text[:-1]}, retry_after={self.retry_after!r})"


class InternalServerError(APIStatusError):
    """500 or above: the server (or a proxy in front of it) failed; retried by default."""

    default_status_code = 500


class APIResponseValidationError(ChatKitError):
    """A successful (2xx) response whose body is not JSON or not the expected shape.

    The body is never quoted in the message: it may hold secrets such as a session's
    ``client_secret``. Callers must likewise keep secrets out of ``reason``.

    Attributes:
        reason: What was wrong, e.g. ``"expected a JSON object, got a list"``.
        status_code: The HTTP status of the response (``None`` when the data did not come from a
            response, as in [`chatkit_async.parse`][chatkit_async.parse]).
        request_id: The ``x-request-id`` response header.
        body: The parsed body, or the raw text if it was not JSON.
        headers: The response headers; lookups ignore case, and the ``repr`` redacts secrets.
    """

    reason: str
    status_code: int | None
    request_id: str | None
    body: object
    headers: Mapping[str, str]

    def __init__(
        self,
        reason: str,
        *,
        status_code: int | None,
        request_id: str | None = None,
        body: object = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Create the error.

        Args:
            reason: What was wrong with the body.
            status_code: The HTTP status of the response.
            request_id: The ``x-request-id`` response header.
            body: The parsed body, or the raw text if it was not JSON.
            headers: The response headers.
        """
        if status_code is None:
            super().__init__(f"Invalid data: {reason}")
        else:
            details = f"status: {status_code}"
            if request_id:
                details += f", request_id: {request_id}"
            super().__init__(f"Invalid response body: {reason} ({details})")
        self.reason = reason
        self.status_code = status_code
        self.request_id = request_id
        self.body = body
        self.headers = CaseInsensitiveHeaders(headers if headers is not None else ())

    def __repr__(self) -> str:
        parts = [repr(self.reason), f"status_code={self.status_code}"]
        if self.request_id is not None:
            parts.append(f"request_id={self.request_id!r}")
        return f"{self.__class__.__name__}({', '.join(parts)})"


_STATUS_CLASSES: Final[Mapping[int, type[APIStatusError]]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _status_class(status_code: int) -> type[APIStatusError]:
    """The exception class for a status: a specific one, ``InternalServerError`` or the base."""
    if status_code >= 500:
        return InternalServerError
    return _STATUS_CLASSES.get(status_code, APIStatusError)


def _scrub(text: str, secrets: Iterable[str] = ()) -> str:
    """Mask anything in server-provided text that is, or looks like, a credential."""
    for secret in secrets:
        text = redact_secret(text, secret)
    for pattern, replacement in _SECRET_RES:
        text = pattern.sub(replacement, text)
    return text


def _excerpt(text: str) -> str:
    """A short, single-line excerpt of a non-JSON body, with any markup dropped.

    ``<html><head><title>502 Bad Gateway</title>...`` becomes ``502 Bad Gateway 502 Bad Gateway
    nginx``: enough to recognise a proxy's page without printing the page.
    """
    if text.lstrip().startswith("<"):
        text = _TAG_RE.sub(" ", text)
    text = _WHITESPACE_RE.sub(" ", text).strip()
    if len(text) > _EXCERPT_LENGTH:
        text = text[: _EXCERPT_LENGTH - 3].rstrip() + "..."
    return text


def _optional_str(value: object) -> str | None:
    """A body field as a string (``code`` may be an int), or ``None`` when absent or empty."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _reason_phrase(status_code: int) -> str:
    try:
        return http.HTTPStatus(status_code).phrase
    except ValueError:
        return f"HTTP status {status_code}"


def make_status_error(
    status_code: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    secrets: Iterable[str] = (),
) -> APIStatusError:
    """Build the exception for an error response. It never raises.

    The class follows the status (see the module's tree). The message, ``code``, ``param`` and
    ``type`` come from OpenAI's error shape ``{"error": {"message", "type", "param", "code"}}``;
    a few other common shapes (``{"error": "..."}``, ``{"message": "..."}``,
    ``{"detail": "..."}``) also yield a message. Any other body gives a short single-line
    excerpt of its text, and an empty body the status's reason phrase (``"Not Found"``).

    Args:
        status_code: The response's HTTP status.
        headers: The response headers (any mapping; names are matched case-insensitively, so a
            plain dict with ``"X-Request-Id"`` works).
        body: The raw response body.
        secrets: Values that must not appear in the message (the client's API key), removed
            whole even when the server echoes only a masked form or a prefix of them.

    Returns:
        The exception, with ``body`` set to the parsed JSON if the body was JSON, else the text
        decoded as UTF-8 (undecodable bytes replaced).
    """
    raw: object = body
    data: bytes
    if isinstance(raw, (bytes, bytearray, memoryview)):
        data = bytes(raw)
    elif isinstance(raw, str):
        data = raw.encode("utf-8", errors="replace")
    else:
        data = b""

    try:
        request_id = _optional_str(get_header(headers, "x-request-id"))
    except Exception:  # A broken mapping must not hide the error being reported.
        request_id = None
        headers = {}

    parsed: object
    message: str | None = None
    code = param = error_type = None
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        parsed = data.decode("utf-8", errors="replace")
        message = _excerpt(parsed) or None
    else:
        if isinstance(parsed, dict):
            error = parsed.get("error")
            if isinstance(error, dict):
                message = _optional_str(error.get("message"))
                code = _optional_str(error.get("code"))
                param = _optional_str(error.get("param"))
                error_type = _optional_str(error.get("type"))
            elif isinstance(error, str):
                message = error or None
            else:
                for key in ("message", "detail"):
                    candidate = parsed.get(key)
                    if isinstance(candidate, str) and candidate:
                        message = candidate
                        break
        if message is None and not (isinstance(parsed, dict) and "error" in parsed):
            message = _excerpt(data.decode("utf-8", errors="replace")) or None

    if message is None:
        message = code or _reason_phrase(status_code)
    cls = _status_class(status_code)
    try:
        return cls(
            _scrub(message, secrets),
            status_code=status_code,
            request_id=request_id,
            body=parsed,
            headers=headers,
            code=code,
            param=param,
            type=error_type,
        )
    except Exception:  # A broken headers mapping: report the error without them.
        return cls(
            _scrub(message, secrets),
            status_code=status_code,
            request_id=request_id,
            body=parsed,
            code=code,
            param=param,
            type=error_type,
        )
