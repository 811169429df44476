"""What the package claims agrees with what is tested: Python versions, licence, sdist contents.

The proof that the claims hold is elsewhere (``nox`` runs the suite on every Python and at the
dependency floors; ``.ci/run`` runs it on the oldest and newest from the unpacked sdist); these
tests keep the claims and those runs from drifting apart.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path
from typing import Any

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the 3.10 run
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        data: dict[str, Any] = tomllib.load(f)
    return data


def _nox_pythons() -> list[str]:
    tree = ast.parse((ROOT / "noxfile.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PYTHONS" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            assert isinstance(value, list)
            return [str(v) for v in value]
    raise AssertionError("noxfile.py defines no PYTHONS")


def test_every_claimed_python_has_a_nox_session_and_ci_runs_the_oldest_and_newest(
    project: dict[str, Any],
) -> None:
    prefix = "Programming Language :: Python :: "
    claimed = [c[len(prefix) :] for c in project["project"]["classifiers"] if re.fullmatch(
        re.escape(prefix) + r"3\.\d+", c
    )]
    pythons = _nox_pythons()
    assert claimed == pythons
    assert project["project"]["requires-python"] == f">={pythons[0]}"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for version in (pythons[0], "3.11", pythons[-1]):
        assert f'find_python {version})"' in ci, version


def test_the_licence_ships_in_wheel_and_sdist(project: dict[str, Any]) -> None:
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    assert project["project"]["license"] == "MIT"
    assert project["project"]["license-files"] == ["LICENSE"]
    assert "LICENSE" in project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(project["project"]["urls"])


def test_the_sdist_holds_every_folder_and_file_the_tests_read(project: dict[str, Any]) -> None:
    """Any top-level path a test names (``ROOT / "examples"``, ``parents[2] / "docs"``) is packed."""
    included = set(project["tool"]["hatch"]["build"]["targets"]["sdist"]["include"])
    named = set()
    for test in (ROOT / "tests").rglob("*.py"):
        text = test.read_text(encoding="utf-8")
        named.update(re.findall(r'(?:ROOT|parents\[2\]) / "([^"/]+)"', text))
    assert named, "the pattern no longer finds how tests name the checkout's files"
    assert named - {"pyproject.toml"} <= included, sorted(named - included)


def test_runtime_dependencies_each_have_one_floor(project: dict[str, Any]) -> None:
    """``nox -s mindeps`` and ``.ci/run`` pin every runtime dependency at its ``>=`` floor."""
    for dependency in project["project"]["dependencies"]:
        assert re.fullmatch(r"[\w.-]+>=[\w.]+(\s*;.*)?", dependency), dependency
