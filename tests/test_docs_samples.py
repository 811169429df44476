"""The documentation's code samples run, and the documentation site builds.

Convention: a fenced ```` ```python ```` block in ``README.md`` or ``docs/*.md`` whose first line is
exactly ``# runnable`` is a complete program. Each one is run here in a fresh interpreter (a
subprocess, with a timeout) whose ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at a started
:class:`~chatkit_async.testing.ChatKitEmulator` seeded with the demo data. Blocks without the marker
are fragments and are not run. A sample may also start its own emulator.

A block whose first line is ``# runnable-pytest`` is a test module: it is run by pytest (with the
``chatkit_emulator`` fixture plugin) in a fresh interpreter and must pass with at least one test.

The site itself is built with ``mkdocs build --strict`` into a temporary directory; any warning
(a broken link, a bad cross-reference) fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chatkit_async.testing import ChatKitEmulator

ROOT = Path(__file__).resolve().parent.parent
MARKER = "# runnable"
PYTEST_MARKER = "# runnable-pytest"
_FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _doc_files() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _samples(marker: str = MARKER) -> list[pytest.ParameterSet]:
    params = []
    for path in _doc_files():
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            code = match.group(1)
            if code.splitlines()[:1] != [marker]:
                continue
            line = text.count("\n", 0, match.start()) + 1
            name = f"{path.relative_to(ROOT)}:{line}"
            params.append(pytest.param(code, id=name))
    return params


SAMPLES = _samples()
PYTEST_SAMPLES = _samples(PYTEST_MARKER)


def test_there_are_runnable_samples() -> None:
    """The docs keep their executable samples (a guard against the marker silently vanishing)."""
    assert len(SAMPLES) >= 10
    assert len(PYTEST_SAMPLES) >= 2


@pytest.mark.parametrize("code", PYTEST_SAMPLES)
def test_pytest_sample_passes(code: str, tmp_path: Path) -> None:
    """Test modules shown in the docs pass under pytest with the emulator fixture."""
    (tmp_path / "test_sample.py").write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-W", "error", "-p", "anyio", "test_sample.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert " passed" in result.stdout


@pytest.mark.parametrize("code", SAMPLES)
def test_sample_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A complete program from the docs runs against the emulator without error or warning."""
    script = tmp_path / "sample.py"
    script.write_text(code, encoding="utf-8")
    with ChatKitEmulator() as emulator:
        assert emulator.api_key is not None
        monkeypatch.setenv("OPENAI_BASE_URL", emulator.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", emulator.api_key)
        for name in ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
            monkeypatch.delenv(name, raising=False)
        result = subprocess.run(
            [sys.executable, "-W", "error", str(script)],
            cwd=tmp_path,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    """The docs site builds with --strict: no broken links, no docstring warnings."""
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "reference" / "index.html").is_file()
