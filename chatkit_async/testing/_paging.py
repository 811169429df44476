"""Cursor paging of the emulator's lists: sorted collections, pages, and the list query parameters.

This module owns OpenAI's paging rules, independent of what is listed: ``OrderedCollection``
(elements sorted by a packed ``(created_at, sequence)`` key, pre-serialized), ``Page`` (one page
and its ``list`` JSON), and ``PageQuery`` (``limit``, ``order``, ``after`` and ``before`` read
from a query mapping and validated). It is pure: no I/O, no aiohttp, no clock and no locking.

The rules, for a list sorted by ``created_at`` then insertion order:

* ``order`` is ``desc`` by default; ``limit`` is 20 by default, 0..100.
* ``after=X`` gives the ``limit`` elements following X in listing order; ``before=X`` the ``limit``
  elements immediately preceding X, still in listing order.
* ``has_more`` tells whether elements remain beyond the page in the direction of travel.
* A cursor only needs a position: a deleted element's key still places a page.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import orjson

from ._errors import InvalidRequest

__all__ = [
    "SEQ_SPAN",
    "Order",
    "OrderedCollection",
    "Page",
    "PageQuery",
    "both_cursors",
    "pack_key",
    "unknown_cursor",
]

Order = Literal["asc", "desc"]

_SEQ_BITS = 40
#: Sort keys are ``created_at * SEQ_SPAN + sequence``: time first, then insertion order.
SEQ_SPAN = 1 << _SEQ_BITS

_LIMIT_RE = re.compile(r"[+-]?[0-9]{1,18}")


def pack_key(created_at: int, sequence: int) -> int:
    """Packs a creation time and an insertion sequence number into one sortable int."""
    return created_at * SEQ_SPAN + sequence


def both_cursors() -> InvalidRequest:
    """The 400 for a request giving both ``after`` and ``before``."""
    return InvalidRequest(
        "Only one of 'after' and 'before' can be provided.", "before", "invalid_parameters"
    )


def unknown_cursor(param: str, cursor: str) -> InvalidRequest:
    """The 400 for a cursor naming no element of the list (not even a deleted one)."""
    return InvalidRequest(
        f"Invalid '{param}': no object with id '{cursor}' in this list.", param, "invalid_cursor"
    )


@dataclass(slots=True)
class PageQuery:
    """Validated paging parameters of a list request.

    Attributes:
        limit: Page size, 0..100.
        order: Listing order.
        after: The ``after`` cursor, if any.
        before: The ``before`` cursor, if any (never together with ``after``).
    """

    limit: int = 20
    order: Order = "desc"
    after: str | None = None
    before: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> PageQuery:
        """Reads and validates ``limit``, ``order``, ``after`` and ``before``.

        Args:
            query: The request's query parameters (the first value of a repeated name).

        Returns:
            The parameters, defaults filled in.

        Raises:
            InvalidRequest: On a ``limit`` that is not an integer in 0..100, an ``order`` other
                than ``asc``/``desc``, or both cursors.
        """
        limit = 20
        if "limit" in query:
            raw = query["limit"]
            if not _LIMIT_RE.fullmatch(raw):
                raise InvalidRequest(
                    f"Invalid 'limit': expected an integer, but got '{raw}' instead.",
                    "limit",
                    "invalid_type",
                )
            limit = int(raw)
            if limit < 0:
                raise InvalidRequest(
                    "Invalid 'limit': integer below minimum value. Expected a value >= 0, but "
                    f"got {limit} instead.",
                    "limit",
                    "integer_below_min_value",
                )
            if limit > 100:
                raise InvalidRequest(
                    "Invalid 'limit': integer above maximum value. Expected a value <= 100, but "
                    f"got {limit} instead.",
                    "limit",
                    "integer_above_max_value",
                )
        order = query.get("order", "desc")
        if order not in ("asc", "desc"):
            raise InvalidRequest(
                f"Invalid value: '{order}'. Supported values are: 'asc' and 'desc'.",
                "order",
                "invalid_value",
            )
        after = query.get("after")
        before = query.get("before")
        if after is not None and before is not None:
            raise both_cursors()
        return cls(limit, "asc" if order == "asc" else "desc", after, before)


@dataclass(slots=True)
class Page:
    """One page of a list endpoint.

    Like ``PageQuery`` it is a plain (not frozen) dataclass: one of each is made for every
    list request served, and a frozen dataclass pays a ``setattr`` call per field to be built.

    Attributes:
        blobs: Serialized elements, in listing order.
        first_id: Id of the first element (``None`` when empty).
        last_id: Id of the last element (``None`` when empty).
        has_more: Whether more elements exist beyond the page in the direction of travel.
    """

    blobs: list[bytes]
    first_id: str | None
    last_id: str | None
    has_more: bool

    def to_json(self) -> bytes:
        """Serializes the page as a ``list`` resource (``ThreadListResource`` shape)."""
        return b"".join(
            (
                b'{"object":"list","data":[',
                b",".join(self.blobs),
                b'],"first_id":',
                orjson.dumps(self.first_id),
                b',"last_id":',
                orjson.dumps(self.last_id),
                b',"has_more":',
                b"true" if self.has_more else b"false",
                b"}",
            )
        )

    def data(self) -> list[Any]:
        """Returns the decoded elements (a fresh copy)."""
        return [orjson.loads(b) for b in self.blobs]


class OrderedCollection:
    """Elements sorted by a packed ``(created_at, sequence)`` key, with cursor paging.

    The collection keeps three parallel lists (keys ascending, ids, serialized bodies) and an
    id-to-key map. Appending in key order is ``O(1)``; inserting out of order or removing is a
    list insertion (``O(n)`` memory moves, fine for seeding); paging is ``O(limit + log n)``.
    """

    __slots__ = ("_blobs", "_ids", "_key_of", "_keys")

    def __init__(self) -> None:
        self._keys: list[int] = []
        self._ids: list[str] = []
        self._blobs: list[bytes] = []
        self._key_of: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, element_id: object) -> bool:
        return element_id in self._key_of

    def key_of(self, element_id: str) -> int | None:
        """Returns the sort key of an element, or ``None`` if absent."""
        return self._key_of.get(element_id)

    def insert(self, element_id: str, key: int, blob: bytes) -> None:
        """Inserts an element at its sorted position.

        Raises:
            ValueError: If the id is already present.
        """
        if element_id in self._key_of:
            raise ValueError(f"duplicate id {element_id!r}")
        keys = self._keys
        if not keys or key > keys[-1]:
            keys.append(key)
            self._ids.append(element_id)
            self._blobs.append(blob)
        else:
            i = bisect_left(keys, key)
            keys.insert(i, key)
            self._ids.insert(i, element_id)
            self._blobs.insert(i, blob)
        self._key_of[element_id] = key

    def remove(self, element_id: str) -> None:
        """Removes an element (no-op if absent)."""
        key = self._key_of.pop(element_id, None)
        if key is None:
            return
        i = bisect_left(self._keys, key)
        del self._keys[i]
        del self._ids[i]
        del self._blobs[i]

    def ordered(self, order: Order = "asc") -> list[bytes]:
        """Returns every serialized element in listing order."""
        return list(self._blobs) if order == "asc" else self._blobs[::-1]

    def creation_ordered(self) -> list[bytes]:
        """Returns every serialized element in insertion order (by the keys' sequence part)."""
        mask = SEQ_SPAN - 1
        positions = sorted(range(len(self._keys)), key=lambda i: self._keys[i] & mask)
        return [self._blobs[i] for i in positions]

    def page(
        self,
        *,
        limit: int,
        order: Order,
        after_key: int | None = None,
        before_key: int | None = None,
    ) -> Page:
        """Returns one page in OpenAI's cursor semantics.

        ``after`` selects the ``limit`` elements following the cursor in listing order;
        ``before`` the ``limit`` elements immediately preceding it, still in listing order.
        Cursor keys need not be present (a deleted element keeps its position).

        Args:
            limit: Page size (0 or more).
            order: Listing order, ``"asc"`` or ``"desc"`` by key.
            after_key: Key of the ``after`` cursor, if any.
            before_key: Key of the ``before`` cursor, if any.

        Returns:
            The page.
        """
        keys = self._keys
        n = len(keys)
        # Work on the ascending list: compute [lo, hi) and the direction of travel, which is
        # towards larger keys for asc+after and desc+before, towards smaller keys otherwise.
        towards_larger = (order == "asc") == (before_key is None)
        if order == "asc":
            if before_key is not None:
                hi = bisect_left(keys, before_key)
                lo = max(0, hi - limit)
            else:
                lo = 0 if after_key is None else bisect_right(keys, after_key)
                hi = min(n, lo + limit)
        else:
            if before_key is not None:
                lo = bisect_right(keys, before_key)
                hi = min(n, lo + limit)
            else:
                hi = n if after_key is None else bisect_left(keys, after_key)
                lo = max(0, hi - limit)
        has_more = hi < n if towards_larger else lo > 0
        if lo >= hi:
            return Page([], None, None, has_more)
        if order == "asc":
            return Page(self._blobs[lo:hi], self._ids[lo], self._ids[hi - 1], has_more)
        blobs = self._blobs[lo:hi]
        blobs.reverse()
        return Page(blobs, self._ids[hi - 1], self._ids[lo], has_more)
