"""ChatKit sessions and their parts, plus the typed dicts accepted by ``sessions.create``.

Plain attrs data and TypedDicts; no I/O, no cattrs. ``ChatSession.client_secret`` is a credential:
it is left out of every ``repr``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, TypedDict

import attrs

from ._base import Model, extra_field, from_unix

__all__ = [
    "AutomaticThreadTitlingParam",
    "ChatKitConfigurationParam",
    "ChatSession",
    "ChatSessionAutomaticThreadTitling",
    "ChatSessionChatKitConfiguration",
    "ChatSessionFileUpload",
    "ChatSessionHistory",
    "ChatSessionRateLimits",
    "ChatSessionWorkflow",
    "ChatSessionWorkflowTracing",
    "ExpiresAfterParam",
    "FileUploadParam",
    "HistoryParam",
    "RateLimitsParam",
    "StateVariable",
    "WorkflowParam",
    "WorkflowTracingParam",
]

StateVariable = str | bool | int | float
"""A value of a workflow state variable (strings, booleans and numbers, kept as sent)."""


@attrs.frozen(kw_only=True)
class ChatSessionWorkflowTracing(Model):
    """Tracing settings of the session's workflow."""

    enabled: bool
    """Whether tracing is on."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSessionWorkflow(Model):
    """The workflow a session runs."""

    id: str
    """Identifier of the workflow, e.g. ``wf_123``."""
    version: str | None = None
    """Pinned workflow version, or ``None`` for the latest."""
    state_variables: dict[str, StateVariable] | None = None
    """State variables the workflow was started with, if any."""
    tracing: ChatSessionWorkflowTracing
    """Tracing settings."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSessionRateLimits(Model):
    """Request limits for one session."""

    max_requests_per_1_minute: int
    """How many requests the session may make per minute."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSessionAutomaticThreadTitling(Model):
    """Whether ChatKit titles new threads automatically."""

    enabled: bool
    """Whether automatic titling is on."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSessionFileUpload(Model):
    """Upload settings of a session."""

    enabled: bool
    """Whether uploads are allowed."""
    max_file_size: int | None = None
    """Largest upload, in megabytes, if limited."""
    max_files: int | None = None
    """Most files per session, if limited."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSessionHistory(Model):
    """Thread-history settings of a session."""

    enabled: bool
    """Whether the history panel is shown."""
    recent_threads: int | None = None
    """How many recent threads are shown, if limited."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSessionChatKitConfiguration(Model):
    """The ChatKit features in force for a session."""

    automatic_thread_titling: ChatSessionAutomaticThreadTitling
    """Automatic thread titling."""
    file_upload: ChatSessionFileUpload
    """File uploads."""
    history: ChatSessionHistory
    """Thread history."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ChatSession(Model):
    """A ChatKit session (``chatkit.session``): the credential a front end uses to talk to ChatKit.

    ``client_secret`` is hidden from ``repr``; read the attribute when you hand it to the browser.
    """

    id: str
    """Identifier of the session, e.g. ``cksess_123``."""
    expires_at: int
    """When the session expires, in unix seconds (see
    [`expires_at_datetime`][chatkit_async.types.ChatSession.expires_at_datetime])."""
    client_secret: str = attrs.field(repr=False)
    """The ephemeral secret for the ChatKit front end. Never logged or shown in ``repr``."""
    workflow: ChatSessionWorkflow
    """The workflow the session runs."""
    user: str
    """The end user the session belongs to."""
    rate_limits: ChatSessionRateLimits
    """Request limits."""
    max_requests_per_1_minute: int
    """Convenience copy of ``rate_limits.max_requests_per_1_minute``."""
    status: str
    """``"active"``, ``"expired"`` or ``"cancelled"``; a newer status is kept as its string."""
    chatkit_configuration: ChatSessionChatKitConfiguration
    """The ChatKit features in force."""
    object: str = "chatkit.session"
    """Always ``"chatkit.session"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""

    @property
    def expires_at_datetime(self) -> datetime:
        """[`expires_at`][chatkit_async.types.ChatSession.expires_at] as an aware UTC datetime."""
        return from_unix(self.expires_at)


# --- request parameters (what ``sessions.create`` accepts) ------------------------------------


class WorkflowTracingParam(TypedDict, total=False):
    """Tracing settings for a new session's workflow."""

    enabled: bool


class _WorkflowId(TypedDict):
    id: str


class WorkflowParam(_WorkflowId, total=False):
    """The workflow a new session runs. Only ``id`` is required."""

    version: str
    state_variables: Mapping[str, StateVariable]
    tracing: WorkflowTracingParam


class ExpiresAfterParam(TypedDict):
    """How long a new session lives: ``{"anchor": "created_at", "seconds": 1..600}``."""

    anchor: Literal["created_at"]
    seconds: int


class RateLimitsParam(TypedDict, total=False):
    """Request limits for a new session."""

    max_requests_per_1_minute: int


class AutomaticThreadTitlingParam(TypedDict, total=False):
    """Automatic thread titling for a new session."""

    enabled: bool


class FileUploadParam(TypedDict, total=False):
    """Upload settings for a new session (``max_file_size`` in megabytes, 1..512)."""

    enabled: bool
    max_file_size: int
    max_files: int


class HistoryParam(TypedDict, total=False):
    """Thread-history settings for a new session."""

    enabled: bool
    recent_threads: int


class ChatKitConfigurationParam(TypedDict, total=False):
    """ChatKit features for a new session; omitted keys keep the server's defaults."""

    automatic_thread_titling: AutomaticThreadTitlingParam
    file_upload: FileUploadParam
    history: HistoryParam
