"""The generated fast decoders agree with the cattrs explainer on valid and broken payloads alike."""

from __future__ import annotations

import copy
from typing import Any

import payloads as P
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit_async._converter import _explainer, converter, to_dict
from chatkit_async.types import (
    ChatSession,
    Page,
    Thread,
    ThreadDeleted,
    ThreadItem,
    ThreadStatus,
    UserMessageContent,
)

TAGS = [
    "active", "locked", "closed", "archived",
    "input_text", "quoted_text", "input_image",
    "output_text", "output_image",
    "file", "url", "map",
    "chatkit.user_message", "user_message", "chatkit.assistant_message", "assistant_message",
    "chatkit.widget", "widget", "chatkit.client_tool_call", "client_tool_call",
    "chatkit.task", "task", "chatkit.task_group", "task_group", "chatkit.audio_clip",
]  # fmt: skip


def _items() -> list[dict[str, Any]]:
    return [make() for make in P.ALL_ITEMS]


# Valid payloads and what they decode into; every example starts from one of these.
TARGETS: list[tuple[str, Any, Any]] = [
    ("thread", Thread, P.thread),
    ("deleted", ThreadDeleted, P.deleted),
    ("session", ChatSession, P.session),
    ("status", ThreadStatus, lambda: {"type": "locked", "reason": "abuse"}),
    ("part", UserMessageContent, lambda: {"type": "input_text", "text": "hi"}),
    *((f"item:{make.__name__}", ThreadItem, make) for make in P.ALL_ITEMS),
    ("items page", Page[ThreadItem], lambda: P.page(_items(), has_more=True)),
    ("threads page", Page[Thread], lambda: P.page([P.thread("cthr_1"), P.thread("cthr_2")])),
]

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False)
    | st.text(max_size=8)
    | st.sampled_from(TAGS)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


# Values that sit right next to a valid one: a bool where an int belongs, a string where a list
# belongs, null where a value is required, ...
NEAR_MISSES: list[Any] = [None, True, False, 0, 1, -1, 1.5, "", "x", "1", [], ["a"], {}, {"type": "x"}]


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) pair inside ``node``, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _slots(value, out)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((node, index))
            _slots(value, out)
    return out


def _mutate(data: st.DataObject, root: Any) -> Any:
    """Apply one random change somewhere in ``root`` (in place when possible); return the root."""
    slots = _slots(root, [])
    op = data.draw(
        st.sampled_from(["swap"] * 3 + ["replace", "delete", "add", "retag", "wrap", "replace_root"]),
        label="op",
    )
    if op == "replace_root" or not slots:
        return data.draw(json_values, label="root")
    container, key = data.draw(st.sampled_from(slots), label="slot")
    if op == "swap":
        container[key] = copy.deepcopy(data.draw(st.sampled_from(NEAR_MISSES), label="near miss"))
    elif op == "replace":
        container[key] = data.draw(json_values, label="value")
    elif op == "delete":
        del container[key]
    elif op == "wrap":
        container[key] = [container[key]]
    elif op == "retag":
        target = container[key] if isinstance(container[key], dict) else container
        if isinstance(target, dict):
            target["type"] = data.draw(st.sampled_from(TAGS) | json_scalars, label="tag")
    else:  # add a field (to the nearest dict)
        target = container[key] if isinstance(container[key], dict) else container
        if isinstance(target, dict):
            names = st.sampled_from(["extra", "raw", "type", "id", "note"]) | st.text(max_size=6)
            target[data.draw(names, label="name")] = data.draw(json_values, label="added")
    return root


def _outcome(conv: Any, payload: Any, cls: Any) -> tuple[str, Any]:
    try:
        return "ok", conv.structure(payload, cls)
    except Exception as exc:
        return "error", type(exc).__name__


def _assert_agree(payload: Any, cls: Any) -> None:
    before = copy.deepcopy(payload)
    fast = _outcome(converter, payload, cls)
    slow = _outcome(_explainer, payload, cls)
    assert payload == before, "decoding changed its input"
    assert (fast[0], slow[0]) in {("ok", "ok"), ("error", "error")}, (fast, slow)
    if fast[0] == "ok":
        assert fast[1] == slow[1]
        assert type(fast[1]) is type(slow[1])
        assert to_dict(fast[1]) == to_dict(slow[1])


@pytest.mark.parametrize(("name", "cls", "make"), TARGETS, ids=[t[0] for t in TARGETS])
def test_valid_payloads_decode_identically(name: str, cls: Any, make: Any) -> None:
    """Unmutated payloads decode to equal models through both converters."""
    _assert_agree(make(), cls)


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), target=st.sampled_from(TARGETS), mutations=st.integers(1, 3))
def test_random_mutations_agree(
    data: st.DataObject, target: tuple[str, Any, Any], mutations: int
) -> None:
    """After random mutations, both converters succeed with equal results or both fail."""
    _, cls, make = target
    payload = make()
    for _ in range(mutations):
        payload = _mutate(data, payload)
    _assert_agree(payload, cls)


@pytest.mark.parametrize(
    "payload",
    [
        P.thread(title=None, status={"type": "closed"}),
        {k: v for k, v in P.thread().items() if k not in ("title", "object", "status")},
        P.thread(extra={"x": 1}, raw=[1]),
        P.user_message(content=[], attachments=[], inference_options={"tool_choice": None}),
        P.user_message(content=[{"type": "input_text", "text": "a"}] * 3),
        P.assistant_message(content=[{"type": "output_text", "text": "t"}]),
        P.page([{"type": "chatkit.new_thing"}, {"type": ["x"]}]),
        P.page([{"type": 5}]),
        {"object": "list", "data": [[]], "first_id": None, "last_id": None, "has_more": False},
        P.user_message(content=[{"type": ["input_text"]}]),
        P.user_message(content=[{"type": "input_text", "text": "a", "lang": {"k": [1]}}]),
    ],
)
def test_edge_cases_agree(payload: Any) -> None:
    """Defaults for absent keys, unknown keys, empty and repeated lists, odd tags: same outcome."""
    cls = Page[ThreadItem] if "data" in payload else (Thread if "user" in payload else ThreadItem)
    _assert_agree(payload, cls)
