"""What a JSON value must be for a model field: the strict kinds, and the typed mismatch error.

Both decoders share this module: the readable cattrs hooks of ``chatkit_async._converter`` (the
reference) and the generated functions of ``chatkit_async._fastpath``. Keeping the kinds and
their wording here is what lets the two be compared: they accept the same values and name them the
same way. It owns no decoding itself, imports neither cattrs nor the models, and performs no I/O.

A wrong value is a ``WireTypeError`` (a ``TypeError``, as cattrs expects of a hook) carrying
what was expected and the JSON kind that came; the converter reads those attributes to write its
message, never the message text.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = [
    "PRIMITIVES",
    "TagError",
    "WireTypeError",
    "extra_fields",
    "json_copy",
    "json_kind",
]

#: The scalar field types and how a message names them. A field of one of these types takes a
#: value of exactly that class: no ``bool`` for an ``int`` (``True`` is an ``int`` in Python), no
#: ``str`` subclass, no number as a string. A ``float`` field takes an ``int`` too, as JSON does.
PRIMITIVES: Final[dict[type, str]] = {
    str: "a string",
    int: "an integer",
    bool: "a boolean",
    float: "a number",
}

_KINDS: Final[dict[type, str]] = {
    dict: "object",
    list: "array",
    bool: "boolean",
    str: "string",
    int: "integer",
    float: "number",
}


def json_kind(value: object) -> str:
    """The JSON name of ``value``'s kind (``"null"``, ``"array"``, ...), as messages say it."""
    if value is None:
        return "null"
    return _KINDS.get(type(value), type(value).__name__)


class WireTypeError(TypeError):
    """A JSON value of the wrong kind for its field.

    Attributes:
        expected: What the model wanted, as a phrase (``"a string"``, ``"an array"``).
        got: The JSON kind that came (``"integer"``, ``"null"``).
        subject: What the value was, when the path alone does not say it (``"state variable
            'plan'"``), else ``None``.
    """

    def __init__(self, expected: str, value: object, *, subject: str | None = None) -> None:
        self.expected = expected
        self.got = json_kind(value)
        self.subject = subject
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"expected {self.expected}, got {self.got}"
        return f"{self.subject}: {text}" if self.subject else text


class TagError(WireTypeError):
    """A tagged-union object whose ``type`` tag is missing (``got == "null"``) or not a string."""

    def __init__(self, value: object, *, tag_field: str) -> None:
        self.tag_field = tag_field
        super().__init__(f"a string {tag_field!r} tag", value)

    def _message(self) -> str:
        if self.got == "null":
            return f"missing {self.tag_field!r} tag"
        return f"{self.tag_field!r} must be a string, got {self.got}"


def json_copy(value: Any) -> Any:
    """A copy of JSON data that shares no dict or list with the original."""
    if value.__class__ is dict:
        return {k: json_copy(v) for k, v in value.items()}
    if value.__class__ is list:
        return [json_copy(v) for v in value]
    return value


def extra_fields(data: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The members of ``data`` that are not model fields, copied: what a model's ``extra`` keeps."""
    return {k: json_copy(v) for k, v in data.items() if k not in known}
