"""The emulator's rate limit over real HTTP: 429s in OpenAI's shape, and waiting as told is enough."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from chatkit_async.testing import ChatKitEmulator

HEADERS = {"Authorization": "Bearer sk-test-emulator", "OpenAI-Beta": "chatkit_beta=v1"}


@pytest.fixture
async def limited() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(rate_limit=20, rate_limit_burst=2) as emu:
        yield emu


@pytest.mark.anyio
async def test_emulator_answers_429_beyond_the_limit_and_admits_after_the_wait(
    limited: ChatKitEmulator,
) -> None:
    """Past the burst: a 429 in OpenAI's shape with retry-after-ms; waiting that long is enough."""
    url = limited.base_url + "/chatkit/threads"
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        statuses = []
        for _ in range(3):
            async with session.get(url) as resp:
                statuses.append(resp.status)
                last = resp.headers.copy(), await resp.json()
        assert statuses == [200, 200, 429]
        headers, body = last
        assert body["error"]["code"] == "rate_limit_exceeded"
        assert body["error"]["type"] == "requests"
        wait_ms = int(headers["retry-after-ms"])
        assert 1 <= wait_ms <= 50
        assert headers["x-ratelimit-limit-requests"] == "2"
        assert headers["x-ratelimit-remaining-requests"] == "0"
        assert headers["x-request-id"].startswith("req_")
        await asyncio.sleep(wait_ms / 1000)
        async with session.get(url) as resp:
            assert resp.status == 200
            assert resp.headers["x-ratelimit-limit-requests"] == "2"
    assert limited.rate_limited == 1
    assert [r.fault for r in limited.requests] == [None, None, "rate_limit", None]


@pytest.mark.anyio
async def test_rate_limit_can_be_changed_and_removed(limited: ChatKitEmulator) -> None:
    """set_rate_limit(None) lifts the limit: no 429s and no rate-limit headers."""
    limited.set_rate_limit(None)
    url = limited.base_url + "/chatkit/threads"
    async with aiohttp.ClientSession(headers=HEADERS) as session:
        for _ in range(5):
            async with session.get(url) as resp:
                assert resp.status == 200
                assert "x-ratelimit-limit-requests" not in resp.headers
        limited.set_rate_limit(1000, burst=1)
        async with session.get(url) as resp:
            assert resp.status == 200
            assert resp.headers["x-ratelimit-limit-requests"] == "1"
    assert limited.rate_limited == 0
