"""The documentation's code samples run, and the documentation site builds.

Convention: a fenced ```` ```python ```` block in ``README.md`` or ``docs/*.md`` whose first line is
exactly ``# runnable`` is a complete program. Each one is run here in a fresh interpreter (a
subprocess, with a timeout) whose ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` point at a started
:class:`~chatkit_async.testing.ChatKitEmulator` seeded with the demo data. Blocks without the marker
are fragments and are not run. A sample may also start its own emulator.

A block whose first line is ``# runnable-notebook`` uses notebook syntax (top-level ``await``): it
runs as a cell on a real ipykernel, with the same environment.

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

ROOT = Path(__file__).resolve().parents[2]
MARKER = "# runnable"
PYTEST_MARKER = "# runnable-pytest"
NOTEBOOK_MARKER = "# runnable-notebook"
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
NOTEBOOK_SAMPLES = _samples(NOTEBOOK_MARKER)


def test_there_are_runnable_samples() -> None:
    """The docs keep their executable samples (a guard against the marker silently vanishing)."""
    assert len(SAMPLES) >= 10
    assert len(PYTEST_SAMPLES) >= 2
    assert len(NOTEBOOK_SAMPLES) >= 1


def test_every_python_block_is_executed() -> None:
    """No ```python block escapes the tests: each carries a runnable marker or includes a tested file."""
    markers = (MARKER, PYTEST_MARKER, NOTEBOOK_MARKER)
    unmarked = []
    for path in _doc_files():
        text = path.read_text(encoding="utf-8")
        for match in _FENCE.finditer(text):
            first = (match.group(1).splitlines() or [""])[0]
            # ``--8<--`` includes a file from examples/, which has its own end-to-end test.
            if first not in markers and not first.startswith("--8<--"):
                unmarked.append(f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert unmarked == []


@pytest.mark.parametrize("code", NOTEBOOK_SAMPLES)
def test_notebook_sample_runs(code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A notebook-style sample (top-level await) runs as a cell on a real kernel."""
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code)]
    with ChatKitEmulator() as emulator:
        assert emulator.api_key is not None
        monkeypatch.setenv("OPENAI_BASE_URL", emulator.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", emulator.api_key)
        NotebookClient(
            notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
        ).execute()
    outputs = notebook.cells[0].get("outputs", [])
    assert all(o["output_type"] != "error" for o in outputs), outputs


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
    # -W error cannot turn a warning raised in a finaliser (an unclosed sqlite3 connection on 3.13,
    # say) into an exit code; Python prints it as "Exception ignored in ...".
    assert "Exception ignored" not in result.stderr, result.stderr


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
    _check_reference_is_complete(tmp_path / "site" / "reference")
    # The runnable markers are for the tests; readers never see them (mkdocs_hooks.py).
    shown = [
        page.relative_to(tmp_path)
        for page in (tmp_path / "site").rglob("*.html")
        if re.search(r'<span class="c1"># runnable', page.read_text(encoding="utf-8"))
    ]
    assert shown == []


def _public_methods(cls: type) -> list[str]:
    return [
        name
        for name, member in vars(cls).items()
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    ]


def _check_reference_is_complete(reference: Path) -> None:
    """Every public class and method users call is documented in the API reference."""
    import chatkit_async
    import chatkit_async.bulk
    import chatkit_async.testing
    import chatkit_async.types
    from chatkit_async.resources import sessions, threads

    html = "\n".join(page.read_text(encoding="utf-8") for page in reference.rglob("*.html"))
    anchors = set(re.findall(r'id="(chatkit_async[^"]*)"', html))
    expected = set()
    for module in (threads, sessions):
        for name in module.__all__:
            cls = getattr(module, name)
            expected.add(f"{module.__name__}.{name}")
            expected.update(f"{module.__name__}.{name}.{m}" for m in _public_methods(cls))
    for name in ("AsyncChatKit", "ChatKit", "AsyncPaginator", "SyncPaginator", "APIResponse"):
        cls = getattr(chatkit_async, name)
        expected.add(f"chatkit_async.{name}")
        expected.update(f"chatkit_async.{name}.{m}" for m in _public_methods(cls))
    for module in (chatkit_async, chatkit_async.types, chatkit_async.bulk, chatkit_async.testing):
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) or callable(value):
                if module is chatkit_async and name in chatkit_async.types.__all__:
                    name_id = f"chatkit_async.types.{name}"
                else:
                    name_id = f"{module.__name__}.{name}"
                expected.add(name_id)
    missing = sorted(expected - anchors)
    assert missing == [], missing


def test_readme_main_job_runs_and_leaves_the_checkout_clean(tmp_path: Path) -> None:
    """The quick start's main job works as printed, twice, and git sees nothing new afterwards."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index("## Quick start") :]
    first = next(
        line for line in block.splitlines() if line.startswith("python3 -m pip install -e . &&")
    )
    command = first.split("&&", 1)[1].strip().split()
    assert command[:2] == ["chatkit-async", "--emulator"], command
    script = Path(sys.executable).parent / "chatkit-async"
    program = [str(script)] if script.exists() else [sys.executable, "-m", "chatkit_async"]
    argv = [*program, *command[1:]]
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".gitignore").write_text((ROOT / ".gitignore").read_text(encoding="utf-8"))
    runs = [
        subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    assert "12 new" in runs[0].stdout and "153 items added" in runs[0].stdout
    assert "0 new, 0 changed" in runs[1].stdout and "0 items added" in runs[1].stdout
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert status == ["??", ".gitignore"], status
