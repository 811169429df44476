"""Human-readable rendering of models for the command line: tables, dates, statuses, summaries.

This module owns how threads, items and sessions look in a terminal. It is pure (strings in,
strings out). Every cell is made safe for a terminal first: control characters (which could move
the cursor or change colours) become spaces and runs of whitespace collapse to one space.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any

import orjson

from ..types import (
    AssistantMessageItem,
    ChatSession,
    ClientToolCallItem,
    ClosedStatus,
    LockedStatus,
    ResponseOutputText,
    TaskGroupItem,
    TaskItem,
    Thread,
    ThreadItem,
    ThreadStatus,
    UnknownStatus,
    UserMessageInputText,
    UserMessageItem,
    UserMessageQuotedText,
    WidgetItem,
)

__all__ = [
    "ITEM_HEADERS",
    "THREAD_HEADERS",
    "StreamingTable",
    "clean",
    "display_width",
    "format_time",
    "item_row",
    "item_summary",
    "render_fields",
    "render_table",
    "session_fields",
    "short_type",
    "status_text",
    "thread_fields",
    "thread_row",
    "truncate",
]

THREAD_HEADERS = ("ID", "CREATED (UTC)", "USER", "STATUS", "TITLE")
"""Columns of the thread table."""
ITEM_HEADERS = ("ID", "CREATED (UTC)", "TYPE", "SUMMARY")
"""Columns of the item table."""

TITLE_WIDTH = 60
SUMMARY_WIDTH = 80
_ELLIPSIS = "..."


def clean(value: object) -> str:
    """Make a value safe and compact for one table cell.

    Control and other non-printable characters become spaces, and whitespace runs collapse, so a
    cell never spans lines nor sends escape sequences to the terminal.
    """
    text = str(value)
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


def _char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    """The number of terminal columns ``text`` takes (wide East Asian characters count two)."""
    if text.isascii():
        return len(text)
    return sum(_char_width(ch) for ch in text)


def truncate(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` columns, marking a cut with ``...``."""
    if display_width(text) <= width:
        return text
    budget = width - len(_ELLIPSIS)
    out: list[str] = []
    used = 0
    for ch in text:
        w = _char_width(ch)
        if used + w > budget:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + _ELLIPSIS


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def render_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Lay out rows under headers, columns separated by two spaces.

    The last column is not padded, so long titles do not leave trailing blanks.

    Args:
        headers: Column titles.
        rows: Cells, already cleaned (see :func:`clean`).

    Returns:
        The lines of the table, the header first.
    """
    table = [list(headers), *(list(row) for row in rows)]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(headers))]
    lines = []
    for row in table:
        cells = [_pad(cell, widths[i]) for i, cell in enumerate(row[:-1])]
        cells.append(row[-1])
        lines.append("  ".join(cells).rstrip())
    return lines


class StreamingTable:
    """A table printed page by page, as the rows arrive, in a layout fixed by the first page.

    The first non-empty call to :meth:`add` sets each column's width from the headers and the
    rows it gets, and returns the header line with them; later pages use the same widths, so the
    columns line up without waiting for the whole listing. A later cell wider than its column
    is not cut (an id must stay whole): it pushes the rest of its row, still two spaces apart.

    Args:
        headers: Column titles.
    """

    def __init__(self, headers: Sequence[str]) -> None:
        self._headers = list(headers)
        self._widths: list[int] | None = None

    @property
    def started(self) -> bool:
        """Whether any row (and so the header) has been laid out."""
        return self._widths is not None

    def add(self, rows: Sequence[Sequence[str]]) -> list[str]:
        """Lay out one page of rows (cells already cleaned, see :func:`clean`).

        Returns:
            The lines to print: the header first on the first non-empty page.
        """
        if not rows:
            return []
        lines = []
        if self._widths is None:
            table = [self._headers, *rows]
            self._widths = [
                max(display_width(row[i]) for row in table) for i in range(len(self._headers))
            ]
            lines.append(self._layout(self._headers))
        lines.extend(self._layout(row) for row in rows)
        return lines

    def _layout(self, row: Sequence[str]) -> str:
        assert self._widths is not None
        cells = [_pad(cell, width) for cell, width in zip(row[:-1], self._widths, strict=False)]
        cells.append(row[-1])
        return "  ".join(cells).rstrip()


def format_time(unix_seconds: int) -> str:
    """Render unix seconds as ``YYYY-MM-DD HH:MM:SS`` in UTC (the raw number if out of range)."""
    try:
        moment = datetime.fromtimestamp(unix_seconds, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return str(unix_seconds)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def status_text(status: ThreadStatus) -> str:
    """``active``, ``locked (reason)``, ``closed (reason)``, or an unknown status's type."""
    if isinstance(status, (LockedStatus, ClosedStatus)):
        return f"{status.type} ({status.reason})" if status.reason else status.type
    if isinstance(status, UnknownStatus):
        return f"{status.type} (unknown)"
    return status.type


def short_type(item_type: str) -> str:
    """An item type without its ``chatkit.`` prefix (``chatkit.widget`` -> ``widget``)."""
    return item_type.removeprefix("chatkit.")


def thread_row(thread: Thread) -> list[str]:
    """The cells of one thread in the thread table."""
    title = "-" if thread.title is None else truncate(clean(thread.title), TITLE_WIDTH)
    return [
        clean(thread.id),
        format_time(thread.created_at),
        clean(thread.user),
        clean(status_text(thread.status)),
        title,
    ]


def thread_fields(thread: Thread) -> list[tuple[str, str]]:
    """The fields of one thread as label/value pairs (for ``threads get``)."""
    return [
        ("id", clean(thread.id)),
        ("created", format_time(thread.created_at) + " UTC"),
        ("user", clean(thread.user)),
        ("status", clean(status_text(thread.status))),
        ("title", "-" if thread.title is None else clean(thread.title)),
    ]


def _widget_kind(widget: str) -> str:
    try:
        decoded: Any = orjson.loads(widget)
    except orjson.JSONDecodeError:
        return "widget"
    kind = decoded.get("type") if isinstance(decoded, dict) else None
    return f"{kind} widget" if isinstance(kind, str) else "widget"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def item_summary(item: ThreadItem) -> str:
    """A short, one-line description of an item's content."""
    if isinstance(item, UserMessageItem):
        texts = []
        for part in item.content:
            if isinstance(part, UserMessageQuotedText):
                texts.append(f"> {part.text}")
            elif isinstance(part, UserMessageInputText):
                texts.append(part.text)
            else:
                texts.append(f"[{part.type}]")
        text = " ".join(texts)
        if item.attachments:
            text += f" [+{_plural(len(item.attachments), 'attachment')}]"
        return text
    if isinstance(item, AssistantMessageItem):
        return " ".join(
            part.text if isinstance(part, ResponseOutputText) else f"[{part.type}]"
            for part in item.content
        )
    if isinstance(item, WidgetItem):
        return _widget_kind(item.widget)
    if isinstance(item, ClientToolCallItem):
        text = f"{item.name}({item.arguments}) [{item.status}]"
        if item.output is not None:
            text += f" -> {item.output}"
        return text
    if isinstance(item, TaskItem):
        words = [w for w in (item.heading, item.summary) if w]
        return f"[{item.task_type}] " + (": ".join(words) if words else "-")
    if isinstance(item, TaskGroupItem):
        headings = [t.heading or t.summary or t.type for t in item.tasks]
        return _plural(len(item.tasks), "task") + (": " + ", ".join(headings) if headings else "")
    return f"(item type {item.type!r} not known to this version)"


def item_row(item: ThreadItem) -> list[str]:
    """The cells of one item in the item table."""
    return [
        clean(item.id),
        format_time(item.created_at),
        clean(short_type(item.type)),
        truncate(clean(item_summary(item)), SUMMARY_WIDTH),
    ]


def session_fields(session: ChatSession, *, show_secret: bool) -> list[tuple[str, str]]:
    """The fields of a session as label/value pairs; the client secret only when asked."""
    workflow = session.workflow.id
    if session.workflow.version:
        workflow += f" (version {session.workflow.version})"
    secret = session.client_secret if show_secret else "(hidden; use --show-secret or --json)"
    return [
        ("id", clean(session.id)),
        ("user", clean(session.user)),
        ("status", clean(session.status)),
        ("workflow", clean(workflow)),
        ("expires", format_time(session.expires_at) + " UTC"),
        ("rate limit", f"{session.rate_limits.max_requests_per_1_minute} requests/minute"),
        ("client_secret", secret),
    ]


def render_fields(fields: Sequence[tuple[str, str]]) -> list[str]:
    """Lay out label/value pairs as aligned ``label  value`` lines."""
    width = max((len(label) for label, _ in fields), default=0)
    return [f"{label.ljust(width)}  {value}".rstrip() for label, value in fields]
