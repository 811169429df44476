"""A small progress bar on stderr for long commands (``export``, ``mirror``, ``purge-user``).

This module owns ``Progress``. It draws on one terminal line, redrawn in place with ``\\r``
at most ten times a second, and only when it is enabled (the command line enables it when stderr
is a terminal). The total may be unknown at first (threads are counted as the listing streams
in); until it is known the line shows counts and a rate instead of a bar, and no ETA.

The ETA is the work left divided by the recent rate: units finished over the last
``RATE_WINDOW`` seconds, counted from the first unit finished, so time spent before any work
(listing, a confirmation prompt) does not make it too pessimistic, and a stall makes it vanish
rather than lie. When the line does not fit the terminal, the least useful parts go first: the
extra counts, then the rate, the elapsed time, the bar (the percentage stays), and last the ETA.

It never decides whether to draw (the caller does) and never writes anywhere but its stream.
"""

from __future__ import annotations

import math
import shutil
import time
from collections import deque
from collections.abc import Callable
from typing import TextIO

__all__ = ["RATE_WINDOW", "Progress", "format_duration"]

_MIN_INTERVAL = 0.1
_CLEAR_LINE = "\r\x1b[K"
RATE_WINDOW = 20.0
"""Seconds of recent progress the rate and the ETA are measured over."""
_SAMPLE_EVERY = 0.25  # seconds between two samples of the rate
_MIN_SPAN = 1.0  # seconds of progress needed before a rate (and an ETA) is shown
_BAR_MIN, _BAR_MAX = 10, 40


def format_duration(seconds: float) -> str:
    """A short duration: ``42s``, ``3m05s``, ``1h02m``."""
    total = max(round(seconds), 0)
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _default_columns() -> int:
    return shutil.get_terminal_size((80, 24)).columns


class Progress:
    """A one-line progress display.

    Args:
        stream: Where to draw (stderr).
        label: What is counted, e.g. ``"threads"``.
        enabled: Draw at all; when ``False`` every method is a no-op.
        columns: Returns the terminal's width, asked at each drawing (default: the terminal
            size Python reports).
        clock: The monotonic clock (a fake one in tests).
    """

    def __init__(
        self,
        stream: TextIO,
        label: str,
        *,
        enabled: bool,
        columns: Callable[[], int] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._stream = stream
        self._label = label
        self.enabled = enabled
        self._columns = columns or _default_columns
        self._clock = clock
        self._start = clock()
        self._last_draw: float | None = None
        self._drawn = False
        self._samples: deque[tuple[float, int]] = deque()
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
        now = self._clock()
        if done is not None and done != self.done:
            # A sample at most every _SAMPLE_EVERY seconds keeps the window small however fast
            # the units finish; the newest count is always self.done.
            if not self._samples or now - self._samples[-1][0] >= _SAMPLE_EVERY:
                self._samples.append((now, done))
            # Keep one sample at or before the window's start, as the base of the rate.
            while len(self._samples) > 1 and self._samples[1][0] <= now - RATE_WINDOW:
                self._samples.popleft()
        if done is not None:
            self.done = done
        if total is not None:
            self.total = total
        if extra is not None:
            self.extra = extra
        if not self.enabled:
            return
        if not force and self._last_draw is not None and now - self._last_draw < _MIN_INTERVAL:
            return
        self._last_draw = now
        self._draw(now)

    def refresh(self) -> None:
        """Redraw a bar already shown, if the last drawing is old enough (for a ticker while no
        progress arrives). Never draws the first frame: that waits for the first progress, so a
        bar does not appear over a confirmation prompt."""
        if self.enabled and self._drawn:
            self.update()

    def rate(self, now: float | None = None) -> float | None:
        """Units per second over the recent window, or ``None`` before it can be measured.

        Args:
            now: The monotonic time to measure at (default: now).
        """
        if now is None:
            now = self._clock()
        if not self._samples:
            return None
        base_time, base_done = self._samples[0]
        for sample in self._samples:  # the newest sample at or before the window's start
            if sample[0] > now - RATE_WINDOW:
                break
            base_time, base_done = sample
        span = now - base_time
        if span < _MIN_SPAN:
            return None
        return (self.done - base_done) / span

    def eta(self, now: float | None = None) -> float | None:
        """Seconds until the total is reached at the recent rate, or ``None`` if unknown.

        Unknown while the total is unknown, before a rate can be measured, and while no unit has
        finished within ``RATE_WINDOW``.

        Args:
            now: The monotonic time to estimate at (default: now).
        """
        if self.total is None:
            return None
        left = self.total - self.done
        if left <= 0:
            return 0.0
        rate = self.rate(now)
        if not rate:
            return None
        return left / rate

    def render(self, now: float | None = None, columns: int | None = None) -> str:
        """The text of the progress line (without the carriage return).

        Args:
            now: The monotonic time to compute the rate at (default: now).
            columns: The terminal width (default: the current terminal's).

        Returns:
            The line, at most ``columns - 1`` characters long.
        """
        if now is None:
            now = self._clock()
        if columns is None:
            columns = self._columns()
        limit = max(columns - 1, 10)
        rate = self.rate(now)  # None until a second of work is behind: no rate shown yet
        eta = self.eta(now)
        counts = f"{self.done:,}" + ("" if self.total is None else f"/{self.total:,}")
        optional = {
            "extra": f", {self.extra}" if self.extra else "",
            "rate": "" if rate is None else f"  {rate:,.1f}/s",
            "elapsed": f"  {format_duration(now - self._start)} elapsed",
            # Rounded up: "ETA 0s" only once it is done.
            "eta": "" if eta is None else f"  ETA {format_duration(math.ceil(eta))}",
        }
        known = self.total is not None and self.total > 0
        fraction = min(self.done / self.total, 1.0) if self.total else 0.0
        head = f"{fraction * 100:5.1f}%" if known else "listing..."
        # The bar's width depends on the terminal only, so it does not jump as the counts grow.
        bar_width = min(_BAR_MAX, max(_BAR_MIN, limit // 4))
        dropped: list[str] = []
        for name in ("", "extra", "rate", "elapsed", "bar", "eta"):
            if name:
                dropped.append(name)
            tail = "".join(text for key, text in optional.items() if key not in dropped)
            line = f"{head} {counts} {self._label}{tail}"
            if not known or "bar" in dropped:
                if len(line) <= limit:
                    return line
                continue
            if len(line) + bar_width + 3 <= limit:  # "[", "]" and a space
                filled = int(fraction * bar_width)
                return f"[{'#' * filled}{'-' * (bar_width - filled)}] {line}"
        return line[:limit]

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
