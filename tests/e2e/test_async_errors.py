"""Errors, retries, timeouts and cancellation of AsyncChatKit, against the emulator's faults."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from chatkit_async import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AsyncChatKit,
    AuthenticationError,
    BadRequestError,
    ChatKitError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from chatkit_async.testing import ChatKitEmulator, FaultSpec

pytestmark = pytest.mark.anyio

THREADS = "/v1/chatkit/threads"


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(seed=3, demo_threads=3) as emulator:
        yield emulator


def make_client(emu: ChatKitEmulator, **kwargs: object) -> AsyncChatKit:
    assert emu.api_key is not None
    return AsyncChatKit(api_key=emu.api_key, base_url=emu.base_url, **kwargs)  # type: ignore[arg-type]


# --- the error tree ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
async def test_each_status_raises_its_class_with_request_id(
    emu: ChatKitEmulator, status: int, cls: type[APIStatusError]
) -> None:
    """Each error status maps to its class, carrying status, request id, code and message."""
    emu.inject(FaultSpec(status=status))
    async with make_client(emu, max_retries=0) as client:
        with pytest.raises(cls) as info:
            await client.threads.list()
    err = info.value
    assert type(err) is cls
    assert err.status_code == status
    assert err.request_id == emu.requests[-1].request_id
    assert str(err).startswith(f"Error code: {status}")
    assert err.request_id is not None and err.request_id in str(err)
    assert isinstance(err, ChatKitError)


async def test_real_404_from_the_server(emu: ChatKitEmulator) -> None:
    """A missing thread is NotFoundError with the server's message and error body."""
    async with make_client(emu) as client:
        with pytest.raises(NotFoundError) as info:
            await client.threads.retrieve("cthr_nope")
    assert "cthr_nope" in info.value.message
    assert isinstance(info.value.body, dict) and "error" in info.value.body
    assert len(emu.requests) == 1  # 404 is never retried


async def test_wrong_key_is_authentication_error_and_the_key_is_not_in_it(emu: ChatKitEmulator) -> None:
    """A rejected key raises AuthenticationError whose text never contains the key."""
    async with AsyncChatKit(api_key="sk-wrong-secret-123", base_url=emu.base_url) as client:
        with pytest.raises(AuthenticationError) as info:
            await client.threads.list()
    assert "sk-wrong-secret-123" not in str(info.value)
    assert "sk-wrong-secret-123" not in repr(info.value)
    assert len(emu.requests) == 1


async def test_server_side_parameter_error_is_bad_request(emu: ChatKitEmulator) -> None:
    """Parameters the server rejects (here smuggled past validation) raise BadRequestError."""
    async with make_client(emu) as client:
        with pytest.raises(BadRequestError) as info:
            await client.threads.list(extra_query={"limit": "500"})
    assert info.value.param == "limit"


@pytest.mark.parametrize(
    "body",
    [b"<html><body>502 Bad Gateway</body></html>", b"{trunc", b"", b"[1, 2]", b'{"id": 5}'],
)
async def test_a_2xx_body_that_does_not_fit_is_a_validation_error(
    emu: ChatKitEmulator, body: bytes
) -> None:
    """HTML, truncated JSON, an empty body or the wrong shape raise APIResponseValidationError."""
    emu.inject(FaultSpec(status=200, body=body))
    async with make_client(emu) as client:
        with pytest.raises(APIResponseValidationError) as info:
            await client.threads.retrieve(emu.threads()[0]["id"])
    err = info.value
    assert err.status_code == 200
    assert err.request_id == emu.requests[-1].request_id
    assert "status: 200" in str(err) and str(err.request_id) in str(err)


async def test_html_error_page_from_a_proxy(emu: ChatKitEmulator) -> None:
    """A 502 HTML page becomes InternalServerError with a short, readable message."""
    emu.inject(FaultSpec(status=502, body=b"<html><h1>502 Bad Gateway</h1></html>"))
    async with make_client(emu, max_retries=0) as client:
        with pytest.raises(InternalServerError) as info:
            await client.threads.list()
    assert "Bad Gateway" in str(info.value) and "<h1>" not in str(info.value)


# --- retries ---------------------------------------------------------------------------------


async def test_429_with_retry_after_ms_is_retried_after_the_server_delay(emu: ChatKitEmulator) -> None:
    """429 + retry-after-ms waits that long, retries, and succeeds; retries_taken says so."""
    emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "150"}))
    async with make_client(emu) as client:
        start = time.monotonic()
        raw = await client.threads.with_raw_response.list()
        elapsed = time.monotonic() - start
    assert raw.status_code == 200 and raw.retries_taken == 1
    assert [r.status for r in emu.requests] == [429, 200]
    assert elapsed >= 0.15


async def test_503_is_retried_until_the_budget_is_spent(emu: ChatKitEmulator) -> None:
    """503 on every attempt raises InternalServerError after 1 + max_retries attempts."""
    emu.inject(FaultSpec(status=503, headers={"retry-after-ms": "1"}, times=10))
    async with make_client(emu, max_retries=3) as client:
        with pytest.raises(InternalServerError):
            await client.threads.list()
    assert [r.status for r in emu.requests] == [503] * 4


async def test_x_should_retry_false_is_honoured(emu: ChatKitEmulator) -> None:
    """x-should-retry: false on a 503 stops at once."""
    emu.inject(FaultSpec(status=503, headers={"x-should-retry": "false"}, times=3))
    async with make_client(emu, max_retries=3) as client:
        with pytest.raises(InternalServerError):
            await client.threads.list()
    assert len(emu.requests) == 1


async def test_x_should_retry_true_retries_an_otherwise_final_status(emu: ChatKitEmulator) -> None:
    """x-should-retry: true makes even a 400 retryable."""
    emu.inject(FaultSpec(status=400, headers={"x-should-retry": "true", "retry-after-ms": "1"}))
    async with make_client(emu) as client:
        await client.threads.list()
    assert [r.status for r in emu.requests] == [400, 200]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
async def test_client_errors_are_never_retried(emu: ChatKitEmulator, status: int) -> None:
    """400/401/403/404/422 raise after one attempt."""
    emu.inject(FaultSpec(status=status, times=5))
    async with make_client(emu, max_retries=3) as client:
        with pytest.raises(APIStatusError):
            await client.threads.list()
    assert len(emu.requests) == 1


async def test_retry_after_beyond_the_cap_raises_at_once(emu: ChatKitEmulator) -> None:
    """A 429 asking for longer than the cap is not waited for: RateLimitError now, with retry_after."""
    emu.inject(FaultSpec(status=429, headers={"retry-after": "3600"}))
    async with make_client(emu, max_retries=3) as client:
        start = time.monotonic()
        with pytest.raises(RateLimitError) as info:
            await client.threads.list()
    assert time.monotonic() - start < 2
    assert info.value.retry_after == 3600
    assert len(emu.requests) == 1


async def test_a_dropped_connection_is_retried(emu: ChatKitEmulator) -> None:
    """Connections dropped without a response are retried and the call succeeds.

    The transport resends an idempotent request once at once when its connection drops (the
    usual stale keep-alive race); the second drop goes through the client's retry policy.
    """
    emu.inject(FaultSpec(drop=True, times=2))
    async with make_client(emu) as client:
        raw = await client.threads.with_raw_response.list()
    assert len(raw.parse().data) == 3 and raw.retries_taken == 1
    assert [r.status for r in emu.requests] == [0, 0, 200]


async def test_a_dropped_connection_without_retries_is_a_connection_error(emu: ChatKitEmulator) -> None:
    """With max_retries=0 a persistent drop raises APIConnectionError, not an aiohttp exception."""
    emu.inject(FaultSpec(drop=True, times=5))
    async with make_client(emu, max_retries=0) as client:
        with pytest.raises(APIConnectionError) as info:
            await client.threads.list()
    assert not isinstance(info.value, APITimeoutError)
    assert "closed the connection" in str(info.value)
    assert len(emu.requests) == 2  # the transport's one immediate resend, no policy retry


async def test_a_dropped_post_is_not_resent_by_the_transport(emu: ChatKitEmulator) -> None:
    """A non-idempotent POST is only retried by the client's policy, never silently resent."""
    emu.inject(FaultSpec(drop=True, times=5))
    async with make_client(emu, max_retries=0) as client:
        with pytest.raises(APIConnectionError):
            await client.sessions.create(user="u", workflow={"id": "wf"})
    assert len(emu.requests) == 1


async def test_nothing_listening_is_a_connection_error() -> None:
    """A refused connection raises APIConnectionError after the retries."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with AsyncChatKit(
        api_key="sk", base_url=f"http://127.0.0.1:{port}/v1", max_retries=1
    ) as client:
        with pytest.raises(APIConnectionError, match="cannot connect"):
            await client.threads.list()


# --- timeouts and cancellation -----------------------------------------------------------------


async def test_client_timeout_raises_api_timeout_error(emu: ChatKitEmulator) -> None:
    """A response slower than the client's timeout raises APITimeoutError (an APIConnectionError)."""
    emu.inject(FaultSpec(delay=2.0))
    async with make_client(emu, timeout=0.2, max_retries=0) as client:
        start = time.monotonic()
        with pytest.raises(APITimeoutError):
            await client.threads.list()
    assert time.monotonic() - start < 1.5


async def test_per_call_timeout_overrides_the_client(emu: ChatKitEmulator) -> None:
    """timeout= on a call applies to that call only."""
    emu.inject(FaultSpec(delay=0.6))
    async with make_client(emu, timeout=0.1, max_retries=0) as client:
        page = await client.threads.list(timeout=5)
        assert len(page.data) == 3
        emu.inject(FaultSpec(delay=2.0))
        with pytest.raises(APITimeoutError):
            await client.threads.list()


async def test_timeouts_are_retried(emu: ChatKitEmulator) -> None:
    """A timed-out attempt counts as a connection error and is retried."""
    emu.inject(FaultSpec(delay=1.0))
    async with make_client(emu, timeout=0.3, max_retries=1) as client:
        raw = await client.threads.with_raw_response.list()
    assert len(raw.parse().data) == 3 and raw.retries_taken == 1


async def test_cancellation_during_a_request_propagates_and_is_not_retried(emu: ChatKitEmulator) -> None:
    """Cancelling a slow call raises CancelledError promptly; no retry follows."""
    emu.inject(FaultSpec(delay=3.0))
    async with make_client(emu, max_retries=3) as client:
        task = asyncio.ensure_future(client.threads.list())
        await asyncio.sleep(0.2)
        task.cancel()
        start = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - start < 1
        # The client is still usable after a cancelled call.
        emu.clear_faults()
        page = await client.threads.list()
        assert len(page.data) == 3
    assert len([r for r in emu.requests if r.path == THREADS]) <= 2


async def test_cancellation_cuts_a_backoff_sleep_short(emu: ChatKitEmulator) -> None:
    """Cancelled while waiting out a retry-after, the call ends at once and sends nothing more."""
    emu.inject(FaultSpec(status=503, headers={"retry-after": "30"}))
    async with make_client(emu, max_retries=2) as client:
        task = asyncio.ensure_future(client.threads.list())
        await asyncio.sleep(0.3)
        assert len(emu.requests) == 1
        task.cancel()
        start = time.monotonic()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - start < 1
    assert len(emu.requests) == 1
