"""The one cattrs converter: how wire JSON becomes models and how models become wire JSON again.

This module owns every decoding rule of the SDK, so responses and :func:`parse` can never disagree:

* **Strict primitives.** A string field takes only a ``str``, an integer field only an ``int`` (not a
  ``bool``), a list field only a JSON array. cattrs' default would turn ``{"id": 5}`` into ``"5"`` and
  a string into a list of characters; we refuse both with a readable reason instead.
* **Tagged unions with explicit unknowns.** Thread statuses, thread items, user-message parts,
  assistant-message parts and annotations dispatch on ``type``. A ``type`` we do not know decodes to
  that union's ``Unknown...`` class carrying the tag and the raw object: never an error, never another
  variant. Item tags are accepted with and without the ``chatkit.`` prefix.
* **Nothing dropped.** Fields we do not know are kept in the model's ``extra`` mapping, and
  :func:`to_dict` writes them back, so ``to_dict(parse(body, cls)) == body`` for every body the API
  sends.
* **Nullable fields.** Required-but-nullable fields (``title``, ``preview_url``, ...) decode ``null``
  to ``None``; a body that leaves them out entirely also decodes them to ``None``.

Hooks are generated once per class, when first needed, and cached by cattrs; decoding a page does no
reflection. This module performs no I/O and knows nothing about HTTP: a failure is a
:class:`DecodeError` carrying a readable reason, which the client turns into
:class:`~chatkit_async.APIResponseValidationError` with the status and request id attached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast, get_args, get_origin, overload

import attrs
import cattrs
import orjson
from cattrs.cols import list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from ._exceptions import APIResponseValidationError
from .types._base import EMPTY_EXTRA
from .types.page import Page
from .types.session import ChatSession, StateVariable
from .types.thread import (
    ActiveStatus,
    ClosedStatus,
    LockedStatus,
    Thread,
    ThreadDeleted,
    ThreadStatus,
    UnknownStatus,
)
from .types.thread_item import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    FileAnnotation,
    ResponseOutputText,
    TaskGroupItem,
    TaskItem,
    TextAnnotation,
    ThreadItem,
    UnknownAnnotation,
    UnknownAssistantContent,
    UnknownItem,
    UnknownUserContent,
    UrlAnnotation,
    UserMessageContent,
    UserMessageInputText,
    UserMessageItem,
    UserMessageQuotedText,
    WidgetItem,
)

__all__ = ["DecodeError", "converter", "decode_json", "parse", "structure", "to_dict"]

T = TypeVar("T")

#: How many individual problems a decoding error lists before it says "and N more".
_MAX_REASONS = 5


class DecodeError(Exception):
    """A body could not be decoded; ``reason`` says why in words a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _type_name(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "object", list: "array", bool: "boolean", str: "string", int: "integer"}
    return names.get(type(value), "number" if isinstance(value, float) else type(value).__name__)


# --- strict primitives -------------------------------------------------------------------------


def _structure_str(value: Any, _: object) -> str:
    if value.__class__ is str:
        return value
    raise TypeError(f"expected a string, got {_type_name(value)}")


def _structure_int(value: Any, _: object) -> int:
    if value.__class__ is int:
        return value
    raise TypeError(f"expected an integer, got {_type_name(value)}")


def _structure_bool(value: Any, _: object) -> bool:
    if value.__class__ is bool:
        return value
    raise TypeError(f"expected a boolean, got {_type_name(value)}")


def _structure_float(value: Any, _: object) -> float:
    if value.__class__ is float or value.__class__ is int:
        return value
    raise TypeError(f"expected a number, got {_type_name(value)}")


def _json_copy(value: Any) -> Any:
    """A copy of JSON data that shares no dict or list with the original."""
    if value.__class__ is dict:
        return {k: _json_copy(v) for k, v in value.items()}
    if value.__class__ is list:
        return [_json_copy(v) for v in value]
    return value


_StateVariables = dict[str, StateVariable]


def _structure_state_variables(value: object, _: object) -> dict[str, StateVariable]:
    # Workflow state variables are strings, booleans or numbers, kept exactly as sent (1 stays an
    # int, True stays a bool). The spec's oneOf rejects integers by accident; we accept them.
    if value.__class__ is not dict:
        raise TypeError(f"expected an object, got {_type_name(value)}")
    result: dict[str, StateVariable] = {}
    for key, item in cast(dict[str, object], value).items():
        if item.__class__ not in (str, bool, int, float):
            raise TypeError(
                f"state variable {key!r}: expected a string, boolean or number, "
                f"got {_type_name(item)}"
            )
        result[key] = item  # type: ignore[assignment]
    return result


def _is_list(t: Any) -> bool:
    return get_origin(t) is list


def _list_hook_factory(t: Any, conv: cattrs.Converter) -> Callable[[object, object], list[Any]]:
    # A JSON string is iterable: cattrs' own list hook would decode "abc" as ["a", "b", "c"].
    (elem_type,) = get_args(t) or (Any,)
    if conv.detailed_validation:
        detailed = list_structure_factory(t, conv)

        def structure_list_detailed(value: object, _: object) -> list[Any]:
            if value.__class__ is not list:
                raise TypeError(f"expected an array, got {_type_name(value)}")
            result: list[Any] = detailed(value, t)
            return result

        return structure_list_detailed

    elem_hook = conv.get_structure_hook(elem_type)

    def structure_list(value: Any, _: object) -> list[Any]:
        if value.__class__ is not list:
            raise TypeError(f"expected an array, got {_type_name(value)}")
        return [elem_hook(v, elem_type) for v in value]

    return structure_list


# --- models: keep unknown fields in ``extra`` ---------------------------------------------------


def _is_model(t: Any) -> bool:
    return attrs.has(get_origin(t) or t)


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(get_origin(cls) or cls))


def _model_structure_factory(t: Any, conv: cattrs.Converter) -> Callable[[object, object], Any]:
    names = _field_names(t)
    if "raw" in names:
        # Unknown* classes are built by their union's hook, never from a bare dict.
        raise TypeError(f"{t!r} is produced by its union's decoder only")
    has_extra = "extra" in names
    overrides: dict[str, Any] = {"extra": override(omit=True)} if has_extra else {}
    base = make_dict_structure_fn(t, conv, **overrides)
    known = frozenset(n for n in names if n != "extra")

    def structure_model(data: Any, _: object) -> Any:
        if data.__class__ is not dict:
            raise TypeError(f"expected an object, got {_type_name(data)}")
        obj = base(data, t)
        if has_extra and not known.issuperset(data):
            # Models are frozen; this is the one place that sets a field after construction.
            object.__setattr__(
                obj, "extra", {k: _json_copy(v) for k, v in data.items() if k not in known}
            )
        return obj

    return structure_model


def _model_unstructure_factory(t: Any, conv: cattrs.Converter) -> Callable[[Any], dict[str, Any]]:
    names = _field_names(t)
    if "raw" in names:
        return lambda obj: cast(dict[str, Any], _json_copy(dict(obj.raw)))
    has_extra = "extra" in names
    overrides: dict[str, Any] = {"extra": override(omit=True)} if has_extra else {}
    base = make_dict_unstructure_fn(t, conv, **overrides)

    def unstructure_model(obj: Any) -> dict[str, Any]:
        data = base(obj)
        if has_extra and obj.extra is not EMPTY_EXTRA and obj.extra:
            for key, val in obj.extra.items():
                data.setdefault(key, _json_copy(val))
        return data

    return unstructure_model


# --- tagged unions ---------------------------------------------------------------------------------


def _register_tagged_union(
    conv: cattrs.Converter,
    union: Any,
    variants: Mapping[str, type],
    make_unknown: Callable[[str, dict[str, Any]], Any],
) -> None:
    """Decode ``union`` by the ``type`` tag; unknown tags go to ``make_unknown``.

    Member hooks are looked up lazily, on first use, so that every class's hook is generated with
    all of the converter's rules already registered (the order of registration does not matter).
    """
    table: dict[str, Callable[[Any, Any], Any]] = {}

    def structure_union(data: Any, _: object) -> Any:
        if data.__class__ is not dict:
            raise TypeError(f"expected an object, got {_type_name(data)}")
        tag = data.get("type")
        if tag.__class__ is not str:
            raise TypeError(
                "missing 'type' tag" if tag is None else f"'type' must be a string, got {tag!r}"
            )
        hook = table.get(tag)
        if hook is None:
            cls = variants.get(tag)
            if cls is None:
                return make_unknown(tag, data)
            hook = table[tag] = _bind(conv.get_structure_hook(cls), cls)
        return hook(data, None)

    conv.register_structure_hook_func(lambda t: t == union, structure_union)


def _bind(hook: Callable[[Any, Any], Any], cls: type) -> Callable[[Any, Any], Any]:
    return lambda data, _: hook(data, cls)


def _unknown_status(tag: str, raw: dict[str, Any]) -> UnknownStatus:
    return UnknownStatus(type=tag, raw=_json_copy(raw))


def _unknown_user_content(tag: str, raw: dict[str, Any]) -> UnknownUserContent:
    return UnknownUserContent(type=tag, raw=_json_copy(raw))


def _unknown_assistant_content(tag: str, raw: dict[str, Any]) -> UnknownAssistantContent:
    return UnknownAssistantContent(type=tag, raw=_json_copy(raw))


def _unknown_annotation(tag: str, raw: dict[str, Any]) -> UnknownAnnotation:
    return UnknownAnnotation(type=tag, raw=_json_copy(raw))


def _unknown_item(tag: str, raw: dict[str, Any]) -> UnknownItem:
    # An item type from a newer API: read the common fields when they have the documented types,
    # and keep everything in ``raw``. Guessing a known class here is exactly what we refuse to do.
    def text(key: str, default: str) -> str:
        value = raw.get(key)
        return value if isinstance(value, str) else default

    created = raw.get("created_at")
    return UnknownItem(
        id=text("id", ""),
        created_at=created if created.__class__ is int else 0,
        thread_id=text("thread_id", ""),
        type=tag,
        raw=_json_copy(raw),
        object=text("object", "chatkit.thread_item"),
    )


def _with_bare_spelling(variants: Mapping[str, type]) -> dict[str, type]:
    table = dict(variants)
    for tag, cls in variants.items():
        table[tag.removeprefix("chatkit.")] = cls
    return table


def _configure(conv: cattrs.Converter) -> cattrs.Converter:
    """Register every decoding and encoding rule of the SDK on ``conv``."""
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook_func(lambda t: t == _StateVariables, _structure_state_variables)
    conv.register_unstructure_hook_func(lambda t: t == _StateVariables, dict)
    conv.register_structure_hook_factory(_is_list, _list_hook_factory)
    conv.register_structure_hook_factory(_is_model, _model_structure_factory)
    conv.register_unstructure_hook_factory(_is_model, _model_unstructure_factory)
    _register_tagged_union(
        conv,
        ThreadStatus,
        {"active": ActiveStatus, "locked": LockedStatus, "closed": ClosedStatus},
        _unknown_status,
    )
    _register_tagged_union(
        conv,
        UserMessageContent,
        {"input_text": UserMessageInputText, "quoted_text": UserMessageQuotedText},
        _unknown_user_content,
    )
    _register_tagged_union(
        conv,
        AssistantMessageContent,
        {"output_text": ResponseOutputText},
        _unknown_assistant_content,
    )
    _register_tagged_union(
        conv, TextAnnotation, {"file": FileAnnotation, "url": UrlAnnotation}, _unknown_annotation
    )
    _register_tagged_union(
        conv,
        ThreadItem,
        _with_bare_spelling(
            {
                "chatkit.user_message": UserMessageItem,
                "chatkit.assistant_message": AssistantMessageItem,
                "chatkit.widget": WidgetItem,
                "chatkit.client_tool_call": ClientToolCallItem,
                "chatkit.task": TaskItem,
                "chatkit.task_group": TaskGroupItem,
            }
        ),
        _unknown_item,
    )
    return conv


# The rules above, registered twice. ``converter`` decodes every response: it stops at the first
# problem and does no bookkeeping, which keeps a 100-item page cheap. Only when it fails does
# ``_explainer`` (cattrs' detailed validation, the same rules) decode the body again, to say *every*
# field that is wrong and where. Two instances of one configuration, not two sets of rules.
converter = _configure(cattrs.Converter(detailed_validation=False, forbid_extra_keys=False))
"""The SDK's converter. Prefer :func:`parse` and :func:`to_dict`, which add readable errors."""
_explainer = _configure(cattrs.Converter(detailed_validation=True, forbid_extra_keys=False))


# --- public entry points ---------------------------------------------------------------------------


def _describe(exc: BaseException, type_: type | None) -> str:
    # Our strict hooks already say what they expected and what came; cattrs' generic wording
    # ("invalid value for type, expected str") would lose the second half.
    if isinstance(exc, TypeError) and str(exc).startswith(("expected ", "missing ", "'type'")):
        return str(exc)
    if isinstance(exc, TypeError) and str(exc).startswith("state variable"):
        return str(exc)
    return format_exception(exc, type_)


def _reason(exc: BaseException) -> str:
    messages = cattrs.transform_error(exc, path="$", format_exception=_describe)
    if not messages:
        messages = [f"{type(exc).__name__}: {exc}"]
    shown = "; ".join(messages[:_MAX_REASONS])
    if len(messages) > _MAX_REASONS:
        shown += f"; and {len(messages) - _MAX_REASONS} more"
    return shown


def decode_json(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON text; raises :class:`DecodeError` with the position of the fault."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"the body is not valid JSON ({exc})") from None


def structure(data: Any, cls: Any) -> Any:
    """Turn already-parsed JSON into ``cls``; raises :class:`DecodeError` on any mismatch."""
    try:
        return converter.structure(data, cls)
    except Exception as fast_exc:
        try:
            _explainer.structure(data, cls)
        except Exception as exc:
            raise DecodeError(_reason(exc)) from None
        # Both converters share one configuration, so this is unreachable unless cattrs itself
        # disagrees; still report the first failure rather than return a half-decoded object.
        raise DecodeError(_reason(fast_exc)) from None


@overload
def parse(data: bytes | bytearray | memoryview | str | Mapping[str, Any], cls: type[T]) -> T: ...
@overload
def parse(data: bytes | bytearray | memoryview | str | Mapping[str, Any], cls: Any) -> Any: ...
def parse(data: bytes | bytearray | memoryview | str | Mapping[str, Any], cls: Any) -> Any:
    """Decode a JSON body into a model with exactly the rules the client uses for responses.

    Args:
        data: The body as ``bytes`` or ``str`` JSON text, or JSON that is already parsed (a dict).
        cls: The target: a model class (``Thread``), a union alias (``ThreadItem``), or a page
            (``Page[ThreadItem]``).

    Returns:
        The decoded model. Unknown union variants decode to their ``Unknown...`` class and unknown
        fields are kept in ``extra``.

    Raises:
        APIResponseValidationError: The data is not JSON or does not fit ``cls``; the message says
            where and why (e.g. ``expected a string, got integer @ $.data[3].id``).

    Example:
        >>> from chatkit_async import parse, Thread
        >>> parse(b'{"id": "cthr_1", "object": "chatkit.thread", "created_at": 1, "title": null,'
        ...       b' "status": {"type": "active"}, "user": "u1"}', Thread).id
        'cthr_1'
    """
    try:
        parsed = (
            decode_json(data) if isinstance(data, (bytes, bytearray, memoryview, str)) else data
        )
        return structure(parsed, cls)
    except DecodeError as exc:
        raise APIResponseValidationError(
            exc.reason, status_code=None, request_id=None, body=data
        ) from None


def to_dict(obj: Any) -> Any:
    """Encode a model (or a list of models) back into JSON-ready data, exactly as the wire had it.

    Unknown variants give back their raw object, and fields kept in ``extra`` are written back, so
    ``to_dict(parse(body, cls)) == body`` for every body the API sends. The result shares no mutable
    data with ``obj``.

    Args:
        obj: A model instance, a :class:`~chatkit_async.types.Page`, or a list of them.

    Returns:
        Dicts, lists, strings, numbers, booleans and ``None`` only: ready for ``json.dumps``.
    """
    return converter.unstructure(obj)


# Decoding targets the client asks for on every page; generating them here keeps the first request
# from paying for code generation, and fails at import (in tests) if a model cannot be decoded.
for _target in (Page[ThreadItem], Page[Thread], Thread, ThreadDeleted, ChatSession):
    converter.get_structure_hook(_target)
    converter.get_unstructure_hook(_target)
del _target
