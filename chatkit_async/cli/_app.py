"""The entry point of ``chatkit-async``: parse, connect, run the command, map errors to exit codes.

This module owns ``main``. Run without arguments, it prints the help to stdout and exits 0,
as ``gh`` does: a bare call is someone asking what the tool can do, not a mistake to report
(argparse's default, a one-line usage error with status 2 on stderr, answers that question with a
complaint, and ``chatkit-async | less`` would show nothing). Any other missing argument, such as
``chatkit-async threads`` without its command, is still a usage error.

Exit statuses (also in ``--help``, from ``_console.EXIT_STATUSES``):

* ``0``: success.
* ``1``: an API or connection error, a failed export or mirror, or a purge where some deletions
  failed.
* ``2``: a bad argument (as argparse), or a destructive command without ``--yes`` when stdin is
  not a terminal.
* ``3``: no API key (neither ``--api-key`` nor ``OPENAI_API_KEY``, and no ``--emulator``).
* ``4``: the user declined a confirmation prompt; nothing was changed.
* ``130``: interrupted with Ctrl-C.
* ``143``: stopped by SIGTERM (after the same clean-up as Ctrl-C: an export keeps its partial file,
  a mirror its committed threads).

Every error is one ``error: ...`` line on stderr, never a traceback, and the API key never appears
in any output.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from .._exceptions import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    ChatKitError,
)
from ._commands import Connection, Context, Handler
from ._console import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NO_KEY,
    EXIT_OK,
    EXIT_TERMINATED,
    CLIError,
    Console,
    Terminated,
    UsageError,
)
from ._parser import build_parser

__all__ = ["main"]

_EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as a shell reports a process killed by a closed pipe


def _secrets_in(argv: Sequence[str]) -> list[str]:
    """The API keys this run could print by mistake: the ``--api-key`` value and the env var."""
    found = [os.environ.get("OPENAI_API_KEY", "")]
    for i, arg in enumerate(argv):
        if arg == "--api-key" and i + 1 < len(argv):
            found.append(argv[i + 1])
        elif arg.startswith("--api-key="):
            found.append(arg.split("=", 1)[1])
    return [s for s in found if s]


def _describe(exc: ChatKitError) -> str:
    """One line for an SDK error, with a hint where one helps."""
    if isinstance(exc, AuthenticationError):
        return f"{exc} (check --api-key or OPENAI_API_KEY)"
    if isinstance(exc, APITimeoutError):
        return f"request timed out: {exc.message} (see --timeout and --max-retries)"
    if isinstance(exc, APIConnectionError):
        return f"cannot reach the API: {exc.message}"
    return str(exc)


@contextmanager
def _connection(
    args: argparse.Namespace, handler: Handler, console: Console
) -> Iterator[Connection | None]:
    """How to reach the API for this run, with an embedded emulator around it if asked."""
    if not handler.uses_api:
        if args.emulator:
            raise UsageError("--emulator cannot be combined with the emulator command")
        yield None
        return
    if args.emulator:
        if args.base_url is not None:
            raise UsageError("--emulator and --base-url cannot be combined")
        if args.api_key is not None:
            console.warning(
                "--api-key is ignored with --emulator (the embedded emulator has its own key)"
            )
        from ..testing import DEFAULT_API_KEY, ChatKitEmulator

        emulator = ChatKitEmulator(
            api_key=DEFAULT_API_KEY,
            seed=args.emulator_seed,
            demo_threads=args.emulator_threads,
            record_requests=False,
        )
        emulator.start()
        try:
            if console.stderr_is_tty:
                console.note(
                    f"(embedded emulator: {args.emulator_threads} demo threads, seed "
                    f"{args.emulator_seed}; changes are discarded on exit)"
                )
            yield Connection(
                api_key=DEFAULT_API_KEY,
                base_url=emulator.base_url,
                timeout=args.timeout,
                max_retries=args.max_retries,
            )
        finally:
            emulator.stop()
        return
    api_key = args.api_key if args.api_key is not None else os.environ.get("OPENAI_API_KEY")
    if not api_key:
        raise CLIError(
            "no API key: set OPENAI_API_KEY or pass --api-key KEY "
            "(or add --emulator to try the command against a local emulator)",
            EXIT_NO_KEY,
        )
    connection = Connection(
        api_key=api_key, base_url=args.base_url, timeout=args.timeout, max_retries=args.max_retries
    )
    connection.client()  # the SDK checks every setting now, before any prompt or request
    yield connection


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``chatkit-async`` with ``argv`` (default: ``sys.argv[1:]``).

    Args:
        argv: The arguments after the program name.

    Returns:
        The exit status (see the module documentation).
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    console = Console(sys.stdout, sys.stderr, sys.stdin, _secrets_in(arguments))
    try:
        parser = build_parser(console)
        if not arguments:
            parser.print_help(console.stdout)
            return EXIT_OK
        try:
            args = parser.parse_args(arguments)
        except SystemExit as exc:  # --help, --version, and usage errors (already reported)
            return exc.code if isinstance(exc.code, int) else EXIT_ERROR
        handler: Handler = args.handler
        with _connection(args, handler, console) as connection:
            status = handler.run(Context(args=args, console=console, connection=connection))
        console.flush()
        return status
    except CLIError as exc:
        console.error(exc.message)
        return exc.exit_code
    except ChatKitError as exc:
        console.error(_describe(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        console.stderr.write("\n")
        console.note("interrupted")
        return EXIT_INTERRUPTED
    except Terminated:
        console.note("terminated")
        return EXIT_TERMINATED
    except BrokenPipeError:
        _silence_stdout()
        return _EXIT_BROKEN_PIPE
    except OSError as exc:
        target = f" {exc.filename}" if exc.filename else ""
        console.error(f"cannot access{target}: {exc.strerror or exc}")
        return EXIT_ERROR
