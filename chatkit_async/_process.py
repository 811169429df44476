"""Process edges: telling whether this process is a fork of the one that made an object.

Objects that own a thread or sockets (the blocking client's portal, a transport's aiohttp session)
are useless in a child made by ``os.fork()``: the thread does not exist there, and the sockets are
shared with the parent, so using them would corrupt both processes' connections. Each such object
records ``fork_generation`` when it is made and compares it before use; a child sees a newer
generation and refuses with ``FORKED_MESSAGE`` instead of hanging on a loop that is not there.

The generation is a counter bumped in the child by ``os.register_at_fork``, so the check is one
integer comparison, not a ``getpid()`` system call per request. This module performs no I/O.
"""

from __future__ import annotations

import os
from typing import Final

__all__ = ["FORKED_MESSAGE", "fork_generation"]

#: What a client made before ``os.fork()`` says when it is used in the child.
FORKED_MESSAGE: Final = (
    "This chatkit-async client was created in another process (before os.fork()); its event loop "
    "thread and connections do not exist in this one. Create a new client in the child process."
)

_generation = 0


def fork_generation() -> int:
    """How many ``os.fork()`` calls lie between the first process and this one.

    Returns:
        ``0`` in a process that was not forked (with the SDK imported), one more in each child.
    """
    return _generation


def _forked() -> None:
    global _generation
    _generation += 1


if hasattr(os, "register_at_fork"):  # POSIX; Windows has no fork
    os.register_at_fork(after_in_child=_forked)
