"""Redirects: credentials never follow to another origin, 303 becomes a GET, loops end.

Two emulators on loopback play the API and "another origin" (same host, another port: a different
origin). The first answers with a redirect (an injected fault with a ``Location``); the second
records exactly which headers arrived.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from chatkit_async import APIConnectionError, AsyncChatKit, AuthenticationError
from chatkit_async.testing import ChatKitEmulator, FaultSpec

pytestmark = pytest.mark.anyio

KEY = "sk-test-emulator"
CREDENTIALS = ("authorization", "api-key", "x-api-key", "cookie", "x-gateway-token")


@pytest.fixture
async def api() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False) as emulator:
        emulator.add_thread(id="cthr_1")
        yield emulator


@pytest.fixture
async def other() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False, api_key=None) as emulator:
        emulator.add_thread(id="cthr_1")
        yield emulator


def client_for(api: ChatKitEmulator, **kwargs: object) -> AsyncChatKit:
    return AsyncChatKit(
        api_key=KEY,
        base_url=api.base_url,
        organization="org_1",
        default_headers={"X-Gateway-Token": "gw-secret", "api-key": "k2"},
        **kwargs,  # type: ignore[arg-type]
    )


async def test_no_credential_follows_a_redirect_to_another_origin(
    api: ChatKitEmulator, other: ChatKitEmulator
) -> None:
    """Authorization, api-key, x-api-key, cookies, organization and default_headers stay behind."""
    target = other.base_url + "/chatkit/threads/cthr_1"
    api.inject(FaultSpec(status=307, headers={"Location": target}))
    async with client_for(api) as client:
        with pytest.raises(AuthenticationError):  # the other origin wants a key it never got
            await client.threads.retrieve(
                "cthr_1", extra_headers={"x-api-key": "k3", "Cookie": "s=1"}
            )
    first = api.requests[0]
    assert first.header("Authorization") == f"Bearer {KEY}"
    assert first.header("X-Gateway-Token") == "gw-secret"
    (arrived,) = other.requests
    assert arrived.path == "/v1/chatkit/threads/cthr_1"
    sent = {name.lower() for name in arrived.headers}
    assert not sent & {*CREDENTIALS, "openai-organization"}
    assert arrived.header("OpenAI-Beta") == "chatkit_beta=v1"


async def test_authorization_stays_on_a_same_origin_redirect(api: ChatKitEmulator) -> None:
    """A redirect within the API's own origin keeps the key, so the call succeeds."""
    api.inject(FaultSpec(status=308, headers={"Location": "/v1/chatkit/threads/cthr_1"}))
    async with client_for(api) as client:
        thread = await client.threads.retrieve("cthr_1")
    assert thread.id == "cthr_1"
    assert [r.header("Authorization") for r in api.requests] == [f"Bearer {KEY}"] * 2


async def test_a_303_is_followed_with_a_get_and_no_body(api: ChatKitEmulator) -> None:
    """A POST answered by 303 continues as a GET carrying no body and no Content-Type."""
    api.inject(
        FaultSpec(status=303, headers={"Location": "/v1/chatkit/threads/cthr_1"}, method="POST")
    )
    async with client_for(api) as client:
        response = await client.sessions.with_raw_response.create(
            user="u", workflow={"id": "wf"}
        )
    assert response.json()["id"] == "cthr_1"
    post, get = api.requests
    assert post.method == "POST" and post.json()["user"] == "u"
    assert get.method == "GET" and get.body == b""
    assert get.header("Content-Type") is None
    assert api.sessions() == []


async def test_a_redirect_loop_ends_in_an_error_without_retries(api: ChatKitEmulator) -> None:
    """A server redirecting to itself forever: a bounded number of hops, then one clear error."""
    api.inject(
        FaultSpec(status=302, headers={"Location": "/v1/chatkit/threads/cthr_1"}, times=1000)
    )
    async with client_for(api, max_retries=2) as client:
        with pytest.raises(APIConnectionError, match="Too many redirects") as caught:
            await client.threads.retrieve("cthr_1")
    assert caught.value.retryable is False
    assert len(api.requests) == 6  # the request and five redirects, sent once: no retry


async def test_a_redirect_to_another_scheme_is_refused(api: ChatKitEmulator) -> None:
    api.inject(FaultSpec(status=301, headers={"Location": "ftp://127.0.0.1/x"}))
    async with client_for(api) as client:
        with pytest.raises(APIConnectionError, match="not an http"):
            await client.threads.retrieve("cthr_1")
    assert len(api.requests) == 1
