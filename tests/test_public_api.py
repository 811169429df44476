"""The public surface: ``__all__`` of each public module is sorted, complete and importable."""

from __future__ import annotations

import importlib
import inspect

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
