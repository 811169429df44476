"""Threads, their statuses, and the deleted-thread receipt (plain attrs data, no I/O, no cattrs)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, extra_field, from_unix

__all__ = [
    "ActiveStatus",
    "ClosedStatus",
    "LockedStatus",
    "Thread",
    "ThreadDeleted",
    "ThreadStatus",
    "UnknownStatus",
]


@attrs.frozen(kw_only=True)
class ActiveStatus(Model):
    """The thread accepts new messages."""

    type: str = "active"
    """Always ``"active"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class LockedStatus(Model):
    """The thread is read-only for now; it may be unlocked later."""

    reason: str | None = None
    """Why the thread was locked, when the server says."""
    type: str = "locked"
    """Always ``"locked"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ClosedStatus(Model):
    """The thread is closed for good."""

    reason: str | None = None
    """Why the thread was closed, when the server says."""
    type: str = "closed"
    """Always ``"closed"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UnknownStatus(Model):
    """A status whose ``type`` this SDK does not know (the API is beta and grows).

    Nothing is guessed: the ``type`` and the whole wire object are kept as they came.
    """

    type: str
    """The status type as sent by the server."""
    raw: Mapping[str, Any]
    """The status object exactly as the server sent it."""


ThreadStatus = ActiveStatus | LockedStatus | ClosedStatus | UnknownStatus
"""The status of a thread; unknown status types decode to
[`UnknownStatus`][chatkit_async.types.UnknownStatus]."""


@attrs.frozen(kw_only=True)
class Thread(Model):
    """A ChatKit thread (``chatkit.thread``)."""

    id: str
    """Identifier of the thread, e.g. ``cthr_123``."""
    created_at: int
    """Creation time, in unix seconds (see
    [`created_at_datetime`][chatkit_async.types.Thread.created_at_datetime])."""
    title: str | None = None
    """Human-readable title; ``None`` until one has been generated."""
    status: ThreadStatus
    """Whether the thread is active, locked or closed. Required: a thread the server sends without
    a status is an error, never guessed to be active."""
    user: str
    """The end user who owns the thread."""
    object: str = "chatkit.thread"
    """Always ``"chatkit.thread"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""

    @property
    def created_at_datetime(self) -> datetime:
        """[`created_at`][chatkit_async.types.Thread.created_at] as an aware UTC datetime."""
        return from_unix(self.created_at)


@attrs.frozen(kw_only=True)
class ThreadDeleted(Model):
    """The receipt for a deleted thread (``chatkit.thread.deleted``)."""

    id: str
    """Identifier of the deleted thread."""
    deleted: bool
    """Whether the thread was deleted."""
    object: str = "chatkit.thread.deleted"
    """Always ``"chatkit.thread.deleted"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""
