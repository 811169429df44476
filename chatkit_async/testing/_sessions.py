"""ChatKit sessions as the emulator keeps them: request validation, defaults, and the served view.

This module owns the rules of ``POST /v1/chatkit/sessions`` that do not depend on HTTP: checking a
decoded ``CreateChatSessionBody`` (``validate_session_body``, unknown fields ignored, errors in
OpenAI's words with a dotted ``param``), resolving it into a ``ChatSessionResource`` with the API's
defaults (``new_session``), and the view served later, where an active session past its
``expires_at`` shows ``expired`` (``session_view``). It is pure: no I/O, no clock (callers pass
``now``), no id generation (callers pass ids) and no storage (``_store`` keeps the sessions).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

import orjson

from ._errors import InvalidRequest

__all__ = ["is_int", "new_session", "session_view", "validate_session_body"]


def is_int(value: object) -> TypeGuard[int]:
    """Whether ``value`` is a JSON integer (an ``int`` that is not a ``bool``)."""
    return isinstance(value, int) and not isinstance(value, bool)


def new_session(
    request: Mapping[str, Any], *, session_id: str, client_secret: str, now: int
) -> dict[str, Any]:
    """Resolves a validated request into the stored session, with the API's defaults.

    Args:
        request: A body that passed ``validate_session_body``.
        session_id: The new session's id.
        client_secret: The new session's client secret.
        now: Current unix time (for ``expires_at``).

    Returns:
        The ``ChatSessionResource`` body, ``status`` ``"active"``.
    """
    workflow = request["workflow"]
    config = request.get("chatkit_configuration", {})
    titling = config.get("automatic_thread_titling", {})
    upload = config.get("file_upload", {})
    history = config.get("history", {})
    limit = request.get("rate_limits", {}).get("max_requests_per_1_minute", 10)
    seconds = request.get("expires_after", {}).get("seconds", 600)
    return {
        "id": session_id,
        "object": "chatkit.session",
        "expires_at": now + seconds,
        "client_secret": client_secret,
        "workflow": {
            "id": workflow["id"],
            "version": workflow.get("version"),
            "state_variables": workflow.get("state_variables"),
            "tracing": {"enabled": workflow.get("tracing", {}).get("enabled", True)},
        },
        "user": request["user"],
        "rate_limits": {"max_requests_per_1_minute": limit},
        "max_requests_per_1_minute": limit,
        "status": "active",
        "chatkit_configuration": {
            "automatic_thread_titling": {"enabled": titling.get("enabled", True)},
            "file_upload": {
                "enabled": upload.get("enabled", False),
                "max_file_size": upload.get("max_file_size", 512),
                "max_files": upload.get("max_files", 10),
            },
            "history": {
                "enabled": history.get("enabled", True),
                "recent_threads": history.get("recent_threads"),
            },
        },
    }


def session_view(session: Mapping[str, Any], now: int) -> dict[str, Any]:
    """Returns a deep copy of a stored session as served at ``now``.

    An active session past its ``expires_at`` shows ``"expired"``.
    """
    view: dict[str, Any] = orjson.loads(orjson.dumps(session))
    if view["status"] == "active" and now >= view["expires_at"]:
        view["status"] = "expired"
    return view


# ------------------------------------------------------------------------ validation


def _type_error(param: str, expected: str) -> InvalidRequest:
    return InvalidRequest(
        f"Invalid type for '{param}': expected {expected}.", param, "invalid_type"
    )


def _object(value: Any, param: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _type_error(param, "an object")
    return value


def _check_bool(obj: Mapping[str, Any], name: str, prefix: str) -> None:
    if name in obj and not isinstance(obj[name], bool):
        raise _type_error(f"{prefix}.{name}", "a boolean")


def _check_int(
    obj: Mapping[str, Any], name: str, prefix: str, minimum: int, maximum: int | None = None
) -> None:
    if name not in obj:
        return
    param = f"{prefix}.{name}" if prefix else name
    value = obj[name]
    if not is_int(value):
        raise _type_error(param, "an integer")
    if value < minimum:
        raise InvalidRequest(
            f"Invalid '{param}': integer below minimum value. Expected a value >= {minimum}, "
            f"but got {value} instead.",
            param,
            "integer_below_min_value",
        )
    if maximum is not None and value > maximum:
        raise InvalidRequest(
            f"Invalid '{param}': integer above maximum value. Expected a value <= {maximum}, "
            f"but got {value} instead.",
            param,
            "integer_above_max_value",
        )


def _missing(param: str) -> InvalidRequest:
    return InvalidRequest(
        f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
    )


def _validate_workflow(value: Any) -> None:
    workflow = _object(value, "workflow")
    if "id" not in workflow:
        raise _missing("workflow.id")
    if not isinstance(workflow["id"], str):
        raise _type_error("workflow.id", "a string")
    if "version" in workflow and not isinstance(workflow["version"], str):
        raise _type_error("workflow.version", "a string")
    if "state_variables" in workflow:
        variables = _object(workflow["state_variables"], "workflow.state_variables")
        if len(variables) > 64:
            raise InvalidRequest(
                "Invalid 'workflow.state_variables': at most 64 entries are allowed.",
                "workflow.state_variables",
                "object_above_max_properties",
            )
        for name, val in variables.items():
            param = f"workflow.state_variables.{name}"
            if len(name) > 64:
                raise InvalidRequest(
                    "Invalid 'workflow.state_variables': keys may be up to 64 characters.",
                    param,
                    "string_above_max_length",
                )
            if isinstance(val, str):
                if len(val) > 10_485_760:
                    raise InvalidRequest(
                        f"Invalid '{param}': string too long.", param, "string_above_max_length"
                    )
            elif not isinstance(val, (bool, int, float)):
                raise _type_error(param, "a string, number or boolean")
    if "tracing" in workflow:
        _check_bool(_object(workflow["tracing"], "workflow.tracing"), "enabled", "workflow.tracing")


def _validate_configuration(value: Any) -> None:
    config = _object(value, "chatkit_configuration")
    prefix = "chatkit_configuration"
    if "automatic_thread_titling" in config:
        name = f"{prefix}.automatic_thread_titling"
        _check_bool(_object(config["automatic_thread_titling"], name), "enabled", name)
    if "file_upload" in config:
        name = f"{prefix}.file_upload"
        upload = _object(config["file_upload"], name)
        _check_bool(upload, "enabled", name)
        _check_int(upload, "max_file_size", name, 1, 512)
        _check_int(upload, "max_files", name, 1)
    if "history" in config:
        name = f"{prefix}.history"
        history = _object(config["history"], name)
        _check_bool(history, "enabled", name)
        _check_int(history, "recent_threads", name, 1)


def validate_session_body(body: Any) -> dict[str, Any]:
    """Checks a decoded body against ``CreateChatSessionBody``; unknown fields are ignored.

    Args:
        body: The decoded JSON request body (any JSON value).

    Returns:
        The body itself, now known to be a valid request.

    Raises:
        InvalidRequest: At the first field that does not match the schema.
    """
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.", None, "invalid_type")
    if "workflow" not in body:
        raise _missing("workflow")
    _validate_workflow(body["workflow"])
    if "user" not in body:
        raise _missing("user")
    user = body["user"]
    if not isinstance(user, str):
        raise _type_error("user", "a string")
    if not user:
        raise InvalidRequest(
            "Invalid 'user': string too short. Expected a string with minimum length 1, "
            "but got an empty string instead.",
            "user",
            "empty_string",
        )
    if "expires_after" in body:
        expires = _object(body["expires_after"], "expires_after")
        if "anchor" not in expires:
            raise _missing("expires_after.anchor")
        if expires["anchor"] != "created_at":
            raise InvalidRequest(
                "Invalid 'expires_after.anchor': expected 'created_at'.",
                "expires_after.anchor",
                "invalid_value",
            )
        if "seconds" not in expires:
            raise _missing("expires_after.seconds")
        _check_int(expires, "seconds", "expires_after", 1, 600)
    if "rate_limits" in body:
        limits = _object(body["rate_limits"], "rate_limits")
        _check_int(limits, "max_requests_per_1_minute", "rate_limits", 1)
    if "chatkit_configuration" in body:
        _validate_configuration(body["chatkit_configuration"])
    return body
