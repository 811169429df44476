"""The API's resources: each class builds requests and names what to decode; nothing else.

Each module holds the async class and its blocking twin side by side, so drift shows in review.
"""

from __future__ import annotations

from .sessions import AsyncSessions, AsyncSessionsWithRawResponse, Sessions, SessionsWithRawResponse
from .threads import AsyncThreads, AsyncThreadsWithRawResponse, Threads, ThreadsWithRawResponse

__all__ = [
    "AsyncSessions",
    "AsyncSessionsWithRawResponse",
    "AsyncThreads",
    "AsyncThreadsWithRawResponse",
    "Sessions",
    "SessionsWithRawResponse",
    "Threads",
    "ThreadsWithRawResponse",
]
