"""The docs' code blocks fit the code column of the docs site: 80 characters a line.

Wider lines make readers scroll sideways. Every line inside a fenced code block (```` ``` ```` or
``~~~``, at any indentation) of ``README.md`` and ``docs/*.md`` must be at most 80 characters long,
counted as Python counts a ``str`` (so ``…`` is one).

The one exemption: a block whose language (the first word after the opening fence) is ``text``
or ``console``. Such a block reproduces what a program prints (log lines, a terminal session),
which is shown exactly as printed rather than rewrapped. Every other block (``python``, ``py``,
``bash``, ``sql``, or no language at all) is held to the limit, whatever marker it carries.

A file a block pulls in whole with ``--8<-- "path"`` (``examples/*.py`` on the web-backend page)
is shown as a code block too, so each of its lines is held to the same limit.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WIDTH = 80
EXEMPT_LANGUAGES = frozenset({"text", "console"})
_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def _doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _too_wide(path: Path) -> list[str]:
    """``file:line (length)`` for each line wider than ``WIDTH`` inside a fenced code block."""
    found = []
    fence = ""
    exempt = False
    opened_at = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not fence:
            match = _OPEN.match(line)
            if match:
                fence = match["fence"]
                words = match["info"].strip().lstrip("{").split()
                language = words[0].lstrip(".").lower() if words else ""
                exempt = language in EXEMPT_LANGUAGES
                opened_at = number
            continue
        stripped = line.strip()
        if stripped.startswith(fence) and stripped.strip(fence[0]) == "":
            fence = ""
            continue
        if not exempt and len(line) > WIDTH:
            found.append(f"{path.relative_to(ROOT)}:{number} ({len(line)})")
    assert not fence, f"{path.relative_to(ROOT)}:{opened_at}: a code block is never closed"
    return found


def test_there_are_docs_to_check() -> None:
    """A guard against the glob finding nothing (and the width test passing vacuously)."""
    files = _doc_files()
    assert (ROOT / "README.md").is_file()
    assert len(files) >= 10


_SNIPPET = re.compile(r'^\s*--8<--\s+"(?P<path>[^"]+)"\s*$', re.MULTILINE)


def test_included_files_fit_the_code_column() -> None:
    """Every file a page includes with ``--8<--`` fits the column too."""
    included = sorted(
        {m["path"] for path in _doc_files() for m in _SNIPPET.finditer(path.read_text("utf-8"))}
    )
    assert "examples/fastapi_app.py" in included, included
    too_wide = [
        f"{name}:{number} ({len(line)})"
        for name in included
        for number, line in enumerate((ROOT / name).read_text("utf-8").splitlines(), 1)
        if len(line) > WIDTH
    ]
    assert too_wide == [], f"included lines wider than {WIDTH} characters: {too_wide}"


def test_code_blocks_fit_the_code_column() -> None:
    """No line of a non-exempt fenced code block is wider than 80 characters."""
    too_wide = [entry for path in _doc_files() for entry in _too_wide(path)]
    assert too_wide == [], f"code lines wider than {WIDTH} characters: {too_wide}"
