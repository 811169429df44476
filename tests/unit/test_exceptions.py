"""Tests for the exception tree and :func:`make_status_error`."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator, Mapping

import orjson
import pytest

from chatkit_async import _exceptions
from chatkit_async._exceptions import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatKitError,
    ClientClosedError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    make_status_error,
)

TOKEN = "sk-test-SECRET0123456789abcdefghij"
AUTH_HEADERS = {"Authorization": f"Bearer {TOKEN}", "Cookie": "session=SECRETCOOKIE"}


def openai_body(
    message: str | None = "Something went wrong",
    *,
    type: str | None = "invalid_request_error",
    param: str | None = None,
    code: object = None,
) -> bytes:
    """An error body in OpenAI's shape."""
    return orjson.dumps({"error": {"message": message, "type": type, "param": param, "code": code}})


# --- the tree -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("child", "parent"),
    [
        (APIConnectionError, ChatKitError),
        (APITimeoutError, APIConnectionError),
        (APIStatusError, ChatKitError),
        (BadRequestError, APIStatusError),
        (AuthenticationError, APIStatusError),
        (PermissionDeniedError, APIStatusError),
        (NotFoundError, APIStatusError),
        (ConflictError, APIStatusError),
        (UnprocessableEntityError, APIStatusError),
        (RateLimitError, APIStatusError),
        (InternalServerError, APIStatusError),
        (APIResponseValidationError, ChatKitError),
        (ClientClosedError, ChatKitError),
        (ChatKitError, Exception),
    ],
)
def test_hierarchy(child: type[Exception], parent: type[Exception]) -> None:
    """Every class sits where the documented tree puts it."""
    assert issubclass(child, parent)


def test_all_is_sorted_and_complete() -> None:
    """``__all__`` is sorted and names every public exception and the factory."""
    assert _exceptions.__all__ == sorted(_exceptions.__all__)
    public = {
        name
        for name, value in vars(_exceptions).items()
        if not name.startswith("_") and isinstance(value, type) and issubclass(value, Exception)
    }
    assert public | {"make_status_error"} == set(_exceptions.__all__)


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (APIConnectionError, "Connection error."),
        (APITimeoutError, "Request timed out."),
        (ClientClosedError, "This client has been closed."),
    ],
)
def test_default_messages(cls: type[ChatKitError], message: str) -> None:
    """Connection, timeout and closed-client errors have readable default messages."""
    error = cls()  # type: ignore[call-arg]
    assert error.message == message
    assert str(error) == message
    assert repr(error) == f"{cls.__name__}({message!r})"


def test_custom_message_of_connection_error() -> None:
    """A connection error takes a custom message."""
    error = APIConnectionError("DNS lookup failed")
    assert str(error) == "DNS lookup failed"
    assert error.message == "DNS lookup failed"


# --- status -> class ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (501, InternalServerError),
        (502, InternalServerError),
        (503, InternalServerError),
        (504, InternalServerError),
        (599, InternalServerError),
        (600, InternalServerError),
        (402, APIStatusError),
        (405, APIStatusError),
        (408, APIStatusError),
        (410, APIStatusError),
        (413, APIStatusError),
        (418, APIStatusError),
        (451, APIStatusError),
        (499, APIStatusError),
    ],
)
def test_status_maps_to_class(status: int, cls: type[APIStatusError]) -> None:
    """Each status becomes its class; 5xx is InternalServerError; other 4xx the base class."""
    error = make_status_error(status, {}, openai_body())
    assert type(error) is cls
    assert error.status_code == status


@pytest.mark.parametrize(
    ("cls", "status"),
    [
        (BadRequestError, 400),
        (AuthenticationError, 401),
        (PermissionDeniedError, 403),
        (NotFoundError, 404),
        (ConflictError, 409),
        (UnprocessableEntityError, 422),
        (RateLimitError, 429),
        (InternalServerError, 500),
    ],
)
def test_subclasses_default_their_status(cls: type[APIStatusError], status: int) -> None:
    """A status-specific class can be built by hand without repeating its status."""
    error = cls("boom")
    assert error.status_code == status
    assert str(error) == f"Error code: {status} - boom"


def test_base_status_error_requires_status_code() -> None:
    """The base class stands for no status, so it needs one."""
    with pytest.raises(TypeError, match="status_code"):
        APIStatusError("boom")


# --- body parsing ---------------------------------------------------------------------------


def test_openai_error_shape() -> None:
    """Message, type, param and code are taken from OpenAI's error object."""
    body = openai_body(
        "No thread with id 'cthr_x'", type="invalid_request_error", param="thread_id", code="nf"
    )
    error = make_status_error(404, {"x-request-id": "req_abc"}, body)
    assert isinstance(error, NotFoundError)
    assert error.message == "No thread with id 'cthr_x'"
    assert error.type == "invalid_request_error"
    assert error.param == "thread_id"
    assert error.code == "nf"
    assert error.request_id == "req_abc"
    assert error.body == orjson.loads(body)
    assert str(error) == "Error code: 404 - No thread with id 'cthr_x' (request_id: req_abc)"


def test_int_code_becomes_str() -> None:
    """An integer ``code`` is converted to a string."""
    error = make_status_error(400, {}, openai_body(code=1234))
    assert error.code == "1234"


def test_null_fields_stay_none() -> None:
    """Null or missing type, param and code are ``None``."""
    error = make_status_error(400, {}, b'{"error": {"message": "bad"}}')
    assert (error.message, error.type, error.param, error.code) == ("bad", None, None, None)


def test_null_message_falls_back_to_code_then_reason() -> None:
    """Without a message, the code stands in; without either, the reason phrase."""
    assert make_status_error(404, {}, openai_body(None, code="gone")).message == "gone"
    assert make_status_error(404, {}, openai_body(None)).message == "Not Found"
    assert make_status_error(404, {}, b'{"error": null}').message == "Not Found"


def test_html_page_gives_short_single_line_excerpt() -> None:
    """A proxy's HTML page yields a short, tag-free, one-line excerpt; ``body`` keeps the text."""
    page = (
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
        + "<!-- padding -->\n" * 200
        + "</body>\r\n</html>\r\n"
    )
    error = make_status_error(502, {"X-Request-Id": "req_p"}, page.encode())
    assert isinstance(error, InternalServerError)
    assert error.body == page
    assert error.message.startswith("502 Bad Gateway 502 Bad Gateway nginx")
    assert "\n" not in error.message and "\r" not in error.message
    assert "<" not in error.message
    assert len(error.message) <= 200
    assert str(error).endswith("(request_id: req_p)")


def test_long_plain_text_is_truncated() -> None:
    """A long non-JSON body is cut to a short excerpt ending in an ellipsis."""
    text = "upstream failure\n" * 100
    error = make_status_error(503, {}, text.encode())
    assert len(error.message) <= 200
    assert error.message.endswith("...")
    assert error.message.startswith("upstream failure upstream failure")
    assert error.body == text


@pytest.mark.parametrize("body", [b"", b"   \n\t "])
def test_empty_body_uses_reason_phrase(body: bytes) -> None:
    """An empty body gives the status's reason phrase; ``body`` is the decoded text."""
    error = make_status_error(503, {}, body)
    assert error.message == "Service Unavailable"
    assert error.body == body.decode()
    assert str(error) == "Error code: 503 - Service Unavailable"


def test_unknown_status_without_body() -> None:
    """A status with no standard phrase still reads sensibly."""
    error = make_status_error(599, {}, b"")
    assert str(error) == "Error code: 599 - HTTP status 599"


@pytest.mark.parametrize(
    ("body", "parsed", "message"),
    [
        (b"[1, 2, 3]", [1, 2, 3], "[1, 2, 3]"),
        (b"42", 42, "42"),
        (b"null", None, "null"),
        (b'{"unexpected": true}', {"unexpected": True}, '{"unexpected": true}'),
        (b'{"error": "plain string"}', {"error": "plain string"}, "plain string"),
        (b'{"message": "top level"}', {"message": "top level"}, "top level"),
        (b'{"detail": "Not here"}', {"detail": "Not here"}, "Not here"),
    ],
)
def test_json_of_another_shape(body: bytes, parsed: object, message: str) -> None:
    """JSON that is not OpenAI's shape is kept as ``body`` and still gives a message."""
    error = make_status_error(400, {}, body)
    assert error.body == parsed
    assert error.message == message
    assert (error.code, error.param, error.type) == (None, None, None)


def test_invalid_utf8_is_decoded_with_replacement() -> None:
    """Undecodable bytes never raise; they become replacement characters."""
    body = b'{"error": "\xff\xfe"} broken \xc3'
    error = make_status_error(500, {}, body)
    assert isinstance(error.body, str)
    assert "\ufffd" in error.body
    assert "broken" in error.message


@pytest.mark.parametrize("body", [bytearray(b'{"error": {"message": "m"}}'), "not bytes", None])
def test_tolerates_other_body_types(body: object) -> None:
    """Bytes-like, text and even missing bodies never raise."""
    error = make_status_error(400, {}, body)  # type: ignore[arg-type]
    assert isinstance(error, BadRequestError)


# --- request id and headers -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["x-request-id", "X-Request-Id", "X-REQUEST-ID", "x-ReQuEsT-iD"])
def test_request_id_header_is_case_insensitive(name: str) -> None:
    """The request id is found whatever the header's case, in a plain dict."""
    error = make_status_error(404, {"Content-Type": "application/json", name: "req_9"}, b"")
    assert error.request_id == "req_9"


def test_missing_request_id() -> None:
    """Without ``x-request-id`` the id is ``None`` and ``str()`` leaves it out."""
    error = make_status_error(404, {}, openai_body("gone"))
    assert error.request_id is None
    assert str(error) == "Error code: 404 - gone"


def test_headers_attribute_is_case_insensitive() -> None:
    """The stored headers answer lookups in any case."""
    error = make_status_error(500, {"X-Request-Id": "req_1", "Retry-After": "2"}, b"")
    assert error.headers["retry-after"] == "2"
    assert error.headers["X-REQUEST-ID"] == "req_1"


# --- RateLimitError.retry_after -------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"retry-after-ms": "1500"}, 1.5),
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After-Ms": "250", "Retry-After": "9"}, 0.25),
        ({"Retry-After": "soon"}, None),
        ({"Retry-After": "-3"}, None),
        ({}, None),
    ],
)
def test_rate_limit_retry_after(headers: Mapping[str, str], expected: float | None) -> None:
    """``retry_after`` holds the server's requested wait in seconds, or ``None``."""
    error = make_status_error(429, headers, openai_body("slow down", code="rate_limit_exceeded"))
    assert isinstance(error, RateLimitError)
    assert error.retry_after == expected
    assert error.code == "rate_limit_exceeded"


def test_rate_limit_repr_shows_retry_after() -> None:
    """The repr of a rate-limit error includes the requested wait."""
    error = RateLimitError("slow down", headers={"retry-after": "3"})
    assert repr(error) == "RateLimitError('slow down', status_code=429, retry_after=3.0)"


# --- str, repr, pickling and secrets --------------------------------------------------------


def test_repr_is_readable() -> None:
    """The repr names the class and the identifying fields, not the body."""
    error = make_status_error(
        400,
        {"x-request-id": "req_r"},
        openai_body("bad limit", type="invalid_request_error", param="limit", code="bad"),
    )
    assert repr(error) == (
        "BadRequestError('bad limit', status_code=400, request_id='req_r', code='bad', "
        "param='limit', type='invalid_request_error')"
    )


@pytest.mark.parametrize(
    "error",
    [
        ChatKitError("root"),
        APIConnectionError(),
        APITimeoutError("slow"),
        ClientClosedError(),
        make_status_error(404, {"X-Request-Id": "req_1", **AUTH_HEADERS}, openai_body("gone")),
        make_status_error(429, {"retry-after": "2"}, openai_body("slow", code=7)),
        make_status_error(418, {}, b"<html>teapot</html>"),
        make_status_error(503, {}, b""),
        APIResponseValidationError("not JSON", status_code=200, request_id="req_v", body="x"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_pickle_and_copy_round_trip(error: ChatKitError) -> None:
    """Every exception survives pickling and copying with its class, text and attributes."""
    for clone in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        assert type(clone) is type(error)
        assert str(clone) == str(error)
        assert repr(clone) == repr(error)
        assert vars(clone).keys() == vars(error).keys()
        for name, value in vars(error).items():
            clone_value = getattr(clone, name)
            if isinstance(value, Mapping):
                assert dict(clone_value) == dict(value)
            else:
                assert clone_value == value


def test_bearer_token_in_headers_never_shown() -> None:
    """A token in the headers appears in neither ``str``, ``repr`` nor the headers' repr."""
    error = make_status_error(401, AUTH_HEADERS, openai_body("Incorrect API key provided"))
    texts = [str(error), repr(error), error.message, repr(error.headers), repr(vars(error))]
    for text in texts:
        assert TOKEN not in text
        assert "SECRETCOOKIE" not in text
    assert error.headers["authorization"] == f"Bearer {TOKEN}"


def test_bearer_token_echoed_in_body_is_masked_in_message() -> None:
    """A token a proxy echoes back in its error page is masked in the message."""
    page = f"<html><pre>Authorization: Bearer {TOKEN}\nkey={TOKEN}</pre></html>".encode()
    error = make_status_error(400, {}, page)
    assert TOKEN not in str(error)
    assert TOKEN not in repr(error)
    assert "<redacted>" in error.message


def test_validation_error_message() -> None:
    """A validation error's message holds the reason, the status and the request id."""
    error = APIResponseValidationError(
        "expected a JSON object, got a list",
        status_code=200,
        request_id="req_v",
        body=[1],
        headers={"X-Request-Id": "req_v"},
    )
    assert error.reason == "expected a JSON object, got a list"
    assert error.status_code == 200
    assert error.body == [1]
    assert error.headers["x-request-id"] == "req_v"
    assert "expected a JSON object, got a list" in str(error)
    assert "200" in str(error)
    assert "req_v" in str(error)
    assert str(error) == error.message
    assert repr(error) == (
        "APIResponseValidationError('expected a JSON object, got a list', status_code=200, "
        "request_id='req_v')"
    )


def test_validation_error_never_quotes_body() -> None:
    """The body (which may hold a client secret) is kept out of the message and repr."""
    body = {"client_secret": "ek_SECRET_VALUE"}
    error = APIResponseValidationError("missing field 'id'", status_code=201, body=body)
    assert "ek_SECRET_VALUE" not in str(error)
    assert "ek_SECRET_VALUE" not in repr(error)
    assert str(error) == "Invalid response body: missing field 'id' (status: 201)"


class _BrokenHeaders(Mapping[str, str]):
    """A mapping that fails on every access, to prove the factory never raises."""

    def __getitem__(self, key: str) -> str:
        raise RuntimeError("broken")

    def __iter__(self) -> Iterator[str]:
        raise RuntimeError("broken")

    def __len__(self) -> int:
        raise RuntimeError("broken")


def test_broken_headers_mapping_never_raises() -> None:
    """Even a mapping that raises on access yields the error, without headers."""
    error = make_status_error(404, _BrokenHeaders(), openai_body("gone"))
    assert isinstance(error, NotFoundError)
    assert error.request_id is None
    assert dict(error.headers) == {}


def test_multidict_headers_like_aiohttp() -> None:
    """aiohttp's ``CIMultiDictProxy`` works as input, and the error still pickles."""
    multidict = pytest.importorskip("multidict")
    raw = multidict.CIMultiDict(
        [("X-Request-Id", "req_m"), ("Retry-After", "4"), ("Set-Cookie", "a=1")]
    )
    raw.add("Set-Cookie", "b=2")
    error = make_status_error(429, multidict.CIMultiDictProxy(raw), openai_body("slow"))
    assert isinstance(error, RateLimitError)
    assert error.request_id == "req_m"
    assert error.retry_after == 4.0
    assert error.headers["set-cookie"] == "a=1"
    clone = pickle.loads(pickle.dumps(error))
    assert clone.headers["x-request-id"] == "req_m"
    assert "a=1" not in repr(clone.headers)
