"""Where the command line writes: data on stdout, messages and the progress bar on stderr.

This module owns :class:`Console`, the one object every command writes through. It keeps the two
promises the command line makes about output: data (tables, JSON Lines) goes to stdout and nothing
else does, and no message ever shows a secret (the API key is replaced by ``***`` in every line
written to stderr). It also owns the interactive confirmation prompt and the exit-code exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TextIO

import orjson

__all__ = [
    "EXIT_ABORTED",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NO_KEY",
    "EXIT_OK",
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

_JSON_OPTIONS = orjson.OPT_APPEND_NEWLINE


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
    after the command's clean-up, with :data:`EXIT_TERMINATED`."""


def one_line(text: str) -> str:
    """Collapse ``text`` to a single line (messages must never span lines)."""
    return " ".join(text.split())


class Console:
    """The streams of one command-line run, with secret scrubbing.

    Args:
        stdout: Where data goes (tables, JSON Lines, reports).
        stderr: Where messages, prompts and the progress bar go.
        stdin: Where confirmations are read from.
        secrets: Strings that must never be written to stderr (the API key); each is replaced
            by ``***``.
    """

    def __init__(
        self, stdout: TextIO, stderr: TextIO, stdin: TextIO, secrets: Iterable[str] = ()
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self._secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

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
    def stderr_is_tty(self) -> bool:
        """Whether stderr is a terminal (the progress bar is drawn only then)."""
        return self._isatty(self.stderr)

    @property
    def stdin_is_tty(self) -> bool:
        """Whether stdin is a terminal (confirmation prompts are asked only then)."""
        return self._isatty(self.stdin)

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
        """Write ``error: <text>`` as exactly one line to stderr (secrets scrubbed)."""
        self.note("error: " + one_line(self.scrub(text)))

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
