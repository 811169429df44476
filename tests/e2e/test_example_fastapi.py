"""examples/fastapi_app.py: one client for the app's lifespan, models as JSON, errors mapped.

Driven with FastAPI's TestClient (which runs the app's lifespan and event loop in a thread of its
own) against the emulator.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from chatkit_async.testing import ChatKitEmulator, FaultSpec

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "fastapi_app.py"


def load_example() -> ModuleType:
    """Import the example file as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("fastapi_app_example", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


example = load_example()


@pytest.fixture
def http(chatkit_emulator: ChatKitEmulator) -> Iterator[TestClient]:
    app = example.create_app(
        api_key=chatkit_emulator.api_key, base_url=chatkit_emulator.base_url, max_retries=0
    )
    with TestClient(app) as client:
        yield client


def test_mint_a_session_for_the_front_end(http: TestClient, chatkit_emulator: ChatKitEmulator) -> None:
    """The signed-in user gets a fresh client secret; the session on the server is theirs."""
    reply = http.post("/api/chatkit/session", headers={"X-User": "user_7"})
    assert reply.status_code == 200
    body = reply.json()
    (session,) = chatkit_emulator.sessions()
    assert body == {"client_secret": session["client_secret"], "expires_at": session["expires_at"]}
    assert session["user"] == "user_7"
    assert http.post("/api/chatkit/session").status_code == 422  # no user: refused by FastAPI


def test_models_are_returned_as_the_wire_json(
    http: TestClient, chatkit_emulator: ChatKitEmulator
) -> None:
    """A thread and a page of items come back exactly as the API sent them."""
    thread = chatkit_emulator.threads()[0]
    assert http.get(f"/api/threads/{thread['id']}").json() == thread
    items = chatkit_emulator.items(thread["id"], order="asc")
    page = http.get(f"/api/threads/{thread['id']}/items", params={"limit": 5}).json()
    assert page["data"] == items[:5] and page["has_more"] is True
    following = http.get(
        f"/api/threads/{thread['id']}/items", params={"limit": 5, "after": page["last_id"]}
    ).json()
    assert following["data"] == items[5:10]
    mine = http.get("/api/threads", headers={"X-User": "user_1"}, params={"limit": 100}).json()
    expected = [t["id"] for t in reversed(chatkit_emulator.threads()) if t["user"] == "user_1"]
    assert [t["id"] for t in mine["data"]] == expected


def test_api_errors_become_http_answers(http: TestClient, chatkit_emulator: ChatKitEmulator) -> None:
    """Unknown id 404, rate limit 429 with Retry-After, other API errors 502, bad ids 400."""
    missing = http.get("/api/threads/cthr_missing")
    assert missing.status_code == 404 and "cthr_missing" in missing.json()["error"]["message"]

    chatkit_emulator.inject(FaultSpec(status=429, headers={"retry-after-ms": "2500"}))
    limited = http.get("/api/threads", headers={"X-User": "user_1"})
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "3"

    chatkit_emulator.inject(FaultSpec(status=500))
    broken = http.get("/api/threads", headers={"X-User": "user_1"})
    assert broken.status_code == 502 and "request id req_" in broken.json()["error"]["message"]

    bad = http.get("/api/threads/cthr%25zz")
    assert bad.status_code == 400 and "must not contain '%'" in bad.json()["error"]["message"]


def test_an_unreachable_api_is_a_504() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = example.create_app(api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1", max_retries=0)
    with TestClient(app) as client:
        assert client.get("/api/threads/cthr_1").status_code == 504


def test_the_emulator_switch_serves_demo_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """``CHATKIT_EMULATOR=1`` with no options: an embedded emulator for the app's lifetime."""
    monkeypatch.setenv("CHATKIT_EMULATOR", "1")
    with TestClient(example.create_app()) as client:
        reply: Any = client.get("/api/threads", headers={"X-User": "user_1"}).json()
    assert reply["data"] and all(t["user"] == "user_1" for t in reply["data"])
