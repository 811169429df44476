"""``SyncPaginator``: the blocking face of [`AsyncPaginator`][chatkit_async.AsyncPaginator].

It owns no paging logic: the cursor rule, the loop guard and ``max_items`` all live in the async
paginator it wraps. It only steps that paginator's page iterator through the client's portal, one
portal call per *page* (items are then handed out from the page already in this thread, so a
``for`` loop over 100,000 items costs 1,000 thread hops, not 100,000). Like the async paginator it is
lazy: creating it sends nothing, and breaking out of a ``for`` loop after the first item has made
exactly one request.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Generator, Iterator, Mapping
from functools import partial
from typing import Generic, TypeVar

from ._pagination import AsyncPaginator
from ._types import BlockingCaller
from .types.page import Page

__all__ = ["SyncPaginator"]

T = TypeVar("T")


class SyncPaginator(Generic[T]):
    """A lazy walk over a list endpoint, returned by the blocking client's ``list`` methods.

    * ``for item in paginator`` yields every item across pages, fetching a page only when the
      previous one is used up.
    * ``for page in paginator.pages()`` yields each [`Page`][chatkit_async.types.Page].
    * ``paginator.first_page()`` fetches and returns just the first page.

    Each iteration starts a fresh walk from the original parameters. Breaking out of a loop (or
    dropping the iterator) ends the walk; nothing is left running.
    """

    __slots__ = ("_owner", "_paginator", "_portal")

    def __init__(
        self, paginator: AsyncPaginator[T], portal: BlockingCaller, *, owner: object = None
    ) -> None:
        """Wrap an async paginator.

        Args:
            paginator: The async paginator doing the actual paging.
            portal: The portal whose loop the paginator's requests run on.
            owner: An object kept alive as long as this paginator (the client), so that a
                paginator obtained from a temporary client stays usable.
        """
        self._paginator = paginator
        self._portal = portal
        self._owner = owner

    @property
    def query(self) -> Mapping[str, str]:
        """The query parameters of the first request (a copy)."""
        return self._paginator.query

    def __repr__(self) -> str:
        return f"{type(self).__name__}(query={self._paginator.query!r})"

    def __iter__(self) -> Iterator[T]:
        """Iterate over every item across pages, lazily.

        Returns:
            An iterator of items; each page is fetched when the previous one is used up.
        """
        return _walk_items(_walk_pages(self._portal, self._paginator.pages(), self._owner))

    def pages(self) -> Iterator[Page[T]]:
        """Iterate page by page (each a [`Page`][chatkit_async.types.Page]), lazily.

        Returns:
            An iterator of pages; each ``next()`` makes at most one request.
        """
        return _walk_pages(self._portal, self._paginator.pages(), self._owner)

    def first_page(self) -> Page[T]:
        """Fetch just the first page.

        Returns:
            The first [`Page`][chatkit_async.types.Page].

        Raises:
            ClientClosedError: The client has been closed.
            APIStatusError: The server answered with an error status.
            APIConnectionError: The request could not be completed.
        """
        return self._portal.call(partial(_await, self._paginator))


async def _await(awaitable: Awaitable[T]) -> T:
    return await awaitable


async def _next_page(walk: AsyncIterator[Page[T]]) -> Page[T] | None:
    # ``None`` marks the end: StopAsyncIteration is an odd thing to carry across a thread hop.
    try:
        return await walk.__anext__()
    except StopAsyncIteration:
        return None


def _walk_pages(
    portal: BlockingCaller, walk: AsyncIterator[Page[T]], owner: object
) -> Generator[Page[T], None, None]:
    # ``owner`` is unused on purpose: the generator's frame holds it, keeping the client alive
    # for as long as the walk is. The async walk holds nothing between pages (no open response,
    # no generator frame), so a walk abandoned half-way needs no closing on the loop.
    while True:
        page = portal.call(partial(_next_page, walk))
        if page is None:
            return
        yield page


def _walk_items(pages: Generator[Page[T], None, None]) -> Generator[T, None, None]:
    # ``closing``: a ``break`` in the caller's loop closes this generator, which closes the page
    # walk at once rather than whenever the garbage collector gets to it.
    with contextlib.closing(pages):
        for page in pages:
            yield from page.data
