"""Fidelity of the emulator as seen by the official ``openai`` SDK.

The emulator is the oracle of this project's tests, so it must look like the real API to a client
that was written against the real API: the official ``openai`` package. Here that client runs all
six ChatKit calls (``client.beta.chatkit.threads.retrieve/list/delete/list_items`` and
``client.beta.chatkit.sessions.create/cancel``) against the emulator, auto-paginates threads and
items in both orders, decodes every item type and status to its own class, and sees errors with
the right classes, codes and request ids. Every decoded object is also dumped back and compared
with the emulator's data, and must carry no field outside openai's models.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

openai = pytest.importorskip("openai")

from openai.types.beta.chatkit import (  # noqa: E402
    ChatKitThread,
    ChatKitThreadAssistantMessageItem,
    ChatKitThreadUserMessageItem,
    ChatKitWidgetItem,
    ChatSession,
    ThreadDeleteResponse,
)
from openai.types.beta.chatkit.chatkit_thread import (  # noqa: E402
    StatusActive,
    StatusClosed,
    StatusLocked,
)
from openai.types.beta.chatkit.chatkit_thread_item_list import (  # noqa: E402
    DataChatKitClientToolCall,
    DataChatKitTask,
    DataChatKitTaskGroup,
)

from chatkit_async.testing import ChatKitEmulator  # noqa: E402

pytestmark = pytest.mark.anyio

ITEM_CLASSES: dict[str, type[Any]] = {
    "chatkit.user_message": ChatKitThreadUserMessageItem,
    "chatkit.assistant_message": ChatKitThreadAssistantMessageItem,
    "chatkit.widget": ChatKitWidgetItem,
    "chatkit.client_tool_call": DataChatKitClientToolCall,
    "chatkit.task": DataChatKitTask,
    "chatkit.task_group": DataChatKitTaskGroup,
}
STATUS_CLASSES: dict[str, type[Any]] = {
    "active": StatusActive,
    "locked": StatusLocked,
    "closed": StatusClosed,
}


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    """The demo data set (every item type and status), served from a background thread."""
    emulator = ChatKitEmulator(seed=11, demo_threads=24).start()
    try:
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture
async def client(emu: ChatKitEmulator) -> AsyncIterator[Any]:
    assert emu.api_key is not None
    async with openai.AsyncOpenAI(
        base_url=emu.base_url,
        api_key=emu.api_key,
        default_headers={"OpenAI-Beta": "chatkit_beta=v1"},
        max_retries=0,
    ) as oa:
        yield oa


def wire(model: Any) -> dict[str, Any]:
    """An openai model dumped back to JSON, with only the fields the server sent."""
    data: dict[str, Any] = model.to_dict(mode="json", exclude_unset=True)
    return data


def assert_no_extra_fields(model: Any) -> None:
    """The emulator sends no field that openai's models do not declare (recursively)."""
    assert not model.model_extra, f"{type(model).__name__} got extra fields {model.model_extra}"
    for name in type(model).model_fields:
        value = getattr(model, name)
        for element in value if isinstance(value, list) else [value]:
            if hasattr(element, "model_extra"):
                assert_no_extra_fields(element)


async def test_threads_list_auto_paginates_in_both_orders(client: Any, emu: ChatKitEmulator) -> None:
    expected = emu.threads()  # creation order == ascending listing order for the demo data
    threads = client.beta.chatkit.threads
    ascending = [t async for t in threads.list(limit=5, order="asc")]
    descending = [t async for t in threads.list(limit=7, order="desc")]
    default = [t async for t in threads.list()]
    assert [wire(t) for t in ascending] == expected
    assert [wire(t) for t in descending] == expected[::-1]
    assert [t.id for t in default] == [t["id"] for t in expected[::-1]]  # server default: desc
    for thread in ascending:
        assert isinstance(thread, ChatKitThread)
        assert isinstance(thread.status, STATUS_CLASSES[thread.status.type])
        assert_no_extra_fields(thread)
    assert {t.status.type for t in ascending} == set(STATUS_CLASSES)

    user_2 = [t async for t in threads.list(user="user_2", limit=3, order="asc")]
    assert [wire(t) for t in user_2] == [t for t in expected if t["user"] == "user_2"]

    pages = emu.requests
    asc_pages = [r.query for r in pages if r.query.get("limit") == "5"]
    assert len(asc_pages) == -(-len(expected) // 5)
    assert "after" not in asc_pages[0] and all("after" in q for q in asc_pages[1:])
    assert all("before" not in r.query for r in pages)


async def test_list_items_decodes_every_type_in_both_orders(client: Any, emu: ChatKitEmulator) -> None:
    threads = emu.threads()
    seen_types: set[str] = set()
    for thread in threads[:6]:
        expected = emu.items(thread["id"], order="asc")
        api = client.beta.chatkit.threads
        ascending = [i async for i in api.list_items(thread["id"], limit=7, order="asc")]
        descending = [i async for i in api.list_items(thread["id"], limit=4, order="desc")]
        assert [wire(i) for i in ascending] == expected
        assert [wire(i) for i in descending] == expected[::-1]
        for item in ascending:
            assert type(item) is ITEM_CLASSES[item.type], item.type
            assert item.thread_id == thread["id"]
            assert_no_extra_fields(item)
            seen_types.add(item.type)
    assert seen_types == set(ITEM_CLASSES)


async def test_retrieve_and_delete(client: Any, emu: ChatKitEmulator) -> None:
    target = emu.threads()[3]
    thread = await client.beta.chatkit.threads.retrieve(target["id"])
    assert isinstance(thread, ChatKitThread) and wire(thread) == target

    receipt = await client.beta.chatkit.threads.delete(target["id"])
    assert isinstance(receipt, ThreadDeleteResponse)
    assert wire(receipt) == {"id": target["id"], "object": "chatkit.thread.deleted", "deleted": True}
    assert target["id"] not in {t["id"] for t in emu.threads()}

    with pytest.raises(openai.NotFoundError) as caught:
        await client.beta.chatkit.threads.retrieve(target["id"])
    assert caught.value.status_code == 404
    assert caught.value.code == "not_found"
    assert caught.value.request_id and caught.value.request_id.startswith("req_")
    with pytest.raises(openai.NotFoundError):
        await client.beta.chatkit.threads.delete(target["id"])
    with pytest.raises(openai.NotFoundError):
        [i async for i in client.beta.chatkit.threads.list_items(target["id"])]


async def test_sessions_create_and_cancel(client: Any, emu: ChatKitEmulator) -> None:
    sessions = client.beta.chatkit.sessions
    created = await sessions.create(
        user="user_42",
        workflow={"id": "wf_123", "version": "2", "state_variables": {"plan": "pro", "seats": 3}},
        chatkit_configuration={"file_upload": {"enabled": True, "max_files": 3}},
        expires_after={"anchor": "created_at", "seconds": 300},
        rate_limits={"max_requests_per_1_minute": 25},
    )
    assert isinstance(created, ChatSession)
    assert_no_extra_fields(created)
    (stored,) = emu.sessions()
    assert wire(created) == stored
    assert created.status == "active" and created.user == "user_42"
    assert created.workflow.id == "wf_123" and created.workflow.state_variables == {
        "plan": "pro",
        "seats": 3,
    }
    assert created.chatkit_configuration.file_upload.max_files == 3
    assert created.rate_limits.max_requests_per_1_minute == 25
    assert created.client_secret.startswith("ek_")

    cancelled = await sessions.cancel(created.id)
    assert isinstance(cancelled, ChatSession) and cancelled.status == "cancelled"
    assert wire(cancelled) == emu.sessions()[0]

    with pytest.raises(openai.BadRequestError) as bad:
        await sessions.create(user="", workflow={"id": "wf_1"})
    assert bad.value.status_code == 400
    with pytest.raises(openai.NotFoundError):
        await sessions.cancel("cksess_missing")


async def test_auth_and_beta_header_errors(emu: ChatKitEmulator) -> None:
    async with openai.AsyncOpenAI(base_url=emu.base_url, api_key="sk-wrong", max_retries=0) as oa:
        with pytest.raises(openai.AuthenticationError) as caught:
            await oa.beta.chatkit.threads.retrieve(emu.threads()[0]["id"])
    assert caught.value.status_code == 401 and caught.value.code == "invalid_api_key"
    # openai adds the beta header itself on every ChatKit call: no call was refused for it.
    assert all(r.header("OpenAI-Beta") == "chatkit_beta=v1" for r in emu.requests)


async def test_backward_paging_shows_the_official_sdks_cursor_bug(
    client: Any, emu: ChatKitEmulator
) -> None:
    """openai 3.54 keeps ``before`` and adds ``after`` on page 2; the emulator, like the API,
    refuses both cursors at once (chatkit-async walks backwards with ``before`` instead)."""
    oldest = emu.threads()[0]["id"]
    with pytest.raises(openai.BadRequestError) as caught:
        [t async for t in client.beta.chatkit.threads.list(limit=2, before=oldest)]
    assert caught.value.code == "invalid_parameters"
    second_page = emu.requests[-1].query
    assert "before" in second_page and "after" in second_page
