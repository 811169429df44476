"""Configuration and input errors are clear: settings, timeouts, bodies, query values and secrets.

Each bad setting is a ``ValueError`` that names it, raised before anything is sent (the emulator's
request log proves nothing went out); odd but valid inputs (any ``Mapping``, ``None`` in
``extra_query``) are sent the way a user means them.
"""

from __future__ import annotations

import logging
import types
from collections.abc import AsyncIterator

import pytest

from chatkit_async import AsyncChatKit, AuthenticationError, ChatKit
from chatkit_async.testing import ChatKitEmulator, FaultSpec

pytestmark = pytest.mark.anyio

KEY = "sk-test-emulator"


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False) as emulator:
        emulator.add_thread(id="cthr_1", user="u1")
        yield emulator


@pytest.mark.parametrize(
    ("base_url", "complaint"),
    [
        ("api.example.com/v1", "must start with http:// or https://"),
        ("ftp://api.example.com/v1", "must use http or https"),
        ("http://", "has no host"),
        ("http://api.example.com:99999/v1", "invalid port"),
        ("https://user:secret@api.example.com/v1", "user name or password"),
    ],
)
def test_a_bad_base_url_is_refused_at_construction(base_url: str, complaint: str) -> None:
    """Both clients refuse a malformed base_url at once, naming the setting."""
    with pytest.raises(ValueError, match=complaint) as caught:
        AsyncChatKit(api_key=KEY, base_url=base_url)
    assert str(caught.value).startswith("base_url ")
    assert "secret" not in str(caught.value)
    with pytest.raises(ValueError, match=complaint):
        ChatKit(api_key=KEY, base_url=base_url)


def test_a_bad_base_url_from_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "localhost:8000/v1")
    with pytest.raises(ValueError, match=r"^OPENAI_BASE_URL \(from the environment\) must start"):
        AsyncChatKit(api_key=KEY)


@pytest.mark.parametrize("timeout", [-1, 0, float("nan"), float("inf")])
async def test_a_nonsense_timeout_is_refused_before_sending(
    emu: ChatKitEmulator, timeout: float
) -> None:
    """Negative, zero, NaN and infinite timeouts, per client or per call: ValueError, no request."""
    with pytest.raises(ValueError, match="timeout"):
        AsyncChatKit(api_key=KEY, base_url=emu.base_url, timeout=timeout)
    async with AsyncChatKit(api_key=KEY, base_url=emu.base_url) as client:
        with pytest.raises(ValueError, match="timeout"):
            await client.threads.retrieve("cthr_1", timeout=timeout)
        with pytest.raises(ValueError, match="timeout"):
            client.threads.list(timeout=timeout)
        with pytest.raises(ValueError, match="timeout"):
            await client.sessions.create(user="u", workflow={"id": "wf"}, timeout=timeout)
    assert emu.requests == []


async def test_any_mapping_is_sent_as_a_json_object(emu: ChatKitEmulator) -> None:
    """A read-only mapping for the workflow or its state variables arrives as a JSON object."""
    state = types.MappingProxyType({"plan": "pro", "seats": 3, "trial": False})
    workflow = types.MappingProxyType({"id": "wf_1", "state_variables": state})
    async with AsyncChatKit(api_key=KEY, base_url=emu.base_url) as client:
        session = await client.sessions.create(
            user="u", workflow=workflow, extra_body=types.MappingProxyType({"note": {"a": 1}})
        )
    sent = emu.requests[-1].json()
    assert sent["workflow"] == {"id": "wf_1", "state_variables": dict(state)}
    assert sent["note"] == {"a": 1}
    assert session.workflow.state_variables == dict(state)


async def test_none_in_extra_query_leaves_the_parameter_out(emu: ChatKitEmulator) -> None:
    """``extra_query={"x": None}`` sends no ``x``; booleans are sent as JSON spells them."""
    async with AsyncChatKit(api_key=KEY, base_url=emu.base_url) as client:
        await client.threads.retrieve("cthr_1", extra_query={"x": None, "flag": True, "n": 3})
        page = await client.threads.list(limit=5, extra_query={"limit": None})
    assert emu.requests[0].query == {"flag": "true", "n": "3"}
    assert "limit" not in emu.requests[1].query
    assert [t.id for t in page.data] == ["cthr_1"]


async def test_unsendable_extras_are_type_errors_before_sending(emu: ChatKitEmulator) -> None:
    """A body value JSON cannot carry, or a query name that is not a string: a clear TypeError."""
    async with AsyncChatKit(api_key=KEY, base_url=emu.base_url) as client:
        with pytest.raises(TypeError, match="cannot be sent as JSON"):
            await client.sessions.create(user="u", workflow={"id": "wf"}, extra_body={"x": {1, 2}})
        with pytest.raises(TypeError, match="extra_query names must be str, not int"):
            await client.threads.retrieve("cthr_1", extra_query={1: "a"})  # type: ignore[dict-item]
    assert emu.requests == []


async def test_retry_log_lines_carry_no_query_values(
    emu: ChatKitEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """A user id in the query shows in no log line, retries and DEBUG lines included."""
    caplog.set_level(logging.DEBUG, logger="chatkit_async")
    emu.inject(FaultSpec(status=503, headers={"retry-after-ms": "1"}))
    async with AsyncChatKit(api_key=KEY, base_url=emu.base_url) as client:
        emu.add_thread(id="cthr_0", user="alice@example.com")
        await client.threads.list(user="alice@example.com", before="cthr_0", limit=7)
    assert "retrying in" in caplog.text
    assert "user=…" in caplog.text
    for secret in ("alice", "cthr_0", "limit=7"):
        assert secret not in caplog.text


@pytest.mark.parametrize("key", ["k", "sk-live-0123456789abcdef"])
async def test_the_key_never_shows_in_an_error_message(emu: ChatKitEmulator, key: str) -> None:
    """An echoed key, or a masked prefix of it, is removed whole; a short key garbles nothing."""
    masked = key if len(key) < 8 else key[:12] + "*" * 8 + key[-4:]
    emu.inject(
        FaultSpec(
            status=401,
            body={
                "error": {
                    "message": f"Incorrect API key provided: {masked}. You can find your key at "
                    "https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            },
        )
    )
    async with AsyncChatKit(api_key=key, base_url=emu.base_url) as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.threads.retrieve("cthr_1")
    text = str(caught.value)
    assert "Incorrect API key provided: <redacted>. You can find your key at" in text
    assert "https://platform.openai.com/account/api-keys" in text
    if len(key) > 1:
        assert key[:10] not in text and key[-4:] not in text
