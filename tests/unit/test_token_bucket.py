"""The emulator's token bucket: its arithmetic under a fake clock, and OpenAI's duration format."""

from __future__ import annotations

import pytest

from chatkit_async.testing._ratelimit import TokenBucket, format_duration


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
