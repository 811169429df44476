"""The blocking facade never drifts from the async core: same methods, parameters, docs and types.

An ``inspect`` comparison of every public member of each async class with its sync twin; the
typing scripts that pin every public call's return type under mypy and pyright are checked by
``test_typing.py`` beside this file.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any

import pytest

import chatkit_async
from chatkit_async import AsyncChatKit, AsyncPaginator, ChatKit, SyncPaginator
from chatkit_async.resources.sessions import (
    AsyncSessions,
    AsyncSessionsWithRawResponse,
    Sessions,
    SessionsWithRawResponse,
)
from chatkit_async.resources.threads import (
    AsyncThreads,
    AsyncThreadsWithRawResponse,
    Threads,
    ThreadsWithRawResponse,
)

ROOT = Path(__file__).resolve().parent.parent

# Async-only spellings and their blocking counterparts.
SPECIAL_NAMES = {
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__await__": "first_page",
}
CLASS_PAIRS: list[tuple[type[Any], type[Any]]] = [
    (AsyncChatKit, ChatKit),
    (AsyncThreads, Threads),
    (AsyncSessions, Sessions),
    (AsyncPaginator, SyncPaginator),
]
RAW_PAIRS: list[tuple[str, type[Any]]] = [
    ("threads", ThreadsWithRawResponse),
    ("sessions", SessionsWithRawResponse),
]
# Parameters of the async side that the sync side leaves out on purpose.
ASYNC_ONLY_PARAMETERS = {(AsyncChatKit, "__init__"): {"session"}}


def to_sync_annotation(annotation: str) -> str:
    """Spell an async annotation the way its sync twin must."""
    annotation = annotation.replace("AsyncPaginator", "SyncPaginator")
    annotation = annotation.replace("AsyncIterator", "Iterator")
    return re.sub(r"\bAsync(ChatKit|Threads|Sessions)", r"\1", annotation)


def public_names(cls: type[Any]) -> set[str]:
    """Public members of a class, plus the async dunders that have a sync spelling."""
    names = {name for name in dir(cls) if not name.startswith("_")}
    names |= {name for name in SPECIAL_NAMES if hasattr(cls, name)}
    if cls is AsyncChatKit or cls is ChatKit:
        names |= {"__init__"}
    return names


def signature_rows(func: Callable[..., Any], drop: Collection[str] = ()) -> list[tuple[object, ...]]:
    """A comparable description of a signature: name, kind, default, annotation per parameter."""
    rows: list[tuple[object, ...]] = []
    for param in inspect.signature(func).parameters.values():
        if param.name in drop:
            continue
        annotation = param.annotation
        rows.append((param.name, param.kind, repr(param.default), to_sync_annotation(str(annotation))))
    return rows


def docstring_section(doc: str | None, section: str) -> str:
    """The text of a Google-style docstring section (e.g. ``Args``), dedented."""
    assert doc, "missing docstring"
    text = inspect.cleandoc(doc)
    match = re.search(rf"^{section}:\n((?:[ ]+.*\n?|\n)*)", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else ""


@pytest.fixture
def async_client() -> Iterator[AsyncChatKit]:
    """An AsyncChatKit that never sends anything (raw-response classes need an instance)."""
    client = AsyncChatKit(api_key="sk-parity", base_url="http://127.0.0.1:9/v1")
    yield client
    asyncio.run(client.close())


@pytest.mark.parametrize(("async_cls", "sync_cls"), CLASS_PAIRS, ids=lambda c: c.__name__)
def test_every_async_member_has_a_sync_twin(async_cls: type[Any], sync_cls: type[Any]) -> None:
    """Each public async method or property exists on the sync class, of the same kind."""
    for name in public_names(async_cls):
        sync_name = SPECIAL_NAMES.get(name, name)
        assert hasattr(sync_cls, sync_name), f"{sync_cls.__name__} lacks {sync_name}"
        async_member = inspect.getattr_static(async_cls, name)
        sync_member = inspect.getattr_static(sync_cls, sync_name)
        assert isinstance(sync_member, property) == isinstance(async_member, property), name
    extra = public_names(sync_cls) - {SPECIAL_NAMES.get(n, n) for n in public_names(async_cls)}
    extra -= set(SPECIAL_NAMES.values())
    assert not extra, f"{sync_cls.__name__} has public members without an async twin: {extra}"


@pytest.mark.parametrize(("async_cls", "sync_cls"), CLASS_PAIRS, ids=lambda c: c.__name__)
def test_sync_signatures_match_async(async_cls: type[Any], sync_cls: type[Any]) -> None:
    """Parameter names, kinds, defaults and annotations match; so do return annotations."""
    for name in public_names(async_cls):
        async_member = inspect.getattr_static(async_cls, name)
        if isinstance(async_member, property):
            assert async_member.fget is not None
            sync_prop = inspect.getattr_static(sync_cls, name)
            assert (
                to_sync_annotation(async_member.fget.__annotations__["return"])
                == (sync_prop.fget.__annotations__["return"])
            ), name
            continue
        sync_name = SPECIAL_NAMES.get(name, name)
        async_func = getattr(async_cls, name)
        sync_func = getattr(sync_cls, sync_name)
        drop = ASYNC_ONLY_PARAMETERS.get((async_cls, name), set())
        assert signature_rows(sync_func) == signature_rows(async_func, drop), name
        if name in ("__aexit__", "__await__"):
            continue  # protocol methods: their return types differ by nature
        async_return = str(inspect.signature(async_func).return_annotation)
        sync_return = str(inspect.signature(sync_func).return_annotation)
        assert sync_return == to_sync_annotation(async_return), name


@pytest.mark.parametrize(("async_cls", "sync_cls"), CLASS_PAIRS, ids=lambda c: c.__name__)
def test_sync_methods_are_plain_functions(async_cls: type[Any], sync_cls: type[Any]) -> None:
    """Blocking methods return values, not coroutines; the async ones are coroutines."""
    for name in public_names(async_cls):
        sync_member = inspect.getattr_static(sync_cls, SPECIAL_NAMES.get(name, name))
        if isinstance(sync_member, property):
            continue
        assert not inspect.iscoroutinefunction(sync_member), name
    for cls in (AsyncThreads, AsyncSessions):
        for name in ("retrieve", "delete", "create", "cancel"):
            if hasattr(cls, name):
                assert inspect.iscoroutinefunction(getattr(cls, name))


@pytest.mark.parametrize(("async_cls", "sync_cls"), CLASS_PAIRS, ids=lambda c: c.__name__)
def test_sync_docstrings_exist_and_document_the_same_arguments(
    async_cls: type[Any], sync_cls: type[Any]
) -> None:
    """Every sync member has a docstring, and methods document the same ``Args`` as async."""
    assert sync_cls.__doc__
    for name in public_names(async_cls):
        sync_name = SPECIAL_NAMES.get(name, name)
        if sync_name == "__init__":
            continue  # documented by the class docstring (checked below)
        sync_member = inspect.getattr_static(sync_cls, sync_name)
        doc = sync_member.__doc__
        assert doc, f"{sync_cls.__name__}.{sync_name} has no docstring"
        if name.startswith("__"):
            continue
        async_doc = inspect.getattr_static(async_cls, name).__doc__
        assert docstring_section(doc, "Args") == docstring_section(async_doc, "Args"), name


def test_client_attribute_annotations_match() -> None:
    """``threads`` and ``sessions`` are declared on both clients with twin types."""
    def spelled(annotation: object) -> str:
        # Annotations may be resolved already (chatkit_async resolves them before presenting
        # its classes under the package's name).
        return annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")

    async_annotations = inspect.get_annotations(AsyncChatKit)
    sync_annotations = inspect.get_annotations(ChatKit)
    for name in ("threads", "sessions"):
        assert spelled(sync_annotations[name]) == to_sync_annotation(spelled(async_annotations[name]))


def test_client_constructor_docs_match_except_session() -> None:
    """The class docstrings document the same constructor keywords (``session`` is async-only)."""
    async_args = docstring_section(AsyncChatKit.__doc__, "Args")
    sync_args = docstring_section(ChatKit.__doc__, "Args")
    async_args = re.sub(r"\n\s*session:.*(\n\s{8,}.*)*", "", async_args)
    assert sync_args == async_args


@pytest.mark.parametrize(("resource", "sync_cls"), RAW_PAIRS, ids=lambda x: str(x))
def test_raw_response_classes_are_twins(
    async_client: AsyncChatKit, resource: str, sync_cls: type[Any]
) -> None:
    """The sync raw classes have every async raw method, same parameters, ``APIResponse`` out."""
    async_resource = getattr(async_client, resource)
    async_raw = async_resource.with_raw_response
    expected_cls = AsyncThreadsWithRawResponse if resource == "threads" else AsyncSessionsWithRawResponse
    assert type(async_raw) is expected_cls
    async_names = {n for n in dir(type(async_raw)) if not n.startswith("_")}
    sync_names = {n for n in dir(sync_cls) if not n.startswith("_")}
    assert async_names == sync_names
    assert sync_cls.__doc__
    for name in async_names:
        async_method = getattr(async_raw, name)
        sync_method = getattr(sync_cls, name)
        assert inspect.iscoroutinefunction(async_method), name
        assert not inspect.iscoroutinefunction(sync_method), name
        # The async raw methods take exactly the model methods' parameters; the raw face turns
        # the model method's return type into APIResponse[...].
        model_method = getattr(type(async_resource), name)
        assert signature_rows(async_method) == signature_rows(model_method)[1:], name
        assert signature_rows(sync_method)[1:] == signature_rows(async_method), name
        model_return = str(inspect.signature(model_method).return_annotation)
        expected = re.sub(r"^AsyncPaginator\[(.*)\]$", r"Page[\1]", model_return)
        assert str(inspect.signature(sync_method).return_annotation) == f"APIResponse[{expected}]"
        assert sync_method.__doc__
        assert docstring_section(sync_method.__doc__, "Args") == docstring_section(
            model_method.__doc__, "Args"
        ), name


def test_facade_is_exported() -> None:
    """``ChatKit`` and ``SyncPaginator`` are public, next to their async twins."""
    for name in ("AsyncChatKit", "ChatKit", "AsyncPaginator", "SyncPaginator"):
        assert name in chatkit_async.__all__
        assert getattr(chatkit_async, name) is not None
