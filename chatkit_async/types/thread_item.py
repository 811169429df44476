"""Thread items and their parts: messages, widgets, tool calls, tasks (plain attrs data, no I/O).

Every item carries ``id``, ``object``, ``type``, ``thread_id`` and ``created_at``. The ``type`` of an
item is kept exactly as the server spelled it: the official examples write ``user_message`` where the
schema says ``chatkit.user_message``, and both decode to
[`UserMessageItem`][chatkit_async.types.UserMessageItem].
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from ._base import Model, extra_field, from_unix

__all__ = [
    "AssistantMessageContent",
    "AssistantMessageItem",
    "Attachment",
    "ClientToolCallItem",
    "FileAnnotation",
    "FileAnnotationSource",
    "InferenceOptions",
    "ResponseOutputText",
    "TaskGroupItem",
    "TaskGroupTask",
    "TaskItem",
    "TextAnnotation",
    "ThreadItem",
    "ToolChoice",
    "UnknownAnnotation",
    "UnknownAssistantContent",
    "UnknownItem",
    "UnknownUserContent",
    "UrlAnnotation",
    "UrlAnnotationSource",
    "UserMessageContent",
    "UserMessageInputText",
    "UserMessageItem",
    "UserMessageQuotedText",
    "WidgetItem",
]


# --- user message parts ---------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class UserMessageInputText(Model):
    """Text the user typed (``input_text``)."""

    text: str
    """The text."""
    type: str = "input_text"
    """Always ``"input_text"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UserMessageQuotedText(Model):
    """Text the user quoted from elsewhere in the conversation (``quoted_text``)."""

    text: str
    """The quoted text."""
    type: str = "quoted_text"
    """Always ``"quoted_text"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UnknownUserContent(Model):
    """A user-message content part whose ``type`` this SDK does not know; kept verbatim."""

    type: str
    """The part type as sent by the server."""
    raw: Mapping[str, Any]
    """The part exactly as the server sent it."""


UserMessageContent = UserMessageInputText | UserMessageQuotedText | UnknownUserContent
"""One part of a user message's content."""


@attrs.frozen(kw_only=True)
class Attachment(Model):
    """A file or image attached to a user message."""

    type: str
    """``"image"`` or ``"file"``; a newer kind is kept as its string."""
    id: str
    """Identifier of the attachment."""
    name: str
    """Original file name."""
    mime_type: str
    """MIME type, e.g. ``image/png``."""
    preview_url: str | None = None
    """A URL for previewing the attachment, when there is one."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ToolChoice(Model):
    """The tool the user asked the model to use."""

    id: str
    """Identifier of the tool."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class InferenceOptions(Model):
    """Model and tool choices the user made for one message."""

    tool_choice: ToolChoice | None = None
    """The tool the user selected, if any."""
    model: str | None = None
    """The model the user selected, if any."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


# --- assistant message parts ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class FileAnnotationSource(Model):
    """Where a file annotation points."""

    filename: str
    """Name of the cited file."""
    type: str = "file"
    """Always ``"file"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class FileAnnotation(Model):
    """A citation of a file in assistant output."""

    source: FileAnnotationSource
    """The cited file."""
    type: str = "file"
    """Always ``"file"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UrlAnnotationSource(Model):
    """Where a URL annotation points."""

    url: str
    """The cited URL."""
    type: str = "url"
    """Always ``"url"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UrlAnnotation(Model):
    """A citation of a web page in assistant output."""

    source: UrlAnnotationSource
    """The cited URL."""
    type: str = "url"
    """Always ``"url"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UnknownAnnotation(Model):
    """An annotation whose ``type`` this SDK does not know; kept verbatim."""

    type: str
    """The annotation type as sent by the server."""
    raw: Mapping[str, Any]
    """The annotation exactly as the server sent it."""


TextAnnotation = FileAnnotation | UrlAnnotation | UnknownAnnotation
"""A citation attached to assistant output text."""


@attrs.frozen(kw_only=True)
class ResponseOutputText(Model):
    """Text the assistant wrote (``output_text``), with its citations."""

    text: str
    """The text."""
    annotations: list[TextAnnotation] = attrs.field(factory=list)
    """Citations of files and URLs."""
    type: str = "output_text"
    """Always ``"output_text"``."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UnknownAssistantContent(Model):
    """An assistant content part whose ``type`` this SDK does not know; kept verbatim.

    The spec knows only ``output_text`` today; this keeps a future part (say, an image) from being
    misread as text.
    """

    type: str
    """The part type as sent by the server."""
    raw: Mapping[str, Any]
    """The part exactly as the server sent it."""


AssistantMessageContent = ResponseOutputText | UnknownAssistantContent
"""One part of an assistant message's content."""


# --- items ------------------------------------------------------------------------------------


class _ItemTime(Model):
    """Mixin with the datetime view of ``created_at``, shared by every item class."""

    __slots__ = ()
    created_at: int

    @property
    def created_at_datetime(self) -> datetime:
        """``created_at`` as an aware UTC datetime."""
        return from_unix(self.created_at)


@attrs.frozen(kw_only=True)
class UserMessageItem(_ItemTime):
    """A message the end user sent (``chatkit.user_message``)."""

    id: str
    """Identifier of the item."""
    created_at: int
    """Creation time, in unix seconds."""
    thread_id: str
    """The thread the item belongs to."""
    content: list[UserMessageContent] = attrs.field(factory=list)
    """The parts of the message, in order."""
    attachments: list[Attachment] = attrs.field(factory=list)
    """Files and images the user attached."""
    inference_options: InferenceOptions | None = None
    """Model and tool choices for this message, if the user made any."""
    object: str = "chatkit.thread_item"
    """Always ``"chatkit.thread_item"``."""
    type: str = "chatkit.user_message"
    """``"chatkit.user_message"`` (or ``"user_message"``, as the server spelled it)."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class AssistantMessageItem(_ItemTime):
    """A message the assistant wrote (``chatkit.assistant_message``)."""

    id: str
    """Identifier of the item."""
    created_at: int
    """Creation time, in unix seconds."""
    thread_id: str
    """The thread the item belongs to."""
    content: list[AssistantMessageContent] = attrs.field(factory=list)
    """The parts of the message, in order."""
    object: str = "chatkit.thread_item"
    """Always ``"chatkit.thread_item"``."""
    type: str = "chatkit.assistant_message"
    """``"chatkit.assistant_message"`` (or ``"assistant_message"``, as the server spelled it)."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class WidgetItem(_ItemTime):
    """A widget shown in the conversation (``chatkit.widget``)."""

    id: str
    """Identifier of the item."""
    created_at: int
    """Creation time, in unix seconds."""
    thread_id: str
    """The thread the item belongs to."""
    widget: str
    """The widget definition, serialized as a JSON string."""
    object: str = "chatkit.thread_item"
    """Always ``"chatkit.thread_item"``."""
    type: str = "chatkit.widget"
    """``"chatkit.widget"`` (or ``"widget"``, as the server spelled it)."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class ClientToolCallItem(_ItemTime):
    """A call of a tool that runs in the client (``chatkit.client_tool_call``)."""

    id: str
    """Identifier of the item."""
    created_at: int
    """Creation time, in unix seconds."""
    thread_id: str
    """The thread the item belongs to."""
    status: str
    """``"in_progress"`` or ``"completed"``; a newer status is kept as its string."""
    call_id: str
    """Identifier of the call, to match its output."""
    name: str
    """Name of the tool."""
    arguments: str
    """The call's arguments, serialized as a JSON string."""
    output: str | None = None
    """The tool's output once it completed, serialized as a JSON string."""
    object: str = "chatkit.thread_item"
    """Always ``"chatkit.thread_item"``."""
    type: str = "chatkit.client_tool_call"
    """``"chatkit.client_tool_call"`` (or ``"client_tool_call"``, as the server spelled it)."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class TaskItem(_ItemTime):
    """A task the workflow ran and showed to the user (``chatkit.task``)."""

    id: str
    """Identifier of the item."""
    created_at: int
    """Creation time, in unix seconds."""
    thread_id: str
    """The thread the item belongs to."""
    task_type: str
    """``"custom"`` or ``"thought"``; a newer kind is kept as its string."""
    heading: str | None = None
    """Short heading, if any."""
    summary: str | None = None
    """Longer summary, if any."""
    object: str = "chatkit.thread_item"
    """Always ``"chatkit.thread_item"``."""
    type: str = "chatkit.task"
    """``"chatkit.task"`` (or ``"task"``, as the server spelled it)."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class TaskGroupTask(Model):
    """One task inside a [`TaskGroupItem`][chatkit_async.types.TaskGroupItem]."""

    type: str
    """``"custom"`` or ``"thought"``; a newer kind is kept as its string."""
    heading: str | None = None
    """Short heading, if any."""
    summary: str | None = None
    """Longer summary, if any."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class TaskGroupItem(_ItemTime):
    """A group of tasks shown together (``chatkit.task_group``)."""

    id: str
    """Identifier of the item."""
    created_at: int
    """Creation time, in unix seconds."""
    thread_id: str
    """The thread the item belongs to."""
    tasks: list[TaskGroupTask] = attrs.field(factory=list)
    """The tasks, in order."""
    object: str = "chatkit.thread_item"
    """Always ``"chatkit.thread_item"``."""
    type: str = "chatkit.task_group"
    """``"chatkit.task_group"`` (or ``"task_group"``, as the server spelled it)."""
    extra: Mapping[str, Any] = extra_field()
    """Fields the server sent that this version of the SDK does not know."""


@attrs.frozen(kw_only=True)
class UnknownItem(_ItemTime):
    """A thread item whose ``type`` this SDK does not know (the API is beta and grows).

    Nothing is guessed: the common fields are read out for convenience (empty or zero when the
    server left them out) and [`raw`][chatkit_async.types.UnknownItem.raw] keeps the whole object as
    it came.
    """

    id: str = ""
    """Identifier of the item (``""`` if the server sent none, or not as a string)."""
    created_at: int = 0
    """Creation time, in unix seconds (``0`` if the server sent none, or not as an integer)."""
    thread_id: str = ""
    """The thread the item belongs to (``""`` if the server sent none, or not as a string)."""
    type: str
    """The item type as sent by the server."""
    raw: Mapping[str, Any]
    """The item exactly as the server sent it."""
    object: str = "chatkit.thread_item"
    """The ``object`` field as sent (``"chatkit.thread_item"`` if absent, or not a string)."""


ThreadItem = (
    UserMessageItem
    | AssistantMessageItem
    | WidgetItem
    | ClientToolCallItem
    | TaskItem
    | TaskGroupItem
    | UnknownItem
)
"""Any item of a thread; unknown item types decode to
[`UnknownItem`][chatkit_async.types.UnknownItem]."""
