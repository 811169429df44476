"""The cursor rule and the paginator, without a network: a fake fetch records every query."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from chatkit_async import ChatKitError, CursorLoopError, Page
from chatkit_async._pagination import AsyncPaginator, is_backward, next_page_query

pytestmark = pytest.mark.anyio


def page(ids: list[str], *, has_more: bool, first: str | None = "", last: str | None = "") -> Page[str]:
    return Page(
        data=ids,
        first_id=(ids[0] if ids else None) if first == "" else first,
        last_id=(ids[-1] if ids else None) if last == "" else last,
        has_more=has_more,
    )


@pytest.mark.parametrize(
    ("query", "backward"),
    [
        ({}, False),
        ({"after": "a"}, False),
        ({"before": "b"}, True),
        ({"limit": "5", "before": "b"}, True),
    ],
)
def test_direction_is_backward_only_when_starting_from_before(
    query: dict[str, str], backward: bool
) -> None:
    """A walk goes backwards exactly when it starts with before and no after."""
    assert is_backward(query) is backward


def test_forward_rule_uses_last_id_and_keeps_other_parameters() -> None:
    """Forward: after=<last_id>, limit/order/user kept."""
    query = {"limit": "2", "order": "asc", "user": "u"}
    nxt = next_page_query(query, page(["a", "b"], has_more=True), backward=False)
    assert nxt == {"limit": "2", "order": "asc", "user": "u", "after": "b"}


def test_forward_rule_replaces_a_previous_after() -> None:
    """The next after replaces the one that fetched the page."""
    nxt = next_page_query({"after": "x"}, page(["a", "b"], has_more=True), backward=False)
    assert nxt == {"after": "b"}


def test_backward_rule_uses_first_id_and_never_after() -> None:
    """Backward: before=<first_id>, and the query never carries after."""
    nxt = next_page_query({"before": "z", "limit": "2"}, page(["a", "b"], has_more=True), backward=True)
    assert nxt == {"before": "a", "limit": "2"}


@pytest.mark.parametrize(
    "last",
    [
        page(["a"], has_more=False),
        page([], has_more=True),
        page(["a"], has_more=True, last=None),
        Page(data=["a"], first_id="a", last_id="", has_more=True),
    ],
)
def test_rule_stops_on_no_more_empty_page_or_missing_cursor(last: Page[str]) -> None:
    """has_more false, an empty page, or a missing (null or empty) cursor end the walk."""
    assert next_page_query({}, last, backward=False) is None


class FakeServer:
    """Serves scripted pages and records each query it was asked."""

    def __init__(self, pages: list[Page[str]]) -> None:
        self.pages = pages
        self.queries: list[dict[str, str]] = []

    async def fetch(self, query: Mapping[str, str]) -> Page[str]:
        self.queries.append(dict(query))
        return self.pages[len(self.queries) - 1]


async def test_paginator_is_lazy_and_restartable() -> None:
    """No fetch until iterated; each iteration starts again from the first query."""
    server = FakeServer([page(["a", "b"], has_more=True), page(["c"], has_more=False)] * 2)
    paginator = AsyncPaginator(server.fetch, {"limit": "2"})
    assert server.queries == []
    assert [x async for x in paginator] == ["a", "b", "c"]
    assert server.queries == [{"limit": "2"}, {"limit": "2", "after": "b"}]
    assert [x async for x in paginator] == ["a", "b", "c"]
    assert len(server.queries) == 4


async def test_repeated_cursor_yields_the_page_then_raises() -> None:
    """A cursor seen before: the page's data is handed over, then CursorLoopError."""
    server = FakeServer([page(["a", "b"], has_more=True), page(["c", "b"], has_more=True)])
    got: list[str] = []
    with pytest.raises(CursorLoopError) as info:
        async for x in AsyncPaginator(server.fetch, {}):
            got.append(x)
    assert got == ["a", "b", "c", "b"]
    assert isinstance(info.value, ChatKitError)
    assert len(server.queries) == 2


async def test_a_cursor_equal_to_the_starting_cursor_is_a_loop() -> None:
    """Starting from after=X, a page that points back to X is a loop too."""
    server = FakeServer([page(["b", "x"], has_more=True)])
    pages = AsyncPaginator(server.fetch, {"after": "x"}).pages()
    assert (await pages.__anext__()).data == ["b", "x"]
    with pytest.raises(CursorLoopError):
        await pages.__anext__()


async def test_max_items_truncates_and_stops_fetching() -> None:
    """max_items trims the last page and fetches no further."""
    server = FakeServer([page(["a", "b"], has_more=True), page(["c", "d"], has_more=True)])
    assert [x async for x in AsyncPaginator(server.fetch, {}, max_items=3)] == ["a", "b", "c"]
    assert len(server.queries) == 2
    server2 = FakeServer([])
    assert [x async for x in AsyncPaginator(server2.fetch, {}, max_items=0)] == []
    assert server2.queries == []


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3"])
def test_max_items_is_validated(bad: object) -> None:
    """max_items must be a non-negative int."""
    with pytest.raises(ValueError):
        AsyncPaginator(FakeServer([]).fetch, {}, max_items=bad)  # type: ignore[arg-type]


async def test_a_failed_fetch_ends_the_walk_without_resending() -> None:
    """After a fetch raises, iterating the same iterator again ends instead of re-sending."""
    calls = 0

    async def failing(query: Mapping[str, str]) -> Page[str]:
        nonlocal calls
        calls += 1
        raise RuntimeError("boom")

    pages = AsyncPaginator(failing, {}).pages()
    with pytest.raises(RuntimeError):
        await pages.__anext__()
    with pytest.raises(StopAsyncIteration):
        await pages.__anext__()
    assert calls == 1
