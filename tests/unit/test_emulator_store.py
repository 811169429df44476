"""Unit tests of the emulator's data rooms, without a socket: paging, the store and sessions.

They drive ``_paging``, ``_store`` and ``_sessions`` directly and check what the HTTP tests in
``test_emulator.py`` rely on: OpenAI's cursor rules on sorted collections, cursors of deleted
elements, the user filter, the 400/404 refusals in OpenAI's words, and sessions' defaults and
expiry.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chatkit_async.testing._errors import InvalidRequest, NotFound
from chatkit_async.testing._paging import OrderedCollection, Page, PageQuery, pack_key
from chatkit_async.testing._sessions import session_view, validate_session_body
from chatkit_async.testing._store import EmulatorStore


def _collection(created: list[int]) -> OrderedCollection:
    """Elements ``e0``, ``e1``, ... created at the given times, inserted in that order."""
    collection = OrderedCollection()
    for seq, created_at in enumerate(created, start=1):
        collection.insert(f"e{seq - 1}", pack_key(created_at, seq), f'"e{seq - 1}"'.encode())
    return collection


def _ids(page: Page) -> list[str]:
    return [json.loads(blob) for blob in page.blobs]


# ------------------------------------------------------------------------------ paging


def test_pages_follow_created_at_then_insertion_order_both_ways() -> None:
    """Out-of-order inserts and timestamp ties list by time, then by insertion."""
    collection = _collection([30, 10, 20, 10])  # e1 and e3 tie at 10
    asc = collection.page(limit=10, order="asc")
    assert _ids(asc) == ["e1", "e3", "e2", "e0"]
    assert (asc.first_id, asc.last_id, asc.has_more) == ("e1", "e0", False)
    desc = collection.page(limit=10, order="desc")
    assert _ids(desc) == ["e0", "e2", "e3", "e1"]
    assert (desc.first_id, desc.last_id) == ("e0", "e1")
    assert [json.loads(b) for b in collection.creation_ordered()] == ["e0", "e1", "e2", "e3"]
    assert [json.loads(b) for b in collection.ordered("desc")] == ["e0", "e2", "e3", "e1"]


def test_after_and_before_select_neighbours_in_listing_order() -> None:
    """``after`` takes what follows the cursor, ``before`` what precedes it, both in listing order."""
    collection = _collection(list(range(100, 110)))  # e0..e9, ascending
    key = collection.key_of
    page = collection.page(limit=3, order="asc", after_key=key("e4"))
    assert _ids(page) == ["e5", "e6", "e7"] and page.has_more
    page = collection.page(limit=3, order="asc", before_key=key("e4"))
    assert _ids(page) == ["e1", "e2", "e3"] and page.has_more
    page = collection.page(limit=3, order="asc", before_key=key("e3"))
    assert _ids(page) == ["e0", "e1", "e2"] and not page.has_more
    page = collection.page(limit=3, order="desc", after_key=key("e4"))
    assert _ids(page) == ["e3", "e2", "e1"] and page.has_more
    page = collection.page(limit=3, order="desc", before_key=key("e6"))
    assert _ids(page) == ["e9", "e8", "e7"] and not page.has_more
    page = collection.page(limit=5, order="desc", after_key=key("e0"))
    assert page == Page([], None, None, False)


def test_limit_zero_still_tells_whether_anything_is_there() -> None:
    collection = _collection([1, 2])
    assert collection.page(limit=0, order="desc") == Page([], None, None, True)
    assert OrderedCollection().page(limit=0, order="desc") == Page([], None, None, False)


def test_a_removed_elements_key_still_places_a_page() -> None:
    """Deleting while paging (like purge-user) must not lose the position of the cursor."""
    collection = _collection(list(range(10)))
    cursor = collection.key_of("e5")
    assert cursor is not None
    collection.remove("e5")
    collection.remove("e5")  # no-op
    assert "e5" not in collection and len(collection) == 9
    assert _ids(collection.page(limit=2, order="asc", after_key=cursor)) == ["e6", "e7"]
    assert _ids(collection.page(limit=2, order="asc", before_key=cursor)) == ["e3", "e4"]


def test_duplicate_ids_are_refused() -> None:
    collection = _collection([1])
    with pytest.raises(ValueError, match="duplicate"):
        collection.insert("e0", pack_key(2, 9), b"{}")


def test_page_json_is_a_list_resource() -> None:
    page = Page([b'{"id":"a"}', b'{"id":"b"}'], "a", "b", True)
    assert json.loads(page.to_json()) == {
        "object": "list",
        "data": [{"id": "a"}, {"id": "b"}],
        "first_id": "a",
        "last_id": "b",
        "has_more": True,
    }
    assert json.loads(Page([], None, None, False).to_json())["first_id"] is None
    assert page.data() == [{"id": "a"}, {"id": "b"}]


def test_page_query_defaults_and_values() -> None:
    assert PageQuery.parse({}) == PageQuery(20, "desc", None, None)
    assert PageQuery.parse({"limit": "+7", "order": "asc", "after": "x"}) == PageQuery(
        7, "asc", "x", None
    )
    assert PageQuery.parse({"limit": "0", "before": "y"}).before == "y"


@pytest.mark.parametrize(
    ("query", "param", "code"),
    [
        ({"limit": "-1"}, "limit", "integer_below_min_value"),
        ({"limit": "101"}, "limit", "integer_above_max_value"),
        ({"limit": "1.5"}, "limit", "invalid_type"),
        ({"limit": ""}, "limit", "invalid_type"),
        ({"limit": "9" * 19}, "limit", "invalid_type"),
        ({"order": "up"}, "order", "invalid_value"),
        ({"after": "a", "before": "b"}, "before", "invalid_parameters"),
    ],
)
def test_page_query_refusals(query: dict[str, str], param: str, code: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        PageQuery.parse(query)
    assert (caught.value.param, caught.value.code) == (param, code)


# ------------------------------------------------------------------------------ store


@pytest.fixture
def store() -> EmulatorStore:
    """Four threads of two users, the oldest with three items."""
    store = EmulatorStore(seed=1)
    for n, user in enumerate(["ann", "bob", "ann", "bob"]):
        store.add_thread(id=f"t{n}", user=user, created_at=1_000 + n)
    store.add_items("t0", 3)
    return store


def _page_ids(page: Page) -> list[str]:
    return [element["id"] for element in page.data()]


def test_threads_list_newest_first_and_filter_by_user(store: EmulatorStore) -> None:
    assert _page_ids(store.list_threads()) == ["t3", "t2", "t1", "t0"]
    assert _page_ids(store.list_threads(user="ann", order="asc")) == ["t0", "t2"]
    assert store.list_threads(user="nobody") == Page([], None, None, False)
    # a cursor from another user's thread places the page by time
    assert _page_ids(store.list_threads(user="ann", after="t1", order="asc")) == ["t2"]


def test_deleted_thread_is_gone_but_still_a_cursor(store: EmulatorStore) -> None:
    assert store.delete_thread("t1") == {
        "id": "t1",
        "object": "chatkit.thread.deleted",
        "deleted": True,
    }
    assert not store.has_thread("t1")
    with pytest.raises(NotFound, match="t1"):
        store.get_thread("t1")
    with pytest.raises(NotFound):
        store.delete_thread("t1")
    assert _page_ids(store.list_threads(after="t1")) == ["t0"]
    assert _page_ids(store.list_threads(user="bob", before="t1", order="asc")) == []
    with pytest.raises(ValueError, match="taken"):
        store.add_thread(id="t1")  # a deleted id stays taken


def test_unknown_or_doubled_cursors_are_400s(store: EmulatorStore) -> None:
    with pytest.raises(InvalidRequest) as caught:
        store.list_threads(after="nope")
    assert (caught.value.param, caught.value.code) == ("after", "invalid_cursor")
    with pytest.raises(InvalidRequest) as caught:
        store.list_threads(after="t0", before="t1")
    assert caught.value.code == "invalid_parameters"
    items = store.items_snapshot("t0")
    store.add_items("t2", 1)
    foreign = store.items_snapshot("t2")[0]["id"]
    with pytest.raises(InvalidRequest) as caught:
        store.list_items("t0", before=foreign)
    assert caught.value.param == "before"
    assert _page_ids(store.list_items("t0", after=items[2]["id"])) == [items[1]["id"], items[0]["id"]]


def test_items_of_unknown_threads(store: EmulatorStore) -> None:
    """Served requests get NotFound (404); seeding calls get KeyError (a caller's bug)."""
    with pytest.raises(NotFound, match="No thread found with id 'zz'"):
        store.list_items("zz")
    with pytest.raises(KeyError):
        store.add_item("zz")
    with pytest.raises(KeyError):
        store.items_snapshot("zz")


def test_snapshots_are_copies(store: EmulatorStore) -> None:
    snapshot = store.threads_snapshot()
    snapshot[0]["title"] = "changed"
    assert store.threads_snapshot()[0]["title"] is None
    assert json.loads(store.get_thread("t0"))["title"] is None


def test_clear_rewinds_the_id_generator() -> None:
    store = EmulatorStore(seed=5)
    first = store.add_thread()["id"]
    store.clear()
    assert store.threads_snapshot() == []
    assert store.add_thread()["id"] == first
    assert EmulatorStore(seed=6).add_thread()["id"] != first


# ------------------------------------------------------------------------------ sessions


def test_session_defaults_expiry_and_cancel() -> None:
    store = EmulatorStore()
    session = store.create_session({"user": "u", "workflow": {"id": "wf"}}, now=1_000)
    assert session["expires_at"] == 1_600 and session["status"] == "active"
    assert store.sessions_snapshot(now=1_599)[0]["status"] == "active"
    assert store.sessions_snapshot(now=1_600)[0]["status"] == "expired"
    cancelled = store.cancel_session(session["id"], now=2_000)
    assert cancelled["status"] == "cancelled"  # cancelled wins over expired
    with pytest.raises(NotFound, match="session"):
        store.cancel_session("cksess_nope", now=0)


def test_session_views_are_deep_copies() -> None:
    stored: dict[str, Any] = {"status": "active", "expires_at": 10, "workflow": {"id": "w"}}
    view = session_view(stored, now=0)
    view["workflow"]["id"] = "changed"
    assert stored["workflow"]["id"] == "w"


_TOO_MANY_VARIABLES = {
    "user": "u",
    "workflow": {"id": "w", "state_variables": {str(i): i for i in range(65)}},
}
_TOO_LONG = {
    "user": "u",
    "workflow": {"id": "w"},
    "expires_after": {"anchor": "created_at", "seconds": 601},
}


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ([], None, "invalid_type"),
        ({"workflow": {"id": "w"}}, "user", "missing_required_parameter"),
        (_TOO_MANY_VARIABLES, "workflow.state_variables", "object_above_max_properties"),
        (_TOO_LONG, "expires_after.seconds", "integer_above_max_value"),
    ],
)
def test_session_body_refusals(body: Any, param: str | None, code: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        validate_session_body(body)
    assert (caught.value.param, caught.value.code) == (param, code)
