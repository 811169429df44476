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

import keyword
import linecache
from collections.abc import Callable, Mapping
from functools import partial
from types import MemberDescriptorType, UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin, overload

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
        result[key] = item
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
            object.__setattr__(obj, "extra", _extra_fields(data, known))
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


# --- the fast path: one generated decoding function per model ----------------------------------
#
# cattrs' generated hooks call one function per field (our strict ``str``/``int`` checks), go
# through the union closure and then an attrs ``__init__`` that sets each slot via
# ``object.__setattr__``; on a 100-item page that is several times the cost of parsing the JSON.
# For the fast converter we therefore write, once per class, one function that does the same work
# inline. For ``Thread`` it reads (abridged; see it whole with ``linecache`` or a debugger):
#
#     def structure(data, _=None):
#         if data.__class__ is not dict:
#             raise _not_object(data)
#         absent = 0
#         f0 = data['id']                       # required: a missing key raises KeyError
#         if f0.__class__ is not str:           # strict: no str subclass, no bool-as-int
#             raise _wrong('a string', f0)
#         try:                                  # optional: free when the key is there (3.11+)
#             f2 = data['title']
#         except KeyError:
#             absent += 1
#             f2 = _default6                    # attrs' default (None for nullable fields)
#         else:
#             if f2 is not None and f2.__class__ is not str:
#                 raise _wrong('a string', f2)
#         ...
#             f3 = _hook8(f3)                   # the ThreadStatus union's dispatcher
#         ...
#         f6 = _extra(data, _known10) if len(data) + absent != 6 else _EMPTY
#         obj = _new(_builder11)                # a mutable twin of Thread, see _builder_class
#         obj.id = f0
#         ...
#         obj.__class__ = _cls12                # from here on a plain, frozen Thread
#         return obj
#
# The rules are the ones above, not new ones: the same strict checks, defaults for absent keys,
# ``None`` for nullable fields, unknown keys into ``extra``, nested models, lists and unions through
# the converter's own hooks. It only says *that* something is wrong; on any failure ``structure``
# asks the cattrs explainer (the same rules, detailed validation) *what* and *where*.
# tests/test_converter_fastpath.py checks with random mutations of valid payloads that both
# always agree. A class the generator cannot handle exactly (validators, converters, hooks around
# ``__init__``, unresolved type variables) keeps the cattrs-generated hook.

_NONE_TYPE = type(None)
_PRIMITIVE_CHECKS: dict[type, tuple[str, str]] = {
    # type -> (condition that rejects ``{v}``, what was expected)
    str: ("{v}.__class__ is not str", "a string"),
    int: ("{v}.__class__ is not int", "an integer"),
    bool: ("{v}.__class__ is not bool", "a boolean"),
    float: ("({v}.__class__ is not float and {v}.__class__ is not int)", "a number"),
}


def _not_object(value: object) -> TypeError:
    return TypeError(f"expected an object, got {_type_name(value)}")


def _wrong(expected: str, value: object) -> TypeError:
    return TypeError(f"expected {expected}, got {_type_name(value)}")


def _extra_fields(data: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {k: _json_copy(v) for k, v in data.items() if k not in known}


def _substitute(t: Any, mapping: Mapping[Any, Any]) -> Any:
    """``t`` with the type variables of a generic model replaced (``list[T]`` -> ``list[Thread]``)."""
    if isinstance(t, TypeVar):
        return mapping.get(t, t)
    args = get_args(t)
    if not args or not mapping:
        return t
    new = tuple(_substitute(a, mapping) for a in args)
    origin = get_origin(t)
    if origin is list:
        return list[new[0]]  # type: ignore[valid-type]
    if origin is dict:
        return dict[new[0], new[1]]  # type: ignore[valid-type]
    if origin in (Union, UnionType):
        return Union[new]  # noqa: UP007 (a tuple of members, only spelt this way)
    return t


def _has_typevar(t: Any) -> bool:
    return isinstance(t, TypeVar) or any(_has_typevar(a) for a in get_args(t))


def _optional_inner(t: Any) -> Any:
    """``X`` for ``X | None`` (``X`` itself a union when there were more members), else ``None``."""
    if get_origin(t) not in (Union, UnionType):
        return None
    args = get_args(t)
    if _NONE_TYPE not in args:
        return None
    rest = tuple(a for a in args if a is not _NONE_TYPE)
    return rest[0] if len(rest) == 1 else Union[rest]  # noqa: UP007 (as above)


def _builder_class(cls: type) -> type | None:
    """A mutable twin of the frozen, slotted ``cls`` to build instances in, or ``None``.

    Setting a slot through its descriptor from Python costs a call per field (about 45 ns on
    CPython 3.11, the largest single cost of decoding a page). The twin is a subclass that adds
    nothing but ``object``'s own ``__setattr__``/``__delattr__``, so plain ``obj.field = value``
    stores are allowed and specialise to a direct slot write; once every field is set, the
    object's class is switched to ``cls``, which CPython allows because the layouts are the same
    (the twin adds no slots). What is returned is an ordinary, frozen instance of ``cls``, equal
    to one built by ``cls(...)``. The twin shows up in ``cls.__subclasses__()``, nowhere else.

    Any surprise (a field name that is not a plain identifier, a Python that refuses the class
    switch) returns ``None``, and the generated code sets slots through the descriptors instead.
    """
    if cls in _BUILDERS:
        return _BUILDERS[cls]
    names = [a.name for a in attrs.fields(cls)]
    _BUILDERS[cls] = None
    if not all(n.isidentifier() and not keyword.iskeyword(n) for n in names):
        return None
    try:
        twin = type(
            f"{cls.__name__}Builder",
            (cls,),
            {
                "__slots__": (),
                "__setattr__": object.__setattr__,
                "__delattr__": object.__delattr__,
                "__module__": __name__,
                "__doc__": f"Builds {cls.__qualname__} instances for the decoder; never escapes.",
            },
        )
        probe: Any = object.__new__(twin)
        for name in names:
            setattr(probe, name, None)
        probe.__class__ = cls
    except (TypeError, AttributeError):
        return None
    if type(probe) is cls:
        _BUILDERS[cls] = twin
    return _BUILDERS[cls]


_BUILDERS: dict[type, type | None] = {}


def _is_fast(hook: Callable[..., Any]) -> bool:
    """Whether ``hook`` is one of ours that may be called with the data alone."""
    return getattr(hook, "_chatkit_fast", False) is True


class _Codegen:
    """Writes the source of one class's decoding function and collects the names it uses."""

    def __init__(self, conv: cattrs.Converter) -> None:
        self.conv = conv
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "_not_object": _not_object,
            "_wrong": _wrong,
            "_extra": _extra_fields,
            "_EMPTY": EMPTY_EXTRA,
            "_new": object.__new__,
        }

    def name(self, prefix: str, value: Any) -> str:
        key = f"_{prefix}{len(self.names)}"
        self.names[key] = value
        return key

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def call(self, t: Any, arg: str) -> str:
        """An expression decoding ``arg`` into ``t`` with the converter's hook for ``t``."""
        hook = self.conv.get_structure_hook(t)
        if _is_fast(hook):  # a generated function or a union dispatcher: no type argument
            return f"{self.name('hook', hook)}({arg})"
        return f"{self.name('hook', hook)}({arg}, {self.name('type', t)})"

    def build_list(self, indent: int, var: str, element: Callable[[str], str]) -> None:
        """Emit ``var = [element(x) for x in var]``, with a shortcut for the one-element case.

        Lists of one element (a message's single text part) are the common case; they skip
        building a comprehension. In every case the result is a new list.
        """
        self.emit(indent, f"if len({var}) == 1:")
        self.emit(indent + 1, f"x = {var}[0]")
        self.emit(indent + 1, f"{var} = [{element('x')}]")
        self.emit(indent, f"elif {var}:")
        self.emit(indent + 1, f"{var} = [{element('x')} for x in {var}]")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{var} = []")

    def check_value(self, indent: int, var: str, t: Any) -> None:
        """Emit the check (and conversion) of ``var``, a value that is present, against ``t``."""
        if t in _PRIMITIVE_CHECKS:
            condition, expected = _PRIMITIVE_CHECKS[t]
            self.emit(indent, f"if {condition.format(v=var)}:")
            self.emit(indent + 1, f"raise _wrong({expected!r}, {var})")
            return
        inner = _optional_inner(t)
        if inner is not None:
            if inner in _PRIMITIVE_CHECKS:
                condition, expected = _PRIMITIVE_CHECKS[inner]
                self.emit(indent, f"if {var} is not None and {condition.format(v=var)}:")
                self.emit(indent + 1, f"raise _wrong({expected!r}, {var})")
            else:
                self.emit(indent, f"if {var} is not None:")
                self.check_value(indent + 1, var, inner)
            return
        if get_origin(t) is list:
            (elem,) = get_args(t) or (Any,)
            self.emit(indent, f"if {var}.__class__ is not list:")
            self.emit(indent + 1, f"raise _wrong('an array', {var})")
            hook = self.conv.get_structure_hook(elem)
            table = getattr(hook, "_chatkit_table", None)
            if table is None:
                self.build_list(indent, var, lambda x: self.call(elem, x))
                return
            # A list of a tagged union: look each element's tag up in the dispatcher's own table
            # of member functions, saving a call per element. Anything unusual (not an object, no
            # or an odd tag, an unknown variant) goes through the dispatcher itself; a TypeError
            # (say, a tag that is a list) re-runs the whole list through it, for its exact error.
            # Members check that ``type`` is a string themselves, as the dispatcher would.
            tbl, disp = self.name("table", table), self.name("union", hook)
            self.emit(indent, "try:")
            self.build_list(
                indent + 1,
                var,
                lambda x: f"{tbl}.get({x}.get('type') if {x}.__class__ is dict else None, {disp})({x})",
            )
            self.emit(indent, "except TypeError:")
            self.emit(indent + 1, f"{var} = [{disp}(x) for x in {var}]")
            return
        # Models, tagged unions and anything else: the converter's hook for that type (for models
        # and unions of the fast converter, itself a generated function or a dispatcher).
        self.emit(indent, f"{var} = {self.call(t, var)}")


def _fast_model_factory(
    t: Any, conv: cattrs.Converter
) -> Callable[[object, object], Any]:
    """The fast converter's hook factory for models: a generated function where possible."""
    origin = get_origin(t) or t
    names = _field_names(t)
    if "raw" in names:
        raise TypeError(f"{t!r} is produced by its union's decoder only")
    attrs.resolve_types(origin)
    mapping = dict(zip(getattr(origin, "__parameters__", ()), get_args(t), strict=False))
    fields = [(a, _substitute(a.type, mapping)) for a in attrs.fields(origin)]
    simple = (
        not hasattr(origin, "__attrs_pre_init__")
        and not hasattr(origin, "__attrs_post_init__")
        and all(
            a.init
            and a.validator is None
            and a.converter is None
            and not (isinstance(a.default, attrs.Factory) and a.default.takes_self)  # type: ignore[arg-type]
            and isinstance(getattr(origin, a.name, None), MemberDescriptorType)
            and not _has_typevar(ft)
            for a, ft in fields
        )
    )
    if not simple:
        return _model_structure_factory(t, conv)

    gen = _Codegen(conv)
    known = frozenset(a.name for a, _ in fields if a.name != "extra")
    optional = sum(1 for a, _ in fields if a.name != "extra" and a.default is not attrs.NOTHING)
    gen.emit(0, "def structure(data, _=None):")
    gen.emit(1, "if data.__class__ is not dict:")
    gen.emit(2, "raise _not_object(data)")
    if optional:
        # Every required key was found (or we raised), so counting the optional keys that are
        # absent tells whether the dict holds anything else without scanning its keys.
        gen.emit(1, "absent = 0")
    slots: list[tuple[str, str]] = []
    for index, (a, ft) in enumerate(fields):
        var = f"f{index}"
        slots.append((a.name, var))
        if a.name == "extra":
            continue
        if a.default is attrs.NOTHING:
            gen.emit(1, f"{var} = data[{a.name!r}]")
            gen.check_value(1, var, ft)
            continue
        # Servers send every field, so the key is almost always there: a ``try`` costs nothing
        # in that case on Python 3.11+, and a lookup is cheaper than ``get`` with a sentinel.
        gen.emit(1, "try:")
        gen.emit(2, f"{var} = data[{a.name!r}]")
        gen.emit(1, "except KeyError:")
        gen.emit(2, "absent += 1")
        if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
            gen.emit(2, f"{var} = {gen.name('factory', a.default.factory)}()")
        else:
            gen.emit(2, f"{var} = {gen.name('default', a.default)}")
        gen.emit(1, "else:")
        gen.check_value(2, var, ft)
    if "extra" in names:
        var = f"f{names.index('extra')}"
        count = f"len(data) + absent != {len(known)}" if optional else f"len(data) != {len(known)}"
        gen.emit(1, f"{var} = _extra(data, {gen.name('known', known)}) if {count} else _EMPTY")
    builder = _builder_class(origin)
    if builder is not None:
        gen.emit(1, f"obj = _new({gen.name('builder', builder)})")
        for name, var in slots:
            gen.emit(1, f"obj.{name} = {var}")
        gen.emit(1, f"obj.__class__ = {gen.name('cls', origin)}")
    else:
        gen.emit(1, f"obj = _new({gen.name('cls', origin)})")
        for name, var in slots:
            gen.emit(1, f"{gen.name('set', getattr(origin, name).__set__)}(obj, {var})")
    gen.emit(1, "return obj")

    source = "\n".join(gen.lines) + "\n"
    filename = f"<chatkit_async generated structure {origin.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(gen.names)
    exec(compile(source, filename, "exec"), namespace)
    function = namespace["structure"]
    function.__qualname__ = function.__name__ = f"structure_{origin.__name__}"
    function._chatkit_fast = True
    return cast(Callable[[object, object], Any], function)


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
    table: dict[str, Callable[[Any], Any]] = {}

    def member_hook(cls: type) -> Callable[[Any], Any]:
        hook = conv.get_structure_hook(cls)
        return cast(Callable[[Any], Any], hook) if _is_fast(hook) else partial(_call, hook, cls)

    def structure_union(data: Any, _: object = None) -> Any:
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
            hook = table[tag] = member_hook(cls)
        return hook(data)

    structure_union._chatkit_fast = True  # type: ignore[attr-defined]
    if all(_has_str_tag(cls) for cls in variants.values()):
        # Lets generated list decoders use the table directly (see _Codegen.check_value).
        structure_union._chatkit_table = table  # type: ignore[attr-defined]
    conv.register_structure_hook_func(lambda t: t == union, structure_union)


def _has_str_tag(cls: type) -> bool:
    attrs.resolve_types(cls)
    tag = attrs.fields_dict(cls).get("type")
    return tag is not None and tag.type is str


def _call(hook: Callable[[Any, Any], Any], cls: type, data: Any) -> Any:
    return hook(data, cls)


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
    conv.register_structure_hook_factory(
        _is_model, _model_structure_factory if conv.detailed_validation else _fast_model_factory
    )
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
