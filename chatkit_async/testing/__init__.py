"""Testing helpers of chatkit-async: the ChatKit emulator and its pytest plugin.

This package owns the emulator, an in-process aiohttp server on loopback that implements the six
ChatKit operations of OpenAI's API faithfully (cursor paging, user filter, sessions, errors in
OpenAI's shape with ``x-request-id``, auth and beta-header checks), seeded with a deterministic
demo data set, with a request log and fault injection. It never imports the SDK, so it is an
independent oracle for the SDK's tests. The pytest fixtures live in
:mod:`chatkit_async.testing.pytest_plugin` (registered automatically as the ``chatkit_async``
plugin).

Example:
    ::

        from chatkit_async.testing import ChatKitEmulator, FaultSpec

        with ChatKitEmulator() as emu:  # or: async with ChatKitEmulator() as emu
            emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "10"}))
            client = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
"""

from __future__ import annotations

from ._demo import ITEM_TYPES
from ._emulator import (
    DEFAULT_API_KEY,
    ChatKitEmulator,
    FaultSpec,
    RecordedRequest,
    serve_forever,
)

__all__ = [
    "DEFAULT_API_KEY",
    "ITEM_TYPES",
    "ChatKitEmulator",
    "FaultSpec",
    "RecordedRequest",
    "serve_forever",
]
