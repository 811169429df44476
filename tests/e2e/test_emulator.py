"""Tests of the ChatKit emulator (chatkit_async.testing) over real HTTP.

They drive the emulator with plain aiohttp and urllib (never the SDK): every endpoint, the
paging semantics, errors, the request log, fault injection, the lifecycle in sync and async
code, the seeding API and the pytest plugin.
"""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict

from chatkit_async.testing import ChatKitEmulator, FaultSpec, RecordedRequest

pytestmark = pytest.mark.anyio

KEY = "sk-test-emulator"
HEADERS = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "chatkit_beta=v1"}
REQUEST_ID = re.compile(r"req_[0-9a-f]{8,}")
ITEM_TYPES = (
    "chatkit.user_message",
    "chatkit.assistant_message",
    "chatkit.widget",
    "chatkit.client_tool_call",
    "chatkit.task",
    "chatkit.task_group",
)


@dataclass
class Reply:
    """A response, read in full."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def request_id(self) -> str:
        return self.headers["x-request-id"]


class Api:
    """Tiny raw HTTP helper bound to one emulator; checks ``x-request-id`` on every reply."""

    def __init__(self, session: aiohttp.ClientSession, emu: ChatKitEmulator) -> None:
        self.session = session
        self.emu = emu

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Reply:
        url = self.emu.base_url + path
        async with self.session.request(
            method,
            url,
            params=params,
            json=json_body,
            data=data,
            headers=HEADERS if headers is None else headers,
        ) as resp:
            body = await resp.read()
            reply = Reply(resp.status, resp.headers, body)
        assert REQUEST_ID.fullmatch(reply.request_id), reply.headers
        if reply.status >= 400 and reply.headers.get("content-type", "").startswith(
            "application/json"
        ):
            assert_error_shape(reply.json)
        return reply

    async def get(self, path: str, **params: str | int) -> Reply:
        return await self.call("GET", path, params=params)


def assert_error_shape(body: Any, *, param: str | None = None, code: str | None = None) -> None:
    """Checks OpenAI's ``{"error": {message, type, param, code}}`` shape."""
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str)
    if param is not None:
        assert error["param"] == param
    if code is not None:
        assert error["code"] == code


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
async def emu() -> AsyncIterator[ChatKitEmulator]:
    """An emulator with the demo data on the test's loop (async mode)."""
    async with ChatKitEmulator() as e:
        yield e


@pytest.fixture
async def api(session: aiohttp.ClientSession, emu: ChatKitEmulator) -> Api:
    return Api(session, emu)


def listing(elements: list[dict[str, Any]], order: str) -> list[str]:
    """The expected listing order of elements given in creation order (independent oracle)."""
    ordered = sorted(elements, key=lambda e: e["created_at"])  # stable: ties keep insertion
    ids = [e["id"] for e in ordered]
    return ids if order == "asc" else ids[::-1]


# ------------------------------------------------------------------------------ threads


async def test_list_threads_defaults(api: Api, emu: ChatKitEmulator) -> None:
    reply = await api.get("/chatkit/threads")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    body = reply.json
    assert body["object"] == "list"
    expected = listing(emu.threads(), "desc")
    assert [t["id"] for t in body["data"]] == expected  # default order desc, 12 < 20
    assert body["first_id"] == expected[0]
    assert body["last_id"] == expected[-1]
    assert body["has_more"] is False
    assert body["data"][0] == next(t for t in emu.threads() if t["id"] == expected[0])


async def test_default_limit_is_20(api: Api) -> None:
    async with ChatKitEmulator(demo_threads=25) as emu25:
        api.emu = emu25
        body = (await api.get("/chatkit/threads")).json
        assert len(body["data"]) == 20
        assert body["has_more"] is True


async def walk(
    api: Api, path: str, *, limit: int, order: str, backwards_from: str | None = None, **extra: str
) -> list[str]:
    """Walks every page; checks first_id/last_id/has_more on each; returns ids in listing order."""
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": limit, "order": order, **extra}
    if backwards_from is not None:
        params["before"] = backwards_from
    pages = 0
    while True:
        reply = await api.call("GET", path, params=params)
        assert reply.status == 200, reply.body
        body = reply.json
        ids = [e["id"] for e in body["data"]]
        assert len(ids) <= limit
        assert body["first_id"] == (ids[0] if ids else None)
        assert body["last_id"] == (ids[-1] if ids else None)
        seen = seen + ids if backwards_from is None else ids + seen
        pages += 1
        assert pages < 10_000
        if not body["has_more"]:
            break
        assert len(ids) == limit  # a short page means nothing is left
        if backwards_from is None:
            params["after"] = body["last_id"]
        else:
            params["before"] = body["first_id"]
    return seen


@pytest.fixture
async def big_thread(emu: ChatKitEmulator) -> tuple[str, list[dict[str, Any]]]:
    """A thread of 250 items in creation order, with timestamp ties and out-of-order inserts."""
    emu.reset()
    thread = emu.add_thread(id="cthr_big", created_at=1_700_000_000)
    items = emu.add_items(thread["id"], 200)
    # ties with existing items, and items older than everything else
    for k in range(25):
        items.append(emu.add_item("cthr_big", "task", created_at=items[k * 7]["created_at"]))
    for k in range(25):
        items.append(emu.add_item("cthr_big", "widget", created_at=1_600_000_000 + k % 3))
    return thread["id"], items


@pytest.mark.parametrize("limit", [1, 7, 100])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_item_paging_walks_every_item_once(
    api: Api, big_thread: tuple[str, list[dict[str, Any]]], limit: int, order: str
) -> None:
    thread_id, items = big_thread
    expected = listing(items, order)
    path = f"/chatkit/threads/{thread_id}/items"
    forward = await walk(api, path, limit=limit, order=order)
    assert forward == expected
    backward = await walk(api, path, limit=limit, order=order, backwards_from=expected[-1])
    assert backward == expected[:-1]
    # after a cursor in the middle, then before it
    middle = expected[123]
    after = await walk(api, path, limit=limit, order=order, after=middle)
    assert after == expected[124:]
    before = await walk(api, path, limit=limit, order=order, backwards_from=middle)
    assert before == expected[:123]


@pytest.mark.parametrize("limit", [1, 7, 100])
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_thread_paging_walks_every_thread_once(
    api: Api, emu: ChatKitEmulator, limit: int, order: str
) -> None:
    emu.add_thread(created_at=emu.threads()[0]["created_at"])  # another timestamp tie
    expected = listing(emu.threads(), order)
    assert await walk(api, "/chatkit/threads", limit=limit, order=order) == expected
    backward = await walk(
        api, "/chatkit/threads", limit=limit, order=order, backwards_from=expected[-1]
    )
    assert backward == expected[:-1]


async def test_has_more_is_exact(api: Api, emu: ChatKitEmulator) -> None:
    emu.reset()
    emu.add_thread(id="cthr_t")
    ids = [i["id"] for i in emu.add_items("cthr_t", 10)]  # ascending created_at
    path = "/chatkit/threads/cthr_t/items"
    body = (await api.get(path, limit=10, order="asc")).json
    assert body["has_more"] is False and len(body["data"]) == 10
    body = (await api.get(path, limit=9, order="asc")).json
    assert body["has_more"] is True and body["last_id"] == ids[8]
    body = (await api.get(path, limit=1, order="asc", after=ids[8])).json
    assert body["has_more"] is False and body["first_id"] == ids[9]
    body = (await api.get(path, limit=3, order="asc", before=ids[3])).json
    assert [e["id"] for e in body["data"]] == ids[0:3] and body["has_more"] is False
    body = (await api.get(path, limit=3, order="asc", before=ids[4])).json
    assert [e["id"] for e in body["data"]] == ids[1:4] and body["has_more"] is True
    body = (await api.get(path, limit=3, order="desc", before=ids[5])).json
    assert [e["id"] for e in body["data"]] == [ids[8], ids[7], ids[6]]
    assert body["has_more"] is True
    body = (await api.get(path, limit=3, order="desc", before=ids[6])).json
    assert [e["id"] for e in body["data"]] == [ids[9], ids[8], ids[7]]
    assert body["has_more"] is False
    body = (await api.get(path, limit=5, order="desc", after=ids[0])).json
    assert body == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


async def test_limit_zero_and_empty_lists(api: Api, emu: ChatKitEmulator) -> None:
    body = (await api.get("/chatkit/threads", limit=0)).json
    assert body["data"] == [] and body["first_id"] is None and body["last_id"] is None
    assert body["has_more"] is True
    empty = emu.add_thread(id="cthr_empty")
    body = (await api.get(f"/chatkit/threads/{empty['id']}/items")).json
    assert body == {
        "object": "list",
        "data": [],
        "first_id": None,
        "last_id": None,
        "has_more": False,
    }


async def test_user_filter(api: Api, emu: ChatKitEmulator) -> None:
    threads = emu.threads()
    users = {t["user"] for t in threads}
    assert {"user_1", "user_2", "user_3"} <= users
    for user in sorted(users):
        mine = [t for t in threads if t["user"] == user]
        for order in ("asc", "desc"):
            got = await walk(api, "/chatkit/threads", limit=2, order=order, user=user)
            assert got == listing(mine, order)
    body = (await api.get("/chatkit/threads", user="nobody")).json
    assert body["data"] == [] and body["has_more"] is False
    # a cursor from another user's thread positions the page by time
    other = next(t for t in threads if t["user"] != "user_1")
    reply = await api.get("/chatkit/threads", user="user_1", after=other["id"], order="asc")
    assert reply.status == 200
    assert all(
        t["user"] == "user_1" and t["created_at"] >= other["created_at"] for t in reply.json["data"]
    )


async def test_retrieve_thread(api: Api, emu: ChatKitEmulator) -> None:
    for thread in emu.threads():
        reply = await api.get(f"/chatkit/threads/{thread['id']}")
        assert reply.status == 200 and reply.json == thread
    reply = await api.get("/chatkit/threads/cthr_missing")
    assert reply.status == 404
    assert_error_shape(reply.json, code="not_found")
    assert "cthr_missing" in reply.json["error"]["message"]


async def test_path_ids_are_percent_decoded(api: Api, emu: ChatKitEmulator) -> None:
    emu.add_thread(id="cthr weird/id?x")
    reply = await api.call("GET", "/chatkit/threads/cthr%20weird%2Fid%3Fx")
    assert reply.status == 200 and reply.json["id"] == "cthr weird/id?x"
    assert emu.requests[-1].raw_path == "/v1/chatkit/threads/cthr%20weird%2Fid%3Fx"


async def test_delete_thread_removes_it_and_its_items(api: Api, emu: ChatKitEmulator) -> None:
    thread = emu.threads()[0]
    assert emu.items(thread["id"])
    reply = await api.call("DELETE", f"/chatkit/threads/{thread['id']}")
    assert reply.status == 200
    assert reply.json == {"id": thread["id"], "object": "chatkit.thread.deleted", "deleted": True}
    assert (await api.get(f"/chatkit/threads/{thread['id']}")).status == 404
    assert (await api.get(f"/chatkit/threads/{thread['id']}/items")).status == 404
    assert (await api.call("DELETE", f"/chatkit/threads/{thread['id']}")).status == 404
    assert thread["id"] not in [t["id"] for t in emu.threads()]
    listed = await walk(api, "/chatkit/threads", limit=100, order="desc")
    assert thread["id"] not in listed
    with pytest.raises(KeyError):
        emu.items(thread["id"])
    # the deleted thread still works as a cursor (its position is remembered)
    reply = await api.get("/chatkit/threads", after=thread["id"], order="asc")
    assert reply.status == 200
    assert all(t["created_at"] >= thread["created_at"] for t in reply.json["data"])


async def test_delete_while_paging(api: Api, emu: ChatKitEmulator) -> None:
    """Deleting each page's threads (like purge-user) still visits every thread."""
    expected = listing(emu.threads(), "desc")
    seen: list[str] = []
    after: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": 5}
        if after is not None:
            params["after"] = after
        body = (await api.call("GET", "/chatkit/threads", params=params)).json
        for t in body["data"]:
            seen.append(t["id"])
            assert (await api.call("DELETE", f"/chatkit/threads/{t['id']}")).status == 200
        if not body["has_more"]:
            break
        after = body["last_id"]
    assert seen == expected
    assert emu.threads() == []


# ------------------------------------------------------------------------------ items


async def test_list_items_defaults(api: Api, emu: ChatKitEmulator) -> None:
    thread = max(emu.threads(), key=lambda t: len(emu.items(t["id"])))
    items = emu.items(thread["id"])
    assert len(items) > 20
    body = (await api.get(f"/chatkit/threads/{thread['id']}/items")).json
    assert [i["id"] for i in body["data"]] == listing(items, "desc")[:20]
    assert body["has_more"] is True
    assert all(i["thread_id"] == thread["id"] for i in body["data"])
    assert {i["type"] for i in items} == set(ITEM_TYPES)


@pytest.mark.parametrize(
    ("params", "param", "code"),
    [
        ({"limit": "-1"}, "limit", "integer_below_min_value"),
        ({"limit": "101"}, "limit", "integer_above_max_value"),
        ({"limit": "abc"}, "limit", None),
        ({"limit": "1.5"}, "limit", None),
        ({"limit": ""}, "limit", None),
        ({"order": "up"}, "order", None),
        ({"after": "cthi_nope"}, "after", None),
        ({"before": "cthi_nope"}, "before", None),
        ({"after": "x", "before": "y"}, "before", None),
    ],
)
async def test_bad_list_parameters(
    api: Api, emu: ChatKitEmulator, params: dict[str, str], param: str, code: str | None
) -> None:
    thread_id = emu.threads()[0]["id"]
    for path in ("/chatkit/threads", f"/chatkit/threads/{thread_id}/items"):
        reply = await api.call("GET", path, params=params)
        assert reply.status == 400, (path, params)
        assert_error_shape(reply.json, param=param, code=code)
        assert reply.json["error"]["type"] == "invalid_request_error"


async def test_item_cursor_from_another_thread_is_rejected(api: Api, emu: ChatKitEmulator) -> None:
    a, b = [t for t in emu.threads() if emu.items(t["id"])][:2]
    foreign = emu.items(b["id"])[0]["id"]
    reply = await api.get(f"/chatkit/threads/{a['id']}/items", after=foreign)
    assert reply.status == 400
    assert_error_shape(reply.json, param="after")


@pytest.mark.parametrize("user", ["", "u" * 513])
async def test_bad_user_filter(api: Api, user: str) -> None:
    reply = await api.get("/chatkit/threads", user=user)
    assert reply.status == 400
    assert_error_shape(reply.json, param="user")


async def test_user_filter_length_limits_ok(api: Api) -> None:
    assert (await api.get("/chatkit/threads", user="u" * 512)).status == 200
    assert (await api.get("/chatkit/threads", user="u")).status == 200


async def test_items_of_unknown_thread(api: Api) -> None:
    reply = await api.get("/chatkit/threads/cthr_nope/items")
    assert reply.status == 404
    assert_error_shape(reply.json, code="not_found")


async def test_raw_items_are_served_verbatim(api: Api, emu: ChatKitEmulator) -> None:
    emu.reset()
    emu.add_thread(id="cthr_raw")
    raws: list[dict[str, Any]] = [
        {
            "id": "cthi_1",
            "object": "chatkit.thread_item",
            "created_at": 10,
            "thread_id": "cthr_raw",
            "type": "chatkit.future_thing",
            "payload": {"deep": [1, 2, {"x": None}]},
        },
        {
            "id": "cthi_2",
            "object": "chatkit.thread_item",
            "created_at": 11,
            "thread_id": "cthr_raw",
            "type": "user_message",
            "content": [{"type": "input_text", "text": "bare"}],
            "attachments": [],
            "inference_options": None,
            "extra_field": "kept",
        },
        {"type": "weird"},
    ]
    stored = [emu.add_raw_item("cthr_raw", r) for r in raws]
    assert stored[:2] == raws[:2]
    assert stored[2]["type"] == "weird" and stored[2]["id"] and stored[2]["created_at"] > 11
    assert set(stored[2]) == {"type", "id", "created_at"}
    body = (await api.get("/chatkit/threads/cthr_raw/items", order="asc")).json
    assert body["data"] == stored


# ------------------------------------------------------------------------------ sessions


async def test_create_session_defaults(api: Api, emu: ChatKitEmulator) -> None:
    before = int(time.time())
    reply = await api.call(
        "POST", "/chatkit/sessions", json_body={"user": "user_42", "workflow": {"id": "wf_1"}}
    )
    assert reply.status == 200, reply.body
    s = reply.json
    assert re.fullmatch(r"cksess_[0-9a-f]+", s["id"])
    assert re.fullmatch(r"ek_[0-9a-f]{32,}", s["client_secret"])
    assert s["object"] == "chatkit.session"
    assert before + 600 <= s["expires_at"] <= int(time.time()) + 600
    assert s["workflow"] == {
        "id": "wf_1",
        "version": None,
        "state_variables": None,
        "tracing": {"enabled": True},
    }
    assert s["user"] == "user_42"
    assert s["rate_limits"] == {"max_requests_per_1_minute": 10}
    assert s["max_requests_per_1_minute"] == 10
    assert s["status"] == "active"
    assert s["chatkit_configuration"] == {
        "automatic_thread_titling": {"enabled": True},
        "file_upload": {"enabled": False, "max_file_size": 512, "max_files": 10},
        "history": {"enabled": True, "recent_threads": None},
    }
    assert emu.sessions() == [s]


async def test_create_session_overrides_and_cancel(api: Api, emu: ChatKitEmulator) -> None:
    request: dict[str, Any] = {
        "user": "user_7",
        "workflow": {
            "id": "wf_2",
            "version": "3",
            "state_variables": {"plan": "pro", "beta": True, "score": 1.5, "n": 3},
            "tracing": {"enabled": False},
        },
        "expires_after": {"anchor": "created_at", "seconds": 60},
        "rate_limits": {"max_requests_per_1_minute": 99},
        "chatkit_configuration": {
            "automatic_thread_titling": {"enabled": False},
            "file_upload": {"enabled": True, "max_file_size": 16, "max_files": 3},
            "history": {"enabled": False, "recent_threads": 5},
        },
        "unknown_extra": "ignored",
    }
    now = int(time.time())
    s = (await api.call("POST", "/chatkit/sessions", json_body=request)).json
    assert now + 60 <= s["expires_at"] <= int(time.time()) + 60
    assert s["workflow"] == {
        "id": "wf_2",
        "version": "3",
        "state_variables": request["workflow"]["state_variables"],
        "tracing": {"enabled": False},
    }
    assert s["rate_limits"] == {"max_requests_per_1_minute": 99}
    assert s["max_requests_per_1_minute"] == 99
    assert s["chatkit_configuration"] == {
        "automatic_thread_titling": {"enabled": False},
        "file_upload": {"enabled": True, "max_file_size": 16, "max_files": 3},
        "history": {"enabled": False, "recent_threads": 5},
    }
    cancelled = await api.call("POST", f"/chatkit/sessions/{s['id']}/cancel")
    assert cancelled.status == 200
    assert cancelled.json == {**s, "status": "cancelled"}
    again = await api.call("POST", f"/chatkit/sessions/{s['id']}/cancel")
    assert again.status == 200 and again.json["status"] == "cancelled"
    assert emu.sessions()[-1]["status"] == "cancelled"
    missing = await api.call("POST", "/chatkit/sessions/cksess_nope/cancel")
    assert missing.status == 404
    assert_error_shape(missing.json, code="not_found")


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"workflow": {"id": "wf"}}, "user"),
        ({"user": "u"}, "workflow"),
        ({"user": "u", "workflow": {}}, "workflow.id"),
        ({"user": "u", "workflow": "wf"}, "workflow"),
        ({"user": "u", "workflow": {"id": 5}}, "workflow.id"),
        ({"user": "", "workflow": {"id": "wf"}}, "user"),
        ({"user": 3, "workflow": {"id": "wf"}}, "user"),
        ({"user": "u", "workflow": {"id": "wf", "version": None}}, "workflow.version"),
        (
            {"user": "u", "workflow": {"id": "wf", "state_variables": {"a": {"b": 1}}}},
            "workflow.state_variables.a",
        ),
        (
            {"user": "u", "workflow": {"id": "wf", "state_variables": {"k" * 65: "v"}}},
            "workflow.state_variables." + "k" * 65,
        ),
        (
            {"user": "u", "workflow": {"id": "wf", "tracing": {"enabled": "yes"}}},
            "workflow.tracing.enabled",
        ),
        (
            {"user": "u", "workflow": {"id": "wf"}, "expires_after": {"seconds": 5}},
            "expires_after.anchor",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "expires_after": {"anchor": "now", "seconds": 5},
            },
            "expires_after.anchor",
        ),
        (
            {"user": "u", "workflow": {"id": "wf"}, "expires_after": {"anchor": "created_at"}},
            "expires_after.seconds",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "expires_after": {"anchor": "created_at", "seconds": 0},
            },
            "expires_after.seconds",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "expires_after": {"anchor": "created_at", "seconds": 601},
            },
            "expires_after.seconds",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "expires_after": {"anchor": "created_at", "seconds": "60"},
            },
            "expires_after.seconds",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "expires_after": {"anchor": "created_at", "seconds": True},
            },
            "expires_after.seconds",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "rate_limits": {"max_requests_per_1_minute": 0},
            },
            "rate_limits.max_requests_per_1_minute",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "chatkit_configuration": {"file_upload": {"max_file_size": 513}},
            },
            "chatkit_configuration.file_upload.max_file_size",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "chatkit_configuration": {"file_upload": {"max_files": 0}},
            },
            "chatkit_configuration.file_upload.max_files",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "chatkit_configuration": {"history": {"recent_threads": 0}},
            },
            "chatkit_configuration.history.recent_threads",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "wf"},
                "chatkit_configuration": {"automatic_thread_titling": {"enabled": 1}},
            },
            "chatkit_configuration.automatic_thread_titling.enabled",
        ),
        (
            {"user": "u", "workflow": {"id": "wf"}, "chatkit_configuration": []},
            "chatkit_configuration",
        ),
    ],
)
async def test_create_session_validation(
    api: Api, emu: ChatKitEmulator, body: Any, param: str
) -> None:
    reply = await api.call("POST", "/chatkit/sessions", json_body=body)
    assert reply.status == 400, reply.body
    assert_error_shape(reply.json, param=param)
    assert reply.json["error"]["type"] == "invalid_request_error"
    assert emu.sessions() == []


@pytest.mark.parametrize("data", [b"", b"{trunc", b"[1, 2]", b"null", b"\xff\xfe"])
async def test_create_session_bad_json(api: Api, data: bytes) -> None:
    reply = await api.call(
        "POST",
        "/chatkit/sessions",
        data=data,
        headers={**HEADERS, "Content-Type": "application/json"},
    )
    assert reply.status == 400
    assert_error_shape(reply.json)


# ------------------------------------------------------------------------------ auth & routes


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({"OpenAI-Beta": "chatkit_beta=v1"}, "missing_api_key"),
        ({"OpenAI-Beta": "chatkit_beta=v1", "Authorization": "Basic abc"}, "missing_api_key"),
        ({"OpenAI-Beta": "chatkit_beta=v1", "Authorization": "Bearer "}, "missing_api_key"),
        ({"OpenAI-Beta": "chatkit_beta=v1", "Authorization": "Bearer sk-wrong"}, "invalid_api_key"),
    ],
)
async def test_authentication(api: Api, headers: dict[str, str], code: str) -> None:
    for method, path in (
        ("GET", "/chatkit/threads"),
        ("POST", "/chatkit/sessions"),
        ("GET", "/nope"),
    ):
        reply = await api.call(method, path, headers=headers)
        assert reply.status == 401
        assert_error_shape(reply.json, code=code)
        assert reply.json["error"]["type"] == "authentication_error"
        assert "sk-wrong" not in reply.body.decode()


async def test_beta_header(api: Api) -> None:
    reply = await api.call("GET", "/chatkit/threads", headers={"Authorization": f"Bearer {KEY}"})
    assert reply.status == 400
    assert_error_shape(reply.json, code="missing_beta_header")
    wrong = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "chatkit_beta=v2"}
    assert (await api.call("GET", "/chatkit/threads", headers=wrong)).status == 400
    several = {"Authorization": f"Bearer {KEY}", "OpenAI-Beta": "assistants=v2, chatkit_beta=v1"}
    assert (await api.call("GET", "/chatkit/threads", headers=several)).status == 200
    lower = {"authorization": f"bearer {KEY}", "openai-beta": "chatkit_beta=v1"}
    assert (await api.call("GET", "/chatkit/threads", headers=lower)).status == 200


async def test_any_key_and_no_beta_header(session: aiohttp.ClientSession) -> None:
    async with ChatKitEmulator(api_key=None, require_beta_header=False, demo=False) as emu:
        assert emu.api_key is None
        api = Api(session, emu)
        reply = await api.call("GET", "/chatkit/threads", headers={"Authorization": "Bearer x"})
        assert reply.status == 200
        assert (await api.call("GET", "/chatkit/threads", headers={})).status == 401


async def test_unknown_routes_and_methods(api: Api) -> None:
    for method, path in (
        ("GET", "/chatkit/nothing"),
        ("GET", "/chatkit/threads/a/b/c"),
        ("POST", "/chatkit/sessions/x"),
        ("GET", "/chatkit/threads/x/items/"),
        ("GET", "/models"),
    ):
        reply = await api.call(method, path)
        assert reply.status == 404, (method, path)
        assert_error_shape(reply.json, code="unknown_url")
    async with api.session.get(api.emu.base_url.removesuffix("/v1") + "/", headers=HEADERS) as r:
        assert r.status == 404 and REQUEST_ID.fullmatch(r.headers["x-request-id"])
        assert_error_shape(await r.json())
    for method, path in (
        ("POST", "/chatkit/threads"),
        ("PUT", "/chatkit/threads/x"),
        ("GET", "/chatkit/sessions"),
        ("DELETE", "/chatkit/threads/x/items"),
        ("GET", "/chatkit/sessions/x/cancel"),
    ):
        reply = await api.call(method, path)
        assert reply.status == 405, (method, path)
        assert_error_shape(reply.json, code="method_not_allowed")
        assert reply.headers["Allow"]


async def test_request_ids_are_unique(api: Api) -> None:
    ids = {(await api.get("/chatkit/threads", limit=1)).request_id for _ in range(20)}
    assert len(ids) == 20


# ------------------------------------------------------------------------------ request log


async def test_request_log(api: Api, emu: ChatKitEmulator) -> None:
    emu.clear_requests()
    assert emu.requests == []
    await api.get("/chatkit/threads", limit=3, order="asc")
    reply = await api.call(
        "POST", "/chatkit/sessions", json_body={"user": "u", "workflow": {"id": "wf"}}
    )
    await api.call("GET", "/chatkit/threads", headers={})
    log = emu.requests
    assert len(log) == 3
    first, second, third = log
    assert isinstance(first, RecordedRequest)
    assert (first.method, first.path, first.query, first.status) == (
        "GET",
        "/v1/chatkit/threads",
        {"limit": "3", "order": "asc"},
        200,
    )
    assert first.headers["authorization"] == f"Bearer {KEY}"
    assert first.header("OPENAI-BETA") == "chatkit_beta=v1"
    assert first.header("x-missing") is None
    assert first.body == b"" and first.fault is None
    assert REQUEST_ID.fullmatch(first.request_id)
    assert (second.method, second.path, second.status) == ("POST", "/v1/chatkit/sessions", 200)
    assert second.json() == {"user": "u", "workflow": {"id": "wf"}}
    assert second.request_id == reply.request_id
    assert third.status == 401
    with pytest.raises(AttributeError):
        first.status = 500  # type: ignore[misc]
    emu.clear_requests()
    assert emu.requests == []


async def test_request_log_can_be_turned_off(api: Api, emu: ChatKitEmulator) -> None:
    emu.record_requests = False
    await api.get("/chatkit/threads")
    assert emu.requests == []


# ------------------------------------------------------------------------------ faults


async def test_status_fault_with_headers(api: Api, emu: ChatKitEmulator) -> None:
    emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "10", "x-should-retry": "true"}))
    reply = await api.get("/chatkit/threads")
    assert reply.status == 429
    assert reply.headers["retry-after-ms"] == "10"
    assert reply.headers["x-should-retry"] == "true"
    assert_error_shape(reply.json, code="rate_limit_exceeded")
    assert (await api.get("/chatkit/threads")).status == 200
    assert emu.faults_served == 1
    assert [r.fault for r in emu.requests] == ["429", None]
    assert [r.status for r in emu.requests] == [429, 200]


@pytest.mark.parametrize("status", [400, 401, 403, 404, 408, 409, 422, 500, 502, 503, 504])
async def test_status_fault_bodies(api: Api, emu: ChatKitEmulator, status: int) -> None:
    emu.inject(FaultSpec(status=status, headers={"x-should-retry": "false"}))
    reply = await api.get("/chatkit/threads")
    assert reply.status == status
    assert reply.headers["x-should-retry"] == "false"
    assert_error_shape(reply.json)


async def test_fault_times_and_fifo(api: Api, emu: ChatKitEmulator) -> None:
    emu.inject(FaultSpec(status=500, times=2), FaultSpec(status=503))
    statuses = [(await api.get("/chatkit/threads")).status for _ in range(4)]
    assert statuses == [500, 500, 503, 200]
    assert emu.faults_served == 3


async def test_fault_path_and_method_filters(api: Api, emu: ChatKitEmulator) -> None:
    thread_id = emu.threads()[0]["id"]
    items_path = f"/v1/chatkit/threads/{thread_id}/items"
    emu.inject(FaultSpec(status=503, path=items_path))
    emu.inject(FaultSpec(status=502, method="delete"))
    assert (await api.get("/chatkit/threads")).status == 200
    assert (await api.get(f"/chatkit/threads/{thread_id}")).status == 200
    assert (await api.get(f"/chatkit/threads/{thread_id}/items")).status == 503
    assert (await api.get(f"/chatkit/threads/{thread_id}/items")).status == 200
    assert (await api.call("DELETE", f"/chatkit/threads/{thread_id}")).status == 502
    assert (await api.call("DELETE", f"/chatkit/threads/{thread_id}")).status == 200


@pytest.mark.parametrize("raw", [b"<html>oops</html>", b"{trunc", b"", b"\x00\xff"])
async def test_raw_body_fault(api: Api, emu: ChatKitEmulator, raw: bytes) -> None:
    emu.inject(FaultSpec(body=raw))
    reply = await api.get("/chatkit/threads")
    assert reply.status == 200
    assert reply.body == raw
    assert REQUEST_ID.fullmatch(reply.request_id)
    emu.inject(FaultSpec(status=502, body=raw, headers={"content-type": "text/html"}))
    reply = await api.get("/chatkit/threads")
    assert (reply.status, reply.body) == (502, raw)
    assert reply.headers["content-type"] == "text/html"


async def test_json_body_fault(api: Api, emu: ChatKitEmulator) -> None:
    page = {"object": "list", "data": [], "first_id": "a", "last_id": "a", "has_more": True}
    emu.inject(FaultSpec(body=page, times=2))
    assert (await api.get("/chatkit/threads")).json == page
    assert (await api.get("/chatkit/threads")).json == page
    assert (await api.get("/chatkit/threads")).json["first_id"] != "a"


async def test_no_body_statuses_carry_no_body_and_no_content_type(
    api: Api, emu: ChatKitEmulator
) -> None:
    """A 204 or 304 fault answers without a body, even one given; a fault's own headers stay."""
    emu.inject(FaultSpec(status=204, body=b"dropped"))
    reply = await api.get("/chatkit/threads")
    assert (reply.status, reply.body) == (204, b"")
    assert "content-type" not in reply.headers
    emu.inject(FaultSpec(status=304, headers={"content-type": "text/x"}))
    reply = await api.get("/chatkit/threads")
    assert (reply.status, reply.body, reply.headers["content-type"]) == (304, b"", "text/x")
    assert [r.fault for r in emu.requests[-2:]] == ["204", "304"]


async def test_headers_only_fault(api: Api, emu: ChatKitEmulator) -> None:
    emu.inject(FaultSpec(headers={"x-request-id": "req_fffe1234", "x-extra": "1"}))
    reply = await api.get("/chatkit/threads")
    assert reply.status == 200 and reply.json["object"] == "list"
    assert reply.request_id == "req_fffe1234" and reply.headers["x-extra"] == "1"
    assert emu.requests[-1].request_id == "req_fffe1234"
    assert emu.requests[-1].fault == "headers"


async def test_drop_fault(api: Api, emu: ChatKitEmulator) -> None:
    # POST is not idempotent, so aiohttp does not retry it on its own.
    emu.inject(FaultSpec(drop=True, method="POST"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call(
            "POST", "/chatkit/sessions", json_body={"user": "u", "workflow": {"id": "w"}}
        )
    assert emu.requests[-1].status == 0 and emu.requests[-1].fault == "drop"
    assert emu.sessions() == []
    # aiohttp retries an idempotent request once after a disconnect: drop twice to see it.
    emu.inject(FaultSpec(drop=True, times=2))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get("/chatkit/threads")
    assert [r.status for r in emu.requests[-2:]] == [0, 0]
    assert (await api.get("/chatkit/threads")).status == 200
    assert emu.faults_served == 3


async def test_after_faults_run_the_operation_first(api: Api, emu: ChatKitEmulator) -> None:
    """``after=True`` changes the server's state, then serves the fault instead of the reply."""
    body = {"user": "u", "workflow": {"id": "w"}}
    emu.inject(FaultSpec(status=500, after=True, method="POST"))
    assert (await api.call("POST", "/chatkit/sessions", json_body=body)).status == 500
    assert len(emu.sessions()) == 1
    emu.inject(FaultSpec(drop=True, after=True, method="POST"))
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await api.call("POST", "/chatkit/sessions", json_body=body)
    assert len(emu.sessions()) == 2
    # A delay after the operation: the session exists before the reply is sent.
    emu.inject(FaultSpec(delay=0.3, after=True, method="POST"))
    task = asyncio.ensure_future(api.call("POST", "/chatkit/sessions", json_body=body))
    await asyncio.sleep(0.15)
    assert len(emu.sessions()) == 3 and not task.done()
    assert (await task).status == 200
    assert len(emu.sessions()) == 3
    # Without ``after`` a status fault leaves the state alone.
    emu.inject(FaultSpec(status=500, method="POST"))
    assert (await api.call("POST", "/chatkit/sessions", json_body=body)).status == 500
    assert len(emu.sessions()) == 3


async def test_delay_fault(api: Api, emu: ChatKitEmulator) -> None:
    emu.inject(FaultSpec(delay=0.3))
    start = time.perf_counter()
    reply = await api.get("/chatkit/threads")
    elapsed = time.perf_counter() - start
    assert reply.status == 200 and elapsed >= 0.28
    assert emu.requests[-1].fault == "delay"
    # delay + status: slow error
    emu.inject(FaultSpec(delay=0.1, status=503))
    start = time.perf_counter()
    assert (await api.get("/chatkit/threads")).status == 503
    assert time.perf_counter() - start >= 0.09


async def test_delay_fault_client_timeout_and_fast_shutdown(session: aiohttp.ClientSession) -> None:
    emu = ChatKitEmulator(demo=False)
    await emu.astart()
    emu.inject(FaultSpec(delay=30))
    with pytest.raises(asyncio.TimeoutError):
        async with session.get(
            emu.base_url + "/chatkit/threads",
            headers=HEADERS,
            timeout=aiohttp.ClientTimeout(total=0.2),
        ):
            pass
    start = time.perf_counter()
    await emu.astop()
    assert time.perf_counter() - start < 5  # the pending delay is cut short


async def test_random_faults_are_deterministic(session: aiohttp.ClientSession) -> None:
    async def run(seed: int) -> list[tuple[int, str | None]]:
        async with ChatKitEmulator(demo=False) as emu:
            emu.add_thread()
            emu.inject_random_faults(
                rate=0.5, seed=seed, kinds=("429", "500", "503", "delay"), delay=0.001
            )
            api = Api(session, emu)
            for _ in range(40):
                await api.get("/chatkit/threads")
            log = [(r.status, r.fault) for r in emu.requests]
            assert emu.faults_served == sum(1 for _, f in log if f is not None)
            for _, fault in log:
                assert fault in (None, "429", "500", "503", "delay")
            return log

    first = await run(7)
    assert first == await run(7)
    assert first != await run(8)
    assert 5 < sum(1 for _, f in first if f is not None) < 35


async def test_random_faults_headers_drop_and_off(api: Api, emu: ChatKitEmulator) -> None:
    emu.inject_random_faults(rate=1.0, seed=1, kinds=("429",), retry_after_ms=7)
    reply = await api.get("/chatkit/threads")
    assert reply.status == 429 and reply.headers["retry-after-ms"] == "7"
    emu.inject_random_faults(rate=1.0, seed=1, kinds=("drop",))
    with pytest.raises(aiohttp.ClientConnectionError):
        await api.get("/chatkit/threads")
    emu.inject_random_faults(rate=0, seed=1)
    assert (await api.get("/chatkit/threads")).status == 200
    # queued faults take precedence over random ones
    emu.inject_random_faults(rate=1.0, seed=1, kinds=("503",))
    emu.inject(FaultSpec(status=418))
    assert (await api.get("/chatkit/threads")).status == 418
    assert (await api.get("/chatkit/threads")).status == 503
    emu.clear_faults()
    assert (await api.get("/chatkit/threads")).status == 200


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_serve_forever_serves_until_interrupted(sig: signal.Signals) -> None:
    code = "from chatkit_async.testing import serve_forever; serve_forever(0, seed=3, threads=2)"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        banner = proc.stdout.readline()
        match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", banner)
        assert match, banner
        reply = _get_sync(match.group(1), "/chatkit/threads")
        assert reply.status == 200 and len(reply.json["data"]) == 2
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_fault_spec_validation() -> None:
    with pytest.raises(ValueError, match="status"):
        FaultSpec(status=99)
    with pytest.raises(ValueError, match="delay"):
        FaultSpec(delay=-1)
    with pytest.raises(ValueError, match="times"):
        FaultSpec(times=0)
    emu = ChatKitEmulator(demo=False)
    with pytest.raises(ValueError, match="rate"):
        emu.inject_random_faults(rate=1.5, seed=0)
    with pytest.raises(ValueError, match="kind"):
        emu.inject_random_faults(rate=0.5, seed=0, kinds=("boom",))
    assert FaultSpec(drop=True).kind == "drop"
    assert FaultSpec(status=500).kind == "500"
    assert FaultSpec(body=b"x").kind == "body"
    assert FaultSpec(delay=0.1).kind == "delay"


# ------------------------------------------------------------------------------ lifecycle


def _get_sync(emu: ChatKitEmulator | str, path: str, headers: Mapping[str, str] = HEADERS) -> Reply:
    """GET with urllib; ``emu`` is an emulator or a base URL."""
    base_url = emu if isinstance(emu, str) else emu.base_url
    request = urllib.request.Request(base_url + path, headers=dict(headers))
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return Reply(resp.status, CIMultiDict(resp.headers.items()), resp.read())
    except urllib.error.HTTPError as exc:
        with exc:
            return Reply(exc.code, CIMultiDict(exc.headers.items()), exc.read())


def _running(emu: ChatKitEmulator) -> bool:
    return emu.is_running


def _emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "chatkit-emulator"]


def test_sync_start_stop() -> None:
    emu = ChatKitEmulator()
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    assert emu.start() is emu
    try:
        assert emu.is_running
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v1", emu.base_url)
        assert emu.port == int(emu.base_url.rsplit(":", 1)[1].split("/")[0])
        reply = _get_sync(emu, "/chatkit/threads")
        assert reply.status == 200 and len(reply.json["data"]) == 12
        assert REQUEST_ID.fullmatch(reply.request_id)
        missing = _get_sync(emu, "/chatkit/threads", headers={})
        assert missing.status == 401 and REQUEST_ID.fullmatch(missing.request_id)
        with pytest.raises(RuntimeError):
            emu.start()
        assert "127.0.0.1" in repr(emu)
    finally:
        emu.stop()
    assert not _running(emu) and "stopped" in repr(emu)
    assert not _emulator_threads()
    with pytest.raises(RuntimeError):
        _ = emu.base_url
    emu.stop()  # idempotent
    # restartable, data kept
    with emu:
        assert _get_sync(emu, "/chatkit/threads").status == 200
    assert not _emulator_threads()


def test_sync_context_manager_and_seeding_after_start() -> None:
    with ChatKitEmulator(demo=False) as emu:
        assert _get_sync(emu, "/chatkit/threads").json["data"] == []
        emu.add_thread(id="cthr_late")
        assert _get_sync(emu, "/chatkit/threads/cthr_late").status == 200


async def test_sync_start_from_thread_with_running_loop(session: aiohttp.ClientSession) -> None:
    """Like Jupyter: the calling thread already runs an event loop."""
    asyncio.get_running_loop()
    emu = ChatKitEmulator().start()
    try:
        api = Api(session, emu)
        assert (await api.get("/chatkit/threads")).status == 200
        emu.inject(FaultSpec(delay=0.05))
        assert (await api.get("/chatkit/threads")).status == 200
    finally:
        emu.stop()
    assert not _emulator_threads()
    # await astop() on a sync-started emulator stops it too
    emu.start()
    await emu.astop()
    assert not emu.is_running and not _emulator_threads()


async def test_async_lifecycle(session: aiohttp.ClientSession) -> None:
    emu = ChatKitEmulator(demo=False)
    assert await emu.astart() is emu
    with pytest.raises(RuntimeError):
        await emu.astart()
    with pytest.raises(RuntimeError):
        emu.stop()
    assert (await Api(session, emu).get("/chatkit/threads")).status == 200
    await emu.astop()
    await emu.astop()  # idempotent
    assert not _running(emu)
    async with emu:
        assert _running(emu)
    assert not _running(emu)


def test_port_in_use_raises() -> None:
    with ChatKitEmulator(demo=False) as first:
        second = ChatKitEmulator(demo=False, port=first.port)
        with pytest.raises(OSError):
            second.start()
        assert not second.is_running
    assert not _emulator_threads()


def test_concurrent_requests_from_threads() -> None:
    with ChatKitEmulator() as emu:
        errors: list[BaseException] = []

        def worker() -> None:
            try:
                for _ in range(10):
                    assert _get_sync(emu, "/chatkit/threads", HEADERS).status == 200
                    emu.add_thread()
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        workers = [threading.Thread(target=worker) for _ in range(4)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        assert not errors
        assert len(emu.threads()) == 12 + 40
        assert len(emu.requests) == 40


# ------------------------------------------------------------------------------ seeding API


def test_add_thread_defaults_and_overrides() -> None:
    emu = ChatKitEmulator(demo=False)
    t = emu.add_thread()
    assert re.fullmatch(r"cthr_[0-9a-f]{24}", t["id"])
    assert t == {
        "id": t["id"],
        "object": "chatkit.thread",
        "created_at": t["created_at"],
        "title": None,
        "status": {"type": "active"},
        "user": "user_1",
    }
    newer = emu.add_thread(id="cthr_x", user="bob", title="Hi", status={"type": "locked"})
    assert newer["created_at"] == t["created_at"] + 1
    assert newer["status"] == {"type": "locked", "reason": None}
    assert emu.add_thread(status={"type": "closed", "reason": "done"})["status"] == {
        "type": "closed",
        "reason": "done",
    }
    assert emu.add_thread(status={"type": "archived"})["status"] == {"type": "archived"}
    assert emu.add_thread(created_at=5)["created_at"] == 5
    with pytest.raises(ValueError):
        emu.add_thread(id="cthr_x")
    raw = emu.add_raw_thread({"id": "cthr_raw", "user": "bob", "surprise": [1]})
    assert raw["surprise"] == [1] and isinstance(raw["created_at"], int)
    assert [x["id"] for x in emu.threads()][-1] == "cthr_raw"


def test_add_item_all_types() -> None:
    emu = ChatKitEmulator(demo=False)
    emu.add_thread(id="cthr_1")
    for full in ITEM_TYPES:
        for spelling in (full, full.removeprefix("chatkit.")):
            item = emu.add_item("cthr_1", spelling)
            assert item["type"] == full
            assert item["object"] == "chatkit.thread_item"
            assert item["thread_id"] == "cthr_1"
            assert re.fullmatch(r"cthi_[0-9a-f]{24}", item["id"])
    item = emu.add_item(
        "cthr_1", id="cthi_custom", created_at=42, text="hello", attachments=[], extra="kept"
    )
    assert item["content"] == [{"type": "input_text", "text": "hello"}]
    assert (item["id"], item["created_at"], item["extra"]) == ("cthi_custom", 42, "kept")
    reply = emu.add_item("cthr_1", "assistant_message", text="answer")
    assert reply["content"] == [{"type": "output_text", "text": "answer", "annotations": []}]
    tool = emu.add_item("cthr_1", "client_tool_call", status="in_progress", output=None)
    assert tool["status"] == "in_progress" and tool["output"] is None
    with pytest.raises(ValueError, match="unknown item type"):
        emu.add_item("cthr_1", "chatkit.nope")
    with pytest.raises(KeyError):
        emu.add_item("cthr_missing")
    with pytest.raises(ValueError):
        emu.add_item("cthr_1", id="cthi_custom")
    with pytest.raises(KeyError):
        emu.add_raw_item("cthr_missing", {})
    with pytest.raises(TypeError):
        emu.add_raw_item("cthr_1", {"id": 5})
    with pytest.raises(TypeError):
        emu.add_raw_item("cthr_1", {"x": object()})
    assert emu.items("cthr_1")[-1]["type"] == "chatkit.client_tool_call"


def test_add_items_cycles_types_and_is_fast() -> None:
    emu = ChatKitEmulator(demo=False)
    emu.add_thread(id="cthr_1")
    items = emu.add_items("cthr_1", 12)
    assert [i["type"] for i in items] == list(ITEM_TYPES) * 2
    created = [i["created_at"] for i in items]
    assert created == sorted(created) and len(set(created)) == 12
    only = emu.add_items("cthr_1", 4, types=["widget", "task"])
    assert [i["type"] for i in only] == ["chatkit.widget", "chatkit.task"] * 2
    assert emu.items("cthr_1") == items + only
    assert emu.items("cthr_1", order="desc") == (items + only)[::-1]
    emu.add_thread(id="cthr_big")
    start = time.perf_counter()
    emu.add_items("cthr_big", 20_000)
    assert time.perf_counter() - start < 5
    with pytest.raises(ValueError):
        emu.add_items("cthr_1", -1)


async def test_big_thread_paging_from_the_middle(session: aiohttp.ClientSession) -> None:
    async with ChatKitEmulator(demo=False, record_requests=False) as emu:
        emu.add_thread(id="cthr_big")
        items = emu.add_items("cthr_big", 50_000)
        api = Api(session, emu)
        middle = items[25_000]["id"]
        body = (await api.get("/chatkit/threads/cthr_big/items", limit=100, after=middle)).json
        assert [i["id"] for i in body["data"]] == [i["id"] for i in items[24_999:24_899:-1]]
        body = (
            await api.get("/chatkit/threads/cthr_big/items", limit=100, order="asc", before=middle)
        ).json
        assert [i["id"] for i in body["data"]] == [i["id"] for i in items[24_900:25_000]]


def test_demo_data_is_deterministic_and_rich() -> None:
    a, b, c = ChatKitEmulator(seed=3), ChatKitEmulator(seed=3), ChatKitEmulator(seed=4)
    assert a.threads() == b.threads()
    assert a.threads() != c.threads()
    for t in a.threads():
        assert a.items(t["id"]) == b.items(t["id"])
    threads = a.threads()
    assert len(threads) == 12
    assert {t["user"] for t in threads} == {"user_1", "user_2", "user_3"}
    assert {t["status"]["type"] for t in threads} == {"active", "locked", "closed"}
    reasons = {t["status"].get("reason") for t in threads if t["status"]["type"] != "active"}
    assert None in reasons and len(reasons) > 1
    titles = [t["title"] for t in threads]
    assert None in titles and any(isinstance(x, str) for x in titles)
    assert len({t["created_at"] for t in threads}) < len(threads)  # a timestamp tie
    items = [i for t in threads for i in a.items(t["id"])]
    assert {i["type"] for i in items} == set(ITEM_TYPES)
    assert any(not a.items(t["id"]) for t in threads)  # an empty thread
    dumped = json.dumps(items)
    for needle in (
        '"type": "url"',
        '"type": "file"',
        '"quoted_text"',
        '"preview_url": null',
        '"type": "image"',
        '"tool_choice": {',
        '"in_progress"',
    ):
        assert needle in dumped, needle
    # more threads extend the same data set; reset empties everything
    bigger = ChatKitEmulator(seed=3, demo_threads=20)
    assert bigger.threads()[:12] == threads
    a.reset()
    assert a.threads() == [] and a.requests == [] and a.faults_served == 0
    a.seed_demo(3)
    assert a.threads() == threads
    with pytest.raises(ValueError):
        a.seed_demo(3)


def test_generated_ids_are_deterministic_per_seed() -> None:
    def ids(seed: int) -> list[str]:
        emu = ChatKitEmulator(demo=False, seed=seed)
        t = emu.add_thread()
        return [t["id"]] + [i["id"] for i in emu.add_items(t["id"], 3)]

    assert ids(1) == ids(1)
    assert ids(1) != ids(2)


# ------------------------------------------------------------------------------ pytest plugin


def test_plugin_fixture(chatkit_emulator: ChatKitEmulator) -> None:
    assert chatkit_emulator.is_running
    assert chatkit_emulator.api_key == KEY
    assert len(chatkit_emulator.threads()) == 12
    assert _get_sync(chatkit_emulator, "/chatkit/threads").status == 200


async def test_plugin_fixture_in_async_test(
    chatkit_emulator: ChatKitEmulator, session: aiohttp.ClientSession
) -> None:
    assert (await Api(session, chatkit_emulator).get("/chatkit/threads")).status == 200


@pytest.mark.chatkit_emulator(demo=False, api_key=None)
def test_plugin_marker(chatkit_emulator: ChatKitEmulator) -> None:
    assert chatkit_emulator.threads() == []
    reply = _get_sync(
        chatkit_emulator,
        "/chatkit/threads",
        {"Authorization": "Bearer anything", "OpenAI-Beta": "chatkit_beta=v1"},
    )
    assert reply.status == 200


def test_plugin_factory(chatkit_emulator_factory: Any) -> None:
    one = chatkit_emulator_factory(demo=False)
    two = chatkit_emulator_factory(seed=9, demo_threads=2)
    assert one.port != two.port
    assert one.threads() == [] and len(two.threads()) == 2
    assert _get_sync(two, "/chatkit/threads").status == 200
