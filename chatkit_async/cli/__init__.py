"""The ``chatkit-async`` command line (also ``python -m chatkit_async``).

Commands: ``threads list|get|delete|items``, ``sessions create|cancel``, ``export``, ``mirror``,
``purge-user`` and ``emulator``; ``--emulator`` runs any of them against an embedded, seeded
emulator. Built on argparse and the SDK only. The entry point is ``main``. The bulk commands
are thin shells over [`chatkit_async.bulk`][chatkit_async.bulk], which is where their jobs live.
"""

from __future__ import annotations

from ._app import main
from ._console import (
    EXIT_ABORTED,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NO_KEY,
    EXIT_OK,
    EXIT_TERMINATED,
    EXIT_USAGE,
)

__all__ = [
    "EXIT_ABORTED",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NO_KEY",
    "EXIT_OK",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "main",
]
