"""Cursor pagination: the pure cursor rule and the lazy async paginator built on it.

The rule (``next_page_query``) is pure: given the query that fetched a page and the page, it
returns the query for the next page or ``None``. It encodes the three promises of the list
endpoints:

* forward paging sends ``after=<last_id>``; a walk that *started* from ``before=X`` (and no
  ``after``) continues backwards with ``before=<first_id>``. One request never carries both.
* paging stops when ``has_more`` is false, the page is empty, or the cursor it needs is missing.
* a server that hands back a cursor it already gave would make a naive client loop forever; we raise
  [`ChatKitError`][chatkit_async.ChatKitError] instead.

[`AsyncPaginator`][chatkit_async.AsyncPaginator] does the I/O through a fetch function it is given,
one page at a time and only when asked: breaking out of ``async for`` after the first item has made
exactly one request.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._exceptions import CursorLoopError
from .types.page import Page

__all__ = [
    "AsyncPaginator",
    "LoopGuard",
    "check_max_items",
    "is_backward",
    "loop_error",
    "next_page_query",
]

T = TypeVar("T")

FetchPage = Callable[[Mapping[str, str]], Awaitable[Page[T]]]


def check_max_items(max_items: object) -> None:
    """Refuse a ``max_items`` that is not ``None`` or a whole number of 0 or more.

    Args:
        max_items: The cap as the caller passed it.

    Raises:
        ValueError: ``max_items`` is negative, a ``bool`` or not an ``int``.
    """
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
    ):
        raise ValueError(f"max_items must be a non-negative integer or None, got {max_items!r}")


def is_backward(query: Mapping[str, str]) -> bool:
    """Whether a walk that starts with ``query`` pages backwards (``before`` without ``after``)."""
    return "before" in query and "after" not in query


def next_page_query(
    query: Mapping[str, str], page: Page[Any], *, backward: bool
) -> dict[str, str] | None:
    """The query for the page after ``page``, or ``None`` when the walk is over.

    Args:
        query: The query that fetched ``page``.
        page: The page just read.
        backward: Whether the walk goes backwards (see ``is_backward``).

    Returns:
        A new query with the other parameters kept and exactly one cursor, or ``None``.
    """
    if not page.has_more or not page.data:
        return None
    cursor = page.first_id if backward else page.last_id
    if not cursor:
        return None
    following = {k: v for k, v in query.items() if k not in ("after", "before")}
    following["before" if backward else "after"] = cursor
    return following


class AsyncPaginator(Generic[T]):
    """A lazy walk over a list endpoint, returned by ``list`` methods without any request.

    * ``async for item in paginator`` yields every item across pages, fetching a page only when
      the previous one is used up.
    * ``async for page in paginator.pages()`` yields each [`Page`][chatkit_async.types.Page].
    * ``await paginator`` fetches and returns just the first page.

    Each iteration starts a fresh walk from the original parameters.
    """

    __slots__ = ("_fetch", "_max_items", "_query")

    def __init__(
        self, fetch: FetchPage[T], query: Mapping[str, str], *, max_items: int | None = None
    ) -> None:
        check_max_items(max_items)
        self._fetch = fetch
        self._query = dict(query)
        self._max_items = max_items

    @property
    def query(self) -> Mapping[str, str]:
        """The query parameters of the first request (a copy)."""
        return dict(self._query)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(query={self._query!r}, max_items={self._max_items!r})"

    def pages(self) -> AsyncIterator[Page[T]]:
        """Iterate page by page (each a [`Page`][chatkit_async.types.Page]), lazily."""
        return _PageWalk(self._fetch, self._query, self._max_items)

    def __aiter__(self) -> AsyncIterator[T]:
        return _ItemWalk(_PageWalk(self._fetch, self._query, self._max_items))

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self._fetch(self._query).__await__()


def loop_error(cursor: str) -> CursorLoopError:
    """The error of a walk that met ``cursor`` a second time.

    Args:
        cursor: The repeated cursor.

    Returns:
        The error to raise once the page that repeated it has been handed over.
    """
    return CursorLoopError(
        f"The server returned the cursor {cursor!r} a second time; stopped paging to avoid an "
        "endless loop."
    )


#: How many of the latest cursors a walk remembers exactly (see ``LoopGuard``).
RECENT_CURSORS = 256


class LoopGuard:
    """Spots a server that hands back a cursor it already gave, in memory that does not grow.

    Remembering every cursor would make a walk over a million items keep ten thousand of them.
    Instead the latest ``RECENT_CURSORS`` are kept exactly, so any loop up to that many pages
    long is caught at its first repeated cursor (a stuck cursor, the usual server bug, on the
    second page). A longer loop is caught by Brent's cycle detection: one remembered cursor,
    moved to the current one after 1, 2, 4, 8, ... pages; once that interval is longer than the
    loop, the walk meets the remembered cursor within one more turn of the loop. Any loop is
    therefore found after a bounded number of pages, and the walk never runs forever.
    """

    __slots__ = ("_interval", "_mark", "_order", "_recent", "_steps")

    def __init__(self) -> None:
        self._recent: set[str] = set()
        self._order: deque[str] = deque()
        self._mark: str | None = None
        self._steps = 0
        self._interval = 1

    def repeats(self, cursor: str) -> bool:
        """Whether ``cursor`` was given before; otherwise remember it and return ``False``."""
        if cursor in self._recent or cursor == self._mark:
            return True
        self._recent.add(cursor)
        self._order.append(cursor)
        if len(self._order) > RECENT_CURSORS:
            self._recent.discard(self._order.popleft())
        self._steps += 1
        if self._steps >= self._interval:
            self._mark, self._steps, self._interval = cursor, 0, self._interval * 2
        return False


@attrs.define(slots=True)
class _WalkState:
    """What a walk remembers between pages."""

    query: dict[str, str] | None
    backward: bool
    guard: LoopGuard = attrs.field(factory=LoopGuard)
    remaining: int | None = None
    error: CursorLoopError | None = None


class _PageWalk(AsyncIterator[Page[T]]):
    """The page iterator behind [`AsyncPaginator.pages`][chatkit_async.AsyncPaginator.pages]."""

    __slots__ = ("_fetch", "_state")

    def __init__(self, fetch: FetchPage[T], query: dict[str, str], max_items: int | None) -> None:
        self._fetch = fetch
        backward = is_backward(query)
        self._state = _WalkState(
            query=dict(query) if max_items != 0 else None,
            backward=backward,
            remaining=max_items,
        )
        start = query.get("before" if backward else "after")
        if start is not None:
            self._state.guard.repeats(start)

    def __aiter__(self) -> _PageWalk[T]:
        return self

    async def __anext__(self) -> Page[T]:
        state = self._state
        query = state.query
        if query is None:
            if state.error is not None:
                raise state.error
            raise StopAsyncIteration
        # Mark the walk finished before awaiting: if the fetch raises or is cancelled, iterating
        # again ends the walk rather than silently re-sending the request.
        state.query = None
        page = await self._fetch(query)
        following = next_page_query(query, page, backward=state.backward)
        if following is not None:
            cursor = following["before" if state.backward else "after"]
            if state.guard.repeats(cursor):
                # The page itself is valid and is handed over; the walk cannot go on from it.
                state.error = loop_error(cursor)
                following = None
        if state.remaining is not None:
            if len(page.data) >= state.remaining:
                page = attrs.evolve(page, data=page.data[: state.remaining])
                following = None
            state.remaining -= len(page.data)
        state.query = following
        return page


class _ItemWalk(AsyncIterator[T]):
    """The item iterator behind ``async for item in paginator``."""

    __slots__ = ("_buffer", "_index", "_pages")

    def __init__(self, pages: _PageWalk[T]) -> None:
        self._pages = pages
        self._buffer: list[T] = []
        self._index = 0

    def __aiter__(self) -> _ItemWalk[T]:
        return self

    async def __anext__(self) -> T:
        while self._index >= len(self._buffer):
            page = await self._pages.__anext__()
            self._buffer = page.data
            self._index = 0
        item = self._buffer[self._index]
        self._index += 1
        return item
