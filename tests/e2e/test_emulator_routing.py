"""Routing of the emulator over real HTTP: raw paths, percent-encoded ids, 404/405 and check order.

The requests go out with their paths exactly as written here (``yarl.URL(..., encoded=True)``), so
the server sees ``..`` segments, invalid escapes and encoded letters that a client would normally
normalise away. The rule under test: a path is split on its raw ``/`` and each id segment is
decoded on its own, like :func:`urllib.parse.unquote`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from yarl import URL

from chatkit_async.testing import ChatKitEmulator, _routes

pytestmark = pytest.mark.anyio

HEADERS = {"Authorization": "Bearer sk-test-emulator", "OpenAI-Beta": "chatkit_beta=v1"}


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False) as emu:
        yield emu


async def _call(
    emu: ChatKitEmulator,
    method: str,
    raw_path: str,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], Any]:
    url = URL(f"http://127.0.0.1:{emu.port}{raw_path}", encoded=True)
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=HEADERS if headers is None else headers) as resp,
    ):
        body = await resp.read()
        assert resp.headers["x-request-id"].startswith("req_")
        return resp.status, dict(resp.headers), (await resp.json() if body else None)


@pytest.mark.parametrize(
    ("segment", "thread_id"),
    [
        ("cthr_%C3%A9", "cthr_é"),
        ("a%2Fb", "a/b"),
        ("a%2fb", "a/b"),
        ("%2e%2e", ".."),
        ("..", ".."),
        ("a%2F..%2Fb", "a/../b"),
        ("%25", "%"),
        ("%252F", "%2F"),
        ("%FF", "\ufffd"),  # an invalid UTF-8 escape decodes to U+FFFD, as unquote() does
        ("%zz", "%zz"),  # not an escape: kept as written
        ("{x}", "{x}"),
        ("a;b", "a;b"),
        ("a+b", "a+b"),
        ("x%20y", "x y"),
    ],
)
async def test_each_id_segment_is_decoded_on_its_own(
    emu: ChatKitEmulator, segment: str, thread_id: str
) -> None:
    emu.add_thread(id=thread_id)
    emu.add_item(thread_id, id="cthi_1")
    status, _, thread = await _call(emu, "GET", f"/v1/chatkit/threads/{segment}")
    assert (status, thread["id"]) == (200, thread_id)
    status, _, page = await _call(emu, "GET", f"/v1/chatkit/threads/{segment}/items")
    assert (status, page["first_id"]) == (200, "cthi_1")
    assert emu.requests[-1].raw_path == f"/v1/chatkit/threads/{segment}/items"


@pytest.mark.parametrize(
    ("method", "raw_path", "message_id"),
    [
        ("GET", "/v1/chatkit/threads/", ""),
        ("GET", "/v1/chatkit/threads//items", ""),
        ("POST", "/v1/chatkit/sessions//cancel", ""),
        ("POST", "/v1/chatkit/sessions/%2F/cancel", "/"),
    ],
)
async def test_an_empty_or_unknown_id_is_a_404_not_found(
    emu: ChatKitEmulator, method: str, raw_path: str, message_id: str
) -> None:
    status, _, body = await _call(emu, method, raw_path)
    assert status == 404 and body["error"]["code"] == "not_found"
    assert f"id '{message_id}'" in body["error"]["message"]


@pytest.mark.parametrize(
    ("method", "raw_path"),
    [
        ("GET", "/v1/chatkit/%74hreads"),  # an encoded letter is not the route's spelling
        ("POST", "/v1/chatkit/%74hreads"),  # ... so it is a 404 before any 405
        ("GET", "/v1/chatkit/threads/x/%69tems"),
        ("GET", "/v1/chatkit%2Fthreads"),
        ("GET", "/v1/chatkit/threads/../sessions"),  # ``..`` never climbs
        ("POST", "/v1/chatkit/threads/a/../../sessions"),
        ("GET", "/v1/chatkit/threads/./x"),
        ("POST", "/v1/chatkit/sessions/x%2Fcancel"),
        ("GET", "/v1/chatkit/Threads"),
        ("GET", "//v1/chatkit/threads"),
        ("GET", "/v1/chatkit/threads/x/items/"),
    ],
)
async def test_unknown_urls_answer_404_unknown_url(
    emu: ChatKitEmulator, method: str, raw_path: str
) -> None:
    emu.add_thread(id="x")
    status, _, body = await _call(emu, method, raw_path)
    assert status == 404 and body["error"]["code"] == "unknown_url"
    assert body["error"]["message"].startswith(f"Invalid URL ({method} /")


@pytest.mark.parametrize(
    ("method", "raw_path", "allow"),
    [
        ("HEAD", "/v1/chatkit/threads", "GET"),
        ("POST", "/v1/chatkit/threads", "GET"),
        ("PUT", "/v1/chatkit/threads/x", "GET, DELETE"),
        ("PATCH", "/v1/chatkit/threads/%2F", "GET, DELETE"),
        ("OPTIONS", "/v1/chatkit/threads/x/items", "GET"),
        ("GET", "/v1/chatkit/sessions", "POST"),
        ("DELETE", "/v1/chatkit/sessions/x/cancel", "POST"),
    ],
)
async def test_other_methods_answer_405_with_the_routes_allow_list(
    emu: ChatKitEmulator, method: str, raw_path: str, allow: str
) -> None:
    status, headers, body = await _call(emu, method, raw_path)
    assert (status, headers["Allow"]) == (405, allow)
    if method != "HEAD":
        assert body["error"]["code"] == "method_not_allowed"


async def test_checks_run_in_the_apis_order(emu: ChatKitEmulator) -> None:
    """Authentication, then the URL, then the method, then the beta header, then the operation."""
    no_beta = {"Authorization": HEADERS["Authorization"]}
    assert (await _call(emu, "PUT", "/v1/nope", headers={}))[0] == 401
    assert (await _call(emu, "PUT", "/v1/nope", headers=no_beta))[0] == 404
    assert (await _call(emu, "PUT", "/v1/chatkit/threads/x", headers=no_beta))[0] == 405
    _, _, body = await _call(emu, "GET", "/v1/chatkit/threads/x", headers=no_beta)
    assert body["error"]["code"] == "missing_beta_header"
    _, _, body = await _call(emu, "GET", "/v1/chatkit/threads/x")
    assert body["error"]["code"] == "not_found"


async def test_expect_headers_do_not_short_circuit_the_pipeline(emu: ChatKitEmulator) -> None:
    """An odd ``Expect`` is ignored, so the answer still comes in OpenAI's shape."""
    emu.add_thread(id="x")
    status, _, body = await _call(
        emu, "GET", "/v1/chatkit/threads/x", headers={**HEADERS, "Expect": "something-odd"}
    )
    assert (status, body["id"]) == (200, "x")


def test_an_aiohttp_whose_router_splits_ids_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before 3.10.6 aiohttp matched decoded paths (``a%2Fb`` as two segments): say so at start."""
    monkeypatch.setattr(_routes, "AIOHTTP_VERSION", (3, 10, 5))
    emulator = ChatKitEmulator(demo=False)
    with pytest.raises(RuntimeError, match=r"aiohttp 3\.10\.6 or later"):
        emulator.start()
    assert not emulator.is_running
    monkeypatch.setattr(_routes, "AIOHTTP_VERSION", (3, 10, 6))
    with emulator:
        assert emulator.is_running
