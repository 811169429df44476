"""Reliability under faults and hostile bodies, against the emulator over real HTTP."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit_async import AsyncChatKit, ChatKitError, to_dict
from chatkit_async.testing import ChatKitEmulator, FaultSpec

KEY = "sk-test-emulator"


def test_fault_soak_pages_10000_items_exactly_once_in_order() -> None:
    """With 10% of requests failing (429, 500, 503, drops, delays), every item arrives once, in order."""
    with ChatKitEmulator(demo=False, seed=5) as emu:
        thread = emu.add_thread(id="cthr_soak")
        emu.add_items(thread["id"], 10_000)
        expected = [i["id"] for i in emu.items(thread["id"], order="asc")]
        emu.inject_random_faults(rate=0.1, seed=42, delay=0.01, retry_after_ms=5)

        async def walk() -> list[str]:
            async with AsyncChatKit(api_key=KEY, base_url=emu.base_url, max_retries=6) as client:
                return [
                    i.id async for i in client.threads.list_items(thread["id"], order="asc", limit=100)
                ]

        start = time.monotonic()
        got = asyncio.run(walk())
        elapsed = time.monotonic() - start
        assert got == expected
        assert emu.faults_served >= 5  # the faults really happened
        assert elapsed < 60  # within the retry budget, not a hang


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


def _mutations() -> st.SearchStrategy[bytes]:
    thread = {
        "id": "cthr_1",
        "object": "chatkit.thread",
        "created_at": 1,
        "title": None,
        "status": {"type": "active"},
        "user": "u",
    }
    valid = orjson.dumps(thread)
    return st.one_of(
        json_values.map(orjson.dumps),
        st.binary(max_size=64),
        st.integers(min_value=0, max_value=len(valid)).map(lambda n: valid[:n]),  # truncated
        st.fixed_dictionaries({}, optional={k: json_values for k in thread}).map(orjson.dumps),
        st.integers(min_value=1, max_value=2_000_000).map(
            lambda n: orjson.dumps({**thread, "title": "x" * n})
        ),
    )


@pytest.fixture(scope="module")
def hostile_emu() -> Any:
    with ChatKitEmulator(demo=False) as emu:
        emu.add_thread(id="cthr_1")
        yield emu


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=_mutations(),
    endpoint=st.sampled_from(["retrieve", "delete", "list", "items", "create", "cancel"]),
)
def test_hostile_bodies_give_a_model_or_a_chatkit_error(
    hostile_emu: ChatKitEmulator, body: bytes, endpoint: str
) -> None:
    """Random, truncated, mistyped and huge 200 bodies: a model or a ChatKitError, nothing else."""
    hostile_emu.inject(FaultSpec(status=200, body=body))

    async def call() -> Any:
        async with AsyncChatKit(api_key=KEY, base_url=hostile_emu.base_url, max_retries=0) as client:
            if endpoint == "retrieve":
                return await client.threads.retrieve("cthr_1")
            if endpoint == "delete":
                return await client.threads.delete("cthr_1")
            if endpoint == "list":
                return await client.threads.list()
            if endpoint == "items":
                return await client.threads.list_items("cthr_1")
            if endpoint == "create":
                return await client.sessions.create(user="u", workflow={"id": "wf"})
            return await client.sessions.cancel("cksess_1")

    try:
        result = asyncio.run(call())
    except ChatKitError:
        return
    finally:
        hostile_emu.clear_faults()
    to_dict(result)  # whatever decoded is a complete model
