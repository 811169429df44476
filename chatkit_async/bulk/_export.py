"""The export job: every thread with all of its items, one JSON line per thread, resumable.

This module owns [`export`][chatkit_async.bulk.export] (and
[`export_sync`][chatkit_async.bulk.export_sync]), its report, and the export's files:

* One task walks the thread listing page by page; for each thread it starts a task that fetches
  that thread's items (oldest first), at most ``2 * concurrency`` threads ahead of the writer, so
  memory stays bounded however large the account is. Every request goes through the job's
  ``RequestRunner`` (the adaptive limiter, the job's own retries and counts).
* The writer takes the threads in listing order and writes one line per thread,
  ``{"thread": {...}, "items": [...]}``, in the exact wire form
  ([`chatkit_async.to_dict`][chatkit_async.to_dict]), so concurrency 1 and 32 give byte-identical files.
* Lines go to ``FILE.partial`` beside the destination, each with one ``write`` system call as soon
  as its thread is complete: whatever stops the process (Ctrl-C, SIGTERM, an outage longer than the
  retries, SIGKILL), every complete line is already in the partial file. Only a complete export
  is flushed to disk and renamed over the destination (``os.replace`` is atomic), so the
  destination is either the previous file or the new complete one, never half of one.
* ``resume=True`` continues a partial file: its complete lines are kept (a torn last line, cut by a
  kill in the middle of a write, is dropped), and only the threads it does not hold are exported
  and appended. Without a partial file it continues the destination itself (a previous complete
  export): the new threads are appended to a copy of it.
* While it runs, the partial file is locked (``flock``, where the platform has it), so two exports
  to the same destination cannot interleave their lines.

It never deletes the destination, and removes the partial file only once it has become the
destination (or when a run that resumed nothing stops before writing any line).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Literal

import attrs
import orjson

from .._client import AsyncChatKit
from .._converter import to_dict
from .._exceptions import ChatKitError
from .._sync_client import ChatKit
from ..types import Thread
from ._blocking import run_blocking
from ._common import (
    Clock,
    ExportFileError,
    JobInterrupted,
    JobProgress,
    ProgressCallback,
    check_concurrency,
    item_pages,
    new_runner,
    thread_pages,
)
from ._limiter import AdaptiveLimiter
from ._reports import ExportReport
from ._runner import RequestRunner

try:  # POSIX only; elsewhere two exports to one file are not prevented
    import fcntl

    _HAVE_FLOCK = True
except ImportError:  # pragma: no cover - Windows
    _HAVE_FLOCK = False

__all__ = ["export", "export_sync", "partial_path"]

_LINE_OPTIONS = orjson.OPT_APPEND_NEWLINE
_COPY_CHUNK = 1 << 20


def partial_path(destination: str | os.PathLike[str]) -> Path:
    """Where an export to ``destination`` keeps its lines until it is complete: ``FILE.partial``.

    Args:
        destination: The export's destination file.

    Returns:
        The partial file's path, in the same directory.
    """
    path = Path(destination)
    return path.with_name(path.name + ".partial")


def _read_record_id(raw: bytes) -> str | None:
    """The thread id of one export line, or ``None`` if the line is not an export record."""
    try:
        record: Any = orjson.loads(raw)
        thread_id = record["thread"]["id"]
    except (orjson.JSONDecodeError, KeyError, TypeError, IndexError):
        return None
    return thread_id if isinstance(thread_id, str) and isinstance(record.get("items"), list) else None


def _scan(fd: int, path: Path) -> tuple[set[str], int, bool]:
    """Read the records of an export file open at ``fd``.

    Returns:
        The thread ids, the length of the complete records (where to truncate), and whether
        the last record lacks its newline (a complete record without one gets it back).

    Raises:
        ExportFileError: A line other than a torn last line is not an export record.
    """
    ids: set[str] = set()
    good_end = 0
    missing_newline = False
    os.lseek(fd, 0, os.SEEK_SET)
    with open(os.dup(fd), "rb", closefd=True) as f:
        number = 0
        for raw in f:
            number += 1
            if raw.endswith(b"\n"):
                if raw.strip():
                    thread_id = _read_record_id(raw)
                    if thread_id is None:
                        raise ExportFileError(
                            f"cannot resume: line {number} of {path} is not an export record "
                            '({"thread": {...}, "items": [...]})'
                        )
                    ids.add(thread_id)
                good_end += len(raw)
                continue
            # The last line, without its newline: a record cut short by a kill mid-write (a
            # prefix of a JSON object is never a JSON object), or a complete one whose file
            # simply does not end with a newline.
            thread_id = _read_record_id(raw)
            if thread_id is not None:
                ids.add(thread_id)
                good_end += len(raw)
                missing_newline = True
    return ids, good_end, missing_newline


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _new_file_mode(destination: Path) -> int:
    """The permission bits the destination gets: those of the file it replaces, or what
    ``open()`` would give a new file under the current umask."""
    try:
        return destination.stat().st_mode & 0o7777
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_directory(directory: Path) -> None:
    """Make a rename durable (POSIX); skipped where a directory cannot be opened."""
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


class _PartialFile:
    """``FILE.partial``: complete lines appended one ``write`` each, renamed over FILE at the end."""

    def __init__(self, destination: Path, *, resume: bool) -> None:
        self.destination = destination
        self.path = partial_path(destination)
        self.kept_ids: set[str] = set()
        directory = destination.parent
        if not directory.is_dir():
            raise ExportFileError(f"cannot write {destination}: directory {directory} does not exist")
        if destination.is_dir():
            raise ExportFileError(f"cannot write {destination}: it is a directory")
        existed = self.path.exists()
        try:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o666)
        except OSError as exc:
            raise ExportFileError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        try:
            self._lock()
            self._prepare(resume)
        except BaseException:
            os.close(self.fd)
            if not existed:  # leave no file behind that was not there before
                with contextlib.suppress(OSError):
                    self.path.unlink()
            raise

    def _lock(self) -> None:
        if not _HAVE_FLOCK:  # pragma: no cover - Windows
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ExportFileError(
                f"another export is writing {self.path}; wait for it to finish"
            ) from None

    def _prepare(self, resume: bool) -> None:
        if not resume:
            os.ftruncate(self.fd, 0)
            return
        if os.fstat(self.fd).st_size > 0:
            # Continue the partial file: keep its complete records, drop a torn last line.
            ids, good_end, missing_newline = _scan(self.fd, self.path)
            os.ftruncate(self.fd, good_end)
            os.lseek(self.fd, good_end, os.SEEK_SET)
        elif self.destination.is_file():
            # No partial file: continue the previous complete export, checked first, then copied.
            with self.destination.open("rb") as source:
                ids, good_end, missing_newline = _scan(source.fileno(), self.destination)
                source.seek(0)
                remaining = good_end
                while remaining:
                    chunk = source.read(min(_COPY_CHUNK, remaining))
                    if not chunk:
                        break
                    _write_all(self.fd, chunk)
                    remaining -= len(chunk)
        else:
            return
        if missing_newline:
            _write_all(self.fd, b"\n")
        self.kept_ids = ids

    def write(self, line: bytes) -> None:
        _write_all(self.fd, line)

    def commit(self) -> None:
        """Flush to disk and atomically rename over the destination."""
        os.fsync(self.fd)
        os.chmod(self.path, _new_file_mode(self.destination))
        os.replace(self.path, self.destination)
        os.close(self.fd)
        self.fd = -1
        _fsync_directory(self.destination.parent)

    def keep(self) -> bool:
        """Close, keeping the complete lines for a later resume (never raises).

        Returns:
            Whether a partial file is left (an empty one of a run that resumed nothing is removed).
        """
        if self.fd < 0:
            return False
        try:
            empty = os.fstat(self.fd).st_size == 0
            if empty:
                self.path.unlink()
            else:
                os.fsync(self.fd)  # beyond a kill, survive a power cut as well
        except OSError:
            empty = False
        finally:
            os.close(self.fd)
            self.fd = -1
        return not empty


@attrs.define
class _Tally:
    threads: int = 0
    items: int = 0
    listed: int | None = None


async def _pipeline(
    runner: RequestRunner,
    write: Callable[[bytes], object],
    *,
    user: str | None,
    order: Literal["asc", "desc"],
    skip: set[str],
    tally: _Tally,
    report_progress: Callable[[], None],
) -> None:
    """List threads, fetch their items concurrently, and write records in listing order."""
    window = asyncio.Semaphore(2 * runner.limiter.ceiling)
    queue: asyncio.Queue[tuple[Thread, asyncio.Task[list[Any]]] | BaseException | None] = asyncio.Queue()
    fetches: set[asyncio.Task[list[Any]]] = set()

    async def fetch_items(thread_id: str) -> list[Any]:
        items: list[Any] = []
        async for page in item_pages(runner, thread_id):
            items.extend(to_dict(page.data))
        return items

    async def produce() -> None:
        seen: set[str] = set()
        listed = 0
        try:
            async for page in thread_pages(runner, user=user, order=order):
                for thread in page.data:
                    # A user's export must hold only that user's threads, even if a server
                    # ignored the filter.
                    if thread.id in seen or (user is not None and thread.user != user):
                        continue
                    seen.add(thread.id)
                    if thread.id in skip:
                        continue
                    await window.acquire()
                    task = asyncio.ensure_future(fetch_items(thread.id))
                    fetches.add(task)
                    task.add_done_callback(fetches.discard)
                    listed += 1
                    queue.put_nowait((thread, task))
        except Exception as exc:
            queue.put_nowait(exc)
            return
        tally.listed = listed
        report_progress()
        queue.put_nowait(None)

    producer = asyncio.ensure_future(produce())
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
            tally.threads += 1
            tally.items += len(items)
            report_progress()
        await producer
    finally:
        pending: list[asyncio.Future[Any]] = [producer, *fetches]
        for future in pending:
            future.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def export(
    client: AsyncChatKit,
    out: str | os.PathLike[str] | IO[bytes],
    *,
    user: str | None = None,
    order: Literal["asc", "desc"] = "asc",
    concurrency: int = 8,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> ExportReport:
    """Export every thread (or one user's) with all of its items to JSON Lines.

    Each line is ``{"thread": {...}, "items": [...]}`` with the items oldest first, both exactly
    as the API sent them. A path is written through ``FILE.partial`` (see
    [`partial_path`][chatkit_async.bulk.partial_path]) and appears atomically once complete; if the
    job stops before (an error, a cancellation, a kill), the partial file keeps every complete line
    and ``resume=True`` continues from it.

    Args:
        client: An open client. Its ``max_retries`` bounds the job's retries of connection
            errors, timeouts and 5xx; 429s are handled by the job's limiter.
        out: The destination file, or a binary stream (e.g. ``sys.stdout.buffer``) to which
            lines are written and flushed one by one (no partial file, no resume).
        user: Only this user's threads.
        order: Order of the threads, hence of the lines (``"asc"``: oldest first).
        concurrency: The most requests in flight at once (the limiter's ceiling).
        resume: Continue ``FILE.partial`` if there is one, else the complete ``FILE``: keep its
            lines and export only the threads it does not hold.
        progress: Called with a [`JobProgress`][chatkit_async.bulk.JobProgress] after each thread.
        limiter: A limiter to use instead of a new ``AdaptiveLimiter(concurrency)``.

    Returns:
        What was written.

    Raises:
        ValueError: A bad argument (``concurrency`` below 1, ``resume`` with a stream).
        ExportFileError: The destination cannot be written, another export is writing it, or
            the file to resume is not an export.
        JobInterrupted: A request failed for good; its ``partial_path`` holds the complete
            lines (resume from there).
    """
    check_concurrency(concurrency)
    if order not in ("asc", "desc"):
        raise ValueError(f"order must be 'asc' or 'desc', got {order!r}")
    stream: IO[bytes] | None = None
    target: _PartialFile | None = None
    destination: Path | None = None
    if isinstance(out, (str, os.PathLike)):
        destination = Path(out)
        # The file work stays synchronous on purpose: it is quick next to the network, and a
        # cancellation cannot cut it in half.
        target = _PartialFile(destination, resume=resume)
        skip = target.kept_ids
    else:
        if resume:
            raise ValueError("resume needs a destination file, not a stream")
        stream, skip = out, set()
    clock = Clock()
    tally = _Tally()
    runner = new_runner(client, concurrency, limiter)

    def report(complete: bool) -> ExportReport:
        counters = runner.counters
        return ExportReport(
            path=destination,
            threads=tally.threads,
            items=tally.items,
            kept=len(skip),
            complete=complete,
            requests=counters.requests,
            rate_limited=counters.rate_limited,
            retried=counters.retried,
            seconds=clock.elapsed,
            concurrency_trace=runner.limiter.trace,
        )

    def report_progress() -> None:
        if progress is None:
            return
        counters = runner.counters
        progress(
            JobProgress(
                job="export",
                threads_done=tally.threads,
                threads_total=None if tally.listed is None else tally.listed,
                items=tally.items,
                requests=counters.requests,
                rate_limited=counters.rate_limited,
                concurrency=runner.limiter.limit,
                elapsed=clock.elapsed,
            )
        )

    if target is not None:
        write: Callable[[bytes], object] = target.write
    else:
        assert stream is not None

        def write(line: bytes) -> None:
            stream.write(line)
            stream.flush()

    try:
        try:
            await _pipeline(
                runner,
                write,
                user=user,
                order=order,
                skip=skip,
                tally=tally,
                report_progress=report_progress,
            )
            if target is not None:
                target.commit()
        except BaseException as exc:
            kept = target.keep() if target is not None else False
            where = target.path if target is not None and kept else None
            if isinstance(exc, OSError) and target is not None:
                # A stream's errors (a closed pipe) are the caller's to see as they are.
                name = exc.filename or target.path
                raise ExportFileError(f"cannot write {name}: {exc.strerror or exc}") from exc
            if isinstance(exc, ChatKitError) and not isinstance(exc, ExportFileError):
                message = f"export stopped after {tally.threads:,} threads: {exc}"
                if where is not None:
                    message += f" ({len(skip) + tally.threads:,} complete threads kept in {where})"
                raise JobInterrupted(
                    message, cause=exc, report=report(False), partial_path=where
                ) from exc
            raise
    finally:
        with contextlib.suppress(Exception):
            await runner.aclose()
    return report(True)


def export_sync(
    client: ChatKit,
    out: str | os.PathLike[str] | IO[bytes],
    *,
    user: str | None = None,
    order: Literal["asc", "desc"] = "asc",
    concurrency: int = 8,
    resume: bool = False,
    progress: ProgressCallback | None = None,
    limiter: AdaptiveLimiter | None = None,
) -> ExportReport:
    """The blocking [`export`][chatkit_async.bulk.export], for a [`ChatKit`][chatkit_async.ChatKit]
    client.

    It runs on the client's event loop thread (where ``progress`` is called too); Ctrl-C cancels
    it there, and the partial file keeps every complete line. Arguments, result and errors are
    those of [`export`][chatkit_async.bulk.export].
    """
    return run_blocking(
        client,
        export,
        out,
        user=user,
        order=order,
        concurrency=concurrency,
        resume=resume,
        progress=progress,
        limiter=limiter,
    )
