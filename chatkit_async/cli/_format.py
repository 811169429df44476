"""Human-readable rendering of models for the command line: tables, dates, statuses, summaries.

This module owns how threads, items and sessions look in a terminal. It is pure (strings in,
strings out): where the output goes, how wide it may be and whether it is coloured are decided by
``Console`` and handed in (``width``, ``paint``). Every cell is made safe for a
terminal first: control characters (which could move the cursor or change colours) become spaces
and runs of whitespace collapse to one space.

Tables fit a width when one is given: free text (a title, a status's reason, an item's summary)
is cut with ``...``, and a date loses its seconds and then its time of day, in the order each
table's ``TableSpec`` says. Thread and item ids and item types are never cut, since they are
what a user copies into the next command; a user is cut only as a last resort, when the other
columns are down to their floors. A table fits as long as the cells never cut and the floors of
the others do; a narrower terminal wraps the lines rather than lose an id. Colour is applied
after a cell is cut and padded, so escape codes never count towards a column's width.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
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
    "ITEM_TABLE",
    "THREAD_TABLE",
    "Column",
    "Paint",
    "StreamingTable",
    "TableSpec",
    "clean",
    "cut_status",
    "cut_time",
    "display_width",
    "fit_widths",
    "format_time",
    "item_row",
    "item_summary",
    "render_fields",
    "render_table",
    "session_fields",
    "short_type",
    "status_style",
    "status_text",
    "thread_fields",
    "thread_row",
    "truncate",
]

_ELLIPSIS = "..."
_GAP = "  "

Paint = Callable[[str, "str | None"], str]
"""Colours a cell's visible text with a style name (``"green"``...), or returns it unchanged."""


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


def status_style(text: str) -> str:
    """The colour of a status cell, from its text: active green, locked yellow, closed red, and
    any status this version does not know dim."""
    kind = text.split(" ", 1)[0]
    return {"active": "green", "locked": "yellow", "closed": "red"}.get(kind, "dim")


def cut_status(text: str, width: int) -> str:
    """Cut a status cell: its reason goes first (``locked (Under re...``), its type never."""
    if display_width(text) <= width:
        return text
    kind = text.split(" ", 1)[0]
    if width >= display_width(kind) + 2 + len(_ELLIPSIS) + 3:  # room for some of the reason
        return truncate(text, width)
    return kind


def cut_time(text: str, width: int) -> str:
    """Cut a ``YYYY-MM-DD HH:MM:SS`` cell: the seconds go first, then the time of day."""
    if display_width(text) <= width:
        return text
    day, _, clock = text.partition(" ")
    if clock and width >= len(day) + 6:
        return f"{day} {clock[:5]}"
    return day


@dataclass(frozen=True)
class Column:
    """One column of a table.

    Attributes:
        header: The column's title.
        style: Picks a cell's colour from its visible text (``None``: never coloured).
        cut: Shortens a cell to a width; used only for the columns a ``TableSpec`` lets
            shrink.
        push: For an identifier that is cut only as a last resort: a cell on a later page
            wider than the column pushes the rest of its row (while the row fits) instead of
            being cut to the column's width, as free text is.
    """

    header: str
    style: Callable[[str], str | None] | None = None
    cut: Callable[[str, int], str] = truncate
    push: bool = False


@dataclass(frozen=True)
class TableSpec:
    """The columns of a table and how it shrinks to fit a width.

    Attributes:
        columns: The columns, left to right.
        shrink: Steps ``(column index, floor)`` applied in order until the table fits: each cuts
            that column down to no less than ``floor`` columns (or its header's width). A column
            not named here is never cut.
    """

    columns: tuple[Column, ...]
    shrink: tuple[tuple[int, int], ...] = ()

    @classmethod
    def plain(cls, headers: Sequence[str]) -> TableSpec:
        """A table of plain columns that never shrink."""
        return cls(tuple(Column(h) for h in headers))

    @property
    def headers(self) -> list[str]:
        """The column titles."""
        return [c.header for c in self.columns]

    def floor(self, index: int) -> int | None:
        """The narrowest a column may be cut to, or ``None`` if it is never cut."""
        floors = [f for i, f in self.shrink if i == index]
        if not floors:
            return None
        return max(min(floors), display_width(self.columns[index].header))


THREAD_TABLE = TableSpec(
    (
        Column("ID"),
        Column("CREATED (UTC)", cut=cut_time),
        Column("USER", push=True),
        Column("STATUS", style=status_style, cut=cut_status),
        Column("TITLE"),
    ),
    # Titles give way first, but only down to a readable length; then a status's reason, the
    # seconds and the time of day of the date; then the title again, to a last few words; and
    # only then, rather than wrap every line, a long user.
    shrink=((4, 24), (3, 6), (1, 16), (1, 10), (4, 10), (2, 12)),
)
"""The thread table: ``threads list`` and ``purge-user --dry-run``."""

ITEM_TABLE = TableSpec(
    (
        Column("ID"),
        Column("CREATED (UTC)", cut=cut_time),
        Column("TYPE"),
        Column("SUMMARY"),
    ),
    shrink=((3, 24), (1, 16), (1, 10), (3, 10)),
)
"""The item table of ``threads items``."""


def fit_widths(spec: TableSpec, natural: Sequence[int], width: int | None) -> list[int]:
    """Column widths that fit ``width``, following the table's shrink steps.

    Args:
        spec: The table.
        natural: Each column's widest cell (header included).
        width: The columns available, or ``None`` for no limit.

    Returns:
        The widths; their sum plus the gaps exceeds ``width`` only when even the floors do not
        fit (ids are never cut, so a very narrow terminal wraps).
    """
    widths = list(natural)
    if width is None:
        return widths
    excess = sum(widths) + len(_GAP) * (len(widths) - 1) - width
    for index, floor in spec.shrink:
        if excess <= 0:
            break
        least = max(floor, display_width(spec.columns[index].header))
        cut = min(excess, max(widths[index] - least, 0))
        widths[index] -= cut
        excess -= cut
    return widths


class _Layout:
    """Lays out rows in fixed column widths, cutting and colouring cells.

    Args:
        spec: The table.
        natural: Each column's widest cell on the page that set the layout.
        width: The columns available, or ``None`` for no limit.
        paint: Colours cells, or ``None``.
    """

    def __init__(
        self,
        spec: TableSpec,
        natural: Sequence[int],
        width: int | None,
        paint: Paint | None,
    ) -> None:
        self._spec = spec
        self._widths = fit_widths(spec, natural, width)
        self._width = width
        self._paint = paint
        # A column the fit had to narrow cuts every wider cell to its width, on any page.
        self._narrowed = [w < n for w, n in zip(self._widths, natural, strict=True)]

    def header(self) -> str:
        return self._line(self._spec.headers, header=True)

    def row(self, cells: Sequence[str]) -> str:
        return self._line(cells, header=False)

    def _spans(self, cells: Sequence[str]) -> list[int]:
        """The columns each cell of a row occupies (the last one's: at most)."""
        spec = self._spec
        last = len(spec.columns) - 1
        spans = [display_width(cell) for cell in cells]
        for index in range(last):
            column = spec.columns[index]
            may_cut = self._width is not None and spec.floor(index) is not None
            if may_cut and (not column.push or self._narrowed[index]):
                spans[index] = self._widths[index]  # cut to the column: the row stays aligned
            else:
                spans[index] = max(spans[index], self._widths[index])  # pushes the row if wider
        last_floor = spec.floor(last)
        if self._width is None or last_floor is None:
            return spans
        room = self._width - sum(spans[:last]) - len(_GAP) * last
        # A pushed row (it no longer lines up anyway): the other cells that may be cut give room
        # back to the last column, in the table's shrink order, until it has its floor.
        for index, floor in spec.shrink:
            if room >= last_floor:
                break
            if index == last:
                continue
            least = max(floor, display_width(spec.columns[index].header))
            give = min(last_floor - room, max(spans[index] - least, 0))
            spans[index] -= give
            room += give
        spans[last] = min(spans[last], max(room, last_floor))
        return spans

    def _line(self, cells: Sequence[str], *, header: bool) -> str:
        spec = self._spec
        last = len(spec.columns) - 1
        if header:  # headers are never cut: the natural widths include them
            spans = [max(display_width(c), w) for c, w in zip(cells, self._widths, strict=True)]
        else:
            spans = self._spans(cells)
        pieces: list[str] = []
        for index, (cell, column) in enumerate(zip(cells, spec.columns, strict=True)):
            text = cell
            if not header and display_width(text) > spans[index]:
                text = column.cut(text, spans[index])
            style = "bold" if header else (column.style(text) if column.style else None)
            painted = self._paint(text, style) if self._paint is not None and style else text
            if index < last:
                painted += " " * max(spans[index] - display_width(text), 0)
            pieces.append(painted)
        return _GAP.join(pieces).rstrip()


def render_table(
    spec: TableSpec | Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    width: int | None = None,
    paint: Paint | None = None,
) -> list[str]:
    """Lay out rows under headers, columns separated by two spaces.

    The last column is not padded, so long titles do not leave trailing blanks.

    Args:
        spec: The table (or just its headers, for columns that never shrink).
        rows: Cells, already cleaned (see ``clean``).
        width: Fit the lines in this many columns (see ``TableSpec``); ``None``: no limit.
        paint: Colours cells (see ``Paint``); ``None``: no colour.

    Returns:
        The lines of the table, the header first.
    """
    if not isinstance(spec, TableSpec):
        spec = TableSpec.plain(spec)
    body = [list(row) for row in rows]
    table = [spec.headers, *body]
    natural = [max(display_width(row[i]) for row in table) for i in range(len(spec.columns))]
    layout = _Layout(spec, natural, width, paint)
    return [layout.header(), *(layout.row(row) for row in body)]


class StreamingTable:
    """A table printed page by page, as the rows arrive, in a layout fixed by the first page.

    The first non-empty call to ``add`` sets each column's width from the headers and the
    rows it gets (fitted to ``width``), and returns the header line with them; later pages use
    the same widths, so the columns line up without waiting for the whole listing. A later cell
    wider than its column is cut if its column may shrink; otherwise (an id must stay whole) it
    pushes the rest of its row, and the last column gives up the room, so the line still fits.

    Args:
        spec: The table (or just its headers).
        width: Fit the lines in this many columns; ``None``: no limit.
        paint: Colours cells; ``None``: no colour.
    """

    def __init__(
        self,
        spec: TableSpec | Sequence[str],
        *,
        width: int | None = None,
        paint: Paint | None = None,
    ) -> None:
        self._spec = spec if isinstance(spec, TableSpec) else TableSpec.plain(spec)
        self._width = width
        self._paint = paint
        self._layout: _Layout | None = None

    @property
    def started(self) -> bool:
        """Whether any row (and so the header) has been laid out."""
        return self._layout is not None

    def add(self, rows: Sequence[Sequence[str]]) -> list[str]:
        """Lay out one page of rows (cells already cleaned, see ``clean``).

        Returns:
            The lines to print: the header first on the first non-empty page.
        """
        if not rows:
            return []
        lines = []
        if self._layout is None:
            spec = self._spec
            table = [spec.headers, *rows]
            natural = [max(display_width(row[i]) for row in table) for i in range(len(spec.columns))]
            self._layout = _Layout(spec, natural, self._width, self._paint)
            lines.append(self._layout.header())
        lines.extend(self._layout.row(row) for row in rows)
        return lines


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
    title = "-" if thread.title is None else clean(thread.title)
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
        clean(item_summary(item)),
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


def render_fields(
    fields: Sequence[tuple[str, str]],
    *,
    styles: Mapping[str, Callable[[str], str | None]] | None = None,
    paint: Paint | None = None,
) -> list[str]:
    """Lay out label/value pairs as aligned ``label  value`` lines.

    Args:
        fields: The pairs, values already cleaned.
        styles: Picks the colour of the value of some labels (e.g. ``status``) from its text.
        paint: Colours values; ``None``: no colour.
    """
    width = max((len(label) for label, _ in fields), default=0)
    lines = []
    for label, value in fields:
        pick = None if styles is None else styles.get(label)
        if pick is not None and paint is not None and value:
            value = paint(value, pick(value))
        lines.append(f"{label.ljust(width)}  {value}".rstrip())
    return lines
