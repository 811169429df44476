"""The loop guard of the paginator: exact for short loops, bounded memory, no endless walk."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from chatkit_async import AsyncPaginator, CursorLoopError
from chatkit_async._pagination import RECENT_CURSORS, LoopGuard
from chatkit_async.types import Page

pytestmark = pytest.mark.anyio


def _cycling_server(distinct: int, total_pages: int) -> tuple[AsyncPaginator[int], list[str]]:
    """A paginator over a server whose cursors run c0, c1, ..., c{distinct-1}, c0, c1, ..."""
    sent: list[str] = []

    async def fetch(query: Mapping[str, str]) -> Page[int]:
        sent.append(query.get("after", ""))
        if len(sent) > total_pages:
            raise AssertionError("the walk did not stop")
        n = len(sent) - 1
        cursor = f"c{n % distinct}"
        return Page(data=[n], first_id=cursor, last_id=cursor, has_more=True)

    return AsyncPaginator(fetch, {}), sent


@pytest.mark.parametrize("length", [1, 2, 7, RECENT_CURSORS])
async def test_a_loop_within_the_window_stops_at_its_first_repeated_cursor(length: int) -> None:
    """Loops up to RECENT_CURSORS pages long are caught exactly when the first cursor repeats."""
    paginator, sent = _cycling_server(length, total_pages=10 * length + 10)
    items: list[int] = []
    with pytest.raises(CursorLoopError):
        async for item in paginator:
            items.append(item)
    # The page that repeats a cursor is handed over, then the walk stops.
    assert len(sent) == length + 1
    assert items == list(range(length + 1))


async def test_a_loop_longer_than_the_window_is_still_caught() -> None:
    """A loop of 1,000 pages (beyond the exact window) ends within a bounded number of pages."""
    length = 1_000
    paginator, sent = _cycling_server(length, total_pages=8 * length)
    with pytest.raises(CursorLoopError):
        async for _ in paginator:
            pass
    assert length < len(sent) <= 4 * length


def test_the_guard_keeps_a_bounded_number_of_cursors() -> None:
    """Walking 50,000 distinct cursors keeps only the latest RECENT_CURSORS (plus one mark)."""
    guard = LoopGuard()
    for k in range(50_000):
        assert not guard.repeats(f"cursor_{k}")
    assert len(guard._recent) == len(guard._order) == RECENT_CURSORS
    assert guard.repeats("cursor_49999")
    assert not guard.repeats("cursor_0")  # long gone, and not a loop of this walk either


async def test_a_start_cursor_given_back_by_the_server_is_a_loop() -> None:
    """after=X followed by a page whose last_id is X stops the walk."""

    async def fetch(query: Mapping[str, str]) -> Page[int]:
        return Page(data=[1], first_id="x", last_id="x", has_more=True)

    with pytest.raises(CursorLoopError):
        async for _ in AsyncPaginator(fetch, {"after": "x"}):
            pass
