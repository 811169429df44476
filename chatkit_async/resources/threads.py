"""``client.threads``: retrieve, list, delete and list the items of ChatKit threads.

Each method says what to send and what to decode into; the client's send pipeline does the rest.
The blocking twins at the end of this file (``Threads`` and its raw-response class, used by
``ChatKit``) hold no logic: each method is one hop through the client's portal into the async
method of the same name, so the two faces cannot drift apart.
Ids and list parameters are validated before anything is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Literal

from .._http import build_list_query, validate_path_id
from .._options import RequestOptions
from .._pagination import AsyncPaginator
from .._response import APIResponse, raw_list_wrapper, raw_wrapper
from .._sync_pagination import SyncPaginator
from .._types import NOT_GIVEN, NotGivenOr
from ..types.page import Page
from ..types.thread import Thread, ThreadDeleted
from ..types.thread_item import ThreadItem

if TYPE_CHECKING:
    from .._client import AsyncChatKit
    from .._sync_client import ChatKit

__all__ = ["AsyncThreads", "AsyncThreadsWithRawResponse", "Threads", "ThreadsWithRawResponse"]


class AsyncThreads:
    """Operations on ChatKit threads; reach it as ``client.threads``."""

    def __init__(self, client: AsyncChatKit) -> None:
        self._client = client

    @property
    def with_raw_response(self) -> AsyncThreadsWithRawResponse:
        """The same methods, returning :class:`~chatkit_async.APIResponse` (status, headers,
        request id) instead of the decoded model."""
        return AsyncThreadsWithRawResponse(self)

    async def retrieve(
        self,
        thread_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> Thread:
        """Fetch one thread.

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

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
        path = f"/chatkit/threads/{validate_path_id(thread_id, name='thread_id')}"
        options = RequestOptions(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        thread: Thread = await self._client._request("GET", path, cast_to=Thread, options=options)
        return thread

    def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
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
            timeout: Seconds for each page request, overriding the client's timeout.
            extra_headers: Headers to add to each page request.
            extra_query: Query parameters to add to each page request.
            extra_body: JSON fields to send in a body with each page request.

        Returns:
            An :class:`~chatkit_async.AsyncPaginator` of :class:`~chatkit_async.types.Thread`.

        Raises:
            ValueError: A parameter is out of range, or ``after`` and ``before`` were both given
                (raised here, before any request).
        """
        query = build_list_query(after=after, before=before, limit=limit, order=order, user=user)
        options = RequestOptions(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        client = self._client

        async def fetch(page_query: Mapping[str, str]) -> Page[Thread]:
            page: Page[Thread] = await client._request(
                "GET", "/chatkit/threads", cast_to=Page[Thread], query=page_query, options=options
            )
            return page

        return AsyncPaginator(fetch, query, max_items=max_items)

    async def delete(
        self,
        thread_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> ThreadDeleted:
        """Delete a thread and all of its items.

        Args:
            thread_id: The thread's id.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The deletion receipt (``deleted`` is ``True``).

        Raises:
            ValueError: ``thread_id`` is not a valid id.
            NotFoundError: No thread has that id (e.g. it was already deleted).
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
        """
        path = f"/chatkit/threads/{validate_path_id(thread_id, name='thread_id')}"
        options = RequestOptions(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        deleted: ThreadDeleted = await self._client._request(
            "DELETE", path, cast_to=ThreadDeleted, options=options
        )
        return deleted

    def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> AsyncPaginator[ThreadItem]:
        """List the items of a thread, lazily, across pages.

        Returns a paginator at once, without any request. Items of a type this SDK does not know
        arrive as :class:`~chatkit_async.types.UnknownItem`; they never stop the walk.

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            timeout: Seconds for each page request, overriding the client's timeout.
            extra_headers: Headers to add to each page request.
            extra_query: Query parameters to add to each page request.
            extra_body: JSON fields to send in a body with each page request.

        Returns:
            An :class:`~chatkit_async.AsyncPaginator` of :data:`~chatkit_async.types.ThreadItem`.

        Raises:
            ValueError: ``thread_id`` is not a valid id, or a parameter is out of range (raised
                here, before any request).
        """
        path = f"/chatkit/threads/{validate_path_id(thread_id, name='thread_id')}/items"
        query = build_list_query(after=after, before=before, limit=limit, order=order)
        options = RequestOptions(
            timeout=timeout,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        client = self._client

        async def fetch(page_query: Mapping[str, str]) -> Page[ThreadItem]:
            page: Page[ThreadItem] = await client._request(
                "GET", path, cast_to=Page[ThreadItem], query=page_query, options=options
            )
            return page

        return AsyncPaginator(fetch, query, max_items=max_items)


class AsyncThreadsWithRawResponse:
    """``client.threads.with_raw_response``: each method returns an ``APIResponse``.

    ``list`` and ``list_items`` return the raw response of the first page; its ``parse()`` gives
    a :class:`~chatkit_async.types.Page`.
    """

    def __init__(self, threads: AsyncThreads) -> None:
        self.retrieve = raw_wrapper(threads.retrieve)
        self.delete = raw_wrapper(threads.delete)
        self.list = raw_list_wrapper(threads.list)
        self.list_items = raw_list_wrapper(threads.list_items)


class Threads:
    """Operations on ChatKit threads; reach it as ``client.threads`` of a blocking ``ChatKit``.

    Each method runs the :class:`AsyncThreads` method of the same name on the client's event loop
    thread and waits for its result; signatures, validation and errors are the same.
    """

    def __init__(self, client: ChatKit) -> None:
        """Bind the resource to a blocking client.

        Args:
            client: The blocking client whose portal and async core the calls go through.
        """
        self._client = client
        self._portal = client._portal
        self._async = client._async.threads

    @property
    def with_raw_response(self) -> ThreadsWithRawResponse:
        """The same methods, returning :class:`~chatkit_async.APIResponse` (status, headers,
        request id) instead of the decoded model."""
        return ThreadsWithRawResponse(self)

    def retrieve(
        self,
        thread_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> Thread:
        """Fetch one thread.

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The thread.

        Raises:
            ValueError: ``thread_id`` is empty or has characters no id can have (``/``, ``?``,
                ``#``, ``%``, whitespace, control characters, or is ``.``/``..``).
            NotFoundError: No thread has that id.
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed (``APITimeoutError`` if it
                timed out).
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._async.retrieve,
                thread_id,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> SyncPaginator[Thread]:
        """List threads, lazily, across pages.

        Returns a paginator at once, without any request: ``for thread in ...`` yields every
        thread; ``.pages()`` yields each page; ``.first_page()`` gives the first page.

        Args:
            after: Start after this thread id (forward paging).
            before: Start before this thread id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            user: Only threads of this user (1 to 512 characters).
            max_items: Stop after this many threads in total.
            timeout: Seconds for each page request, overriding the client's timeout.
            extra_headers: Headers to add to each page request.
            extra_query: Query parameters to add to each page request.
            extra_body: JSON fields to send in a body with each page request.

        Returns:
            A :class:`~chatkit_async.SyncPaginator` of :class:`~chatkit_async.types.Thread`.

        Raises:
            ValueError: A parameter is out of range, or ``after`` and ``before`` were both given
                (raised here, before any request).
        """
        return SyncPaginator(
            self._async.list(
                after=after,
                before=before,
                limit=limit,
                order=order,
                user=user,
                max_items=max_items,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            ),
            self._portal,
            owner=self._client,
        )

    def delete(
        self,
        thread_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> ThreadDeleted:
        """Delete a thread and all of its items.

        Args:
            thread_id: The thread's id.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The deletion receipt (``deleted`` is ``True``).

        Raises:
            ValueError: ``thread_id`` is not a valid id.
            NotFoundError: No thread has that id (e.g. it was already deleted).
            APIStatusError: Any other error status.
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._async.delete,
                thread_id,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> SyncPaginator[ThreadItem]:
        """List the items of a thread, lazily, across pages.

        Returns a paginator at once, without any request. Items of a type this SDK does not know
        arrive as :class:`~chatkit_async.types.UnknownItem`; they never stop the walk.

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            timeout: Seconds for each page request, overriding the client's timeout.
            extra_headers: Headers to add to each page request.
            extra_query: Query parameters to add to each page request.
            extra_body: JSON fields to send in a body with each page request.

        Returns:
            A :class:`~chatkit_async.SyncPaginator` of :data:`~chatkit_async.types.ThreadItem`.

        Raises:
            ValueError: ``thread_id`` is not a valid id, or a parameter is out of range (raised
                here, before any request).
        """
        return SyncPaginator(
            self._async.list_items(
                thread_id,
                after=after,
                before=before,
                limit=limit,
                order=order,
                max_items=max_items,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            ),
            self._portal,
            owner=self._client,
        )


class ThreadsWithRawResponse:
    """``client.threads.with_raw_response`` of a blocking client: each method returns an
    ``APIResponse``.

    ``list`` and ``list_items`` return the raw response of the first page; its ``parse()`` gives
    a :class:`~chatkit_async.types.Page`.
    """

    def __init__(self, threads: Threads) -> None:
        """Bind to a blocking ``threads`` resource.

        Args:
            threads: The resource whose calls are made raw.
        """
        self._portal = threads._portal
        self._raw = threads._async.with_raw_response

    def retrieve(
        self,
        thread_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> APIResponse[Thread]:
        """Fetch one thread, returning the raw response.

        Args:
            thread_id: The thread's id, e.g. ``cthr_123``.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The response; ``parse()`` gives the :class:`~chatkit_async.types.Thread`.

        Raises:
            ValueError: ``thread_id`` is not a valid id.
            APIStatusError: An error status (``NotFoundError`` for an unknown id).
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._raw.retrieve,
                thread_id,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def list(
        self,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        user: NotGivenOr[str] = NOT_GIVEN,
        max_items: int | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> APIResponse[Page[Thread]]:
        """Fetch the first page of threads, returning the raw response.

        Args:
            after: Start after this thread id (forward paging).
            before: Start before this thread id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            user: Only threads of this user (1 to 512 characters).
            max_items: Stop after this many threads in total.
            timeout: Seconds for each page request, overriding the client's timeout.
            extra_headers: Headers to add to each page request.
            extra_query: Query parameters to add to each page request.
            extra_body: JSON fields to send in a body with each page request.

        Returns:
            The response of the first page; ``parse()`` gives a :class:`~chatkit_async.types.Page`.

        Raises:
            ValueError: A parameter is out of range, or ``after`` and ``before`` were both given.
            APIStatusError: An error status.
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._raw.list,
                after=after,
                before=before,
                limit=limit,
                order=order,
                user=user,
                max_items=max_items,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def delete(
        self,
        thread_id: str,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> APIResponse[ThreadDeleted]:
        """Delete a thread and all of its items, returning the raw response.

        Args:
            thread_id: The thread's id.
            timeout: Seconds for this call, overriding the client's timeout.
            extra_headers: Headers to add to this request.
            extra_query: Query parameters to add to this request.
            extra_body: JSON fields to send in a body with this request.

        Returns:
            The response; ``parse()`` gives the :class:`~chatkit_async.types.ThreadDeleted`.

        Raises:
            ValueError: ``thread_id`` is not a valid id.
            APIStatusError: An error status (``NotFoundError`` for an unknown id).
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._raw.delete,
                thread_id,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )

    def list_items(
        self,
        thread_id: str,
        *,
        after: NotGivenOr[str] = NOT_GIVEN,
        before: NotGivenOr[str] = NOT_GIVEN,
        limit: NotGivenOr[int] = NOT_GIVEN,
        order: NotGivenOr[Literal["asc", "desc"]] = NOT_GIVEN,
        max_items: int | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> APIResponse[Page[ThreadItem]]:
        """Fetch the first page of a thread's items, returning the raw response.

        Args:
            thread_id: The thread's id.
            after: Start after this item id (forward paging).
            before: Start before this item id; paging then continues backwards.
            limit: Page size, 0 to 100 (server default 20).
            order: ``"asc"`` or ``"desc"`` by creation time (server default ``"desc"``).
            max_items: Stop after this many items in total.
            timeout: Seconds for each page request, overriding the client's timeout.
            extra_headers: Headers to add to each page request.
            extra_query: Query parameters to add to each page request.
            extra_body: JSON fields to send in a body with each page request.

        Returns:
            The response of the first page; ``parse()`` gives a :class:`~chatkit_async.types.Page`.

        Raises:
            ValueError: ``thread_id`` is not a valid id, or a parameter is out of range.
            APIStatusError: An error status (``NotFoundError`` for an unknown thread).
            APIConnectionError: The request could not be completed.
            ClientClosedError: The client has been closed.
        """
        return self._portal.call(
            partial(
                self._raw.list_items,
                thread_id,
                after=after,
                before=before,
                limit=limit,
                order=order,
                max_items=max_items,
                timeout=timeout,
                extra_headers=extra_headers,
                extra_query=extra_query,
                extra_body=extra_body,
            )
        )
