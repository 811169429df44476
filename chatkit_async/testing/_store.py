"""The emulator's data: threads with their items, and sessions, as plain in-memory state.

This module owns ``EmulatorStore``, everything one emulator holds and the API's rules about it
that do not depend on HTTP: seeding (schema-valid or raw dicts, the demo data set), the thread list
with its user filter, each thread's item list, deletion (a deleted element still places a cursor),
and sessions. It is pure: no I/O, no aiohttp, no clock (callers pass ``now``) and no locking (the
emulator serializes access with its own lock).

Neighbours: paging rules and the sorted collections are ``_paging``; validating and resolving a
session request is ``_sessions``; what seeded data looks like is ``_demo``.

Threads and items are kept pre-serialized (orjson bytes) in per-collection sorted lists keyed by
``(created_at, insertion sequence)`` packed into one int, with an id-to-key map, so a page costs
``O(limit + log n)`` and a million stored items cost a few hundred bytes each.
"""

from __future__ import annotations

import gc
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from ._demo import (
    DEMO_EPOCH,
    ITEM_TYPES,
    DemoThread,
    make_item,
    make_thread,
    normalize_item_type,
)
from ._errors import NotFound
from ._paging import Order, OrderedCollection, Page, both_cursors, pack_key, unknown_cursor
from ._sessions import is_int, new_session, session_view, validate_session_body

__all__ = ["EmulatorStore"]


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
        return pack_key(created_at, self._seq)

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
        created_at = raw_created if is_int(raw_created) else self._thread_clock + 1
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
            raise both_cursors()
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
            raise unknown_cursor(param, cursor)
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
        sort_at = created_at if is_int(created_at) else entry.item_clock + 1
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
            fields: Overrides of the default fields (see ``make_item``).

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
            raise both_cursors()
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
            raise unknown_cursor(param, cursor)
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
        """Stores a demo data set (see ``build_demo``).

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
        request = validate_session_body(body)
        session = new_session(
            request, session_id=self.new_id("cksess"), client_secret=self.secret("ek"), now=now
        )
        self._sessions[session["id"]] = session
        return session_view(session, now)

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
        return session_view(session, now)

    def sessions_snapshot(self, now: int) -> list[dict[str, Any]]:
        """Returns copies of all sessions in creation order, as served at ``now``."""
        return [session_view(session, now) for session in self._sessions.values()]
