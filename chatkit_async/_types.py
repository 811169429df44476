"""Small shared typing helpers: the ``NOT_GIVEN`` sentinel and the request-part aliases.

This module owns the :data:`NOT_GIVEN` sentinel (for parameters where ``None`` is a meaningful
value, or where "leave it out of the request" must differ from "send null") and the aliases used in
signatures across the package. It has no dependencies beyond the standard library and performs no
I/O.

Example:
    A parameter that may be omitted entirely::

        def retrieve(thread_id: str, *, timeout: NotGivenOr[Timeout] = NOT_GIVEN) -> None:
            if timeout is NOT_GIVEN:  # mypy narrows ``timeout`` to ``float | None`` below
                ...
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Final, Literal, TypeAlias, TypeGuard, TypeVar, final

__all__ = [
    "NOT_GIVEN",
    "Body",
    "Headers",
    "NotGiven",
    "NotGivenOr",
    "Query",
    "Timeout",
    "is_given",
]

_T = TypeVar("_T")


@final
class NotGiven(enum.Enum):
    """The type of :data:`NOT_GIVEN`, the "argument was not passed" marker.

    It is a one-member enum rather than a plain class so that it is a true singleton (also across
    ``pickle`` and ``copy``) and so that type checkers narrow ``x is NOT_GIVEN`` /
    ``x is not NOT_GIVEN`` exactly as they do for ``None``. The sentinel is falsy and prints as
    ``NOT_GIVEN``.
    """

    NOT_GIVEN = "NOT_GIVEN"

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"

    __str__ = __repr__


#: Marks a parameter the caller did not pass; distinct from ``None``, which may be a real value.
NOT_GIVEN: Final = NotGiven.NOT_GIVEN

#: ``NotGivenOr[int]`` reads as "an ``int``, or the argument was not given at all".
NotGivenOr: TypeAlias = _T | NotGiven

#: HTTP headers as passed by callers (names compare case-insensitively wherever they are used).
Headers: TypeAlias = Mapping[str, str]

#: Query-string parameters; values are rendered with ``str()`` by the transport.
Query: TypeAlias = Mapping[str, object]

#: A JSON request body (an object at the top level).
Body: TypeAlias = Mapping[str, object]

#: A total per-request timeout in seconds; ``None`` disables it (not recommended).
Timeout: TypeAlias = float | None


def is_given(value: NotGivenOr[_T]) -> TypeGuard[_T]:
    """Tell whether an optional argument was passed.

    Args:
        value: The argument as received.

    Returns:
        ``False`` exactly when ``value`` is :data:`NOT_GIVEN`; type checkers then treat ``value``
        as its non-sentinel type in the ``True`` branch.
    """
    return value is not NOT_GIVEN
