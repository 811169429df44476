"""Every body the ChatKit emulator emits validates against the official OpenAPI schemas.

The schemas come from the project's copy of the official description,
``tests/data/chatkit-openapi.json`` (Draft 2020-12, resolved with a ``referencing`` registry).
The walk covers, for several demo seeds: every page of the thread list (both orders, with and
without the user filter), every thread, every page of every thread's items, session creation
and cancellation, deletion, items built by the seeding helpers, and error bodies.
"""

from __future__ import annotations

import copy
import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from chatkit_async.testing import ChatKitEmulator

pytestmark = pytest.mark.anyio

SPEC_PATH = Path(__file__).resolve().parents[1] / "data" / "chatkit-openapi.json"
HEADERS = {"Authorization": "Bearer sk-test-emulator", "OpenAI-Beta": "chatkit_beta=v1"}

# OpenAI's error envelope is declared nowhere in the spec; this is its usual shape.
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "additionalProperties": False,
    "properties": {
        "error": {
            "type": "object",
            "required": ["message", "type", "param", "code"],
            "additionalProperties": False,
            "properties": {
                "message": {"type": "string", "minLength": 1},
                "type": {"type": "string"},
                "param": {"type": ["string", "null"]},
                "code": {"type": ["string", "null"]},
            },
        }
    },
}


def _load_spec() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    # Spec bug: an integer state variable matches both "integer" and "number" in the response
    # schema's oneOf, so a valid integer fails validation. Relax that oneOf to anyOf here.
    variables = spec["components"]["schemas"]["ChatkitWorkflow"]["properties"]["state_variables"]
    value_schema = variables["anyOf"][0]["additionalProperties"]
    value_schema["anyOf"] = value_schema.pop("oneOf")
    return spec


SPEC = _load_spec()
REGISTRY = Registry().with_resource(
    "urn:ck", Resource.from_contents(SPEC, default_specification=DRAFT202012)
)


def validator(schema_name: str) -> Draft202012Validator:
    return Draft202012Validator(
        {"$ref": f"urn:ck#/components/schemas/{schema_name}"}, registry=REGISTRY
    )


VALIDATORS = {
    name: validator(name)
    for name in (
        "ThreadResource",
        "ThreadListResource",
        "ThreadItemListResource",
        "ThreadItem",
        "DeletedThreadResource",
        "ChatSessionResource",
    )
}
ERROR_VALIDATOR = Draft202012Validator(ERROR_SCHEMA)


def check(schema_name: str, body: Any) -> None:
    errors = sorted(VALIDATORS[schema_name].iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{list(e.path)}: {e.message[:200]}" for e in errors[:5]
    )


def test_spec_bug_patch_is_needed() -> None:
    """The unpatched spec rejects an integer state variable (why the loaded copy is patched)."""
    raw = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    registry = Registry().with_resource(
        "urn:ck", Resource.from_contents(raw, default_specification=DRAFT202012)
    )
    strict = Draft202012Validator(
        {"$ref": "urn:ck#/components/schemas/ChatkitWorkflow"}, registry=registry
    )
    workflow = {"id": "wf", "version": None, "tracing": {"enabled": True}}
    assert strict.is_valid({**workflow, "state_variables": {"a": "x", "b": True, "c": 1.5}})
    assert not strict.is_valid({**workflow, "state_variables": {"n": 1}})


class Client:
    """Fetches bodies from an emulator, validating each against the named schema."""

    def __init__(self, session: aiohttp.ClientSession, emu: ChatKitEmulator) -> None:
        self.session = session
        self.emu = emu
        self.validated = 0

    async def fetch(
        self,
        method: str,
        path: str,
        schema: str | None,
        *,
        params: dict[str, str | int] | None = None,
        body: Any = None,
        status: int = 200,
    ) -> Any:
        async with self.session.request(
            method, self.emu.base_url + path, params=params, json=body, headers=HEADERS
        ) as resp:
            assert resp.status == status, await resp.text()
            assert resp.headers["content-type"].startswith("application/json")
            data = json.loads(await resp.read())
        if schema is None:
            assert not list(ERROR_VALIDATOR.iter_errors(data))
        else:
            check(schema, data)
        self.validated += 1
        return data

    async def pages(
        self, path: str, schema: str, **params: str | int
    ) -> AsyncIterator[dict[str, Any]]:
        query: dict[str, str | int] = dict(params)
        while True:
            page = await self.fetch("GET", path, schema, params=query)
            yield page
            if not page["has_more"]:
                return
            query["after"] = page["last_id"]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.mark.parametrize("seed", [0, 1, 42])
async def test_every_demo_body_validates(session: aiohttp.ClientSession, seed: int) -> None:
    async with ChatKitEmulator(seed=seed, demo_threads=16) as emu:
        client = Client(session, emu)
        threads = emu.threads()
        # thread lists: default page, every page in both orders, user filter, limit 0
        await client.fetch("GET", "/chatkit/threads", "ThreadListResource")
        await client.fetch("GET", "/chatkit/threads", "ThreadListResource", params={"limit": 0})
        for order in ("asc", "desc"):
            listed = [
                t
                async for p in client.pages(
                    "/chatkit/threads", "ThreadListResource", limit=5, order=order
                )
                for t in p["data"]
            ]
            assert len(listed) == len(threads)
            for user in ("user_1", "user_2", "user_3", "nobody"):
                async for _ in client.pages(
                    "/chatkit/threads", "ThreadListResource", limit=3, order=order, user=user
                ):
                    pass
        # every thread and every page of its items, both orders
        item_count = 0
        for thread in threads:
            got = await client.fetch("GET", f"/chatkit/threads/{thread['id']}", "ThreadResource")
            assert got == thread
            for order in ("asc", "desc"):
                async for page in client.pages(
                    f"/chatkit/threads/{thread['id']}/items",
                    "ThreadItemListResource",
                    limit=7,
                    order=order,
                ):
                    item_count += len(page["data"]) if order == "asc" else 0
                    for item in page["data"]:
                        check("ThreadItem", item)
            backwards = await client.fetch(
                "GET",
                f"/chatkit/threads/{thread['id']}/items",
                "ThreadItemListResource",
                params={"limit": 100, "order": "asc"},
            )
            if backwards["data"]:
                await client.fetch(
                    "GET",
                    f"/chatkit/threads/{thread['id']}/items",
                    "ThreadItemListResource",
                    params={"before": backwards["last_id"], "limit": 4},
                )
        assert item_count == sum(len(emu.items(t["id"])) for t in threads) > 100
        # sessions
        minimal = {"user": "user_1", "workflow": {"id": "wf_1"}}
        full = {
            "user": "user_2",
            "workflow": {
                "id": "wf_2",
                "version": "7",
                "state_variables": {"plan": "pro", "beta": False, "ratio": 0.5, "count": 3},
                "tracing": {"enabled": False},
            },
            "expires_after": {"anchor": "created_at", "seconds": 120},
            "rate_limits": {"max_requests_per_1_minute": 30},
            "chatkit_configuration": {
                "automatic_thread_titling": {"enabled": False},
                "file_upload": {"enabled": True, "max_file_size": 8, "max_files": 2},
                "history": {"enabled": True, "recent_threads": 4},
            },
        }
        for request in (minimal, full):
            created = await client.fetch(
                "POST", "/chatkit/sessions", "ChatSessionResource", body=request
            )
            cancelled = await client.fetch(
                "POST", f"/chatkit/sessions/{created['id']}/cancel", "ChatSessionResource"
            )
            assert cancelled["status"] == "cancelled"
        for snapshot in emu.sessions():
            check("ChatSessionResource", snapshot)
        # deletion, then errors of every kind
        deleted = await client.fetch(
            "DELETE", f"/chatkit/threads/{threads[0]['id']}", "DeletedThreadResource"
        )
        assert deleted["deleted"] is True
        await client.fetch("GET", f"/chatkit/threads/{threads[0]['id']}", None, status=404)
        await client.fetch("GET", "/chatkit/threads", None, params={"limit": 101}, status=400)
        await client.fetch("POST", "/chatkit/sessions", None, body={"user": "u"}, status=400)
        await client.fetch("POST", "/chatkit/sessions/cksess_x/cancel", None, status=404)
        await client.fetch("GET", "/chatkit/unknown", None, status=404)
        await client.fetch("PATCH", "/chatkit/threads", None, status=405)
        assert client.validated > 100


def _seeded_items() -> Iterator[dict[str, Any]]:
    emu = ChatKitEmulator(demo=False)
    emu.add_thread(id="cthr_1")
    for spelling in (
        "user_message",
        "assistant_message",
        "widget",
        "client_tool_call",
        "task",
        "task_group",
    ):
        yield emu.add_item("cthr_1", spelling)
        yield emu.add_item("cthr_1", "chatkit." + spelling)
    yield emu.add_item("cthr_1", text="hi", inference_options={"tool_choice": None, "model": None})
    yield emu.add_item("cthr_1", "assistant_message", text="ok")
    yield emu.add_item("cthr_1", "client_tool_call", status="in_progress", output=None)
    yield emu.add_item("cthr_1", "task", task_type="custom", heading=None, summary="s")
    yield from emu.add_items("cthr_1", 30)


@pytest.mark.parametrize("item", list(_seeded_items()), ids=lambda i: str(i["type"]))
def test_seeded_items_validate(item: dict[str, Any]) -> None:
    check("ThreadItem", item)


def test_seeded_threads_validate() -> None:
    emu = ChatKitEmulator(demo=False)
    for thread in (
        emu.add_thread(),
        emu.add_thread(title="t", user="x", status={"type": "locked"}),
        emu.add_thread(status={"type": "closed", "reason": "r"}),
    ):
        check("ThreadResource", thread)


def test_raw_items_can_break_the_schema_on_purpose() -> None:
    """Raw items are served verbatim, so hostile tests can serve invalid or unknown items."""
    emu = ChatKitEmulator(demo=False)
    emu.add_thread(id="cthr_1")
    bare = emu.add_raw_item(
        "cthr_1", {**copy.deepcopy(emu.add_item("cthr_1")), "id": "cthi_b", "type": "user_message"}
    )
    assert not VALIDATORS["ThreadItem"].is_valid(bare)
