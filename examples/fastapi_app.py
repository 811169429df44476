"""A FastAPI backend for a ChatKit front end, through one shared AsyncChatKit.

One client for the application's lifespan, not one per request: it owns the
connection pool, so requests reuse warm connections to the API. The lifespan
creates it when the server starts and closes it when the server stops.

Routes (all JSON):

* ``POST /api/chatkit/session``: mint a ChatKit session for the signed-in user
  and return its ``client_secret``, which the ChatKit front end needs
  (``getClientSecret`` in ChatKit JS). The secret is a credential: it goes to
  that user's browser and nowhere else (not into logs).
* ``GET /api/threads``: the signed-in user's threads, one page (``limit``,
  ``after``).
* ``GET /api/threads/{thread_id}``: one thread, as the API sent it.
* ``GET /api/threads/{thread_id}/items``: one page of a thread's items.

API errors map to HTTP answers: an unknown id is 404, the API's rate limit a 429
with ``Retry-After``, other API errors 502, an unreachable API 504. Models go
out as JSON through their ``to_dict()``, exactly the wire form (unknown fields
and item types included).

Run it against the built-in emulator (no API key needed)::

    CHATKIT_EMULATOR=1 uvicorn examples.fastapi_app:app
    curl -X POST http://127.0.0.1:8000/api/chatkit/session -H 'X-User: user_1'

or against the real API with ``OPENAI_API_KEY`` and ``CHATKIT_WORKFLOW_ID`` set.
"""

from __future__ import annotations

import math
import os
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse

from chatkit_async import (
    APIConnectionError,
    APIStatusError,
    AsyncChatKit,
    NotFoundError,
    RateLimitError,
)


def chatkit(request: Request) -> AsyncChatKit:
    """The application's one client (a FastAPI dependency)."""
    client: AsyncChatKit = request.app.state.chatkit
    return client


Client = Annotated[AsyncChatKit, Depends(chatkit)]
# Stand-in for your authentication: the signed-in user's id. Never trust a
# user id the browser sends in production; take it from your session or token.
User = Annotated[str, Header(alias="X-User", min_length=1, max_length=512)]


def create_app(**client_options: Any) -> FastAPI:
    """Build the app; ``client_options`` go to ``AsyncChatKit`` (key, URL...).

    With ``CHATKIT_EMULATOR=1`` in the environment and no options, the app
    serves an embedded, seeded emulator instead of the real API.
    """
    workflow_id = os.environ.get("CHATKIT_WORKFLOW_ID", "wf_demo")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            options = dict(client_options)
            if not options and os.environ.get("CHATKIT_EMULATOR") == "1":
                from chatkit_async.testing import ChatKitEmulator

                emulator = await stack.enter_async_context(ChatKitEmulator())
                options = {
                    "api_key": emulator.api_key,
                    "base_url": emulator.base_url,
                }
            client = await stack.enter_async_context(AsyncChatKit(**options))
            app.state.chatkit = client
            yield

    app = FastAPI(title="ChatKit backend", lifespan=lifespan)

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> JSONResponse:
        return JSONResponse(
            {"error": {"message": exc.message}}, status_code=404
        )

    @app.exception_handler(RateLimitError)
    async def rate_limited(
        request: Request, exc: RateLimitError
    ) -> JSONResponse:
        headers = {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        return JSONResponse(
            {
                "error": {
                    "message": "The ChatKit API is rate limited; "
                    "try again shortly."
                }
            },
            status_code=429,
            headers=headers,
        )

    @app.exception_handler(APIStatusError)
    async def api_error(request: Request, exc: APIStatusError) -> JSONResponse:
        message = (
            f"The ChatKit API answered {exc.status_code} "
            f"(request id {exc.request_id})."
        )
        return JSONResponse({"error": {"message": message}}, status_code=502)

    @app.exception_handler(APIConnectionError)
    async def unreachable(
        request: Request, exc: APIConnectionError
    ) -> JSONResponse:
        return JSONResponse(
            {"error": {"message": "The ChatKit API is unreachable."}},
            status_code=504,
        )

    @app.exception_handler(ValueError)
    async def bad_argument(request: Request, exc: ValueError) -> JSONResponse:
        # The SDK refuses ids no thread can have ("..", "a%2Fb") before sending.
        return JSONResponse({"error": {"message": str(exc)}}, status_code=400)

    @app.post("/api/chatkit/session")
    async def mint_session(client: Client, user: User) -> dict[str, Any]:
        session = await client.sessions.create(
            user=user, workflow={"id": workflow_id}
        )
        return {
            "client_secret": session.client_secret,
            "expires_at": session.expires_at,
        }

    @app.get("/api/threads")
    async def list_threads(
        client: Client,
        user: User,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        after: str | None = None,
    ) -> dict[str, Any]:
        if after is None:
            page = await client.threads.list(user=user, limit=limit)
        else:
            page = await client.threads.list(
                user=user, limit=limit, after=after
            )
        return page.to_dict()

    @app.get("/api/threads/{thread_id}")
    async def get_thread(client: Client, thread_id: str) -> dict[str, Any]:
        thread = await client.threads.retrieve(thread_id)
        return thread.to_dict()

    @app.get("/api/threads/{thread_id}/items")
    async def list_items(
        client: Client,
        thread_id: str,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
        after: str | None = None,
    ) -> dict[str, Any]:
        if after is None:
            page = await client.threads.list_items(
                thread_id, limit=limit, order="asc"
            )
        else:
            page = await client.threads.list_items(
                thread_id, limit=limit, order="asc", after=after
            )
        return page.to_dict()

    return app


app = create_app()
"""The application, for ``uvicorn examples.fastapi_app:app``."""
