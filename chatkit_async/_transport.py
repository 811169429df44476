"""The transport: the only module that imports aiohttp.

It owns one thing: turning a fully built ``Request`` (method, absolute URL, headers, body, timeout)
into a ``RawResponse`` (status, headers, body bytes), or into
[`APIConnectionError`][chatkit_async.APIConnectionError] /
[`APITimeoutError`][chatkit_async.APITimeoutError]. It knows nothing of the API's paths, models,
errors or retries.

Lifecycle rules it enforces (each one a pitfall aiohttp users meet):

* The ``aiohttp.ClientSession`` is created lazily, inside the running event loop, on the first
  request; never in ``__init__`` (a session belongs to the loop it was born on).
* A session passed in by the user is borrowed: used as is and never closed.
* Use from a second event loop is refused with a clear message, instead of aiohttp's
  "Event loop is closed" or a hang.
* Redirects are followed here (at most ``MAX_REDIRECTS``), so that credentials never travel to
  another origin: a cross-origin hop carries only the headers of
  ``headers_for_other_origin`` (no ``Authorization``, ``api-key``, cookie,
  organization, project or ``default_headers``). A 303, and a 301/302 answering anything but GET or
  HEAD, is followed with a GET without a body. A loop, or a hop to a URL that is not http(s), ends
  in an [`APIConnectionError`][chatkit_async.APIConnectionError] that is not retried.
* A failure says whether the request may have reached the server (``request_sent``), which decides
  whether a request that is not idempotent may be sent again.
* A request on a closed transport, or one whose connection the closing of the pool cut, raises
  [`ClientClosedError`][chatkit_async.ClientClosedError].
"""

from __future__ import annotations

import asyncio
import os
import time
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

import aiohttp
import attrs
from yarl import URL

from ._exceptions import APIConnectionError, APITimeoutError, ChatKitError, ClientClosedError
from ._http import Request, headers_for_other_origin, is_same_origin
from ._process import FORKED_MESSAGE, fork_generation

__all__ = ["MAX_REDIRECTS", "RawResponse", "Transport"]

#: How many redirects one request may follow before it is treated as a connection error.
MAX_REDIRECTS = 5

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_BODY_HEADERS = frozenset({"content-type", "content-length", "content-encoding"})
# A timeout while connecting means the request was never sent (aiohttp 3.10+ says so with its own
# class; older versions raise a plain timeout, which counts as "maybe sent").
_CONNECT_TIMEOUT: tuple[type[BaseException], ...] = tuple(
    cls for cls in (getattr(aiohttp, "ConnectionTimeoutError", None),) if cls is not None
)


@attrs.frozen(slots=True)
class RawResponse:
    """What came back over the wire, before any interpretation."""

    status: int
    headers: Mapping[str, str]  # case-insensitive (aiohttp's CIMultiDictProxy)
    content: bytes
    url: str
    elapsed: float


class _Pool:
    """The transport's session and the loop it belongs to, kept apart from the transport.

    A weakref finalizer of the transport holds this box, so the session stays reachable (and is
    never part of the garbage collector's cycle) when a client is dropped without ``close()``:
    the finalizer can then close it properly on its own loop instead of aiohttp warning about a
    leaked connector.
    """

    __slots__ = ("__weakref__", "generation", "loop", "owned", "session")

    def __init__(self, session: aiohttp.ClientSession | None) -> None:
        self.session = session
        self.owned = session is None
        self.loop: asyncio.AbstractEventLoop | None = None
        # The session's sockets and loop belong to the process that made them (see _process).
        self.generation = fork_generation()
        _POOLS.add(self)


class Transport:
    """A pool of HTTP connections bound to one event loop (see the module docstring)."""

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None = None,
        connect_timeout: float | None = None,
        max_connections: int = 100,
    ) -> None:
        self._pool = _Pool(session)
        self._connect_timeout = connect_timeout
        self._max_connections = max_connections
        self._closed = False
        weakref.finalize(self, _release_unclosed, self._pool)
        self._client_timeout: aiohttp.ClientTimeout | None = None

    @property
    def closed(self) -> bool:
        """Whether ``aclose`` has run."""
        return self._closed

    def _get_session(self) -> aiohttp.ClientSession:
        pool = self._pool
        if pool.generation != fork_generation():
            raise ChatKitError(FORKED_MESSAGE)
        loop = asyncio.get_running_loop()
        if pool.loop is None:
            pool.loop = loop
        elif loop is not pool.loop:
            raise RuntimeError(
                "This chatkit-async client is bound to the event loop it was first used on, and "
                "cannot be used from another one. Create one client per event loop (for example, "
                "inside the function you pass to asyncio.run()), or use the blocking ChatKit "
                "client from synchronous code."
            )
        if pool.session is None:
            pool.session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections, limit_per_host=0),
                # Response bodies are read whole and decoded by the caller; no cookie jar, so one
                # client never mixes the state of different users' requests.
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=True,
                # No ``skip_auto_headers``: the client always sends its own User-Agent, and a skip
                # list costs aiohttp a sort and two header copies on every request.
            )
        return pool.session

    async def request(self, request: Request) -> RawResponse:
        """Send one request (following redirects safely) and read the whole response body.

        Args:
            request: What to send; its ``timeout`` bounds the whole exchange, redirects included.

        Returns:
            The final response, its body read whole.

        Raises:
            APITimeoutError: The request did not complete within its timeout.
            APIConnectionError: The connection failed, dropped, or redirected too often.
            ClientClosedError: The transport is closed, or was closed while the request ran.
        """
        if self._closed:
            raise ClientClosedError()
        session = self._get_session()
        timeout = request.timeout
        client_timeout = self._client_timeout
        if client_timeout is None or client_timeout.total != timeout:
            # Almost every request uses the client's one timeout: build its (immutable)
            # ClientTimeout once rather than per request.
            client_timeout = self._client_timeout = aiohttp.ClientTimeout(
                total=timeout, sock_connect=self._connect_timeout
            )
        started = time.perf_counter()
        current_url = request.url
        current_method = request.method
        current_headers: dict[str, str] | Mapping[str, str] = request.headers
        current_content = request.content
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                async with session.request(
                    current_method,
                    URL(current_url, encoded=True),
                    headers=current_headers,
                    data=current_content,
                    timeout=client_timeout,
                    allow_redirects=False,
                ) as resp:
                    body = await resp.read()
                    location = resp.headers.get("Location")
                    if resp.status not in _REDIRECT_STATUSES or not location:
                        return RawResponse(
                            status=resp.status,
                            headers=resp.headers,
                            content=body,
                            url=current_url,
                            elapsed=time.perf_counter() - started,
                        )
                try:
                    target = URL(current_url).join(URL(location))
                except ValueError:
                    target = None
                if target is None or target.scheme not in ("http", "https") or not target.host:
                    raise APIConnectionError(
                        f"The server redirected to a location that is not an http(s) URL "
                        f"(status {resp.status}).",
                        retryable=False,
                    )
                next_url = str(target)
                if not is_same_origin(current_url, next_url):
                    current_headers = headers_for_other_origin(current_headers)
                if resp.status == 303 or (
                    resp.status in (301, 302) and current_method not in ("GET", "HEAD")
                ):
                    current_method, current_content = "GET", None
                    current_headers = {
                        k: v for k, v in current_headers.items() if k.lower() not in _BODY_HEADERS
                    }
                current_url = next_url
        except _CONNECT_TIMEOUT:
            raise APITimeoutError(
                "Request timed out while connecting.", request_sent=False
            ) from None
        except asyncio.TimeoutError:
            raise APITimeoutError() from None
        except aiohttp.ClientError as exc:
            if self._closed:
                # ``aclose()`` ran while this request was on the wire and cut its connection.
                raise ClientClosedError(
                    "The client was closed while this request was in flight."
                ) from exc
            raise APIConnectionError(
                _describe_connection_error(exc),
                request_sent=not isinstance(exc, aiohttp.ClientConnectorError),
            ) from exc
        except ChatKitError:
            raise
        except Exception as exc:
            if self._closed:
                # The session closed under aiohttp's own resend of a dropped idempotent request:
                # older aiohttp (3.10.6) then fails with AttributeError, newer with RuntimeError.
                raise ClientClosedError(
                    "The client was closed while this request was in flight."
                ) from exc
            raise
        raise APIConnectionError(
            f"Too many redirects (more than {MAX_REDIRECTS}); the server may be redirecting "
            "in a loop.",
            retryable=False,
        )

    async def aclose(self) -> None:
        """Close the session if this transport created it; a borrowed session is left open."""
        self._closed = True
        pool = self._pool
        session, pool.session = pool.session, None
        if session is not None and pool.owned and not session.closed:
            await session.close()


_closing: set[asyncio.Task[None]] = set()
_POOLS: weakref.WeakSet[_Pool] = weakref.WeakSet()


def _orphan_pools_after_fork() -> None:
    """In a child made by ``os.fork()``: let go of the parent's sessions without touching them.

    The child's copies of the parent's connections share their sockets, and the parent's event
    loop's epoll set, with the parent. Closing a copied connector (which aiohttp does on its own
    when one is garbage collected with connections in it) would unregister those sockets from the
    epoll set the parent is still using, and the parent's next request on a kept-alive connection
    would wait forever for an answer it never hears of. So the child detaches each session from
    its connector and marks the connector closed, which makes both inert: nothing is closed,
    nothing is unregistered, nothing warns. The parent's connections carry on untouched.
    """
    for pool in list(_POOLS):
        session, pool.session = pool.session, None
        if session is None or not pool.owned:
            continue
        connector = session.connector
        session.detach()
        if connector is not None and hasattr(connector, "_closed"):
            connector._closed = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_orphan_pools_after_fork)


def _release_unclosed(pool: _Pool) -> None:
    """Finalizer of a transport dropped without ``aclose()``: warn, then close its session.

    It runs in whatever thread the garbage collector runs in, so closing is handed to the
    session's own loop. If that loop is gone there is nothing left that could close it cleanly.
    """
    session, pool.session = pool.session, None
    if session is None or not pool.owned or session.closed:
        return
    if pool.generation != fork_generation():
        return  # the parent's session and loop: nothing of them can be closed from here
    warnings.warn(
        "A chatkit-async client was garbage-collected without being closed; use "
        "`async with AsyncChatKit() as client:` or `await client.close()`.",
        ResourceWarning,
        stacklevel=2,
    )
    loop = pool.loop
    if loop is not None and not loop.is_closed():
        try:
            loop.call_soon_threadsafe(_close_later, session)
        except RuntimeError:  # closed in between
            pass


def _close_later(session: aiohttp.ClientSession) -> None:
    task = asyncio.get_running_loop().create_task(session.close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)


def _describe_connection_error(exc: aiohttp.ClientError) -> str:
    # aiohttp's messages can embed the full URL with its query; the host and the error kind are
    # enough to act on, and keep user ids in queries out of logs.
    kind = type(exc).__name__
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"Connection error: cannot connect to {exc.host}:{exc.port} ({kind})."
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "Connection error: the server closed the connection without a response."
    return f"Connection error ({kind}: {_short(exc)})."


def _short(exc: Any) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:200]
