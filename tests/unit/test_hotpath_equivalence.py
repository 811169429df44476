"""Shortcuts on the request path give exactly what the general code would (no behaviour change)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chatkit_async._http import encode_query, validate_path_id

# Mostly the characters ids and cursors are made of, plus everything that needs escaping.
text = st.text(
    alphabet=st.sampled_from("abcXYZ019_.~-") | st.characters(),
    max_size=12,
)


@given(st.dictionaries(text, text, max_size=4))
def test_encode_query_matches_urlencode(query: dict[str, str]) -> None:
    """encode_query() is urlencode(quote_via=quote, safe='') with a fast path for plain values."""
    assert _outcome(encode_query, query) == _outcome(
        lambda q: urlencode(q, quote_via=quote, safe=""), query
    )


def _outcome(func: Any, arg: Any) -> Any:
    try:
        return func(arg)
    except Exception as exc:  # e.g. a lone surrogate cannot be encoded as UTF-8
        return type(exc)


@given(text)
def test_plain_ids_take_the_fast_path_to_the_same_answer(value: str) -> None:
    """validate_path_id() accepts, rejects and encodes exactly as its character-by-character rules."""
    assume(value not in {"", ".", ".."})  # rejected outright, see below
    try:
        fast = validate_path_id(value, name="thread_id")
    except ValueError:
        fast = None
    try:
        slow = validate_path_id(value + "\u00e9", name="thread_id")[: -len("%C3%A9")]
    except ValueError:
        slow = None
    # Appending "é" forces the general path; it must neither change acceptance nor encoding.
    assert fast == slow


@pytest.mark.parametrize("value", ["", ".", ".."])
def test_empty_and_dot_ids_are_still_rejected(value: str) -> None:
    """The fast path does not let through what the rules reject before looking at characters."""
    with pytest.raises(ValueError):
        validate_path_id(value, name="thread_id")
