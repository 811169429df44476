"""A thread without a status is an error that names the field, never a thread guessed active."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import payloads as P
import pytest

from chatkit_async import APIResponseValidationError, AsyncChatKit, Page, Thread, parse
from chatkit_async.testing import ChatKitEmulator


def _without_status(**over: Any) -> dict[str, Any]:
    body = P.thread(**over)
    del body["status"]
    return body


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (_without_status(), "required field missing @ $.status"),
        (P.thread(status=None), "expected an object, got null @ $.status"),
    ],
    ids=["missing", "null"],
)
def test_parse_refuses_a_thread_without_status(body: dict[str, Any], expected: str) -> None:
    """parse() raises APIResponseValidationError naming $.status for a missing or null status."""
    with pytest.raises(APIResponseValidationError) as info:
        parse(body, Thread)
    assert expected in info.value.reason


def test_parse_names_the_thread_in_a_page() -> None:
    """In a listing, the error points at the status of the very thread that lacks one."""
    page = P.page([P.thread("cthr_1"), _without_status(id="cthr_2")])
    with pytest.raises(APIResponseValidationError) as info:
        parse(page, Page[Thread])
    assert "required field missing @ $.data[1].status" in info.value.reason


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False) as emulator:
        emulator.add_thread(id="cthr_ok", user="user_1")
        emulator.add_raw_thread(_without_status(id="cthr_nostatus", user="user_1"))
        emulator.add_raw_thread(P.thread(id="cthr_nullstatus", user="user_2", status=None))
        yield emulator


@pytest.fixture
async def client(emu: ChatKitEmulator) -> AsyncIterator[AsyncChatKit]:
    assert emu.api_key is not None
    async with AsyncChatKit(api_key=emu.api_key, base_url=emu.base_url, max_retries=0) as c:
        yield c


@pytest.mark.anyio
@pytest.mark.parametrize("thread_id", ["cthr_nostatus", "cthr_nullstatus"])
async def test_retrieve_refuses_a_status_less_thread(
    emu: ChatKitEmulator, client: AsyncChatKit, thread_id: str
) -> None:
    """threads.retrieve() raises APIResponseValidationError naming `status`, with the request id."""
    with pytest.raises(APIResponseValidationError) as info:
        await client.threads.retrieve(thread_id)
    assert "@ $.status" in info.value.reason
    assert info.value.status_code == 200
    assert info.value.request_id
    # The thread that has a status still decodes, as it always did.
    assert (await client.threads.retrieve("cthr_ok")).status.type == "active"


@pytest.mark.anyio
@pytest.mark.parametrize(("user", "index"), [("user_1", 1), ("user_2", 0)])
async def test_listing_refuses_a_page_with_a_status_less_thread(
    emu: ChatKitEmulator, client: AsyncChatKit, user: str, index: int
) -> None:
    """threads.list() raises on the page holding the thread, naming $.data[i].status."""
    seen: list[str] = []
    with pytest.raises(APIResponseValidationError) as info:
        async for thread in client.threads.list(user=user, order="asc"):
            seen.append(thread.id)
    assert f"@ $.data[{index}].status" in info.value.reason
    assert seen == []  # nothing from that page was handed out with a guessed status
