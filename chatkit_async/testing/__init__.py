"""Testing helpers of chatkit-async: the ChatKit emulator and its pytest plugin.

The emulator is an in-process aiohttp server on loopback that implements the six ChatKit operations
of OpenAI's API faithfully (cursor paging, user filter, sessions, errors in OpenAI's shape with
``x-request-id``, auth and beta-header checks), seeded with a deterministic demo data set, with a
request log, fault injection and an optional rate limit. It never imports the SDK, so it is an
independent oracle for the SDK's tests. The pytest fixtures live in
``chatkit_async.testing.pytest_plugin`` (registered automatically as the ``chatkit_async``
plugin).

How the emulator is built (a design note for whoever changes it): one module per concern, each
readable alone. The data modules are pure (no I/O, no aiohttp) and are tested without a socket;
only `_lifecycle`, `_pipeline` and `_routes` know HTTP.

- `_emulator`: `ChatKitEmulator`, a facade that composes the modules below and adds no
  behaviour; `serve_forever`.
- `_lifecycle`: ports, serving on the caller's loop or on a daemon thread's, start and stop,
  prompt shutdown, serving in the foreground until a signal.
- `_pipeline`: the aiohttp middlewares, in the API's order: envelope (body, `Content-Type`,
  `x-request-id`, dropped connections, the request log), rate limit, faults, then the API's
  checks (authentication, routing, beta header) around the operation.
- `_routes`: the route table, one handler per operation, the 404 and 405 answers, how ids in
  paths are decoded.
- `_faults`: `FaultSpec`, the fault queue (FIFO, then a seeded random mix), what a fault answers.
- `_ratelimit`: the token bucket and OpenAI's rate-limit headers.
- `_requestlog`: `RecordedRequest` and the log.
- `_store`: threads, items and sessions in memory; seeding and deletion.
- `_paging`: sorted collections, cursor pages, the list endpoints' query parameters.
- `_sessions`: session request validation, defaults, the view served.
- `_errors`: the 400 and 404 refusals and OpenAI's error envelope.
- `_demo`: what seeded data looks like, and the demo data set.

Where a change goes:

- A new endpoint: a route template and a handler method in `_routes` (`Operations.register` lists
  the table), its data rule as a method of the store in `_store` (a new request body is validated
  beside `_sessions`), and tests over HTTP in `tests/e2e/test_emulator.py`. The middlewares serve it
  unchanged: authentication, faults, 404/405 and the log come for free.
- A new fault kind: a field of `FaultSpec` and its `kind` label in `_faults`, what it answers in
  `fault_reply` or how it is served in the `faults` middleware of `_pipeline`, and its name in
  `random_fault_specs` if the random mix should draw it.
- A new store field (say, on threads): its default in `_demo` (`make_thread`, `make_item`), and
  bookkeeping in `_store` only if a list filters or sorts by it; paging rules stay in `_paging`.
- A new check on every request: one more step in the `checks` middleware of `_pipeline`, in the
  order the real API applies it (a middleware of its own only if it must run before faults).

Examples:
    ```python
    from chatkit_async.testing import ChatKitEmulator, FaultSpec

    with ChatKitEmulator() as emu:  # or: async with ChatKitEmulator() as emu
        emu.inject(FaultSpec(status=429, headers={"retry-after-ms": "10"}))
        client = ChatKit(api_key=emu.api_key, base_url=emu.base_url)
    ```
"""

from __future__ import annotations

from ._demo import ITEM_TYPES
from ._emulator import DEFAULT_API_KEY, ChatKitEmulator, serve_forever
from ._faults import FaultSpec
from ._requestlog import RecordedRequest

__all__ = [
    "DEFAULT_API_KEY",
    "ITEM_TYPES",
    "ChatKitEmulator",
    "FaultSpec",
    "RecordedRequest",
    "serve_forever",
]
