"""Pure HTTP policy: request building, header handling and the retry rules.

This module owns everything about a request that can be decided without touching the network:

* the defaults (``DEFAULT_BASE_URL``, ``DEFAULT_TIMEOUT``, ``BETA_HEADER``, ...),
* validation and percent-encoding of ids placed in URL paths (``validate_path_id``),
* building a request: a ``Request`` value from its parts (``build_request``),
* header merging, case-insensitive lookup and redaction for logs and reprs
  (``merge_headers``, ``get_header``, ``redact_headers``,
  ``CaseInsensitiveHeaders``),
* the retry policy: which responses are retried (``should_retry_response``), what the server
  asked for (``parse_retry_after``) and how long to wait (``RetryPolicy``),
* the settings every client is built from: the API root (``parse_base_url``) and timeouts
  (``check_timeout``), each validated here and nowhere else,
* request bodies and log lines: JSON encoding of any ``Mapping`` (``encode_json_body``), query
  values (``query_value``), URLs without their query values (``url_for_log``) and secrets
  removed from text as whole values (``redact_secret``),
* which headers may follow a redirect to another origin (``is_same_origin``,
  ``headers_for_other_origin``).

It performs no I/O, never sleeps, and does not import aiohttp (only ``_transport`` does); every
function here is deterministic given its arguments (randomness and the clock can be injected).
"""

from __future__ import annotations

import math
import random
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timezone
from email.utils import parsedate_to_datetime
from typing import Final, final
from urllib.parse import quote, urlsplit

import orjson

from chatkit_async._version import __version__

__all__ = [
    "BETA_HEADER",
    "DEFAULT_BASE_URL",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_LIST_LIMIT",
    "REDACTED",
    "SECRET_HEADERS",
    "USER_AGENT",
    "CaseInsensitiveHeaders",
    "Request",
    "RetryPolicy",
    "build_default_headers",
    "build_request",
    "check_timeout",
    "encode_json_body",
    "encode_query",
    "get_header",
    "headers_for_other_origin",
    "is_same_origin",
    "merge_headers",
    "parse_base_url",
    "parse_retry_after",
    "query_value",
    "redact_headers",
    "redact_secret",
    "short_repr",
    "should_retry_response",
    "url_for_log",
    "validate_path_id",
]

#: Where requests go unless ``base_url`` / ``OPENAI_BASE_URL`` says otherwise.
DEFAULT_BASE_URL: Final = "https://api.openai.com/v1"
#: Every ChatKit request must opt in to the beta with this header (name, value).
BETA_HEADER: Final = ("OpenAI-Beta", "chatkit_beta=v1")
#: Total time allowed for one request attempt, in seconds (connect, send, wait and read).
DEFAULT_TIMEOUT: Final = 60.0
#: Time allowed to establish a connection, in seconds.
DEFAULT_CONNECT_TIMEOUT: Final = 10.0
#: How many times a failed request is retried (so at most ``1 + DEFAULT_MAX_RETRIES`` attempts).
DEFAULT_MAX_RETRIES: Final = 2
#: The ``User-Agent`` sent with every request.
USER_AGENT: Final = f"chatkit-async/{__version__}"
#: The largest page size the list endpoints accept.
MAX_LIST_LIMIT: Final = 100
#: What a secret header value is replaced with by ``redact_headers``.
REDACTED: Final = "<redacted>"
#: Lower-cased names of the headers whose values are secrets and never shown.
SECRET_HEADERS: Final = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "api-key", "x-api-key"}
)

_MAX_USER_LENGTH: Final = 512
_MAX_REPR_LENGTH: Final = 120
# Characters that change a URL's structure (or, for "%", let an id smuggle in an encoded one such
# as "%2F" or "%2e%2e"): rejected outright instead of being escaped.
_PATH_SPECIALS: Final = frozenset("/?#%")
# Unicode categories rejected in ids: controls, invisible format characters (zero-width spaces,
# bidi overrides that make a log line lie), line/paragraph separators and lone surrogates (which
# cannot be encoded as UTF-8 at all).
_FORBIDDEN_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Ids made only of characters that ``quote`` never escapes (RFC 3986 "unreserved"): the fast path of
# ``validate_path_id``, which would accept them unchanged anyway (used with ``fullmatch``).
_PLAIN_ID: Final = re.compile(r"[A-Za-z0-9_.~-]+")
_PLAIN_QUERY: Final = re.compile(r"[A-Za-z0-9_.~-]*")
_HEADER_BREAKERS: Final = frozenset("\r\n\x00")
_DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# ``Retry-After`` delay-seconds per RFC 9110 is 1*DIGIT; fractions are accepted because some
# servers send them. Signs, exponents, "nan", "inf" and Python's "1_000" are not.
_DELAY_SECONDS_RE: Final = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
# Past this many doublings the delay is at ``max_delay`` anyway; the cap avoids float overflow.
_MAX_DOUBLINGS: Final = 64


def short_repr(value: str) -> str:
    """``repr(value)``, shortened so that a huge argument cannot flood an error message.

    Args:
        value: The text to show.

    Returns:
        Its ``repr``, cut after 120 characters with the full length noted.
    """
    if len(value) <= _MAX_REPR_LENGTH:
        return repr(value)
    return f"{value[:_MAX_REPR_LENGTH]!r}... ({len(value)} characters)"


# --------------------------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------------------------


def parse_base_url(value: object, *, setting: str = "base_url") -> str:
    """Check the API root a client is built with, and return it without a trailing ``/``.

    It must be an absolute ``http://`` or ``https://`` URL with a host, an optional port within
    1..65535, and no user name or password (credentials belong in ``api_key``, and a URL is shown
    in logs and error messages). A query or fragment is refused too: every request appends a
    path to this root.

    Args:
        value: The URL as given, e.g. ``"https://api.openai.com/v1"``.
        setting: How the caller named it, for the error message, e.g. ``"base_url"`` or
            ``"OPENAI_BASE_URL"`` when it came from the environment.

    Returns:
        The URL with trailing slashes removed, e.g. ``"http://127.0.0.1:8000/v1"``.

    Raises:
        ValueError: The URL is not of that form; the message names ``setting`` and what is wrong
            (and never repeats a password it contains).
    """
    if not isinstance(value, str):
        raise ValueError(f"{setting} must be a str URL, not {type(value).__name__}")
    text = value.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # e.g. an unbalanced "[" in the host
        raise ValueError(f"{setting} is not a valid URL ({exc})") from None
    shown = short_repr(text) if parts.password is None else "(a URL with a password)"
    if not parts.scheme or "://" not in text:
        raise ValueError(
            f"{setting} must start with http:// or https://, got {shown} "
            "(for example 'https://api.openai.com/v1')"
        )
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{setting} must use http or https, not {parts.scheme!r}: {shown}")
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            f"{setting} must not contain a user name or password: {shown}; "
            "pass the key as api_key instead"
        )
    if not parts.hostname:
        raise ValueError(f"{setting} has no host: {shown}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 1 <= port <= 65535:
        raise ValueError(f"{setting} has an invalid port (1 to 65535): {shown}")
    if parts.query or parts.fragment or text.endswith(("?", "#")):
        raise ValueError(f"{setting} must not have a query or fragment: {shown}")
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in text):
        raise ValueError(f"{setting} must not contain whitespace or control characters: {shown}")
    return text.rstrip("/")


def check_timeout(value: object, name: str = "timeout") -> float | None:
    """Validate a timeout in seconds: a positive, finite number, or ``None`` for no limit.

    Args:
        value: The timeout as given.
        name: The parameter's name, for the error message.

    Returns:
        The timeout as a ``float``, or ``None``.

    Raises:
        ValueError: ``value`` is zero, negative, NaN, infinite, a ``bool`` or not a number (an
            infinite wait is spelt ``None``).
    """
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (value > 0 and math.isfinite(value))
    ):
        raise ValueError(
            f"{name} must be a positive, finite number of seconds, or None for no limit; "
            f"got {value!r}"
        )
    return float(value)


# --------------------------------------------------------------------------------------------
# Ids in paths and list queries
# --------------------------------------------------------------------------------------------


def validate_path_id(value: object, *, name: str) -> str:
    """Check an id that goes into a URL path and return it percent-encoded.

    Ids are rejected rather than escaped when escaping would not make them safe: yarl (under
    aiohttp) normalises ``..`` and ``%2e%2e`` in paths, so ``threads.retrieve("../sessions")``
    could otherwise reach a different endpoint. Everything else (for example non-ASCII letters)
    is encoded as UTF-8 percent escapes, so ``"cthr_é"`` becomes ``"cthr_%C3%A9"`` and an
    ordinary id such as ``"cthr_abc123"`` comes back unchanged.

    Args:
        value: The id as passed by the caller.
        name: The parameter's name, used in error messages (e.g. ``"thread_id"``).

    Returns:
        The id as a single, percent-encoded path segment.

    Raises:
        TypeError: If ``value`` is not a ``str`` (a programming error, such as passing a
            ``Thread`` object instead of its ``id``).
        ValueError: If ``value`` is empty, ``"."`` or ``".."``, or contains ``/``, ``?``,
            ``#``, ``%``, whitespace (any Unicode space, including U+2028 and U+2029), a control
            or invisible format character, or a lone surrogate.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__}")
    if _PLAIN_ID.fullmatch(value) and value != "." and value != "..":
        # The shape of every real id ("cthr_abc123"): nothing to reject, nothing to escape.
        return value
    if not value:
        raise ValueError(f"{name} must be a non-empty string, got ''")
    if value in {".", ".."}:
        raise ValueError(f"{name} must not be {value!r}")
    for char in value:
        if char in _PATH_SPECIALS:
            problem = f"must not contain {char!r}"
        elif char.isspace():
            problem = "must not contain whitespace"
        elif unicodedata.category(char) in _FORBIDDEN_CATEGORIES:
            problem = "must not contain control or invisible characters"
        else:
            continue
        raise ValueError(f"{name} {problem}, got {short_repr(value)}")
    return quote(value, safe="")


def encode_query(query: Mapping[str, str]) -> str:
    """Render query parameters as a URL query string (without the ``?``).

    Everything outside RFC 3986's unreserved characters is percent-encoded as UTF-8, spaces
    included (``%20``, never ``+``), so ``{"user": "a b/c"}`` gives ``"user=a%20b%2Fc"``.

    Args:
        query: Names and values, in order.

    Returns:
        The encoded ``name=value`` pairs joined with ``&``.
    """
    parts = []
    for name, value in query.items():
        if _PLAIN_QUERY.fullmatch(name) and _PLAIN_QUERY.fullmatch(value):
            # The usual case (limit=100, after=cthi_...): nothing to escape.
            parts.append(f"{name}={value}")
        else:
            parts.append(f"{quote(name, safe='')}={quote(value, safe='')}")
    return "&".join(parts)


def query_value(value: object) -> str | None:
    """Render one ``extra_query`` value: ``None`` leaves the parameter out, booleans are JSON's.

    Args:
        value: The value as the caller passed it.

    Returns:
        ``None`` for ``None`` (omit the parameter), ``"true"``/``"false"`` for booleans, the
        string itself for a ``str``, and ``str(value)`` for anything else (``20`` -> ``"20"``).
    """
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value if isinstance(value, str) else str(value)


def _json_default(value: object) -> object:
    # orjson knows dict, list, tuple, str, numbers, bool and None; a signature that accepts any
    # ``Mapping`` (a ``MappingProxyType``, a ``ChainMap``...) must not fail on the caller's choice.
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


class Request:
    """One HTTP request, fully built: what the transport sends, attempt after attempt.

    A plain slotted class (one is built per call; treat it as immutable).

    Attributes:
        method: The HTTP method, e.g. ``"GET"``.
        url: The absolute URL, query included, every part already encoded.
        headers: The headers to send (secrets included: never log them without
            ``redact_headers``).
        content: The body bytes, or ``None`` for no body.
        timeout: Seconds allowed for each attempt; ``None`` for no limit.
        idempotent: Whether sending it twice does what sending it once does (it decides which
            failures are retried).
    """

    __slots__ = ("content", "headers", "idempotent", "method", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: bytes | None,
        timeout: float | None,
        idempotent: bool = True,
    ) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.content = content
        self.timeout = timeout
        self.idempotent = idempotent

    def __repr__(self) -> str:
        # Never the headers: they hold the API key.
        return f"<Request {self.method} {url_for_log(self.url)}>"


def build_request(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: float | None,
    query: Mapping[str, str] | None = None,
    body: Mapping[str, object] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    extra_query: Mapping[str, object] | None = None,
    extra_body: Mapping[str, object] | None = None,
    idempotent: bool = True,
) -> Request:
    """Build a ``Request`` from its parts, the caller's extras merged in.

    Args:
        method: The HTTP method.
        url: The absolute URL without a query.
        headers: The client's headers (already merged and validated).
        timeout: Seconds per attempt (``None``: no limit).
        query: The endpoint's query, values already strings.
        body: The endpoint's JSON body.
        extra_headers: Headers added over ``headers`` (case-insensitively).
        extra_query: Parameters added over ``query``; a ``None`` value removes one (see
            ``query_value``).
        extra_body: Fields merged over ``body``; giving it sends a body even when the endpoint
            has none.
        idempotent: See ``Request.idempotent``.

    Returns:
        The request; ``Content-Type: application/json`` is set exactly when there is a body.

    Raises:
        TypeError: An ``extra_query`` name that is not a string, a header that is not a string,
            or a body JSON cannot carry.
        ValueError: A header name or value that could split the header block.
    """
    if extra_query:
        merged = dict(query or {})
        for name, value in extra_query.items():
            if not isinstance(name, str):
                raise TypeError(f"extra_query names must be str, not {type(name).__name__}")
            rendered = query_value(value)
            if rendered is None:
                merged.pop(name, None)
            else:
                merged[name] = rendered
        query = merged
    if query:
        url = f"{url}?{encode_query(query)}"
    if extra_body:
        body = {**(body or {}), **extra_body}
    content = None
    if body is not None:
        content = encode_json_body(body)
        headers = {**headers, "Content-Type": "application/json"}
    if extra_headers:
        headers = merge_headers(headers, extra_headers)
    return Request(method, url, headers, content, timeout, idempotent)


def encode_json_body(body: Mapping[str, object]) -> bytes:
    """Encode a request body as JSON, accepting any ``Mapping`` at any depth.

    Args:
        body: The body: mappings, lists, tuples, strings, numbers, booleans and ``None``.

    Returns:
        The UTF-8 JSON bytes.

    Raises:
        TypeError: A value cannot be sent as JSON (a ``set``, a ``datetime``, an object, a dict
            with non-string keys, a number too large for JSON); the message names its type.
    """
    try:
        return orjson.dumps(body, default=_json_default)
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError; never let it escape as is
        raise TypeError(f"The request body cannot be sent as JSON: {exc}") from None


# --------------------------------------------------------------------------------------------
# Headers
# --------------------------------------------------------------------------------------------


@final
class CaseInsensitiveHeaders(Mapping[str, str]):
    """A read-only, picklable header mapping whose lookups ignore the case of names.

    Iteration yields the names as first seen. When a name occurs more than once (as it can in an
    aiohttp multidict), the first value wins, matching ``multidict``'s ``get``. Its ``repr``
    redacts secret headers (see ``redact_headers``). Exceptions carry response headers in
    this form, so ``err.headers["x-request-id"]`` works whatever case the server used.

    Examples:
        >>> h = CaseInsensitiveHeaders({"X-Request-Id": "req_1"})
        >>> h["x-request-id"], "X-REQUEST-ID" in h, list(h)
        ('req_1', True, ['X-Request-Id'])
    """

    __slots__ = ("_items",)

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        """Copy ``headers`` (a mapping or ``(name, value)`` pairs).

        Names and values that are not strings are converted with ``str()``.
        """
        pairs: Iterable[tuple[object, object]] = (
            headers.items() if isinstance(headers, Mapping) else headers
        )
        items: dict[str, tuple[str, str]] = {}
        for key, value in pairs:
            name = key if isinstance(key, str) else str(key)
            items.setdefault(name.lower(), (name, value if isinstance(value, str) else str(value)))
        self._items = items

    def __getitem__(self, key: str) -> str:
        if isinstance(key, str):
            entry = self._items.get(key.lower())
            if entry is not None:
                return entry[1]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_headers(self)!r})"

    def __reduce__(self) -> tuple[type[CaseInsensitiveHeaders], tuple[list[tuple[str, str]]]]:
        return (type(self), (list(self._items.values()),))


def get_header(headers: Mapping[str, str], name: str) -> str | None:
    """Look a header up by name, ignoring case, in any mapping.

    Works with plain dicts (``{"X-Request-Id": ...}``), aiohttp's ``CIMultiDictProxy`` and
    ``CaseInsensitiveHeaders`` alike.

    Args:
        headers: The headers to search.
        name: The header name, in any case.

    Returns:
        The value, or ``None`` if the header is absent.
    """
    value = headers.get(name)
    if value is not None:
        return value
    wanted = name.lower()
    for key, candidate in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return candidate
    return None


def _check_header(name: object, value: object) -> None:
    """Refuse names and values that are not strings or that could split a header line."""
    if not isinstance(name, str):
        raise TypeError(f"header names must be str, not {type(name).__name__}")
    if not isinstance(value, str):
        raise TypeError(f"header {name!r} must have a str value, not {type(value).__name__}")
    if not name or any(char in _HEADER_BREAKERS or char.isspace() for char in name):
        raise ValueError(f"invalid header name {short_repr(name)}")
    if any(char in _HEADER_BREAKERS for char in value):
        # The value itself is not shown: it may be a credential.
        raise ValueError(f"header {name!r} has a value containing CR, LF or NUL")


def merge_headers(*layers: Mapping[str, str] | None) -> dict[str, str]:
    """Merge header layers; later layers win, and names compare case-insensitively.

    A name keeps its first position in the result but takes the spelling and value of the last
    layer that set it, e.g. ``merge_headers({"User-Agent": "a"}, {"user-agent": "b"})`` is
    ``{"user-agent": "b"}``. ``None`` layers are skipped.

    Args:
        *layers: Header mappings, lowest precedence first (defaults, client, per call).

    Returns:
        A new dict.

    Raises:
        TypeError: If a name or value is not a ``str``.
        ValueError: If a name is empty or contains whitespace, or a name or value contains CR,
            LF or NUL (which would let a value inject further headers). The message never shows
            the offending value.
    """
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        if layer is None:
            continue
        for name, value in layer.items():
            _check_header(name, value)
            merged[name.lower()] = (name, value)
    return dict(merged.values())


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Copy headers with secret values replaced by ``"<redacted>"``, for logs and reprs.

    The secret headers are ``Authorization``, ``Proxy-Authorization``, ``Cookie``,
    ``Set-Cookie``, ``Api-Key`` and ``X-Api-Key``, matched in any case. Other headers (including
    ``OpenAI-Organization`` and ``OpenAI-Project``, which are identifiers, not credentials) are
    kept as they are.

    Args:
        headers: The headers to copy.

    Returns:
        A new dict with the same names, in the same order.
    """
    return {
        name: REDACTED if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


def build_default_headers(
    *,
    api_key: str,
    organization: str | None = None,
    project: str | None = None,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Build the headers every request of a client carries.

    In order: ``Authorization: Bearer <api_key>``, ``OpenAI-Beta: chatkit_beta=v1``,
    ``Accept: application/json``, ``User-Agent``, then ``OpenAI-Organization`` and
    ``OpenAI-Project`` when given; finally ``extra`` (the client's ``default_headers``), which
    overrides any of them.

    Args:
        api_key: The API key.
        organization: Value of ``OpenAI-Organization``, if any.
        project: Value of ``OpenAI-Project``, if any.
        extra: Headers added last, overriding the defaults case-insensitively.

    Returns:
        A new dict. Never log it as is: pass it through ``redact_headers`` first.

    Raises:
        ValueError: If ``api_key`` is empty or not a valid header value (the key is not shown).
    """
    if not api_key:
        raise ValueError("api_key must be a non-empty string")
    base: dict[str, str] = {
        "Authorization": f"Bearer {api_key}",
        BETA_HEADER[0]: BETA_HEADER[1],
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
    }
    if organization is not None:
        base["OpenAI-Organization"] = organization
    if project is not None:
        base["OpenAI-Project"] = project
    return merge_headers(base, extra)


# --------------------------------------------------------------------------------------------
# Retries
# --------------------------------------------------------------------------------------------


def _parse_delay_seconds(text: str) -> float | None:
    """Parse a non-negative decimal number of seconds; anything else is ``None``."""
    text = text.strip()
    if not _DELAY_SECONDS_RE.fullmatch(text):
        return None
    # A run of digits too long for a float becomes ``inf``: "longer than any cap", not garbage.
    return float(text)


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """Read how long the server asks the client to wait before retrying.

    ``retry-after-ms`` (milliseconds, fractions allowed) is preferred; otherwise ``retry-after``
    is read either as seconds or as an HTTP date, e.g. ``Wed, 21 Oct 2015 07:28:00 GMT``.

    Args:
        headers: Response headers (any mapping; names are matched case-insensitively).
        now: The current time as a unix timestamp, for HTTP dates; defaults to ``time.time()``.

    Returns:
        The delay in seconds (``0.0`` or more), or ``None`` when there is no usable header: the
        headers are absent, unparsable, negative, or name a date that has already passed.
    """
    millis = get_header(headers, "retry-after-ms")
    if millis is not None:
        parsed = _parse_delay_seconds(millis)
        if parsed is not None:
            return parsed / 1000.0
    value = get_header(headers, "retry-after")
    if value is None:
        return None
    seconds = _parse_delay_seconds(value)
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        # "-0000" (and obsolete zone names) parse as naive; HTTP dates are always GMT.
        when = when.replace(tzinfo=timezone.utc)
    try:
        target = when.timestamp()
    except (OverflowError, OSError, ValueError):
        return None
    delay = target - (time.time() if now is None else now)
    if not delay >= 0.0:  # also rejects NaN
        return None
    return delay


def should_retry_response(
    status: int, headers: Mapping[str, str], *, idempotent: bool = True
) -> bool:
    """Decide whether an HTTP error response is worth retrying.

    A server's ``x-should-retry: true`` or ``false`` (any case) decides. Otherwise an idempotent
    request is retried after 408 (request timeout), 409 (conflict, e.g. a lock), 429 (rate limit)
    and every status of 500 or more. A request that is not idempotent (``sessions.create``: each
    one that the server processes makes a new session) is retried only when the server certainly
    did not process it: a 429, or ``x-should-retry: true``. A 5xx may come after the work was done,
    so retrying it could leave two live sessions, the second one's secret never seen.

    Args:
        status: The response's status code.
        headers: The response's headers.
        idempotent: Whether sending the request twice has the effect of sending it once.

    Returns:
        ``True`` to retry (if the retry budget allows), ``False`` to raise at once.
    """
    verdict = get_header(headers, "x-should-retry")
    if verdict is not None:
        verdict = verdict.strip().lower()
        if verdict == "true":
            return True
        if verdict == "false":
            return False
    if not idempotent:
        return status == 429
    return status in {408, 409, 429} or status >= 500


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait between attempts; immutable and free of I/O.

    ``attempt`` arguments count retries from 0: the wait before the first retry is
    ``delay_for(0, ...)``. A request is retried while ``attempt < max_retries``.

    Attributes:
        max_retries: Retries after the first attempt (``0`` disables retrying).
        initial_delay: The backoff before the first retry, in seconds.
        max_delay: The largest backoff, in seconds.
        max_retry_after: The longest server-requested wait that is honoured, in seconds; a
            request that asks for more is not retried.
        jitter: The largest fraction by which a backoff is randomly shortened (0 to 1), so that
            many clients failing together do not retry together.

    Examples:
        With the defaults the backoffs are at most 0.5, 1, 2, 4, 8, 8, ... seconds, each reduced
        by up to 25 %.
    """

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        retries: object = self.max_retries
        if not isinstance(retries, int) or isinstance(retries, bool):
            raise TypeError(f"max_retries must be an int, not {type(retries).__name__}")
        if retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {retries}")
        for field in ("initial_delay", "max_delay", "max_retry_after"):
            value: object = getattr(self, field)
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                raise TypeError(f"{field} must be a number, not {type(value).__name__}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{field} must be a finite number of seconds >= 0, got {value}")
        jitter: object = self.jitter
        if not isinstance(jitter, (int, float)) or isinstance(jitter, bool):
            raise TypeError(f"jitter must be a number, not {type(jitter).__name__}")
        if not 0.0 <= jitter <= 1.0:
            raise ValueError(f"jitter must be between 0 and 1, got {jitter}")

    def backoff(self, attempt: int, *, rng: random.Random | None = None) -> float:
        """The exponential backoff before retry number ``attempt`` (0-based), with jitter.

        The delay is ``min(initial_delay * 2**attempt, max_delay)``, shortened by a random
        fraction of up to ``jitter``.

        Args:
            attempt: Retries made so far (0 before the first retry).
            rng: Source of randomness, e.g. a seeded ``random.Random`` in tests; defaults to
                the ``random`` module's shared generator.

        Returns:
            The delay in seconds, between ``base * (1 - jitter)`` and ``base``.

        Raises:
            ValueError: If ``attempt`` is negative.
        """
        if attempt < 0:
            raise ValueError(f"attempt must be 0 or more, got {attempt}")
        base = min(self.initial_delay * 2.0 ** min(attempt, _MAX_DOUBLINGS), self.max_delay)
        fraction = (rng.random() if rng is not None else random.random()) * self.jitter
        return base * (1.0 - fraction)

    def delay_for(
        self,
        attempt: int,
        headers: Mapping[str, str] | None = None,
        *,
        now: float | None = None,
        rng: random.Random | None = None,
    ) -> float | None:
        """How long to wait before retry number ``attempt``, honouring the server's request.

        Args:
            attempt: Retries made so far (0 before the first retry).
            headers: The failed response's headers, or ``None`` after a connection error or a
                timeout.
            now: The current unix time, for ``Retry-After`` dates (default ``time.time()``).
            rng: Source of randomness for the backoff.

        Returns:
            The server's ``retry-after-ms`` / ``retry-after`` delay when it is usable and at
            most ``max_retry_after``; the jittered ``backoff`` when there is no usable
            header; or ``None`` when the server asks for longer than ``max_retry_after``,
            meaning "do not retry, raise now" (waiting that long would surprise the caller more
            than an error carrying ``retry_after``).
        """
        if headers is not None:
            requested = parse_retry_after(headers, now=now)
            if requested is not None:
                return requested if requested <= self.max_retry_after else None
        return self.backoff(attempt, rng=rng)


# --------------------------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------------------------


def is_same_origin(url_a: str, url_b: str) -> bool:
    """Tell whether two absolute URLs share an origin: scheme, host and port.

    Default ports are filled in (``https://h`` and ``https://h:443`` match), and scheme and host
    compare case-insensitively. A redirect whose target is not of the same origin must not carry
    the ``Authorization`` header. Resolve a relative ``Location`` against the request URL first:
    a URL without a scheme or host never matches, nor does one with an invalid port.

    Args:
        url_a: An absolute URL.
        url_b: Another absolute URL.

    Returns:
        ``True`` if both URLs have the same origin.
    """
    origin_a = _origin(url_a)
    return origin_a is not None and origin_a == _origin(url_b)


#: Lower-cased names of the headers a redirect to another origin may carry: nothing that could
#: identify or authenticate the caller. Everything else (``Authorization``, ``api-key``,
#: ``x-api-key``, cookies, ``OpenAI-Organization``/``-Project``, the client's ``default_headers``
#: and any per-call ``extra_headers``) stays behind.
CROSS_ORIGIN_HEADERS: Final = frozenset(
    {"accept", "accept-encoding", "accept-language", "content-type", "user-agent", "openai-beta"}
)


def headers_for_other_origin(headers: Mapping[str, str]) -> dict[str, str]:
    """The headers a request may carry when a redirect takes it to another origin.

    An allow-list rather than a list of secrets to remove: a credential under a header name no
    one thought of (a proxy's ``X-Gateway-Token`` in ``default_headers``) must not leak either.

    Args:
        headers: The headers of the request being redirected.

    Returns:
        A new dict with only the names in ``CROSS_ORIGIN_HEADERS``.
    """
    return {k: v for k, v in headers.items() if k.lower() in CROSS_ORIGIN_HEADERS}


def url_for_log(url: str) -> str:
    """``url`` with the values of its query removed, for log lines.

    Query values can name people (``user=alice@example.com``) or carry ids a log should not
    keep; their names are enough to read a log. ``https://h/v1/chatkit/threads?user=u&limit=5``
    becomes ``https://h/v1/chatkit/threads?user=…&limit=…``.

    Args:
        url: An absolute URL.

    Returns:
        The URL with each query value replaced by ``…``.
    """
    base, sep, query = url.partition("?")
    if not sep:
        return url
    names = (pair.partition("=")[0] for pair in query.split("&") if pair)
    return base + "?" + "&".join(f"{name}=…" for name in names)


_TOKEN_RE: Final = re.compile(r"[^\s\"'`,;()\[\]{}<>]+")
_MASK_RE: Final = re.compile(r"\*{2,}|…|\.{3,}")
_MIN_SECRET_PART: Final = 3
_MIN_BARE_PREFIX: Final = 6
_MIN_EMBEDDED: Final = 8


def redact_secret(text: str, secret: str, replacement: str = REDACTED) -> str:
    """Remove every trace of ``secret`` from ``text``, replacing whole values, never letters.

    ``text`` is read as values separated by blanks, quotes and brackets. A value is replaced
    when it is the secret; contains it (for secrets of 8 characters or more, so a short key
    cannot match inside ordinary words); is a masked form of it, such as ``sk-abc***xyz`` or
    ``sk-abc…``, whose visible start is a prefix of the secret (or whose visible end is its
    suffix); or is a bare prefix of it at least 6 characters long. A one-character key ``"a"``
    therefore leaves ``"Invalid request"`` alone, while ``sk-test-abcd…`` of the key
    ``sk-test-abcdef123`` disappears whole.

    Args:
        text: A message, log line or header value.
        secret: The secret (an API key, a client secret); empty means nothing to do.
        replacement: What each affected value becomes.

    Returns:
        The text with those values replaced; everything else is unchanged.
    """
    if not secret:
        return text

    def judge(match: re.Match[str]) -> str:
        value = match.group(0)
        core = value.rstrip(".,:;!?")
        trail = value[len(core) :]  # "...provided: KEY." keeps its full stop
        if value == secret:
            return replacement
        if core == secret or (len(secret) >= _MIN_EMBEDDED and secret in core):
            return replacement + trail
        if len(secret) >= _MIN_EMBEDDED and secret in value:
            return replacement
        mask = _MASK_RE.search(value)
        if mask is not None:
            head, tail = value[: mask.start()], value[mask.end() :].rstrip(".,:;!?")
            if (len(head) >= _MIN_SECRET_PART and secret.startswith(head)) or (
                len(tail) >= _MIN_SECRET_PART and secret.endswith(tail)
            ):
                # A mask that ends the value ("sk-abc...") is part of it, not punctuation.
                return replacement + (trail if mask.end() <= len(core) else "")
        if len(core) >= _MIN_BARE_PREFIX and secret.startswith(core):
            return replacement + trail
        return value

    return _TOKEN_RE.sub(judge, text)


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of an absolute URL, or ``None`` if it has none."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if not scheme or not host:
        return None
    return scheme, host, port if port is not None else _DEFAULT_PORTS.get(scheme)
