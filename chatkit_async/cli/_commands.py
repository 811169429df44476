"""The commands of ``chatkit-async``: one handler per command, and what they share.

This module owns ``Context`` (the parsed arguments, the console, and how to reach the API)
and every handler, each wrapped in a ``Handler`` that its leaf parser carries
(``set_defaults(handler=...)`` in ``_parser``), so that dispatch never depends on argparse
``dest`` names. A handler returns the exit status; errors travel as exceptions
(``CLIError``, [`ChatKitError`][chatkit_async.ChatKitError]) to ``_app.main``,
which turns them into one ``error:`` line. Each handler that talks to the API runs one event loop
with a fresh client, on which SIGINT and SIGTERM both cancel the command's task, so that its
clean-up runs (an export keeps its partial file, a mirror ends its transaction) before the
process exits 130 or 143.

The bulk commands (``export``, ``mirror``, ``purge-user``) are thin: they parse, call the job of
[`chatkit_async.bulk`][chatkit_async.bulk], draw its progress callback as a bar, and print its report.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import bulk
from .._client import AsyncChatKit
from .._converter import to_dict
from .._types import NOT_GIVEN, NotGiven
from ..bulk import (
    ExportFileError,
    JobInterrupted,
    JobProgress,
    MirrorDatabaseError,
    PurgeReport,
    partial_path,
)
from ..types import ChatSession, Thread
from ..types.session import ExpiresAfterParam, RateLimitsParam, WorkflowParam
from ._console import (
    EXIT_ABORTED,
    EXIT_ERROR,
    EXIT_OK,
    CLIError,
    Console,
    Terminated,
    UsageError,
)
from ._format import (
    ITEM_TABLE,
    THREAD_TABLE,
    StreamingTable,
    TableSpec,
    item_row,
    render_fields,
    render_table,
    session_fields,
    status_style,
    thread_fields,
    thread_row,
)
from ._progress import Progress

if TYPE_CHECKING:
    from ..testing import ChatKitEmulator

__all__ = ["Connection", "Context", "Handler"]

T = TypeVar("T")


def _given(value: T | None) -> T | NotGiven:
    return NOT_GIVEN if value is None else value


@dataclass(frozen=True)
class Connection:
    """How to reach the API: the settings of every client a command creates.

    Attributes:
        api_key: The API key.
        base_url: The API root (``None``: ``$OPENAI_BASE_URL`` or the SDK's default).
        timeout: Seconds per attempt (``None``: the SDK's default).
        max_retries: Retries (``None``: the SDK's default).
    """

    api_key: str
    base_url: str | None = None
    timeout: float | None = None
    max_retries: int | None = None

    def __repr__(self) -> str:
        return f"Connection(base_url={self.base_url!r})"

    def client(self) -> AsyncChatKit:
        """A new client with these settings (create it inside the event loop that uses it).

        Raises:
            UsageError: A setting is invalid (e.g. ``--base-url`` or ``$OPENAI_BASE_URL``); the
                SDK's message names it.
        """
        kwargs: dict[str, Any] = {}
        if self.timeout is not None:
            kwargs["timeout"] = self.timeout
        if self.max_retries is not None:
            kwargs["max_retries"] = self.max_retries
        try:
            return AsyncChatKit(api_key=self.api_key, base_url=self.base_url, **kwargs)
        except ValueError as exc:
            message = str(exc)
            if message.startswith("base_url "):  # the SDK's name for what the CLI calls --base-url
                message = "--base-url" + message[len("base_url") :]
            raise UsageError(message) from None

    def run(self, step: Callable[[AsyncChatKit], Awaitable[T]]) -> T:
        """Run one asynchronous step with a fresh client on a fresh event loop.

        SIGINT and SIGTERM cancel the step (its ``finally`` blocks and the client's closing
        run), then raise ``KeyboardInterrupt`` or ``Terminated`` here.

        Args:
            step: Receives the open client; its result is returned.

        Returns:
            What ``step`` returned.
        """
        received: list[int] = []

        async def main() -> T:
            task = asyncio.current_task()
            loop = asyncio.get_running_loop()
            assert task is not None

            def stop(signum: int) -> None:
                if not received:  # a second signal does not cut the clean-up short
                    received.append(signum)
                    task.cancel()

            installed = []
            if threading.current_thread() is threading.main_thread():
                for signum in (signal.SIGINT, signal.SIGTERM):
                    try:
                        loop.add_signal_handler(signum, stop, signum)
                    except (NotImplementedError, RuntimeError, ValueError):  # e.g. Windows
                        continue
                    installed.append(signum)
            try:
                async with self.client() as client:
                    return await step(client)
            finally:
                for signum in installed:
                    loop.remove_signal_handler(signum)

        try:
            return asyncio.run(main())
        except asyncio.CancelledError:
            if not received:
                raise
            if received[0] == signal.SIGINT:
                raise KeyboardInterrupt from None
            raise Terminated from None


@dataclass
class Context:
    """Everything a handler needs.

    Attributes:
        args: The parsed arguments.
        console: The output streams.
        connection: How to reach the API (``None`` for the ``emulator`` command).
    """

    args: argparse.Namespace
    console: Console
    connection: Connection | None

    @property
    def api(self) -> Connection:
        """The connection (every API command has one)."""
        if self.connection is None:  # pragma: no cover - guarded by the dispatcher
            raise CLIError("this command does not talk to the API")
        return self.connection

    def progress(self, label: str) -> Progress:
        """A progress bar on stderr, drawn only when stderr is a terminal."""
        enabled = self.console.stderr_is_tty and not getattr(self.args, "no_progress", False)
        return Progress(self.console.stderr, label, enabled=enabled, columns=self.console.stderr_width)

    def table(self, spec: TableSpec) -> StreamingTable:
        """A table on stdout that fits the console's width and colours where it may."""
        console = self.console
        return StreamingTable(spec, width=console.table_width(), paint=console.paint)


@dataclass(frozen=True)
class Handler:
    """What a command runs; each leaf parser carries one as ``handler`` (``set_defaults``).

    Attributes:
        run: The handler: takes the context, returns the exit status.
        uses_api: Whether the command talks to the API (every command but ``emulator``), and so
            needs an API key or ``--emulator``.
    """

    run: Callable[[Context], int]
    uses_api: bool = True


# --- threads ----------------------------------------------------------------------------------


def _print_threads(console: Console, threads: Sequence[Thread]) -> None:
    if not threads:
        console.line("No threads.")
        return
    rows = (thread_row(t) for t in threads)
    for line in render_table(THREAD_TABLE, rows, width=console.table_width(), paint=console.paint):
        console.line(line)


def threads_list(ctx: Context) -> int:
    """``threads list``: a table of threads, or one JSON object per line, printed page by page
    as the pages arrive (the table's layout is fixed by the first page)."""
    args = ctx.args
    console = ctx.console

    async def step(client: AsyncChatKit) -> None:
        pager = client.threads.list(
            after=_given(args.after),
            before=_given(args.before),
            limit=args.limit,
            order=args.order,
            user=_given(args.user),
            max_items=args.max_items,
        )
        table = ctx.table(THREAD_TABLE)
        async for page in pager.pages():
            if args.json:
                for record in to_dict(page.data):
                    console.json(record)
            else:
                for line in table.add([thread_row(t) for t in page.data]):
                    console.line(line)
            console.flush()
        if not args.json and not table.started:
            console.line("No threads.")

    ctx.api.run(step)
    return EXIT_OK


def threads_get(ctx: Context) -> int:
    """``threads get ID``: one thread's fields, or its JSON."""
    args = ctx.args

    async def step(client: AsyncChatKit) -> Thread:
        return await client.threads.retrieve(args.thread_id)

    thread = ctx.api.run(step)
    if args.json:
        ctx.console.json(to_dict(thread))
    else:
        fields = thread_fields(thread)
        styles = {"status": status_style}
        for line in render_fields(fields, styles=styles, paint=ctx.console.paint):
            ctx.console.line(line)
    return EXIT_OK


def threads_delete(ctx: Context) -> int:
    """``threads delete ID``: delete after confirmation (or ``--yes``)."""
    args = ctx.args
    console = ctx.console
    thread_id: str = args.thread_id
    if not console.confirm(
        f"Delete thread {thread_id} and all of its items? This cannot be undone.",
        assume_yes=args.yes,
        what="delete a thread",
    ):
        console.note("Aborted; nothing was deleted.")
        return EXIT_ABORTED

    async def step(client: AsyncChatKit) -> Any:
        return await client.threads.delete(thread_id)

    receipt = ctx.api.run(step)
    if args.json:
        console.json(to_dict(receipt))
    else:
        console.line(f"Deleted thread {thread_id}.")
    return EXIT_OK


def threads_items(ctx: Context) -> int:
    """``threads items ID``: a table of a thread's items, or one JSON object per line, printed
    page by page as the pages arrive."""
    args = ctx.args
    console = ctx.console

    async def step(client: AsyncChatKit) -> None:
        pager = client.threads.list_items(
            args.thread_id,
            after=_given(args.after),
            before=_given(args.before),
            limit=args.limit,
            order=args.order,
            max_items=args.max_items,
        )
        table = ctx.table(ITEM_TABLE)
        async for page in pager.pages():
            if args.json:
                for record in to_dict(page.data):
                    console.json(record)
            else:
                for line in table.add([item_row(i) for i in page.data]):
                    console.line(line)
            console.flush()
        if not args.json and not table.started:
            console.line("No items.")

    ctx.api.run(step)
    return EXIT_OK


# --- sessions ---------------------------------------------------------------------------------


def _print_session(ctx: Context, session: ChatSession, *, show_secret: bool) -> None:
    if ctx.args.json:
        ctx.console.json(to_dict(session))
        return
    for line in render_fields(session_fields(session, show_secret=show_secret)):
        ctx.console.line(line)


def sessions_create(ctx: Context) -> int:
    """``sessions create``: create a session; its secret only with ``--json``/``--show-secret``."""
    args = ctx.args
    workflow: WorkflowParam = {"id": args.workflow}
    if args.workflow_version is not None:
        workflow["version"] = args.workflow_version
    expires_after: ExpiresAfterParam | NotGiven = NOT_GIVEN
    if args.expires_after is not None:
        expires_after = {"anchor": "created_at", "seconds": args.expires_after}
    rate_limits: RateLimitsParam | NotGiven = NOT_GIVEN
    if args.rate_limit is not None:
        rate_limits = {"max_requests_per_1_minute": args.rate_limit}

    async def step(client: AsyncChatKit) -> ChatSession:
        return await client.sessions.create(
            user=args.user, workflow=workflow, expires_after=expires_after, rate_limits=rate_limits
        )

    session = ctx.api.run(step)
    _print_session(ctx, session, show_secret=bool(args.show_secret))
    return EXIT_OK


def sessions_cancel(ctx: Context) -> int:
    """``sessions cancel ID``: cancel a session and show it (without its secret)."""
    args = ctx.args

    async def step(client: AsyncChatKit) -> ChatSession:
        return await client.sessions.cancel(args.session_id)

    session = ctx.api.run(step)
    _print_session(ctx, session, show_secret=False)
    return EXIT_OK


# --- bulk jobs ------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _draw(bar: Progress) -> Callable[[JobProgress], None]:
    """A bulk job's progress callback that draws on ``bar``."""

    def update(event: JobProgress) -> None:
        extra = []
        if event.job != "purge":
            extra.append(f"{event.items:,} items")
        if event.rate_limited:
            extra.append(f"{event.rate_limited:,} rate-limited")
        extra.append(f"{event.concurrency} in flight")
        first_total = event.threads_total is not None and bar.total is None
        bar.update(
            done=event.threads_done,
            total=event.threads_total,
            extra=", ".join(extra),
            force=first_total,
        )

    return update


_TICK = 0.5
"""Seconds between redraws of a shown progress bar while no progress arrives."""


async def _ticking(bar: Progress, job: Awaitable[T]) -> T:
    """Await a bulk job while redrawing its bar now and then, so the elapsed time moves and the
    ETA goes away while nothing finishes (e.g. a long wait after 429s)."""

    async def tick() -> None:
        while True:
            await asyncio.sleep(_TICK)
            bar.refresh()

    ticker = asyncio.ensure_future(tick()) if bar.enabled else None
    try:
        return await job
    finally:
        if ticker is not None:
            ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await ticker


class _StdoutBytes:
    """``--out -``: export lines to stdout's byte buffer (or its text layer, if it has none)."""

    def __init__(self, console: Console) -> None:
        self._console = console
        console.flush()

    def write(self, data: bytes) -> int:
        buffer = getattr(self._console.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(data)
        else:
            self._console.stdout.write(data.decode())
        return len(data)

    def flush(self) -> None:
        self._console.flush()


def export(ctx: Context) -> int:
    """``export --out FILE|-``: every thread with its items to JSON Lines, resumable."""
    args = ctx.args
    console = ctx.console
    to_stdout = args.out == "-"
    if to_stdout and args.resume:
        raise UsageError("--resume needs a file: it cannot continue an export to stdout (--out -)")
    destination = Path(args.out)
    existed = not to_stdout and destination.exists()
    bar = ctx.progress("threads")
    out: Any = _StdoutBytes(console) if to_stdout else destination
    partial = None if to_stdout else partial_path(destination)

    async def step(client: AsyncChatKit) -> Any:
        return await _ticking(
            bar,
            bulk.export(
                client,
                out,
                user=args.user,
                order=args.order,
                concurrency=args.concurrency,
                resume=args.resume,
                progress=_draw(bar),
            ),
        )

    try:
        report = ctx.api.run(step)
    except JobInterrupted as exc:
        bar.close()
        if to_stdout:
            raise CLIError(f"export to stdout stopped: {exc.cause}") from None
        state = "left unchanged" if existed else "not created"
        kept = (
            f"; the complete threads are kept in {exc.partial_path}, run again with --resume to continue"
            if exc.partial_path is not None
            else ""
        )
        raise CLIError(f"export failed ({destination} {state}{kept}): {exc.cause}") from None
    except ExportFileError as exc:
        bar.close()
        raise CLIError(str(exc)) from None
    except (KeyboardInterrupt, Terminated):
        bar.close()
        if partial is not None and partial.exists():
            console.note(
                f"stopped; the complete threads are kept in {partial}; "
                "run again with --resume to continue"
            )
        raise
    bar.close()
    target = "stdout" if to_stdout else str(destination)
    message = (
        f"Exported {report.threads:,} threads ({report.items:,} items) to {target} "
        f"in {report.seconds:.1f}s"
    )
    if args.resume:
        message += f"; kept {report.kept:,} threads already in the file"
    message += f" ({_plural(report.requests, 'request')}, {report.rate_limited:,} rate-limited)."
    if to_stdout:
        console.note(message)
    else:
        console.line(message)
    return EXIT_OK


def mirror(ctx: Context) -> int:
    """``mirror --db FILE``: bring a SQLite copy of the account up to date."""
    args = ctx.args
    console = ctx.console
    bar = ctx.progress("threads")

    async def step(client: AsyncChatKit) -> Any:
        return await _ticking(
            bar,
            bulk.mirror(
                client,
                args.db,
                user=args.user,
                concurrency=args.concurrency,
                prune=args.prune,
                full=args.full,
                progress=_draw(bar),
            ),
        )

    try:
        report = ctx.api.run(step)
    except JobInterrupted as exc:
        bar.close()
        raise CLIError(str(exc)) from None
    except MirrorDatabaseError as exc:
        bar.close()
        raise CLIError(str(exc)) from None
    except (KeyboardInterrupt, Terminated):
        bar.close()
        console.note(f"stopped; every thread committed is kept in {args.db}; run again to continue")
        raise
    bar.close()
    if args.json:
        console.json(report.summary())
        return EXIT_OK
    removed = f"{report.threads_removed:,} removed"
    if args.prune:
        removed += f" ({report.threads_pruned:,} pruned)"
    console.line(
        f"Mirrored {_plural(report.threads_seen, 'thread')} into {args.db} in "
        f"{report.seconds:.1f}s: {report.threads_new:,} new, {report.threads_changed:,} changed, "
        f"{removed}; {report.items_added:,} items added; "
        f"{_plural(report.requests, 'request')}, {report.rate_limited:,} rate-limited (429)."
    )
    return EXIT_OK


def _purge_json(report: PurgeReport) -> dict[str, Any]:
    if report.dry_run:
        return {"user": report.user, "dry_run": True, "would_delete": [t.id for t in report.matched]}
    return {
        "user": report.user,
        "dry_run": False,
        "matched": len(report.matched),
        "deleted": list(report.deleted),
        "already_gone": list(report.already_gone),
        "failed": [
            {"id": f.thread_id, "reason": f.reason, "status_code": f.status_code} for f in report.failed
        ],
        "ignored": report.ignored,
        "requests": report.requests,
        "rate_limited": report.rate_limited,
    }


def _ask_in_background(console: Console, question: str, assume_yes: bool, what: str) -> Awaitable[bool]:
    """Ask for confirmation on a daemon thread, so that Ctrl-C (handled by the event loop)
    cancels the wait instead of waiting for Enter."""
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[bool] = loop.create_future()

    def settle(value: bool | None, error: BaseException | None) -> None:
        if answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(bool(value))

    def ask() -> None:
        try:
            value = console.confirm(question, assume_yes=assume_yes, what=what)
        except BaseException as exc:
            loop.call_soon_threadsafe(settle, None, exc)
        else:
            loop.call_soon_threadsafe(settle, value, None)

    threading.Thread(target=ask, name="chatkit-async-confirm", daemon=True).start()
    return answer


def purge_user(ctx: Context) -> int:
    """``purge-user USER``: list the user's threads, confirm, delete, report."""
    args = ctx.args
    console = ctx.console
    user: str = args.user
    bar = ctx.progress("threads deleted")

    def confirm(threads: Sequence[Thread]) -> Awaitable[bool]:
        question = (
            f"Delete {_plural(len(threads), 'thread')} of user {user} with all of their items? "
            "This cannot be undone."
        )
        if args.yes or not console.stdin_is_tty:
            # No question to wait for: answer (or refuse, without --yes) right here.
            done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            done.set_result(console.confirm(question, assume_yes=args.yes, what="delete threads"))
            return done
        return _ask_in_background(console, question, args.yes, "delete threads")

    async def step(client: AsyncChatKit) -> PurgeReport:
        return await _ticking(
            bar,
            bulk.purge_user(
                client,
                user,
                dry_run=args.dry_run,
                confirm=confirm,
                concurrency=args.concurrency,
                progress=_draw(bar),
            ),
        )

    try:
        report = ctx.api.run(step)
    except JobInterrupted as exc:
        raise CLIError(f"cannot list the threads of {user}; nothing was deleted: {exc.cause}") from None
    finally:
        bar.close()
    matched = report.matched
    if report.dry_run:
        if args.json:
            console.json(_purge_json(report))
        else:
            _print_threads(console, matched)
            console.line(
                f"Dry run: would delete {_plural(len(matched), 'thread')} of user {user}; "
                "nothing was deleted."
            )
        return EXIT_OK
    if not matched:
        if args.json:
            console.json(_purge_json(report))
        else:
            console.line(f"No threads of user {user}; nothing to delete.")
        return EXIT_OK
    if not report.confirmed:
        console.note("Aborted; nothing was deleted.")
        return EXIT_ABORTED
    if args.json:
        console.json(_purge_json(report))
    else:
        erased = len(report.deleted) + len(report.already_gone)
        line = f"Deleted {erased:,} of {_plural(len(matched), 'thread')} of user {user}"
        if report.already_gone:
            line += f" ({len(report.already_gone):,} already gone)"
        console.line(line + ".")
        if report.failed:
            console.line(f"Failed to delete {_plural(len(report.failed), 'thread')}:")
            for failure in report.failed:
                console.line(f"  {failure.thread_id}  {failure.reason}")
    if report.failed:
        console.flush()
        console.error(
            f"{len(report.failed):,} of {_plural(len(matched), 'thread')} could not be deleted; "
            "run purge-user again to retry"
        )
        return EXIT_ERROR
    return EXIT_OK


# --- emulator ---------------------------------------------------------------------------------


def _seed_plain(emulator: ChatKitEmulator, threads: int, items_per_thread: int) -> None:
    users = ("user_1", "user_2", "user_3")
    for i in range(threads):
        thread = emulator.add_thread(user=users[i % len(users)], title=f"Thread {i + 1}")
        if items_per_thread:
            emulator.add_items(thread["id"], items_per_thread)


def emulator(ctx: Context) -> int:
    """``emulator``: serve a seeded emulator until Ctrl-C, printing its URL and key."""
    from ..testing import DEFAULT_API_KEY, serve_forever

    args = ctx.args
    console = ctx.console
    plain = args.items_per_thread is not None

    def ready(emu: ChatKitEmulator) -> None:
        emu.record_requests = False  # nobody can read the log of a served emulator
        if plain:
            _seed_plain(emu, args.threads, args.items_per_thread)
            contents = f"{args.threads:,} threads x {args.items_per_thread:,} items"
        else:
            contents = f"{args.threads:,} demo threads, seed {args.seed}"
        if args.rate_limit is not None:
            contents += f", at most {args.rate_limit:g} requests/s"
        console.line(f"ChatKit emulator listening on {emu.base_url} ({contents})")
        console.line(f"  OPENAI_BASE_URL={emu.base_url}")
        console.line(f"  OPENAI_API_KEY={emu.api_key}")
        console.line("Press Ctrl+C to stop.")
        console.flush()

    try:
        serve_forever(
            args.port,
            args.seed,
            0 if plain else args.threads,
            args.host,
            api_key=args.key or DEFAULT_API_KEY,
            rate_limit=args.rate_limit,
            on_ready=ready,
        )
    except OSError as exc:
        raise CLIError(f"cannot serve on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return EXIT_OK
