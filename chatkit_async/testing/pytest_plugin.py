"""pytest plugin of chatkit-async: fixtures serving a ChatKit emulator.

This module owns the pytest integration of [`ChatKitEmulator`][chatkit_async.testing.ChatKitEmulator]. It
is registered as the ``chatkit_async`` plugin (a ``pytest11`` entry point), so installing the
package is enough to use it.

Fixtures:
    ``chatkit_emulator``: a started emulator (function scope) running in a background thread
    with the default deterministic demo data, stopped at teardown. As it does not depend on the
    test's event loop it serves sync and async tests alike:

        def test_list(chatkit_emulator):
            client = ChatKit(api_key=chatkit_emulator.api_key, base_url=chatkit_emulator.base_url)

    ``chatkit_emulator_factory``: a callable taking
    [`ChatKitEmulator`][chatkit_async.testing.ChatKitEmulator] keyword arguments and returning
    another started emulator; every emulator it made is stopped at teardown:

        def test_two(chatkit_emulator_factory):
            empty = chatkit_emulator_factory(demo=False)
            open_door = chatkit_emulator_factory(api_key=None, require_beta_header=False)

Marker:
    ``@pytest.mark.chatkit_emulator(**kwargs)`` passes keyword arguments of
    [`ChatKitEmulator`][chatkit_async.testing.ChatKitEmulator] to the ``chatkit_emulator`` fixture
    (the closest marker wins):

        @pytest.mark.chatkit_emulator(demo=False, api_key=None)
        def test_empty(chatkit_emulator): ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ._emulator import ChatKitEmulator

__all__ = ["chatkit_emulator", "chatkit_emulator_factory", "pytest_configure"]

_MARKER = "chatkit_emulator"


def pytest_configure(config: pytest.Config) -> None:
    """Registers the ``chatkit_emulator`` marker."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**kwargs): keyword arguments of ChatKitEmulator for the "
        "chatkit_emulator fixture",
    )


@pytest.fixture
def chatkit_emulator_factory() -> Iterator[Callable[..., ChatKitEmulator]]:
    """Makes started emulators from ChatKitEmulator keyword arguments; stops them at teardown."""
    started: list[ChatKitEmulator] = []

    def make(**kwargs: Any) -> ChatKitEmulator:
        emulator = ChatKitEmulator(**kwargs).start()
        started.append(emulator)
        return emulator

    try:
        yield make
    finally:
        errors: list[BaseException] = []
        for emulator in reversed(started):
            try:
                emulator.stop()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]


@pytest.fixture
def chatkit_emulator(request: pytest.FixtureRequest) -> Iterator[ChatKitEmulator]:
    """A started emulator with the demo data (background thread); stopped at teardown.

    Customise it with ``@pytest.mark.chatkit_emulator(**kwargs)``.
    """
    marker = request.node.get_closest_marker(_MARKER)
    kwargs: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    emulator = ChatKitEmulator(**kwargs).start()
    try:
        yield emulator
    finally:
        emulator.stop()
