"""The public surface: ``__all__`` of each public module is sorted, complete and importable."""

from __future__ import annotations

import importlib
import inspect
import typing

import pytest

PUBLIC_MODULES = ["chatkit_async", "chatkit_async.types", "chatkit_async.testing", "chatkit_async.bulk"]


def _ruff_order(names: list[str]) -> list[str]:
    # ruff's RUF022 order: SCREAMING_CASE constants, then CamelCase classes, then the rest.
    def key(name: str) -> tuple[int, str]:
        if name.isupper():
            return (0, name)
        if name[:1].isupper():
            return (1, name)
        return (2, name)

    return sorted(names, key=key)


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_sorted_unique_and_importable(module_name: str) -> None:
    """Every name in __all__ exists, appears once, and the list is sorted."""
    module = importlib.import_module(module_name)
    names = list(module.__all__)
    assert len(names) == len(set(names))
    assert names == _ruff_order(names)
    for name in names:
        assert hasattr(module, name), name


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_all_is_complete(module_name: str) -> None:
    """Every public class or function defined in the package and imported here is in __all__."""
    module = importlib.import_module(module_name)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isclass(value) or inspect.isfunction(value))
        and getattr(value, "__module__", "").startswith("chatkit_async")
    }
    assert public <= set(module.__all__), sorted(public - set(module.__all__))


def test_top_level_exports_the_contract() -> None:
    """The names API.md fixes are importable from chatkit_async."""
    import chatkit_async

    for name in [
        "AsyncChatKit",
        "ChatKit",
        "AsyncPaginator",
        "SyncPaginator",
        "Page",
        "Thread",
        "ThreadDeleted",
        "ThreadItem",
        "ChatSession",
        "UnknownItem",
        "UnknownStatus",
        "parse",
        "to_dict",
        "ChatKitError",
        "APIConnectionError",
        "APITimeoutError",
        "APIStatusError",
        "BadRequestError",
        "AuthenticationError",
        "PermissionDeniedError",
        "NotFoundError",
        "ConflictError",
        "UnprocessableEntityError",
        "RateLimitError",
        "InternalServerError",
        "APIResponseValidationError",
    ]:
        assert name in chatkit_async.__all__, name


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_public_callables_are_documented(module_name: str) -> None:
    """Every exported class and function has a docstring; public methods with parameters have Args."""
    module = importlib.import_module(module_name)
    problems = []
    for name in module.__all__:
        obj = getattr(module, name)
        if typing.get_origin(obj) is not None:
            continue  # a type alias such as ProgressCallback (a "class" to inspect on 3.10)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not (obj.__doc__ or "").strip():
            problems.append(name)
        if not inspect.isclass(obj):
            continue
        for attr, member in vars(obj).items():
            if attr.startswith("_") or not inspect.isfunction(member):
                continue
            doc = inspect.getdoc(member) or ""
            params = [p for p in inspect.signature(member).parameters if p not in ("self", "cls")]
            if not doc or (params and "Args:" not in doc):
                problems.append(f"{name}.{attr}")
    assert problems == []


def test_public_classes_show_their_public_name() -> None:
    """Tracebacks and reprs say ``chatkit_async.NotFoundError``, not a private module path."""
    import pickle
    import traceback
    import typing

    import chatkit_async

    shown = ["AsyncChatKit", "ChatKit", "AsyncPaginator", "SyncPaginator", "APIResponse"]
    shown += [n for n in chatkit_async.__all__ if n.endswith("Error")]
    for name in shown:
        assert repr(getattr(chatkit_async, name)) == f"<class 'chatkit_async.{name}'>", name
    assert chatkit_async.NotGiven.__module__ == "chatkit_async"
    error = chatkit_async.NotFoundError("No thread with id 'cthr_x'", request_id="req_1")
    try:
        raise error
    except chatkit_async.ChatKitError:
        last = traceback.format_exc().splitlines()[-1]
    assert last.startswith("chatkit_async.NotFoundError: Error code: 404")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is chatkit_async.NotFoundError and again.request_id == "req_1"
    assert pickle.loads(pickle.dumps(chatkit_async.NOT_GIVEN)) is chatkit_async.NOT_GIVEN
    # Renaming must not break annotation lookups, which go through a class's module.
    for name in chatkit_async.__all__:
        value = getattr(chatkit_async, name)
        if isinstance(value, type):
            typing.get_type_hints(value)
