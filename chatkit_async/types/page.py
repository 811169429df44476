"""One page of a list endpoint (plain attrs data, no I/O)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._base import Model, extra_field

__all__ = ["Page"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class Page(Model, Generic[T]):
    """One page of results, as the server returned it.

    Iterating a page yields its [`data`][chatkit_async.types.Page.data]; ``len(page)`` is the number
    of items on it.
    """

    data: list[T]
    """The items on this page, in server order."""
    first_id: str | None = None
    """Identifier of the first item on the page (``None`` when the page is empty)."""
    last_id: str | None = None
    """Identifier of the last item on the page (``None`` when the page is empty)."""
    has_more: bool
    """Whether the server has more items beyond this page, in the direction of travel."""
    object: str = "list"
    """Always ``"list"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)
