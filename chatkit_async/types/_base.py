"""Shared pieces of the model layer: the frozen-model decorator and the empty ``extra`` mapping.

This module owns only plain data definitions. It imports nothing from cattrs and performs no I/O;
decoding and encoding live in :mod:`chatkit_async._converter`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timezone
from typing import Any

import attrs

__all__ = ["EMPTY_EXTRA", "extra_field", "from_unix"]

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


def extra_field() -> Any:
    """The ``extra`` attribute every known model carries: wire fields this SDK does not know yet.

    It is left out of ``repr`` (it is almost always empty) but takes part in equality, so that a
    decoded object and its re-encoded form compare exactly.
    """
    return attrs.field(default=EMPTY_EXTRA, repr=False)


def from_unix(seconds: int) -> datetime:
    """Turn the API's unix-seconds timestamps into aware UTC datetimes."""
    return datetime.fromtimestamp(seconds, tz=timezone.utc)
