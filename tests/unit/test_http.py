"""Tests for the pure HTTP policy in ``chatkit_async._http`` and the ``NOT_GIVEN`` sentinel."""

from __future__ import annotations

import copy
import email.utils
import pickle
import random
import string
from collections.abc import Mapping
from urllib.parse import unquote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from chatkit_async import _http
from chatkit_async._http import (
    BETA_HEADER,
    DEFAULT_BASE_URL,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    USER_AGENT,
    CaseInsensitiveHeaders,
    RetryPolicy,
    build_default_headers,
    get_header,
    is_same_origin,
    merge_headers,
    parse_retry_after,
    redact_headers,
    should_retry_response,
    validate_path_id,
)
from chatkit_async._types import NOT_GIVEN, NotGiven, is_given
from chatkit_async._version import __version__
from chatkit_async.resources._base import build_list_query

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z


# --- NOT_GIVEN and constants ----------------------------------------------------------------


def test_not_given_is_a_falsy_singleton() -> None:
    """NOT_GIVEN is falsy, prints as its name and survives pickling and copying as itself."""
    assert not NOT_GIVEN
    assert repr(NOT_GIVEN) == "NOT_GIVEN"
    assert str(NOT_GIVEN) == "NOT_GIVEN"
    assert isinstance(NOT_GIVEN, NotGiven)
    assert pickle.loads(pickle.dumps(NOT_GIVEN)) is NOT_GIVEN
    assert copy.copy(NOT_GIVEN) is NOT_GIVEN
    assert copy.deepcopy(NOT_GIVEN) is NOT_GIVEN
    assert list(NotGiven) == [NOT_GIVEN]


def test_is_given() -> None:
    """``is_given`` is false only for the sentinel, not for other falsy values."""
    assert not is_given(NOT_GIVEN)
    falsy: list[object] = [None, 0, "", False, []]
    for value in falsy:
        assert is_given(value)


def test_constants() -> None:
    """The documented defaults."""
    assert DEFAULT_BASE_URL == "https://api.openai.com/v1"
    assert BETA_HEADER == ("OpenAI-Beta", "chatkit_beta=v1")
    assert DEFAULT_TIMEOUT == 60.0
    assert DEFAULT_CONNECT_TIMEOUT == 10.0
    assert DEFAULT_MAX_RETRIES == 2
    assert __version__ == "0.1.0"
    assert USER_AGENT == f"chatkit-async/{__version__}"


def test_all_is_sorted_and_complete() -> None:
    """``__all__`` is sorted (constants first, as ruff sorts) and names only real objects."""
    assert _http.__all__ == sorted(_http.__all__, key=lambda name: (not name.isupper(), name))
    for name in _http.__all__:
        assert hasattr(_http, name)


# --- validate_path_id -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["cthr_abc123", "cksess_68e8c1b2", "thread-1", "A.b_c~d", "a..b", "...", ".hidden", "x."],
)
def test_valid_ids_are_unchanged(value: str) -> None:
    """Ordinary ids come back exactly as given."""
    assert validate_path_id(value, name="thread_id") == value


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("cthr_é", "cthr_%C3%A9"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("a+b", "a%2Bb"),
        ("a:b@c", "a%3Ab%40c"),
        ("emoji😀", "emoji%F0%9F%98%80"),
        ("semi;colon&amp=1", "semi%3Bcolon%26amp%3D1"),
    ],
)
def test_other_characters_are_percent_encoded(value: str, encoded: str) -> None:
    """Non-ASCII and reserved characters are encoded as UTF-8 percent escapes."""
    assert validate_path_id(value, name="thread_id") == encoded
    assert unquote(encoded) == value


@pytest.mark.parametrize(
    "value",
    [
        "",
        ".",
        "..",
        "/",
        "a/b",
        "../sessions",
        "cthr_1?x=1",
        "cthr_1#frag",
        "%2e%2e",
        "cthr%2F1",
        "100%",
        " ",
        "a b",
        " cthr_1",
        "cthr_1 ",
        "cthr\t1",
        "cthr\n1",
        "cthr\r1",
        "cthr\x0b1",
        "cthr\x0c1",
        "cthr\x00",
        "cthr\x1b[31m",
        "cthr\x7f",
        "cthr\x85",
        "cthr\u00a0",
        "cthr\u2003",
        "cthr\u3000",
        "cthr\u2028",
        "cthr\u2029",
        "cthr\u200b",
        "cthr\u200d",
        "cthr\u202e",
        "\ufeffcthr",
        "cthr\ud800",
    ],
)
def test_hostile_ids_are_rejected(value: str) -> None:
    """Empty, dot segments, URL delimiters, ``%``, whitespace and control characters raise."""
    with pytest.raises(ValueError, match="thread_id") as info:
        validate_path_id(value, name="thread_id")
    assert repr(value) in str(info.value)


@pytest.mark.parametrize("value", [None, 123, b"cthr_1", ["cthr_1"], object()])
def test_non_str_ids_raise_type_error(value: object) -> None:
    """A non-string id is a programming error: ``TypeError`` naming the parameter."""
    with pytest.raises(TypeError, match="session_id must be a str"):
        validate_path_id(value, name="session_id")


def test_huge_id_is_shortened_in_message() -> None:
    """The error message quotes a long bad id only in part."""
    value = "a" * 10_000 + "/"
    with pytest.raises(ValueError, match="thread_id") as info:
        validate_path_id(value, name="thread_id")
    assert len(str(info.value)) < 300


@given(st.text())
@example("")
@example("..")
@example("a b")
@example("\u2028")
@example("é/")
@example("\ud800")
def test_path_id_property(value: str) -> None:
    """Any text either raises ``ValueError`` or encodes to a safe segment that decodes back."""
    try:
        encoded = validate_path_id(value, name="thread_id")
    except ValueError:
        return
    assert encoded
    assert not any(char in "/?#" or char.isspace() for char in encoded)
    assert encoded not in {".", ".."}
    assert unquote(encoded, errors="strict") == value


# --- build_list_query -----------------------------------------------------------------------


def test_empty_query() -> None:
    """With nothing given, the query is empty."""
    assert build_list_query() == {}


def test_none_and_not_given_are_omitted() -> None:
    """``None`` and ``NOT_GIVEN`` both leave a parameter out."""
    assert build_list_query(after=None, before=None, limit=None, order=None, user=None) == {}
    assert (
        build_list_query(
            after=NOT_GIVEN, before=NOT_GIVEN, limit=NOT_GIVEN, order=NOT_GIVEN, user=NOT_GIVEN
        )
        == {}
    )


def test_full_query_rendered_as_strings() -> None:
    """Every value is a string; ``limit`` is in decimal."""
    assert build_list_query(after="cthr_1", limit=20, order="desc", user="user_42") == {
        "after": "cthr_1",
        "limit": "20",
        "order": "desc",
        "user": "user_42",
    }
    assert build_list_query(before="cthr_9", order="asc") == {"before": "cthr_9", "order": "asc"}


@pytest.mark.parametrize("limit", [0, 1, 50, 100])
def test_limit_bounds_accepted(limit: int) -> None:
    """Limits from 0 to 100 are accepted."""
    assert build_list_query(limit=limit) == {"limit": str(limit)}


def test_user_length_bounds_accepted() -> None:
    """Users of 1 and 512 characters are accepted."""
    assert build_list_query(user="u") == {"user": "u"}
    assert build_list_query(user="u" * 512) == {"user": "u" * 512}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"after": "a", "before": "b"}, "mutually exclusive"),
        ({"after": ""}, "after must be a non-empty"),
        ({"before": ""}, "before must be a non-empty"),
        ({"limit": -1}, "limit must be between 0 and 100"),
        ({"limit": 101}, "limit must be between 0 and 100"),
        ({"order": "ascending"}, "order must be 'asc' or 'desc'"),
        ({"order": "ASC"}, "order must be 'asc' or 'desc'"),
        ({"order": ""}, "order must be 'asc' or 'desc'"),
        ({"user": ""}, "user must be 1 to 512 characters"),
        ({"user": "u" * 513}, "user must be 1 to 512 characters"),
    ],
)
def test_query_value_errors(kwargs: dict[str, object], match: str) -> None:
    """Out-of-range values and conflicting cursors raise ``ValueError`` before sending."""
    with pytest.raises(ValueError, match=match):
        build_list_query(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limit": True}, "limit must be an int, not bool"),
        ({"limit": 10.0}, "limit must be an int, not float"),
        ({"limit": "10"}, "limit must be an int, not str"),
        ({"after": 5}, "after must be a str"),
        ({"before": b"x"}, "before must be a str"),
        ({"order": 1}, "order must be a str"),
        ({"user": 42}, "user must be a str"),
    ],
)
def test_query_type_errors(kwargs: dict[str, object], match: str) -> None:
    """Values of the wrong type raise ``TypeError``."""
    with pytest.raises(TypeError, match=match):
        build_list_query(**kwargs)  # type: ignore[arg-type]


# --- headers --------------------------------------------------------------------------------


def test_merge_later_layers_win_case_insensitively() -> None:
    """Later layers override earlier ones whatever the case of the name."""
    merged = merge_headers(
        {"User-Agent": "a", "Accept": "application/json"},
        None,
        {"user-agent": "b"},
        {"X-Extra": "1"},
    )
    assert merged == {"user-agent": "b", "Accept": "application/json", "X-Extra": "1"}
    assert list(merged) == ["user-agent", "Accept", "X-Extra"]


def test_merge_of_nothing() -> None:
    """No layers (or only ``None``) give an empty dict."""
    assert merge_headers() == {}
    assert merge_headers(None, None) == {}


def test_merge_returns_a_new_dict() -> None:
    """The inputs are not modified."""
    first = {"A": "1"}
    merged = merge_headers(first, {"a": "2"})
    assert first == {"A": "1"}
    assert merged == {"a": "2"}


@pytest.mark.parametrize(
    "layer",
    [
        {"X-Evil": "a\r\nInjected: yes"},
        {"X-Evil": "a\nb"},
        {"X-Evil": "a\x00b"},
        {"X-Evil\r\nInjected": "yes"},
        {"": "value"},
        {"Bad Name": "value"},
    ],
)
def test_merge_rejects_header_injection(layer: Mapping[str, str]) -> None:
    """CR, LF and NUL in names or values, and empty or spaced names, raise ``ValueError``."""
    with pytest.raises(ValueError, match="header"):
        merge_headers(layer)


def test_merge_error_does_not_show_the_value() -> None:
    """A rejected value (perhaps a key) is not echoed in the error."""
    with pytest.raises(ValueError, match="Authorization") as info:
        merge_headers({"Authorization": "Bearer sk-SECRET\r\n"})
    assert "sk-SECRET" not in str(info.value)


@pytest.mark.parametrize("layer", [{"X-Num": 1}, {1: "x"}])
def test_merge_rejects_non_str(layer: Mapping[str, str]) -> None:
    """Non-string names or values raise ``TypeError``."""
    with pytest.raises(TypeError):
        merge_headers(layer)


def test_redact_headers() -> None:
    """Secret headers are replaced in any case; the rest is kept, in order."""
    headers = {
        "Authorization": "Bearer sk-1",
        "proxy-authorization": "Basic xyz",
        "COOKIE": "a=b",
        "Set-Cookie": "c=d",
        "api-key": "k1",
        "X-Api-Key": "k2",
        "OpenAI-Organization": "org_1",
        "OpenAI-Project": "proj_1",
        "Accept": "application/json",
    }
    redacted = redact_headers(headers)
    assert list(redacted) == list(headers)
    assert redacted == {
        "Authorization": "<redacted>",
        "proxy-authorization": "<redacted>",
        "COOKIE": "<redacted>",
        "Set-Cookie": "<redacted>",
        "api-key": "<redacted>",
        "X-Api-Key": "<redacted>",
        "OpenAI-Organization": "org_1",
        "OpenAI-Project": "proj_1",
        "Accept": "application/json",
    }
    assert headers["Authorization"] == "Bearer sk-1"


def test_get_header_is_case_insensitive() -> None:
    """Lookups ignore case in plain dicts, and missing headers give ``None``."""
    headers = {"X-Request-Id": "req_1"}
    assert get_header(headers, "x-request-id") == "req_1"
    assert get_header(headers, "X-REQUEST-ID") == "req_1"
    assert get_header(headers, "X-Request-Id") == "req_1"
    assert get_header(headers, "retry-after") is None


def test_case_insensitive_headers() -> None:
    """The read-only mapping ignores case, keeps first spellings and values, and pickles."""
    headers = CaseInsensitiveHeaders([("X-Request-Id", "a"), ("x-request-id", "b"), ("B", "2")])
    assert headers["x-request-id"] == "a"
    assert "X-REQUEST-ID" in headers
    not_a_name: object = 5
    assert not_a_name not in headers
    assert list(headers) == ["X-Request-Id", "B"]
    assert len(headers) == 2
    assert headers.get("missing") is None
    with pytest.raises(KeyError):
        headers["missing"]
    clone = pickle.loads(pickle.dumps(headers))
    assert type(clone) is CaseInsensitiveHeaders
    assert dict(clone) == dict(headers)
    assert CaseInsensitiveHeaders({"A": "1"}) == {"A": "1"}
    assert CaseInsensitiveHeaders() == {}


def test_case_insensitive_headers_repr_redacts() -> None:
    """The mapping's repr hides secret values."""
    headers = CaseInsensitiveHeaders({"Authorization": "Bearer sk-SECRET", "Accept": "x"})
    assert "sk-SECRET" not in repr(headers)
    assert repr(headers) == (
        "CaseInsensitiveHeaders({'Authorization': '<redacted>', 'Accept': 'x'})"
    )


def test_default_headers() -> None:
    """Auth, beta, accept and user agent, then organization and project, in that order."""
    headers = build_default_headers(api_key="sk-1", organization="org_1", project="proj_1")
    assert headers == {
        "Authorization": "Bearer sk-1",
        "OpenAI-Beta": "chatkit_beta=v1",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "OpenAI-Organization": "org_1",
        "OpenAI-Project": "proj_1",
    }
    assert list(headers) == [
        "Authorization",
        "OpenAI-Beta",
        "Accept",
        "User-Agent",
        "OpenAI-Organization",
        "OpenAI-Project",
    ]


def test_default_headers_without_org_or_project() -> None:
    """Organization and project headers are sent only when given."""
    headers = build_default_headers(api_key="sk-1", organization=None, project=None, extra=None)
    assert "OpenAI-Organization" not in headers
    assert "OpenAI-Project" not in headers


def test_default_headers_extra_overrides() -> None:
    """``extra`` (the client's default_headers) overrides defaults case-insensitively."""
    headers = build_default_headers(
        api_key="sk-1",
        organization=None,
        project=None,
        extra={"user-agent": "my-app/1.0", "X-Trace": "t"},
    )
    assert headers["user-agent"] == "my-app/1.0"
    assert "User-Agent" not in headers
    assert headers["X-Trace"] == "t"


def test_default_headers_reject_empty_or_broken_key() -> None:
    """An empty key, or one that would split the header, raises without showing the key."""
    with pytest.raises(ValueError, match="api_key"):
        build_default_headers(api_key="")
    with pytest.raises(ValueError) as info:
        build_default_headers(api_key="sk-SECRET\nX: y")
    assert "sk-SECRET" not in str(info.value)


# --- parse_retry_after ----------------------------------------------------------------------


def http_date(timestamp: float) -> str:
    """An HTTP date (IMF-fixdate) for a unix time."""
    return email.utils.formatdate(timestamp, usegmt=True)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After-Ms": "0"}, 0.0),
        ({"retry-after-ms": "12.5"}, 0.0125),
        ({"retry-after-ms": "100", "retry-after": "30"}, 0.1),
        ({"retry-after-ms": "garbage", "retry-after": "30"}, 30.0),
        ({"retry-after-ms": "-5", "retry-after": "2"}, 2.0),
        ({"retry-after": "30"}, 30.0),
        ({"Retry-After": " 2.5 "}, 2.5),
        ({"RETRY-AFTER": "0"}, 0.0),
        ({"retry-after": http_date(NOW + 10)}, 10.0),
        ({"retry-after": "Tue, 14 Nov 2023 22:13:50 -0000"}, 30.0),
        ({"retry-after": "Tue, 14 Nov 2023 22:14:20 +0000"}, 60.0),
        ({}, None),
        ({"retry-after": ""}, None),
        ({"retry-after": "soon"}, None),
        ({"retry-after": "-1"}, None),
        ({"retry-after": "+1"}, None),
        ({"retry-after": "1e3"}, None),
        ({"retry-after": "nan"}, None),
        ({"retry-after": "inf"}, None),
        ({"retry-after": "1_000"}, None),
        ({"retry-after": http_date(NOW - 10)}, None),
        ({"retry-after": "Mon, 99 Foo 2023 99:99:99 GMT"}, None),
        ({"retry-after-ms": "nan"}, None),
        ({"retry-after-ms": "-1"}, None),
    ],
)
def test_parse_retry_after(headers: Mapping[str, str], expected: float | None) -> None:
    """Milliseconds first, then seconds or an HTTP date; unusable values give ``None``."""
    assert parse_retry_after(headers, now=NOW) == expected


def test_parse_retry_after_defaults_to_current_time() -> None:
    """Without ``now`` an HTTP date is measured from the real clock."""
    future = http_date(4_000_000_000)  # in 2096
    delay = parse_retry_after({"retry-after": future})
    assert delay is not None
    assert delay > 0


def test_parse_retry_after_overflowing_number_is_infinite() -> None:
    """A number too long for a float means "longer than any cap", not garbage."""
    assert parse_retry_after({"retry-after": "9" * 400}) == float("inf")


# --- should_retry_response ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (405, False),
        (408, True),
        (409, True),
        (410, False),
        (422, False),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (599, True),
    ],
)
def test_should_retry_by_status(status: int, expected: bool) -> None:
    """408, 409, 429 and 5xx are retried; other errors are not."""
    assert should_retry_response(status, {}) is expected


@pytest.mark.parametrize(
    ("status", "value", "expected"),
    [
        (400, "true", True),
        (404, "True", True),
        (400, " TRUE ", True),
        (500, "false", False),
        (429, "False", False),
        (503, "FALSE", False),
        (500, "maybe", True),
        (400, "maybe", False),
        (400, "", False),
        (500, "1", True),
    ],
)
def test_x_should_retry_overrides(status: int, value: str, expected: bool) -> None:
    """``x-should-retry: true/false`` wins over the status; other values are ignored."""
    assert should_retry_response(status, {"X-Should-Retry": value}) is expected


# --- RetryPolicy ----------------------------------------------------------------------------


def test_policy_defaults() -> None:
    """The documented defaults."""
    policy = RetryPolicy()
    assert policy.max_retries == 2
    assert policy.initial_delay == 0.5
    assert policy.max_delay == 8.0
    assert policy.max_retry_after == 60.0
    assert policy.jitter == 0.25


def test_policy_is_frozen() -> None:
    """A policy cannot be changed after creation."""
    policy = RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_retries = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"max_retries": -1}, ValueError),
        ({"max_retries": 1.5}, TypeError),
        ({"max_retries": True}, TypeError),
        ({"initial_delay": -0.1}, ValueError),
        ({"max_delay": float("inf")}, ValueError),
        ({"max_retry_after": float("nan")}, ValueError),
        ({"max_delay": "1"}, TypeError),
        ({"jitter": 1.5}, ValueError),
        ({"jitter": -0.1}, ValueError),
        ({"jitter": None}, TypeError),
    ],
)
def test_policy_validation(kwargs: dict[str, object], error: type[Exception]) -> None:
    """Nonsensical settings are refused at construction."""
    with pytest.raises(error):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


def test_backoff_without_jitter_doubles_up_to_max() -> None:
    """Without jitter the backoff doubles from ``initial_delay`` and stays at ``max_delay``."""
    policy = RetryPolicy(jitter=0.0)
    delays = [policy.backoff(attempt) for attempt in range(10)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0, 8.0, 8.0, 8.0]
    assert delays == sorted(delays)


def test_backoff_jitter_range() -> None:
    """With jitter every delay lies in ``[base * (1 - jitter), base]``."""
    policy = RetryPolicy()
    rng = random.Random(1234)
    for attempt in range(12):
        base = min(0.5 * 2**attempt, 8.0)
        samples = [policy.backoff(attempt, rng=rng) for _ in range(200)]
        assert all(base * 0.75 <= delay <= base for delay in samples)
        assert max(samples) - min(samples) > 0  # jitter actually varies the delay


def test_backoff_is_reproducible_with_seeded_rng() -> None:
    """The same seed gives the same delays."""
    policy = RetryPolicy()
    first = [policy.backoff(n, rng=random.Random(7)) for n in range(5)]
    second = [policy.backoff(n, rng=random.Random(7)) for n in range(5)]
    assert first == second


def test_backoff_uses_global_random_by_default() -> None:
    """Without an ``rng`` the delay still respects the bounds."""
    delay = RetryPolicy().backoff(1)
    assert 0.75 <= delay <= 1.0


def test_backoff_huge_attempt_does_not_overflow() -> None:
    """Absurd attempt numbers stay at ``max_delay``."""
    assert RetryPolicy(jitter=0.0).backoff(10_000) == 8.0


def test_backoff_rejects_negative_attempt() -> None:
    """Attempts are counted from 0."""
    with pytest.raises(ValueError, match="attempt"):
        RetryPolicy().backoff(-1)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after": "3"}, 3.0),
        ({"retry-after-ms": "250"}, 0.25),
        ({"retry-after": "0"}, 0.0),
        ({"retry-after": "60"}, 60.0),
        ({"retry-after": http_date(NOW + 60)}, 60.0),
        ({"retry-after": "60.5"}, None),
        ({"retry-after": "3600"}, None),
        ({"retry-after-ms": "61000"}, None),
        ({"retry-after": http_date(NOW + 3600)}, None),
        ({"retry-after": "9" * 400}, None),
    ],
)
def test_delay_for_honours_server_up_to_cap(
    headers: Mapping[str, str], expected: float | None
) -> None:
    """A usable server delay within the cap is used as is; beyond the cap there is no retry."""
    assert RetryPolicy().delay_for(0, headers, now=NOW) == expected


@pytest.mark.parametrize(
    "headers", [None, {}, {"retry-after": "soon"}, {"retry-after": "-4"}, {"X-Other": "1"}]
)
def test_delay_for_falls_back_to_backoff(headers: Mapping[str, str] | None) -> None:
    """Without a usable header the jittered backoff is used."""
    policy = RetryPolicy()
    assert policy.delay_for(2, headers, now=NOW, rng=random.Random(3)) == policy.backoff(
        2, rng=random.Random(3)
    )


def test_delay_for_custom_cap() -> None:
    """The cap is configurable."""
    policy = RetryPolicy(max_retry_after=5.0)
    assert policy.delay_for(0, {"retry-after": "5"}) == 5.0
    assert policy.delay_for(0, {"retry-after": "6"}) is None


# --- is_same_origin -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url_a", "url_b", "expected"),
    [
        ("https://api.openai.com/v1/a", "https://api.openai.com/v1/b?x=1", True),
        ("https://api.openai.com/v1", "https://api.openai.com:443/other", True),
        ("http://localhost/v1", "http://localhost:80/x", True),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/y", True),
        ("HTTPS://API.OpenAI.com/v1", "https://api.openai.com/v1", True),
        ("https://user:pw@api.openai.com/", "https://api.openai.com/", True),
        ("http://[::1]:9000/a", "http://[::1]:9000/b", True),
        ("https://api.openai.com/v1", "http://api.openai.com/v1", False),
        ("https://api.openai.com/v1", "https://evil.example/v1", False),
        ("https://api.openai.com/v1", "https://api.openai.com.evil.example/v1", False),
        ("https://api.openai.com/v1", "https://api.openai.com:8443/v1", False),
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8081/v1", False),
        ("http://localhost/v1", "http://127.0.0.1/v1", False),
        ("https://api.openai.com/v1", "/v1/relative", False),
        ("/v1/relative", "/v1/relative", False),
        ("https://api.openai.com/v1", "//api.openai.com/v1", False),
        ("https://api.openai.com/v1", "https://api.openai.com:99999/v1", False),
        ("https://api.openai.com/v1", "https://api.openai.com:abc/v1", False),
        ("", "", False),
    ],
)
def test_is_same_origin(url_a: str, url_b: str, expected: bool) -> None:
    """Scheme, host and port (with default ports) must all match; malformed URLs never do."""
    assert is_same_origin(url_a, url_b) is expected
    assert is_same_origin(url_b, url_a) is expected


@given(st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=10))
def test_is_same_origin_reflexive_for_hosts(host: str) -> None:
    """An absolute URL is always of its own origin."""
    url = f"https://{host}.example/path"
    assert is_same_origin(url, url)


# --- settings: base_url and timeouts ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
        ("http://127.0.0.1:8000/v1/", "http://127.0.0.1:8000/v1"),
        ("HTTPS://Example.com", "HTTPS://Example.com"),
        ("http://[::1]:65535/v1", "http://[::1]:65535/v1"),
    ],
)
def test_parse_base_url_accepts_http_roots(url: str, expected: str) -> None:
    """An absolute http(s) URL with a host comes back without its trailing slash."""
    assert _http.parse_base_url(url) == expected


@pytest.mark.parametrize(
    ("url", "complaint"),
    [
        ("api.example.com/v1", "must start with http:// or https://"),
        ("localhost:8000/v1", "must start with http:// or https://"),
        ("ftp://example.com/v1", "must use http or https"),
        ("http://", "has no host"),
        ("https:///v1", "has no host"),
        ("http://example.com:99999/v1", "invalid port"),
        ("http://example.com:0/v1", "invalid port"),
        ("http://example.com:abc/v1", "invalid port"),
        ("https://user:pw@example.com/v1", "user name or password"),
        ("https://token@example.com/v1", "user name or password"),
        ("https://example.com/v1?x=1", "query or fragment"),
        ("https://exa mple.com/v1", "whitespace"),
        ("", "must start with http"),
    ],
)
def test_parse_base_url_names_the_setting_and_the_fault(url: str, complaint: str) -> None:
    """Each malformed root is a ValueError naming the setting, and never echoing a password."""
    with pytest.raises(ValueError, match=complaint) as caught:
        _http.parse_base_url(url, setting="OPENAI_BASE_URL")
    assert str(caught.value).startswith("OPENAI_BASE_URL ")
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize("value", [0, -1, -0.5, float("nan"), float("inf"), float("-inf"), True, "5"])
def test_check_timeout_refuses_nonsense(value: object) -> None:
    """Zero, negative, NaN, infinite, bool and non-numbers are refused (no limit is ``None``)."""
    with pytest.raises(ValueError, match="positive, finite number of seconds"):
        _http.check_timeout(value)


def test_check_timeout_accepts_positive_numbers_and_none() -> None:
    assert _http.check_timeout(None) is None
    assert _http.check_timeout(2) == 2.0
    assert _http.check_timeout(0.25) == 0.25


# --- request bodies and query values ------------------------------------------------------------


def test_encode_json_body_accepts_any_mapping_at_any_depth() -> None:
    """A MappingProxyType or ChainMap (e.g. state_variables) is sent as a JSON object."""
    import collections
    import json
    import types

    body = {
        "workflow": types.MappingProxyType(
            {"id": "wf", "state_variables": collections.ChainMap({"a": 1}, {"b": True})}
        ),
        "tags": ("x", "y"),
    }
    assert json.loads(_http.encode_json_body(body)) == {
        "workflow": {"id": "wf", "state_variables": {"a": 1, "b": True}},
        "tags": ["x", "y"],
    }


@pytest.mark.parametrize("bad", [{1, 2}, object(), {1: "non-string key"}, 2**70])
def test_encode_json_body_raises_a_plain_type_error(bad: object) -> None:
    """What JSON cannot carry is a TypeError of ours that says so, with no orjson traceback."""
    with pytest.raises(TypeError, match="cannot be sent as JSON") as caught:
        _http.encode_json_body({"value": bad})
    assert type(caught.value) is TypeError
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_query_value_renders_like_json_and_omits_none() -> None:
    assert _http.query_value(None) is None
    assert _http.query_value(True) == "true"
    assert _http.query_value(False) == "false"
    assert _http.query_value(20) == "20"
    assert _http.query_value("a b") == "a b"


# --- retries of writes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "expected"),
    [
        (429, {}, True),
        (500, {}, False),
        (502, {}, False),
        (503, {"x-should-retry": "true"}, True),
        (429, {"x-should-retry": "false"}, False),
        (408, {}, False),
        (409, {}, False),
    ],
)
def test_writes_are_retried_only_when_certainly_unprocessed(
    status: int, headers: dict[str, str], expected: bool
) -> None:
    """For a request that is not idempotent: a 429 or the server's word, nothing else."""
    assert should_retry_response(status, headers, idempotent=False) is expected


# --- logs and secrets ------------------------------------------------------------------------------


def test_url_for_log_keeps_the_names_of_query_parameters_only() -> None:
    url = "https://h/v1/chatkit/threads?user=alice%40example.com&limit=5&after=cthr_1"
    assert _http.url_for_log(url) == "https://h/v1/chatkit/threads?user=…&limit=…&after=…"
    assert _http.url_for_log("https://h/v1/chatkit/threads") == "https://h/v1/chatkit/threads"


KEY = "sk-test-abcdef1234567890"


@pytest.mark.parametrize(
    "text",
    [
        f"Incorrect API key provided: {KEY}.",
        "Incorrect API key provided: sk-test-abcd***************7890.",
        "Incorrect API key provided: sk-test-abcdef…",
        "key sk-test-abcdef12 was refused",
        f"url https://proxy/?key={KEY}&x=1",
        f"Authorization: Bearer {KEY}",
        "key ***************567890 was refused",
    ],
)
def test_redact_secret_removes_the_key_and_its_prefixes_whole(text: str) -> None:
    """Neither the key nor a masked or truncated prefix of it (sk-test-abcd...) survives."""
    redacted = _http.redact_secret(text, KEY)
    assert "<redacted>" in redacted
    assert "sk-test-abcd" not in redacted and "567890" not in redacted
    assert not any(part in redacted for part in (KEY[:10], KEY[-6:]))


@pytest.mark.parametrize("key", ["a", "e", "sk", "1"])
def test_a_short_key_never_garbles_a_message(key: str) -> None:
    """A one- or two-character key replaces only values equal to it, never letters in words."""
    message = "Error code: 400 - Invalid request: expected an integer, got 'sk1' (request_id: req_1)"
    assert _http.redact_secret(message, key) == message
    assert _http.redact_secret(f"Bearer {key}.", key) == "Bearer <redacted>."


def test_redact_secret_leaves_unrelated_text_alone() -> None:
    text = "No thread with id 'cthr_abc' (request_id: req_123); see https://platform.openai.com"
    assert _http.redact_secret(text, KEY) == text
    assert _http.redact_secret(text, "") == text


# --- redirects -----------------------------------------------------------------------------------------


def test_only_harmless_headers_follow_a_redirect_to_another_origin() -> None:
    headers = {
        "Authorization": "Bearer k",
        "api-key": "k",
        "X-Api-Key": "k",
        "Cookie": "s=1",
        "OpenAI-Organization": "org",
        "OpenAI-Project": "proj",
        "X-Gateway-Token": "from default_headers",
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "OpenAI-Beta": "chatkit_beta=v1",
        "Content-Type": "application/json",
    }
    assert _http.headers_for_other_origin(headers) == {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "OpenAI-Beta": "chatkit_beta=v1",
        "Content-Type": "application/json",
    }
