"""``client.threads``: retrieve, list, delete and list the items of ChatKit threads.

Each endpoint is written once, as a module-level function that checks its arguments and returns the
``Endpoint`` to call. The four faces are thin: ``AsyncThreads``
sends it and parses the answer, ``AsyncThreadsWithRawResponse`` sends it and returns the response,
and the blocking ``Threads`` and ``ThreadsWithRawResponse`` hop through the client's portal into
the async method of the same name (a parity test keeps the four in step). Every method also takes
the per-call options of [`RequestOptions`][chatkit_async.RequestOptions].
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Literal

from .._http import validate_path_id
from .._options import RequestOptions, check_options
from .._pagination import AsyncPaginator, check_max_items
from .._response import APIResponse
from .._sync_pagination import SyncPaginator
from .._types import NOT_GIVEN, BlockingCaller, NotGivenOr, Unpack
from ..types.page import Page
from ..types.thread import Thread, ThreadDeleted
from ..types.thread_item import ThreadItem
from ._base import Endpoint, Requester, build_list_query

__all__ = ["AsyncThreads", "AsyncThreadsWithRawResponse", "Threads", "ThreadsWithRawResponse"]

_THREADS = "/chatkit/threads"


def _thread_path(thread_id: str) -> str:
    return f"{_THREADS}/{validate_path_id(thread_id, name='thread_id')}"


def _retrieve(thread_id: str) -> Endpoint[Thread]:
    return Endpoint("GET", _thread_path(thread_id), Thread)


def _delete(thread_id: str) -> Endpoint[ThreadDeleted]:
    return Endpoint("DELETE", _thread_path(thread_id), ThreadDeleted)


def _threads_page(query: Mapping[str, str]) -> Endpoint[Page[Thread]]:
    return Endpoint("GET", _THREADS, Page[Thread], query=query)


def _items_page(path: str, query: Mapping[str, str]) -> Endpoint[Page[ThreadItem]]:
    return Endpoint("GET", path, Page[ThreadItem], query=query)


class AsyncThreads:
    """Operations on ChatKit threads; reach it as ``client.threads``."""

    def __init__(self, request: Requester) -> None:
        """Bind the resource to a send pipeline.

        Args:
            request: Sends an endpoint and returns the response (the client's pipeline).
        """
        self._request = request
        self._raw = AsyncThreadsWithRawResponse(request)

    @property
    def with_raw_response(self) -> AsyncThreadsWithRawResponse:
        """The same methods, returning [`APIResponse`][chatkit_async.APIResponse] (status, headers,
        request id) instead of the decoded model."""
        return self._raw

    async def retrieve(self, thread_id: str, **options: Unpack[RequestOptions]) -> Thread:
        """Fetch one thread.

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The thread.

        Raises:
            ValueError: ``thread_id`` is empty or has characters no id can have (``/``, ``?``,
                ``#``, ``%``, whitespace, control characters, or is ``.``/``..``).
            NotFoundError: No thread has that id.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed (``APITimeoutError`` if it
                timed out).
        """
        return (await self._request(_retrieve(thread_id), options)).parse()

    def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[Thread]:
        """List threads, lazily, across pages.

        Returns a paginator at once, without any request: ``async for thread in ...`` yields every
        thread; ``.pages()`` yields each page; ``await`` gives the first page.

        Args:
            after: Start after this thread id (forward paging).
            before: Start before this thread id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            user: Only threads of this user (1 to 512 characters).
            max_items: Stop after this many threads in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            An [`AsyncPaginator`][chatkit_async.AsyncPaginator] of
            [`Thread`][chatkit_async.types.Thread].

        Raises:
            ValueError: A parameter is out of range, or ``after`` and ``before`` were both given
                (raised here, before any request).
        """
        query = build_list_query(after=after, before=before, limit=limit, order=order, user=user)
        check_options(options)
        request = self._request

        async def fetch(page_query: Mapping[str, str]) -> Page[Thread]:
            return (await request(_threads_page(page_query), options)).parse()

        return AsyncPaginator(fetch, query, max_items=max_items)

    async def delete(self, thread_id: str, **options: Unpack[RequestOptions]) -> ThreadDeleted:
        """Delete a thread and all of its items.

        Args:
            thread_id: The thread's id.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The deletion receipt (``deleted`` is ``True``).

        Raises:
            ValueError: ``thread_id`` is not a valid id.
            NotFoundError: No thread has that id (e.g. it was already deleted).
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
        """
        return (await self._request(_delete(thread_id), options)).parse()

    def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> AsyncPaginator[ThreadItem]:
        """List the items of a thread, lazily, across pages.

        Returns a paginator at once, without any request. Items of a type this SDK does not know
        arrive as [`UnknownItem`][chatkit_async.types.UnknownItem]; they never stop the walk.

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            An [`AsyncPaginator`][chatkit_async.AsyncPaginator] of ``ThreadItem``.

        Raises:
            ValueError: ``thread_id`` is not a valid id, or a parameter is out of range (raised
                here, before any request).
        """
        path = f"{_thread_path(thread_id)}/items"
        query = build_list_query(after=after, before=before, limit=limit, order=order)
        check_options(options)
        request = self._request

        async def fetch(page_query: Mapping[str, str]) -> Page[ThreadItem]:
            return (await request(_items_page(path, page_query), options)).parse()

        return AsyncPaginator(fetch, query, max_items=max_items)


class AsyncThreadsWithRawResponse:
    """``client.threads.with_raw_response``: each method returns an ``APIResponse``.

    ``list`` and ``list_items`` return the raw response of the first page; its ``parse()`` gives
    a [`Page`][chatkit_async.types.Page].
    """

    def __init__(self, request: Requester) -> None:
        """Bind to a send pipeline.

        Args:
            request: Sends an endpoint and returns the response (the client's pipeline).
        """
        self._request = request

    async def retrieve(
        self, thread_id: str, **options: Unpack[RequestOptions]
    ) -> APIResponse[Thread]:
        """Fetch one thread, returning the raw response.

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The response; ``parse()`` gives the [`Thread`][chatkit_async.types.Thread].
        """
        return await self._request(_retrieve(thread_id), options)

    async def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[Page[Thread]]:
        """Fetch the first page of threads, returning the raw response.

        Args:
            after: Start after this thread id (forward paging).
            before: Start before this thread id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            user: Only threads of this user (1 to 512 characters).
            max_items: Stop after this many threads in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            The response of the first page; ``parse()`` gives a [`Page`][chatkit_async.types.Page].
        """
        query = build_list_query(after=after, before=before, limit=limit, order=order, user=user)
        check_max_items(max_items)
        return await self._request(_threads_page(query), options)

    async def delete(
        self, thread_id: str, **options: Unpack[RequestOptions]
    ) -> APIResponse[ThreadDeleted]:
        """Delete a thread and all of its items, returning the raw response.

        Args:
            thread_id: The thread's id.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The response; ``parse()`` gives the [`ThreadDeleted`][chatkit_async.types.ThreadDeleted].
        """
        return await self._request(_delete(thread_id), options)

    async def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[Page[ThreadItem]]:
        """Fetch the first page of a thread's items, returning the raw response.

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            The response of the first page; ``parse()`` gives a [`Page`][chatkit_async.types.Page].
        """
        path = f"{_thread_path(thread_id)}/items"
        query = build_list_query(after=after, before=before, limit=limit, order=order)
        check_max_items(max_items)
        return await self._request(_items_page(path, query), options)


class Threads:
    """Operations on ChatKit threads; reach it as ``client.threads`` of a blocking ``ChatKit``.

    Each method runs the [`AsyncThreads`][chatkit_async.resources.threads.AsyncThreads] method of
    the same name on the client's event loop thread and waits for its result; signatures, validation
    and errors are the same.
    """

    def __init__(
        self, threads: AsyncThreads, portal: BlockingCaller, *, owner: object = None
    ) -> None:
        """Bind the blocking face to its async twin.

        Args:
            threads: The async resource every call goes to.
            portal: Runs those calls on the client's event loop thread.
            owner: Kept alive by the paginators this resource returns (the client).
        """
        self._async = threads
        self._portal = portal
        self._owner = owner
        self._raw = ThreadsWithRawResponse(threads.with_raw_response, portal)

    @property
    def with_raw_response(self) -> ThreadsWithRawResponse:
        """The same methods, returning [`APIResponse`][chatkit_async.APIResponse] (status, headers,
        request id) instead of the decoded model."""
        return self._raw

    def retrieve(self, thread_id: str, **options: Unpack[RequestOptions]) -> Thread:
        """Fetch one thread (blocking
        [`AsyncThreads.retrieve`][chatkit_async.resources.threads.AsyncThreads.retrieve]).

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The thread.
        """
        return self._portal.call(partial(self._async.retrieve, thread_id, **options))

    def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> SyncPaginator[Thread]:
        """List threads, lazily, across pages (blocking
        [`AsyncThreads.list`][chatkit_async.resources.threads.AsyncThreads.list]).

        ``for thread in ...`` yields every thread; ``.pages()`` yields each page;
        ``.first_page()`` gives the first page. Creating the paginator sends nothing.

        Args:
            after: Start after this thread id (forward paging).
            before: Start before this thread id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            user: Only threads of this user (1 to 512 characters).
            max_items: Stop after this many threads in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            A [`SyncPaginator`][chatkit_async.SyncPaginator] of [`Thread`][chatkit_async.types.Thread].
        """
        paginator = self._async.list(
            after=after,
            before=before,
            limit=limit,
            order=order,
            user=user,
            max_items=max_items,
            **options,
        )
        return SyncPaginator(paginator, self._portal, owner=self._owner)

    def delete(self, thread_id: str, **options: Unpack[RequestOptions]) -> ThreadDeleted:
        """Delete a thread and all of its items (blocking
        [`AsyncThreads.delete`][chatkit_async.resources.threads.AsyncThreads.delete]).

        Args:
            thread_id: The thread's id.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The deletion receipt (``deleted`` is ``True``).
        """
        return self._portal.call(partial(self._async.delete, thread_id, **options))

    def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> SyncPaginator[ThreadItem]:
        """List the items of a thread, lazily (blocking
        [`AsyncThreads.list_items`][chatkit_async.resources.threads.AsyncThreads.list_items]).

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            A [`SyncPaginator`][chatkit_async.SyncPaginator] of ``ThreadItem``.
        """
        paginator = self._async.list_items(
            thread_id,
            after=after,
            before=before,
            limit=limit,
            order=order,
            max_items=max_items,
            **options,
        )
        return SyncPaginator(paginator, self._portal, owner=self._owner)


class ThreadsWithRawResponse:
    """``client.threads.with_raw_response`` of a blocking client: each method returns an
    ``APIResponse``; each is a blocking
    [`AsyncThreadsWithRawResponse`][chatkit_async.resources.threads.AsyncThreadsWithRawResponse] method.
    """

    def __init__(self, raw: AsyncThreadsWithRawResponse, portal: BlockingCaller) -> None:
        """Bind the blocking face to its async twin.

        Args:
            raw: The async raw-response resource every call goes to.
            portal: Runs those calls on the client's event loop thread.
        """
        self._async = raw
        self._portal = portal

    def retrieve(
        self, thread_id: str, **options: Unpack[RequestOptions]
    ) -> APIResponse[Thread]:
        """Fetch one thread, returning the raw response.

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The response; ``parse()`` gives the [`Thread`][chatkit_async.types.Thread].
        """
        return self._portal.call(partial(self._async.retrieve, thread_id, **options))

    def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[Page[Thread]]:
        """Fetch the first page of threads, returning the raw response.

        Args:
            after: Start after this thread id (forward paging).
            before: Start before this thread id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            user: Only threads of this user (1 to 512 characters).
            max_items: Stop after this many threads in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            The response of the first page; ``parse()`` gives a [`Page`][chatkit_async.types.Page].
        """
        call = partial(
            self._async.list,
            after=after,
            before=before,
            limit=limit,
            order=order,
            user=user,
            max_items=max_items,
            **options,
        )
        return self._portal.call(call)

    def delete(
        self, thread_id: str, **options: Unpack[RequestOptions]
    ) -> APIResponse[ThreadDeleted]:
        """Delete a thread and all of its items, returning the raw response.

        Args:
            thread_id: The thread's id.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]): ``timeout``,
                ``extra_headers``, ``extra_query``, ``extra_body``.

        Returns:
            The response; ``parse()`` gives the [`ThreadDeleted`][chatkit_async.types.ThreadDeleted].
        """
        return self._portal.call(partial(self._async.delete, thread_id, **options))

    def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        **options: Unpack[RequestOptions],
    ) -> APIResponse[Page[ThreadItem]]:
        """Fetch the first page of a thread's items, returning the raw response.

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            **options: Per-call options ([`RequestOptions`][chatkit_async.RequestOptions]), applied
                to each page request.

        Returns:
            The response of the first page; ``parse()`` gives a [`Page`][chatkit_async.types.Page].
        """
        call = partial(
            self._async.list_items,
            thread_id,
            after=after,
            before=before,
            limit=limit,
            order=order,
            max_items=max_items,
            **options,
        )
        return self._portal.call(call)
