"""Tagged unions are read from the models alone, and decoding errors are typed values.

These pin the converter's design rules: a union's tags are the ``type`` defaults of its members and
its ``Unknown...`` class is the member with a ``raw`` field, so a new item type needs a class and
a place in the alias, nothing else; a union that breaks the rules fails loudly; a wrong value is a
``WireTypeError`` that says what was expected and what came.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import cattrs
import payloads as P
import pytest

from chatkit_async import APIResponseValidationError, Page, parse, to_dict
from chatkit_async._converter import TaggedUnion, _explainer, _reason, converter
from chatkit_async._wire import TagError, WireTypeError
from chatkit_async.types import (
    ActiveStatus,
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    ClosedStatus,
    FileAnnotation,
    LockedStatus,
    ResponseOutputText,
    TaskGroupItem,
    TaskItem,
    TextAnnotation,
    Thread,
    ThreadItem,
    ThreadStatus,
    UnknownAnnotation,
    UnknownAssistantContent,
    UnknownItem,
    UnknownStatus,
    UnknownUserContent,
    UrlAnnotation,
    UserMessageContent,
    UserMessageInputText,
    UserMessageItem,
    UserMessageQuotedText,
    WidgetItem,
)
from chatkit_async.types._base import extra_field

# --- the tags come from the models ------------------------------------------------------------

ITEM_TAGS = {
    "user_message": UserMessageItem,
    "assistant_message": AssistantMessageItem,
    "widget": WidgetItem,
    "client_tool_call": ClientToolCallItem,
    "task": TaskItem,
    "task_group": TaskGroupItem,
}


@pytest.mark.parametrize(
    ("union", "tags", "unknown"),
    [
        (
            ThreadStatus,
            {"active": ActiveStatus, "locked": LockedStatus, "closed": ClosedStatus},
            UnknownStatus,
        ),
        (
            UserMessageContent,
            {"input_text": UserMessageInputText, "quoted_text": UserMessageQuotedText},
            UnknownUserContent,
        ),
        (AssistantMessageContent, {"output_text": ResponseOutputText}, UnknownAssistantContent),
        (TextAnnotation, {"file": FileAnnotation, "url": UrlAnnotation}, UnknownAnnotation),
        (
            ThreadItem,
            {**{f"chatkit.{k}": v for k, v in ITEM_TAGS.items()}, **ITEM_TAGS},
            UnknownItem,
        ),
    ],
    ids=["status", "user part", "assistant part", "annotation", "item"],
)
def test_each_union_reads_its_tags_from_its_members(
    union: Any, tags: dict[str, type], unknown: type
) -> None:
    """Every documented tag selects its class; item tags also without 'chatkit.'; one unknown."""
    spec = TaggedUnion.of(union)
    assert dict(spec.tags) == tags
    assert spec.unknown is unknown


@attrs.frozen(kw_only=True)
class VoiceItem:
    """An item type a future API might add, declared the way types/ declares the others."""

    id: str
    created_at: int
    thread_id: str
    duration_ms: int
    object: str = "chatkit.thread_item"
    type: str = "chatkit.voice_note"
    extra: Mapping[str, Any] = extra_field()


FutureItem = UserMessageItem | VoiceItem | UnknownItem


def _voice(**over: Any) -> dict[str, Any]:
    body = {
        "id": "cthi_v",
        "object": "chatkit.thread_item",
        "created_at": P.T,
        "thread_id": "cthr_1",
        "type": "chatkit.voice_note",
        "duration_ms": 1200,
    }
    body.update(over)
    return body


@pytest.mark.parametrize("tag", ["chatkit.voice_note", "voice_note"])
def test_a_new_item_type_needs_only_its_class_and_the_alias(tag: str) -> None:
    """A class with its tag as the `type` default, added to a union alias, decodes and round-trips."""
    wire = _voice(type=tag, mood="calm")
    item = parse(wire, FutureItem)
    assert item == VoiceItem(
        id="cthi_v", created_at=P.T, thread_id="cthr_1", duration_ms=1200, type=tag,
        extra={"mood": "calm"},
    )  # fmt: skip
    assert to_dict(item) == wire
    page = P.page([P.user_message(), wire, P.widget()])
    decoded = parse(page, Page[FutureItem])
    assert [type(x) for x in decoded.data] == [UserMessageItem, VoiceItem, UnknownItem]
    # The fast converter and the reference agree on the new union, as on the built-in ones.
    assert converter.structure(page, Page[FutureItem]) == _explainer.structure(page, Page[FutureItem])


def test_a_new_item_type_is_still_checked_strictly() -> None:
    """The new class gets the same rules as the others: a bool is not an int."""
    with pytest.raises(APIResponseValidationError) as info:
        parse(_voice(duration_ms=True), FutureItem)
    assert "expected an integer, got boolean @ $.duration_ms" in info.value.reason


# --- unions that break the conventions fail loudly ------------------------------------------------


@attrs.frozen(kw_only=True)
class _A:
    type: str = "a"


@attrs.frozen(kw_only=True)
class _B:
    type: str = "b"


@attrs.frozen(kw_only=True)
class _AlsoA:
    type: str = "a"


@attrs.frozen(kw_only=True)
class _PrefixedA:
    type: str = "chatkit.a"


@attrs.frozen(kw_only=True)
class _NoTag:
    name: str = "x"


@attrs.frozen(kw_only=True)
class _UnknownX:
    type: str
    raw: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class _UnknownY:
    type: str
    raw: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class _UnknownWithList:
    type: str
    raw: Mapping[str, Any]
    children: list[str] = attrs.field(factory=list)


@pytest.mark.parametrize(
    ("union", "message"),
    [
        (_A | _B, "exactly one member with a 'raw' field"),
        (_A | _UnknownX | _UnknownY, "(its Unknown... class), found 2"),
        (_A | _NoTag | _UnknownX, "_NoTag is in"),
        (_A | _AlsoA | _UnknownX, "the tag 'a' is claimed by both _A and _AlsoA"),
        (_A | _PrefixedA | _UnknownX, "the tag 'a' is claimed by both"),
        (_A | _UnknownWithList, "_UnknownWithList.children"),
    ],
    ids=["no unknown", "two unknowns", "no tag", "same tag", "bare spelling clash", "unknown field"],
)
def test_a_union_that_breaks_the_conventions_is_refused(union: Any, message: str) -> None:
    """Reading such a union raises TypeError saying what to fix (at import, for the SDK's own)."""
    with pytest.raises(TypeError) as info:
        TaggedUnion.of(union)
    assert message in str(info.value)


def test_unknown_variants_read_only_well_typed_convenience_fields() -> None:
    """UnknownItem takes id/created_at/thread_id/object from the raw object only when well typed."""
    raw = {"type": "chatkit.x", "id": 5, "created_at": True, "thread_id": None, "object": "o"}
    item = parse(raw, ThreadItem)
    assert item == UnknownItem(type="chatkit.x", raw=raw, object="o")
    assert (item.id, item.created_at, item.thread_id) == ("", 0, "")
    good = parse({"type": "chatkit.x", "id": "i", "created_at": 7, "thread_id": "t"}, ThreadItem)
    assert isinstance(good, UnknownItem)
    assert (good.id, good.created_at, good.thread_id) == ("i", 7, "t")
    assert good.object == "chatkit.thread_item"


# --- errors are typed values ----------------------------------------------------------------------


def test_wire_type_error_carries_what_was_expected_and_what_came() -> None:
    """WireTypeError is a TypeError with .expected, .got and an optional .subject."""
    error = WireTypeError("a string", 5)
    assert isinstance(error, TypeError)
    assert (error.expected, error.got, error.subject) == ("a string", "integer", None)
    assert str(error) == "expected a string, got integer"
    scoped = WireTypeError("a string, boolean or number", [1], subject="state variable 'plan'")
    assert str(scoped) == "state variable 'plan': expected a string, boolean or number, got array"
    assert str(TagError(None, tag_field="type")) == "missing 'type' tag"
    assert str(TagError(3.5, tag_field="type")) == "'type' must be a string, got number"


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, cattrs.BaseValidationError):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def test_the_reference_hooks_raise_typed_errors() -> None:
    """The explainer's leaf errors are WireTypeErrors, which is what the message is built from."""
    wire = P.thread(id=5, title=[], status={"type": None})
    with pytest.raises(cattrs.BaseValidationError) as info:
        _explainer.structure(wire, Thread)
    leaves = _leaves(info.value)
    assert all(isinstance(leaf, WireTypeError) for leaf in leaves), leaves
    assert sorted((leaf.expected, leaf.got) for leaf in leaves if isinstance(leaf, WireTypeError)) == [
        ("a string", "array"),
        ("a string", "integer"),
        ("a string 'type' tag", "null"),
    ]
    with pytest.raises(APIResponseValidationError) as parsed:
        parse(wire, Thread)
    for expected in (
        "expected a string, got integer @ $.id",
        "expected a string, got array @ $.title",
        "missing 'type' tag @ $.status",
    ):
        assert expected in parsed.value.reason


class _Odd:
    pass


@attrs.frozen
class _Holder:
    odd: _Odd


def test_a_plain_type_error_with_familiar_words_is_not_taken_for_ours() -> None:
    """Only WireTypeError is quoted as is; any other error gets cattrs' wording, not its text."""

    def hook(value: Any, _: Any) -> _Odd:
        raise TypeError("expected nothing, got everything")

    conv = cattrs.Converter(detailed_validation=True)
    conv.register_structure_hook(_Odd, hook)
    with pytest.raises(cattrs.BaseValidationError) as info:
        conv.structure({"odd": 1}, _Holder)
    reason = _reason(info.value)
    assert "expected nothing, got everything" not in reason
    assert "@ $.odd" in reason


# --- the fast path is in use ----------------------------------------------------------------------


@pytest.mark.parametrize("target", [Thread, Page[ThreadItem], Page[Thread], UserMessageItem])
def test_decoding_targets_use_generated_functions(target: Any) -> None:
    """The converter's hooks for models are generated functions, not cattrs' fallback."""
    hook = converter.get_structure_hook(target)
    assert hook.__code__.co_filename.startswith("<chatkit_async generated structure")
    assert hook.__name__.startswith("structure_")


@attrs.frozen(kw_only=True)
class _Node:
    name: str
    children: list[_Node] = attrs.field(factory=list)
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class _Ping:
    pong: _Pong | None = None
    extra: Mapping[str, Any] = extra_field()


@attrs.frozen(kw_only=True)
class _Pong:
    ping: _Ping | None = None
    n: int = 0
    extra: Mapping[str, Any] = extra_field()


NODE = {"name": "r", "children": [{"name": "a"}, {"name": "b", "children": [{"name": "c", "x": 1}]}]}


@pytest.mark.parametrize(
    ("cls", "wire", "ok"),
    [
        (_Node, NODE, True),
        (_Ping, {"pong": {"ping": {"pong": {"n": 3}}, "n": 1}}, True),
        (_Ping, {"pong": {"ping": {"pong": {"n": True}}}}, False),
    ],
    ids=["self-nesting", "mutually nesting", "mutually nesting, wrong"],
)
def test_models_that_nest_themselves_decode_as_the_reference_does(
    cls: type, wire: Any, ok: bool
) -> None:
    """A model inside itself (directly or through another) is generated without endless inlining."""
    if ok:
        fast = converter.structure(wire, cls)
        assert fast == _explainer.structure(wire, cls)
        assert type(fast) is cls
    else:
        with pytest.raises(WireTypeError):
            converter.structure(wire, cls)
        with pytest.raises(cattrs.BaseValidationError):
            _explainer.structure(wire, cls)
