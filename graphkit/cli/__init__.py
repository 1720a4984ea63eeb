"""The ``graphkit`` command line (``graphkit.cli:main``); the commands live in ``main`` and ``_*``."""
from __future__ import annotations

from .main import cli, main

__all__ = ["cli", "main"]
