"""Shared pytest configuration of the chatkit-async test suite."""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    """Runs ``pytest.mark.anyio`` tests on asyncio only."""
    return "asyncio"
