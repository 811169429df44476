"""What the command-line tests share: how to start the CLI, its environment, and a run's outcome."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_SCRIPT = Path(sys.executable).parent / ("chatkit-async.exe" if os.name == "nt" else "chatkit-async")
#: The installed console script, or ``python -m chatkit_async`` where there is none.
CLI: list[str] = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "chatkit_async"]

_API_SETTINGS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID")
_TERMINAL_SETTINGS = ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TERM")


def cli_env(extra: dict[str, str] | None = None, *, terminal: bool = False) -> dict[str, str]:
    """The environment of a run: none of the API settings of the machine running the tests,
    warnings shown (so an unclosed session reaches stderr), UTF-8 output.

    Tables are 200 columns wide so that nothing is truncated; with ``terminal=True`` every width
    and colour setting is removed instead, for the tests of those settings to set their own.
    ``extra`` is applied last.
    """
    drop = _API_SETTINGS + (_TERMINAL_SETTINGS if terminal else ())
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONWARNINGS"] = "default"
    env["PYTHONIOENCODING"] = "utf-8"
    if not terminal:
        env["COLUMNS"] = "200"
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class Result:
    """The outcome of one command-line run (``args``: what it was given, where it matters)."""

    code: int
    out: str
    err: str
    args: tuple[str, ...] = ()

    def json_lines(self) -> list[Any]:
        """stdout as JSON Lines."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]
