"""In-memory data of the ChatKit emulator: threads, items, sessions and cursor paging.

This module owns the emulator's state and the rules of the API that do not depend on HTTP:
OpenAI-style cursor paging, the user filter, deletion, and the validation and resolution of
session requests. It is pure: no I/O, no clock (callers pass ``now``) and no locking (the
emulator serializes access with its own lock).

Threads and items are kept pre-serialized (orjson bytes) in per-collection sorted lists keyed by
``(created_at, insertion sequence)`` packed into one int, with an id-to-key map, so a page costs
``O(limit + log n)`` and a million stored items cost a few hundred bytes each. Cursors pointing
at a deleted element keep working: the element's position is remembered.
"""

from __future__ import annotations

import gc
import random
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

import orjson

from ._demo import (
    DEMO_EPOCH,
    ITEM_TYPES,
    DemoThread,
    make_item,
    make_thread,
    normalize_item_type,
)

__all__ = [
    "EmulatorStore",
    "InvalidRequest",
    "NotFound",
    "OrderedCollection",
    "Page",
]

Order = Literal["asc", "desc"]

_SEQ_BITS = 40
_SEQ_SPAN = 1 << _SEQ_BITS


class InvalidRequest(ValueError):
    """A request the API rejects with 400, in OpenAI's error vocabulary.

    Attributes:
        message: Human-readable message.
        param: The offending parameter (dotted path for body fields), if any.
        code: Machine-readable code, if any.
    """

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


class NotFound(LookupError):
    """An unknown thread or session id (served as 404).

    Attributes:
        message: Human-readable message.
    """

    def __init__(self, kind: str, object_id: str) -> None:
        self.message = f"No {kind} found with id '{object_id}'."
        super().__init__(self.message)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pauses the cyclic garbage collector while building many containers.

    Bulk seeding creates hundreds of thousands of dicts that all survive; without the pause
    the collector re-scans them over and over and seeding gets about four times slower.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _dumps(obj: Any) -> bytes:
    """Serializes ``obj`` into a right-sized bytes object.

    orjson hands back bytes with a few KiB of spare capacity; copying through a memoryview
    trims it, which matters when a million serialized items are kept.
    """
    return memoryview(orjson.dumps(obj)).tobytes()


@dataclass(frozen=True)
class Page:
    """One page of a list endpoint.

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
                _dumps(self.first_id),
                b',"last_id":',
                _dumps(self.last_id),
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
        """Returns every serialized element in insertion order."""
        mask = _SEQ_SPAN - 1
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


@dataclass
class _ThreadEntry:
    """Book-keeping of one stored thread."""

    blob: bytes
    user: str | None
    key: int
    created_at: int
    items: OrderedCollection = field(default_factory=OrderedCollection)
    item_tombstones: dict[str, int] = field(default_factory=dict)
    item_clock: int = 0


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class EmulatorStore:
    """All data of one emulator: threads with their items, and sessions.

    Ids generated here come from a random generator seeded with the emulator's seed, so the
    same sequence of calls always yields the same ids. Default timestamps come from logical
    clocks (a new thread is one second newer than the newest thread; a new item one second
    newer than its thread's newest item), never from the wall clock.
    """

    def __init__(self, seed: int = 0) -> None:
        """Creates an empty store.

        Args:
            seed: Seed of the id generator.
        """
        self._seed = seed
        self.clear()

    def clear(self) -> None:
        """Removes all data and rewinds the id generator."""
        self._rng = random.Random(f"chatkit-ids:{self._seed}")
        self._seq = 0
        self._threads = OrderedCollection()
        self._by_user: dict[str, OrderedCollection] = {}
        self._entries: dict[str, _ThreadEntry] = {}
        self._thread_tombstones: dict[str, int] = {}
        self._thread_clock = DEMO_EPOCH
        self._sessions: dict[str, dict[str, Any]] = {}

    # ---------------------------------------------------------------- ids and keys

    def new_id(self, prefix: str) -> str:
        """Returns a fresh random-looking id such as ``cthr_3f9c...`` (deterministic per seed)."""
        return f"{prefix}_{self._rng.getrandbits(96):024x}"

    def secret(self, prefix: str) -> str:
        """Returns a random-looking secret such as ``ek_...`` (deterministic per seed)."""
        return f"{prefix}_{self._rng.getrandbits(192):048x}"

    def _key(self, created_at: int) -> int:
        self._seq += 1
        return created_at * _SEQ_SPAN + self._seq

    # ---------------------------------------------------------------- threads

    def _fresh_thread_id(self) -> str:
        while True:
            candidate = self.new_id("cthr")
            if candidate not in self._entries and candidate not in self._thread_tombstones:
                return candidate

    def add_thread(
        self,
        *,
        id: str | None = None,
        user: str = "user_1",
        title: str | None = None,
        status: Mapping[str, Any] | None = None,
        created_at: int | None = None,
    ) -> dict[str, Any]:
        """Stores a new schema-valid thread.

        Args:
            id: Thread id; generated when ``None``.
            user: Owner.
            title: Title or ``None``.
            status: Status object; ``{"type": "active"}`` when ``None``.
            created_at: Unix seconds; one second after the newest thread when ``None``.

        Returns:
            The thread as served.

        Raises:
            ValueError: If the id is already taken.
        """
        if created_at is None:
            created_at = self._thread_clock + 1
        thread = make_thread(
            id=id if id is not None else self._fresh_thread_id(),
            user=user,
            created_at=created_at,
            title=title,
            status=status,
        )
        self._store_thread(thread)
        return thread

    def add_raw_thread(self, thread: Mapping[str, Any]) -> dict[str, Any]:
        """Stores a thread dict served verbatim (``id`` and ``created_at`` filled if missing).

        A non-int ``created_at`` is served as given but sorted by the logical clock; the user
        filter matches the ``user`` field when it is a string.

        Returns:
            The thread as served.

        Raises:
            TypeError: If the id is not a string or the dict is not JSON-serializable.
            ValueError: If the id is already taken.
        """
        record = dict(thread)
        if "id" not in record:
            record["id"] = self._fresh_thread_id()
        if "created_at" not in record:
            record["created_at"] = self._thread_clock + 1
        self._store_thread(record)
        return record

    def _store_thread(self, thread: dict[str, Any]) -> None:
        thread_id = thread["id"]
        if not isinstance(thread_id, str):
            raise TypeError("thread id must be a string")
        if thread_id in self._entries or thread_id in self._thread_tombstones:
            raise ValueError(f"thread id {thread_id!r} is already taken")
        blob = _dumps(thread)
        raw_created = thread.get("created_at")
        created_at = raw_created if _is_int(raw_created) else self._thread_clock + 1
        key = self._key(created_at)
        user = thread.get("user")
        entry = _ThreadEntry(
            blob=blob,
            user=user if isinstance(user, str) else None,
            key=key,
            created_at=created_at,
            item_clock=created_at,
        )
        self._threads.insert(thread_id, key, blob)
        if entry.user is not None:
            self._by_user.setdefault(entry.user, OrderedCollection()).insert(thread_id, key, blob)
        self._entries[thread_id] = entry
        self._thread_clock = max(self._thread_clock, created_at)

    def get_thread(self, thread_id: str) -> bytes:
        """Returns a serialized thread.

        Raises:
            NotFound: If the thread does not exist.
        """
        entry = self._entries.get(thread_id)
        if entry is None:
            raise NotFound("thread", thread_id)
        return entry.blob

    def has_thread(self, thread_id: str) -> bool:
        """Whether a thread exists."""
        return thread_id in self._entries

    def delete_thread(self, thread_id: str) -> dict[str, Any]:
        """Deletes a thread and its items.

        Returns:
            The ``DeletedThreadResource`` body.

        Raises:
            NotFound: If the thread does not exist.
        """
        entry = self._entries.pop(thread_id, None)
        if entry is None:
            raise NotFound("thread", thread_id)
        self._threads.remove(thread_id)
        if entry.user is not None:
            self._by_user[entry.user].remove(thread_id)
        self._thread_tombstones[thread_id] = entry.key
        return {"id": thread_id, "object": "chatkit.thread.deleted", "deleted": True}

    def list_threads(
        self,
        *,
        limit: int = 20,
        order: Order = "desc",
        after: str | None = None,
        before: str | None = None,
        user: str | None = None,
    ) -> Page:
        """Returns one page of threads.

        Raises:
            InvalidRequest: If both cursors are given or a cursor is unknown.
        """
        after_key = self._thread_cursor("after", after)
        before_key = self._thread_cursor("before", before)
        if after_key is not None and before_key is not None:
            raise _both_cursors()
        collection = self._threads if user is None else self._by_user.get(user)
        if collection is None:
            return Page([], None, None, False)
        return collection.page(limit=limit, order=order, after_key=after_key, before_key=before_key)

    def _thread_cursor(self, param: str, cursor: str | None) -> int | None:
        if cursor is None:
            return None
        entry = self._entries.get(cursor)
        if entry is not None:
            return entry.key
        key = self._thread_tombstones.get(cursor)
        if key is None:
            raise _unknown_cursor(param, cursor)
        return key

    def threads_snapshot(self) -> list[dict[str, Any]]:
        """Returns copies of all threads in creation order."""
        return [orjson.loads(entry.blob) for entry in self._entries.values()]

    # ---------------------------------------------------------------- items

    def _entry(self, thread_id: str) -> _ThreadEntry:
        entry = self._entries.get(thread_id)
        if entry is None:
            raise NotFound("thread", thread_id)
        return entry

    def _fresh_item_id(self, entry: _ThreadEntry) -> str:
        while True:
            candidate = self.new_id("cthi")
            if candidate not in entry.items and candidate not in entry.item_tombstones:
                return candidate

    def _store_item(self, entry: _ThreadEntry, item_id: Any, created_at: Any, blob: bytes) -> None:
        if not isinstance(item_id, str):
            raise TypeError("item id must be a string")
        if item_id in entry.items or item_id in entry.item_tombstones:
            raise ValueError(f"item id {item_id!r} is already taken in this thread")
        sort_at = created_at if _is_int(created_at) else entry.item_clock + 1
        entry.items.insert(item_id, self._key(sort_at), blob)
        if sort_at > entry.item_clock:
            entry.item_clock = sort_at

    def add_item(
        self,
        thread_id: str,
        item_type: str = "chatkit.user_message",
        *,
        id: str | None = None,
        created_at: int | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Stores a schema-valid item of one of the six types.

        Args:
            thread_id: Parent thread.
            item_type: Item type, bare or full spelling.
            id: Item id; generated when ``None``.
            created_at: Unix seconds; one second after the thread's newest item when ``None``.
            fields: Overrides of the default fields (see :func:`make_item`).

        Returns:
            The item as served.

        Raises:
            KeyError: If the thread does not exist.
            ValueError: If the type is unknown or the id is taken.
        """
        entry = self._seed_entry(thread_id)
        item = make_item(
            item_type,
            id=id if id is not None else self._fresh_item_id(entry),
            thread_id=thread_id,
            created_at=entry.item_clock + 1 if created_at is None else created_at,
            index=len(entry.items),
            fields=fields,
        )
        self._store_item(entry, item["id"], item["created_at"], _dumps(item))
        return item

    def add_raw_item(self, thread_id: str, item: Mapping[str, Any]) -> dict[str, Any]:
        """Stores an arbitrary item dict, served verbatim.

        Only ``id`` and ``created_at`` are filled in when missing. A non-int ``created_at`` is
        served as given and sorted by the thread's logical clock.

        Returns:
            The item as served.

        Raises:
            KeyError: If the thread does not exist.
            TypeError: If the id is not a string or the dict is not JSON-serializable.
            ValueError: If the id is taken.
        """
        entry = self._seed_entry(thread_id)
        record = dict(item)
        if "id" not in record:
            record["id"] = self._fresh_item_id(entry)
        if "created_at" not in record:
            record["created_at"] = entry.item_clock + 1
        self._store_item(entry, record["id"], record["created_at"], _dumps(record))
        return record

    def add_items(
        self, thread_id: str, n: int, *, types: Sequence[str] | None = None
    ) -> list[dict[str, Any]]:
        """Stores ``n`` generated items, cycling through ``types`` (all six by default).

        Timestamps continue the thread's logical clock, one second apart.

        Returns:
            The items as served, in creation order.

        Raises:
            KeyError: If the thread does not exist.
            ValueError: If ``n`` is negative or a type is unknown.
        """
        if n < 0:
            raise ValueError("n must be >= 0")
        entry = self._seed_entry(thread_id)
        cycle = [normalize_item_type(t) for t in (types if types is not None else ITEM_TYPES)]
        if not cycle:
            raise ValueError("types must not be empty")
        base_index = len(entry.items)
        out: list[dict[str, Any]] = []
        with _gc_paused():
            for k in range(n):
                item = make_item(
                    cycle[k % len(cycle)],
                    id=self._fresh_item_id(entry),
                    thread_id=thread_id,
                    created_at=entry.item_clock + 1,
                    index=base_index + k,
                )
                self._store_item(entry, item["id"], item["created_at"], _dumps(item))
                out.append(item)
        return out

    def _seed_entry(self, thread_id: str) -> _ThreadEntry:
        entry = self._entries.get(thread_id)
        if entry is None:
            raise KeyError(f"unknown thread {thread_id!r}")
        return entry

    def list_items(
        self,
        thread_id: str,
        *,
        limit: int = 20,
        order: Order = "desc",
        after: str | None = None,
        before: str | None = None,
    ) -> Page:
        """Returns one page of a thread's items.

        Raises:
            NotFound: If the thread does not exist.
            InvalidRequest: If both cursors are given or a cursor is unknown.
        """
        entry = self._entry(thread_id)
        after_key = self._item_cursor(entry, "after", after)
        before_key = self._item_cursor(entry, "before", before)
        if after_key is not None and before_key is not None:
            raise _both_cursors()
        return entry.items.page(
            limit=limit, order=order, after_key=after_key, before_key=before_key
        )

    @staticmethod
    def _item_cursor(entry: _ThreadEntry, param: str, cursor: str | None) -> int | None:
        if cursor is None:
            return None
        key = entry.items.key_of(cursor)
        if key is None:
            key = entry.item_tombstones.get(cursor)
        if key is None:
            raise _unknown_cursor(param, cursor)
        return key

    def items_snapshot(
        self, thread_id: str, order: Literal["created", "asc", "desc"] = "created"
    ) -> list[dict[str, Any]]:
        """Returns copies of a thread's items.

        Args:
            thread_id: The thread.
            order: ``"created"`` (insertion order) or a listing order.

        Raises:
            KeyError: If the thread does not exist.
        """
        items = self._seed_entry(thread_id).items
        blobs = items.creation_ordered() if order == "created" else items.ordered(order)
        return [orjson.loads(b) for b in blobs]

    def load_demo(self, demo: Iterable[DemoThread]) -> None:
        """Stores a demo data set (see :func:`~._demo.build_demo`).

        Raises:
            ValueError: If an id is already taken (e.g. the same demo seeded twice).
        """
        for entry in demo:
            self._store_thread(entry.thread)
            stored = self._entries[entry.thread["id"]]
            for item in entry.items:
                self._store_item(stored, item["id"], item["created_at"], _dumps(item))

    # ---------------------------------------------------------------- sessions

    def create_session(self, body: Any, now: int) -> dict[str, Any]:
        """Validates a ``CreateChatSessionBody`` and stores the resolved session.

        Args:
            body: The decoded JSON request body.
            now: Current unix time (for ``expires_at``).

        Returns:
            The ``ChatSessionResource`` body.

        Raises:
            InvalidRequest: If the body does not match the request schema.
        """
        request = _validate_session_body(body)
        workflow = request["workflow"]
        config = request.get("chatkit_configuration", {})
        titling = config.get("automatic_thread_titling", {})
        upload = config.get("file_upload", {})
        history = config.get("history", {})
        limit = request.get("rate_limits", {}).get("max_requests_per_1_minute", 10)
        seconds = request.get("expires_after", {}).get("seconds", 600)
        session: dict[str, Any] = {
            "id": self.new_id("cksess"),
            "object": "chatkit.session",
            "expires_at": now + seconds,
            "client_secret": self.secret("ek"),
            "workflow": {
                "id": workflow["id"],
                "version": workflow.get("version"),
                "state_variables": workflow.get("state_variables"),
                "tracing": {"enabled": workflow.get("tracing", {}).get("enabled", True)},
            },
            "user": request["user"],
            "rate_limits": {"max_requests_per_1_minute": limit},
            "max_requests_per_1_minute": limit,
            "status": "active",
            "chatkit_configuration": {
                "automatic_thread_titling": {"enabled": titling.get("enabled", True)},
                "file_upload": {
                    "enabled": upload.get("enabled", False),
                    "max_file_size": upload.get("max_file_size", 512),
                    "max_files": upload.get("max_files", 10),
                },
                "history": {
                    "enabled": history.get("enabled", True),
                    "recent_threads": history.get("recent_threads"),
                },
            },
        }
        self._sessions[session["id"]] = session
        return self.session_view(session["id"], now)

    def cancel_session(self, session_id: str, now: int) -> dict[str, Any]:
        """Cancels a session (idempotent).

        Returns:
            The ``ChatSessionResource`` body with ``status`` ``"cancelled"``.

        Raises:
            NotFound: If the session does not exist.
        """
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound("session", session_id)
        session["status"] = "cancelled"
        return self.session_view(session_id, now)

    def session_view(self, session_id: str, now: int) -> dict[str, Any]:
        """Returns a copy of a session; an active session past ``expires_at`` shows ``expired``.

        Raises:
            NotFound: If the session does not exist.
        """
        session = self._sessions.get(session_id)
        if session is None:
            raise NotFound("session", session_id)
        view: dict[str, Any] = orjson.loads(_dumps(session))
        if view["status"] == "active" and now >= view["expires_at"]:
            view["status"] = "expired"
        return view

    def sessions_snapshot(self, now: int) -> list[dict[str, Any]]:
        """Returns copies of all sessions in creation order."""
        return [self.session_view(sid, now) for sid in self._sessions]


# -------------------------------------------------------------------- errors and validation


def _both_cursors() -> InvalidRequest:
    return InvalidRequest(
        "Only one of 'after' and 'before' can be provided.", "before", "invalid_parameters"
    )


def _unknown_cursor(param: str, cursor: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid '{param}': no object with id '{cursor}' in this list.", param, "invalid_cursor"
    )


def _type_error(param: str, expected: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}.", param, "invalid_type"
    )


def _object(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _type_error(param, "an object")
    return value


def _check_bool(obj: Mapping[str, Any], name: str, prefix: str) -> None:
    if name in obj and not isinstance(obj[name], bool):
        raise _type_error(f"{prefix}.{name}", "a boolean")


def _check_int(
    obj: Mapping[str, Any], name: str, prefix: str, minimum: int, maximum: int | None = None
) -> None:
    if name not in obj:
        return
    param = f"{prefix}.{name}" if prefix else name
    value = obj[name]
    if not _is_int(value):
        raise _type_error(param, "an integer")
    if value < minimum:
        raise InvalidRequest(
            f"Invalid '{param}': integer below minimum value. Expected a value >= {minimum}, "
            f"but got {value} instead.",
            param,
            "integer_below_min_value",
        )
    if maximum is not None and value > maximum:
        raise InvalidRequest(
            f"Invalid '{param}': integer above maximum value. Expected a value <= {maximum}, "
            f"but got {value} instead.",
            param,
            "integer_above_max_value",
        )


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
    )


def _validate_workflow(value: Any) -> None:
    workflow = _object(value, "workflow")
    if "id" not in workflow:
        raise _missing("workflow.id")
    if not isinstance(workflow["id"], str):
        raise _type_error("workflow.id", "a string")
    if "version" in workflow and not isinstance(workflow["version"], str):
        raise _type_error("workflow.version", "a string")
    if "state_variables" in workflow:
        variables = _object(workflow["state_variables"], "workflow.state_variables")
        if len(variables) > 64:
            raise InvalidRequest(
                "Invalid 'workflow.state_variables': at most 64 entries are allowed.",
                "workflow.state_variables",
                "object_above_max_properties",
            )
        for name, val in variables.items():
            param = f"workflow.state_variables.{name}"
            if len(name) > 64:
                raise InvalidRequest(
                    "Invalid 'workflow.state_variables': keys may be up to 64 characters.",
                    param,
                    "string_above_max_length",
                )
            if isinstance(val, str):
                if len(val) > 10_485_760:
                    raise InvalidRequest(
                        f"Invalid '{param}': string too long.", param, "string_above_max_length"
                    )
            elif not isinstance(val, (bool, int, float)):
                raise _type_error(param, "a string, number or boolean")
    if "tracing" in workflow:
        _check_bool(_object(workflow["tracing"], "workflow.tracing"), "enabled", "workflow.tracing")


def _validate_configuration(value: Any) -> None:
    config = _object(value, "chatkit_configuration")
    prefix = "chatkit_configuration"
    if "automatic_thread_titling" in config:
        name = f"{prefix}.automatic_thread_titling"
        _check_bool(_object(config["automatic_thread_titling"], name), "enabled", name)
    if "file_upload" in config:
        name = f"{prefix}.file_upload"
        upload = _object(config["file_upload"], name)
        _check_bool(upload, "enabled", name)
        _check_int(upload, "max_file_size", name, 1, 512)
        _check_int(upload, "max_files", name, 1)
    if "history" in config:
        name = f"{prefix}.history"
        history = _object(config["history"], name)
        _check_bool(history, "enabled", name)
        _check_int(history, "recent_threads", name, 1)


def _validate_session_body(body: Any) -> dict[str, Any]:
    """Checks a decoded body against ``CreateChatSessionBody``; unknown fields are ignored."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", None, "invalid_type")
    if "workflow" not in body:
        raise _missing("workflow")
    _validate_workflow(body["workflow"])
    if "user" not in body:
        raise _missing("user")
    user = body["user"]
    if not isinstance(user, str):
        raise _type_error("user", "a string")
    if not user:
        raise InvalidRequest(
            "Invalid 'user': string too short. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            "user",
            "empty_string",
        )
    if "expires_after" in body:
        expires = _object(body["expires_after"], "expires_after")
        if "anchor" not in expires:
            raise _missing("expires_after.anchor")
        if expires["anchor"] != "created_at":
            raise InvalidRequest(
                "Invalid 'expires_after.anchor': expected 'created_at'.",
                "expires_after.anchor",
                "invalid_value",
            )
        if "seconds" not in expires:
            raise _missing("expires_after.seconds")
        _check_int(expires, "seconds", "expires_after", 1, 600)
    if "rate_limits" in body:
        limits = _object(body["rate_limits"], "rate_limits")
        _check_int(limits, "max_requests_per_1_minute", "rate_limits", 1)
    if "chatkit_configuration" in body:
        _validate_configuration(body["chatkit_configuration"])
    return body
