"""Hooks of the documentation build (``mkdocs.yml`` names this file under ``hooks``).

The Markdown sources mark every executable sample with a first line such as ``# runnable`` so that
the test suite runs it (see ``tests/e2e/test_docs_samples.py``). Readers need not see that line: it is
removed from the rendered page, and the source keeps it.
"""

from __future__ import annotations

import re
from typing import Any

_MARKER_LINE = re.compile(
    r"^(?P<fence>[ \t]*```python[^\n]*\n)[ \t]*# runnable(?:-pytest|-notebook)?[ \t]*\n",
    re.MULTILINE,
)


def on_page_markdown(markdown: str, **kwargs: Any) -> str:
    """Drop the ``# runnable...`` marker line from the top of each Python sample."""
    return _MARKER_LINE.sub(r"\g<fence>", markdown)
