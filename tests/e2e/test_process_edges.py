"""The blocking client never hangs at the edges of a process: fork, exit, Ctrl-C and closing.

The fork, exit and Ctrl-C cases run a small program in a fresh interpreter, as a user's script
would run, against a real server on loopback, and check what the program printed and how long it
took. The generous bounds are hang detectors, not speed targets: without the behaviour under test
each of these programs waits for a server that stalls for a minute, or forever.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest

from chatkit_async import AsyncChatKit, ChatKit, ClientClosedError
from chatkit_async.testing import ChatKitEmulator, FaultSpec

KEY = "sk-test-emulator"
HANG = 60.0  # what the server makes a call wait for; every test must end long before
POSIX = pytest.mark.skipif(os.name != "posix", reason="fork and signals are POSIX")

# A server that accepts a request and never answers, and says when the client hung up.
STALL_SERVER = '''
import socket, threading

class StallServer:
    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.received = threading.Event()
        self.hung_up = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        conn, _ = self.sock.accept()
        conn.recv(65536)
        self.received.set()
        while conn.recv(65536):
            pass
        self.hung_up.set()
'''


def run_program(source: str, timeout: float = 30.0) -> tuple[subprocess.CompletedProcess[str], float]:
    """Run ``source`` in a fresh interpreter; return the result and the seconds it took."""
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    return proc, time.monotonic() - started


def last_json(proc: subprocess.CompletedProcess[str]) -> dict[str, object]:
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    assert lines, (proc.stdout, proc.stderr)
    result: dict[str, object] = json.loads(lines[-1])
    return result


@POSIX
@pytest.mark.timeout(60)
def test_a_client_used_in_a_forked_child_fails_at_once_and_the_child_exits() -> None:
    """After fork the child gets a ChatKitError at once and exits normally; the parent goes on."""
    proc, _ = run_program(
        """
        import json, os, sys, time
        from chatkit_async import AsyncChatKit, ChatKit, ChatKitError
        from chatkit_async.testing import ChatKitEmulator

        emu = ChatKitEmulator(demo_threads=2).start()
        client = ChatKit(api_key=emu.api_key, base_url=emu.base_url, timeout=10)
        tid = client.threads.list().first_page().data[0].id
        pid = os.fork()
        if pid == 0:
            started = time.monotonic()
            outcome = {}
            for name, call in (
                ("retrieve", lambda: client.threads.retrieve(tid)),
                ("list", lambda: list(client.threads.list())),
            ):
                try:
                    call()
                    outcome[name] = "worked"
                except ChatKitError as exc:
                    outcome[name] = type(exc).__name__ + ": " + str(exc)
            outcome["seconds"] = time.monotonic() - started
            print(json.dumps(outcome), flush=True)
            sys.exit(0)  # finalizers and atexit run here: they must not wait for the parent
        _, status = os.waitpid(pid, 0)
        # The child must not have disturbed the parent's kept-alive connection.
        parent = client.threads.retrieve(tid).id == tid
        client.close()
        emu.stop()
        print(json.dumps({"child_status": status, "parent_still_works": parent}))
        """
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Unclosed" not in proc.stderr, proc.stderr
    child = json.loads(proc.stdout.splitlines()[0])
    for call in ("retrieve", "list"):
        assert child[call].startswith("ChatKitError: "), child
        assert "created in another process (before os.fork())" in child[call]
    assert child["seconds"] < 5
    assert last_json(proc) == {"child_status": 0, "parent_still_works": True}


@pytest.mark.timeout(60)
def test_exit_does_not_wait_for_calls_stuck_in_daemon_threads() -> None:
    """A daemon thread blocked on a stalled server (timeout=None) does not hold up exit."""
    proc, elapsed = run_program(
        STALL_SERVER
        + """
import threading, time
from chatkit_async import ChatKit

server = StallServer()
client = ChatKit(api_key="sk-x", base_url=f"http://127.0.0.1:{server.port}/v1", timeout=None)
def call():
    try:
        client.threads.retrieve("cthr_1")
    except Exception:
        pass  # what the call gets when the interpreter goes is of no interest here

threading.Thread(target=call, daemon=True).start()
server.received.wait(10)
print("exiting", flush=True)
"""
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "exiting"
    assert "Traceback" not in proc.stderr, proc.stderr
    assert elapsed < 20


@POSIX
@pytest.mark.timeout(60)
def test_ctrl_c_in_a_blocking_call_raises_at_once_and_cancels_the_request() -> None:
    """KeyboardInterrupt reaches the caller at once, and the request's connection is closed."""
    proc, _ = run_program(
        STALL_SERVER
        + """
import json, os, signal, threading, time
from chatkit_async import ChatKit

server = StallServer()
client = ChatKit(api_key="sk-x", base_url=f"http://127.0.0.1:{server.port}/v1", timeout=None)

def interrupt():
    server.received.wait(10)
    global sent
    sent = time.monotonic()
    os.kill(os.getpid(), signal.SIGINT)

threading.Thread(target=interrupt, daemon=True).start()
try:
    client.threads.retrieve("cthr_1")
    outcome = "returned"
except KeyboardInterrupt:
    outcome = "KeyboardInterrupt"
delay = time.monotonic() - sent
cancelled = server.hung_up.wait(5)
client.close()
print(json.dumps({"outcome": outcome, "delay": delay, "request_cancelled": cancelled}))
"""
    )
    assert proc.returncode == 0, proc.stderr
    result = last_json(proc)
    assert result["outcome"] == "KeyboardInterrupt"
    assert isinstance(result["delay"], float) and result["delay"] < 2
    assert result["request_cancelled"] is True


# --- closing while calls are in flight ------------------------------------------------------


@pytest.fixture
def emu() -> Iterator[ChatKitEmulator]:
    with ChatKitEmulator(demo=False) as emulator:
        emulator.add_thread(id="cthr_1")
        yield emulator


@pytest.fixture
async def aemu() -> AsyncIterator[ChatKitEmulator]:
    async with ChatKitEmulator(demo=False) as emulator:
        emulator.add_thread(id="cthr_1")
        yield emulator


@pytest.mark.anyio
@pytest.mark.parametrize("stuck", ["request", "retry wait"])
async def test_closing_an_async_client_ends_its_calls_at_once(
    aemu: ChatKitEmulator, stuck: str
) -> None:
    """A call on the wire or sleeping before a retry raises ClientClosedError, unretried."""
    if stuck == "request":
        aemu.inject(FaultSpec(delay=HANG))
    else:
        aemu.inject(FaultSpec(status=503, headers={"retry-after-ms": str(int(HANG * 1000 // 2))}))
    client = AsyncChatKit(api_key=KEY, base_url=aemu.base_url, timeout=None)
    call = asyncio.ensure_future(client.threads.retrieve("cthr_1"))
    await asyncio.sleep(0.3)
    assert not call.done()
    started = time.monotonic()
    await client.close()
    with pytest.raises(ClientClosedError):
        await asyncio.wait_for(call, 5)
    assert time.monotonic() - started < 5
    assert len([r for r in aemu.requests if r.status]) <= 1  # no retry was sent


@pytest.mark.timeout(60)
@pytest.mark.parametrize("stuck", ["request", "retry wait"])
def test_closing_a_blocking_client_ends_calls_in_other_threads(
    emu: ChatKitEmulator, stuck: str
) -> None:
    """``close()`` returns promptly, and calls running in other threads get ClientClosedError."""
    if stuck == "request":
        emu.inject(FaultSpec(delay=HANG))
    else:
        emu.inject(FaultSpec(status=503, headers={"retry-after-ms": str(int(HANG * 1000 // 2))}))
    client = ChatKit(api_key=KEY, base_url=emu.base_url, timeout=None)
    outcome: list[BaseException | str] = []

    def call() -> None:
        try:
            client.threads.retrieve("cthr_1")
            outcome.append("returned")
        except BaseException as exc:
            outcome.append(exc)

    worker = threading.Thread(target=call)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    client.close()
    worker.join(10)
    assert time.monotonic() - started < 5
    assert not worker.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], ClientClosedError), outcome
    with pytest.raises(ClientClosedError):
        client.threads.retrieve("cthr_1")
