"""Per-call options: the keyword arguments every API method takes besides its own parameters.

This module owns [`RequestOptions`][chatkit_async.RequestOptions], written once and spliced into
every method's signature as ``**options: Unpack[RequestOptions]``, so type checkers and IDEs see
(and check) ``timeout``, ``extra_headers``, ``extra_query`` and ``extra_body`` on each method
without the four of them, and their documentation, being repeated in every signature. It also owns
``check_options``, the runtime check that a misspelt option (``timout=5``) is an error rather than
silently ignored.

Pure data and validation; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, TypedDict

from ._http import check_timeout

__all__ = ["OPTION_NAMES", "RequestOptions", "check_options"]


class RequestOptions(TypedDict, total=False):
    """The per-call options of every API method; each is optional.

    Pass them as keyword arguments (``client.threads.retrieve("cthr_1", timeout=5)``). In your own
    wrappers, type them the same way: ``**options: Unpack[RequestOptions]``.
    """

    timeout: float | None
    """Seconds for this call (each attempt), overriding the client's; ``None`` for no limit."""
    extra_headers: Mapping[str, str] | None
    """Headers to add to this request, overriding the client's of the same name."""
    extra_query: Mapping[str, object] | None
    """Query parameters to add; a ``None`` value leaves that parameter out."""
    extra_body: Mapping[str, object] | None
    """JSON fields to merge into the request body (a body is sent even for GET if given)."""


#: The names ``RequestOptions`` allows.
OPTION_NAMES: Final = RequestOptions.__optional_keys__


def check_options(options: Mapping[str, object]) -> None:
    """Refuse unknown option names and a nonsense ``timeout``, before anything is sent.

    Args:
        options: The per-call options as the method received them.

    Raises:
        TypeError: An option name that [`RequestOptions`][chatkit_async.RequestOptions] does not
            have (a typo).
        ValueError: ``timeout`` is zero, negative, NaN or infinite.
    """
    if not OPTION_NAMES.issuperset(options):
        unknown = sorted(set(options) - OPTION_NAMES)
        raise TypeError(
            f"unexpected keyword argument {unknown[0]!r}; the per-call options are "
            f"{', '.join(sorted(OPTION_NAMES))}"
        )
    if "timeout" in options:
        check_timeout(options["timeout"])
