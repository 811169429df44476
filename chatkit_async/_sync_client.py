"""``ChatKit``: the blocking client, a thin face over the one async core.

Each ``ChatKit`` owns one ``Portal`` (an event loop in a thread of its
own) and one [`AsyncChatKit`][chatkit_async.AsyncChatKit] built *on* that loop, so the aiohttp session is
born there. Every blocking method is a one-line hop through the portal into the async method of the
same name; there is no second HTTP stack and no per-call ``asyncio.run``. That is why it works in a
thread whose own loop is running (Jupyter) and from many threads at once.

Lifetime: ``close()`` (or leaving ``with``) closes the connection pool on its loop, which ends calls
still in flight with ``ClientClosedError``, and joins the loop thread, each step bounded (see
``_portal``). A client that is garbage collected without being closed is closed then (and at
interpreter exit at the latest), so a forgotten client does not leave a thread or an open session
behind. Paginators keep their client alive while they are in use.
"""

from __future__ import annotations

import weakref
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import TypeVar

from ._client import AsyncChatKit
from ._exceptions import ClientClosedError
from ._http import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from ._portal import Portal
from ._types import NOT_GIVEN, NotGivenOr
from .resources.sessions import Sessions
from .resources.threads import Threads

__all__ = ["ChatKit"]

T = TypeVar("T")


class ChatKit:
    """The blocking client for OpenAI's ChatKit API; the same surface as
    [`AsyncChatKit`][chatkit_async.AsyncChatKit].

    Use it as a context manager, or call [`close`][chatkit_async.ChatKit.close] when done:

        with ChatKit() as client:
            thread = client.threads.retrieve("cthr_123")
            for item in client.threads.list_items(thread.id):
                ...

    It works from any thread, including one that already runs an event loop (Jupyter), and one
    client may be shared by several threads at once. Settings not passed fall back to the
    environment: ``OPENAI_API_KEY``, ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID`` and
    ``OPENAI_PROJECT_ID``.

    It never hangs at the edges of a program: Ctrl-C in a call raises ``KeyboardInterrupt`` at
    once and cancels the request; [`close`][chatkit_async.ChatKit.close] with calls running in other
    threads makes them raise [`ClientClosedError`][chatkit_async.ClientClosedError] at once; at
    interpreter exit, calls still in flight in daemon threads are cancelled; and in a child made by
    ``os.fork()`` every call raises [`ChatKitError`][chatkit_async.ChatKitError] at once (make a new
    client there).

    Args:
        api_key: The API key (default: ``OPENAI_API_KEY``). Never shown in a repr, error or log.
        base_url: The API root (default: ``OPENAI_BASE_URL`` or ``https://api.openai.com/v1``).
        organization: Sent as ``OpenAI-Organization`` (default: ``OPENAI_ORG_ID``).
        project: Sent as ``OpenAI-Project`` (default: ``OPENAI_PROJECT_ID``).
        timeout: Seconds allowed for each request attempt (default 60); ``None`` for no limit.
        max_retries: Retries after a failed attempt (default 2); ``0`` disables retrying.
        default_headers: Headers sent with every request (they override the defaults).

    Raises:
        ChatKitError: No API key was given and ``OPENAI_API_KEY`` is not set.
        ValueError: A setting is out of range (e.g. a negative ``max_retries``).
    """

    threads: Threads
    """Threads and their items: retrieve, list, delete, list_items."""
    sessions: Sessions
    """ChatKit sessions: create, cancel."""

    _async: AsyncChatKit
    _portal: Portal
    _parent: ChatKit | None
    _closed: bool
    _finalizer: Callable[[], object] | None  # a weakref.finalize

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
    ) -> None:
        portal = Portal()
        try:
            # Built on the portal's loop: the async client (and, later, its aiohttp session)
            # belongs to that loop. A bad setting raises here, and the portal is stopped.
            async_client = portal.run_sync(
                partial(
                    AsyncChatKit,
                    api_key=api_key,
                    base_url=base_url,
                    organization=organization,
                    project=project,
                    timeout=timeout,
                    max_retries=max_retries,
                    default_headers=default_headers,
                )
            )
        except BaseException:
            portal.close()
            raise
        self._setup(async_client, portal, parent=None)
        # The callback holds the portal and the async client, never ``self``, so it does not keep
        # the client alive; ``close()`` runs it early (a finalizer runs at most once).
        self._finalizer = weakref.finalize(self, portal.close, async_client.close)

    def _setup(self, async_client: AsyncChatKit, portal: Portal, *, parent: ChatKit | None) -> None:
        self._async = async_client
        self._portal = portal
        # A derived client (``with_options``) keeps its parent, the owner of the portal, alive.
        self._parent = parent
        self._closed = False
        self._finalizer = None
        self.threads = Threads(async_client.threads, portal, owner=self)
        self.sessions = Sessions(async_client.sessions, portal)

    # --- settings -----------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """The API root every path is appended to."""
        return self._async.base_url

    @property
    def api_key(self) -> str:
        """The API key (read it deliberately; it is never shown in a repr)."""
        return self._async.api_key

    @property
    def organization(self) -> str | None:
        """The organization sent as ``OpenAI-Organization``, if any."""
        return self._async.organization

    @property
    def project(self) -> str | None:
        """The project sent as ``OpenAI-Project``, if any."""
        return self._async.project

    @property
    def timeout(self) -> float | None:
        """Seconds allowed per request attempt (``None``: no limit)."""
        return self._async.timeout

    @property
    def max_retries(self) -> int:
        """Retries after a failed attempt."""
        return self._async.max_retries

    @property
    def closed(self) -> bool:
        """Whether [`close`][chatkit_async.ChatKit.close] has been called (on this client, or on the
        one it derives from)."""
        return self._closed or self._portal.closed

    def __repr__(self) -> str:
        return f"<{type(self).__name__} base_url={self.base_url!r} closed={self.closed}>"

    def with_options(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> ChatKit:
        """A client with some settings overridden that shares this client's connection pool.

        Closing the returned client does not close the pool; closing this one does.

        Args:
            api_key: Replaces the API key.
            base_url: Replaces the API root.
            organization: Replaces the organization.
            project: Replaces the project.
            timeout: Replaces the per-attempt timeout (``None``: no limit).
            max_retries: Replaces the retry count.
            default_headers: Merged over this client's default headers.

        Returns:
            A new [`ChatKit`][chatkit_async.ChatKit].

        Raises:
            ClientClosedError: This client has been closed.
        """
        self._ensure_open()
        derived_async = self._portal.run_sync(
            partial(
                self._async.with_options,
                api_key=api_key,
                base_url=base_url,
                organization=organization,
                project=project,
                timeout=timeout,
                max_retries=max_retries,
                default_headers=default_headers,
            )
        )
        derived = type(self).__new__(type(self))
        derived._setup(derived_async, self._portal, parent=self)
        return derived

    # --- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool and stop the client's event loop thread. Safe to call twice.

        Calls still running in other threads raise
        [`ClientClosedError`][chatkit_async.ClientClosedError] at once (a request on the wire is
        cut, a wait before a retry ends), as do later calls; ``close()`` returns within a few
        seconds whatever those calls were waiting for. A client made by
        [`with_options`][chatkit_async.ChatKit.with_options] closes only itself: the pool and the
        thread belong to the client it was derived from.
        """
        if self._closed:
            return
        self._closed = True
        if self._finalizer is not None:
            self._finalizer()
        elif not self._portal.closed:
            # A derived client owns nothing but its settings; mark its async twin closed.
            try:
                self._portal.call(self._async.close)
            except ClientClosedError:
                pass  # the parent closed the portal meanwhile: nothing left to close

    def __enter__(self) -> ChatKit:
        """Use the client in a ``with`` block, which closes it on the way out.

        Returns:
            This client.

        Raises:
            ClientClosedError: The client has been closed.
        """
        self._ensure_open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the client (see [`close`][chatkit_async.ChatKit.close]); exceptions of the block
        propagate.

        Args:
            *exc_info: The exception of the ``with`` block, if any (unused).
        """
        self.close()

    def _run_with_core(self, func: Callable[[AsyncChatKit], Awaitable[T]]) -> T:
        """Run ``func(async_core)`` on this client's event loop and wait for its result.

        The seam through which blocking helpers built on the async core (the ``*_sync`` bulk
        jobs) run: Ctrl-C while waiting cancels ``func`` on the loop, as for any blocking call.

        Args:
            func: A coroutine function taking this client's ``AsyncChatKit``.

        Returns:
            What ``func`` returned.
        """
        self._ensure_open()
        return self._portal.call(partial(func, self._async))

    def _ensure_open(self) -> None:
        if self.closed:
            raise ClientClosedError("This client has been closed.")
