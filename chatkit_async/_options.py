"""Per-call options: the keyword-only ``timeout``/``extra_*`` arguments every method takes.

Pure data and validation; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

from ._http import check_timeout
from ._types import NOT_GIVEN, NotGivenOr

__all__ = ["RequestOptions"]


class RequestOptions:
    """The keyword-only options of one call, bundled for the send pipeline."""

    __slots__ = ("extra_body", "extra_headers", "extra_query", "timeout")

    def __init__(
        self,
        *,
        timeout: NotGivenOr[float | None] = NOT_GIVEN,
        extra_headers: Mapping[str, str] | None = None,
        extra_query: Mapping[str, object] | None = None,
        extra_body: Mapping[str, object] | None = None,
    ) -> None:
        if timeout is not NOT_GIVEN:
            check_timeout(timeout)
        self.timeout = timeout
        self.extra_headers = extra_headers
        self.extra_query = extra_query
        self.extra_body = extra_body


NO_OPTIONS = RequestOptions()
