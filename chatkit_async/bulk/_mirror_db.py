"""The mirror's SQLite database: its schema and every statement the mirror job runs on it.

This module owns ``MirrorDatabase``. It is synchronous and does no network I/O; the mirror job
calls it from one worker thread, one call at a time. The schema is the public contract of
``API.md``:

* ``threads(id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, user TEXT NOT NULL, title TEXT,
  status TEXT NOT NULL, data TEXT NOT NULL, removed_at INTEGER)``
* ``items(id TEXT PRIMARY KEY, thread_id TEXT NOT NULL, created_at INTEGER NOT NULL, type TEXT NOT
  NULL, data TEXT NOT NULL)``

plus the job's own state, ``mirror_cursors(thread_id, last_item_id)``: for each thread, the newest
item stored, which the next run fetches after. Two indexes serve the job and the usual queries
(items by thread, threads by user). ``PRAGMA user_version`` marks the file as a mirror of this
layout (version 1).

Every change is one transaction (``MirrorDatabase.apply``): a thread's row, a chunk of its items
and its cursor together, so the database is consistent after a stop at any point, a kill
included: each thread holds exactly the items up to its cursor, or none. Rows are compared before
they are written, so applying what is already stored changes nothing. The journal is WAL (readers
never block the mirror, nor it them) with ``synchronous=NORMAL``: a commit survives the process
being killed; a power cut may lose the last commits but never leaves the file inconsistent.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

import attrs

from ._common import MirrorDatabaseError

__all__ = ["SCHEMA_VERSION", "MirrorDatabase", "StoredThread", "ThreadChange"]

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE threads (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    user TEXT NOT NULL,
    title TEXT,
    status TEXT NOT NULL,
    data TEXT NOT NULL,
    removed_at INTEGER
);
CREATE TABLE items (
    id TEXT PRIMARY KEY,
    thread_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE mirror_cursors (
    thread_id TEXT PRIMARY KEY,
    last_item_id TEXT NOT NULL
);
CREATE INDEX items_by_thread ON items (thread_id, created_at);
CREATE INDEX threads_by_user ON threads (user);
"""

_COLUMNS = {
    "threads": ["id", "created_at", "user", "title", "status", "data", "removed_at"],
    "items": ["id", "thread_id", "created_at", "type", "data"],
    "mirror_cursors": ["thread_id", "last_item_id"],
}

_WAL_CHECKPOINT_PAGES = 10_000

# SQLite before 3.32 allows 999 parameters per statement; stay well below on every version.
_BATCH = 500


def _batches(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _BATCH):
        yield values[start : start + _BATCH]


def _rollback(db: sqlite3.Connection) -> None:
    """Undo the open transaction, if any (a failed COMMIT may already have ended it)."""
    if db.in_transaction:
        try:
            db.execute("ROLLBACK")
        except sqlite3.Error:
            pass


@attrs.frozen
class StoredThread:
    """What the database holds about one thread.

    Attributes:
        data: The thread's JSON as stored.
        removed_at: When a run found it gone (``None`` while it exists).
        cursor: The newest item stored (``None``: none yet).
    """

    data: str
    removed_at: int | None
    cursor: str | None


ThreadRow = tuple[str, int, str, "str | None", str, str]
"""``(id, created_at, user, title, status, data)``."""
ItemRow = tuple[str, str, int, str, str]
"""``(id, thread_id, created_at, type, data)``."""


@attrs.frozen
class ThreadChange:
    """One transaction of the mirror: a thread's row, a chunk of its items and its new cursor.

    Attributes:
        thread_id: The thread.
        row: The thread's row to store (``None``: leave it as it is).
        items: Items to store (each compared first: only new or different rows are written).
        cursor: The thread's newest item after this change (``None``: leave it).
        clear_items: Delete the thread's stored items and cursor first (a refetch from the start).
    """

    thread_id: str
    row: ThreadRow | None = None
    items: Sequence[ItemRow] = ()
    cursor: str | None = None
    clear_items: bool = False


class MirrorDatabase:
    """An open mirror database (create it, or check that an existing file is one).

    Args:
        path: The database file (created if missing).

    Raises:
        MirrorDatabaseError: The file is not a SQLite database, is a database of something else,
            or cannot be opened or written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise MirrorDatabaseError(f"cannot use {path} as the mirror's database: it is a directory")
        if not path.parent.is_dir():
            raise MirrorDatabaseError(
                f"cannot create {path}: directory {path.parent} does not exist"
            )
        try:
            # Autocommit mode: every transaction below is explicit (BEGIN IMMEDIATE ... COMMIT).
            self._db = sqlite3.connect(
                os.fspath(path), isolation_level=None, check_same_thread=False, timeout=30.0
            )
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot open {path}: {exc}") from None
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        db = self._db
        try:
            # Read before changing anything: a file that is not a mirror is left as it was.
            version = db.execute("PRAGMA user_version").fetchone()[0]
            tables = {
                row[0]
                for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not row[0].startswith("sqlite_")
            }
        except sqlite3.DatabaseError as exc:
            raise MirrorDatabaseError(f"{self.path} is not a SQLite database ({exc})") from None
        fresh = version == 0 and not tables
        if not fresh:
            if version != SCHEMA_VERSION:
                raise MirrorDatabaseError(
                    f"{self.path} is not a chatkit-async mirror (user_version {version}, tables: "
                    f"{', '.join(sorted(tables)) or 'none'})"
                )
            for table, columns in _COLUMNS.items():
                found = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
                if found != columns:
                    raise MirrorDatabaseError(
                        f"{self.path}: table {table} has columns {found}, expected {columns}"
                    )
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            db.execute("PRAGMA synchronous=NORMAL")
            # Items have random ids, so a chunk of 1,000 dirties about as many index pages
            # (4 MB of WAL); at SQLite's default of 1,000 pages nearly every chunk would end in a
            # checkpoint and its fsync. Ten times that halves the cost of a chunk; the WAL file
            # grows to about 40 MB between checkpoints (on disk, not in memory).
            db.execute(f"PRAGMA wal_autocheckpoint = {_WAL_CHECKPOINT_PAGES}")
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot use {self.path}: {exc}") from None
        if str(mode).lower() != "wal":  # pragma: no cover - e.g. a read-only medium
            raise MirrorDatabaseError(f"{self.path}: cannot switch the journal to WAL mode")
        if fresh:
            self._create()

    def _create(self) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute("COMMIT")
            except BaseException:
                _rollback(db)
                raise
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot create the mirror in {self.path}: {exc}") from None

    # --- reading ------------------------------------------------------------------------------

    @property
    def total_changes(self) -> int:
        """Rows inserted, updated or deleted through this connection so far."""
        return self._db.total_changes

    def stored(self, thread_ids: Sequence[str]) -> dict[str, StoredThread]:
        """What is stored about these threads (those not stored are absent from the result)."""
        found: dict[str, StoredThread] = {}
        try:
            for batch in _batches(thread_ids):
                marks = ",".join("?" * len(batch))
                rows = self._db.execute(
                    f"SELECT t.id, t.data, t.removed_at, c.last_item_id FROM threads AS t "
                    f"LEFT JOIN mirror_cursors AS c ON c.thread_id = t.id WHERE t.id IN ({marks})",
                    batch,
                )
                for thread_id, data, removed_at, cursor in rows:
                    found[thread_id] = StoredThread(data, removed_at, cursor)
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot read {self.path}: {exc}") from None
        return found

    def present_ids(self, user: str | None) -> list[str]:
        """Ids of the stored threads not marked removed (of ``user`` only, if given)."""
        return self._ids("removed_at IS NULL", user)

    def all_ids(self, user: str | None) -> list[str]:
        """Ids of every stored thread, removed ones included (of ``user`` only, if given)."""
        return self._ids("1", user)

    def _ids(self, condition: str, user: str | None) -> list[str]:
        try:
            if user is None:
                rows = self._db.execute(f"SELECT id FROM threads WHERE {condition}")
            else:
                rows = self._db.execute(
                    f"SELECT id FROM threads WHERE {condition} AND user = ?", (user,)
                )
            return [row[0] for row in rows]
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot read {self.path}: {exc}") from None

    # --- writing ------------------------------------------------------------------------------

    def apply(self, change: ThreadChange) -> tuple[int, int]:
        """Store one thread's change in one transaction (nothing at all if nothing differs).

        Returns:
            How many items were added, and how many stored items were updated.
        """
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                added, updated = self._apply(change)
                db.execute("COMMIT")
            except BaseException:
                _rollback(db)
                raise
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot write {self.path}: {exc}") from None
        return added, updated

    def apply_all(
        self, changes: Sequence[ThreadChange]
    ) -> tuple[list[tuple[int, int]], MirrorDatabaseError | None]:
        """Apply changes in order, each in its own transaction (one trip to the database thread
        for several transactions).

        Returns:
            The result of each change applied, and the error that stopped the others, if any
            (the changes before it are committed).
        """
        results: list[tuple[int, int]] = []
        for change in changes:
            try:
                results.append(self.apply(change))
            except MirrorDatabaseError as exc:
                return results, exc
        return results, None

    def _apply(self, change: ThreadChange) -> tuple[int, int]:
        db = self._db
        if change.clear_items:
            db.execute("DELETE FROM items WHERE thread_id = ?", (change.thread_id,))
            db.execute("DELETE FROM mirror_cursors WHERE thread_id = ?", (change.thread_id,))
        if change.row is not None:
            # The WHERE keeps an identical row untouched (no change counted, nothing written).
            db.execute(
                "INSERT INTO threads (id, created_at, user, title, status, data, removed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET "
                "created_at = excluded.created_at, user = excluded.user, title = excluded.title, "
                "status = excluded.status, data = excluded.data, removed_at = NULL "
                "WHERE (threads.created_at, threads.user, threads.title, threads.status, "
                "threads.data, threads.removed_at) IS NOT (excluded.created_at, excluded.user, "
                "excluded.title, excluded.status, excluded.data, NULL)",
                change.row,
            )
        added = updated = 0
        if change.items:
            existing: dict[str, tuple[str, int, str, str]] = {}
            ids = [row[0] for row in change.items]
            for batch in _batches(ids):
                marks = ",".join("?" * len(batch))
                for item_id, *rest in db.execute(
                    f"SELECT id, thread_id, created_at, type, data FROM items WHERE id IN ({marks})",
                    batch,
                ):
                    existing[item_id] = (rest[0], rest[1], rest[2], rest[3])
            new = [row for row in change.items if row[0] not in existing]
            different = [
                (*row[1:], row[0])
                for row in change.items
                if row[0] in existing and existing[row[0]] != row[1:]
            ]
            if new:
                db.executemany(
                    "INSERT INTO items (id, thread_id, created_at, type, data) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                    new,
                )
            if different:
                db.executemany(
                    "UPDATE items SET thread_id = ?, created_at = ?, type = ?, data = ? WHERE id = ?",
                    different,
                )
            added, updated = len(new), len(different)
        if change.cursor is not None:
            db.execute(
                "INSERT INTO mirror_cursors (thread_id, last_item_id) VALUES (?, ?) "
                "ON CONFLICT (thread_id) DO UPDATE SET last_item_id = excluded.last_item_id "
                "WHERE mirror_cursors.last_item_id IS NOT excluded.last_item_id",
                (change.thread_id, change.cursor),
            )
        return added, updated

    def mark_removed(self, thread_ids: Iterable[str], when: int) -> int:
        """Set ``removed_at`` on threads found gone (in one transaction).

        Returns:
            How many rows changed.
        """
        ids = list(thread_ids)
        return self._in_transaction(
            lambda: sum(
                self._db.execute(
                    f"UPDATE threads SET removed_at = ? WHERE removed_at IS NULL AND id IN "
                    f"({','.join('?' * len(batch))})",
                    (when, *batch),
                ).rowcount
                for batch in _batches(ids)
            )
        )

    def prune(self, thread_ids: Iterable[str]) -> int:
        """Delete threads with their items and cursors (in one transaction).

        Returns:
            How many threads were deleted.
        """
        ids = list(thread_ids)

        def delete() -> int:
            deleted = 0
            for batch in _batches(ids):
                marks = ",".join("?" * len(batch))
                self._db.execute(f"DELETE FROM items WHERE thread_id IN ({marks})", batch)
                self._db.execute(f"DELETE FROM mirror_cursors WHERE thread_id IN ({marks})", batch)
                deleted += self._db.execute(f"DELETE FROM threads WHERE id IN ({marks})", batch).rowcount
            return deleted

        return self._in_transaction(delete)

    def _in_transaction(self, work: Callable[[], int]) -> int:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                result = work()
                db.execute("COMMIT")
            except BaseException:
                _rollback(db)
                raise
        except sqlite3.Error as exc:
            raise MirrorDatabaseError(f"cannot write {self.path}: {exc}") from None
        return result

    def close(self) -> None:
        """Close the connection (never raises)."""
        try:
            self._db.close()
        except sqlite3.Error:
            pass
