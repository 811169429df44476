"""Developer tasks: ``nox`` (lint, typecheck, the tests on every supported Python), and by name
``nox -s tests-3.12 mindeps sdist docs bench``.

The Pythons are found on ``PATH`` as ``python3.X``; with pyenv, name them all first, e.g.
``PYENV_VERSION=3.11.7:3.10.13:3.12.1:3.13.0 nox``.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
from pathlib import Path

import nox
from packaging.requirements import Requirement

nox.options.sessions = ["lint", "typecheck", "tests", "mindeps"]
nox.options.default_venv_backend = "venv"

#: Every Python the package claims (keep in step with the classifiers in pyproject.toml).
PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
OLDEST = PYTHONS[0]
ROOT = Path(__file__).resolve().parent


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (unit tests, then end-to-end against the emulator) on one Python."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


def runtime_floors() -> list[str]:
    """``name==X`` for every runtime dependency ``name>=X`` of pyproject.toml, markers kept.

    ``.ci/run`` uses it too, so both install the same floors.
    """
    project = nox.project.load_toml(str(ROOT / "pyproject.toml"))["project"]
    pins = []
    for text in project["dependencies"]:
        requirement = Requirement(text)
        floors = [spec.version for spec in requirement.specifier if spec.operator == ">="]
        if len(floors) != 1:
            raise ValueError(f"{text!r}: give each runtime dependency exactly one '>=' floor")
        marker = f"; {requirement.marker}" if requirement.marker else ""
        pins.append(f"{requirement.name}=={floors[0]}{marker}")
    return pins


@nox.session(python=OLDEST)
def mindeps(session: nox.Session) -> None:
    """The test suite on the oldest Python with every runtime dependency at its declared minimum.

    The floors in ``[project] dependencies`` are promises; this session keeps them true. The test
    tools themselves (pytest, openai, fastapi, ...) are installed at whatever satisfies them.
    """
    pins = runtime_floors()
    constraints = Path(session.create_tmp()) / "floors.txt"
    constraints.write_text("\n".join(pins) + "\n", encoding="utf-8")
    session.log("floors: " + ", ".join(pins))
    # The pip that comes with 3.10 backtracks for many minutes over these pins; a current one
    # resolves them in under a minute.
    session.install("--upgrade", "pip")
    session.install("-c", str(constraints), "-e", ".[test]")
    session.run("pip", "freeze", "--exclude-editable", silent=False)
    session.run("pytest", *session.posargs)


@nox.session
def sdist(session: nox.Session) -> None:
    """Build the sdist, unpack it somewhere else, install it from there and run its own tests."""
    session.install("build")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dist"
        session.run("python", "-m", "build", "--sdist", "--outdir", str(out), str(ROOT))
        (archive,) = out.glob("*.tar.gz")
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        (unpacked,) = (path for path in Path(tmp).iterdir() if path.name.startswith("chatkit_async"))
        session.chdir(unpacked)
        session.install(".[test]")
        session.run("pytest", "-p", "no:cacheprovider", *session.posargs)
        session.chdir(ROOT)
        shutil.rmtree(unpacked)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff")
    session.run("ruff", "check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package."""
    session.install("-e", ".[dev]")
    session.run("mypy")


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against the official SDK and raw aiohttp (never part of the tests)."""
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site with mkdocs, warnings as errors."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", *session.posargs)
