"""The pages benchmark d decodes: the emulator's generated page and a rich one built here.

The emulator's ``add_items`` writes lean items (one text part, no attachments, no annotations,
``inference_options: null``), which is what most of a long thread looks like but leaves most of the
decoder unexercised. Real pages are richer, so d also decodes :func:`rich_page`: 100 items cycling
through the six item types, each with every field the spec defines filled in (both user content
parts, image and file attachments, inference options with a tool choice and a model, output text
with file and URL annotations, a widget, a client tool call with its output, a task with heading and
summary, a task group with several tasks). It is deterministic, valid against the official schema
(``tests/unit/test_converter_fastpath.py`` checks that), and built in memory: d measures no network.
"""

from __future__ import annotations

from typing import Any

import orjson

#: Items on one page, as ``list_items(limit=100)`` asks for.
ITEMS = 100
_T0 = 1_760_000_000


def _common(index: int, kind: str, thread_id: str) -> dict[str, Any]:
    return {
        "id": f"cthi_rich_{index:04d}",
        "object": "chatkit.thread_item",
        "created_at": _T0 + index,
        "thread_id": thread_id,
        "type": f"chatkit.{kind}",
    }


def _user_message(i: int, thread_id: str) -> dict[str, Any]:
    return {
        **_common(i, "user_message", thread_id),
        "content": [
            {"type": "input_text", "text": f"Can you compare the two quotes I attached? ({i})"},
            {"type": "quoted_text", "text": "Delivery within 5 working days, VAT included."},
        ],
        "attachments": [
            {
                "type": "image",
                "id": f"att_img_{i:04d}",
                "name": "quote-scan.png",
                "mime_type": "image/png",
                "preview_url": f"https://files.example.com/previews/{i:04d}.png",
            },
            {
                "type": "file",
                "id": f"att_doc_{i:04d}",
                "name": "quote-2.pdf",
                "mime_type": "application/pdf",
                "preview_url": None,
            },
        ],
        "inference_options": {"tool_choice": {"id": "file_search"}, "model": "gpt-5"},
    }


def _assistant_message(i: int, thread_id: str) -> dict[str, Any]:
    return {
        **_common(i, "assistant_message", thread_id),
        "content": [
            {
                "type": "output_text",
                "text": f"The second quote is cheaper by 12% but ships later ({i}).",
                "annotations": [
                    {"type": "file", "source": {"type": "file", "filename": "quote-2.pdf"}},
                    {
                        "type": "url",
                        "source": {"type": "url", "url": "https://example.com/shipping-terms"},
                    },
                ],
            },
            {
                "type": "output_text",
                "text": "Both include VAT; only the first includes installation.",
                "annotations": [
                    {"type": "file", "source": {"type": "file", "filename": "quote-1.pdf"}},
                ],
            },
        ],
    }


def _widget(i: int, thread_id: str) -> dict[str, Any]:
    widget = {
        "type": "Card",
        "children": [
            {"type": "Title", "value": f"Quote comparison {i}"},
            {"type": "Text", "value": "Quote 2 saves 12%"},
            {"type": "Button", "label": "Accept quote 2", "onClickAction": {"type": "accept"}},
        ],
    }
    return {**_common(i, "widget", thread_id), "widget": orjson.dumps(widget).decode()}


def _client_tool_call(i: int, thread_id: str) -> dict[str, Any]:
    return {
        **_common(i, "client_tool_call", thread_id),
        "status": "completed",
        "call_id": f"call_{i:06d}",
        "name": "lookup_order",
        "arguments": orjson.dumps({"order_id": f"ord_{i:05d}", "fields": ["status"]}).decode(),
        "output": orjson.dumps({"status": "shipped", "carrier": "UPS", "eta_days": 2}).decode(),
    }


def _task(i: int, thread_id: str) -> dict[str, Any]:
    return {
        **_common(i, "task", thread_id),
        "task_type": "thought",
        "heading": "Comparing prices",
        "summary": f"Read both quotes and normalised the totals ({i}).",
    }


def _task_group(i: int, thread_id: str) -> dict[str, Any]:
    return {
        **_common(i, "task_group", thread_id),
        "tasks": [
            {"type": "custom", "heading": "Searched files", "summary": "2 quotes found"},
            {"type": "thought", "heading": "Compared totals", "summary": "Quote 2 is cheaper"},
            {"type": "custom", "heading": "Checked terms", "summary": None},
        ],
    }


_BUILDERS = (_user_message, _assistant_message, _widget, _client_tool_call, _task, _task_group)


def rich_items(n: int = ITEMS, thread_id: str = "cthr_rich") -> list[dict[str, Any]]:
    """``n`` items cycling through the six types, every field of each filled in."""
    return [_BUILDERS[i % len(_BUILDERS)](i, thread_id) for i in range(n)]


def rich_page(n: int = ITEMS) -> dict[str, Any]:
    """One items page (``ThreadItemListResource``) of :func:`rich_items`."""
    data = rich_items(n)
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": True,
    }


def rich_page_body(n: int = ITEMS) -> bytes:
    """:func:`rich_page` as the bytes a server would send."""
    return orjson.dumps(rich_page(n))
