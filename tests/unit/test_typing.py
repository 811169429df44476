"""The typing scripts in ``typing/`` pass both checkers users run: mypy and pyright, strict.

Every public call of both clients has its return type pinned with ``assert_type`` there; each
checker must accept them all and must reject one planted wrong assertion, so a check that silently
checks nothing fails here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TYPING = Path(__file__).resolve().parent / "typing"


CANARY = """\
from __future__ import annotations

from typing_extensions import assert_type

from chatkit_async import ChatKit, Thread


def drifted(client: ChatKit) -> None:
    assert_type(client.threads.retrieve("cthr_1"), Thread | None)
"""


def test_typing_scripts_pass_mypy_strict(tmp_path: Path) -> None:
    """mypy --strict accepts every ``assert_type`` in tests/unit/typing (and catches a wrong one)."""
    scripts = sorted(str(p) for p in TYPING.glob("*.py"))
    assert len(scripts) >= 2
    # A deliberately wrong assertion in the same run proves assert_type is really checked.
    canary = tmp_path / "canary_drift.py"
    canary.write_text(CANARY)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy_cache"),
            "--no-error-summary",
            "--hide-error-context",
            *scripts,
            str(canary),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert len(lines) == 1, result.stdout + result.stderr
    assert "canary_drift.py:9: error:" in lines[0], lines[0]
    assert "assert-type" in lines[0], lines[0]


def _pyright(workdir: Path) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("basedpyright", path=str(Path(sys.executable).parent)) or "basedpyright"
    return subprocess.run(
        [exe, "--pythonpath", sys.executable, "-p", str(workdir / "pyrightconfig.json")],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_typing_scripts_pass_pyright_strict(tmp_path: Path) -> None:
    """Every assert_type on both faces holds under pyright strict; a wrong one fails."""
    for name in ("async_client.py", "sync_client.py", "pyrightconfig.json"):
        shutil.copy(TYPING / name, tmp_path / name)
    clean = _pyright(tmp_path)
    assert clean.returncode == 0, clean.stdout[-4000:]
    assert "0 errors" in clean.stdout
    # The check has teeth: one wrong assertion is reported.
    with (tmp_path / "sync_client.py").open("a") as f:
        f.write("\n\nassert_type(1, str)\n")
    broken = _pyright(tmp_path)
    assert broken.returncode != 0
    assert "1 error" in broken.stdout and "reportAssertTypeFailure" in broken.stdout
