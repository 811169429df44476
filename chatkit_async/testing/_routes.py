"""The emulator's route table: which URL and method is which operation, and one handler for each.

This module owns the six ChatKit operations as aiohttp handlers (``Operations``), their
registration in an aiohttp router (``Operations.register``), the answer to a URL no route
serves (404 ``unknown_url``) or to a method a route does not serve (405 with ``Allow``)
(``check_route``), how path parameters are decoded (``path_param``), and the shape of an
error answer (``error_response``). Handlers only translate: query and body in, a call to
``EmulatorStore`` under the emulator's lock, JSON bytes out. Refusals travel as
``InvalidRequest`` / ``NotFound`` and become answers in the
``checks`` middleware of ``_pipeline``; authentication, the beta header, faults and the request
log are middlewares too, never handlers' business.

Paths are matched on their raw (still percent-encoded) segments: an id is one segment decoded on its
own, so ``cthr_a%2Fb`` is the id ``cthr_a/b`` and never two segments, ``..`` is an id like any
other and never climbs, and ``/v1/chatkit/%74hreads`` names no route. aiohttp's router (3.10.6 and
later) matches ``path_safe``, the path decoded except for ``%2F`` and ``%25``, whose segments are the
raw path's segments one for one; so a raw path without ``%`` is matched exactly as written, and only
a path with a ``%`` has its fixed segments checked and its parameters decoded again from the raw
segment (``check_route``, ``path_param``), with ``urllib.parse.unquote`` (an invalid
UTF-8 escape becomes U+FFFD) rather than yarl's decoding (which keeps it as written). Before 3.10.6
the router matched the decoded path, where ``%2F`` splits an id, so ``Operations.register``
refuses older versions.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Awaitable, Callable
from urllib.parse import unquote

import aiohttp
import orjson
from aiohttp import hdrs, web

from ._errors import InvalidRequest, error_body
from ._paging import PageQuery
from ._store import EmulatorStore

__all__ = [
    "AIOHTTP_VERSION",
    "CANCEL_SESSION",
    "ITEMS",
    "ROUTER_MIN_VERSION",
    "SESSIONS",
    "THREAD",
    "THREADS",
    "Operations",
    "check_route",
    "error_response",
    "path_param",
]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

# A parameter is one whole path segment, possibly empty (``/threads/`` names the thread "" and
# answers 404 not_found) and holding any character but "/".
THREADS = "/v1/chatkit/threads"
THREAD = "/v1/chatkit/threads/{thread_id:[^/]*}"
ITEMS = "/v1/chatkit/threads/{thread_id:[^/]*}/items"
SESSIONS = "/v1/chatkit/sessions"
CANCEL_SESSION = "/v1/chatkit/sessions/{session_id:[^/]*}/cancel"

#: The first aiohttp whose router matches paths with ``%2F`` still encoded (see above).
ROUTER_MIN_VERSION = (3, 10, 6)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", text)[:3])


#: The installed aiohttp's version, compared with ``ROUTER_MIN_VERSION``.
AIOHTTP_VERSION = _version(aiohttp.__version__)


def error_response(
    status: int,
    message: str,
    type_: str,
    param: str | None = None,
    code: str | None = None,
) -> web.Response:
    """An error answer in OpenAI's ``{"error": {...}}`` shape.

    Args:
        status: HTTP status.
        message: Human-readable message.
        type_: Error type, e.g. ``"invalid_request_error"``.
        param: The offending parameter, if any.
        code: Machine-readable code, if any.
    """
    return web.Response(status=status, body=error_body(message, type_, param, code))


def _raw_template_matches(template: str, raw_path: str) -> bool:
    """Whether a raw path's fixed segments are spelled exactly as in a route's template."""
    parts = template.split("/")
    raws = raw_path.split("/")
    return len(parts) == len(raws) and all(
        part.startswith("{") or part == raw for part, raw in zip(parts, raws, strict=True)
    )


def check_route(request: web.Request) -> web.Response | None:
    """The 404 or 405 answer to a request no route serves, or ``None`` for a routed request.

    Args:
        request: A request resolved by a router that ``Operations.register`` filled.

    Returns:
        404 ``unknown_url`` when no route has the path, 405 ``method_not_allowed`` with ``Allow``
        (the route's methods in registration order) when the route lacks the method, else ``None``.
    """
    route = request.match_info.route
    resource = route.resource
    raw_path = request.rel_url.raw_path
    if resource is None or (
        "%" in raw_path and not _raw_template_matches(resource.canonical, raw_path)
    ):
        return error_response(
            404,
            f"Invalid URL ({request.method} {unquote(raw_path)})",
            "invalid_request_error",
            None,
            "unknown_url",
        )
    if route.method == hdrs.METH_ANY:
        reply = error_response(
            405,
            f"Method {request.method} is not allowed for {unquote(raw_path)}.",
            "invalid_request_error",
            None,
            "method_not_allowed",
        )
        reply.headers["Allow"] = ", ".join(r.method for r in resource if r.method != hdrs.METH_ANY)
        return reply
    return None


def path_param(request: web.Request, name: str) -> str:
    """A path parameter, its raw segment percent-decoded on its own.

    Args:
        request: A routed request.
        name: The parameter's name in the route's template, e.g. ``"thread_id"``.
    """
    raw_path = request.rel_url.raw_path
    if "%" not in raw_path:  # nothing was decoded: the router's value is the raw segment
        return request.match_info[name]
    resource = request.match_info.route.resource
    assert resource is not None  # a routed request has a resource
    index = resource.canonical.split("/").index("{" + name + "}")
    return unquote(raw_path.split("/")[index])


async def _no_expect(request: web.Request) -> None:
    """Ignores ``Expect`` headers (aiohttp's default would answer a 417 outside the pipeline)."""


async def _unreachable(request: web.Request) -> web.StreamResponse:
    """Placeholder handler of each route's other methods; ``check_route`` answers first."""
    raise AssertionError("check_route answers a method the route does not serve")


def _user_filter(value: str | None) -> str | None:
    if value is not None and not 1 <= len(value) <= 512:
        raise InvalidRequest(
            "Invalid 'user': expected a string of 1 to 512 characters.", "user", "invalid_value"
        )
    return value


def _json_body(body: bytes) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise InvalidRequest(
            "We could not parse the JSON body of your request. (HINT: This likely means you "
            "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, "
            "but what was sent was not valid JSON.)",
            None,
            "invalid_json",
        ) from None


class Operations:
    """The six ChatKit operations over one store, as aiohttp handlers.

    Args:
        store: The data.
        lock: The lock every access to ``store`` holds (the emulator's, shared with seeding).
    """

    def __init__(self, store: EmulatorStore, lock: threading.RLock) -> None:
        self._store = store
        self._lock = lock

    def register(self, router: web.UrlDispatcher) -> None:
        """Adds every route to ``router``.

        Each path gets its operations, then a catch-all method whose request ``check_route``
        answers with a 405 (so the ``Allow`` list is the path's own, in this order).

        Raises:
            RuntimeError: If aiohttp is older than 3.10.6 (its router would split ids at ``%2F``).
        """
        if AIOHTTP_VERSION < ROUTER_MIN_VERSION:
            raise RuntimeError(
                "the ChatKit emulator needs aiohttp 3.10.6 or later (older routers match decoded "
                f"paths, so an id holding %2F would be split); found aiohttp {aiohttp.__version__}"
            )
        # aiohttp tries the routes under one prefix in this order, so the busiest come first (one
        # thread, a thread's items: what the benchmarks and bulk jobs call most).
        table: dict[str, dict[str, Handler]] = {
            THREAD: {hdrs.METH_GET: self.retrieve_thread, hdrs.METH_DELETE: self.delete_thread},
            ITEMS: {hdrs.METH_GET: self.list_items},
            THREADS: {hdrs.METH_GET: self.list_threads},
            SESSIONS: {hdrs.METH_POST: self.create_session},
            CANCEL_SESSION: {hdrs.METH_POST: self.cancel_session},
        }
        for path, handlers in table.items():
            resource = router.add_resource(path)
            for method, handler in handlers.items():
                resource.add_route(method, handler, expect_handler=_no_expect)
            resource.add_route(hdrs.METH_ANY, _unreachable, expect_handler=_no_expect)

    async def list_threads(self, request: web.Request) -> web.Response:
        """``GET /v1/chatkit/threads``: one page of threads, optionally of one ``user``."""
        query = request.query
        page_query = PageQuery.parse(query)
        user = _user_filter(query.get("user"))
        with self._lock:
            page = self._store.list_threads(
                limit=page_query.limit,
                order=page_query.order,
                after=page_query.after,
                before=page_query.before,
                user=user,
            )
        return web.Response(body=page.to_json())

    async def retrieve_thread(self, request: web.Request) -> web.Response:
        """``GET /v1/chatkit/threads/{thread_id}``."""
        thread_id = path_param(request, "thread_id")
        with self._lock:
            return web.Response(body=self._store.get_thread(thread_id))

    async def delete_thread(self, request: web.Request) -> web.Response:
        """``DELETE /v1/chatkit/threads/{thread_id}``: the thread and its items."""
        thread_id = path_param(request, "thread_id")
        with self._lock:
            deleted = self._store.delete_thread(thread_id)
        return web.Response(body=orjson.dumps(deleted))

    async def list_items(self, request: web.Request) -> web.Response:
        """``GET /v1/chatkit/threads/{thread_id}/items``: one page of a thread's items."""
        thread_id = path_param(request, "thread_id")
        page_query = PageQuery.parse(request.query)
        with self._lock:
            page = self._store.list_items(
                thread_id,
                limit=page_query.limit,
                order=page_query.order,
                after=page_query.after,
                before=page_query.before,
            )
        return web.Response(body=page.to_json())

    async def create_session(self, request: web.Request) -> web.Response:
        """``POST /v1/chatkit/sessions``: validates the body and stores a new session."""
        body = _json_body(await request.read())
        now = int(time.time())
        with self._lock:
            session = self._store.create_session(body, now)
        return web.Response(body=orjson.dumps(session))

    async def cancel_session(self, request: web.Request) -> web.Response:
        """``POST /v1/chatkit/sessions/{session_id}/cancel`` (idempotent)."""
        session_id = path_param(request, "session_id")
        now = int(time.time())
        with self._lock:
            session = self._store.cancel_session(session_id, now)
        return web.Response(body=orjson.dumps(session))
