"""Item factories and the deterministic demo data set of the ChatKit emulator.

This module owns what the emulator's seeded data *looks like*: it builds plain, schema-valid
dicts for threads and for the six ChatKit thread item types, and generates the demo data set
(several users, every thread status, null and non-null titles, every item type, annotations and
attachments). Everything here is pure and deterministic: the same seed always yields the same
ids, timestamps and contents. Nothing here stores data or performs I/O.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = [
    "DEMO_EPOCH",
    "ITEM_TYPES",
    "DemoThread",
    "build_demo",
    "make_item",
    "make_thread",
    "normalize_item_type",
]

#: Unix time (2025-01-01T00:00:00Z) that anchors every default and demo timestamp.
DEMO_EPOCH = 1_735_689_600

#: The six item types of the ChatKit API, in their full (wire) spelling.
ITEM_TYPES: tuple[str, ...] = (
    "chatkit.user_message",
    "chatkit.assistant_message",
    "chatkit.widget",
    "chatkit.client_tool_call",
    "chatkit.task",
    "chatkit.task_group",
)

_PREFIX = "chatkit."


def normalize_item_type(item_type: str) -> str:
    """Returns the full spelling of a known item type.

    Args:
        item_type: An item type, with or without the ``chatkit.`` prefix (``"widget"`` or
            ``"chatkit.widget"``).

    Returns:
        The full spelling, e.g. ``"chatkit.widget"``.

    Raises:
        ValueError: If the type is not one of the six item types of the API.
    """
    full = item_type if item_type.startswith(_PREFIX) else _PREFIX + item_type
    if full not in ITEM_TYPES:
        known = ", ".join(t[len(_PREFIX) :] for t in ITEM_TYPES)
        raise ValueError(
            f"unknown item type {item_type!r} (known: {known}); "
            "use add_raw_item() to serve arbitrary items"
        )
    return full


def make_thread(
    *,
    id: str,
    user: str,
    created_at: int,
    title: str | None = None,
    status: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Builds a thread in the shape of the ``ThreadResource`` schema.

    Args:
        id: Thread id (``cthr_...``).
        user: Owner of the thread.
        created_at: Creation time, unix seconds.
        title: Optional title (``None`` is served as ``null``).
        status: Status object; defaults to ``{"type": "active"}``. A ``locked`` or ``closed``
            status without ``reason`` gets ``"reason": null``; any other dict (for instance an
            unknown status type) is served as given.

    Returns:
        A new dict, ready to be served.
    """
    if status is None:
        status_dict: dict[str, Any] = {"type": "active"}
    else:
        status_dict = dict(status)
        if status_dict.get("type") in ("locked", "closed"):
            status_dict.setdefault("reason", None)
    return {
        "id": id,
        "object": "chatkit.thread",
        "created_at": created_at,
        "title": title,
        "status": status_dict,
        "user": user,
    }


def _widget_json(text: str) -> str:
    """Returns a small serialized widget payload showing ``text``."""
    card = {"type": "Card", "children": [{"type": "Text", "value": text}]}
    return orjson.dumps(card).decode()


def _default_fields(full_type: str, index: int) -> dict[str, Any]:
    """Returns the type-specific default fields of an item (fresh objects every call)."""
    if full_type == "chatkit.user_message":
        return {
            "content": [{"type": "input_text", "text": f"User message {index}"}],
            "attachments": [],
            "inference_options": None,
        }
    if full_type == "chatkit.assistant_message":
        return {
            "content": [
                {"type": "output_text", "text": f"Assistant reply {index}", "annotations": []}
            ],
        }
    if full_type == "chatkit.widget":
        return {
            "widget": _widget_json(f"Widget {index}"),
        }
    if full_type == "chatkit.client_tool_call":
        return {
            "status": "completed",
            "call_id": f"call_{index:06d}",
            "name": "get_weather",
            "arguments": '{"city":"Paris"}',
            "output": '{"temperature_c":21}',
        }
    if full_type == "chatkit.task":
        return {"task_type": "thought", "heading": f"Thinking {index}", "summary": None}
    # chatkit.task_group
    return {
        "tasks": [
            {"type": "custom", "heading": "Search", "summary": f"Searched the docs ({index})"},
            {"type": "thought", "heading": None, "summary": None},
        ],
    }


def make_item(
    item_type: str,
    *,
    id: str,
    thread_id: str,
    created_at: int,
    index: int = 0,
    fields: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Builds a schema-valid thread item of one of the six types.

    Args:
        item_type: Item type, bare (``"widget"``) or full (``"chatkit.widget"``).
        id: Item id (``cthi_...``).
        thread_id: Id of the parent thread.
        created_at: Creation time, unix seconds.
        index: A number woven into default texts so that items are distinguishable.
        fields: Values overriding the defaults (or extra fields, which are served as given).
            For user and assistant messages a ``text`` entry is a shortcut that replaces the
            content with one text part of that text.

    Returns:
        A new dict, ready to be served.

    Raises:
        ValueError: If ``item_type`` is not one of the six item types.
    """
    full = normalize_item_type(item_type)
    item: dict[str, Any] = {
        "id": id,
        "object": "chatkit.thread_item",
        "created_at": created_at,
        "thread_id": thread_id,
        "type": full,
    }
    item.update(_default_fields(full, index))
    if fields:
        overrides = dict(fields)
        if "text" in overrides and full == "chatkit.user_message":
            item["content"] = [{"type": "input_text", "text": overrides.pop("text")}]
        elif "text" in overrides and full == "chatkit.assistant_message":
            item["content"] = [
                {"type": "output_text", "text": overrides.pop("text"), "annotations": []}
            ]
        item.update(overrides)
    return item


@dataclass
class DemoThread:
    """One thread of the demo data set with its items in creation order.

    Attributes:
        thread: The thread as served.
        items: Its items as served, in creation order.
    """

    thread: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# demo content

_USERS = ("user_1", "user_2", "user_3")
_TITLES = (
    "Billing question",
    "Trip to Lisbon",
    "Refactor the parser",
    "Weekly report",
    "Password reset",
    "Recipe ideas",
    "Quarterly numbers",
    "Onboarding checklist",
)
_QUESTIONS = (
    "Can you summarise the attached report?",
    "What's the weather like in Paris tomorrow?",
    "Draft a polite reply to this email.",
    "Why does my build fail on CI?",
    "List three ideas for a team offsite.",
    "Ünïcødé check: naïve café, 東京, emoji 🎉",
)
_ANSWERS = (
    "Here is a short summary of the key points.",
    "Tomorrow looks sunny with a high of 24°C.",
    "Sure, here's a draft you can adapt.",
    "The failing step is the lint job; see the log excerpt.",
    "A cooking class, a hike, or an escape room.",
)
_MODELS = ("gpt-4.1", "gpt-4.1-mini", None)
_TOOLS = ("get_weather", "search_docs", "create_ticket")


class _DemoIds:
    """Deterministic id source for one demo thread."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def make(self, prefix: str) -> str:
        return f"{prefix}_{self._rng.getrandbits(96):024x}"


def _demo_user_message(rng: random.Random, ids: _DemoIds, n: int) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if n % 4 == 3:
        content.append({"type": "quoted_text", "text": "> the previous answer"})
    content.append({"type": "input_text", "text": rng.choice(_QUESTIONS)})
    attachments: list[dict[str, Any]] = []
    if n % 3 == 1:
        attachments.append(
            {
                "type": "image",
                "id": ids.make("cfile"),
                "name": "diagram.png",
                "mime_type": "image/png",
                "preview_url": f"https://cdn.example.com/previews/{n}.png",
            }
        )
    if n % 5 == 2:
        attachments.append(
            {
                "type": "file",
                "id": ids.make("cfile"),
                "name": "report.pdf",
                "mime_type": "application/pdf",
                "preview_url": None,
            }
        )
    inference: dict[str, Any] | None = None
    if n % 2 == 1:
        tool = {"id": rng.choice(_TOOLS)} if n % 4 == 1 else None
        inference = {"tool_choice": tool, "model": rng.choice(_MODELS)}
    return {"content": content, "attachments": attachments, "inference_options": inference}


def _demo_assistant_message(rng: random.Random, n: int) -> dict[str, Any]:
    annotations: list[dict[str, Any]] = []
    if n % 2 == 0:
        annotations.append({"type": "file", "source": {"type": "file", "filename": "report.pdf"}})
    if n % 3 != 2:
        annotations.append(
            {"type": "url", "source": {"type": "url", "url": f"https://docs.example.com/a/{n}"}}
        )
    parts = [{"type": "output_text", "text": rng.choice(_ANSWERS), "annotations": annotations}]
    if n % 4 == 1:
        parts.append({"type": "output_text", "text": "Anything else?", "annotations": []})
    return {"content": parts}


def _demo_fields(full_type: str, rng: random.Random, ids: _DemoIds, n: int) -> dict[str, Any]:
    """Returns varied, schema-valid fields for a demo item of ``full_type``."""
    if full_type == "chatkit.user_message":
        return _demo_user_message(rng, ids, n)
    if full_type == "chatkit.assistant_message":
        return _demo_assistant_message(rng, n)
    if full_type == "chatkit.widget":
        return {"widget": _widget_json(f"Forecast {n}")}
    if full_type == "chatkit.client_tool_call":
        done = n % 3 != 0
        return {
            "status": "completed" if done else "in_progress",
            "call_id": ids.make("call"),
            "name": rng.choice(_TOOLS),
            "arguments": orjson.dumps({"query": f"item {n}"}).decode(),
            "output": '{"ok":true}' if done else None,
        }
    if full_type == "chatkit.task":
        return {
            "task_type": "custom" if n % 2 else "thought",
            "heading": None if n % 3 == 0 else f"Step {n}",
            "summary": "Checked the calendar" if n % 2 else None,
        }
    tasks = [
        {
            "type": "thought" if k % 2 else "custom",
            "heading": None if k == 2 else f"Task {k}",
            "summary": None if k % 2 else f"Done {k}",
        }
        for k in range(1 + n % 3)
    ]
    return {"tasks": tasks}


def _conversation_types(rng: random.Random, count: int, all_types: bool) -> Iterator[str]:
    """Yields ``count`` item types that read like a conversation."""
    if all_types:
        for k in range(count):
            yield ITEM_TYPES[k % len(ITEM_TYPES)]
        return
    extras = ITEM_TYPES[2:]
    k = 0
    while k < count:
        yield "chatkit.user_message"
        k += 1
        if k < count and rng.random() < 0.5:
            yield rng.choice(extras)
            k += 1
        if k < count:
            yield "chatkit.assistant_message"
            k += 1


def build_demo(seed: int = 0, threads: int = 12) -> list[DemoThread]:
    """Generates the deterministic demo data set.

    Thread ``i`` depends only on ``(seed, i)``, so a larger ``threads`` extends a smaller data
    set. The set has three users (``user_1`` .. ``user_3``), active, locked and closed threads
    (with and without a reason), some null titles, two threads created in the same second (to
    exercise the insertion-order tie break), an empty thread, a 45-item thread cycling through
    all six item types, items sharing a timestamp, annotations (file and url) and attachments
    (image and file).

    Args:
        seed: Seed of the data set.
        threads: Number of threads (0 or more).

    Returns:
        The threads, oldest first, each with its items in creation order.

    Raises:
        ValueError: If ``threads`` is negative.
    """
    if threads < 0:
        raise ValueError("threads must be >= 0")
    base = DEMO_EPOCH + (seed % 1000) * 86_400
    result: list[DemoThread] = []
    for i in range(threads):
        rng = random.Random(f"chatkit-demo:{seed}:{i}")
        ids = _DemoIds(rng)
        # Threads 2 and 3 share a timestamp (tie broken by insertion order).
        created_at = base + i * 5_400 - (5_400 if i == 3 else 0)
        status: dict[str, Any]
        if i % 4 == 1:
            status = {"type": "locked", "reason": "Under review" if i % 8 == 1 else None}
        elif i % 5 == 2:
            status = {"type": "closed", "reason": "Resolved" if i % 10 == 2 else None}
        else:
            status = {"type": "active"}
        title = None if i % 4 == 3 else _TITLES[(i + seed) % len(_TITLES)]
        thread = make_thread(
            id=ids.make("cthr"),
            user=_USERS[i % len(_USERS)],
            created_at=created_at,
            title=title,
            status=status,
        )
        demo = DemoThread(thread)
        if i == 0:
            count = 45
        elif i == 1:
            count = 0
        else:
            count = rng.randint(3, 24)
        t = created_at
        for n, full_type in enumerate(_conversation_types(rng, count, all_types=i == 0)):
            # Every third item shares the previous item's second.
            t += 0 if n % 3 == 1 else rng.choice((1, 2, 5, 30))
            demo.items.append(
                make_item(
                    full_type,
                    id=ids.make("cthi"),
                    thread_id=thread["id"],
                    created_at=t,
                    index=n,
                    fields=_demo_fields(full_type, rng, ids, n),
                )
            )
        result.append(demo)
    return result
