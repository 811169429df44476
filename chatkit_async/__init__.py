"""chatkit-async: an asyncio-first client for OpenAI's ChatKit API, with a blocking twin.

```python
from chatkit_async import AsyncChatKit

async with AsyncChatKit() as client:
    async for thread in client.threads.list(user="user_42"):
        print(thread.id, thread.title)
```

The public surface is what this module exports, plus [`chatkit_async.types`][chatkit_async.types]
(the models), [`chatkit_async.bulk`][chatkit_async.bulk] (jobs over a whole account) and
[`chatkit_async.testing`][chatkit_async.testing] (the emulator and its pytest fixture).

DESIGN: the house, from the bottom up; each layer imports only those below it.

* ``types/``: plain attrs models. A new field, item type or union: ``types/_base.py`` says how.
* ``_converter.py`` (the readable decoding rules) and ``_fastpath.py`` (the generated decoders
  they are fuzzed against): a new decoding rule goes in the first, and the second follows.
* ``_http.py``, ``_exceptions.py``, ``_pagination.py``, ``_options.py``: pure rules (requests,
  retries, redaction, the error tree, the cursor rule, per-call options).
* ``_transport.py``: the only module that imports aiohttp. ``_portal.py``: the only one that runs
  anyio, for the blocking client.
* ``resources/``: one module per API resource; a new endpoint goes there, written once as an
  ``Endpoint`` and exposed by four thin faces (``resources/_base.py`` says how).
* ``_client.py`` (settings and the send pipeline) and ``_sync_client.py`` (the blocking face).
* ``bulk/`` and ``cli/``: built on the clients' public surface. ``testing/``: the emulator, which
  never imports the SDK; a new fault kind or endpoint there: ``testing/__init__.py`` says how.
"""

from __future__ import annotations

import inspect
import sys
from typing import is_typeddict

from ._client import AsyncChatKit
from ._converter import parse, to_dict
from ._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatKitError,
    ClientClosedError,
    ConflictError,
    CursorLoopError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
)
from ._options import RequestOptions
from ._pagination import AsyncPaginator
from ._response import APIResponse
from ._sync_client import ChatKit
from ._sync_pagination import SyncPaginator
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__
from .types import (
    ActiveStatus,
    AssistantMessageItem,
    ChatSession,
    ClientToolCallItem,
    ClosedStatus,
    LockedStatus,
    Page,
    TaskGroupItem,
    TaskItem,
    Thread,
    ThreadDeleted,
    ThreadItem,
    ThreadStatus,
    UnknownItem,
    UnknownStatus,
    UserMessageItem,
    WidgetItem,
)

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIResponse",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "ActiveStatus",
    "AssistantMessageItem",
    "AsyncChatKit",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ChatKit",
    "ChatKitError",
    "ChatSession",
    "ClientClosedError",
    "ClientToolCallItem",
    "ClosedStatus",
    "ConflictError",
    "CursorLoopError",
    "InternalServerError",
    "LockedStatus",
    "NotFoundError",
    "NotGiven",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestOptions",
    "SyncPaginator",
    "TaskGroupItem",
    "TaskItem",
    "Thread",
    "ThreadDeleted",
    "ThreadItem",
    "ThreadStatus",
    "UnknownItem",
    "UnknownStatus",
    "UnprocessableEntityError",
    "UserMessageItem",
    "WidgetItem",
    "__version__",
    "parse",
    "to_dict",
]


def _present_as_public() -> None:
    """Show the public classes as ``chatkit_async.X`` in tracebacks and reprs.

    ``chatkit_async._exceptions.NotFoundError: ...`` tells a user where the class happens to live;
    ``chatkit_async.NotFoundError`` is the name to catch. Pickling still works: each name is
    importable from here. ``typing.get_type_hints`` resolves a class's string annotations in its
    module's namespace, so those are resolved first, while the module is still the real one; a
    class whose annotations cannot be resolved at run time (a name imported only for type
    checking), the attrs models and ``RequestOptions`` keep their modules.
    """
    namespace = globals()
    for name in __all__:
        value = namespace[name]
        if (
            isinstance(value, type)
            and value.__module__.startswith("chatkit_async._")
            and not hasattr(value, "__attrs_attrs__")
            and not is_typeddict(value)
            and all(_resolve_annotations(base) for base in value.__mro__)
        ):
            value.__module__ = __name__


def _resolve_annotations(cls: type) -> bool:
    """Replace ``cls``'s own string annotations by what they name; ``False`` if one cannot be."""
    if not cls.__module__.startswith("chatkit_async."):
        return True
    own = inspect.get_annotations(cls)
    if not own:
        return True
    scope = vars(sys.modules[cls.__module__])
    try:
        resolved = {
            key: eval(text, scope, dict(vars(cls))) if isinstance(text, str) else text
            for key, text in own.items()
        }
    except Exception:
        return False
    cls.__annotations__ = resolved
    return True


_present_as_public()
