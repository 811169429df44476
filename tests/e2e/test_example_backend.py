"""examples/aiohttp_backend.py serves the emulator's data correctly under 50 concurrent requests."""

from __future__ import annotations

import asyncio
import importlib.util
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from chatkit_async.testing import ChatKitEmulator, FaultSpec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "aiohttp_backend.py"

pytestmark = pytest.mark.anyio


def load_example() -> ModuleType:
    """Import the example file as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("aiohttp_backend_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


backend = load_example()


@pytest.fixture
async def http(chatkit_emulator: ChatKitEmulator) -> AsyncIterator[TestClient[Any, Any]]:
    """A test client of the example app, served on loopback, talking to the emulator."""
    app = backend.create_app(
        api_key=chatkit_emulator.api_key, base_url=chatkit_emulator.base_url, max_retries=0
    )
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        yield client
    # Cleanup closed the shared client.
    assert app[backend.CLIENT].closed


async def test_fifty_concurrent_requests(
    http: TestClient[Any, Any], chatkit_emulator: ChatKitEmulator
) -> None:
    """50 requests at once over all three routes: every answer matches the emulator's data."""
    emu = chatkit_emulator
    threads = emu.threads()
    by_id = {t["id"]: t for t in threads}
    users = sorted({t["user"] for t in threads})
    app_client = http.app[backend.CLIENT]

    async def check(n: int) -> None:
        kind = n % 3
        thread = threads[n % len(threads)]
        if kind == 0:
            user = users[n % len(users)]
            response = await http.get("/threads", params={"user": user, "order": "asc"})
            assert response.status == 200
            body = await response.json()
            assert [t["id"] for t in body["data"]] == [t["id"] for t in threads if t["user"] == user]
            assert body["has_more"] is False
        elif kind == 1:
            response = await http.get(f"/threads/{thread['id']}")
            assert response.status == 200
            assert await response.json() == by_id[thread["id"]]
        else:
            response = await http.get(
                f"/threads/{thread['id']}/items", params={"limit": "10", "order": "asc"}
            )
            assert response.status == 200
            body = await response.json()
            expected = emu.items(thread["id"], order="asc")
            assert body["data"] == expected[:10]
            assert body["has_more"] == (len(expected) > 10)

    await asyncio.gather(*(check(n) for n in range(50)))
    # One client served everything, through one transport.
    assert http.app[backend.CLIENT] is app_client
    api_requests = [r for r in emu.requests if r.path.startswith("/v1/chatkit/")]
    assert len(api_requests) == 50
    assert all(r.status == 200 for r in api_requests)


async def test_paging_through_the_backend(
    http: TestClient[Any, Any], chatkit_emulator: ChatKitEmulator
) -> None:
    """A front end can walk all threads page by page with ``after``."""
    seen: list[str] = []
    params = {"limit": "5"}
    while True:
        response = await http.get("/threads", params=params)
        body = await response.json()
        seen += [t["id"] for t in body["data"]]
        if not body["has_more"]:
            break
        params = {"limit": "5", "after": body["last_id"]}
    assert seen == [t["id"] for t in reversed(chatkit_emulator.threads())]


async def test_errors_map_to_http_answers(
    http: TestClient[Any, Any], chatkit_emulator: ChatKitEmulator
) -> None:
    """Unknown ids are 404, bad parameters 400, API failures 502, in OpenAI's error shape."""
    response = await http.get("/threads/cthr_missing")
    assert response.status == 404
    assert "cthr_missing" in (await response.json())["error"]["message"]

    response = await http.get("/threads", params={"limit": "500"})
    assert response.status == 400
    response = await http.get("/threads", params={"order": "sideways"})
    assert response.status == 400
    response = await http.get("/threads/../items")
    assert response.status in (400, 404)

    chatkit_emulator.inject(FaultSpec(status=500))
    response = await http.get(f"/threads/{chatkit_emulator.threads()[0]['id']}")
    assert response.status == 502
    assert "500" in (await response.json())["error"]["message"]
