"""The quickstart notebook runs top to bottom on a real IPython kernel, with the right outputs.

A Jupyter kernel already runs an event loop in the thread that executes cells, which is exactly
where ``asyncio.run()`` fails; the blocking client must work there all the same.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from chatkit_async.testing import ChatKitEmulator

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "notebooks" / "quickstart.ipynb"


def run_notebook(path: Path, cwd: Path) -> list[str]:
    """Execute a notebook on a fresh python3 kernel; return each code cell's printed text."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    texts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            assert output["output_type"] != "error", output
        texts.append(
            "".join(o.get("text", "") for o in cell.get("outputs", []) if o["output_type"] == "stream")
        )
    return texts


def test_quickstart_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook lists, pages, retrieves, lists items, deletes and closes, as the emulator says."""
    # Opt in to jupyter_core's new paths now, instead of a DeprecationWarning (an error here).
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    # The same seed gives the notebook's emulator exactly this data set.
    expected = ChatKitEmulator()
    threads = list(reversed(expected.threads()))  # the server's default order: newest first
    oldest = threads[-1]
    oldest_items = expected.items(oldest["id"], order="asc")

    texts = run_notebook(NOTEBOOK, tmp_path)
    output = "\n".join(texts)

    assert "event loop running in this thread: True" in texts[0]

    assert f"thread count: {len(threads)}" in output
    listed = re.findall(r"^thread: (\S+) (\S+) (\S+) (.*)$", output, flags=re.MULTILINE)
    assert [row[0] for row in listed] == [t["id"] for t in threads]
    assert [row[1] for row in listed] == [t["user"] for t in threads]
    assert [row[2] for row in listed] == [t["status"]["type"] for t in threads]
    assert [row[3] for row in listed] == [repr(t["title"]) for t in threads]

    pages = re.findall(r"^page (\d+): (\d+) threads, has_more=(\w+), last_id=(\S+)$", output, re.M)
    assert pages == [
        ("1", "5", "True", threads[4]["id"]),
        ("2", "5", "True", threads[9]["id"]),
        ("3", "2", "False", threads[11]["id"]),
    ]

    assert f"retrieved: {oldest['id']} {oldest['title']!r} {oldest['created_at']}" in output
    assert f"item count: {len(oldest_items)}" in output
    shown = re.findall(r"^item: (\S+) (\S+)$", output, flags=re.MULTILINE)
    assert shown == [(i["id"], i["type"]) for i in oldest_items[:5]]

    assert "status: 200 request id starts with req_: True" in output
    assert f"parsed: {oldest['id']}" in output
    assert f"deleted: {oldest['id']} True" in output
    assert f"threads left: {len(threads) - 1}" in output
    assert "client closed: True" in texts[-1]


def test_notebook_is_stored_with_its_current_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The committed notebook shows readers its outputs, and they are what a fresh run prints.

    After changing the notebook, store its new outputs with ``python tests/e2e/test_notebook.py``.
    """
    import nbformat

    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    stored = [
        "".join(o.get("text", "") for o in cell.outputs if o["output_type"] == "stream")
        for cell in notebook.cells
        if cell.cell_type == "code"
    ]
    assert all(stored[1:]), "a code cell of the committed notebook has no output"
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    assert run_notebook(NOTEBOOK, tmp_path) == stored


def store_outputs() -> None:
    """Execute the notebook and save it with its outputs (run this file as a script)."""
    import nbformat
    from nbclient import NotebookClient

    os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=120, kernel_name="python3").execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.metadata.pop("execution", None)
    notebook.metadata.pop("widgets", None)
    nbformat.write(notebook, NOTEBOOK)


if __name__ == "__main__":
    store_outputs()
