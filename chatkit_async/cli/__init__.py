"""The ``chatkit-async`` command line (also ``python -m chatkit_async``).

Commands: ``threads list|get|delete|items``, ``sessions create|cancel``, ``export``,
``purge-user`` and ``emulator``; ``--emulator`` runs any of them against an embedded, seeded
emulator. Built on argparse and the SDK only. The entry point is :func:`main`; the export and
purge steps are reusable from async code as :func:`export_jsonl`, :func:`collect_threads` and
:func:`delete_threads`.
"""

from __future__ import annotations

from ._app import main
from ._console import (
    EXIT_ABORTED,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NO_KEY,
    EXIT_OK,
    EXIT_USAGE,
)
from ._export import ExportStats, export_jsonl
from ._purge import PurgeFailure, PurgeReport, collect_threads, delete_threads

__all__ = [
    "EXIT_ABORTED",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NO_KEY",
    "EXIT_OK",
    "EXIT_USAGE",
    "ExportStats",
    "PurgeFailure",
    "PurgeReport",
    "collect_threads",
    "delete_threads",
    "export_jsonl",
    "main",
]
