"""The API's resources: each class builds requests and names what to decode; nothing else."""

from __future__ import annotations

from .sessions import AsyncSessions, AsyncSessionsWithRawResponse
from .threads import AsyncThreads, AsyncThreadsWithRawResponse

__all__ = [
    "AsyncSessions",
    "AsyncSessionsWithRawResponse",
    "AsyncThreads",
    "AsyncThreadsWithRawResponse",
]
