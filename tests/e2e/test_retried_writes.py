"""Retried writes: ``sessions.create`` is sent again only when the server certainly did not act.

Every case runs against the emulator with a fault served *after* the operation ran
(``FaultSpec(after=True)``): the server created the session, and the client cannot tell. A client
that retried would leave two live sessions, the second one's secret never seen by the caller.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator

import pytest

from chatkit_async import (
    APIConnectionError,
    APITimeoutError,
    AsyncChatKit,
    InternalServerError,
)
from chatkit_async.testing import ChatKitEmulator, FaultSpec

pytestmark = pytest.mark.anyio

KEY = "sk-test-emulator"
WORKFLOW = {"id": "wf_1"}


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False) as emulator:
        yield emulator


def client_for(emu: ChatKitEmulator, **kwargs: object) -> AsyncChatKit:
    options: dict[str, object] = {"max_retries": 2, **kwargs}
    return AsyncChatKit(api_key=KEY, base_url=emu.base_url, **options)  # type: ignore[arg-type]


def creates(emu: ChatKitEmulator) -> int:
    return sum(1 for r in emu.requests if r.method == "POST" and r.path == "/v1/chatkit/sessions")


async def test_a_timeout_after_the_server_acted_is_not_retried(emu: ChatKitEmulator) -> None:
    """A reply slower than the timeout: one request, one session, and the timeout raised."""
    emu.inject(FaultSpec(delay=0.8, after=True, method="POST"))
    async with client_for(emu, timeout=0.2) as client:
        with pytest.raises(APITimeoutError):
            await client.sessions.create(user="u", workflow=WORKFLOW)
    assert len(emu.sessions()) == 1
    for _ in range(40):  # the emulator logs the slow request once its reply is due
        if creates(emu):
            break
        await asyncio.sleep(0.05)
    assert creates(emu) == 1


async def test_a_500_after_the_server_acted_is_not_retried(emu: ChatKitEmulator) -> None:
    """A 5xx may follow a created session: raised at once, one session on the server."""
    emu.inject(FaultSpec(status=500, after=True, method="POST", times=3))
    async with client_for(emu) as client:
        with pytest.raises(InternalServerError):
            await client.sessions.create(user="u", workflow=WORKFLOW)
    assert len(emu.sessions()) == 1
    assert creates(emu) == 1


async def test_a_connection_dropped_after_sending_is_not_retried(emu: ChatKitEmulator) -> None:
    """A connection cut after the request went out: APIConnectionError, one session."""
    emu.inject(FaultSpec(drop=True, after=True, method="POST", times=3))
    async with client_for(emu) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.sessions.create(user="u", workflow=WORKFLOW)
    assert caught.value.request_sent is True
    assert len(emu.sessions()) == 1
    assert creates(emu) == 1


async def test_a_429_is_retried_and_succeeds(emu: ChatKitEmulator) -> None:
    """A 429 means the request was refused, not processed: retried, and exactly one session."""
    emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "10"}, method="POST"))
    async with client_for(emu) as client:
        session = await client.sessions.create(user="u", workflow=WORKFLOW)
    assert [s["id"] for s in emu.sessions()] == [session.id]
    assert creates(emu) == 2


async def test_x_should_retry_true_is_honoured_for_a_write(emu: ChatKitEmulator) -> None:
    """The server may vouch that a failed create did nothing: then it is retried."""
    emu.inject(FaultSpec(status=503, headers={"x-should-retry": "true", "retry-after-ms": "1"}))
    async with client_for(emu) as client:
        await client.sessions.create(user="u", workflow=WORKFLOW)
    assert len(emu.sessions()) == 1
    assert creates(emu) == 2


async def test_a_refused_connection_is_retried_for_a_write(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No connection at all means nothing was sent: the create is retried like any request."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    caplog.set_level(logging.INFO, logger="chatkit_async")
    async with AsyncChatKit(
        api_key=KEY, base_url=f"http://127.0.0.1:{port}/v1", max_retries=2
    ) as client:
        with pytest.raises(APIConnectionError) as caught:
            await client.sessions.create(user="u", workflow=WORKFLOW)
    assert caught.value.request_sent is False
    assert caplog.text.count("retrying in") == 2


async def test_reads_and_cancel_keep_their_retries(emu: ChatKitEmulator) -> None:
    """GET, DELETE and sessions.cancel are still retried after a 500 or a dropped connection."""
    async with client_for(emu) as client:
        session = await client.sessions.create(user="u", workflow=WORKFLOW)
        emu.add_thread(id="cthr_1")
        emu.inject(FaultSpec(status=500, headers={"retry-after-ms": "1"}, after=True, method="POST"))
        cancelled = await client.sessions.cancel(session.id)
        assert cancelled.status == "cancelled"
        emu.inject(FaultSpec(status=502, headers={"retry-after-ms": "1"}, method="GET"))
        assert (await client.threads.retrieve("cthr_1")).id == "cthr_1"
        emu.inject(FaultSpec(status=500, headers={"retry-after-ms": "1"}, method="DELETE"))
        assert (await client.threads.delete("cthr_1")).deleted
    statuses = [(r.method, r.status) for r in emu.requests]
    assert statuses[1:] == [
        ("POST", 500),
        ("POST", 200),
        ("GET", 502),
        ("GET", 200),
        ("DELETE", 500),
        ("DELETE", 200),
    ]
