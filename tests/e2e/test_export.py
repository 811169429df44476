"""Tests of ``chatkit-async export``: completeness, order, determinism, atomicity and resuming.

The export is run as a subprocess (the installed console script) against an emulator started in
the test, and its file is compared with the emulator's own data: every thread and every item
exactly once, in listing order, in the exact wire form. Failures and Ctrl-C must never leave a
partial file at ``--out``, must leave a previous complete file untouched, and keep the complete
lines in ``FILE.partial`` (and nothing else) for ``--resume``. The library function behind the
command, :func:`chatkit_async.bulk.export`, is also tested in-process.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CLI, Result, cli_env

from chatkit_async import AsyncChatKit, InternalServerError
from chatkit_async.bulk import JobInterrupted, JobProgress, export, partial_path
from chatkit_async.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from chatkit_async.testing import ChatKitEmulator, FaultSpec

KEY = "sk-export-test-6b2e91c0"

def run_export(emu: ChatKitEmulator, out: Path, *args: str, retries: int = 0) -> Result:
    """Run ``export --out OUT`` against ``emu`` and check the run's hygiene."""
    proc = subprocess.run(
        [
            *CLI,
            "--base-url",
            emu.base_url,
            "--api-key",
            KEY,
            "--max-retries",
            str(retries),
            "export",
            "--out",
            str(out),
            *args,
        ],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=cli_env(),
        timeout=120,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    for text in (result.out, result.err):
        assert "Traceback" not in text and "Warning" not in text, result
        assert KEY not in text
    if result.code != EXIT_OK:
        assert len(result.err.strip().splitlines()) == 1, result
        assert result.err.startswith("error: "), result
    return result


def read_records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def leftovers(directory: Path, keep: str) -> list[str]:
    """Files in ``directory`` other than ``keep`` (only a partial file may survive a failure)."""
    return sorted(p.name for p in directory.iterdir() if p.name != keep)


def wait_for_lines(path: Path, count: int, timeout: float = 30) -> None:
    """Wait until ``path`` holds ``count`` complete lines (the export writes them as it goes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"{path} never reached {count} lines")


def expected_records(emu: ChatKitEmulator, *, user: str | None = None) -> list[dict[str, Any]]:
    """What a complete export (oldest first) must contain, from the emulator's own state."""
    return [
        {"thread": thread, "items": emu.items(thread["id"], order="asc")}
        for thread in emu.threads()
        if user is None or thread["user"] == user
    ]


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    """The demo data plus a thread with 230 items (three pages), an unknown item type, and
    extra fields, so the export must page, keep unknown variants, and round-trip exactly."""
    emulator = ChatKitEmulator(api_key=KEY)
    long_thread = emulator.add_thread(user="user_2", title="Long one")
    emulator.add_items(long_thread["id"], 230)
    odd = emulator.add_raw_thread(
        {
            "object": "chatkit.thread",
            "title": None,
            "status": {"type": "archived", "by": "x"},
            "user": "user_1",
            "labels": ["vip"],
        }
    )
    emulator.add_raw_item(
        odd["id"],
        {
            "type": "user_message",
            "object": "chatkit.thread_item",
            "thread_id": odd["id"],
            "attachments": [],
            "content": [{"type": "input_text", "text": "bare type"}],
            "inference_options": None,
            "mood": "curious",
        },
    )
    emulator.add_raw_item(
        odd["id"],
        {
            "type": "chatkit.hologram",
            "object": "chatkit.thread_item",
            "thread_id": odd["id"],
            "beam": [1, 2, 3],
        },
    )
    emulator.start()
    try:
        yield emulator
    finally:
        emulator.stop()


def test_export_contains_everything_exactly_once_in_order(emu: ChatKitEmulator, tmp_path: Path) -> None:
    out = tmp_path / "all.jsonl"
    result = run_export(emu, out)
    assert result.code == EXIT_OK, result
    expected = expected_records(emu)
    records = read_records(out)
    assert records == expected
    ids = [r["thread"]["id"] for r in records]
    assert len(ids) == len(set(ids)) == len(emu.threads())
    item_ids = [i["id"] for r in records for i in r["items"]]
    assert len(item_ids) == len(set(item_ids))
    assert f"Exported {len(expected)} threads ({len(item_ids)} items)" in result.out
    assert leftovers(tmp_path, "all.jsonl") == []
    assert out.read_bytes().count(b"\n") == len(records) and out.read_bytes().endswith(b"}\n")

    newest_first = tmp_path / "desc.jsonl"
    assert run_export(emu, newest_first, "--order", "desc").code == EXIT_OK
    assert read_records(newest_first) == expected[::-1]

    one_user = tmp_path / "user2.jsonl"
    assert run_export(emu, one_user, "--user", "user_2").code == EXIT_OK
    assert read_records(one_user) == expected_records(emu, user="user_2")


def test_concurrency_does_not_change_the_file(tmp_path: Path) -> None:
    emu = ChatKitEmulator(api_key=KEY, demo_threads=30, record_requests=False)
    for n in range(40):  # item counts 0..117, several multi-page threads
        thread = emu.add_thread(user=f"user_{n % 4}")
        emu.add_items(thread["id"], (n * 37) % 118)
    with emu:
        files = {}
        for concurrency in ("1", "8", "32"):
            files[concurrency] = tmp_path / f"c{concurrency}.jsonl"
            result = run_export(emu, files[concurrency], "--concurrency", concurrency)
            assert result.code == EXIT_OK, result
        expected = expected_records(emu)
    data = {name: path.read_bytes() for name, path in files.items()}
    assert data["1"] == data["8"] == data["32"]
    assert read_records(files["8"]) == expected


def test_failed_export_keeps_a_previous_file_and_its_complete_lines(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "export.jsonl"
    partial = partial_path(out)
    victim = emu.threads()[5]["id"]
    fault = FaultSpec(
        status=500, path=f"/v1/chatkit/threads/{victim}/items", headers={"retry-after-ms": "1"}, times=3
    )
    emu.inject(fault)
    failed = run_export(emu, out, retries=2)  # 1 attempt + 2 retries, all 500
    assert failed.code == EXIT_ERROR
    assert "500" in failed.err and "not created" in failed.err and "--resume" in failed.err
    assert not out.exists()
    assert leftovers(tmp_path, "export.jsonl") == [partial.name]
    assert read_records(partial) == expected_records(emu)[:5]  # the lines before the failure

    assert run_export(emu, out).code == EXIT_OK
    complete = out.read_bytes()
    assert leftovers(tmp_path, "export.jsonl") == []  # a new export replaced the partial file
    emu.add_thread(user="user_3", title="Newer")  # the next export would differ
    emu.inject(fault)
    again = run_export(emu, out, retries=2)
    assert again.code == EXIT_ERROR and "left unchanged" in again.err
    assert out.read_bytes() == complete
    assert leftovers(tmp_path, "export.jsonl") == [partial.name]

    emu.inject(FaultSpec(status=503, path="/v1/chatkit/threads", method="GET", times=5))
    listing_failed = run_export(emu, out)
    assert listing_failed.code == EXIT_ERROR and "503" in listing_failed.err
    assert out.read_bytes() == complete
    assert leftovers(tmp_path, "export.jsonl") == []  # nothing was written: nothing is kept

    emu.clear_faults()
    missing_dir = run_export(emu, tmp_path / "nope" / "x.jsonl")
    assert missing_dir.code == EXIT_ERROR and "does not exist" in missing_dir.err


def test_resume_exports_only_new_threads(emu: ChatKitEmulator, tmp_path: Path) -> None:
    out = tmp_path / "export.jsonl"
    assert run_export(emu, out).code == EXIT_OK
    first = read_records(out)
    added = [emu.add_thread(user="user_9", title=f"new {i}") for i in range(3)]
    for thread in added:
        emu.add_items(thread["id"], 4)
    emu.clear_requests()

    resumed = run_export(emu, out, "--resume", "--concurrency", "2")
    assert resumed.code == EXIT_OK, resumed
    assert "Exported 3 threads (12 items)" in resumed.out and f"kept {len(first)}" in resumed.out
    records = read_records(out)
    assert records[: len(first)] == first
    assert records[len(first) :] == [
        {"thread": t, "items": emu.items(t["id"], order="asc")} for t in added
    ]
    fetched = {r.path for r in emu.requests if r.path.endswith("/items")}
    assert fetched == {f"/v1/chatkit/threads/{t['id']}/items" for t in added}

    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"thread": {"id": "cthr_1"}, "items": []}\nnot json\n', "utf-8")
    refused = run_export(emu, garbage, "--resume")
    assert refused.code == EXIT_ERROR and "line 2" in refused.err and str(garbage) in refused.err
    assert garbage.read_text("utf-8").endswith("not json\n")
    assert not partial_path(garbage).exists()

    fresh = tmp_path / "fresh.jsonl"
    assert run_export(emu, fresh, "--resume").code == EXIT_OK  # nothing to resume: full export
    assert read_records(fresh) == expected_records(emu)


def test_bad_arguments(emu: ChatKitEmulator, tmp_path: Path) -> None:
    for args in (("--concurrency", "0"), ("--order", "up")):
        result = run_export(emu, tmp_path / "x.jsonl", *args)
        assert result.code == EXIT_USAGE, result
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_keeps_the_complete_lines_and_resume_finishes(
    emu: ChatKitEmulator, tmp_path: Path
) -> None:
    out = tmp_path / "export.jsonl"
    out.write_text("previous\n", "utf-8")
    stuck = emu.threads()[7]["id"]
    emu.inject(FaultSpec(delay=30, path=f"/v1/chatkit/threads/{stuck}/items"))
    proc = subprocess.Popen(
        [*CLI, "--base-url", emu.base_url, "--api-key", KEY, "export", "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        deadline = time.monotonic() + 30
        while not emu.faults_served and time.monotonic() < deadline:
            time.sleep(0.05)
        assert emu.faults_served, "the export never reached the stuck thread"
        wait_for_lines(partial_path(out), 7)  # every thread before the stuck one is written
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "--resume" in err
    assert out.read_text("utf-8") == "previous\n"
    assert leftovers(tmp_path, "export.jsonl") == [partial_path(out).name]
    assert read_records(partial_path(out)) == expected_records(emu)[:7]

    emu.clear_faults()
    emu.clear_requests()
    resumed = run_export(emu, out, "--resume")
    assert resumed.code == EXIT_OK, resumed
    assert read_records(out) == expected_records(emu)
    assert leftovers(tmp_path, "export.jsonl") == []
    fetched = {r.path.split("/")[-2] for r in emu.requests if r.path.endswith("/items")}
    assert fetched == {t["id"] for t in emu.threads()[7:]}


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_progress_bar_only_on_a_terminal(emu: ChatKitEmulator, tmp_path: Path) -> None:
    import pty

    controller, terminal = pty.openpty()
    try:
        proc = subprocess.Popen(
            [
                *CLI,
                "--base-url",
                emu.base_url,
                "--api-key",
                KEY,
                "export",
                "--out",
                str(tmp_path / "tty.jsonl"),
            ],
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
            except OSError:  # EIO: the terminal's other end is closed and drained
                break
            if not chunk:
                break
            drawn += chunk
    finally:
        os.close(controller)
    assert proc.returncode == 0
    text = drawn.decode()
    assert "threads" in text and "\r" in text and text.endswith("\r\x1b[K")

    quiet = run_export(emu, tmp_path / "pipe.jsonl")
    assert quiet.err == ""  # stderr is a pipe: no progress bar


@pytest.mark.anyio
async def test_the_library_export_behind_the_command(tmp_path: Path) -> None:
    async with ChatKitEmulator(api_key=KEY, demo_threads=9) as emu:
        out = tmp_path / "api.jsonl"
        events: list[JobProgress] = []
        async with AsyncChatKit(api_key=KEY, base_url=emu.base_url, max_retries=0) as client:
            report = await export(client, out, concurrency=3, progress=events.append)
            assert (report.threads, report.kept) == (9, 0)
            assert report.items == sum(len(emu.items(t["id"])) for t in emu.threads())
            assert read_records(out) == expected_records(emu)
            assert events[-1].threads_done == 9 and events[-1].threads_total == 9

            third = emu.threads()[2]["id"]
            emu.inject(FaultSpec(status=500, path=f"/v1/chatkit/threads/{third}"))
            with pytest.raises(JobInterrupted) as caught:
                await export(client, out, order="desc")
            assert isinstance(caught.value.cause, InternalServerError)
            assert read_records(out) == expected_records(emu)
            kept = read_records(partial_path(out))
            assert kept == expected_records(emu)[::-1][:6]  # newest first, up to the failure
            assert leftovers(tmp_path, "api.jsonl") == [partial_path(out).name]
