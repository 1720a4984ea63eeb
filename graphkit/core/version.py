"""graphkit's version (one place; the package, output markers and reports read it)."""
from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
