"""The bulk jobs' adaptive limiter, driven by a fake clock: no sockets, no sleeping, no event loop."""

from __future__ import annotations

import pytest

from chatkit_async.bulk import AdaptiveLimiter
from chatkit_async.bulk._limiter import parse_duration, parse_rate_limit_headers


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def start_all(limiter: AdaptiveLimiter, now: float) -> list[int]:
    """Start requests until the window is full; their tickets."""
    tickets = []
    while limiter.has_slot():
        assert limiter.delay(now) == 0
        tickets.append(limiter.start(now))
    return tickets


def test_durations_as_openai_writes_them() -> None:
    """``x-ratelimit-reset-requests`` values: ms, s, minutes and seconds, a bare number; else None."""
    assert parse_duration("20ms") == pytest.approx(0.02)
    assert parse_duration("1.5s") == pytest.approx(1.5)
    assert parse_duration("6m0s") == pytest.approx(360)
    assert parse_duration("1h2m3.5s") == pytest.approx(3723.5)
    assert parse_duration("0.25") == pytest.approx(0.25)
    for bad in ("", "soon", "5 s", "-1s", "1x", "ms", "inf", "nan", "1s garbage"):
        assert parse_duration(bad) is None, bad


def test_rate_limit_headers_give_the_refill_rate_only_when_precise_enough() -> None:
    """The refill rate is (limit - remaining) / reset, trusted from ten missing requests on."""
    headers = {
        "X-RateLimit-Limit-Requests": "200",
        "x-ratelimit-remaining-requests": "150",
        "x-ratelimit-reset-requests": "250ms",
    }
    parsed = parse_rate_limit_headers(headers)
    assert parsed is not None and parsed.refill_rate == pytest.approx(200.0)
    nearly_full = {**headers, "x-ratelimit-remaining-requests": "195"}
    assert parse_rate_limit_headers(nearly_full) is not None
    assert parse_rate_limit_headers(nearly_full).refill_rate is None  # type: ignore[union-attr]
    tiny = {"x-ratelimit-limit-requests": "2", "x-ratelimit-remaining-requests": "1",
            "x-ratelimit-reset-requests": "500ms"}
    assert parse_rate_limit_headers(tiny).refill_rate == pytest.approx(2.0)  # type: ignore[union-attr]
    for broken in (
        {},
        {**headers, "x-ratelimit-remaining-requests": "201"},
        {**headers, "x-ratelimit-reset-requests": "later"},
        {**headers, "x-ratelimit-limit-requests": "-5"},
    ):
        assert parse_rate_limit_headers(broken) is None


def test_bad_ceiling_is_a_value_error() -> None:
    for bad in (0, -3, 1.5, True, "8"):
        with pytest.raises(ValueError, match="concurrency"):
            AdaptiveLimiter(bad)  # type: ignore[arg-type]


def test_window_starts_at_the_ceiling_and_a_full_window_blocks() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    assert len(start_all(limiter, clock.now)) == 4
    assert not limiter.has_slot()
    with pytest.raises(RuntimeError):
        limiter.start(clock.now)
    limiter.on_success(0, clock.now)
    assert limiter.has_slot() and limiter.in_flight == 3


def test_a_429_halves_the_window_once_per_event_and_pauses_the_whole_job() -> None:
    """Refusals of requests sent before the decrease do not shrink it again; the pause is global."""
    clock = FakeClock()
    limiter = AdaptiveLimiter(8, clock=clock)
    tickets = start_all(limiter, clock.now)
    clock.now += 0.01
    wait = limiter.on_rate_limited(tickets[0], clock.now, retry_after=0.5)
    assert wait == 0.5
    assert limiter.limit == 4 and limiter.decreases == 1
    for ticket in tickets[1:5]:  # the same burst, refused too: old news
        limiter.on_rate_limited(ticket, clock.now, retry_after=0.5)
    assert limiter.limit == 4 and limiter.decreases == 1
    for ticket in tickets[5:]:
        limiter.on_success(ticket, clock.now)
    assert limiter.in_flight == 0 and limiter.has_slot()
    assert limiter.delay(clock.now) == pytest.approx(0.5)  # nobody may start during the pause
    clock.now += 0.5
    assert limiter.delay(clock.now) == 0
    fresh = limiter.start(clock.now)
    limiter.on_rate_limited(fresh, clock.now, retry_after=0.2)  # sent after the decrease: new event
    assert limiter.limit == 2 and limiter.decreases == 2
    assert limiter.trace == (8, 4, 2)


def test_the_window_never_drops_below_one_and_grows_back_to_the_ceiling() -> None:
    """Each run of ``limit`` successes adds one, up to the ceiling and no further."""
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    for _ in range(5):
        ticket = limiter.start(clock.now)
        limiter.on_rate_limited(ticket, clock.now, retry_after=0.0)
    assert limiter.limit == 1
    successes = 0
    while limiter.limit < 4:
        clock.now += 0.001
        ticket = limiter.start(clock.now)
        limiter.on_success(ticket, clock.now)
        successes += 1
    assert successes == 1 + 2 + 3  # one window of each size in turn
    for _ in range(50):
        limiter.on_success(limiter.start(clock.now), clock.now)
    assert limiter.limit == 4
    assert limiter.trace == (4, 2, 1, 2, 3, 4)
    assert limiter.increases == 3


def test_a_429_without_retry_after_pauses_one_second_then_doubles() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(2, clock=clock)
    waits = []
    for _ in range(4):
        ticket = limiter.start(clock.now)
        waits.append(limiter.on_rate_limited(ticket, clock.now))
        clock.now = limiter.paused_until
    assert waits == [1.0, 2.0, 4.0, 8.0]
    limiter.on_success(limiter.start(clock.now), clock.now)
    assert limiter.on_rate_limited(limiter.start(clock.now), clock.now) == 1.0  # reset by success


def test_pace_comes_from_the_servers_headers() -> None:
    """Once the headers give the refill rate, requests are spaced to it (with a small burst)."""
    clock = FakeClock()
    limiter = AdaptiveLimiter(8, clock=clock)
    assert limiter.rate is None
    ticket = limiter.start(clock.now)
    limiter.on_success(
        ticket,
        clock.now,
        {
            "x-ratelimit-limit-requests": "50",
            "x-ratelimit-remaining-requests": "30",
            "x-ratelimit-reset-requests": "400ms",
        },
    )
    assert limiter.rate == pytest.approx(50.0)
    starts = 0
    end = clock.now + 2.0
    while clock.now < end:
        delay = limiter.delay(clock.now)
        if delay:
            clock.now += delay
            continue
        limiter.on_success(limiter.start(clock.now), clock.now)
        starts += 1
    # The 29 the server still had (30 remaining, less one for safety), then 50 per second.
    assert 29 + 100 - 1 <= starts <= 29 + 100 + 2


def test_without_headers_a_429_sets_the_pace_below_what_was_admitted() -> None:
    """A 429 paces the job at 90% of the successes of the last second; success grows it back."""
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    for _ in range(200):  # two seconds at 100 requests/s
        clock.now += 0.01
        limiter.on_success(limiter.start(clock.now), clock.now)
    assert limiter.rate is None
    limiter.on_rate_limited(limiter.start(clock.now), clock.now, retry_after=0.0)
    assert limiter.rate == pytest.approx(90.0, rel=0.02)
    slowed = limiter.rate
    assert slowed is not None
    for _ in range(500):
        clock.now += limiter.delay(clock.now)
        limiter.on_success(limiter.start(clock.now), clock.now)
    assert limiter.rate is not None and limiter.rate > slowed * 1.1


def test_the_server_rate_caps_the_learned_one() -> None:
    clock = FakeClock()
    limiter = AdaptiveLimiter(4, clock=clock)
    headers = {
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": "80",
        "x-ratelimit-reset-requests": "1s",
    }
    for _ in range(100):
        clock.now += 0.05
        limiter.on_success(limiter.start(clock.now), clock.now, headers)
    assert limiter.rate == pytest.approx(20.0)
    limiter.on_rate_limited(limiter.start(clock.now), clock.now, 0.0, headers)
    assert limiter.rate is not None and limiter.rate < 20.0  # someone else shares the quota
    for _ in range(2000):
        clock.now += limiter.delay(clock.now)
        limiter.on_success(limiter.start(clock.now), clock.now, headers)
    assert limiter.rate == pytest.approx(20.0)  # back to the server's own rate, never above


def test_fixed_mode_never_adapts() -> None:
    """``adaptive=False``: a plain window of ``ceiling``, no pause, no pace (the benchmark baseline)."""
    clock = FakeClock()
    limiter = AdaptiveLimiter(3, adaptive=False, clock=clock)
    tickets = start_all(limiter, clock.now)
    for ticket in tickets:
        assert limiter.on_rate_limited(ticket, clock.now, retry_after=2.0) == 2.0
    assert limiter.limit == 3 and limiter.delay(clock.now) == 0 and limiter.rate is None
    limiter.on_success(
        limiter.start(clock.now),
        clock.now,
        {
            "x-ratelimit-limit-requests": "50",
            "x-ratelimit-remaining-requests": "10",
            "x-ratelimit-reset-requests": "800ms",
        },
    )
    assert limiter.rate is None and limiter.trace == (3,)


def test_finishing_a_request_never_started_is_a_bug() -> None:
    limiter = AdaptiveLimiter(2, clock=FakeClock())
    with pytest.raises(RuntimeError):
        limiter.on_failure(0, 0.0)


def test_the_servers_remaining_requests_are_spent_before_pacing() -> None:
    """With 60 requests left in the server's bucket, they go at once (less those in flight and
    one for safety); then the pace is the refill rate."""
    clock = FakeClock()
    limiter = AdaptiveLimiter(100, clock=clock)
    tickets = [limiter.start(clock.now) for _ in range(5)]
    limiter.on_success(
        tickets[0],
        clock.now,
        {
            "x-ratelimit-limit-requests": "100",
            "x-ratelimit-remaining-requests": "60",
            "x-ratelimit-reset-requests": "4s",  # 40 missing, refilled at 10 per second
        },
    )
    assert limiter.rate == pytest.approx(10.0)
    at_once = 0
    while limiter.delay(clock.now) == 0:
        limiter.start(clock.now)
        at_once += 1
    assert at_once == 60 - 4 - 1  # four others were still in flight
    assert limiter.delay(clock.now) == pytest.approx(0.1)
