"""The bulk commands as a user runs them: real subprocesses, real signals, against an emulator.

An export killed with SIGKILL or stopped with SIGTERM keeps its complete lines and ``--resume``
finishes it with each thread exactly once; a mirror killed in the middle leaves a database that is
consistent and that the next run completes without fetching again what was committed; ``threads
list`` prints the first page while a later one is still on its way; and ``mirror`` reports what it
did as text or one JSON object.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from bulk_helpers import check_mirror, connect, expected_records, items_path, mirror_state, read_records
from cli_helpers import CLI, Result, cli_env

from chatkit_async.bulk import partial_path
from chatkit_async.cli import EXIT_ERROR, EXIT_OK, EXIT_TERMINATED, EXIT_USAGE
from chatkit_async.testing import ChatKitEmulator, FaultSpec

KEY = "sk-bulk-cli-7c21e4"

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


def command(emu: ChatKitEmulator, *args: str) -> list[str]:
    return [*CLI, "--base-url", emu.base_url, "--api-key", KEY, *args]


def run(emu: ChatKitEmulator, *args: str) -> Result:
    proc = subprocess.run(
        command(emu, *args), capture_output=True, text=True, encoding="utf-8", env=cli_env(), timeout=120
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    for text in (result.out, result.err):
        assert "Traceback" not in text and "Warning" not in text and KEY not in text, result
    return result


def start(emu: ChatKitEmulator, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command(emu, *args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=cli_env(),
    )


def wait_until(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def finish(proc: subprocess.Popen[str]) -> tuple[str, str]:
    try:
        return proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def committed(db: Path) -> int:
    """Threads a mirror has committed so far (0 before its schema exists)."""
    if not db.exists():
        return 0
    with connect(db) as con:
        try:
            return int(con.execute("SELECT count(*) FROM threads").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def line_count(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    emulator = ChatKitEmulator(api_key=KEY, demo_threads=30)
    long_thread = emulator.add_thread(user="user_2", title="Long one")
    emulator.add_items(long_thread["id"], 230)
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


# --- export -------------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_or_terminated_export_resumes_with_each_thread_exactly_once(
    emu: ChatKitEmulator, tmp_path: Path, how: str
) -> None:
    """Stopped while a later thread is stuck, the export keeps every complete line; ``--resume``
    fetches only the other threads and writes the final file with each thread once."""
    out = tmp_path / "export.jsonl"
    threads = emu.threads()
    stuck = threads[12]["id"]
    emu.inject(FaultSpec(delay=60, path=items_path(stuck)))
    proc = start(emu, "export", "--out", str(out), "--concurrency", "4")
    try:
        wait_until(lambda: emu.faults_served == 1, "the stuck request")
        wait_until(lambda: line_count(partial_path(out)) == 12, "the lines before the stuck thread")
        proc.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
        _, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:
        assert proc.returncode == EXIT_TERMINATED, err
        assert "Traceback" not in err and str(partial_path(out)) in err and "--resume" in err
    assert not out.exists()
    assert read_records(partial_path(out)) == expected_records(emu)[:12]

    emu.clear_faults()
    emu.clear_requests()
    resumed = run(emu, "export", "--out", str(out), "--resume")
    assert resumed.code == EXIT_OK, resumed
    assert "kept 12 threads" in resumed.out
    records = read_records(out)
    assert records == expected_records(emu)
    assert len({r["thread"]["id"] for r in records}) == len(threads)
    assert not partial_path(out).exists()
    fetched = {r.path for r in emu.requests if r.path.endswith("/items")}
    assert fetched == {items_path(t["id"]) for t in threads[12:]}


def test_export_to_stdout(emu: ChatKitEmulator) -> None:
    result = run(emu, "export", "--out", "-", "--user", "user_1")
    assert result.code == EXIT_OK, result
    assert [json.loads(line) for line in result.out.splitlines()] == expected_records(emu, user="user_1")
    assert "Exported" in result.err  # the summary goes to stderr: stdout is the data
    refused = run(emu, "export", "--out", "-", "--resume")
    assert refused.code == EXIT_USAGE and "--resume" in refused.err


def test_an_export_that_runs_out_of_retries_exits_nonzero_and_says_how_to_resume(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "export.jsonl"
    emu.inject(FaultSpec(drop=True, path=items_path(emu.threads()[3]["id"]), times=20))
    failed = run(emu, "--max-retries", "1", "export", "--out", str(out), "--concurrency", "1")
    assert failed.code == EXIT_ERROR
    assert failed.err.count("\n") == 1 and failed.err.startswith("error: export failed")
    assert "--resume" in failed.err and str(partial_path(out)) in failed.err
    assert read_records(partial_path(out)) == expected_records(emu)[:3]


# --- threads list -------------------------------------------------------------------------------


class LineReader:
    """Reads a process's stdout on a thread, so the test can wait for lines without blocking."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)


@pytest.mark.parametrize("as_json", [False, True])
def test_threads_list_prints_each_page_as_it_arrives(tmp_path: Path, as_json: bool) -> None:
    """The first page is on stdout while the second is still delayed by the emulator."""
    with ChatKitEmulator(api_key=KEY, demo=False) as emu:
        for n in range(250):
            emu.add_thread(user=f"user_{n % 4}", title=f"Thread {n}")
        newest_first = [t["id"] for t in reversed(emu.threads())]
        emu.inject(
            FaultSpec(headers={"x-page": "1"}, path="/v1/chatkit/threads"),  # page 1: on time
            FaultSpec(delay=60, path="/v1/chatkit/threads"),  # page 2: held back
        )
        args = ["threads", "list", *(["--json"] if as_json else [])]
        proc = subprocess.Popen(
            command(emu, *args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env()
        )
        try:
            assert proc.stdout is not None
            reader = LineReader(proc.stdout)
            first_page = 100 if as_json else 101  # the table has its header first
            wait_until(lambda: len(reader.lines) >= first_page, "the first page on stdout")
            # The second page is asked for once the first is printed, and then held back.
            wait_until(lambda: emu.faults_served == 2, "the request for the second page")
            assert proc.poll() is None
            lines = list(reader.lines)
        finally:
            proc.kill()
            proc.communicate()
    assert len(lines) == first_page
    if as_json:
        assert [json.loads(line)["id"] for line in lines] == newest_first[:100]
    else:
        assert lines[0].split()[:2] == ["ID", "CREATED"]
        assert [line.split()[0] for line in lines[1:]] == newest_first[:100]
        # A fixed layout: every row's USER column starts where the header's does.
        column = lines[0].index("USER")
        assert all(line[column:].startswith("user_") for line in lines[1:])


# --- mirror -------------------------------------------------------------------------------------


@posix_only
@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_mirror_leaves_a_consistent_database_that_the_next_run_completes(
    emu: ChatKitEmulator, tmp_path: Path, how: str
) -> None:
    db = tmp_path / "m.db"
    threads = emu.threads()
    stuck = threads[12]["id"]
    emu.inject(FaultSpec(delay=60, path=items_path(stuck)))
    proc = start(emu, "mirror", "--db", str(db), "--concurrency", "1")

    try:
        wait_until(lambda: emu.faults_served == 1, "the stuck request")
        wait_until(lambda: committed(db) == 12, "the threads before the stuck one")
        proc.send_signal(signal.SIGKILL if how == "SIGKILL" else signal.SIGTERM)
        _, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    if how == "SIGTERM":
        assert proc.returncode == EXIT_TERMINATED and "run again" in err, err
    counts = check_mirror(db, emu, complete=False)
    assert set(counts) == {t["id"] for t in threads[:12]}
    assert all(counts[t["id"]] == len(emu.items(t["id"])) for t in threads[:12])

    emu.clear_faults()
    emu.clear_requests()
    again = run(emu, "mirror", "--db", str(db), "--json")
    assert again.code == EXIT_OK, again
    (summary,) = [json.loads(line) for line in again.out.splitlines()]
    check_mirror(db, emu, complete=True)
    assert summary["threads_new"] == len(threads) - 12 and summary["complete"] is True
    for request in (r for r in emu.requests if r.path.endswith("/items")):
        thread_id = request.path.split("/")[-2]
        if counts.get(thread_id):
            assert request.query.get("after") == emu.items(thread_id, order="asc")[-1]["id"]


def test_mirror_summary_as_text_and_json(emu: ChatKitEmulator, tmp_path: Path) -> None:
    db = tmp_path / "m.db"
    threads = emu.threads()
    first = run(emu, "mirror", "--db", str(db))
    assert first.code == EXIT_OK, first
    total = sum(len(emu.items(t["id"])) for t in threads)
    assert f"Mirrored {len(threads)} threads into {db}" in first.out
    assert f"{len(threads)} new, 0 changed, 0 removed; {total:,} items added" in first.out
    before = mirror_state(db)

    again = run(emu, "mirror", "--db", str(db), "--json")
    (summary,) = [json.loads(line) for line in again.out.splitlines()]
    assert mirror_state(db) == before
    assert {k: summary[k] for k in ("threads_seen", "threads_new", "threads_changed",
                                    "threads_removed", "items_added", "rows_written",
                                    "rate_limited")} == {
        "threads_seen": len(threads),
        "threads_new": 0,
        "threads_changed": 0,
        "threads_removed": 0,
        "items_added": 0,
        "rows_written": 0,
        "rate_limited": 0,
    }
    assert summary["requests"] == 1 + len(threads) and summary["seconds"] >= 0

    gone = next(t for t in threads if t["user"] == "user_2")["id"]
    run(emu, "threads", "delete", gone, "--yes")
    scoped = run(emu, "mirror", "--db", str(db), "--user", "user_1", "--prune", "--json")
    assert json.loads(scoped.out)["threads_removed"] == 0  # user_2's thread is out of scope
    pruned = run(emu, "mirror", "--db", str(db), "--user", "user_2", "--prune", "--json")
    assert json.loads(pruned.out)["threads_pruned"] == 1
    check_mirror(db, emu, complete=True)

    not_a_db = tmp_path / "notes.txt"
    not_a_db.write_text("hello\n")
    refused = run(emu, "mirror", "--db", str(not_a_db))
    assert refused.code == EXIT_ERROR and refused.err.startswith("error: ")
    assert "not a SQLite" in refused.err
    assert refused.err.count("\n") == 1


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_mirror_draws_a_progress_bar_only_on_a_terminal(emu: ChatKitEmulator, tmp_path: Path) -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            command(emu, "mirror", "--db", str(tmp_path / "tty.db")),
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=cli_env(),
        )
        proc.communicate(timeout=60)
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the other end is closed and drained
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert proc.returncode == 0
    text = drawn.decode()
    assert "threads" in text and "items" in text and "in flight" in text
    assert text.endswith("\r\x1b[K")
    quiet = run(emu, "mirror", "--db", str(tmp_path / "pipe.db"))
    assert quiet.err == ""


_BLOCKING_SCRIPT = """
import sys
from chatkit_async import ChatKit
from chatkit_async.bulk import mirror_sync

with ChatKit(api_key=sys.argv[1], base_url=sys.argv[2]) as client:
    try:
        mirror_sync(client, sys.argv[3], concurrency=1)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        raise SystemExit(130)
"""


@posix_only
def test_ctrl_c_in_a_blocking_mirror_leaves_a_consistent_database(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    """``mirror_sync`` interrupted by Ctrl-C: the job is cancelled on the client's loop, after
    which the database is consistent and the next run completes it."""
    db = tmp_path / "m.db"
    threads = emu.threads()
    emu.inject(FaultSpec(delay=60, path=items_path(threads[9]["id"])))
    proc = subprocess.Popen(
        [sys.executable, "-c", _BLOCKING_SCRIPT, KEY, emu.base_url, str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        wait_until(lambda: emu.faults_served == 1, "the stuck request")
        wait_until(lambda: committed(db) == 9, "the threads before the stuck one")
        proc.send_signal(signal.SIGINT)
        out, err = finish(proc)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and out == "interrupted\n", err
    assert "Traceback" not in err
    counts = check_mirror(db, emu, complete=False)
    assert set(counts) == {t["id"] for t in threads[:9]}
    again = run(emu, "mirror", "--db", str(db), "--json")
    assert again.code == EXIT_OK and json.loads(again.out)["threads_new"] == len(threads) - 9
    check_mirror(db, emu, complete=True)
