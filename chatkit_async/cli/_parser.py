"""The argument parser of ``chatkit-async``: global options, commands, and argument checks.

This module owns the command-line grammar. Each leaf parser carries its command's
``Handler`` as ``handler`` (``set_defaults``), so ``_app.main`` dispatches
on ``args.handler`` and never on ``dest`` names. Bad arguments are reported as one
``error: ...`` line with exit code 2, like argparse's own errors but without the usage block, and
with the API key scrubbed from the message.

Global options (``--api-key``, ``--emulator``...) may come before the command or after it
(``chatkit-async threads list --emulator``): the top-level parser holds them with their defaults,
and every API command's parser holds a copy whose default is ``argparse.SUPPRESS``, so a copy
sets its value only when given. Given in both places, the one after the command wins, as a
repeated option does. The ``emulator`` command takes none after it: it serves an emulator rather
than reaching one.
"""

from __future__ import annotations

import argparse
import textwrap
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

from .._http import validate_path_id
from .._version import __version__
from . import _commands
from ._commands import Handler
from ._console import EXIT_STATUSES, EXIT_USAGE, Console

__all__ = [
    "ChatKitArgumentParser",
    "bounded_int",
    "build_parser",
    "non_empty",
    "path_id",
    "positive_float",
]

PROG = "chatkit-async"


class ChatKitArgumentParser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one scrubbed ``error:`` line and exit code 2."""

    console: Console | None = None

    def error(self, message: str) -> NoReturn:
        """Report a usage error and exit with status 2.

        Args:
            message: argparse's description of the problem.
        """
        text = f"{message} (see '{self.prog} --help')"
        console = self.console
        if console is not None:
            console.error(text)
        else:  # pragma: no cover - the command line always sets a console
            self._print_message(f"error: {text}\n")
        self.exit(EXIT_USAGE)


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` accepting integers within ``[low, high]``."""

    def convert(text: str) -> int:
        try:
            value = int(text, 10)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    convert.__name__ = "integer"
    return convert


def positive_float(text: str) -> float:
    """An argparse ``type`` accepting a finite number of seconds greater than zero."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def non_empty(text: str) -> str:
    """An argparse ``type`` accepting any non-empty string."""
    if not text:
        raise argparse.ArgumentTypeError("must not be empty")
    return text


def path_id(text: str) -> str:
    """An argparse ``type`` accepting an id that can be put in a URL path (the SDK's rule).

    The id is checked here, so a bad one is a usage error, but handed on exactly as typed: the SDK
    percent-encodes ids itself, and encoding here too would send ``cthr_%25C3%25A9`` for
    ``cthr_é``.
    """
    try:
        validate_path_id(text, name="id")
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def _add_output_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the API's JSON (one object per line) instead of a table",
    )


def _add_concurrency(parser: argparse.ArgumentParser) -> None:
    """The ceiling of a bulk job's adaptive concurrency (export, mirror, purge-user)."""
    parser.add_argument(
        "--concurrency",
        type=bounded_int(1, 256),
        default=8,
        metavar="N",
        help="the most requests in flight at once; fewer while the API answers 429 (default 8)",
    )


def _add_paging(parser: argparse.ArgumentParser, default_order: str) -> None:
    parser.add_argument(
        "--order",
        choices=("asc", "desc"),
        default=default_order,
        help=f"by creation time: asc = oldest first, desc = newest first (default {default_order})",
    )
    parser.add_argument(
        "--limit",
        type=bounded_int(1, 100),
        default=100,
        metavar="N",
        help="page size of each request, 1..100 (default 100)",
    )
    parser.add_argument(
        "--max-items",
        type=bounded_int(0),
        default=None,
        metavar="N",
        help="stop after N results (default: all)",
    )
    cursors = parser.add_mutually_exclusive_group()
    cursors.add_argument("--after", type=path_id, metavar="ID", help="start after this id")
    cursors.add_argument("--before", type=path_id, metavar="ID", help="start before this id")


_GLOBAL_TITLE = "global options (before or after the command)"


class _CommandHelpFormatter(argparse.HelpFormatter):
    """A command's help: its usage line leaves out the global options (listed in their own
    section below), so it shows what is particular to the command."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        own = [a for a in actions if not getattr(a, "chatkit_global", False)]
        super().add_usage(usage, own, groups, prefix)


def _add_global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Add the global options to ``parser``: with their defaults on the top-level parser, and
    with ``argparse.SUPPRESS`` on a command's, so that a copy sets nothing unless given."""

    def default(value: Any) -> Any:
        return value if top else argparse.SUPPRESS

    group = parser.add_argument_group(_GLOBAL_TITLE)
    first = len(parser._actions)
    group.add_argument(
        "--api-key",
        metavar="KEY",
        default=default(None),
        help="API key (default: $OPENAI_API_KEY); never printed",
    )
    group.add_argument(
        "--base-url",
        metavar="URL",
        default=default(None),
        help="API root (default: $OPENAI_BASE_URL or https://api.openai.com/v1)",
    )
    group.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        default=default(None),
        help="seconds allowed per request attempt (default 60)",
    )
    group.add_argument(
        "--max-retries",
        type=bounded_int(0, 100),
        metavar="N",
        default=default(None),
        help="retries after a failed attempt (default 2)",
    )
    group.add_argument(
        "--emulator",
        action="store_true",
        default=default(False),
        help="run the command against an embedded, seeded emulator (no API key needed; "
        "changes are discarded on exit)",
    )
    group.add_argument(
        "--emulator-seed",
        type=bounded_int(0),
        default=default(0),
        metavar="N",
        help="seed of the embedded emulator's demo data (default 0)",
    )
    group.add_argument(
        "--emulator-threads",
        type=bounded_int(0, 100_000),
        default=default(12),
        metavar="N",
        help="number of demo threads in the embedded emulator (default 12)",
    )
    if not top:
        for action in parser._actions[first:]:
            action.chatkit_global = True  # type: ignore[attr-defined]  # read by the formatter


def _exit_statuses() -> str:
    """The exit statuses as help text, each meaning wrapped to 79 columns."""
    lines = ["exit statuses:"]
    for code, meaning in EXIT_STATUSES:
        lines.extend(
            textwrap.wrap(
                meaning, width=79, initial_indent=f"  {code:<4} ", subsequent_indent=" " * 7
            )
        )
    return "\n".join(lines)


_DESCRIPTION = """\
Command line for OpenAI's ChatKit API: threads, items, sessions, export, SQLite
mirror, GDPR purge, and a local emulator. Run 'chatkit-async COMMAND --help' for
the options of a command."""

_EPILOG = f"""\
Try it without an API key:
  chatkit-async threads list --emulator

{_exit_statuses()}

Tables fit the terminal and show colour there; NO_COLOR=1 turns colour off,
FORCE_COLOR=1 keeps it when piped. Piped tables keep every cell whole unless
COLUMNS is set."""


def _command(
    commands: Any,
    name: str,
    handler: Callable[[_commands.Context], int] | None,
    *,
    uses_api: bool = True,
    **kwargs: Any,
) -> ChatKitArgumentParser:
    """Add a command's parser, carrying its handler (``None`` for a group of commands) and,
    for an API command, the global options."""
    parser: ChatKitArgumentParser = commands.add_parser(
        name, allow_abbrev=False, formatter_class=_CommandHelpFormatter, **kwargs
    )
    if handler is not None:
        parser.set_defaults(handler=Handler(handler, uses_api=uses_api))
    if uses_api:
        _add_global_options(parser, top=False)
    return parser


def build_parser(console: Console) -> ChatKitArgumentParser:
    """Build the full parser, each leaf carrying its handler.

    Args:
        console: Where usage errors are reported.

    Returns:
        The parser; a parsed namespace carries ``handler`` (a ``Handler``).
    """
    ChatKitArgumentParser.console = console
    parser = ChatKitArgumentParser(
        prog=PROG,
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    _add_global_options(parser, top=True)
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")

    # No dest: dispatch uses the handler each leaf carries; the metavars name what is missing.
    commands = parser.add_subparsers(
        metavar="COMMAND", required=True, parser_class=ChatKitArgumentParser
    )

    # --- threads ------------------------------------------------------------------------------
    threads = _command(
        commands, "threads", None, help="list, show, delete threads and their items"
    )
    threads_commands = threads.add_subparsers(metavar="{list,get,delete,items}", required=True)
    p = _command(
        threads_commands, "list", _commands.threads_list, help="list threads (newest first)"
    )
    p.add_argument("--user", type=non_empty, help="only this user's threads")
    _add_paging(p, "desc")
    _add_output_flag(p)

    p = _command(
        threads_commands,
        "get",
        _commands.threads_get,
        aliases=["retrieve"],  # the API's and the SDK's name for it
        help="show one thread",
    )
    p.add_argument("thread_id", type=path_id, metavar="ID")
    _add_output_flag(p)

    p = _command(
        threads_commands,
        "delete",
        _commands.threads_delete,
        help="delete a thread and all of its items",
    )
    p.add_argument("thread_id", type=path_id, metavar="ID")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    _add_output_flag(p)

    p = _command(
        threads_commands,
        "items",
        _commands.threads_items,
        help="list a thread's items (oldest first)",
    )
    p.add_argument("thread_id", type=path_id, metavar="ID")
    _add_paging(p, "asc")
    _add_output_flag(p)

    # --- sessions -----------------------------------------------------------------------------
    sessions = _command(commands, "sessions", None, help="create and cancel ChatKit sessions")
    sessions_commands = sessions.add_subparsers(metavar="{create,cancel}", required=True)
    p = _command(
        sessions_commands,
        "create",
        _commands.sessions_create,
        help="create a session for one end user",
    )
    p.add_argument("--user", type=non_empty, required=True, help="the end user's identifier")
    p.add_argument(
        "--workflow", type=non_empty, required=True, metavar="ID", help="workflow id (wf_...)"
    )
    p.add_argument("--workflow-version", type=non_empty, metavar="VERSION", help="workflow version")
    p.add_argument(
        "--expires-after",
        type=bounded_int(1, 600),
        metavar="SECONDS",
        help="session lifetime, 1..600 seconds (server default 600)",
    )
    p.add_argument(
        "--rate-limit",
        type=bounded_int(1),
        metavar="N",
        help="maximum requests per minute (server default 10)",
    )
    p.add_argument(
        "--show-secret",
        action="store_true",
        help="show the client_secret in the table (it is always in --json output)",
    )
    _add_output_flag(p)

    p = _command(
        sessions_commands, "cancel", _commands.sessions_cancel, help="cancel a session"
    )
    p.add_argument("session_id", type=path_id, metavar="ID")
    _add_output_flag(p)

    # --- export -------------------------------------------------------------------------------
    p = _command(
        commands,
        "export",
        _commands.export,
        help="write every thread with all of its items to a JSON Lines file",
        description="Write every thread (or one user's) with all of its items to FILE, one "
        'line per thread: {"thread": {...}, "items": [...]}, items oldest first. Lines go to '
        "FILE.partial as each thread completes; FILE appears atomically once the export is "
        "complete. An interrupted export (Ctrl-C, SIGTERM, an error, a kill) keeps its complete "
        "lines in FILE.partial and exits non-zero; --resume continues it.",
    )
    p.add_argument(
        "--out", required=True, metavar="FILE", help="the .jsonl file to write, or - for stdout"
    )
    p.add_argument("--user", type=non_empty, help="only this user's threads")
    _add_concurrency(p)
    p.add_argument(
        "--order",
        choices=("asc", "desc"),
        default="asc",
        help="order of the threads in the file (default asc: oldest first)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue FILE.partial (or, without one, append the threads missing from FILE)",
    )
    p.add_argument("--no-progress", action="store_true", help="never draw the progress bar")

    # --- mirror -------------------------------------------------------------------------------
    p = _command(
        commands,
        "mirror",
        _commands.mirror,
        help="keep a SQLite copy of the account up to date, incrementally",
        description="Bring the SQLite database FILE in step with the account: new and changed "
        "threads are stored, and for each thread only the items after the newest one stored "
        "are fetched. Each thread is committed in its own transaction, so a run stopped at any "
        "point leaves a consistent database that the next run completes. Threads gone from the "
        "account get removed_at (or are deleted with --prune).",
    )
    p.add_argument(
        "--db", required=True, metavar="FILE", help="the SQLite database (created if missing)"
    )
    p.add_argument(
        "--user", type=non_empty, help="only this user's threads (removals are limited to them too)"
    )
    _add_concurrency(p)
    p.add_argument(
        "--prune",
        action="store_true",
        help="delete threads gone from the account (with their items) instead of marking them",
    )
    p.add_argument(
        "--full", action="store_true", help="refetch every thread's items from the start"
    )
    p.add_argument("--no-progress", action="store_true", help="never draw the progress bar")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object")

    # --- purge-user ---------------------------------------------------------------------------
    p = _command(
        commands,
        "purge-user",
        _commands.purge_user,
        help="delete every thread of one user (GDPR erasure)",
        description="Delete every thread of USER with all of its items. The ids are collected "
        "first, then deleted; a failure on one thread does not stop the others, and the exit "
        "status is 1 if any deletion failed (run the command again to retry).",
    )
    p.add_argument("user", type=non_empty, metavar="USER")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    _add_concurrency(p)
    p.add_argument("--no-progress", action="store_true", help="never draw the progress bar")
    _add_output_flag(p)

    # --- emulator -----------------------------------------------------------------------------
    p = _command(
        commands,
        "emulator",
        _commands.emulator,
        uses_api=False,
        help="serve a seeded ChatKit emulator until Ctrl-C",
        description="Serve a local ChatKit API emulator with deterministic demo data until "
        "interrupted. Point a client at the printed base URL and key.",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument("--port", type=bounded_int(0, 65535), default=0, help="port (default: a free port)")
    p.add_argument("--seed", type=bounded_int(0), default=0, metavar="N", help="data seed (default 0)")
    p.add_argument(
        "--threads",
        type=bounded_int(0, 1_000_000),
        default=12,
        metavar="N",
        help="number of threads to seed (default 12)",
    )
    p.add_argument(
        "--items-per-thread",
        type=bounded_int(0, 100_000),
        default=None,
        metavar="N",
        help="seed plain threads with exactly N items each (bulk seeding, for benchmarks) "
        "instead of the varied demo data",
    )
    p.add_argument(
        "--key",
        type=non_empty,
        default=None,
        metavar="KEY",
        help="the API key the emulator accepts (default sk-test-emulator)",
    )
    p.add_argument(
        "--rate-limit",
        type=positive_float,
        default=None,
        metavar="N",
        help="admit at most N requests per second (a token bucket of one second's worth); "
        "the rest get 429 with retry-after-ms, as OpenAI's API does (default: no limit)",
    )
    return parser
