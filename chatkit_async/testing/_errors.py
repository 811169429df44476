"""OpenAI's error vocabulary as the emulator speaks it: two refusals and the error envelope.

This module owns ``InvalidRequest`` (served as 400) and ``NotFound`` (served as 404), which
the data layer (``_store``, ``_paging``, ``_sessions``) raises in OpenAI's words, and
``error_body``, the ``{"error": {"message", "type", "param", "code"}}`` envelope every error
answer carries. It is pure: no I/O and no aiohttp; turning a refusal into an HTTP answer is the
pipeline's job (``_pipeline``).
"""

from __future__ import annotations

import orjson

__all__ = ["InvalidRequest", "NotFound", "error_body"]


class InvalidRequest(ValueError):
    """A request the API rejects with 400, in OpenAI's error vocabulary.

    Attributes:
        message: Human-readable message.
        param: The offending parameter (dotted path for body fields), if any.
        code: Machine-readable code, if any.
    """

    def __init__(self, message: str, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


class NotFound(LookupError):
    """An unknown thread or session id (served as 404).

    Attributes:
        message: Human-readable message.
    """

    def __init__(self, kind: str, object_id: str) -> None:
        self.message = f"No {kind} found with id '{object_id}'."
        super().__init__(self.message)


def error_body(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> bytes:
    """Serializes OpenAI's error envelope.

    Args:
        message: Human-readable message.
        type_: Error type, e.g. ``"invalid_request_error"``.
        param: The offending parameter, if any.
        code: Machine-readable code, if any.

    Returns:
        ``{"error": {"message": ..., "type": ..., "param": ..., "code": ...}}`` as JSON bytes.
    """
    return orjson.dumps(
        {"error": {"message": message, "type": type_, "param": param, "code": code}}
    )
