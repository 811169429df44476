"""Small shared typing helpers: the ``NOT_GIVEN`` sentinel and ``Unpack`` on every Python.

This module owns the [`NOT_GIVEN`][chatkit_async.NOT_GIVEN] sentinel (for parameters where ``None``
is a meaningful value, or where "leave it out of the request" must differ from "send null"), and
re-exports ``Unpack`` from ``typing`` (3.11+) or ``typing_extensions`` (3.10), for the per-call
options that every method takes as ``**options: Unpack[RequestOptions]``. It has no dependencies
beyond the standard library (and ``typing_extensions`` on 3.10) and performs no I/O.

Examples:
    A parameter that may be omitted entirely:

        def list(*, after: NotGivenOr[str] = NOT_GIVEN) -> None:
            if after is NOT_GIVEN:  # mypy narrows ``after`` to ``str`` below
                ...
"""

from __future__ import annotations

import enum
import sys
from collections.abc import Awaitable, Callable
from typing import Final, Literal, Protocol, TypeAlias, TypeGuard, TypeVar, final

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - exercised by the 3.10 test run
    from typing_extensions import Unpack

__all__ = ["NOT_GIVEN", "BlockingCaller", "NotGiven", "NotGivenOr", "Unpack", "is_given"]

_T = TypeVar("_T")


@final
class NotGiven(enum.Enum):
    """The type of [`NOT_GIVEN`][chatkit_async.NOT_GIVEN], the "argument was not passed" marker.

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


def is_given(value: NotGivenOr[_T]) -> TypeGuard[_T]:
    """Tell whether an optional argument was passed.

    Args:
        value: The argument as received.

    Returns:
        ``False`` exactly when ``value`` is [`NOT_GIVEN`][chatkit_async.NOT_GIVEN]; type checkers
        then treat ``value`` as its non-sentinel type in the ``True`` branch.
    """
    return value is not NOT_GIVEN


class BlockingCaller(Protocol):
    """Runs a coroutine function on the blocking client's event loop and waits for its result.

    The blocking faces (resources, paginators) receive one (the client's portal) rather than the
    client, so nothing below the client imports it.
    """

    def call(self, func: Callable[[], Awaitable[_T]]) -> _T:
        """Run ``func()`` on the loop and return what it returned (or raise what it raised)."""
        ...
