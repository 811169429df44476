"""The one door from the blocking client into a bulk job: ``run_blocking``.

This module owns the only code of [`chatkit_async.bulk`][chatkit_async.bulk] that calls into a
[`ChatKit`][chatkit_async.ChatKit]: it hands the async job to the client's ``_run_with_core`` seam,
which runs it with the async core on the client's event loop thread. Each ``*_sync`` function calls
the async job through it. It does nothing else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, TypeVar

from .._client import AsyncChatKit
from .._sync_client import ChatKit

__all__ = ["run_blocking"]

P = ParamSpec("P")
T = TypeVar("T")


def run_blocking(
    client: ChatKit,
    job: Callable[Concatenate[AsyncChatKit, P], Awaitable[T]],
    /,
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run ``job(<the client's async core>, *args, **kwargs)`` on the client's loop and wait.

    Ctrl-C while waiting raises ``KeyboardInterrupt`` here and cancels the job on the loop, where
    its clean-up (closing the export's partial file, finishing the mirror's transaction) runs.

    Args:
        client: An open blocking client.
        job: An async bulk job taking an ``AsyncChatKit`` first.
        *args: Its other positional arguments.
        **kwargs: Its keyword arguments.

    Returns:
        What the job returned.
    """
    if not isinstance(client, ChatKit):
        raise TypeError(f"expected a ChatKit client, got {type(client).__name__}")
    return client._run_with_core(lambda core: job(core, *args, **kwargs))
