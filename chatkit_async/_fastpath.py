"""Generated decoders: one plain Python function per model class, for the converter that decodes
every response.

The readable decoding rules live in ``chatkit_async._converter`` as cattrs hooks; they are the
reference. This module writes, once per class, a function that applies the same rules with none
of cattrs' per-field calls, so that a 100-item page costs a few times ``orjson.loads`` and not
twenty. ``tests/unit/test_converter_fastpath.py`` holds the two to each other: on valid payloads and on
thousands of random mutations of them, both succeed with equal models or both fail.

Interface (all that the converter uses, all that this module uses of the converter):

* ``FastPath(conv, fallback)``: the generated decoders of one cattrs converter. ``fallback`` is the
  reference hook factory for models, used for a class the generator cannot handle exactly (an
  attrs validator or converter, hooks around ``__init__``, an unresolved type variable).
* ``FastPath.model_hook(t)``: the structure hook factory for model classes; register it on
  ``conv``. It returns a ``FastHook``.
* ``FastPath.add_union(dispatcher, tags, table)``: says that ``dispatcher`` (the converter's hook
  of one tagged union) is a ``FastHook`` too, which class each tag selects, and where the
  dispatcher caches its member hooks. Generated code then dispatches inline instead of calling
  it, and calls it for anything unusual (not an object, an odd or unknown tag), so that unknown
  variants and errors stay the converter's business.
* ``FastPath.is_fast(hook)``: whether ``hook`` is a ``FastHook`` (made or declared here).
* Everything else a generated function needs it asks ``conv`` for (``get_structure_hook``): a
  nested type's own hook is whatever the converter registered for it.

A ``FastHook`` takes the data alone (``hook(data)``; cattrs' second argument, the type, is
optional) and returns the model or raises. It only says *that* the data is wrong, with a
``WireTypeError`` or a ``KeyError`` for a missing field; the converter
then asks its reference hooks *what* and *where*. The model conventions it relies on (``extra``,
``raw``, the ``type`` tag) are those of ``chatkit_async.types._base``, read through its
constants.

Each model class gets two functions, with the same rules:

* ``structure_X``, the usual one, for objects that carry every member of ``X`` (what a server
  sends): it reads them all in one ``try`` and, should one be missing, hands the object to
* ``general_X``, which reads the members one by one and applies ``X``'s defaults to absent ones
  (or raises ``KeyError`` for an absent required one).

This is ``structure_ResponseOutputText``, abridged (see any of them whole with ``linecache``, a
debugger or a traceback; each has its own file name):

    def structure(data, _=None):
        if data.__class__ is not dict:
            raise _wrong('an object', data)
        try:                                      # free when nothing is missing (3.11+)
            v1 = data[_key_text]                  # _key_text: orjson's own 'text', see _parser_key
            v2 = data[_key_annotations]
            v3 = data[_key_type]
        except KeyError:
            data = _general5(data)                # general_ResponseOutputText
        else:
            if v1.__class__ is not str:           # strict: no str subclass, no bool for an int
                raise _wrong('a string', v1)
            if v2.__class__ is not list:
                raise _wrong('an array', v2)
            out6 = []
            for x7 in v2:                         # a small tagged union, dispatched inline
                if x7.__class__ is dict:
                    tag9 = x7.get(_key_type)
                    if tag9 == 'file':
                        ...                       # FileAnnotation and its source, decoded inline
                    elif tag9 == 'url':
                        ...
                    else:
                        x7 = _union8(x7)          # unknown and odd tags: the converter's hook
                else:
                    x7 = _union8(x7)
                out6.append(x7)                   # a loop: a comprehension allocates on 3.11
            v2 = out6
            if v3.__class__ is not str:
                raise _wrong('a string', v3)
            v4 = _EMPTY if len(data) == 3 else _extra(data, _known38)   # unknown members?
            data = _builder40()                   # a mutable twin of the class, _builder_class
            data.text = v1
            data.annotations = v2
            data.type = v3
            data.extra = v4
            data.__class__ = _cls39               # from here on a plain, frozen instance
        return data

Where the time went, and what the code does instead (CPython 3.11, one 100-item page; measured
with instruction counts, see ``docs/performance.md``):

* a Python call per nested object: nested models and small unions are decoded inline, up to
  ``_INLINE_DEPTH`` levels; the six item types are looked up in their dispatcher's table;
* ``object.__new__(cls)``, a generic wrapper that builds an argument tuple, then a slot descriptor
  call per field: the builder twin is called directly, takes plain stores (specialised into direct
  slot writes), and has its class switched to the real one;
* a ``try`` per optional member and a counter of absent ones: one ``try`` around all reads;
* key lookups that compare characters: the keys are orjson's own string objects;
* a list comprehension, which allocates a function object each time it runs (one more object for
  the garbage collector): a plain loop;
* scanning keys for unknown members: ``len(data)`` against the number of fields.

DESIGN: a new field type (say ``float | None``) needs a case in ``_Writer.value`` only if it
is neither a primitive of ``PRIMITIVES``, a list, an optional, a model
nor a tagged union: anything else is decoded by calling the converter's hook for it, which is
always correct. A new decoding rule goes into the converter's reference hooks first, then here,
and the differential test shows whether the two still agree.
"""

from __future__ import annotations

import keyword
import linecache
from collections.abc import Callable, Mapping
from types import MemberDescriptorType, UnionType
from typing import Any, TypeVar, Union, cast, get_args, get_origin

import attrs
import cattrs
import orjson

from ._wire import PRIMITIVES, WireTypeError, extra_fields
from .types._base import EMPTY_EXTRA, EXTRA_FIELD, RAW_FIELD, TAG_FIELD

__all__ = ["FastHook", "FastPath"]

#: A decoder that takes the wire data alone and returns the decoded value (or raises).
FastHook = Callable[..., Any]

#: How many levels of nested models and unions one generated function decodes inline before it
#: calls the nested type's own function (bounds the code size; real models nest three deep).
_INLINE_DEPTH = 4
#: A tagged union with at most this many member classes is dispatched inline with ``==`` on the
#: tag; a larger one (the six item types) looks its tag up in a table of member functions.
_INLINE_UNION_MEMBERS = 3

_NONE_TYPE = type(None)
# type -> (condition that rejects the value ``{v}``, what was expected). The conditions are the
# reference hooks' checks, written inline.
_CHECKS: dict[type, str] = {
    str: "{v}.__class__ is not str",
    int: "{v}.__class__ is not int",
    bool: "{v}.__class__ is not bool",
    float: "({v}.__class__ is not float and {v}.__class__ is not int)",
}
assert _CHECKS.keys() == PRIMITIVES.keys()


@attrs.frozen
class _UnionInfo:
    """What the generator knows of one tagged-union dispatcher."""

    tags: Mapping[str, type]
    """Every accepted tag (bare spellings included) and the class it selects."""
    table: dict[str, FastHook]
    """The dispatcher's own cache of member hooks by tag (filled as tags are first seen)."""


@attrs.frozen
class _Plan:
    """How to build one model class: its fields in order, and what the checks need."""

    target: Any
    """The decoding target (``Page[Thread]``, ``Thread``)."""
    cls: type
    """The class to build (``Page``, ``Thread``)."""
    fields: tuple[tuple[attrs.Attribute[Any], Any], ...]
    """Each attrs field with its type, type variables substituted."""
    known: frozenset[str]
    """The wire names the class knows (all fields but ``extra``)."""
    optional: int
    """How many known fields have a default (may be absent on the wire)."""
    has_extra: bool
    builder: type | None
    """The mutable twin to build instances in, or ``None`` to write through the descriptors."""


class FastPath:
    """The generated decoders of one converter (see the module docstring for the interface)."""

    def __init__(
        self,
        conv: cattrs.Converter,
        fallback: Callable[[Any, cattrs.Converter], Callable[[Any, Any], Any]],
    ) -> None:
        self._conv = conv
        self._fallback = fallback
        self._unions: dict[Callable[..., Any], _UnionInfo] = {}
        self._fast: set[Callable[..., Any]] = set()
        self._plans: dict[Any, _Plan | None] = {}
        self._general: dict[Any, FastHook] = {}
        self._general_pending: set[Any] = set()
        self._generated = 0

    # --- the interface -------------------------------------------------------------------------

    def model_hook(self, t: Any, conv: cattrs.BaseConverter | None = None) -> Callable[..., Any]:
        """The hook for model ``t``: a generated ``FastHook`` where possible.

        The signature is that of a cattrs hook factory, so that it can be registered as one.
        """
        plan = self._plan(t)
        if plan is None:
            return self._fallback(t, self._conv)
        function = _Writer(self, general=False).function(plan, self._next_filename(t))
        self._fast.add(function)
        return function

    def _general_hook(self, plan: _Plan) -> FastHook:
        """The function for objects of ``plan``'s class that leave out members with defaults."""
        function = self._general.get(plan.target)
        if function is not None:
            return function
        if plan.target in self._general_pending:
            # Models nested in each other: the function exists by the time it is called.
            return _Deferred(self._general, plan.target)
        self._general_pending.add(plan.target)
        try:
            writer = _Writer(self, general=True)
            function = writer.function(plan, self._next_filename(plan.target, "general"))
        finally:
            self._general_pending.discard(plan.target)
        self._general[plan.target] = function
        self._fast.add(function)
        return function

    def add_union(
        self, dispatcher: Callable[..., Any], tags: Mapping[str, type], table: dict[str, FastHook]
    ) -> None:
        """Declare ``dispatcher`` a ``FastHook`` for the union whose tags select ``tags``.

        ``table`` is the dispatcher's own cache of member hooks by tag; generated code reads it
        for unions too large to dispatch inline.
        """
        self._unions[dispatcher] = _UnionInfo(tags=tags, table=table)
        self._fast.add(dispatcher)

    def is_fast(self, hook: Callable[..., Any]) -> bool:
        """Whether ``hook`` is one of ours that may be called with the data alone."""
        return hook in self._fast

    # --- internals -----------------------------------------------------------------------------

    def _next_filename(self, t: Any, kind: str = "structure") -> str:
        self._generated += 1
        return f"<chatkit_async generated {kind} #{self._generated} {_type_repr(t)}>"

    def _plan(self, t: Any) -> _Plan | None:
        """The build plan of model ``t``, or ``None`` if it must go to the reference hook."""
        if t in self._plans:
            return self._plans[t]
        self._plans[t] = plan = _make_plan(t)
        return plan


def _make_plan(t: Any) -> _Plan | None:
    origin = get_origin(t) or t
    names = [a.name for a in attrs.fields(origin)]
    if RAW_FIELD in names:
        # Unknown... classes are built by their union's dispatcher, never from a bare object.
        raise TypeError(f"{t!r} is produced by its union's decoder only")
    attrs.resolve_types(origin)
    mapping = dict(zip(getattr(origin, "__parameters__", ()), get_args(t), strict=False))
    fields = tuple((a, _substitute(a.type, mapping)) for a in attrs.fields(origin))
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
        return None
    known = frozenset(n for n in names if n != EXTRA_FIELD)
    optional = sum(1 for a, _ in fields if a.name != EXTRA_FIELD and a.default is not attrs.NOTHING)
    return _Plan(
        target=t,
        cls=origin,
        fields=fields,
        known=known,
        optional=optional,
        has_extra=EXTRA_FIELD in names,
        builder=_builder_class(origin),
    )


class _Deferred:
    """A function of ``functions`` that is still being written when it is first referred to."""

    def __init__(self, functions: Mapping[Any, FastHook], key: Any) -> None:
        self._functions, self._key = functions, key

    def __call__(self, data: Any) -> Any:
        return self._functions[self._key](data)


class _LazyHook:
    """The converter's hook for a type, looked up at its first use (for self-nesting models)."""

    def __init__(self, conv: cattrs.Converter, t: Any) -> None:
        self._conv, self._t = conv, t
        self._hook: Callable[[Any, Any], Any] | None = None

    def __call__(self, data: Any) -> Any:
        if self._hook is None:
            self._hook = self._conv.get_structure_hook(self._t)
        return self._hook(data, self._t)


class _Writer:
    """Writes the source of one generated function and collects the names it uses.

    Two kinds of function come out of it, both with the rules of the reference hooks:

    * the **usual** one, ``structure_X``, for objects that carry every field of ``X`` (what a
      server sends): it reads all members in one ``try`` and, if one is missing, hands the
      object to the general one;
    * the **general** one, ``general_X``, that applies ``X``'s defaults to absent members.
    """

    def __init__(self, fast: FastPath, *, general: bool) -> None:
        self.fast = fast
        self.conv = fast._conv
        self.general = general
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "_wrong": WireTypeError,
            "_extra": _extra_or_empty,
            "_EMPTY": EMPTY_EXTRA,
        }
        self.counter = 0
        self.stack: list[type] = []

    # --- plumbing --------------------------------------------------------------------------------

    def name(self, prefix: str, value: Any) -> str:
        """A name of the generated code, bound to ``value``."""
        self.counter += 1
        key = f"_{prefix}{self.counter}"
        self.names[key] = value
        return key

    def key(self, field_name: str) -> str:
        """A name bound to the JSON parser's own string object for the member ``field_name``."""
        name = f"_key_{field_name}"
        self.names[name] = _parser_key(field_name)
        return name

    def local(self, prefix: str) -> str:
        """A fresh local variable name."""
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def hook_call(self, t: Any, arg: str) -> str:
        """An expression decoding ``arg`` into ``t`` with the converter's own hook for ``t``."""
        if get_origin(t) is None and t in self.stack:
            # A model that contains itself: its hook is being made right now.
            return f"{self.name('lazy', _LazyHook(self.conv, t))}({arg})"
        hook = self.conv.get_structure_hook(t)
        if self.fast.is_fast(hook):
            return f"{self.name('hook', hook)}({arg})"
        return f"{self.name('hook', hook)}({arg}, {self.name('type', t)})"

    # --- the function ----------------------------------------------------------------------------

    def function(self, plan: _Plan, filename: str) -> FastHook:
        self.emit(0, "def structure(data, _=None):")
        self.model(1, plan, "data", "data", depth=0, general=self.general)
        self.emit(1, "return data")
        source = "\n".join(self.lines) + "\n"
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        namespace = dict(self.names)
        exec(compile(source, filename, "exec"), namespace)
        function = namespace["structure"]
        prefix = "general" if self.general else "structure"
        function.__qualname__ = function.__name__ = f"{prefix}_{plan.cls.__name__}"
        return cast(FastHook, function)

    def model(
        self,
        indent: int,
        plan: _Plan,
        src: str,
        dst: str,
        depth: int,
        *,
        general: bool = False,
        tag: str | None = None,
    ) -> None:
        """Emit the decoding of the object in local ``src`` into ``plan.cls``, into local ``dst``.

        ``tag`` is set when a union dispatched to this member inline: then ``src`` is known to be
        a dict and the local ``tag`` already holds its ``type`` member. ``general`` applies the
        defaults of absent members here instead of handing such objects to the general function.
        """
        self.stack.append(plan.cls)
        if tag is None:
            self.emit(indent, f"if {src}.__class__ is not dict:")
            self.emit(indent + 1, f"raise _wrong('an object', {src})")
        slots = [(a.name, self.local("v")) for a, _ in plan.fields]
        if general:
            self.reads_with_defaults(indent, plan, src, slots, depth, tag)
        else:
            if plan.optional:
                # Servers send every field, so this ``try`` almost never fails, and costs
                # nothing when it does not (Python 3.11+). If it fails, a member with a default
                # is absent (or a required one, which the general function reports).
                self.emit(indent, "try:")
            for name, var in slots:
                if name == EXTRA_FIELD:
                    continue
                if tag is not None and name == TAG_FIELD:
                    self.emit(indent + bool(plan.optional), f"{var} = {tag}")
                else:
                    self.emit(indent + bool(plan.optional), f"{var} = {src}[{self.key(name)}]")
            if plan.optional:
                self.emit(indent, "except KeyError:")
                general_hook = self.name("general", self.fast._general_hook(plan))
                self.emit(indent + 1, f"{dst} = {general_hook}({src})")
                self.emit(indent, "else:")
                indent += 1
            for (_, var), (a, ft) in zip(slots, plan.fields, strict=True):
                if a.name != EXTRA_FIELD:
                    self.value(indent, var, ft, depth)
            self.extra(indent, plan, src, slots, absent=None)
        self.build(indent, plan, dst, slots)
        self.stack.pop()

    def reads_with_defaults(
        self,
        indent: int,
        plan: _Plan,
        src: str,
        slots: list[tuple[str, str]],
        depth: int,
        tag: str | None,
    ) -> None:
        """Emit the members' reads one by one, with ``plan.cls``'s defaults for absent ones."""
        absent = self.local("absent") if plan.optional else None
        if absent:
            self.emit(indent, f"{absent} = False")
        for (name, var), (a, ft) in zip(slots, plan.fields, strict=True):
            if name == EXTRA_FIELD:
                continue
            if tag is not None and name == TAG_FIELD:
                self.emit(indent, f"{var} = {tag}")
                self.value(indent, var, ft, depth)
            elif a.default is attrs.NOTHING or absent is None:
                self.emit(indent, f"{var} = {src}[{self.key(name)}]")
                self.value(indent, var, ft, depth)
            else:
                self.emit(indent, "try:")
                self.emit(indent + 1, f"{var} = {src}[{self.key(name)}]")
                self.emit(indent, "except KeyError:")
                self.emit(indent + 1, f"{absent} = True")
                default: Any = a.default
                if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                    self.emit(indent + 1, f"{var} = {self.name('factory', default.factory)}()")
                else:
                    self.emit(indent + 1, f"{var} = {self.name('default', default)}")
                self.emit(indent, "else:")
                before = len(self.lines)
                self.value(indent + 1, var, ft, depth)
                if len(self.lines) == before:
                    self.emit(indent + 1, "pass")
        self.extra(indent, plan, src, slots, absent=absent)

    def extra(
        self,
        indent: int,
        plan: _Plan,
        src: str,
        slots: list[tuple[str, str]],
        absent: str | None,
    ) -> None:
        """Emit the ``extra`` value: shared and empty unless ``src`` has members we do not know.

        Every required member was found (or we raised), so when no member with a default was
        absent either, ``len`` alone tells whether the object holds anything else.
        """
        if not plan.has_extra:
            return
        var = dict(slots)[EXTRA_FIELD]
        usual = f"len({src}) == {len(plan.known)}"
        if absent:
            usual = f"not {absent} and {usual}"
        known = self.name("known", plan.known)
        self.emit(indent, f"{var} = _EMPTY if {usual} else _extra({src}, {known})")

    def build(self, indent: int, plan: _Plan, dst: str, slots: list[tuple[str, str]]) -> None:
        """Emit the construction of the instance from the checked locals, into ``dst``."""
        cls = self.name("cls", plan.cls)
        if plan.builder is not None:
            self.emit(indent, f"{dst} = {self.name('builder', plan.builder)}()")
            for field_name, var in slots:
                self.emit(indent, f"{dst}.{field_name} = {var}")
            self.emit(indent, f"{dst}.__class__ = {cls}")
        else:
            self.emit(indent, f"{dst} = {self.name('new', object.__new__)}({cls})")
            for field_name, var in slots:
                setter = getattr(plan.cls, field_name).__set__
                self.emit(indent, f"{self.name('set', setter)}({dst}, {var})")

    def value(self, indent: int, var: str, t: Any, depth: int) -> None:
        """Emit the check (and decoding, in place) of local ``var``, a value present on the wire."""
        if t in _CHECKS:
            self.emit(indent, f"if {_CHECKS[t].format(v=var)}:")
            self.emit(indent + 1, f"raise _wrong({PRIMITIVES[t]!r}, {var})")
            return
        inner = _optional_inner(t)
        if inner is not None:
            if inner in _CHECKS:
                self.emit(indent, f"if {var} is not None and {_CHECKS[inner].format(v=var)}:")
                self.emit(indent + 1, f"raise _wrong({PRIMITIVES[inner]!r}, {var})")
            else:
                self.emit(indent, f"if {var} is not None:")
                self.value(indent + 1, var, inner, depth)
            return
        if get_origin(t) is list:
            (elem,) = get_args(t) or (Any,)
            self.emit(indent, f"if {var}.__class__ is not list:")
            self.emit(indent + 1, f"raise _wrong('an array', {var})")
            # A loop, not a comprehension: on 3.11 a comprehension allocates a function object
            # each time it runs, one more object for the garbage collector to count and scan.
            out, x = self.local("out"), self.local("x")
            self.emit(indent, f"{out} = []")
            self.emit(indent, f"for {x} in {var}:")
            self.value(indent + 1, x, elem, depth)
            self.emit(indent + 1, f"{out}.append({x})")
            self.emit(indent, f"{var} = {out}")
            return
        if depth < _INLINE_DEPTH and self.inline(indent, var, t, depth + 1):
            return
        self.emit(indent, f"{var} = {self.hook_call(t, var)}")

    def inline(self, indent: int, var: str, t: Any, depth: int) -> bool:
        """Emit ``t``'s decoding inline if it is a generated model or a tagged union."""
        if attrs.has(get_origin(t) or t):
            plan = None if t in self.stack else self.fast._plan(t)
            if plan is None:
                return False
            self.model(indent, plan, var, var, depth)
            return True
        if get_origin(t) not in (Union, UnionType):
            return False
        dispatcher = self.conv.get_structure_hook(t)
        info = self.fast._unions.get(dispatcher)
        if info is None:
            return False
        union = self.name("union", dispatcher)
        members: dict[type, list[str]] = {}
        for tag_value, cls in info.tags.items():
            members.setdefault(cls, []).append(tag_value)
        plans = {cls: None if cls in self.stack else self.fast._plan(cls) for cls in members}
        if len(members) > _INLINE_UNION_MEMBERS or any(p is None for p in plans.values()):
            # The dispatcher's own table of member functions, filled as each tag is first seen;
            # a tag not in it yet, an unknown or odd one (unhashable: TypeError), an object
            # without a tag or no object at all goes to the dispatcher, which decides.
            hook = self.local("hook")
            self.emit(indent, "try:")
            table = self.name("table", info.table)
            self.emit(indent + 1, f"{hook} = {table}[{var}[{self.key(TAG_FIELD)}]]")
            self.emit(indent, "except (KeyError, TypeError):")
            self.emit(indent + 1, f"{var} = {union}({var})")
            self.emit(indent, "else:")
            self.emit(indent + 1, f"{var} = {hook}({var})")
            return True
        tag = self.local("tag")
        self.emit(indent, f"if {var}.__class__ is dict:")
        self.emit(indent + 1, f"{tag} = {var}.get({self.key(TAG_FIELD)})")
        keyword_ = "if"
        for cls, tags in members.items():
            # ``==`` may match a str subclass; the member then checks its own ``type`` field
            # strictly and refuses it, as the dispatcher would.
            test = " or ".join(f"{tag} == {value!r}" for value in tags)
            self.emit(indent + 1, f"{keyword_} {test}:")
            keyword_ = "elif"
            plan = plans[cls]
            assert plan is not None
            self.model(indent + 2, plan, var, var, depth, tag=tag)
        self.emit(indent + 1, "else:")
        self.emit(indent + 2, f"{var} = {union}({var})")
        self.emit(indent, "else:")
        self.emit(indent + 1, f"{var} = {union}({var})")
        return True


# --- helpers ---------------------------------------------------------------------------------------


def _parser_key(name: str) -> str:
    """``name`` as the very string object that ``orjson.loads`` puts in the dicts it returns.

    orjson keeps one string object per member name it has seen (a cache of short keys), while
    Python interns the ``'id'`` written in our generated source: two equal strings, two objects.
    A dict lookup compares the key objects first and only then their characters, so looking up
    parsed objects with orjson's own objects skips a string comparison per field. Equal strings
    either way: if the parser returns another object some day (its cache evicted the name), the
    lookup still finds the member, by comparing characters as before.
    """
    key = next(iter(orjson.loads(orjson.dumps({name: None}))))
    return key if key == name else name


def _extra_or_empty(data: dict[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    """What ``extra`` holds for ``data``: its unknown members, or the shared empty mapping."""
    return extra_fields(data, known) or EMPTY_EXTRA


def _type_repr(t: Any) -> str:
    origin = get_origin(t)
    if origin is None:
        return getattr(t, "__qualname__", repr(t))
    args = ", ".join(_type_repr(a) for a in get_args(t))
    return f"{getattr(origin, '__qualname__', repr(origin))}[{args}]"


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
    CPython 3.11), and ``object.__new__(cls)`` goes through a wrapper that builds an argument
    tuple. The twin is a subclass that adds no slots, only ``object``'s own ``__setattr__``,
    ``__delattr__`` and ``__init__``: calling it allocates directly, plain ``obj.field = value``
    stores are allowed and specialise to direct slot writes, and once every field is set the
    object's class is switched to ``cls``, which CPython allows because the layouts are the same.
    What is returned is an ordinary, frozen instance of ``cls``, equal to one built by ``cls(...)``.
    The twin shows up in ``cls.__subclasses__()``, nowhere else.

    Any surprise (a field name that is not a plain identifier, a Python that refuses the class
    switch) returns ``None``, and the generated code sets slots through the descriptors instead.
    """
    names = [a.name for a in attrs.fields(cls)]
    if not all(n.isidentifier() and not keyword.iskeyword(n) for n in names):
        return None
    try:
        twin = type(
            f"{cls.__name__}Builder",
            (cls,),
            {
                "__slots__": (),
                "__init__": object.__init__,
                "__setattr__": object.__setattr__,
                "__delattr__": object.__delattr__,
                "__module__": __name__,
                "__doc__": f"Builds {cls.__qualname__} instances for the decoder; never escapes.",
            },
        )
        probe: Any = twin()
        for name in names:
            setattr(probe, name, None)
        probe.__class__ = cls
    except (TypeError, AttributeError):
        return None
    return twin if type(probe) is cls else None
