"""What every resource is built from: the endpoint value, the requester and the list query.

A resource method does two things: check its arguments and say which ``Endpoint`` to call
(method, path, query, body, what the body decodes into, whether it may be sent twice). It gets what
it needs to call one through its constructor: an async resource a ``Requester`` (the client's
send pipeline), a blocking twin a ``BlockingCaller`` (the client's
portal) and the async
resource it mirrors. No resource imports a client, so the dependencies only point down.

Also here, because it is ChatKit's and not HTTP's: ``build_list_query``, the validated query of
the two list endpoints.

Where a change goes:

* **A new endpoint** of an existing resource: a module-level function returning its
  ``Endpoint`` (validation included), then one method per face (async, async raw, blocking,
  blocking raw), each a line or two that calls it; the parity tests fail until all four exist with
  the same parameters and ``Args``.
* **A new resource**: a module beside ``threads.py``, its classes built by both clients.
* **A new per-call option**: [`RequestOptions`][chatkit_async.RequestOptions] and the send pipeline
  (``AsyncChatKit._request``); no method signature changes.

This module performs no I/O.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from typing import TYPE_CHECKING, Final, Generic, Literal, Protocol, TypeVar

from .._http import short_repr
from .._options import RequestOptions
from .._types import NOT_GIVEN, NotGivenOr

if TYPE_CHECKING:
    from .._response import APIResponse

__all__ = [
    "MAX_LIST_LIMIT",
    "Endpoint",
    "Requester",
    "build_list_query",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

#: The largest page size the list endpoints accept.
MAX_LIST_LIMIT: Final = 100
_MAX_USER_LENGTH: Final = 512


class Endpoint(Generic[T]):
    """One call of the API, described: everything but the client's own settings.

    A plain slotted class rather than a frozen attrs class: one is built for every request, and
    frozen attributes cost a call each to set. Treat it as immutable.

    Attributes:
        method: The HTTP method.
        path: The path below the client's ``base_url``, ids already validated and encoded.
        cast_to: What a successful body decodes into (a model, or ``Page[...]``).
        query: The query parameters, already rendered as strings.
        body: The JSON body, if any.
        idempotent: Whether sending it twice does what sending it once does. A call that is not
            (``sessions.create``) is retried only when the server certainly did not process it.
    """

    __slots__ = ("body", "cast_to", "idempotent", "method", "path", "query")

    def __init__(
        self,
        method: str,
        path: str,
        cast_to: type[T],
        *,
        query: Mapping[str, str] | None = None,
        body: Mapping[str, object] | None = None,
        idempotent: bool = True,
    ) -> None:
        self.method = method
        self.path = path
        self.cast_to = cast_to
        self.query = query
        self.body = body
        self.idempotent = idempotent

    def __repr__(self) -> str:
        return f"Endpoint({self.method} {self.path}, query={self.query!r})"


class Requester(Protocol):
    """Sends an ``Endpoint`` with per-call options; the client's send pipeline is one."""

    def __call__(
        self, endpoint: Endpoint[T], options: RequestOptions, /
    ) -> Awaitable[APIResponse[T]]: ...


def _check_cursor(value: object, *, name: str) -> str | None:
    """Validate ``after`` / ``before``: absent (``NOT_GIVEN`` / ``None``) or a non-empty str."""
    if value is NOT_GIVEN or value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if not value:
        raise ValueError(f"{name} must be a non-empty string, got ''")
    return value


def build_list_query(
    *,
    after: NotGivenOr[str | None] = NOT_GIVEN,
    before: NotGivenOr[str | None] = NOT_GIVEN,
    limit: NotGivenOr[int | None] = NOT_GIVEN,
    order: NotGivenOr[Literal["asc", "desc"] | None] = NOT_GIVEN,
    user: NotGivenOr[str | None] = NOT_GIVEN,
) -> dict[str, str]:
    """Validate the list endpoints' parameters and render them as query-string values.

    Parameters that are [`NOT_GIVEN`][chatkit_async.NOT_GIVEN] or ``None`` are left out, so the
    server's defaults apply. Validation happens here, before anything is sent.

    Args:
        after: Cursor: return items after this id. A non-empty string.
        before: Cursor: return items before this id. A non-empty string.
        limit: Page size, an ``int`` from 0 to 100 (``bool`` is not accepted).
        order: ``"asc"`` or ``"desc"`` by creation time.
        user: Only threads of this user (``threads.list``); 1 to 512 characters.

    Returns:
        The query as an ordered ``{name: value}`` dict of strings, e.g.
        ``{"after": "cthr_1", "limit": "20", "order": "desc"}``.

    Raises:
        TypeError: If a parameter has the wrong type.
        ValueError: If ``after`` and ``before`` are both given, or a value is out of range.
    """
    query: dict[str, str] = {}
    after_value = _check_cursor(after, name="after")
    before_value = _check_cursor(before, name="before")
    if after_value is not None and before_value is not None:
        raise ValueError("after and before are mutually exclusive; pass at most one of them")
    if after_value is not None:
        query["after"] = after_value
    if before_value is not None:
        query["before"] = before_value

    # Checked through ``object`` locals: callers without a type checker pass anything at all.
    limit_value: object = limit
    if limit_value is not NOT_GIVEN and limit_value is not None:
        if not isinstance(limit_value, int) or isinstance(limit_value, bool):
            raise TypeError(f"limit must be an int, not {type(limit_value).__name__}")
        if not 0 <= limit_value <= MAX_LIST_LIMIT:
            raise ValueError(f"limit must be between 0 and {MAX_LIST_LIMIT}, got {limit_value}")
        query["limit"] = str(limit_value)

    order_value: object = order
    if order_value is not NOT_GIVEN and order_value is not None:
        if not isinstance(order_value, str):
            raise TypeError(f"order must be a str, not {type(order_value).__name__}")
        if order_value not in {"asc", "desc"}:
            raise ValueError(f"order must be 'asc' or 'desc', got {short_repr(order_value)}")
        query["order"] = order_value

    user_value: object = user
    if user_value is not NOT_GIVEN and user_value is not None:
        if not isinstance(user_value, str):
            raise TypeError(f"user must be a str, not {type(user_value).__name__}")
        if not 1 <= len(user_value) <= _MAX_USER_LENGTH:
            raise ValueError(
                f"user must be 1 to {_MAX_USER_LENGTH} characters long, got {len(user_value)}"
            )
        query["user"] = user_value
    return query
