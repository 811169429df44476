"""Helpers shared by the bulk-job tests: expected exports, and the mirror's consistency check."""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chatkit_async.testing import ChatKitEmulator

THREADS_PATH = "/v1/chatkit/threads"


def items_path(thread_id: str) -> str:
    """The path of a thread's items, as the emulator logs it."""
    return f"{THREADS_PATH}/{thread_id}/items"


def expected_records(emu: ChatKitEmulator, *, user: str | None = None) -> list[dict[str, Any]]:
    """What a complete export (oldest first) holds, from the emulator's own state."""
    return [
        {"thread": thread, "items": emu.items(thread["id"], order="asc")}
        for thread in emu.threads()
        if user is None or thread["user"] == user
    ]


def read_records(path: Path) -> list[dict[str, Any]]:
    """The records of an export file."""
    return [json.loads(line) for line in path.read_bytes().splitlines()]


@contextlib.contextmanager
def connect(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection to a mirror that commits on success and is always closed.

    ``with sqlite3.connect(db)`` commits but never closes, which Python 3.13 reports as an
    unclosed database (a ResourceWarning, an error in this suite).
    """
    con = sqlite3.connect(db)
    try:
        with con:
            yield con
    finally:
        con.close()


def mirror_state(db: Path) -> dict[str, Any]:
    """Everything a mirror holds, table by table, in a comparable form."""
    with connect(db) as con:
        return {
            "threads": sorted(con.execute("SELECT * FROM threads")),
            "items": sorted(con.execute("SELECT * FROM items")),
            "cursors": sorted(con.execute("SELECT * FROM mirror_cursors")),
        }


def check_mirror(
    db: Path, emu: ChatKitEmulator, *, complete: bool, user: str | None = None
) -> dict[str, int]:
    """The database opens, passes the integrity check, and is consistent: every stored thread is
    the emulator's, holds a prefix of its items (all of them when ``complete``), ending at its
    cursor; no item without its thread. Returns the number of items stored per thread."""
    by_id = {t["id"]: t for t in emu.threads()}
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        orphans = con.execute(
            "SELECT count(*) FROM items WHERE thread_id NOT IN (SELECT id FROM threads)"
        ).fetchone()
        assert orphans == (0,)
        cursors = dict(con.execute("SELECT thread_id, last_item_id FROM mirror_cursors"))
        stored_counts: dict[str, int] = {}
        for tid, created_at, owner, title, status, data, removed_at in con.execute(
            "SELECT id, created_at, user, title, status, data, removed_at FROM threads"
        ):
            if removed_at is not None:
                continue
            wire = by_id[tid]
            assert json.loads(data) == wire
            assert (created_at, owner, title, status) == (
                wire["created_at"],
                wire["user"],
                wire["title"],
                wire["status"]["type"],
            )
            rows = con.execute(
                "SELECT id, thread_id, created_at, type, data FROM items WHERE thread_id = ? "
                "ORDER BY rowid",
                (tid,),
            ).fetchall()
            wanted = emu.items(tid, order="asc")
            stored = [json.loads(row[4]) for row in rows]
            assert stored == wanted[: len(stored)]
            assert all(
                (row[0], row[2], row[3]) == (w["id"], w["created_at"], w["type"])
                for row, w in zip(rows, stored, strict=True)
            )
            assert cursors.get(tid) == (stored[-1]["id"] if stored else None)
            if complete:
                assert len(stored) == len(wanted)
            stored_counts[tid] = len(stored)
        if complete:
            scope = {t for t, w in by_id.items() if user is None or w["user"] == user}
            assert set(stored_counts) == scope
        return stored_counts
    finally:
        con.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
