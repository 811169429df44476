"""The emulator's rate limit: the token bucket's arithmetic, and 429s served over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from chatkit_async.testing import ChatKitEmulator
from chatkit_async.testing._ratelimit import TokenBucket, format_duration

HEADERS = {"Authorization": "Bearer sk-test-emulator", "OpenAI-Beta": "chatkit_beta=v1"}


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_bucket_admits_a_burst_then_one_request_per_interval() -> None:
    """A full bucket admits ``burst`` requests at once, then one per 1/rate seconds."""
    clock = FakeClock()
    bucket = TokenBucket(10, burst=3, clock=clock)
    assert [bucket.take() for _ in range(3)] == [None, None, None]
    wait = bucket.take()
    assert wait == pytest.approx(0.1)
    clock.now += 0.05
    assert bucket.take() == pytest.approx(0.05)  # a refusal costs no token
    clock.now += 0.05
    assert bucket.take() is None
    assert bucket.headers() == {
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": "300ms",
    }
    clock.now += 10  # never more than the bucket's size
    assert bucket.headers()["x-ratelimit-remaining-requests"] == "3"


def test_bucket_defaults_and_bad_settings() -> None:
    """The default burst is one second's worth (at least 1); nonsense settings are refused."""
    assert TokenBucket(50).burst == 50
    assert TokenBucket(0.5).burst == 1
    for rate in (0, -1, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="rate"):
            TokenBucket(rate)
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(5, burst=0)


def test_durations_read_like_openais() -> None:
    assert [format_duration(s) for s in (0, 0.0201, 1.5, 59.9994, 360)] == [
        "0ms",
        "21ms",
        "1.5s",
        "59.999s",
        "6m0s",
    ]


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
