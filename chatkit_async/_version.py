"""The distribution's version string, kept in one place.

This module owns ``__version__`` only; it imports nothing and performs no I/O.
"""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
