"""The commands of ``chatkit-async``: one handler per command, and what they share.

This module owns :class:`Context` (the parsed arguments, the console, and how to reach the API)
and every handler. A handler returns the exit status; errors travel as exceptions
(:class:`~._console.CLIError`, :class:`~chatkit_async.ChatKitError`) to :func:`._app.main`,
which turns them into one ``error:`` line. Each handler that talks to the API runs one event loop
per step with a fresh client (``purge-user`` runs two, asking for confirmation in between).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .._client import AsyncChatKit
from .._converter import to_dict
from .._exceptions import ChatKitError
from .._types import NOT_GIVEN, NotGiven
from ..types import ChatSession, Thread, ThreadItem
from ..types.session import ExpiresAfterParam, RateLimitsParam, WorkflowParam
from ._console import EXIT_ABORTED, EXIT_ERROR, EXIT_OK, CLIError, Console, UsageError
from ._export import export_jsonl
from ._format import (
    ITEM_HEADERS,
    THREAD_HEADERS,
    item_row,
    render_fields,
    render_table,
    session_fields,
    thread_fields,
    thread_row,
)
from ._progress import Progress
from ._purge import PurgeReport, collect_threads, delete_threads

if TYPE_CHECKING:
    from ..testing import ChatKitEmulator

__all__ = ["HANDLERS", "Connection", "Context"]

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

        Args:
            step: Receives the open client; its result is returned.

        Returns:
            What ``step`` returned.
        """

        async def main() -> T:
            async with self.client() as client:
                return await step(client)

        return asyncio.run(main())


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
        return Progress(self.console.stderr, label, enabled=enabled)


# --- threads ----------------------------------------------------------------------------------


def _print_threads(console: Console, threads: list[Thread]) -> None:
    if not threads:
        console.line("No threads.")
        return
    for line in render_table(THREAD_HEADERS, (thread_row(t) for t in threads)):
        console.line(line)


def threads_list(ctx: Context) -> int:
    """``threads list``: a table of threads, or one JSON object per line."""
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
        if args.json:
            async for page in pager.pages():
                for record in to_dict(page.data):
                    console.json(record)
            return
        _print_threads(console, [thread async for thread in pager])

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
        for line in render_fields(thread_fields(thread)):
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
    """``threads items ID``: a table of a thread's items, or one JSON object per line."""
    args = ctx.args
    console = ctx.console

    async def step(client: AsyncChatKit) -> list[ThreadItem]:
        pager = client.threads.list_items(
            args.thread_id,
            after=_given(args.after),
            before=_given(args.before),
            limit=args.limit,
            order=args.order,
            max_items=args.max_items,
        )
        if args.json:
            async for page in pager.pages():
                for record in to_dict(page.data):
                    console.json(record)
            return []
        return [item async for item in pager]

    items = ctx.api.run(step)
    if not args.json:
        if not items:
            console.line("No items.")
        else:
            for line in render_table(ITEM_HEADERS, (item_row(i) for i in items)):
                console.line(line)
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


# --- export -----------------------------------------------------------------------------------


def export(ctx: Context) -> int:
    """``export --out FILE``: every thread with its items to JSON Lines, atomically."""
    args = ctx.args
    destination = Path(args.out)
    existed = destination.exists()
    progress = ctx.progress("threads")

    async def step(client: AsyncChatKit) -> Any:
        return await export_jsonl(
            client,
            destination,
            user=args.user,
            order=args.order,
            concurrency=args.concurrency,
            resume=args.resume,
            progress=progress,
        )

    try:
        stats = ctx.api.run(step)
    except ChatKitError as exc:
        state = "left unchanged" if existed else "not created"
        raise CLIError(f"export failed ({destination} {state}): {exc}") from None
    message = (
        f"Exported {stats.threads:,} threads ({stats.items:,} items) to {destination} "
        f"in {stats.seconds:.1f}s"
    )
    if args.resume:
        message += f"; kept {stats.kept:,} threads already in the file"
    ctx.console.line(message + ".")
    return EXIT_OK


# --- purge-user -------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _purge_json(user: str, threads: list[Thread], report: PurgeReport | None) -> dict[str, Any]:
    if report is None:
        return {"user": user, "dry_run": True, "would_delete": [t.id for t in threads]}
    return {
        "user": user,
        "dry_run": False,
        "matched": len(threads),
        "deleted": report.deleted,
        "already_gone": report.already_gone,
        "failed": [
            {"id": f.thread_id, "reason": f.reason, "status_code": f.status_code} for f in report.failed
        ],
    }


def purge_user(ctx: Context) -> int:
    """``purge-user USER``: collect the user's thread ids, confirm, delete, report."""
    args = ctx.args
    console = ctx.console
    user: str = args.user

    async def collect(client: AsyncChatKit) -> list[Thread]:
        return await collect_threads(client, user)

    threads = ctx.api.run(collect)
    if args.dry_run:
        if args.json:
            console.json(_purge_json(user, threads, None))
        else:
            _print_threads(console, threads)
            console.line(
                f"Dry run: would delete {_plural(len(threads), 'thread')} of user {user}; "
                "nothing was deleted."
            )
        return EXIT_OK
    if not threads:
        if args.json:
            console.json(_purge_json(user, threads, PurgeReport()))
        else:
            console.line(f"No threads of user {user}; nothing to delete.")
        return EXIT_OK
    if not console.confirm(
        f"Delete {_plural(len(threads), 'thread')} of user {user} with all of their items? "
        "This cannot be undone.",
        assume_yes=args.yes,
        what="delete threads",
    ):
        console.note("Aborted; nothing was deleted.")
        return EXIT_ABORTED
    progress = ctx.progress("threads deleted")
    ids = [t.id for t in threads]

    async def delete(client: AsyncChatKit) -> PurgeReport:
        return await delete_threads(client, ids, concurrency=args.concurrency, progress=progress)

    report = ctx.api.run(delete)
    if args.json:
        console.json(_purge_json(user, threads, report))
    else:
        erased = len(report.deleted) + len(report.already_gone)
        line = f"Deleted {erased:,} of {_plural(len(threads), 'thread')} of user {user}"
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
            f"{len(report.failed):,} of {_plural(len(threads), 'thread')} could not be deleted; "
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


HANDLERS: dict[tuple[str, ...], Callable[[Context], int]] = {
    ("threads", "list"): threads_list,
    ("threads", "get"): threads_get,
    ("threads", "delete"): threads_delete,
    ("threads", "items"): threads_items,
    ("sessions", "create"): sessions_create,
    ("sessions", "cancel"): sessions_cancel,
    ("export",): export,
    ("purge-user",): purge_user,
    ("emulator",): emulator,
}
"""The handler of each command path."""
