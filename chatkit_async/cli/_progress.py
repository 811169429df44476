"""A small progress bar on stderr for long commands (``export``, ``mirror``, ``purge-user``).

This module owns :class:`Progress`. It draws on one terminal line, redrawn in place with ``\\r``
at most ten times a second, and only when it is enabled (the command line enables it when stderr
is a terminal). The total may be unknown at first (threads are counted as the listing streams
in); until it is known the line shows counts and a rate instead of a bar.
"""

from __future__ import annotations

import shutil
import time
from typing import TextIO

__all__ = ["Progress"]

_MIN_INTERVAL = 0.1
_CLEAR_LINE = "\r\x1b[K"


class Progress:
    """A one-line progress display.

    Args:
        stream: Where to draw (stderr).
        label: What is counted, e.g. ``"threads"``.
        enabled: Draw at all; when ``False`` every method is a no-op.
    """

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        enabled: bool,
    ) -> None:
        self._stream = stream
        self._label = label
        self.enabled = enabled
        self._start = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False
        self.done = 0
        self.total: int | None = None
        self.extra = ""

    def update(
        self,
        *,
        done: int | None = None,
        total: int | None = None,
        extra: str | None = None,
        force: bool = False,
    ) -> None:
        """Record progress and redraw if the last drawing is old enough.

        Args:
            done: Units finished so far.
            total: Total units, once known.
            extra: A short text shown after the counts (e.g. ``"1,204 items"``).
            force: Redraw now regardless of the rate limit.
        """
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if extra is not None:
            self.extra = extra
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._last_draw < _MIN_INTERVAL:
            return
        self._last_draw = now
        self._draw(now)

    def render(self, now: float | None = None, columns: int | None = None) -> str:
        """The text of the progress line (without the carriage return).

        Args:
            now: The monotonic time to compute the rate at (default: now).
            columns: The terminal width (default: the current terminal's).

        Returns:
            The line, at most ``columns - 1`` characters long.
        """
        if now is None:
            now = time.monotonic()
        if columns is None:
            columns = shutil.get_terminal_size((80, 24)).columns
        elapsed = max(now - self._start, 1e-9)
        rate = self.done / elapsed
        counts = f"{self.done:,}"
        if self.total is not None:
            counts += f"/{self.total:,}"
        tail = f" {counts} {self._label}"
        if self.extra:
            tail += f", {self.extra}"
        tail += f"  {rate:,.1f}/s  {elapsed:,.1f}s"
        if self.total is None or self.total <= 0:
            line = "listing..." + tail
        else:
            fraction = min(self.done / self.total, 1.0)
            percent = f"{fraction * 100:5.1f}%"
            bar_width = max(10, min(40, columns - len(tail) - len(percent) - 4))
            filled = int(fraction * bar_width)
            bar = "#" * filled + "-" * (bar_width - filled)
            line = f"[{bar}] {percent}{tail}"
        return line[: max(columns - 1, 10)]

    def _draw(self, now: float) -> None:
        self._stream.write(_CLEAR_LINE + self.render(now))
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Erase the progress line (so later messages start on a clean line)."""
        if self.enabled and self._drawn:
            self._stream.write(_CLEAR_LINE)
            self._stream.flush()
            self._drawn = False
