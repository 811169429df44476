"""The argument parser of ``chatkit-async``: global options, commands, and argument checks.

This module owns the command-line grammar. Global options come before the command; each command
handler is attached with ``set_defaults(handler=...)`` by :mod:`._commands`. Bad arguments are
reported as one ``error: ...`` line with exit code 2, like argparse's own errors but without the
usage block, and with the API key scrubbed from the message.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from .._http import validate_path_id
from .._version import __version__
from ._console import EXIT_USAGE, Console

__all__ = [
    "ChatKitArgumentParser",
    "bounded_int",
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


def build_parser(console: Console) -> ChatKitArgumentParser:
    """Build the full parser (handlers are attached by :mod:`._commands`).

    Args:
        console: Where usage errors are reported.

    Returns:
        The parser; each command's namespace carries ``handler`` and ``command``.
    """
    ChatKitArgumentParser.console = console
    parser = ChatKitArgumentParser(
        prog=PROG,
        description="Command line for OpenAI's ChatKit API: threads, items, sessions, export, "
        "SQLite mirror, GDPR purge, and a local emulator.",
        epilog="Try it without an API key: chatkit-async --emulator threads list",
        allow_abbrev=False,
    )
    parser.add_argument(
        "--api-key",
        metavar="KEY",
        help="API key (default: $OPENAI_API_KEY); never printed",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="API root (default: $OPENAI_BASE_URL or https://api.openai.com/v1)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        metavar="SECONDS",
        help="seconds allowed per request attempt (default 60)",
    )
    parser.add_argument(
        "--max-retries",
        type=bounded_int(0, 100),
        metavar="N",
        help="retries after a failed attempt (default 2)",
    )
    parser.add_argument(
        "--emulator",
        action="store_true",
        help="run the command against an embedded, seeded emulator (no API key needed; "
        "changes are discarded on exit)",
    )
    parser.add_argument(
        "--emulator-seed",
        type=bounded_int(0),
        default=0,
        metavar="N",
        help="seed of the embedded emulator's demo data (default 0)",
    )
    parser.add_argument(
        "--emulator-threads",
        type=bounded_int(0, 100_000),
        default=12,
        metavar="N",
        help="number of demo threads in the embedded emulator (default 12)",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")

    commands = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=ChatKitArgumentParser
    )

    # --- threads ------------------------------------------------------------------------------
    threads = commands.add_parser("threads", help="list, show, delete threads and their items")
    threads_commands = threads.add_subparsers(
        dest="threads_command", metavar="{list,get,delete,items}", required=True
    )
    p = threads_commands.add_parser("list", help="list threads (newest first)")
    p.add_argument("--user", type=non_empty, help="only this user's threads")
    _add_paging(p, "desc")
    _add_output_flag(p)

    p = threads_commands.add_parser("get", help="show one thread")
    p.add_argument("thread_id", type=path_id, metavar="ID")
    _add_output_flag(p)

    p = threads_commands.add_parser("delete", help="delete a thread and all of its items")
    p.add_argument("thread_id", type=path_id, metavar="ID")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    _add_output_flag(p)

    p = threads_commands.add_parser("items", help="list a thread's items (oldest first)")
    p.add_argument("thread_id", type=path_id, metavar="ID")
    _add_paging(p, "asc")
    _add_output_flag(p)

    # --- sessions -----------------------------------------------------------------------------
    sessions = commands.add_parser("sessions", help="create and cancel ChatKit sessions")
    sessions_commands = sessions.add_subparsers(
        dest="sessions_command", metavar="{create,cancel}", required=True
    )
    p = sessions_commands.add_parser("create", help="create a session for one end user")
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

    p = sessions_commands.add_parser("cancel", help="cancel a session")
    p.add_argument("session_id", type=path_id, metavar="ID")
    _add_output_flag(p)

    # --- export -------------------------------------------------------------------------------
    p = commands.add_parser(
        "export",
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
    p.add_argument(
        "--concurrency",
        type=bounded_int(1, 256),
        default=8,
        metavar="N",
        help="the most requests in flight at once; fewer while the API answers 429 (default 8)",
    )
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
    p = commands.add_parser(
        "mirror",
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
    p.add_argument(
        "--concurrency",
        type=bounded_int(1, 256),
        default=8,
        metavar="N",
        help="the most requests in flight at once; fewer while the API answers 429 (default 8)",
    )
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
    p = commands.add_parser(
        "purge-user",
        help="delete every thread of one user (GDPR erasure)",
        description="Delete every thread of USER with all of its items. The ids are collected "
        "first, then deleted; a failure on one thread does not stop the others, and the exit "
        "status is 1 if any deletion failed (run the command again to retry).",
    )
    p.add_argument("user", type=non_empty, metavar="USER")
    p.add_argument("--dry-run", action="store_true", help="list what would be deleted; delete nothing")
    p.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument(
        "--concurrency",
        type=bounded_int(1, 256),
        default=8,
        metavar="N",
        help="the most requests in flight at once; fewer while the API answers 429 (default 8)",
    )
    p.add_argument("--no-progress", action="store_true", help="never draw the progress bar")
    _add_output_flag(p)

    # --- emulator -----------------------------------------------------------------------------
    p = commands.add_parser(
        "emulator",
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
