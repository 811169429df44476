"""Where the command line writes: data on stdout, messages and the progress bar on stderr.

This module owns ``Console``, the one object every command writes through. It keeps the two
promises the command line makes about output: data (tables, JSON Lines) goes to stdout and nothing
else does, and no message ever shows a secret (the API key is replaced by ``***`` in every line
written to stderr). It also owns the interactive confirmation prompt, the exit-code exceptions
and the table of exit statuses (``EXIT_STATUSES``, shown by ``--help``).

It decides, once per stream, the two things that depend on where the output goes:

* **Colour** (``Console.paint``): only on a terminal, and never when ``NO_COLOR`` is set to
  a non-empty value (https://no-color.org) or ``TERM`` is ``dumb``; ``FORCE_COLOR`` set to a
  non-empty value turns it on off a terminal too (for ``less -R`` or a CI log). ``NO_COLOR`` wins
  over ``FORCE_COLOR``: it is the user's standing request for plain text.
* **Width** (``Console.table_width``): a terminal's own width (``COLUMNS`` overrides it, as
  it does for Python's ``shutil.get_terminal_size``); off a terminal, ``COLUMNS`` if it is set,
  and otherwise no limit, so that ``chatkit-async threads list > threads.txt`` keeps every title
  whole.

It never decides what a table or a bar looks like (``_format``, ``_progress``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import orjson

__all__ = [
    "EXIT_ABORTED",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NO_KEY",
    "EXIT_OK",
    "EXIT_STATUSES",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "CLIError",
    "Console",
    "Terminated",
    "UsageError",
]

EXIT_OK = 0
"""The command did what was asked."""
EXIT_ERROR = 1
"""An API or connection error, a failed export, or some deletions of a purge failed."""
EXIT_USAGE = 2
"""A bad argument (argparse's own code), or a destructive command without ``--yes`` off a TTY."""
EXIT_NO_KEY = 3
"""No API key: neither ``--api-key`` nor ``OPENAI_API_KEY`` (nor ``--emulator``)."""
EXIT_ABORTED = 4
"""The user answered no to a confirmation prompt; nothing was changed."""
EXIT_INTERRUPTED = 130
"""Interrupted with Ctrl-C (128 + SIGINT, as shells report it)."""
EXIT_TERMINATED = 143
"""Stopped by SIGTERM (128 + SIGTERM), after the same clean-up as Ctrl-C."""

EXIT_STATUSES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success"),
    (
        EXIT_ERROR,
        "an API or connection error, a failed export or mirror, or a purge where some "
        "deletions failed",
    ),
    (
        EXIT_USAGE,
        "a bad argument, or a destructive command without --yes when stdin is not a terminal",
    ),
    (EXIT_NO_KEY, "no API key (neither --api-key nor OPENAI_API_KEY, and no --emulator)"),
    (EXIT_ABORTED, "a confirmation was declined; nothing was changed"),
    (EXIT_INTERRUPTED, "interrupted with Ctrl-C"),
    (EXIT_TERMINATED, "stopped by SIGTERM, after the same clean-up as Ctrl-C"),
)
"""Every exit status and its meaning, in the order ``--help`` lists them."""

_JSON_OPTIONS = orjson.OPT_APPEND_NEWLINE

_SGR = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33"}
"""The ANSI colours and attributes the command line uses, by name."""
_RESET = "\x1b[0m"


class CLIError(Exception):
    """An error the command line reports as one ``error: ...`` line and an exit code.

    Attributes:
        message: The text after ``error:``.
        exit_code: The process's exit status.
    """

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        """Create the error.

        Args:
            message: The text after ``error:``.
            exit_code: The process's exit status.
        """
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


class UsageError(CLIError):
    """A bad combination of arguments, reported with exit code 2 like argparse's own errors."""

    def __init__(self, message: str) -> None:
        """Create the error.

        Args:
            message: The text after ``error:``.
        """
        super().__init__(message, EXIT_USAGE)


class Terminated(Exception):
    """The run was stopped by SIGTERM; like ``KeyboardInterrupt`` for Ctrl-C, it ends the run
    after the command's clean-up, with ``EXIT_TERMINATED``."""


def one_line(text: str) -> str:
    """Collapse ``text`` to a single line (messages must never span lines)."""
    return " ".join(text.split())


def colour_wanted(is_tty: bool, environ: Mapping[str, str]) -> bool:
    """Whether to colour a stream: see the module documentation for the rules.

    Args:
        is_tty: Whether the stream is a terminal.
        environ: The environment (``NO_COLOR``, ``FORCE_COLOR``, ``TERM``).
    """
    if environ.get("NO_COLOR", ""):
        return False
    if environ.get("FORCE_COLOR", ""):
        return True
    return is_tty and environ.get("TERM", "") != "dumb"


def _columns_from(environ: Mapping[str, str]) -> int | None:
    """``COLUMNS`` as a positive integer, or ``None`` when unset or not a number."""
    try:
        columns = int(environ.get("COLUMNS", ""), 10)
    except ValueError:
        return None
    return columns if columns > 0 else None


class Console:
    """The streams of one command-line run, with secret scrubbing, colour and width.

    Args:
        stdout: Where data goes (tables, JSON Lines, reports).
        stderr: Where messages, prompts and the progress bar go.
        stdin: Where confirmations are read from.
        secrets: Strings that must never be written to stderr (the API key); each is replaced
            by ``***``.
        environ: The environment to read ``NO_COLOR``, ``FORCE_COLOR``, ``TERM`` and
            ``COLUMNS`` from (default: the process's).
    """

    def __init__(
        self,
        stdout: TextIO,
        stderr: TextIO,
        stdin: TextIO,
        secrets: Iterable[str] = (),
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)
        self._environ: Mapping[str, str] = os.environ if environ is None else environ
        self.colour_stdout = colour_wanted(self._isatty(stdout), self._environ)
        """Whether data on stdout (table headers, thread statuses) is coloured."""
        self.colour_stderr = colour_wanted(self._isatty(stderr), self._environ)
        """Whether messages on stderr (``error:``, ``warning:``) are coloured."""

    def add_secret(self, secret: str) -> None:
        """Scrub ``secret`` from every later message as well."""
        if secret and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def scrub(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    @staticmethod
    def _isatty(stream: TextIO) -> bool:
        try:
            return bool(stream.isatty())
        except (AttributeError, ValueError):  # a closed or exotic stream
            return False

    @property
    def stdout_is_tty(self) -> bool:
        """Whether stdout is a terminal."""
        return self._isatty(self.stdout)

    @property
    def stderr_is_tty(self) -> bool:
        """Whether stderr is a terminal (the progress bar is drawn only then)."""
        return self._isatty(self.stderr)

    @property
    def stdin_is_tty(self) -> bool:
        """Whether stdin is a terminal (confirmation prompts are asked only then)."""
        return self._isatty(self.stdin)

    @staticmethod
    def _terminal_columns(stream: TextIO) -> int | None:
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):  # not a terminal, or no file descriptor
            return None
        return columns if columns > 0 else None

    def table_width(self) -> int | None:
        """The columns a table on stdout may use, or ``None`` for no limit.

        ``COLUMNS`` if set; otherwise the terminal's width when stdout is a terminal (80 if it
        cannot be read), and no limit when it is not (a file or a pipe keeps every cell whole).
        """
        columns = _columns_from(self._environ)
        if columns is not None:
            return columns
        if not self.stdout_is_tty:
            return None
        return self._terminal_columns(self.stdout) or 80

    def stderr_width(self) -> int:
        """The columns of the terminal on stderr (``COLUMNS`` first; 80 if unknown)."""
        return _columns_from(self._environ) or self._terminal_columns(self.stderr) or 80

    def paint(self, text: str, style: str | None, *, stderr: bool = False) -> str:
        """Wrap ``text`` in the ANSI codes of ``style`` if that stream is coloured.

        Args:
            text: The visible text (its width is unchanged by the codes).
            style: ``"red"``, ``"green"``, ``"yellow"``, ``"dim"``, ``"bold"``, or ``None``.
            stderr: Paint for stderr (messages) instead of stdout (data).

        Returns:
            ``text``, coloured or unchanged.
        """
        enabled = self.colour_stderr if stderr else self.colour_stdout
        if not enabled or not style or not text:
            return text
        return f"\x1b[{_SGR[style]}m{text}{_RESET}"

    # --- stdout: data ---------------------------------------------------------------------------

    def line(self, text: str = "") -> None:
        """Write one line of human-readable output to stdout."""
        self.stdout.write(text + "\n")

    def json(self, obj: Any) -> None:
        """Write one JSON value as a line of JSON Lines (UTF-8) to stdout."""
        data = orjson.dumps(obj, option=_JSON_OPTIONS)
        buffer = getattr(self.stdout, "buffer", None)
        if buffer is not None:
            self.stdout.flush()
            buffer.write(data)
        else:
            self.stdout.write(data.decode())

    def flush(self) -> None:
        """Flush stdout (and its byte buffer)."""
        self.stdout.flush()

    # --- stderr: messages -----------------------------------------------------------------------

    def note(self, text: str) -> None:
        """Write one message line to stderr (secrets scrubbed)."""
        self.stderr.write(self.scrub(text) + "\n")
        self.stderr.flush()

    def error(self, text: str) -> None:
        """Write ``error: <text>`` as exactly one line to stderr (secrets scrubbed).

        ``error:`` is red when stderr is coloured (see the module documentation).
        """
        self.note(self.paint("error:", "red", stderr=True) + " " + one_line(self.scrub(text)))

    def warning(self, text: str) -> None:
        """Write ``warning: <text>`` as exactly one line to stderr (secrets scrubbed).

        ``warning:`` is yellow when stderr is coloured. A warning never changes the exit status.
        """
        self.note(self.paint("warning:", "yellow", stderr=True) + " " + one_line(self.scrub(text)))

    def confirm(self, question: str, *, assume_yes: bool, what: str) -> bool:
        """Ask a yes/no question before a destructive action.

        Args:
            question: The question, e.g. ``"Delete thread cthr_1?"``.
            assume_yes: ``--yes`` was given: answer yes without asking.
            what: What would be done, for the refusal message (``"delete threads"``).

        Returns:
            Whether the user answered yes.

        Raises:
            UsageError: stdin is not a terminal and ``--yes`` was not given.
        """
        if assume_yes:
            return True
        if not self.stdin_is_tty:
            raise UsageError(f"refusing to {what} without --yes (stdin is not a terminal)")
        self.stderr.write(self.scrub(question) + " [y/N] ")
        self.stderr.flush()
        answer = self.stdin.readline()
        if not answer:  # end of input
            self.stderr.write("\n")
        return answer.strip().lower() in ("y", "yes")
