"""The typing scripts of tests/typing also pass pyright in strict mode (basedpyright)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

TYPING = Path(__file__).parent / "typing"


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
