"""The raw-response view of a successful call, and the wrappers behind ``with_raw_response``.

A resource method normally returns a decoded model. Called through ``with_raw_response`` it
returns an :class:`APIResponse` instead: the status, headers and request id of the exchange, with the
model one :meth:`APIResponse.parse` away. The switch is a context variable set by the wrapper and
read by the client's send pipeline, so every resource method serves both faces with one body and
keeps its exact signature (the wrappers are typed with ``ParamSpec``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping
from contextvars import ContextVar
from typing import Any, Generic, ParamSpec, TypeVar, cast

from ._converter import DecodeError, decode_json, structure
from ._exceptions import APIResponseValidationError
from ._http import get_header
from ._pagination import AsyncPaginator
from .types.page import Page

__all__ = ["APIResponse", "raw_list_wrapper", "raw_wrapper"]

T = TypeVar("T")
P = ParamSpec("P")

# Set while a ``with_raw_response`` call runs; read by the client's send pipeline.
want_raw: ContextVar[bool] = ContextVar("chatkit_async_want_raw", default=False)

_BODY_EXCERPT = 500


class APIResponse(Generic[T]):
    """A successful HTTP exchange, before (or besides) decoding.

    Attributes:
        status_code: The HTTP status (2xx).
        headers: The response headers (case-insensitive mapping).
        request_id: The ``x-request-id`` header, for support requests.
        content: The raw body bytes.
        method: The HTTP method sent.
        url: The final URL (after any redirect).
        elapsed: Seconds from sending the request to reading the whole body (last attempt).
        retries_taken: How many retries it took (0 if the first attempt succeeded).
    """

    __slots__ = (
        "_cast_to",
        "_parsed",
        "content",
        "elapsed",
        "headers",
        "method",
        "request_id",
        "retries_taken",
        "status_code",
        "url",
    )

    def __init__(
        self,
        *,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes,
        method: str,
        url: str,
        elapsed: float,
        retries_taken: int,
        cast_to: Any,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.url = url
        self.elapsed = elapsed
        self.retries_taken = retries_taken
        self.request_id = get_header(headers, "x-request-id")
        self._cast_to = cast_to
        self._parsed: Any = _UNSET

    def __repr__(self) -> str:
        return (
            f"<APIResponse [{self.status_code}] {self.method} {self.url} "
            f"request_id={self.request_id!r}>"
        )

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body parsed as JSON, without decoding into models.

        Raises:
            APIResponseValidationError: The body is not JSON.
        """
        try:
            return decode_json(self.content)
        except DecodeError as exc:
            raise self._invalid(exc.reason) from None

    def parse(self) -> T:
        """The body decoded into the method's usual return type (computed once, then cached).

        Raises:
            APIResponseValidationError: The body is not JSON or does not fit the model.
        """
        if self._parsed is _UNSET:
            self._parsed = decode_body(
                self.content,
                self._cast_to,
                status_code=self.status_code,
                request_id=self.request_id,
            )
        return cast(T, self._parsed)

    def _invalid(self, reason: str) -> APIResponseValidationError:
        return APIResponseValidationError(
            reason,
            status_code=self.status_code,
            request_id=self.request_id,
            body=_excerpt(self.content),
        )


_UNSET: Any = object()


def _excerpt(content: bytes) -> str:
    text = content[: _BODY_EXCERPT * 4].decode("utf-8", errors="replace")
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "..."


def decode_body(content: bytes, cast_to: Any, *, status_code: int, request_id: str | None) -> Any:
    """Decode a 2xx body into ``cast_to``; any failure is an :class:`APIResponseValidationError`."""
    try:
        # ``isspace`` answers at the first non-blank byte; ``strip`` would copy the whole body.
        if not content or content.isspace():
            raise DecodeError("the body is empty")
        return structure(decode_json(content), cast_to)
    except DecodeError as exc:
        raise APIResponseValidationError(
            exc.reason, status_code=status_code, request_id=request_id, body=_excerpt(content)
        ) from None


def raw_wrapper(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[APIResponse[T]]]:
    """Wrap a coroutine method so that it returns the :class:`APIResponse` instead of the model."""

    @functools.wraps(method)
    async def call_raw(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        token = want_raw.set(True)
        try:
            return cast(APIResponse[T], await method(*args, **kwargs))
        finally:
            want_raw.reset(token)

    return call_raw


def raw_list_wrapper(
    method: Callable[P, AsyncPaginator[T]],
) -> Callable[P, Awaitable[APIResponse[Page[T]]]]:
    """Wrap a ``list`` method: the raw response of the *first* page (parse() gives a Page)."""

    @functools.wraps(method)
    async def call_raw(*args: P.args, **kwargs: P.kwargs) -> APIResponse[Page[T]]:
        paginator = method(*args, **kwargs)
        token = want_raw.set(True)
        try:
            return cast(APIResponse[Page[T]], await paginator)
        finally:
            want_raw.reset(token)

    return call_raw
