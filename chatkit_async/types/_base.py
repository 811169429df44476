"""Shared pieces of the model layer: the conventions every model follows, and the empty ``extra``.

This module owns only plain data definitions. It imports nothing from cattrs and performs no I/O;
decoding and encoding live in ``chatkit_async._converter``, which reads the models through the
three conventions below and nothing else (no table of classes or tags is kept anywhere else):

* **Unknown fields.** A model that keeps the wire fields it does not know has a field named
  ``EXTRA_FIELD``, made with ``extra_field``.
* **Tags.** A member of a tagged union (a status, an item, a content part, an annotation) names
  its tag as the default of its ``TAG_FIELD`` field: ``type: str = "locked"``. The union is a
  plain alias of its members (``ThreadStatus = ActiveStatus | ... | UnknownStatus``).
* **Unknown variants.** Each union has exactly one member with a ``RAW_FIELD`` field: the
  ``Unknown...`` class that takes any tag the others do not claim. Besides ``type`` and ``raw`` it
  may have fields of type ``str`` or ``int`` with defaults (``UnknownItem.id``); they are read from
  the raw object when it has them with that type, else they keep their default.

DESIGN: where each kind of model change goes.

* A new field: add it to its class (``str | None = None`` if the API may leave it out); nothing
  else. Until then it is kept in ``extra``.
* A new item type (or status, content part, annotation): add the attrs class with its tag as the
  ``type`` default, and add the class to the union alias; nothing else.
* A new union: an alias of attrs classes plus one ``Unknown...`` class with ``type`` and ``raw``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

__all__ = [
    "EMPTY_EXTRA",
    "EXTRA_FIELD",
    "RAW_FIELD",
    "TAG_FIELD",
    "Model",
    "extra_field",
    "from_unix",
    "install_encoder",
]

#: The field of a model that keeps the wire fields this SDK does not know (see ``extra_field``).
EXTRA_FIELD = "extra"
#: The field that marks an ``Unknown...`` class and keeps its wire object as it came.
RAW_FIELD = "raw"
#: The field tagged unions dispatch on; a member's tag is this field's default.
TAG_FIELD = "type"

#: The ``extra`` value of a model whose wire object had no unknown fields. It is shared and
#: read-only, so decoding a page of ordinary items allocates no dictionaries for it.
class _EmptyExtra(Mapping[str, Any]):
    """An immutable empty mapping that, unlike ``MappingProxyType``, pickles and copies.

    It reduces to the module-level singleton, so a model that went through ``pickle`` or
    ``copy.deepcopy`` still shares it.
    """

    __slots__ = ()

    def __getitem__(self, key: str) -> Any:
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "{}"

    def __reduce__(self) -> str:
        return "EMPTY_EXTRA"


EMPTY_EXTRA: Mapping[str, Any] = _EmptyExtra()


_encode: Callable[[Any], Any] | None = None


def install_encoder(encode: Callable[[Any], Any]) -> None:
    """Give [`Model.to_dict`][chatkit_async.types.Model.to_dict] the function that encodes models
    (the converter's).

    The converter sits above this module and installs itself when it is imported (which
    importing ``chatkit_async`` always does first), so the models can offer ``to_dict()`` without
    this layer importing cattrs.

    Args:
        encode: Turns a model into JSON-ready data.
    """
    global _encode
    _encode = encode


class Model:
    """The base of every model: plain data, plus [`to_dict`][chatkit_async.types.Model.to_dict] for
    the way back to JSON.

    ``isinstance(x, Model)`` tells a decoded API object from anything else, e.g. in a JSON
    encoder of your own.
    """

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """This object as JSON-ready data, exactly as the wire had it.

        Unknown fields (kept in ``extra``) and unknown variants (their ``raw`` object) are written
        back, so a web handler can return ``thread.to_dict()`` and send what the API sent. The same
        as [`chatkit_async.to_dict`][chatkit_async.to_dict].

        Returns:
            Dicts, lists, strings, numbers, booleans and ``None`` only, sharing nothing mutable
            with this object.
        """
        if _encode is None:  # pragma: no cover - chatkit_async/__init__ installs it on import
            raise RuntimeError("chatkit_async._converter was not imported")
        data: dict[str, Any] = _encode(self)
        return data


def extra_field() -> Any:
    """The ``extra`` attribute every known model carries: wire fields this SDK does not know yet.

    It is left out of ``repr`` (it is almost always empty) but takes part in equality, so that a
    decoded object and its re-encoded form compare exactly.
    """
    return attrs.field(default=EMPTY_EXTRA, repr=False)


def from_unix(seconds: int) -> datetime:
    """Turn the API's unix-seconds timestamps into aware UTC datetimes."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
