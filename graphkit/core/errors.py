"""Domain errors. Every message is built from context and speaks Chinese first, then English."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["GraphkitError", "SchemaError", "MappingError", "LedgerError", "ValidationFailed", "OutputError", "InputError",
           "SettingsError"]


class GraphkitError(Exception):
    """Base class of every error graphkit raises on purpose (user errors, not bugs)."""


class SchemaError(GraphkitError):
    """The schema declaration (schema/*.yaml) is inconsistent."""


class MappingError(GraphkitError):
    """A ledger mapping (loaders/*.yaml) is malformed or refers to unknown schema terms."""


class LedgerError(GraphkitError):
    """A ledger file cannot be read at all (not a spreadsheet, too large, unknown encoding)."""

    def __init__(self, message: str, *, file: str = "", sheet: str = "") -> None:
        super().__init__(message)
        self.file = file
        self.sheet = sheet


class ValidationFailed(GraphkitError):
    """Loading found problems; ``problems`` holds every one of them as a table."""

    def __init__(self, problems: pd.DataFrame, *, hint: str = "") -> None:
        self.problems = problems
        n = len(problems)
        files = sorted(set(problems["file"].dropna().astype(str))) if n else []
        head = (
            f"台账校验发现 {n} 个问题，未生成输出 / validation found {n} problem(s); nothing was written. "
            f"涉及文件 files: {', '.join(files[:5])}{' …' if len(files) > 5 else ''}."
        )
        super().__init__(head + (" " + hint if hint else ""))


class OutputError(GraphkitError):
    """An output folder or file cannot be written or read back."""


class InputError(GraphkitError, ValueError):
    """An option or argument given by the user is out of range or unknown (e.g. ``synth --orgs 10``).

    Also a :class:`ValueError`, as it was before it had its own class.
    """


class SettingsError(GraphkitError, ValueError):
    """A setting (``graphkit.override`` or a ``GRAPHKIT_*`` environment variable) has a bad value.

    Also a :class:`ValueError`, as it was before it had its own class.
    """
