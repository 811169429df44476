"""Unit tests of the emulator's fault queue, rate limit and request log, without a socket.

``test_emulator.py`` serves faults over HTTP; these check the rules by themselves: which request
a queued fault matches, FIFO and ``times``, the seeded random mix, what a fault answers, and the
thread-safe holders the middlewares read.
"""

from __future__ import annotations

import json

import pytest

from chatkit_async.testing import FaultSpec, RecordedRequest
from chatkit_async.testing._faults import FaultQueue, fault_reply
from chatkit_async.testing._ratelimit import RateLimit
from chatkit_async.testing._requestlog import RequestLog

THREADS = "/v1/chatkit/threads"


def _mix(queue: FaultQueue, rate: float, seed: int) -> None:
    queue.set_random(rate, seed, ("429", "drop", "delay"), delay=0.5, retry_after_ms=3)


def test_a_fault_matches_by_method_and_decoded_path_prefix() -> None:
    spec = FaultSpec(status=500, method="delete", path="/v1/chatkit/threads/cthr_é")
    assert spec.matches("DELETE", "/v1/chatkit/threads/cthr_é")
    assert spec.matches("DELETE", "/v1/chatkit/threads/cthr_é/items")
    assert not spec.matches("GET", "/v1/chatkit/threads/cthr_é")
    assert not spec.matches("DELETE", "/v1/chatkit/threads/cthr_%C3%A9")
    assert FaultSpec().matches("PATCH", "/anything")


def test_queue_is_fifo_among_matching_faults_and_spends_times() -> None:
    """A fault that does not match waits; the first matching one is spent, ``times`` times."""
    queue = FaultQueue()
    assert queue.idle
    posts = FaultSpec(status=502, method="POST")
    twice = FaultSpec(status=500, times=2)
    queue.push(posts, twice)
    assert not queue.idle
    assert queue.take("GET", THREADS) is twice
    assert queue.take("POST", "/v1/chatkit/sessions") is posts  # first in line for a POST
    assert queue.take("POST", "/v1/chatkit/sessions") is twice
    assert queue.idle  # every fault spent
    assert queue.take("POST", "/v1/chatkit/sessions") is None
    assert queue.served == 3


def test_queued_faults_go_before_the_random_mix() -> None:
    queue = FaultQueue()
    _mix(queue, 1.0, seed=4)
    first = FaultSpec(status=418)
    queue.push(first)
    assert queue.take("GET", THREADS) is first
    drawn = queue.take("GET", THREADS)
    assert drawn is not None and drawn.kind in ("429", "drop", "delay")
    assert queue.served == 2


def test_random_mix_is_deterministic_per_seed_and_shaped_by_kinds() -> None:
    def draws(seed: int) -> list[str | None]:
        queue = FaultQueue()
        _mix(queue, 0.5, seed)
        return [None if (f := queue.take("GET", THREADS)) is None else f.kind for _ in range(60)]

    assert draws(1) == draws(1)
    assert draws(1) != draws(2)
    assert 10 < sum(kind is not None for kind in draws(1)) < 50
    queue = FaultQueue()
    queue.set_random(1.0, 0, ("503",), delay=0.0, retry_after_ms=9)
    fault = queue.take("GET", THREADS)
    assert fault is not None and fault.status == 503 and fault.headers == {"retry-after-ms": "9"}
    queue.set_random(0.0, 0, ("503",), delay=0.0, retry_after_ms=9)  # rate 0: off
    assert queue.take("GET", THREADS) is None


def test_random_mix_settings_are_checked_rate_first() -> None:
    queue = FaultQueue()
    with pytest.raises(ValueError, match="rate"):
        queue.set_random(2.0, 0, ("boom",), delay=0.0, retry_after_ms=1)
    with pytest.raises(ValueError, match="unknown fault kind"):
        queue.set_random(0.5, 0, ("boom",), delay=0.0, retry_after_ms=1)
    with pytest.raises(ValueError, match="empty"):
        queue.set_random(0.5, 0, (), delay=0.0, retry_after_ms=1)
    assert queue.take("GET", THREADS) is None  # a refused setting changed nothing


def test_clear_keeps_the_count_and_reset_zeroes_it() -> None:
    queue = FaultQueue()
    queue.push(FaultSpec(status=500), FaultSpec(status=501))
    assert queue.take("GET", THREADS) is not None
    queue.clear()
    assert queue.take("GET", THREADS) is None and queue.served == 1
    _mix(queue, 1.0, seed=0)
    assert not queue.idle  # a random mix is on
    queue.reset()
    assert queue.idle
    assert queue.take("GET", THREADS) is None and queue.served == 0


@pytest.mark.parametrize(
    ("status", "type_", "code"),
    [
        (400, "invalid_request_error", None),
        (401, "authentication_error", "invalid_api_key"),
        (404, "invalid_request_error", "not_found"),
        (418, "invalid_request_error", None),
        (429, "requests", "rate_limit_exceeded"),
        (503, "server_error", None),
    ],
)
def test_a_status_fault_answers_an_openai_error(status: int, type_: str, code: str | None) -> None:
    answered, body = fault_reply(FaultSpec(status=status))
    error = json.loads(body)["error"]
    assert answered == status
    assert (error["type"], error["code"], error["param"]) == (type_, code, None)
    assert f"HTTP {status}" in error["message"]


def test_fault_bodies_are_served_as_given() -> None:
    assert fault_reply(FaultSpec(body=b"<html>")) == (200, b"<html>")
    assert fault_reply(FaultSpec(status=202, body={"a": [1]})) == (202, b'{"a":[1]}')
    assert fault_reply(FaultSpec(status=302)) == (302, b"")
    assert FaultSpec(headers={"x": "1"}).kind == "headers"
    assert FaultSpec(delay=0.1, after=True).kind == "delay"


# ------------------------------------------------------------------------------ rate limit


def test_rate_limit_holder_counts_refusals_and_can_be_lifted() -> None:
    limit = RateLimit()
    assert limit.admit() is None  # no limit: nothing to say
    limit.set(1000, burst=1)
    admitted = limit.admit()
    assert admitted is not None and not admitted.refused
    assert admitted.headers["x-ratelimit-limit-requests"] == "1"
    refused = limit.admit()
    assert refused is not None and refused.refused and refused.rate == 1000
    assert 1 <= int(refused.headers["retry-after-ms"]) <= 2
    assert limit.refused == 1
    limit.set(None)
    assert limit.admit() is None and limit.refused == 1
    with pytest.raises(ValueError, match="rate"):
        limit.set(0)


# ------------------------------------------------------------------------------ request log


def test_request_log_snapshots_are_copies() -> None:
    log = RequestLog(enabled=False)
    assert not log.enabled
    entry = RecordedRequest("GET", THREADS, {}, {"a": "1"}, b"", 200)
    log.append(entry)
    snapshot = log.snapshot()
    snapshot.clear()
    assert log.snapshot() == [entry]
    log.clear()
    assert log.snapshot() == []
