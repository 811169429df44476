"""``chatkit-async export``: every thread with all of its items, to a JSON Lines file.

This module owns the export pipeline and its file handling:

* One task walks the thread listing (pages of 100) in order; for each thread it starts a task
  that fetches all of that thread's items (oldest first). At most ``concurrency`` item fetches run
  at once (a semaphore), and at most ``2 * concurrency`` threads are fetched or waiting ahead of
  the writer (a window), so memory stays bounded however large the account is.
* The writer takes the threads in listing order and writes one line per thread,
  ``{"thread": {...}, "items": [...]}``, in the exact wire form (:func:`chatkit_async.to_dict`).
  The output order is therefore the listing order whatever the concurrency: concurrency 1 and 32
  give byte-identical files.
* Everything is written to a temporary file in the destination's directory, flushed to disk and
  renamed over the destination only on success (``os.replace`` is atomic). A failure or Ctrl-C
  removes the temporary file and leaves a previous file at the destination untouched.
* ``resume`` keeps the lines of an existing (complete) file and exports only threads whose ids it
  does not contain, appended after them.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import orjson

from .._client import AsyncChatKit
from .._converter import to_dict
from .._types import NOT_GIVEN
from ..types import Thread
from ._console import CLIError
from ._progress import Progress

__all__ = ["ExportStats", "export_jsonl", "read_exported_ids"]

_PAGE_SIZE = 100
_LINE_OPTIONS = orjson.OPT_APPEND_NEWLINE


@dataclass(frozen=True)
class ExportStats:
    """What an export did.

    Attributes:
        threads: Threads written by this run.
        items: Items written by this run.
        kept: Threads kept from the previous file (``resume``).
        seconds: Wall-clock duration.
    """

    threads: int
    items: int
    kept: int
    seconds: float


def read_exported_ids(path: Path) -> set[str]:
    """Read the thread ids of a previous export, checking that every line is a record.

    Args:
        path: An export file written by :func:`export_jsonl`.

    Returns:
        The ids of the threads it holds.

    Raises:
        CLIError: A line is not an export record (the file is not an export, or was edited).
    """
    ids: set[str] = set()
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if not raw.strip():
                continue
            try:
                record: Any = orjson.loads(raw)
                thread_id = record["thread"]["id"]
            except (orjson.JSONDecodeError, KeyError, TypeError):
                raise CLIError(
                    f"cannot resume: line {number} of {path} is not an export record "
                    '({"thread": {...}, "items": [...]})'
                ) from None
            if not isinstance(thread_id, str):
                raise CLIError(f"cannot resume: line {number} of {path} has no thread id")
            ids.add(thread_id)
    return ids


def _copy_lines(source: Path, target: IO[bytes]) -> None:
    """Copy a previous export into the new file, ending it with a newline."""
    with source.open("rb") as f:
        shutil.copyfileobj(f, target, 1 << 20)
        if f.tell() > 0:
            f.seek(-1, os.SEEK_END)
            if f.read(1) != b"\n":
                target.write(b"\n")


def _prepare(destination: Path, resume: bool) -> tuple[Path | None, set[str], _AtomicFile]:
    """Read the ids of the file to resume (if any) and open the temporary file, copying the
    previous records into it."""
    previous = destination if resume and destination.is_file() else None
    skip = read_exported_ids(previous) if previous is not None else set()
    target = _AtomicFile(destination)
    if previous is not None:
        try:
            _copy_lines(previous, target.file)
        except BaseException:
            target.discard()
            raise
    return previous, skip, target


def _new_file_mode(destination: Path) -> int:
    """The permission bits the destination should get: those of the file it replaces, or what
    ``open()`` would give a new file under the current umask."""
    try:
        return destination.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); silently skipped where directories cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class _AtomicFile:
    """A temporary file next to ``destination`` that becomes it only on :meth:`commit`."""

    def __init__(self, destination: Path) -> None:
        self.destination = destination
        directory = destination.parent
        if not directory.is_dir():
            raise CLIError(f"cannot write {destination}: directory {directory} does not exist")
        if destination.is_dir():
            raise CLIError(f"cannot write {destination}: it is a directory")
        try:
            fd, name = tempfile.mkstemp(dir=directory, prefix=f".{destination.name}.", suffix=".partial")
        except OSError as exc:
            raise CLIError(f"cannot write in {directory}: {exc.strerror or exc}") from None
        self.path = Path(name)
        self.file: IO[bytes] = os.fdopen(fd, "wb", buffering=1 << 16)

    def commit(self) -> None:
        """Flush to disk and atomically rename over the destination."""
        mode = _new_file_mode(self.destination)
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        os.chmod(self.path, mode)
        os.replace(self.path, self.destination)
        _fsync_directory(self.destination.parent)

    def discard(self) -> None:
        """Close and delete the temporary file (never raises)."""
        try:
            self.file.close()
        except OSError:
            pass
        try:
            self.path.unlink()
        except OSError:
            pass


async def _run_pipeline(
    client: AsyncChatKit,
    write: Callable[[bytes], object],
    *,
    user: str | None,
    order: Literal["asc", "desc"],
    concurrency: int,
    skip: set[str],
    progress: Progress,
) -> tuple[int, int]:
    """List threads, fetch their items concurrently, and write records in listing order.

    Returns:
        The numbers of threads and items written.
    """
    fetch_slots = asyncio.Semaphore(concurrency)
    window = asyncio.Semaphore(2 * concurrency)
    queue: asyncio.Queue[tuple[Thread, asyncio.Task[list[Any]]] | BaseException | None] = asyncio.Queue()
    fetches: set[asyncio.Task[list[Any]]] = set()

    async def fetch_items(thread_id: str) -> list[Any]:
        items: list[Any] = []
        async with fetch_slots:
            pages = client.threads.list_items(thread_id, order="asc", limit=_PAGE_SIZE).pages()
            async for page in pages:
                items.extend(to_dict(page.data))
        return items

    async def produce() -> None:
        seen: set[str] = set()
        listed = 0
        try:
            threads = client.threads.list(
                order=order, limit=_PAGE_SIZE, user=NOT_GIVEN if user is None else user
            )
            async for thread in threads:
                if thread.id in seen or thread.id in skip:
                    continue
                seen.add(thread.id)
                await window.acquire()
                task = asyncio.ensure_future(fetch_items(thread.id))
                fetches.add(task)
                task.add_done_callback(fetches.discard)
                listed += 1
                queue.put_nowait((thread, task))
        except Exception as exc:
            queue.put_nowait(exc)
            return
        progress.update(total=listed, force=True)
        queue.put_nowait(None)

    producer = asyncio.ensure_future(produce())
    threads_written = 0
    items_written = 0
    try:
        while True:
            entry = await queue.get()
            if entry is None:
                break
            if isinstance(entry, BaseException):
                raise entry
            thread, task = entry
            items = await task
            write(orjson.dumps({"thread": to_dict(thread), "items": items}, option=_LINE_OPTIONS))
            window.release()
            threads_written += 1
            items_written += len(items)
            progress.update(done=threads_written, extra=f"{items_written:,} items")
        await producer
    finally:
        pending: list[asyncio.Future[Any]] = [producer, *fetches]
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    return threads_written, items_written


async def export_jsonl(
    client: AsyncChatKit,
    destination: Path,
    *,
    user: str | None = None,
    order: Literal["asc", "desc"] = "asc",
    concurrency: int = 8,
    resume: bool = False,
    progress: Progress | None = None,
) -> ExportStats:
    """Export every thread (optionally one user's) with all its items to a JSON Lines file.

    Args:
        client: An open client.
        destination: The file to write; replaced atomically on success only.
        user: Only this user's threads.
        order: Listing order of the threads, hence of the lines (``"asc"``: oldest first).
        concurrency: At most this many threads' items are fetched at once (1 or more).
        resume: Keep the records of an existing file at ``destination`` and export only the
            threads it does not contain.
        progress: Where to report progress (nothing is drawn when omitted).

    Returns:
        What was written.

    Raises:
        CLIError: The destination cannot be written, or the previous file cannot be resumed.
        ChatKitError: An API or connection error (after the client's retries); the destination
            is left as it was.
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    started = time.monotonic()
    if progress is None:
        progress = Progress(io.StringIO(), "threads", enabled=False)
    # The file work stays synchronous on purpose: it is quick next to the network, and it
    # cannot be interrupted halfway by a cancellation, so no temporary file is ever orphaned.
    _previous, skip, target = _prepare(destination, resume)
    try:
        threads, items = await _run_pipeline(
            client,
            target.file.write,
            user=user,
            order=order,
            concurrency=concurrency,
            skip=skip,
            progress=progress,
        )
        target.commit()
    except BaseException:
        target.discard()
        raise
    finally:
        progress.close()
    return ExportStats(threads=threads, items=items, kept=len(skip), seconds=time.monotonic() - started)
