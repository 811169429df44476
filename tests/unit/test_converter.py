"""The converter: every model, every union, unknown variants, strictness and exact round trips."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import payloads as P
import pytest
from schema import validate

from chatkit_async import APIResponseValidationError, parse, to_dict
from chatkit_async.types import (
    ActiveStatus,
    AssistantMessageItem,
    Attachment,
    ChatSession,
    ClientToolCallItem,
    ClosedStatus,
    FileAnnotation,
    LockedStatus,
    Page,
    ResponseOutputText,
    TaskGroupItem,
    TaskItem,
    Thread,
    ThreadDeleted,
    ThreadItem,
    ThreadStatus,
    UnknownAnnotation,
    UnknownAssistantContent,
    UnknownItem,
    UnknownStatus,
    UnknownUserContent,
    UrlAnnotation,
    UserMessageInputText,
    UserMessageItem,
    UserMessageQuotedText,
    WidgetItem,
)

ITEM_CLASSES = {
    "chatkit.user_message": UserMessageItem,
    "chatkit.assistant_message": AssistantMessageItem,
    "chatkit.widget": WidgetItem,
    "chatkit.client_tool_call": ClientToolCallItem,
    "chatkit.task": TaskItem,
    "chatkit.task_group": TaskGroupItem,
}


def test_fixtures_are_valid_against_the_official_schemas() -> None:
    """The payloads these tests use are themselves valid per the spec."""
    validate(P.thread(), "ThreadResource")
    validate(P.deleted(), "DeletedThreadResource")
    validate(P.session(), "ChatSessionResource")
    validate(P.page([P.thread()]), "ThreadListResource")
    validate(P.page([make() for make in P.ALL_ITEMS]), "ThreadItemListResource")


def test_thread_decodes_every_field() -> None:
    """A thread's fields land on the model with their wire types."""
    thread = parse(P.thread(), Thread)
    assert thread == Thread(
        id="cthr_1",
        created_at=P.T,
        title="Refund request",
        status=ActiveStatus(),
        user="user_42",
    )
    assert thread.created_at_datetime.timestamp() == P.T
    assert thread.created_at_datetime.tzinfo is not None


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ({"type": "active"}, ActiveStatus()),
        ({"type": "locked", "reason": "abuse"}, LockedStatus(reason="abuse")),
        ({"type": "closed", "reason": None}, ClosedStatus(reason=None)),
        (
            {"type": "archived", "until": 5},
            UnknownStatus(type="archived", raw={"type": "archived", "until": 5}),
        ),
    ],
)
def test_thread_status_union(wire: dict[str, Any], expected: ThreadStatus) -> None:
    """Each status type decodes to its class; an unknown one to UnknownStatus, never 'active'."""
    assert parse(P.thread(status=wire), Thread).status == expected
    assert parse(wire, ThreadStatus) == expected


@pytest.mark.parametrize("make", P.ALL_ITEMS)
def test_each_item_type_decodes_to_its_class_and_round_trips(make: Any) -> None:
    """All six item types decode to their class, and to_dict gives back the wire dict."""
    wire = make()
    item = parse(wire, ThreadItem)
    assert type(item) is ITEM_CLASSES[wire["type"]]
    assert (item.id, item.thread_id, item.created_at) == (wire["id"], "cthr_1", wire["created_at"])
    assert to_dict(item) == wire


@pytest.mark.parametrize("make", P.ALL_ITEMS)
def test_bare_item_type_spelling_decodes_and_is_kept(make: Any) -> None:
    """'user_message' (as in the official examples) decodes like 'chatkit.user_message'."""
    wire = make()
    bare = dict(wire, type=wire["type"].removeprefix("chatkit."))
    item = parse(bare, ThreadItem)
    assert type(item) is ITEM_CLASSES[wire["type"]]
    assert item.type == bare["type"]
    assert to_dict(item) == bare


def test_user_message_parts() -> None:
    """Content parts, attachments and inference options of a user message."""
    item = parse(P.user_message(), ThreadItem)
    assert isinstance(item, UserMessageItem)
    assert item.content == [
        UserMessageInputText(text="Where is my order?"),
        UserMessageQuotedText(text="shipped on Monday"),
    ]
    assert item.attachments[0] == Attachment(
        type="image",
        id="att_1",
        name="receipt.png",
        mime_type="image/png",
        preview_url="https://example.com/receipt.png",
    )
    assert item.attachments[1].preview_url is None
    assert item.inference_options is not None
    assert item.inference_options.tool_choice is not None
    assert item.inference_options.tool_choice.id == "search"
    assert item.inference_options.model == "gpt-5"


def test_assistant_message_annotations() -> None:
    """Output text with file and URL annotations."""
    item = parse(P.assistant_message(), ThreadItem)
    assert isinstance(item, AssistantMessageItem)
    (text,) = item.content
    assert isinstance(text, ResponseOutputText)
    file_ann, url_ann = text.annotations
    assert isinstance(file_ann, FileAnnotation) and file_ann.source.filename == "policy.pdf"
    assert isinstance(url_ann, UrlAnnotation) and url_ann.source.url == "https://example.com/x"


def test_tool_call_task_and_group_fields() -> None:
    """Tool call, task and task-group fields, including open enums kept as strings."""
    call = parse(P.client_tool_call(status="queued"), ThreadItem)
    assert isinstance(call, ClientToolCallItem)
    assert (call.status, call.call_id, call.name, call.output) == (
        "queued",
        "call_1",
        "get_weather",
        '{"temp": 21}',
    )
    task = parse(P.task(task_type="plan"), ThreadItem)
    assert isinstance(task, TaskItem)
    assert (task.task_type, task.heading, task.summary) == ("plan", "Thinking", None)
    group = parse(P.task_group(), ThreadItem)
    assert isinstance(group, TaskGroupItem)
    assert [t.type for t in group.tasks] == ["custom", "thought"]
    assert group.tasks[1].heading is None
    widget = parse(P.widget(), ThreadItem)
    assert isinstance(widget, WidgetItem) and widget.widget.startswith("{")


def test_unknown_item_type_is_kept_whole_and_the_page_still_decodes() -> None:
    """An unknown item type becomes UnknownItem with the raw dict; its neighbours decode normally."""
    odd = {
        "id": "cthi_9",
        "object": "chatkit.thread_item",
        "created_at": P.T + 9,
        "thread_id": "cthr_1",
        "type": "chatkit.audio_clip",
        "duration_ms": 1500,
    }
    body = P.page([P.user_message(), odd, P.widget()])
    page = parse(orjson.dumps(body), Page[ThreadItem])
    first, unknown, last = page.data
    assert isinstance(first, UserMessageItem) and isinstance(last, WidgetItem)
    assert isinstance(unknown, UnknownItem)
    assert (unknown.id, unknown.type, unknown.thread_id, unknown.created_at) == (
        "cthi_9",
        "chatkit.audio_clip",
        "cthr_1",
        P.T + 9,
    )
    assert unknown.raw == odd
    assert to_dict(page) == body


def test_unknown_item_with_missing_common_fields_still_decodes() -> None:
    """A future item without the usual fields is still an UnknownItem, not an error."""
    item = parse({"type": "chatkit.new_thing"}, ThreadItem)
    assert isinstance(item, UnknownItem)
    assert (item.id, item.created_at, item.thread_id) == ("", 0, "")
    assert to_dict(item) == {"type": "chatkit.new_thing"}


def test_unknown_content_parts_and_annotations() -> None:
    """Unknown user parts, assistant parts and annotations decode to their Unknown classes."""
    user = P.user_message(
        content=[{"type": "input_image", "url": "https://x"}, {"type": "input_text", "text": "hi"}]
    )
    item = parse(user, ThreadItem)
    assert isinstance(item, UserMessageItem)
    assert item.content[0] == UnknownUserContent(
        type="input_image", raw={"type": "input_image", "url": "https://x"}
    )
    assistant = P.assistant_message(
        content=[
            {"type": "output_image", "image_url": "https://y"},
            {"type": "output_text", "text": "t", "annotations": [{"type": "map", "lat": 1.5}]},
        ]
    )
    item2 = parse(assistant, ThreadItem)
    assert isinstance(item2, AssistantMessageItem)
    assert isinstance(item2.content[0], UnknownAssistantContent)
    text = item2.content[1]
    assert isinstance(text, ResponseOutputText)
    assert text.annotations == [UnknownAnnotation(type="map", raw={"type": "map", "lat": 1.5})]
    assert to_dict(item) == user
    assert to_dict(item2) == assistant


def test_unknown_fields_are_kept_in_extra_and_written_back() -> None:
    """Fields the SDK does not know are reachable in .extra at every level and round-trip."""
    wire = P.user_message(priority="high")
    wire["attachments"][0]["width"] = 640
    wire["content"][0]["lang"] = "en"
    item = parse(wire, ThreadItem)
    assert isinstance(item, UserMessageItem)
    assert item.extra == {"priority": "high"}
    assert item.attachments[0].extra == {"width": 640}
    part = item.content[0]
    assert isinstance(part, UserMessageInputText) and part.extra == {"lang": "en"}
    assert to_dict(item) == wire
    thread_wire = P.thread(metadata={"k": ["v"]})
    assert parse(thread_wire, Thread).extra == {"metadata": {"k": ["v"]}}
    assert to_dict(parse(thread_wire, Thread)) == thread_wire


def test_extra_is_not_aliased_to_the_input() -> None:
    """Mutating the input after parsing, or the output of to_dict, leaves the model unchanged."""
    wire = P.thread(metadata={"k": ["v"]})
    thread = parse(wire, Thread)
    wire["metadata"]["k"].append("changed")
    assert thread.extra == {"metadata": {"k": ["v"]}}
    out = to_dict(thread)
    out["metadata"]["k"].append("again")
    assert thread.extra == {"metadata": {"k": ["v"]}}


def test_nullable_fields_decode_null_and_absent_to_none() -> None:
    """Required-but-nullable fields accept null, and a body that omits them decodes them to None."""
    assert parse(P.thread(title=None), Thread).title is None
    absent = P.thread()
    del absent["title"]
    assert parse(absent, Thread).title is None
    msg = P.user_message(inference_options=None)
    item = parse(msg, ThreadItem)
    assert isinstance(item, UserMessageItem) and item.inference_options is None


def test_session_decodes_every_field_and_hides_the_secret() -> None:
    """A session decodes fully, open-enum status is kept, and repr never shows client_secret."""
    wire = P.session(status="paused")
    session = parse(wire, ChatSession)
    assert session.client_secret == "ek_secret_value_123"
    assert session.status == "paused"
    assert session.workflow.state_variables == {"plan": "pro", "beta": True}
    assert session.chatkit_configuration.file_upload.max_file_size == 512
    assert session.chatkit_configuration.history.recent_threads is None
    assert session.rate_limits.max_requests_per_1_minute == 10
    assert session.expires_at_datetime.timestamp() == P.T + 600
    assert "ek_secret_value_123" not in repr(session)
    assert "ek_secret_value_123" not in str(session)
    assert to_dict(session) == wire


def test_state_variables_keep_their_exact_types() -> None:
    """Integers, floats, booleans and strings stay what they were (1 is not True, 2 is not 2.0)."""
    wire = P.session()
    wire["workflow"]["state_variables"] = {"n": 1, "f": 2.5, "b": True, "s": "x"}
    session = parse(wire, ChatSession)
    values = session.workflow.state_variables
    assert values is not None
    assert [type(values[k]) for k in ("n", "f", "b", "s")] == [int, float, bool, str]
    assert to_dict(session) == wire


def test_deleted_and_pages_round_trip() -> None:
    """ThreadDeleted and both page kinds round-trip exactly."""
    assert parse(P.deleted(), ThreadDeleted) == ThreadDeleted(id="cthr_1", deleted=True)
    threads = P.page([P.thread("cthr_1"), P.thread("cthr_2")], has_more=True)
    page = parse(threads, Page[Thread])
    assert [t.id for t in page] == ["cthr_1", "cthr_2"]
    assert (page.first_id, page.last_id, page.has_more, len(page)) == ("cthr_1", "cthr_2", True, 2)
    assert to_dict(page) == threads
    empty = P.page([])
    assert to_dict(parse(empty, Page[ThreadItem])) == empty


def test_parse_accepts_bytes_str_and_dicts_alike() -> None:
    """parse() takes JSON bytes, JSON text or parsed data with the same result."""
    wire = P.thread()
    text = orjson.dumps(wire)
    assert parse(text, Thread) == parse(text.decode(), Thread) == parse(wire, Thread)


def _reason(data: Any, cls: Any) -> str:
    with pytest.raises(APIResponseValidationError) as info:
        parse(data, cls)
    assert info.value.status_code is None
    return info.value.reason


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.update(id=5), "expected a string, got integer @ $.id"),
        (lambda d: d.update(created_at="yesterday"), "expected an integer, got string @ $.created_at"),
        (lambda d: d.update(created_at=True), "expected an integer, got boolean @ $.created_at"),
        (lambda d: d.pop("id"), "required field missing @ $.id"),
        (lambda d: d.update(status="active"), "expected an object, got string @ $.status"),
        (lambda d: d.update(status={"reason": "x"}), "missing 'type' tag @ $.status"),
        (lambda d: d.update(status={"type": 3}), "'type' must be a string"),
    ],
)
def test_wrong_types_are_refused_with_a_readable_path(mutate: Any, expected: str) -> None:
    """Wrong types and missing fields raise APIResponseValidationError saying what and where."""
    wire = P.thread()
    mutate(wire)
    assert expected in _reason(wire, Thread)


def test_strings_are_never_split_into_lists() -> None:
    """A string where an array belongs is an error, not a list of characters."""
    wire = P.user_message(content="hello")
    assert "expected an array, got string @ $.content" in _reason(wire, ThreadItem)


def test_errors_inside_pages_name_the_element() -> None:
    """An error in the fourth item says $.data[3]."""
    items = [make() for make in P.ALL_ITEMS]
    items[3]["call_id"] = None
    reason = _reason(P.page(items), Page[ThreadItem])
    assert "@ $.data[3].call_id" in reason


def test_many_errors_are_summarised() -> None:
    """More than a few problems are counted rather than listed without end."""
    items = [{"type": "chatkit.widget"} for _ in range(10)]
    reason = _reason(P.page(items), Page[ThreadItem])
    assert "more" in reason


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"{", "not valid JSON"),
        (b"", "not valid JSON"),
        ("<html>502</html>", "not valid JSON"),
        (b"[]", "expected an object, got array @ $"),
        (b"null", "expected an object, got null @ $"),
    ],
)
def test_non_json_and_wrong_top_level(data: Any, expected: str) -> None:
    """Malformed JSON and non-object bodies give a typed error, never a bare exception."""
    assert expected in _reason(data, Thread)


def test_secret_values_never_appear_in_decode_errors() -> None:
    """A failing session decode names fields, not their values."""
    wire = P.session(expires_at="soon")
    with pytest.raises(APIResponseValidationError) as info:
        parse(wire, ChatSession)
    assert "ek_secret_value_123" not in str(info.value)
    assert "ek_secret_value_123" not in repr(info.value)


def test_models_are_frozen() -> None:
    """Models cannot be changed after decoding."""
    thread = parse(P.thread(), Thread)
    with pytest.raises(AttributeError):
        thread.title = "x"  # type: ignore[misc]


def test_parse_does_not_mutate_its_input() -> None:
    """Decoding leaves the caller's dict exactly as it was."""
    wire = P.page([make() for make in P.ALL_ITEMS])
    before = copy.deepcopy(wire)
    parse(wire, Page[ThreadItem])
    assert wire == before


def test_models_pickle_and_deepcopy() -> None:
    """Decoded models survive pickle and deepcopy unchanged, with or without extra fields."""
    import pickle

    for wire in (P.page([make() for make in P.ALL_ITEMS]), P.page([P.user_message(extra_field=1)])):
        page = parse(wire, Page[ThreadItem])
        assert pickle.loads(pickle.dumps(page)) == page
        assert copy.deepcopy(page) == page
        assert to_dict(pickle.loads(pickle.dumps(page))) == wire
    session = parse(P.session(), ChatSession)
    assert pickle.loads(pickle.dumps(session)) == session


def test_every_model_has_to_dict_giving_the_wire_form() -> None:
    """``model.to_dict()`` is ``to_dict(model)``: the exact wire dict, nested models included."""
    import inspect

    import chatkit_async.types as types_module
    from chatkit_async.types import Model

    models = [
        value
        for value in vars(types_module).values()
        if inspect.isclass(value) and hasattr(value, "__attrs_attrs__")
    ]
    assert models and all(issubclass(cls, Model) for cls in models)
    wire = P.page([make() for make in P.ALL_ITEMS], has_more=True)
    page = parse(wire, Page[ThreadItem])
    assert page.to_dict() == to_dict(page) == wire
    for item, raw in zip(page.data, wire["data"], strict=True):
        assert item.to_dict() == raw
    session = parse(P.session(), ChatSession)
    assert session.to_dict() == P.session()
    assert to_dict([page, session]) == [wire, P.session()]
