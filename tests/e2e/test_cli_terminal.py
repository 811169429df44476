"""The command line as a terminal user meets it: flag placement, help, warnings, width, colour, ETA.

Like ``test_cli.py``, commands run as real subprocesses against an emulator over loopback HTTP;
the terminal cases run them on a pseudo-terminal of a known size. The table layout and the
progress line are also checked in-process (the progress line with a fake clock), where a test can
pin the numbers.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CLI, Result, cli_env

from chatkit_async.cli import EXIT_ERROR, EXIT_OK, EXIT_USAGE
from chatkit_async.cli._commands import Handler
from chatkit_async.cli._console import EXIT_STATUSES, Console, colour_wanted
from chatkit_async.cli._format import (
    THREAD_TABLE,
    StreamingTable,
    display_width,
    render_table,
)
from chatkit_async.cli._parser import build_parser
from chatkit_async.cli._progress import Progress, format_duration
from chatkit_async.testing import ChatKitEmulator, FaultSpec

KEY = "sk-cli-terminal-5ecret-41c9"
"""The emulator's key: it must never appear in any output."""

ANSI = re.compile(r"\x1b\[[0-9;]*m")
posix_only = pytest.mark.skipif(os.name != "posix", reason="needs a pseudo-terminal")


def cli(*args: str, env: dict[str, str] | None = None) -> Result:
    """Run the command line with stdout and stderr on pipes."""
    proc = subprocess.run(
        [*CLI, *args],
        input="",
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=cli_env(env, terminal=True),
        timeout=120,
    )
    result = Result(proc.returncode, proc.stdout, proc.stderr)
    for text in (result.out, result.err):
        assert "Traceback" not in text and KEY not in text, result
    return result


def cli_many(*runs: Sequence[str], env: dict[str, str] | None = None) -> list[Result]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda run: cli(*run, env=env), runs))


def on_terminal(*args: str, columns: int, env: dict[str, str] | None = None) -> Result:
    """Run the command line with stdout and stderr on a pseudo-terminal ``columns`` wide.

    Both streams share the terminal, as in a shell, so ``out`` holds everything and ``err`` is
    empty; the terminal turns each newline into CR LF, which is undone here.
    """
    import fcntl
    import pty
    import struct
    import termios

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    try:
        proc = subprocess.Popen(
            [*CLI, *args],
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=terminal,
            env=cli_env(env, terminal=True),
        )
        os.close(terminal)
        terminal = -1
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the other end is closed and drained
                break
            if not chunk:
                break
            drawn += chunk
        proc.wait(timeout=120)
    finally:
        if terminal >= 0:
            os.close(terminal)
        os.close(controller)
    text = drawn.decode("utf-8").replace("\r\n", "\n")
    assert "Traceback" not in text and KEY not in text, text
    return Result(proc.returncode, text, "")


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    """A started emulator with the demo data set, accepting only :data:`KEY`."""
    emulator = ChatKitEmulator(api_key=KEY).start()
    try:
        yield emulator
    finally:
        emulator.stop()


def newest_first(emu: ChatKitEmulator) -> list[str]:
    return [t["id"] for t in reversed(emu.threads())]


# --- global options before or after the command ------------------------------------------------


def test_global_options_work_before_and_after_the_command(emu: ChatKitEmulator, tmp_path: Path) -> None:
    url = emu.base_url
    out_after = tmp_path / "after.jsonl"
    runs = [
        ["--base-url", url, "--api-key", KEY, "threads", "list", "--json"],
        ["threads", "list", "--json", "--base-url", url, "--api-key", KEY],
        ["threads", "--base-url", url, "list", "--api-key", KEY, "--json"],  # on the group too
        ["export", "--out", str(out_after), "--api-key", KEY, "--base-url", url],
        ["threads", "list", "--emulator", "--json"],
        ["--emulator-threads", "3", "threads", "list", "--emulator", "--json"],
        [
            "--emulator",
            "--emulator-threads",
            "3",
            "threads",
            "list",
            "--emulator-threads",
            "5",
            "--json",
        ],
        ["sessions", "create", "--user", "u", "--workflow", "wf_1", "--emulator", "--json"],
    ]
    before, after, group, export, emulated, seeded, later, session = cli_many(*runs)
    expected = newest_first(emu)
    for result in (before, after, group):
        assert result.code == EXIT_OK, result
        assert [t["id"] for t in result.json_lines()] == expected
    assert export.code == EXIT_OK, export
    exported = [json.loads(line)["thread"]["id"] for line in out_after.read_text("utf-8").splitlines()]
    assert exported == expected[::-1]
    assert emulated.code == EXIT_OK and len(emulated.json_lines()) == 12
    assert seeded.code == EXIT_OK and len(seeded.json_lines()) == 3
    assert later.code == EXIT_OK and len(later.json_lines()) == 5  # the later value wins
    assert session.code == EXIT_OK and session.json_lines()[0]["workflow"]["id"] == "wf_1"
    assert {r.header("Authorization") for r in emu.requests} == {f"Bearer {KEY}"}


def test_the_later_of_two_placements_wins(emu: ChatKitEmulator) -> None:
    """Given before and after the command, the value after it is used, as when an option is
    repeated; shown with an API key (the wrong one fails) and a retry count (0 gives up)."""
    wrong = "sk-wrong-5ecret-0000"
    url = emu.base_url
    right_later, wrong_later = cli_many(
        ["--api-key", wrong, "threads", "list", "--base-url", url, "--api-key", KEY, "--json"],
        ["--api-key", KEY, "threads", "list", "--base-url", url, "--api-key", wrong, "--json"],
    )
    assert right_later.code == EXIT_OK and len(right_later.json_lines()) == len(emu.threads())
    assert wrong_later.code == EXIT_ERROR and "401" in wrong_later.err
    assert wrong not in wrong_later.err

    emu.inject(FaultSpec(status=500, path="/v1/chatkit/threads", times=1))
    gave_up = cli(
        "--max-retries",
        "3",
        "threads",
        "list",
        "--base-url",
        url,
        "--api-key",
        KEY,
        "--max-retries",
        "0",
    )
    assert gave_up.code == EXIT_ERROR and "500" in gave_up.err
    emu.inject(FaultSpec(status=500, path="/v1/chatkit/threads", times=1))
    retried = cli(
        "--max-retries",
        "0",
        "threads",
        "list",
        "--base-url",
        url,
        "--api-key",
        KEY,
        "--max-retries",
        "2",
        "--json",
    )
    assert retried.code == EXIT_OK and len(retried.json_lines()) == len(emu.threads())


def test_global_options_after_the_command_are_checked_like_before() -> None:
    bad_timeout, bad_combo, on_emulator_command, no_subcommand, only_options = cli_many(
        ["threads", "list", "--timeout", "-1"],
        ["threads", "list", "--emulator", "--base-url", "http://127.0.0.1:9/v1"],
        ["emulator", "--api-key", KEY],  # the emulator command takes no connection options
        ["threads"],  # only a bare call prints the help; a missing command is an error
        ["--emulator"],
    )
    assert "{list,get,delete,items}" in no_subcommand.err and "COMMAND" in only_options.err
    for result in (bad_timeout, bad_combo, on_emulator_command, no_subcommand, only_options):
        assert result.code == EXIT_USAGE, result
        assert result.out == "" and result.err.startswith("error: ") and result.err.count("\n") == 1
    assert "--timeout" in bad_timeout.err
    assert "--emulator and --base-url" in bad_combo.err


def test_every_command_carries_its_handler() -> None:
    """Dispatch reads the handler each leaf parser carries, never a ``dest`` name: every command
    path ends in a parser with a handler, and no command level stores its name."""
    parser = build_parser(Console(io.StringIO(), io.StringIO(), io.StringIO()))
    leaves: dict[str, Handler] = {}

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        subparsers = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        if not subparsers:
            handler = p.get_default("handler")
            assert isinstance(handler, Handler), path
            leaves[path] = handler
            return
        for action in subparsers:
            assert action.dest == argparse.SUPPRESS, path
            for name, child in action.choices.items():
                walk(child, f"{path} {name}".strip())

    walk(parser, "")
    assert set(leaves) == {
        "threads list",
        "threads get",
        "threads retrieve",  # an alias: the same parser as "threads get"
        "threads delete",
        "threads items",
        "sessions create",
        "sessions cancel",
        "export",
        "mirror",
        "purge-user",
        "emulator",
    }
    assert [path for path, h in leaves.items() if not h.uses_api] == ["emulator"]
    assert leaves["threads retrieve"] is leaves["threads get"]


# --- help, warnings, exit statuses ------------------------------------------------------------


def test_no_arguments_prints_the_help_and_exit_statuses_are_documented() -> None:
    bare, helptext = cli_many([], ["--help"])
    assert bare.code == EXIT_OK and bare.err == "" and bare.out == helptext.out
    assert bare.out.startswith("usage: chatkit-async")
    epilog = bare.out.split("exit statuses:", 1)[1]
    documented = {int(m.group(1)) for m in re.finditer(r"^\s{2}(\d+)\s", epilog, re.MULTILINE)}
    assert documented == {code for code, _ in EXIT_STATUSES} == {0, 1, 2, 3, 4, 130, 143}
    assert "NO_COLOR" in bare.out and "global options (before or after the command)" in bare.out

    docs = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text("utf-8")
    table = docs.split("## Exit statuses", 1)[1].split("\n## ", 1)[0]
    in_docs = {int(m.group(1)) for m in re.finditer(r"^\| (\d+) \|", table, re.MULTILINE)}
    assert in_docs == {code for code, _ in EXIT_STATUSES}


def test_an_api_key_given_with_the_emulator_is_ignored_with_a_warning() -> None:
    before, after, from_env, plain = [
        cli(*args, env=env)
        for args, env in (
            (["--api-key", KEY, "--emulator", "threads", "list", "--json"], None),
            (["threads", "list", "--emulator", "--json", "--api-key", KEY], None),
            (["threads", "list", "--emulator", "--json"], {"OPENAI_API_KEY": KEY}),
            (["threads", "list", "--emulator", "--json"], None),
        )
    ]
    for result in (before, after):
        assert result.code == EXIT_OK and len(result.json_lines()) == 12
        assert result.err.count("\n") == 1 and result.err.startswith("warning: --api-key is ignored")
        assert "--emulator" in result.err
    # The key from the environment is ambient, not a request to use it: no warning.
    assert from_env.code == plain.code == EXIT_OK
    assert from_env.err == plain.err == ""


# --- colour -----------------------------------------------------------------------------------


def test_no_colour_when_piped_or_with_no_color(emu: ChatKitEmulator) -> None:
    url = emu.base_url
    table = ["threads", "list", "--base-url", url, "--api-key", KEY]
    missing = ["threads", "get", "cthr_missing", "--base-url", url, "--api-key", KEY]
    runs = [table, missing]
    piped = cli_many(*runs)
    no_color = cli_many(*runs, env={"NO_COLOR": "1", "FORCE_COLOR": "1"})
    forced = cli_many(*runs, env={"FORCE_COLOR": "1"})
    for result in (*piped, *no_color):
        assert "\x1b" not in result.out + result.err, result
    plain_table, plain_error = piped
    forced_table, forced_error = forced
    assert plain_error.code == forced_error.code == EXIT_ERROR
    assert plain_error.err.startswith("error: ")
    assert forced_error.err.startswith("\x1b[31merror:\x1b[0m ")
    request_id = re.compile(r"req_[0-9a-f]+")
    assert request_id.sub("", ANSI.sub("", forced_error.err)) == request_id.sub("", plain_error.err)

    # Colour never moves a column: without the escape codes the coloured table is the plain one.
    assert forced_table.code == EXIT_OK
    assert ANSI.sub("", forced_table.out) == plain_table.out
    statuses = {t["status"]["type"] for t in emu.threads()}
    assert statuses == {"active", "locked", "closed"}
    assert "\x1b[32mactive" in forced_table.out
    assert "\x1b[33mlocked" in forced_table.out
    assert "\x1b[31mclosed" in forced_table.out
    assert "\x1b[1mID" in forced_table.out.splitlines()[0]  # the header is bold


def test_colour_rules() -> None:
    assert colour_wanted(True, {})
    assert not colour_wanted(False, {})
    assert not colour_wanted(True, {"NO_COLOR": "1"})
    assert not colour_wanted(True, {"NO_COLOR": "0"})  # any non-empty value
    assert colour_wanted(True, {"NO_COLOR": ""})  # empty means unset (no-color.org)
    assert not colour_wanted(True, {"TERM": "dumb"})
    assert colour_wanted(False, {"FORCE_COLOR": "1"})
    assert not colour_wanted(False, {"FORCE_COLOR": "1", "NO_COLOR": "1"})

    err = io.StringIO()
    console = Console(io.StringIO(), err, io.StringIO(), ["sk-x"], environ={"FORCE_COLOR": "1"})
    console.warning("about sk-x")
    console.error("bad sk-x")
    assert err.getvalue() == "\x1b[33mwarning:\x1b[0m about ***\n\x1b[31merror:\x1b[0m bad ***\n"


@posix_only
def test_on_a_terminal_colour_unless_no_color(emu: ChatKitEmulator) -> None:
    args = ["threads", "list", "--base-url", emu.base_url, "--api-key", KEY]
    coloured = on_terminal(*args, columns=120)
    plain = on_terminal(*args, columns=120, env={"NO_COLOR": "1"})
    dumb = on_terminal(*args, columns=120, env={"TERM": "dumb"})
    assert coloured.code == plain.code == dumb.code == EXIT_OK
    assert "\x1b[32mactive\x1b[0m" in coloured.out
    assert "\x1b" not in plain.out and "\x1b" not in dumb.out
    assert ANSI.sub("", coloured.out) == plain.out
    error = on_terminal(
        "threads", "get", "cthr_x", "--base-url", emu.base_url, "--api-key", KEY, columns=120
    )
    assert error.code == EXIT_ERROR and error.out.startswith("\x1b[31merror:\x1b[0m ")


# --- width ------------------------------------------------------------------------------------


def _long_title_emulator(emu: ChatKitEmulator) -> dict[str, Any]:
    return emu.add_thread(
        user="user_9",
        title="A very long title about quarterly planning, " * 4 + "and the end",
        status={"type": "locked", "reason": "Waiting for the legal team to review it"},
    )


@pytest.mark.parametrize("columns", [80, 120])
def test_tables_fit_columns_and_keep_ids_whole(emu: ChatKitEmulator, columns: int) -> None:
    long = _long_title_emulator(emu)
    big = emu.threads()[0]["id"]
    threads, items = cli_many(
        ["threads", "list", "--base-url", emu.base_url, "--api-key", KEY],
        ["threads", "items", big, "--base-url", emu.base_url, "--api-key", KEY],
        env={"COLUMNS": str(columns)},
    )
    assert threads.code == items.code == EXIT_OK
    for result in (threads, items):
        widths = [display_width(line) for line in result.out.splitlines()]
        assert max(widths) <= columns, (columns, result.out)
    rows = threads.out.splitlines()[1:]
    assert [row.split()[0] for row in rows] == newest_first(emu)  # every id whole
    long_row = next(row for row in rows if row.startswith(long["id"]))
    assert " user_9 " in long_row and long_row.endswith("...")
    shown_title = re.split(r"\s{2,}", long_row)[-1].removesuffix("...")
    assert long["title"].startswith(shown_title) and len(shown_title) >= 10
    if columns >= 120:  # room for the status's reason as well as a fair part of the title
        assert "locked (Waiting" in long_row
    item_ids = [line.split()[0] for line in items.out.splitlines()[1:]]
    assert item_ids == [i["id"] for i in emu.items(big, order="asc")]


def test_piped_without_columns_keeps_every_cell_whole(emu: ChatKitEmulator) -> None:
    long = _long_title_emulator(emu)
    piped = cli("threads", "list", "--base-url", emu.base_url, "--api-key", KEY)
    assert piped.code == EXIT_OK
    row = next(line for line in piped.out.splitlines() if line.startswith(long["id"]))
    assert row.endswith(long["title"])
    assert "locked (Waiting for the legal team to review it)" in row


def test_a_streamed_table_still_fits_when_a_later_page_is_wider(emu: ChatKitEmulator) -> None:
    """Pages of 4: the layout is fixed by the first page; an older thread on a later page has a
    much longer user and title, yet every line fits and the user is whole."""
    with ChatKitEmulator(api_key=KEY, demo=False) as small:
        wide = small.add_thread(user="ana.silva@example.org", title="T" * 90)
        for n in range(8):
            small.add_thread(user=f"u{n}", title=f"Thread {n}")
        result = cli(
            "threads",
            "list",
            "--limit",
            "4",
            "--base-url",
            small.base_url,
            "--api-key",
            KEY,
            env={"COLUMNS": "90"},
        )
    assert result.code == EXIT_OK
    lines = result.out.splitlines()
    assert max(display_width(line) for line in lines) <= 90, result.out
    assert len(lines) == 10
    column = lines[0].index("USER")
    assert all(line[column:].startswith("u") for line in lines[1:9])  # the fixed layout
    assert lines[-1].startswith(wide["id"]) and "  ana.silva@example.org  " in lines[-1]
    assert lines[-1].endswith("...")


@posix_only
def test_on_a_terminal_tables_fit_its_width(emu: ChatKitEmulator) -> None:
    long = _long_title_emulator(emu)
    result = on_terminal(
        "threads",
        "list",
        "--base-url",
        emu.base_url,
        "--api-key",
        KEY,
        columns=100,
        env={"NO_COLOR": "1"},
    )
    assert result.code == EXIT_OK
    lines = result.out.splitlines()
    assert max(display_width(line) for line in lines) <= 100
    assert next(line for line in lines if line.startswith(long["id"])).endswith("...")


def test_table_layout_in_process() -> None:
    rows = [
        ["cthr_1", "2025-01-01 00:00:00", "user_1", "locked (Under review)", "東京" * 30],
        ["cthr_2", "2025-01-01 00:00:00", "user_2", "frozen (unknown)", "short"],
    ]
    headers = list(THREAD_TABLE.headers)
    for width in (60, 70, 100):
        lines = render_table(THREAD_TABLE, rows, width=width)
        assert all(display_width(line) <= width for line in lines), (width, lines)
        assert lines[1].startswith("cthr_1") and lines[1].endswith("...")
    assert render_table(THREAD_TABLE, rows) == render_table(headers, rows)  # no width: no cuts
    painted = render_table(THREAD_TABLE, rows, paint=lambda text, style: f"<{style}>{text}</>")
    assert "<yellow>locked (Under review)</>" in painted[1]
    assert "<dim>frozen (unknown)</>" in painted[2]

    # Whatever the width, a page lines up (every cell starts under its header) and, down to the
    # width of the ids, the floors and the gaps (79 here), fits; the user is cut last.
    page = [
        ["cthr_" + "a" * 25, "2025-01-01 00:00:00", "ana.silva@example.org", "active", "Short"],
        ["cthr_" + "b" * 25, "2025-01-02 00:00:00", "u2", "locked (Under review)", "x" * 120],
        ["cthr_" + "c" * 25, "2025-01-03 00:00:00", "u3", "closed", "東京" * 40],
    ]
    for width in range(60, 220, 3):
        lines = render_table(THREAD_TABLE, page, width=width)
        if width >= 79:
            assert max(display_width(line) for line in lines) <= width, (width, lines)
        starts = [lines[0].index(h) for h in headers]
        for line in lines[1:]:
            assert [line[i - 2 : i] for i in starts[1:]] == ["  "] * 4, (width, lines)
            assert all(line[i] != " " for i in starts), (width, lines)
        assert [line.split()[0] for line in lines[1:]] == [row[0] for row in page]
        user_cell = lines[1][starts[2] : starts[3]].strip()
        if width >= 30 + 13 + 21 + 6 + 10 + 8:
            assert user_cell == "ana.silva@example.org", (width, lines)
        else:
            assert user_cell.endswith("...") and display_width(user_cell) >= 12, (width, lines)

    # A later id 24 columns wider than the first page's: the status gives back room, the title
    # keeps its floor, the line fits, and the id is whole.
    table = StreamingTable(THREAD_TABLE, width=80)
    first = table.add([rows[1]])
    long_id = "cthr_" + "9" * 25
    later = table.add([[long_id, "2025-01-01 00:00:00", "user_3", "locked (for a while)", "x" * 80]])
    assert all(display_width(line) <= 80 for line in first + later), first + later
    assert later[0].startswith(long_id + "  2025") and later[0].endswith("x" * 7 + "...")
    assert "  locked  " in later[0]


# --- the progress bar -------------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_progress_eta_from_the_recent_rate() -> None:
    clock = _Clock()
    bar = Progress(io.StringIO(), "threads", enabled=False, columns=lambda: 120, clock=clock)
    clock.now += 5  # listing
    bar.update(done=0, extra="0 items")
    assert bar.eta() is None and "ETA" not in bar.render()
    clock.now += 30  # e.g. a confirmation prompt: no work done yet
    bar.update(done=0, total=100)
    assert bar.eta() is None and "ETA" not in bar.render()
    clock.now += 1
    bar.update(done=1)
    assert bar.eta() is None and "/s" not in bar.render()  # one sample: no rate yet
    clock.now += 2
    bar.update(done=21)
    # 20 threads in 2 s since the first finished: 79 left at 10/s. The average since the start
    # (21 in 38 s) would say 143 s.
    assert bar.eta() == pytest.approx(7.9)
    line = bar.render()
    assert line.startswith("[") and " 21.0% 21/100 threads" in line
    assert "10.0/s" in line and line.endswith("ETA 8s")

    clock.now += 60  # stalled: no unit for longer than the window
    assert bar.eta() is None and "ETA" not in bar.render()
    clock.now += 1
    bar.update(done=22)
    clock.now += 1
    bar.update(done=100)
    assert bar.eta() == 0 and bar.render().endswith("ETA 0s") and "100.0%" in bar.render()

    nearly = Progress(io.StringIO(), "threads", enabled=False, clock=clock)
    nearly.update(done=1, total=10)
    clock.now += 1
    nearly.update(done=9)
    assert nearly.eta() == pytest.approx(0.125) and nearly.render(columns=100).endswith("ETA 1s")

    unknown = Progress(io.StringIO(), "threads", enabled=False, clock=clock)
    for _ in range(5):
        clock.now += 1
        unknown.update(done=unknown.done + 10)
    assert unknown.eta() is None and "ETA" not in unknown.render(columns=120)
    assert unknown.render(columns=120).startswith("listing... 50 threads")


def test_progress_line_drops_the_least_useful_parts_first() -> None:
    clock = _Clock()
    bar = Progress(io.StringIO(), "threads", enabled=False, clock=clock)
    bar.update(done=0, total=1000, extra="12,345 items, 3 rate-limited, 8 in flight")
    clock.now += 1
    bar.update(done=10)
    clock.now += 10
    bar.update(done=110)
    wide = bar.render(columns=160)
    assert "12,345 items" in wide and "/s" in wide and "elapsed" in wide and "ETA" in wide
    for columns in (100, 80, 60, 45):
        line = bar.render(columns=columns)
        assert len(line) <= columns - 1, (columns, line)
        assert "110/1,000 threads" in line and line.endswith("ETA 1m29s"), (columns, line)
    assert "items" not in bar.render(columns=80) and "[" in bar.render(columns=80)
    assert bar.render(columns=45) == " 11.0% 110/1,000 threads  ETA 1m29s"  # the bar went
    assert bar.render(columns=30) == " 11.0% 110/1,000 threads"  # and then the ETA
    bars = set()
    for extra in ("8 in flight", "12,345 items, 3 rate-limited, 8 in flight"):
        bar.update(extra=extra)
        bars.add(bar.render(columns=120).split("]")[0])
    assert len(bars) == 1  # the bar does not jump as the counts change
    assert [format_duration(s) for s in (0.4, 42, 185, 3720)] == ["0s", "42s", "3m05s", "1h02m"]


def test_a_shown_bar_is_redrawn_while_nothing_progresses() -> None:
    clock = _Clock()
    stream = io.StringIO()
    bar = Progress(stream, "threads", enabled=True, columns=lambda: 100, clock=clock)
    bar.refresh()
    assert stream.getvalue() == ""  # no first frame from the ticker (a prompt may be showing)
    clock.now += 1
    bar.update(done=1, total=10)
    clock.now += 3
    bar.refresh()
    frames = stream.getvalue().split("\r\x1b[K")[1:]
    assert len(frames) == 2 and "1s elapsed" in frames[0] and "4s elapsed" in frames[1]
    clock.now += 0.05
    bar.refresh()  # too soon after the last drawing
    assert len(stream.getvalue().split("\r\x1b[K")) == 3


@posix_only
def test_export_progress_shows_an_eta_on_a_terminal(emu: ChatKitEmulator, tmp_path: Path) -> None:
    """Each thread's items are delayed, the sixth thread's longest, so the export takes a few
    seconds: its bar, drawn on the terminal, shows the total (known after the listing), an ETA,
    and keeps being redrawn while the sixth thread holds the file back."""
    stuck = emu.threads()[5]["id"]
    emu.inject(
        FaultSpec(delay=2.5, method="GET", path=f"/v1/chatkit/threads/{stuck}/items"),
        FaultSpec(delay=0.3, method="GET", path="/v1/chatkit/threads/", times=1000),
    )
    out = tmp_path / "tty.jsonl"
    result = on_terminal(
        "export",
        "--out",
        str(out),
        "--concurrency",
        "8",  # the listing runs up to twice this ahead, so the total is known at once
        "--base-url",
        emu.base_url,
        "--api-key",
        KEY,
        columns=120,
    )
    assert result.code == EXIT_OK, result.out
    frames = [frame for frame in result.out.split("\r\x1b[K") if frame.startswith("[")]
    total = len(emu.threads())
    assert any(f"/{total} threads" in frame and "ETA " in frame for frame in frames), frames
    assert all(len(frame) <= 119 for frame in frames)
    # While the sixth thread is held back, the bar is redrawn with the time moving on.
    waiting = [f for f in frames if f" 5/{total} threads" in f]
    elapsed = {re.findall(r"(\d+)s elapsed", f)[0] for f in waiting}
    assert len(elapsed) >= 2, frames
    assert "Exported" in result.out and len(out.read_text("utf-8").splitlines()) == total
