"""Lifecycle and secrets: dropped clients, a second event loop, logs and redirects."""

from __future__ import annotations

import asyncio
import gc
import logging
import warnings
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from chatkit_async import AsyncChatKit
from chatkit_async.testing import ChatKitEmulator

pytestmark = pytest.mark.anyio

KEY = "sk-test-emulator"


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(seed=1, demo_threads=3) as emulator:
        yield emulator


async def test_a_dropped_client_warns_once_and_leaks_nothing(emu: ChatKitEmulator) -> None:
    """An unclosed, garbage-collected client gives our ResourceWarning only; its session is closed."""
    client = AsyncChatKit(api_key=KEY, base_url=emu.base_url)
    await client.threads.list()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
        await asyncio.sleep(0.05)  # the close runs on the loop
        gc.collect()
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "without being closed" in messages[0]
    assert caught[0].category is ResourceWarning


async def test_a_client_never_used_needs_no_close() -> None:
    """A client that sent nothing owns no session, so dropping it is silent."""
    client = AsyncChatKit(api_key="sk-x", base_url="http://127.0.0.1:9/v1")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del client
        gc.collect()
    assert caught == []


def test_a_second_event_loop_gets_a_clear_error() -> None:
    """Using a client from another loop raises a RuntimeError that says what to do."""
    with ChatKitEmulator(demo_threads=2) as emu:
        client = AsyncChatKit(api_key=KEY, base_url=emu.base_url)

        async def use() -> int:
            return len((await client.threads.list()).data)

        loop = asyncio.new_event_loop()
        try:
            assert loop.run_until_complete(use()) == 2
            with pytest.raises(RuntimeError, match="another one"):
                asyncio.run(use())
            loop.run_until_complete(client.close())
        finally:
            loop.close()


async def test_debug_logs_never_show_the_key_or_a_client_secret(
    emu: ChatKitEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """At DEBUG, requests are logged with Authorization redacted and no session secret."""
    caplog.set_level(logging.DEBUG, logger="chatkit_async")
    async with AsyncChatKit(api_key=KEY, base_url=emu.base_url) as client:
        session = await client.sessions.create(user="u", workflow={"id": "wf"})
        await client.threads.list()
    text = caplog.text
    assert "/chatkit/threads" in text and "<redacted>" in text
    assert KEY not in text
    assert session.client_secret not in text
    assert KEY not in repr(client) and KEY not in str(client)


async def test_a_cross_origin_redirect_does_not_carry_the_key() -> None:
    """Authorization is dropped when a redirect leads to another origin."""
    seen: list[str | None] = []

    async def target(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        return web.json_response({"id": "cthr_1", "object": "chatkit.thread.deleted", "deleted": True})

    target_app = web.Application()
    target_app.router.add_route("*", "/{tail:.*}", target)
    target_runner = web.AppRunner(target_app)
    await target_runner.setup()
    target_site = web.TCPSite(target_runner, "127.0.0.1", 0)
    await target_site.start()
    target_port = target_runner.addresses[0][1]

    async def redirect(request: web.Request) -> web.Response:
        seen.append(request.headers.get("Authorization"))
        raise web.HTTPTemporaryRedirect(f"http://localhost:{target_port}/elsewhere")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", redirect)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with AsyncChatKit(api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1") as client:
            deleted = await client.threads.delete("cthr_1")
        assert deleted.deleted
        assert seen == [f"Bearer {KEY}", None]
    finally:
        await runner.cleanup()
        await target_runner.cleanup()
