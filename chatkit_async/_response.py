"""The response of a successful call, before (or besides) decoding:
[`APIResponse`][chatkit_async.APIResponse].

Every call of the API goes through the client's send pipeline, which returns an
[`APIResponse`][chatkit_async.APIResponse]: the status, headers and request id of the exchange, with
the model one [`APIResponse.parse`][chatkit_async.APIResponse.parse] away. A resource method returns
``(await ...).parse()``; its ``with_raw_response`` twin returns the response itself. Nothing is
switched on or off while a call runs: a raw response is a value, not a mode.

This module performs no I/O; decoding goes through the one converter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from ._converter import DecodeError, decode_json, structure
from ._exceptions import APIResponseValidationError
from ._http import get_header

__all__ = ["APIResponse", "decode_body"]

T = TypeVar("T")

_BODY_EXCERPT = 500
_UNSET: Any = object()


class APIResponse(Generic[T]):
    """A successful HTTP exchange, before (or besides) decoding.

    Reach one through ``with_raw_response``, e.g.
    ``await client.threads.with_raw_response.retrieve("cthr_1")``.

    Attributes:
        status_code: The HTTP status (2xx).
        headers: The response headers (case-insensitive mapping).
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
        cast_to: type[T],
    ) -> None:
        """Wrap a response (the send pipeline makes these; users receive them).

        Args:
            status_code: The HTTP status.
            headers: The response headers.
            content: The body bytes.
            method: The HTTP method sent.
            url: The final URL.
            elapsed: Seconds the last attempt took.
            retries_taken: Retries before this response.
            cast_to: What [`parse`][chatkit_async.APIResponse.parse] decodes the body into.
        """
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.method = method
        self.url = url
        self.elapsed = elapsed
        self.retries_taken = retries_taken
        self._cast_to = cast_to
        self._parsed: Any = _UNSET

    @property
    def request_id(self) -> str | None:
        """The ``x-request-id`` header, for support requests."""
        return get_header(self.headers, "x-request-id")

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

        Returns:
            The parsed JSON (dicts, lists, strings, numbers, booleans, ``None``).

        Raises:
            APIResponseValidationError: The body is not JSON.
        """
        try:
            return decode_json(self.content)
        except DecodeError as exc:
            raise APIResponseValidationError(
                exc.reason,
                status_code=self.status_code,
                request_id=self.request_id,
                body=_excerpt(self.content),
            ) from None

    def parse(self) -> T:
        """The body decoded into the method's usual return type (computed once, then cached).

        Returns:
            The model (or page) the non-raw method would have returned.

        Raises:
            APIResponseValidationError: The body is not JSON or does not fit the model.
        """
        parsed = self._parsed
        if parsed is _UNSET:
            parsed = self._parsed = decode_body(self.content, self._cast_to, response=self)
        return parsed  # type: ignore[no-any-return]


def _excerpt(content: bytes) -> str:
    text = content[: _BODY_EXCERPT * 4].decode("utf-8", errors="replace")
    return text if len(text) <= _BODY_EXCERPT else text[:_BODY_EXCERPT] + "..."


def decode_body(content: bytes, cast_to: type[T], *, response: APIResponse[Any]) -> T:
    """Decode a 2xx body into ``cast_to``; any failure is an
    [`APIResponseValidationError`][chatkit_async.APIResponseValidationError].

    Args:
        content: The body bytes.
        cast_to: The model (or ``Page[...]``) to decode into.
        response: The response the body came with (its status and request id go into the error).

    Returns:
        The decoded value.

    Raises:
        APIResponseValidationError: The body is empty, not JSON, or does not fit ``cast_to``.
    """
    try:
        # ``isspace`` answers at the first non-blank byte; ``strip`` would copy the whole body.
        if not content or content.isspace():
            raise DecodeError("the body is empty")
        return structure(decode_json(content), cast_to)  # type: ignore[no-any-return]
    except DecodeError as exc:
        raise APIResponseValidationError(
            exc.reason,
            status_code=response.status_code,
            request_id=response.request_id,
            body=_excerpt(content),
        ) from None
