"""Unit tests open no socket: any attempt to connect, bind or listen fails the test.

They test the pure layers (decoding, HTTP policy, paging, the emulator's data rooms, the limiter,
the portal's hand-off) in-process. A test that needs a server belongs in ``tests/e2e``, which runs
the SDK against the emulator over loopback. (An event loop's own wake-up pipe is a socket pair,
which needs none of the three, so asyncio still works here.)
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a unit test opened a socket: it belongs in tests/e2e")


@pytest.fixture(autouse=True)
def _no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("connect", "connect_ex", "bind", "listen"):
        monkeypatch.setattr(socket.socket, name, _refuse)
    yield
