"""Wire payloads built from the spec's schemas, shared by the unit tests.

Each builder returns a fresh dict that validates against the official schema of its object (the
converter tests check that, so these fixtures cannot drift from the spec unnoticed).
"""

from __future__ import annotations

from typing import Any

T = 1_760_000_000


def thread(id: str = "cthr_1", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread",
        "created_at": T,
        "title": "Refund request",
        "status": {"type": "active"},
        "user": "user_42",
    }
    body.update(over)
    return body


def user_message(id: str = "cthi_1", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": T + 1,
        "thread_id": "cthr_1",
        "type": "chatkit.user_message",
        "content": [
            {"type": "input_text", "text": "Where is my order?"},
            {"type": "quoted_text", "text": "shipped on Monday"},
        ],
        "attachments": [
            {
                "type": "image",
                "id": "att_1",
                "name": "receipt.png",
                "mime_type": "image/png",
                "preview_url": "https://example.com/receipt.png",
            },
            {
                "type": "file",
                "id": "att_2",
                "name": "notes.txt",
                "mime_type": "text/plain",
                "preview_url": None,
            },
        ],
        "inference_options": {"tool_choice": {"id": "search"}, "model": "gpt-5"},
    }
    body.update(over)
    return body


def assistant_message(id: str = "cthi_2", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": T + 2,
        "thread_id": "cthr_1",
        "type": "chatkit.assistant_message",
        "content": [
            {
                "type": "output_text",
                "text": "It ships tomorrow.",
                "annotations": [
                    {"type": "file", "source": {"type": "file", "filename": "policy.pdf"}},
                    {"type": "url", "source": {"type": "url", "url": "https://example.com/x"}},
                ],
            }
        ],
    }
    body.update(over)
    return body


def widget(id: str = "cthi_3", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": T + 3,
        "thread_id": "cthr_1",
        "type": "chatkit.widget",
        "widget": '{"type": "Card", "children": []}',
    }
    body.update(over)
    return body


def client_tool_call(id: str = "cthi_4", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": T + 4,
        "thread_id": "cthr_1",
        "type": "chatkit.client_tool_call",
        "status": "completed",
        "call_id": "call_1",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        "output": '{"temp": 21}',
    }
    body.update(over)
    return body


def task(id: str = "cthi_5", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": T + 5,
        "thread_id": "cthr_1",
        "type": "chatkit.task",
        "task_type": "thought",
        "heading": "Thinking",
        "summary": None,
    }
    body.update(over)
    return body


def task_group(id: str = "cthi_6", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": T + 6,
        "thread_id": "cthr_1",
        "type": "chatkit.task_group",
        "tasks": [
            {"type": "custom", "heading": "Search", "summary": "3 results"},
            {"type": "thought", "heading": None, "summary": None},
        ],
    }
    body.update(over)
    return body


ALL_ITEMS = (user_message, assistant_message, widget, client_tool_call, task, task_group)


def page(data: list[dict[str, Any]], *, has_more: bool = False) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0].get("id") if data else None,
        "last_id": data[-1].get("id") if data else None,
        "has_more": has_more,
    }


def session(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "cksess_1",
        "object": "chatkit.session",
        "expires_at": T + 600,
        "client_secret": "ek_secret_value_123",
        "workflow": {
            "id": "wf_1",
            "version": None,
            "state_variables": {"plan": "pro", "beta": True},
            "tracing": {"enabled": True},
        },
        "user": "user_42",
        "rate_limits": {"max_requests_per_1_minute": 10},
        "max_requests_per_1_minute": 10,
        "status": "active",
        "chatkit_configuration": {
            "automatic_thread_titling": {"enabled": True},
            "file_upload": {"enabled": False, "max_file_size": 512, "max_files": None},
            "history": {"enabled": True, "recent_threads": None},
        },
    }
    body.update(over)
    return body


def deleted(id: str = "cthr_1") -> dict[str, Any]:
    return {"id": id, "object": "chatkit.thread.deleted", "deleted": True}
