"""The one cattrs converter: how wire JSON becomes models and how models become wire JSON again.

This module owns every decoding rule of the SDK, so responses and [`parse`][chatkit_async.parse] can
never disagree:

* **Strict primitives.** A string field takes only a ``str``, an integer field only an ``int`` (not a
  ``bool``), a list field only a JSON array. cattrs' default would turn ``{"id": 5}`` into ``"5"`` and
  a string into a list of characters; we refuse both with a readable reason instead.
* **Tagged unions with explicit unknowns.** Thread statuses, thread items, user-message parts,
  assistant-message parts and annotations dispatch on ``type``. A ``type`` we do not know decodes to
  that union's ``Unknown...`` class carrying the tag and the raw object: never an error, never another
  variant. A tag spelled ``chatkit.X`` is also accepted as ``X`` (the official examples write
  ``user_message``), and kept as it was spelled.
* **Nothing dropped.** Fields we do not know are kept in the model's ``extra`` mapping, and
  [`to_dict`][chatkit_async.to_dict] writes them back, so ``to_dict(parse(body, cls)) == body`` for
  every body the API sends.
* **Defaults only where the API may leave a field out.** A field with a default in the model
  (``title: str | None = None``) may be absent; a field without one (``Thread.status``) is
  required, and a body without it is an error naming the field, never a guess.

The unions and their tags are not listed here: they are read from the models (see the conventions
in ``chatkit_async.types._base``). Any union of attrs classes is a tagged union; each member's
tag is the default of its ``type`` field, and the member with a ``raw`` field is the ``Unknown...``
class. A union that breaks these conventions fails when its hook is first made (at import, for the
decoding targets below), not on a user's request.

**Two decoders, one set of rules.** The rules are registered twice, as plain cattrs hooks:

* ``_explainer`` (cattrs' detailed validation) is the reference: readable, and able to say *every*
  field that is wrong and where (``expected a string, got integer @ $.data[3].id``). Its hooks
  raise ``WireTypeError``, a typed error carrying what was expected and
  what came, which becomes the message.
* ``converter`` decodes every response. Its model hooks are the generated functions of
  ``chatkit_async._fastpath`` (same rules, inline, several times faster); its primitives,
  lists and union dispatchers are the same functions as the explainer's. It stops at the first
  problem; only then does ``structure`` run the explainer, for the message.

``tests/unit/test_converter_fastpath.py`` fuzzes the two against each other.

DESIGN: where each kind of change goes.

* A new model field, item type, status, content part or annotation: in ``types/`` only (see
  ``chatkit_async.types._base``). Nothing here changes.
* A new decoding rule (say, a field type that needs its own check): a reference hook here, in
  ``_configure``; then the same check in ``chatkit_async._fastpath`` (or nothing there:
  the generated code calls the converter's hook for any type it does not know).
* A new decoding target the client asks for on every request: add it to the warm-up list at the
  end of this module, so its hook is made at import.

This module performs no I/O and knows nothing about HTTP: a failure is a ``DecodeError``
carrying a readable reason, which the client turns into
[`APIResponseValidationError`][chatkit_async.APIResponseValidationError] with the status and request
id attached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from types import UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin, overload

import attrs
import cattrs
import orjson
from cattrs.cols import list_structure_factory
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.v import format_exception

from ._exceptions import APIResponseValidationError
from ._fastpath import FastPath
from ._wire import PRIMITIVES, TagError, WireTypeError, extra_fields, json_copy
from .types._base import EMPTY_EXTRA, EXTRA_FIELD, RAW_FIELD, TAG_FIELD, Model, install_encoder
from .types.page import Page
from .types.session import ChatSession, StateVariable
from .types.thread import Thread, ThreadDeleted
from .types.thread_item import ThreadItem

__all__ = [
    "DecodeError",
    "TaggedUnion",
    "converter",
    "decode_json",
    "parse",
    "structure",
    "to_dict",
]

T = TypeVar("T")

#: How many individual problems a decoding error lists before it says "and N more".
_MAX_REASONS = 5
#: A tag with this prefix is also accepted without it (``chatkit.user_message``, ``user_message``).
_OPTIONAL_TAG_PREFIX = "chatkit."
_NONE_TYPE = type(None)


class DecodeError(Exception):
    """A body could not be decoded; ``reason`` says why in words a user can act on."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --- strict primitives -------------------------------------------------------------------------


def _structure_str(value: Any, _: object) -> str:
    if value.__class__ is str:
        return value
    raise WireTypeError(PRIMITIVES[str], value)


def _structure_int(value: Any, _: object) -> int:
    if value.__class__ is int:
        return value
    raise WireTypeError(PRIMITIVES[int], value)


def _structure_bool(value: Any, _: object) -> bool:
    if value.__class__ is bool:
        return value
    raise WireTypeError(PRIMITIVES[bool], value)


def _structure_float(value: Any, _: object) -> float:
    if value.__class__ is float or value.__class__ is int:
        return value
    raise WireTypeError(PRIMITIVES[float], value)


_StateVariables = dict[str, StateVariable]


def _structure_state_variables(value: object, _: object) -> dict[str, StateVariable]:
    # Workflow state variables are strings, booleans or numbers, kept exactly as sent (1 stays an
    # int, True stays a bool). The spec's oneOf rejects integers by accident; we accept them.
    if value.__class__ is not dict:
        raise WireTypeError("an object", value)
    result: dict[str, StateVariable] = {}
    for key, item in cast(dict[str, object], value).items():
        if item.__class__ not in (str, bool, int, float):
            raise WireTypeError(
                "a string, boolean or number", item, subject=f"state variable {key!r}"
            )
        result[key] = item
    return result


def _is_list(t: Any) -> bool:
    return get_origin(t) is list


def _list_hook_factory(t: Any, conv: cattrs.BaseConverter) -> Callable[[object, object], list[Any]]:
    # A JSON string is iterable: cattrs' own list hook would decode "abc" as ["a", "b", "c"].
    (elem_type,) = get_args(t) or (Any,)
    if conv.detailed_validation:
        detailed = list_structure_factory(t, conv)

        def structure_list_detailed(value: object, _: object) -> list[Any]:
            if value.__class__ is not list:
                raise WireTypeError("an array", value)
            result: list[Any] = detailed(value, t)
            return result

        return structure_list_detailed

    elem_hook = conv.get_structure_hook(elem_type)

    def structure_list(value: Any, _: object) -> list[Any]:
        if value.__class__ is not list:
            raise WireTypeError("an array", value)
        return [elem_hook(v, elem_type) for v in value]

    return structure_list


# --- models: keep unknown fields in ``extra`` ---------------------------------------------------


def _is_model(t: Any) -> bool:
    return attrs.has(get_origin(t) or t)


def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in attrs.fields(get_origin(cls) or cls))


def _model_structure_factory(t: Any, conv: cattrs.BaseConverter) -> Callable[[object, object], Any]:
    """The reference hook of a model: cattrs' generated hook, plus ``extra``."""
    names = _field_names(t)
    if RAW_FIELD in names:
        # Unknown... classes are built by their union's hook, never from a bare dict.
        raise TypeError(f"{t!r} is produced by its union's decoder only")
    has_extra = EXTRA_FIELD in names
    overrides: dict[str, Any] = {EXTRA_FIELD: override(omit=True)} if has_extra else {}
    base = make_dict_structure_fn(t, conv, **overrides)
    known = frozenset(n for n in names if n != EXTRA_FIELD)

    def structure_model(data: Any, _: object) -> Any:
        if data.__class__ is not dict:
            raise WireTypeError("an object", data)
        obj = base(data, t)
        if has_extra and not known.issuperset(data):
            # Models are frozen; this is the one place that sets a field after construction.
            object.__setattr__(obj, EXTRA_FIELD, extra_fields(data, known))
        return obj

    return structure_model


def _model_unstructure_factory(t: Any, conv: cattrs.BaseConverter) -> Callable[[Any], dict[str, Any]]:
    names = _field_names(t)
    if RAW_FIELD in names:
        return lambda obj: cast(dict[str, Any], json_copy(dict(getattr(obj, RAW_FIELD))))
    has_extra = EXTRA_FIELD in names
    overrides: dict[str, Any] = {EXTRA_FIELD: override(omit=True)} if has_extra else {}
    base = make_dict_unstructure_fn(t, conv, **overrides)

    def unstructure_model(obj: Any) -> dict[str, Any]:
        data = base(obj)
        extra = getattr(obj, EXTRA_FIELD) if has_extra else EMPTY_EXTRA
        if extra is not EMPTY_EXTRA and extra:
            for key, val in extra.items():
                data.setdefault(key, json_copy(val))
        return data

    return unstructure_model


# --- tagged unions -----------------------------------------------------------------------------


@attrs.frozen
class TaggedUnion:
    """A union of models read as a tagged union: which class each tag selects, and the unknown.

    Built from the union alias alone (``of``); nothing about a union is written twice.
    """

    tags: Mapping[str, type]
    """Every accepted tag and the class it selects (``chatkit.`` tags also without the prefix)."""
    unknown: type
    """The ``Unknown...`` member, for every other tag."""
    unknown_fields: tuple[tuple[str, type], ...]
    """Fields of ``unknown`` besides the tag and ``raw``, read from the raw object if well-typed."""

    @classmethod
    def of(cls, union: Any) -> TaggedUnion:
        """Read the tags of ``union`` (an alias such as ``ThreadStatus``) from its members.

        Raises:
            TypeError: The union breaks the conventions of ``chatkit_async.types._base`` (no or
                several ``Unknown...`` members, a member without a tag, a tag used twice).
        """
        members = get_args(union)
        unknowns = [m for m in members if RAW_FIELD in _field_names(m)]
        if len(unknowns) != 1:
            raise TypeError(
                f"{union!r}: a union of models needs exactly one member with a {RAW_FIELD!r} "
                f"field (its Unknown... class), found {len(unknowns)}"
            )
        (unknown,) = unknowns
        tags: dict[str, type] = {}
        for member in members:
            if member is unknown:
                continue
            field = attrs.fields_dict(member).get(TAG_FIELD)
            tag = None if field is None else field.default
            if not isinstance(tag, str):
                raise TypeError(
                    f"{member.__qualname__} is in {union!r} but declares no tag: give it a "
                    f"{TAG_FIELD!r} field whose default is its tag"
                )
            spellings = [tag]
            if tag.startswith(_OPTIONAL_TAG_PREFIX):
                spellings.append(tag.removeprefix(_OPTIONAL_TAG_PREFIX))
            for spelling in spellings:
                if tags.setdefault(spelling, member) is not member:
                    raise TypeError(
                        f"{union!r}: the tag {spelling!r} is claimed by both "
                        f"{tags[spelling].__qualname__} and {member.__qualname__}"
                    )
        attrs.resolve_types(unknown)
        extra: list[tuple[str, type]] = []
        for a in attrs.fields(unknown):
            if a.name in (TAG_FIELD, RAW_FIELD):
                continue
            if a.type not in PRIMITIVES or a.default is attrs.NOTHING:
                raise TypeError(
                    f"{unknown.__qualname__}.{a.name}: fields of an Unknown... class besides "
                    f"{TAG_FIELD!r} and {RAW_FIELD!r} must be str or int with a default"
                )
            extra.append((a.name, a.type))
        return cls(tags=tags, unknown=unknown, unknown_fields=tuple(extra))

    def make_unknown(self, tag: str, data: dict[str, Any]) -> Any:
        """The ``Unknown...`` instance for an object whose tag no member claims.

        Nothing is guessed: the object is kept whole in ``raw``, and the convenience fields
        (``UnknownItem.id``, ...) are read from it only when they have their documented type.
        """
        kwargs: dict[str, Any] = {TAG_FIELD: tag, RAW_FIELD: json_copy(data)}
        for name, type_ in self.unknown_fields:
            value = data.get(name)
            if value.__class__ is type_:
                kwargs[name] = value
        return self.unknown(**kwargs)


def _is_model_union(t: Any) -> bool:
    if get_origin(t) not in (Union, UnionType):
        return False
    members = get_args(t)
    return _NONE_TYPE not in members and all(
        isinstance(m, type) and attrs.has(m) for m in members
    )


def _call(hook: Callable[[Any, Any], Any], cls: type, data: Any) -> Any:
    return hook(data, cls)


def _union_hook_factory(
    conv: cattrs.Converter, fast: FastPath | None
) -> Callable[[Any], Callable[..., Any]]:
    def make(union: Any) -> Callable[..., Any]:
        spec = TaggedUnion.of(union)
        # Member hooks by tag, made on first use so that every class's hook is made with all of
        # the converter's rules registered.
        table: dict[str, Callable[[Any], Any]] = {}

        def member_hook(cls: type) -> Callable[[Any], Any]:
            hook = conv.get_structure_hook(cls)
            if fast is not None and fast.is_fast(hook):
                return cast(Callable[[Any], Any], hook)
            return partial(_call, hook, cls)

        def structure_union(data: Any, _: object = None) -> Any:
            if data.__class__ is not dict:
                raise WireTypeError("an object", data)
            tag = data.get(TAG_FIELD)
            if tag.__class__ is not str:
                raise TagError(tag, tag_field=TAG_FIELD)
            hook = table.get(tag)
            if hook is None:
                cls = spec.tags.get(tag)
                if cls is None:
                    return spec.make_unknown(tag, data)
                hook = table[tag] = member_hook(cls)
            return hook(data)

        if fast is not None:
            fast.add_union(structure_union, spec.tags, table)
        return structure_union

    return make


# --- the two converters ---------------------------------------------------------------------------


def _configure(conv: cattrs.Converter) -> cattrs.Converter:
    """Register every decoding and encoding rule of the SDK on ``conv``.

    With detailed validation these are the reference hooks; without, model hooks are generated
    by ``FastPath``, with the reference hook as its fallback.
    """
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook_func(lambda t: t == _StateVariables, _structure_state_variables)
    conv.register_unstructure_hook_func(lambda t: t == _StateVariables, dict)
    conv.register_structure_hook_factory(_is_list, _list_hook_factory)
    fast = None if conv.detailed_validation else FastPath(conv, _model_structure_factory)
    conv.register_structure_hook_factory(
        _is_model, _model_structure_factory if fast is None else fast.model_hook
    )
    conv.register_structure_hook_factory(_is_model_union, _union_hook_factory(conv, fast))
    conv.register_unstructure_hook_factory(_is_model, _model_unstructure_factory)
    return conv


# ``converter`` decodes every response: it stops at the first problem and does no bookkeeping,
# which keeps a 100-item page cheap. Only when it fails does ``_explainer`` (cattrs' detailed
# validation, the same rules) decode the body again, to say *every* field that is wrong and where.
converter = _configure(cattrs.Converter(detailed_validation=False, forbid_extra_keys=False))
"""The SDK's converter. Prefer [`parse`][chatkit_async.parse] and
[`to_dict`][chatkit_async.to_dict], which add readable errors."""
_explainer = _configure(cattrs.Converter(detailed_validation=True, forbid_extra_keys=False))


# --- public entry points ---------------------------------------------------------------------------


def _describe(exc: BaseException, type_: type | None) -> str:
    # Our hooks say what they expected and what came; cattrs' generic wording ("invalid value
    # for type, expected str") would lose the second half.
    if isinstance(exc, WireTypeError):
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
    """Parse JSON text; raises ``DecodeError`` with the position of the fault."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise DecodeError(f"the body is not valid JSON ({exc})") from None


def structure(data: Any, cls: Any) -> Any:
    """Turn already-parsed JSON into ``cls``; raises ``DecodeError`` on any mismatch."""
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

    Examples:
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


@overload
def to_dict(obj: Model) -> dict[str, Any]: ...
@overload
def to_dict(obj: Sequence[Model]) -> list[dict[str, Any]]: ...
def to_dict(obj: Model | Sequence[Model]) -> dict[str, Any] | list[dict[str, Any]]:
    """Encode a model (or a list of models) back into JSON-ready data, exactly as the wire had it.

    Unknown variants give back their raw object, and fields kept in ``extra`` are written back, so
    ``to_dict(parse(body, cls)) == body`` for every body the API sends. The result shares no mutable
    data with ``obj``. Every model also has this as a method: ``thread.to_dict()``.

    Args:
        obj: A model instance (a [`Page`][chatkit_async.types.Page] included), or a list of them.

    Returns:
        A dict for a model, a list of dicts for a list: dicts, lists, strings, numbers, booleans and
        ``None`` only, ready for ``json.dumps``.
    """
    data: dict[str, Any] | list[dict[str, Any]] = converter.unstructure(obj)
    return data


install_encoder(converter.unstructure)


# Decoding targets the client asks for on every page; generating them here keeps the first request
# from paying for code generation, and fails at import (in tests) if a model or union breaks the
# conventions.
for _target in (Page[ThreadItem], Page[Thread], Thread, ThreadDeleted, ChatSession):
    converter.get_structure_hook(_target)
    _explainer.get_structure_hook(_target)
    converter.get_unstructure_hook(_target)
del _target
