"""Tests of the ``chatkit-async`` command line, run as a real subprocess against an emulator.

Every command is run the way a user runs it: the installed console script (or ``python -m
chatkit_async``) in a subprocess, against an emulator started in the test (``--base-url`` /
``--api-key``) and with the embedded ``--emulator``. Each run is checked for its exit status, its
output against the emulator's own data, and the promises every run keeps: no traceback, errors as
one ``error:`` line, and the API key never printed. Independent runs go through a thread pool to
keep the suite fast; a few pure helpers are tested in-process.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CLI, Result, cli_env

from chatkit_async import parse, to_dict
from chatkit_async.cli import EXIT_ABORTED, EXIT_ERROR, EXIT_NO_KEY, EXIT_OK, EXIT_USAGE
from chatkit_async.cli._console import Console
from chatkit_async.cli._format import clean, display_width, item_summary, render_table, truncate
from chatkit_async.cli._progress import Progress
from chatkit_async.testing import DEFAULT_API_KEY, ChatKitEmulator, FaultSpec
from chatkit_async.types import ThreadItem

KEY = "sk-cli-test-5ecret-7d1f0a9b"
"""The emulator's key in these tests: it must never appear in any output."""

def check_hygiene(result: Result, *secrets: str) -> None:
    """The promises of every run: no traceback, no warning, no secret, one-line errors."""
    for text in (result.out, result.err):
        assert "Traceback" not in text, result
        assert "Warning" not in text, result
        for secret in secrets:
            assert secret not in text, f"secret printed by {result.args}"
    error_lines = [line for line in result.err.splitlines() if line.startswith("error:")]
    if result.code in (EXIT_ERROR, EXIT_USAGE, EXIT_NO_KEY):
        assert len(error_lines) == 1, result
        assert result.err.strip() == error_lines[0], result
    if result.code == EXIT_OK:
        assert not error_lines, result


def cli(
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    secrets: Sequence[str] = (KEY,),
    timeout: float = 60,
) -> Result:
    """Run the command line once and check its hygiene."""
    proc = subprocess.run(
        [*CLI, *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=cli_env(env),
        timeout=timeout,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr, tuple(args))
    check_hygiene(result, *secrets)
    return result


def cli_many(*runs: Sequence[str]) -> list[Result]:
    """Run independent command lines concurrently (each is its own process)."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda run: cli(*run), runs))


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    """A started emulator with the demo data set, accepting only :data:`KEY`."""
    emulator = ChatKitEmulator(api_key=KEY).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def at(emu: ChatKitEmulator, *args: str) -> list[str]:
    """Global options pointing the command line at ``emu``."""
    return ["--base-url", emu.base_url, "--api-key", KEY, *args]


def thread_ids(emu: ChatKitEmulator, user: str | None = None) -> list[str]:
    """Thread ids of the emulator, oldest first (the demo data's creation order)."""
    return [t["id"] for t in emu.threads() if user is None or t["user"] == user]


def table_rows(out: str) -> list[list[str]]:
    """The rows of a table (header excluded), split on runs of two or more spaces."""
    import re

    lines = out.splitlines()
    return [re.split(r"\s{2,}", line.strip()) for line in lines[1:] if line.strip()]


# --- general ----------------------------------------------------------------------------------


def test_version_help_and_module_entry_point() -> None:
    version, helptext, module, bare, unknown = cli_many(
        ["--version"], ["--help"], ["threads", "list", "--help"], [], ["frobnicate"]
    )
    assert version.code == EXIT_OK and version.out.startswith("chatkit-async ")
    assert helptext.code == EXIT_OK
    for word in ("threads", "sessions", "export", "purge-user", "emulator", "--emulator"):
        assert word in helptext.out
    assert module.code == EXIT_OK and "--max-items" in module.out
    # Issue 14 changed this: a bare call prints the full help to stdout and succeeds.
    assert bare.code == EXIT_OK and bare.err == "" and bare.out == helptext.out
    assert unknown.code == EXIT_USAGE and "frobnicate" in unknown.err

    proc = subprocess.run(
        [sys.executable, "-m", "chatkit_async", "--version"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
    )
    assert proc.returncode == 0 and proc.stdout == version.out


# --- threads ----------------------------------------------------------------------------------


def test_threads_list_table_and_json(emu: ChatKitEmulator) -> None:
    everything = emu.threads()
    newest_first = [t["id"] for t in reversed(everything)]
    user2_oldest_first = thread_ids(emu, "user_2")
    table, as_json, user_asc, capped, after = cli_many(
        at(emu, "threads", "list"),
        at(emu, "threads", "list", "--json"),
        at(emu, "threads", "list", "--user", "user_2", "--order", "asc", "--json"),
        at(emu, "threads", "list", "--limit", "2", "--max-items", "5", "--json"),
        at(emu, "threads", "list", "--after", newest_first[3], "--json"),
    )
    for result in (table, as_json, user_asc, capped, after):
        assert result.code == EXIT_OK, result

    lines = table.out.splitlines()
    assert lines[0].split() == ["ID", "CREATED", "(UTC)", "USER", "STATUS", "TITLE"]
    rows = table_rows(table.out)
    by_id = {t["id"]: t for t in everything}
    assert [row[0] for row in rows] == newest_first
    for row in rows:
        wire = by_id[row[0]]
        assert row[2] == wire["user"]
        assert row[3].split()[0] == wire["status"]["type"]
        if wire["status"].get("reason"):
            assert wire["status"]["reason"] in row[3]
        assert row[-1] == (wire["title"] or "-")

    assert as_json.json_lines() == list(reversed(everything))  # the exact wire form
    assert [t["id"] for t in user_asc.json_lines()] == user2_oldest_first
    assert [t["id"] for t in capped.json_lines()] == newest_first[:5]
    assert [t["id"] for t in after.json_lines()] == newest_first[4:]
    limits = {r.query.get("limit") for r in emu.requests if r.path == "/v1/chatkit/threads"}
    assert limits == {"100", "2"}  # --limit is the page size; the default is the maximum


def test_threads_get(emu: ChatKitEmulator) -> None:
    locked = next(t for t in emu.threads() if t["status"].get("reason"))
    table, as_json, retrieved = cli_many(
        at(emu, "threads", "get", locked["id"]),
        at(emu, "threads", "get", locked["id"], "--json"),
        at(emu, "threads", "retrieve", locked["id"], "--json"),  # the API's name works too
    )
    assert table.code == as_json.code == retrieved.code == EXIT_OK
    assert retrieved.out == as_json.out
    fields = dict(line.split(None, 1) for line in table.out.splitlines())
    assert fields["id"] == locked["id"]
    assert fields["user"] == locked["user"]
    assert fields["status"] == f"{locked['status']['type']} ({locked['status']['reason']})"
    assert fields["title"] == (locked["title"] or "-")
    assert fields["created"].endswith("UTC")
    assert as_json.json_lines() == [locked]


def test_non_ascii_ids_reach_the_server_encoded_once(emu: ChatKitEmulator) -> None:
    """An id with non-ASCII letters, as a path argument or a cursor, is encoded exactly once."""
    emu.add_thread(id="cthr_é", user="user_é")
    emu.add_thread(id="cthr_z", user="user_é")
    emu.clear_requests()
    got, listed, bad = cli_many(
        at(emu, "threads", "get", "cthr_é", "--json"),
        at(emu, "threads", "list", "--user", "user_é", "--order", "asc", "--after", "cthr_é", "--json"),
        at(emu, "threads", "get", "cthr_1/../x"),
    )
    assert got.code == EXIT_OK and got.json_lines()[0]["id"] == "cthr_é"
    assert listed.code == EXIT_OK and [t["id"] for t in listed.json_lines()] == ["cthr_z"]
    assert bad.code == EXIT_USAGE and "must not contain '/'" in bad.err
    raw = sorted(r.raw_path for r in emu.requests)
    assert "/v1/chatkit/threads/cthr_%C3%A9" in raw
    cursors = [r.query.get("after") for r in emu.requests if r.path == "/v1/chatkit/threads"]
    assert cursors == ["cthr_é"]


def test_threads_items(emu: ChatKitEmulator) -> None:
    big = emu.threads()[0]["id"]  # the 45-item thread with every item type
    emu.add_raw_item(
        big,
        {
            "type": "chatkit.hologram",
            "object": "chatkit.thread_item",
            "thread_id": big,
            "beam": {"color": "blue"},
        },
    )
    expected = emu.items(big, order="asc")
    table, as_json, desc_capped, empty = cli_many(
        at(emu, "threads", "items", big),
        at(emu, "threads", "items", big, "--json", "--limit", "7"),
        at(emu, "threads", "items", big, "--json", "--order", "desc", "--max-items", "10"),
        at(emu, "threads", "items", emu.threads()[1]["id"]),
    )
    for result in (table, as_json, desc_capped, empty):
        assert result.code == EXIT_OK, result
    assert as_json.json_lines() == expected  # unknown item types round-trip exactly
    assert [i["id"] for i in desc_capped.json_lines()] == [i["id"] for i in expected[::-1][:10]]
    assert empty.out.strip() == "No items."

    rows = table_rows(table.out)
    assert [row[0] for row in rows] == [i["id"] for i in expected]
    for row, wire in zip(rows, expected, strict=True):
        assert row[2] == wire["type"].removeprefix("chatkit.")
        item: Any = parse(wire, ThreadItem)
        assert row[3] == truncate(clean(item_summary(item)), 80)
    assert "hologram" in rows[-1][3] and "not known" in rows[-1][3]


def test_threads_delete(emu: ChatKitEmulator) -> None:
    first, second = thread_ids(emu)[:2]
    refused = cli(*at(emu, "threads", "delete", first))  # stdin is a pipe, no --yes
    assert refused.code == EXIT_USAGE and "--yes" in refused.err
    assert first in thread_ids(emu)

    deleted, receipt = cli_many(
        at(emu, "threads", "delete", first, "--yes"),
        at(emu, "threads", "delete", second, "-y", "--json"),
    )
    assert deleted.code == EXIT_OK and first in deleted.out
    assert receipt.json_lines() == [{"id": second, "object": "chatkit.thread.deleted", "deleted": True}]
    assert first not in thread_ids(emu) and second not in thread_ids(emu)

    again = cli(*at(emu, "threads", "delete", first, "--yes"))
    assert again.code == EXIT_ERROR and "404" in again.err


@pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")
def test_confirmation_prompt_on_a_terminal(emu: ChatKitEmulator) -> None:
    import pty

    def run_with_tty_stdin(args: Sequence[str], answer: bytes) -> Result:
        controller, terminal = pty.openpty()
        try:
            proc = subprocess.Popen(
                [*CLI, *args],
                stdin=terminal,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=cli_env(),
            )
            os.write(controller, answer)
            out, err = proc.communicate(timeout=60)
        finally:
            os.close(terminal)
            os.close(controller)
        result = Result(proc.returncode, out.decode(), err.decode(), tuple(args))
        check_hygiene(result, KEY)
        return result

    victim = thread_ids(emu)[0]
    declined = run_with_tty_stdin(at(emu, "threads", "delete", victim), b"n\n")
    assert declined.code == EXIT_ABORTED, declined
    assert "[y/N]" in declined.err and victim in thread_ids(emu)

    accepted = run_with_tty_stdin(at(emu, "threads", "delete", victim), b"y\n")
    assert accepted.code == EXIT_OK, accepted
    assert victim not in thread_ids(emu)

    user3 = thread_ids(emu, "user_3")
    purge = run_with_tty_stdin(at(emu, "purge-user", "user_3"), b"yes\n")
    assert purge.code == EXIT_OK, purge
    assert f"Delete {len(user3)} threads of user user_3" in purge.err
    assert thread_ids(emu, "user_3") == []


# --- sessions ---------------------------------------------------------------------------------


def test_sessions_create_and_cancel(emu: ChatKitEmulator) -> None:
    table = cli(
        *at(
            emu,
            "sessions",
            "create",
            "--user",
            "user_9",
            "--workflow",
            "wf_42",
            "--workflow-version",
            "3",
            "--expires-after",
            "120",
            "--rate-limit",
            "7",
        )
    )
    assert table.code == EXIT_OK, table
    (session,) = emu.sessions()
    secret = session["client_secret"]
    assert secret not in table.out and secret not in table.err
    fields = dict(line.split("  ", 1) for line in table.out.splitlines())
    fields = {k.strip(): v.strip() for k, v in fields.items()}
    assert fields["id"] == session["id"]
    assert fields["user"] == "user_9"
    assert fields["workflow"] == "wf_42 (version 3)"
    assert fields["rate limit"] == "7 requests/minute"
    assert fields["status"] == "active"
    assert "--show-secret" in fields["client_secret"]
    assert session["workflow"]["version"] == "3"
    assert session["rate_limits"] == {"max_requests_per_1_minute": 7}

    shown, as_json = cli_many(
        at(emu, "sessions", "create", "--user", "u", "--workflow", "wf", "--show-secret"),
        at(emu, "sessions", "create", "--user", "u", "--workflow", "wf", "--json"),
    )
    assert shown.code == as_json.code == EXIT_OK
    secrets = {s["id"]: s["client_secret"] for s in emu.sessions()}
    shown_id = shown.out.split()[1]
    assert secrets[shown_id] in shown.out
    (created,) = as_json.json_lines()
    assert created["client_secret"] == secrets[created["id"]]
    assert created == next(s for s in emu.sessions() if s["id"] == created["id"])

    cancelled, cancelled_json, missing = cli_many(
        at(emu, "sessions", "cancel", session["id"]),
        at(emu, "sessions", "cancel", created["id"], "--json"),
        at(emu, "sessions", "cancel", "cksess_nope"),
    )
    assert cancelled.code == EXIT_OK and "cancelled" in cancelled.out
    assert secret not in cancelled.out
    assert cancelled_json.json_lines()[0]["status"] == "cancelled"
    assert {s["id"]: s["status"] for s in emu.sessions()}[session["id"]] == "cancelled"
    assert missing.code == EXIT_ERROR and "404" in missing.err


# --- errors -----------------------------------------------------------------------------------


def test_errors_are_one_line_with_the_right_exit_code(emu: ChatKitEmulator) -> None:
    wrong_key = "sk-wrong-key-that-must-stay-hidden"
    with_closed_port = ChatKitEmulator().start()
    dead_url = with_closed_port.base_url
    with_closed_port.stop()
    runs = [
        at(emu, "threads", "get", "cthr_missing"),
        at(emu, "threads", "items", "cthr_missing"),
        ["--base-url", emu.base_url, "--api-key", wrong_key, "threads", "list"],
        ["--base-url", dead_url, "--api-key", KEY, "--max-retries", "0", "threads", "list"],
        ["threads", "list"],
        at(emu, "threads", "list", "--limit", "0"),
        at(emu, "threads", "list", "--after", "a", "--before", "b"),
        at(emu, "threads", "get"),
        at(emu, "threads", "get", "cthr/../x"),
        at(emu, "threads", "list", "--order", "sideways"),
        at(emu, "--timeout", "-1", "threads", "list"),
        ["--emulator", "--base-url", emu.base_url, "threads", "list"],
        ["--base-url", "ftp://example.com", "--api-key", KEY, "threads", "list"],
        ["--api-key", KEY, "nonsense-command"],
        ["--api-key=" + KEY, KEY],  # a key typed where the command goes is still hidden
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda args: cli(*args, secrets=(KEY, wrong_key)), runs))
    not_found, items_not_found, bad_key, refused, no_key, *usage = results
    assert not_found.code == EXIT_ERROR and "404" in not_found.err
    assert "cthr_missing" in not_found.err and "request_id" in not_found.err
    assert items_not_found.code == EXIT_ERROR and "404" in items_not_found.err
    assert bad_key.code == EXIT_ERROR and "401" in bad_key.err and "OPENAI_API_KEY" in bad_key.err
    assert refused.code == EXIT_ERROR and "cannot reach" in refused.err
    assert no_key.code == EXIT_NO_KEY and "OPENAI_API_KEY" in no_key.err
    assert "--api-key" in no_key.err and "--emulator" in no_key.err
    for result in usage:
        assert result.code == EXIT_USAGE, result
        assert result.out == "", result
    assert all(not r.out for r in results)


def test_a_bad_base_url_is_one_error_line_naming_the_setting() -> None:
    """A malformed --base-url or $OPENAI_BASE_URL is a usage error, never a traceback."""
    flag, scheme, password = cli_many(
        ["--base-url", "api.example.com/v1", "--api-key", KEY, "threads", "list"],
        ["--base-url", "ftp://api.example.com/v1", "--api-key", KEY, "threads", "list"],
        ["--base-url", "https://me:hunter2@api.example.com/v1", "--api-key", KEY, "threads", "list"],
    )
    env = cli("--api-key", KEY, "threads", "get", "cthr_1", env={"OPENAI_BASE_URL": "http://:99999"})
    for result in (flag, scheme, password, env):
        assert result.code == EXIT_USAGE, result
    assert flag.err.startswith("error: --base-url must start with http:// or https://")
    assert "must use http or https" in scheme.err
    assert "user name or password" in password.err and "hunter2" not in password.err
    assert env.err.startswith("error: OPENAI_BASE_URL (from the environment) ")


def test_api_key_from_the_environment_is_used_and_never_printed(emu: ChatKitEmulator) -> None:
    ok = cli("--base-url", emu.base_url, "threads", "list", "--json", env={"OPENAI_API_KEY": KEY})
    assert ok.code == EXIT_OK and len(ok.json_lines()) == len(emu.threads())
    headers = {r.header("Authorization") for r in emu.requests}
    assert headers == {f"Bearer {KEY}"}
    beta = {r.header("OpenAI-Beta") for r in emu.requests}
    assert beta == {"chatkit_beta=v1"}

    env_url = cli(
        "threads", "get", "cthr_gone", env={"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": emu.base_url}
    )
    assert env_url.code == EXIT_ERROR and "404" in env_url.err


# --- purge-user -------------------------------------------------------------------------------


def test_purge_user_removes_exactly_that_users_threads(emu: ChatKitEmulator) -> None:
    before = emu.threads()
    victims = thread_ids(emu, "user_2")
    survivors = [t for t in before if t["user"] != "user_2"]
    survivor_items = {t["id"]: emu.items(t["id"]) for t in survivors}
    assert victims and survivors

    dry, dry_json, refused = cli_many(
        at(emu, "purge-user", "user_2", "--dry-run"),
        at(emu, "purge-user", "user_2", "--dry-run", "--json"),
        at(emu, "purge-user", "user_2"),
    )
    assert dry.code == dry_json.code == EXIT_OK
    assert [row[0] for row in table_rows(dry.out.rsplit("\n", 2)[0])] == victims
    assert f"would delete {len(victims)} threads" in dry.out and "nothing was deleted" in dry.out
    assert dry_json.json_lines() == [{"user": "user_2", "dry_run": True, "would_delete": victims}]
    assert refused.code == EXIT_USAGE and "--yes" in refused.err
    assert emu.threads() == before
    assert not [r for r in emu.requests if r.method == "DELETE"]

    purged = cli(*at(emu, "purge-user", "user_2", "--yes", "--json", "--concurrency", "3"))
    assert purged.code == EXIT_OK, purged
    assert purged.json_lines() == [
        {
            "user": "user_2",
            "dry_run": False,
            "matched": len(victims),
            "deleted": victims,
            "already_gone": [],
            "failed": [],
            "ignored": 0,
            "requests": 1 + len(victims),  # the listing, then one DELETE each
            "rate_limited": 0,
        }
    ]
    assert emu.threads() == survivors
    assert {t["id"]: emu.items(t["id"]) for t in survivors} == survivor_items
    deletes = sorted(r.path.rsplit("/", 1)[1] for r in emu.requests if r.method == "DELETE")
    assert deletes == sorted(victims)

    nothing = cli(*at(emu, "purge-user", "user_2", "--yes"))
    assert nothing.code == EXIT_OK and "nothing to delete" in nothing.out


def test_purge_user_continues_past_failures_and_reports_them(emu: ChatKitEmulator) -> None:
    victims = thread_ids(emu, "user_1")
    broken = victims[1]
    emu.inject(FaultSpec(status=500, method="DELETE", path=f"/v1/chatkit/threads/{broken}", times=5))
    result = cli(*at(emu, "--max-retries", "0", "purge-user", "user_1", "--yes"))
    assert result.code == EXIT_ERROR, result
    assert f"Deleted {len(victims) - 1} of {len(victims)} threads of user user_1" in result.out
    assert "Failed to delete 1 thread:" in result.out
    failure_line = next(line for line in result.out.splitlines() if broken in line)
    assert "500" in failure_line and "request_id" in failure_line
    err_lines = result.err.strip().splitlines()
    assert len(err_lines) == 1 and err_lines[0].startswith("error: 1 of ")
    assert thread_ids(emu, "user_1") == [broken]
    assert len(thread_ids(emu)) == len(emu.threads())  # the others were untouched

    emu.clear_faults()
    retry = cli(*at(emu, "purge-user", "user_1", "--yes", "--json"))
    assert retry.code == EXIT_OK
    assert retry.json_lines()[0]["deleted"] == [broken]
    assert thread_ids(emu, "user_1") == []


def test_purge_user_json_report_lists_failures(emu: ChatKitEmulator) -> None:
    victims = thread_ids(emu, "user_3")
    emu.inject(FaultSpec(status=503, method="DELETE", path=f"/v1/chatkit/threads/{victims[0]}"))
    result = cli(*at(emu, "--max-retries", "0", "purge-user", "user_3", "--yes", "--json"))
    assert result.code == EXIT_ERROR
    (report,) = result.json_lines()
    assert report["deleted"] == victims[1:]
    assert [f["id"] for f in report["failed"]] == [victims[0]]
    assert report["failed"][0]["status_code"] == 503


# --- the embedded emulator --------------------------------------------------------------------


def test_every_command_runs_with_the_embedded_emulator(tmp_path: Path) -> None:
    reference = ChatKitEmulator(seed=5, demo_threads=7)  # same seed, same data; never started
    threads = reference.threads()
    first = threads[0]["id"]
    user = threads[0]["user"]
    out = tmp_path / "export.jsonl"
    base = ["--emulator", "--emulator-seed", "5", "--emulator-threads", "7"]
    runs = [
        [*base, "threads", "list", "--json"],
        [*base, "threads", "list"],
        [*base, "threads", "get", first, "--json"],
        [*base, "threads", "items", first, "--json"],
        [*base, "threads", "delete", first, "--yes"],
        [*base, "sessions", "create", "--user", "u", "--workflow", "wf_1"],
        [*base, "sessions", "cancel", "cksess_unknown"],
        [*base, "export", "--out", str(out)],
        [*base, "purge-user", user, "--dry-run", "--json"],
        [*base, "purge-user", user, "--yes", "--json"],
        ["--emulator", "threads", "list", "--json"],
        ["--emulator", "emulator"],
    ]
    results = cli_many(*runs)
    (listed, table, got, items, deleted, session, cancel, export, dry, purge, default, combined) = (
        results
    )
    assert listed.json_lines() == threads[::-1]
    assert len(table_rows(table.out)) == 7
    assert got.json_lines() == [threads[0]]
    assert items.json_lines() == reference.items(first, order="asc")
    assert deleted.code == EXIT_OK and first in deleted.out
    assert session.code == EXIT_OK and "wf_1" in session.out
    assert cancel.code == EXIT_ERROR and "404" in cancel.err  # every run has a fresh emulator
    assert export.code == EXIT_OK
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [rec["thread"] for rec in lines] == threads
    assert all(rec["items"] == reference.items(rec["thread"]["id"]) for rec in lines)
    user_ids = [t["id"] for t in threads if t["user"] == user]
    assert dry.json_lines()[0]["would_delete"] == user_ids
    assert purge.json_lines()[0]["deleted"] == user_ids
    assert len(default.json_lines()) == 12  # the default demo data set
    assert combined.code == EXIT_USAGE
    for result in results[:-1]:
        assert result.code in (EXIT_OK, EXIT_ERROR)


def test_emulator_command_serves_until_ctrl_c() -> None:
    proc = subprocess.Popen(
        [*CLI, "emulator", "--seed", "3", "--threads", "4", "--key", "sk-served"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(4)]
        settings = dict(
            line.strip().split("=", 1) for line in banner if line.strip().startswith("OPENAI_")
        )
        base_url = settings["OPENAI_BASE_URL"]
        assert settings["OPENAI_API_KEY"] == "sk-served"
        assert base_url.startswith("http://127.0.0.1:") and base_url.endswith("/v1")
        listed = cli(
            "--base-url", base_url, "--api-key", "sk-served", "threads", "list", "--json", secrets=()
        )
        reference = ChatKitEmulator(seed=3, demo_threads=4)
        assert listed.json_lines() == reference.threads()[::-1]
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_emulator_command_bulk_seeding_and_bad_port() -> None:
    proc = subprocess.Popen(
        [*CLI, "emulator", "--threads", "3", "--items-per-thread", "150", "--rate-limit", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline() for _ in range(4)]
        assert "3 threads x 150 items, at most 500 requests/s" in banner[0]
        base_url = banner[1].strip().split("=", 1)[1]
        assert banner[2].strip() == f"OPENAI_API_KEY={DEFAULT_API_KEY}"
        port = base_url.rsplit(":", 1)[1].split("/")[0]
        listed = cli(
            "--base-url", base_url, "--api-key", DEFAULT_API_KEY, "threads", "list", "--json", secrets=()
        )
        ids = [t["id"] for t in listed.json_lines()]
        assert len(ids) == 3
        items = cli(
            "--base-url",
            base_url,
            "--api-key",
            DEFAULT_API_KEY,
            "threads",
            "items",
            ids[0],
            "--json",
            secrets=(),
        )
        assert len(items.json_lines()) == 150
        with urllib.request.urlopen(
            urllib.request.Request(
                base_url + "/chatkit/threads",
                headers={"Authorization": f"Bearer {DEFAULT_API_KEY}", "OpenAI-Beta": "chatkit_beta=v1"},
            ),
            timeout=10,
        ) as resp:
            assert resp.headers["x-ratelimit-limit-requests"] == "500"
        busy = cli("emulator", "--port", port, secrets=())
        assert busy.code == EXIT_ERROR and "cannot serve" in busy.err
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0 and "Traceback" not in err


# --- process-level behaviour ------------------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_ctrl_c_exits_130_without_traceback(emu: ChatKitEmulator) -> None:
    emu.inject(FaultSpec(delay=30, path="/v1/chatkit/threads"))
    proc = subprocess.Popen(
        [*CLI, *at(emu, "threads", "list")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        deadline = time.monotonic() + 30
        while not emu.faults_served and time.monotonic() < deadline:
            time.sleep(0.05)  # until the (delayed) request has reached the emulator
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    result = Result(proc.returncode, out, err, ("threads", "list"))
    assert result.code == 130, result
    assert "Traceback" not in err and "interrupted" in err and KEY not in err


@pytest.mark.skipif(os.name != "posix", reason="POSIX pipes")
def test_closed_stdout_pipe_is_quiet() -> None:
    proc = subprocess.Popen(
        [*CLI, "--emulator", "--emulator-threads", "1500", "threads", "list", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(),
    )
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    proc.stderr.close()
    assert json.loads(first)["object"] == "chatkit.thread"
    assert "Traceback" not in err and "Exception ignored" not in err
    assert proc.returncode == 141


# --- in-process unit tests of the helpers -----------------------------------------------------


class _TTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_console_scrubs_secrets_and_keeps_errors_on_one_line() -> None:
    out, err = io.StringIO(), io.StringIO()
    console = Console(out, err, io.StringIO(), ["sk-abc"])
    console.error("bad key sk-abc\nsecond line")
    console.json({"title": "naïve café 🎉", "n": 1})
    assert err.getvalue() == "error: bad key *** second line\n"
    assert json.loads(out.getvalue()) == {"title": "naïve café 🎉", "n": 1}

    prompt = Console(io.StringIO(), _TTY(), _TTY("y\n"))
    assert prompt.confirm("Delete?", assume_yes=False, what="delete")
    declined = Console(io.StringIO(), _TTY(), _TTY(""))  # end of input means no
    assert not declined.confirm("Delete?", assume_yes=False, what="delete")


def test_table_cells_are_safe_and_aligned() -> None:
    assert clean("evil\x1b[2Jtitle\nwith  newline\t") == "evil [2Jtitle with newline"
    assert display_width("東京") == 4
    assert truncate("x" * 100, 10) == "x" * 7 + "..."
    assert display_width(truncate("東" * 50, 11)) <= 11
    lines = render_table(("A", "B", "C"), [["1", "東京", "z"], ["22", "b", "long tail"]])
    assert lines == ["A   B     C", "1   東京  z", "22  b     long tail"]


def test_progress_bar_draws_only_when_enabled() -> None:
    stream = _TTY()
    bar = Progress(stream, "threads", enabled=True)
    bar.update(done=3, extra="40 items", force=True)
    assert "listing..." in stream.getvalue() and "3 threads, 40 items" in stream.getvalue()
    bar.update(done=5, total=10, force=True)
    assert "[" in bar.render(columns=80) and " 50.0%" in bar.render(columns=80)
    assert len(bar.render(columns=40)) <= 39
    bar.close()
    assert stream.getvalue().endswith("\r\x1b[K")
    quiet = io.StringIO()
    off = Progress(quiet, "threads", enabled=False)
    off.update(done=1, total=2, force=True)
    off.close()
    assert quiet.getvalue() == ""


def test_item_summaries_cover_every_type() -> None:
    reference = ChatKitEmulator()  # the demo data: every item type, never started
    big = reference.threads()[0]["id"]
    summaries: dict[str, str] = {}
    for wire in reference.items(big):
        item: Any = parse(wire, ThreadItem)
        summaries.setdefault(wire["type"], item_summary(item))
        assert to_dict(item) == wire
    assert set(summaries) == {
        "chatkit.user_message",
        "chatkit.assistant_message",
        "chatkit.widget",
        "chatkit.client_tool_call",
        "chatkit.task",
        "chatkit.task_group",
    }
    assert summaries["chatkit.widget"] == "Card widget"
    assert "tasks" in summaries["chatkit.task_group"] or "task" in summaries["chatkit.task_group"]
    assert all(summaries.values())
