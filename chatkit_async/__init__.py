"""chatkit-async: an asyncio-first client for OpenAI's ChatKit API, with a blocking twin.

```python
from chatkit_async import AsyncChatKit

async with AsyncChatKit() as client:
    async for thread in client.threads.list(user="user_42"):
        print(thread.id, thread.title)
```

The public surface is what this module exports, plus :mod:`chatkit_async.types` (the models) and
:mod:`chatkit_async.testing` (the emulator and its pytest fixture).
"""

from __future__ import annotations

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
