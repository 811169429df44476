"""An aiohttp backend serving ChatKit threads through one shared AsyncChatKit.

One client per application, not per request: it owns the connection pool, so
requests reuse warm connections to the API. The app's ``cleanup_ctx`` creates it
when the server starts and closes it when the server stops (creation is cheap;
the aiohttp session inside is made lazily on the server's own loop at the first
API call).

Routes (all JSON):

* ``GET /threads?user=...&limit=...&after=...&order=...``: one page of threads.
* ``GET /threads/{thread_id}``: one thread.
* ``GET /threads/{thread_id}/items?limit=...&after=...&order=...``: one page of
  a thread's items.

API errors map to HTTP answers: unknown ids are 404, bad parameters 400,
anything else from the API a 502, an unreachable API a 504. Bodies use OpenAI's
``{"error": {"message": ...}}`` shape.

Run it against the built-in emulator (no API key needed)::

    python examples/aiohttp_backend.py --emulator
    curl 'http://127.0.0.1:8080/threads?user=user_1'

or against the real API with ``OPENAI_API_KEY`` set and no ``--emulator``.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Literal

from aiohttp import web

from chatkit_async import (
    APIConnectionError,
    APIStatusError,
    AsyncChatKit,
    NotFoundError,
    Page,
    to_dict,
)

CLIENT = web.AppKey("chatkit_client", AsyncChatKit)
"""Where the shared client lives on the application."""

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def page_json(page: Page[Any]) -> dict[str, Any]:
    """A page of models as JSON-ready data, in the API's own list shape."""
    return {
        "object": "list",
        "data": [to_dict(entry) for entry in page.data],
        "first_id": page.first_id,
        "last_id": page.last_id,
        "has_more": page.has_more,
    }


def error_json(status: int, message: str) -> web.Response:
    """An error answer in OpenAI's shape."""
    return web.json_response({"error": {"message": message}}, status=status)


def list_params(request: web.Request) -> dict[str, Any]:
    """The paging parameters a caller passed; what was not given is left out."""
    params: dict[str, Any] = {}
    query = request.query
    if "limit" in query:
        try:
            params["limit"] = int(query["limit"])
        except ValueError:
            raise ValueError("limit must be an integer") from None
    for name in ("after", "before"):
        if name in query:
            params[name] = query[name]
    if "order" in query:
        order = query["order"]
        if order not in ("asc", "desc"):
            raise ValueError("order must be 'asc' or 'desc'")
        params["order"] = order
    return params


@web.middleware
async def api_errors(
    request: web.Request, handler: Handler
) -> web.StreamResponse:
    """Map SDK exceptions to HTTP answers for the front end."""
    try:
        return await handler(request)
    except NotFoundError as exc:
        return error_json(404, exc.message)
    except ValueError as exc:
        return error_json(400, str(exc))
    except APIStatusError as exc:
        return error_json(
            502,
            f"upstream error {exc.status_code} (request_id {exc.request_id})",
        )
    except APIConnectionError as exc:
        return error_json(504, exc.message)


async def list_threads(request: web.Request) -> web.Response:
    """``GET /threads``: one page of threads, optionally of one user."""
    client = request.app[CLIENT]
    params = list_params(request)
    order: Literal["asc", "desc"] = params.pop("order", "desc")
    user = request.query.get("user")
    if user is not None:
        params["user"] = user
    page = await client.threads.list(order=order, **params)
    return web.json_response(page_json(page))


async def get_thread(request: web.Request) -> web.Response:
    """``GET /threads/{thread_id}``: one thread."""
    client = request.app[CLIENT]
    thread = await client.threads.retrieve(request.match_info["thread_id"])
    return web.json_response(to_dict(thread))


async def list_items(request: web.Request) -> web.Response:
    """``GET /threads/{thread_id}/items``: one page of a thread's items."""
    client = request.app[CLIENT]
    params = list_params(request)
    order: Literal["asc", "desc"] = params.pop("order", "desc")
    page = await client.threads.list_items(
        request.match_info["thread_id"], order=order, **params
    )
    return web.json_response(page_json(page))


def create_app(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    max_retries: int = 2,
) -> web.Application:
    """Build the app; its ChatKit client is made at startup, closed at cleanup.

    Args:
        api_key: The API key (default: ``OPENAI_API_KEY``).
        base_url: The API root (default: ``OPENAI_BASE_URL`` or OpenAI's).
        max_retries: Retries of failed API calls.

    Returns:
        The aiohttp application.
    """

    async def chatkit_client(app: web.Application) -> AsyncIterator[None]:
        # Before ``yield``: startup. After it: cleanup.
        client = AsyncChatKit(
            api_key=api_key, base_url=base_url, max_retries=max_retries
        )
        app[CLIENT] = client
        try:
            yield
        finally:
            await client.close()

    app = web.Application(middlewares=[api_errors])
    app.cleanup_ctx.append(chatkit_client)
    app.add_routes(
        [
            web.get("/threads", list_threads),
            web.get("/threads/{thread_id}", get_thread),
            web.get("/threads/{thread_id}/items", list_items),
        ]
    )
    return app


def main() -> None:
    """Serve it (``--emulator``: against a seeded, built-in emulator)."""
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0] if __doc__ else None
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--emulator", action="store_true", help="use a local ChatKit emulator"
    )
    args = parser.parse_args()
    if args.emulator:
        from chatkit_async.testing import ChatKitEmulator

        with ChatKitEmulator() as emulator:
            print(f"ChatKit emulator at {emulator.base_url}")
            app = create_app(
                api_key=emulator.api_key, base_url=emulator.base_url
            )
            web.run_app(app, host=args.host, port=args.port)
    else:
        web.run_app(create_app(), host=args.host, port=args.port)


if __name__ == "__main__":
    main()
