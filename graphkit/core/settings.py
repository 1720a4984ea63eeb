"""Defaults graphkit uses where a call does not say otherwise, with environment overrides.

``graphkit.config`` is the one settings object. Each field can be set from the environment as
``GRAPHKIT_<FIELD>`` (e.g. ``GRAPHKIT_BASE_IRI``, ``GRAPHKIT_NEO4J_BATCH_SIZE=20000``), or for a
block of code with :func:`override`.

Overrides are per context (:mod:`contextvars`): a ``with override(...)`` block changes the settings
only for the code running in that thread or asyncio task, so two threads can analyse with
different settings at once. A thread started inside the block sees the process-wide settings
unless it runs in a copy of the context (``contextvars.copy_context().run``).

The size thresholds at which an algorithm switches to its large-scale variant are settings too
(``small_lookup``, ``pairing_matrix_cells``, ``arrow_sort_min``, ``parallel_min_bytes``); read
them with :func:`threshold`. ``force_large=1`` (``GRAPHKIT_FORCE_LARGE=1``) makes every such
threshold 0, so the large-scale paths run on any data: the test suite runs the analyses that way
and checks the tables equal the normal path's.

Examples
--------
>>> from graphkit.core.settings import config, override
>>> config.max_per_strong
2
>>> with override(max_per_strong=3):
...     config.max_per_strong
3
>>> config.max_per_strong
2
"""
from __future__ import annotations

import dataclasses
import os
from functools import lru_cache
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, fields
from typing import Any

from .errors import SettingsError

__all__ = ["THRESHOLDS", "Settings", "config", "current", "override", "threshold"]

#: Settings that are size thresholds switching an algorithm to its large-scale variant (each is
#: 0 under ``force_large``). The small path is taken below the threshold, the large path at or
#: above it.
THRESHOLDS = ("small_lookup", "pairing_matrix_cells", "arrow_sort_min", "parallel_min_bytes")


@dataclass
class Settings:
    """graphkit's defaults.

    Attributes
    ----------
    base_iri
        Prefix of instance IRIs in RDF exports.
    lang
        Language of labels in reports and labelled tables: ``"zh"`` or ``"en"``.
    neo4j_batch_size
        Rows per ``UNWIND`` transaction when pushing to Neo4j.
    max_per_strong
        A strong org carrying more active pairings than this is "overloaded".
    pairing_capacity
        How many weak orgs a strong org may take in pairing suggestions.
    rotation_years
        Pairings older than this are due for the yearly rotation.
    view_max_nodes
        Above this many nodes, views aggregate (towns or clusters as nodes).
    seed
        Default seed where randomness enters (clusters, layouts).
    max_columns
        Columns a ledger sheet may have (a county ledger has a few dozen; Excel allows 16,384).
    max_line_fields
        Fields one line of a text ledger may hold, counted from its separators before it is parsed.
    max_cells
        Cells (rows x columns) a ledger sheet may have.
    max_sheet_bytes
        Bytes one sheet may take unpacked (a text ledger's bytes, an .xlsx sheet's XML).
    small_lookup
        Id lookups, ``isin`` and ``factorize`` of at least this many values use the identity and
        code-based path of :mod:`graphkit.core.ids`; smaller ones use pandas directly.
    pairing_matrix_cells
        ``suggest_pairings(method="auto")`` solves the assignment matrix up to this many cells,
        the min-cost flow above (both exact).
    arrow_sort_min
        Object arrays of strings longer than this are sorted by pyarrow, shorter ones by numpy.
    parallel_min_bytes
        A ledger folder of at least this many bytes (and two or more files) is read by two
        worker processes.
    force_large
        1: every threshold above is 0, so the large-scale code paths run on any data (tests).

    Examples
    --------
    >>> Settings.from_env({"GRAPHKIT_MAX_PER_STRONG": "3", "GRAPHKIT_LANG": "en"}).max_per_strong
    3
    >>> Settings(lang="fr")
    Traceback (most recent call last):
    ...
    graphkit.core.errors.SettingsError: lang 须为 zh 或 en / must be 'zh' or 'en', not 'fr'
    """

    base_iri: str = "https://graphkit.example.org/id/"
    lang: str = "zh"
    neo4j_batch_size: int = 20_000
    neo4j_workers: int = 2
    max_per_strong: int = 2
    pairing_capacity: int = 2
    rotation_years: int = 1
    view_max_nodes: int = 3_000
    seed: int = 0
    max_columns: int = 1_000
    max_line_fields: int = 16_384
    max_cells: int = 60_000_000
    max_sheet_bytes: int = 1024**3
    small_lookup: int = 50_000
    pairing_matrix_cells: int = 200_000
    arrow_sort_min: int = 65
    parallel_min_bytes: int = 8 * 1024**2
    force_large: int = 0

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        if self.lang not in ("zh", "en"):
            raise SettingsError(f"lang 须为 zh 或 en / must be 'zh' or 'en', not {self.lang!r}")
        for f in ("neo4j_batch_size", "neo4j_workers", "max_per_strong", "pairing_capacity", "rotation_years",
                  "view_max_nodes", "max_columns", "max_line_fields", "max_cells", "max_sheet_bytes"):
            if getattr(self, f) < 1:
                raise SettingsError(f"{f} 须为正整数 / must be a positive integer, not {getattr(self, f)!r}")
        for f in THRESHOLDS:
            if getattr(self, f) < 0:
                raise SettingsError(f"{f} 不能为负 / must not be negative, not {getattr(self, f)!r}")
        if self.force_large not in (0, 1):
            raise SettingsError(f"force_large 须为 0 或 1 / must be 0 or 1, not {self.force_large!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Defaults overridden by ``GRAPHKIT_<FIELD>`` environment variables."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"GRAPHKIT_{f.name.upper()}")
            if raw is None:
                continue
            try:
                values[f.name] = int(raw) if f.type in ("int", int) else raw
            except ValueError:
                raise SettingsError(f"环境变量 GRAPHKIT_{f.name.upper()}={raw!r} 应为整数 / must be an integer") from None
        return cls(**values)

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict."""
        return dataclasses.asdict(self)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{k}</td><td>{v!r}</td></tr>" for k, v in self.as_dict().items())
        return f"<table><tr><th>setting</th><th>value</th></tr>{rows}</table>"


_CURRENT: ContextVar[Settings | None] = ContextVar("graphkit_settings", default=None)


@lru_cache(maxsize=1)
def _base() -> Settings:
    """The process-wide settings: defaults and ``GRAPHKIT_*`` variables, read on first use.

    Read lazily, so that a bad variable is a :class:`~graphkit.core.errors.SettingsError` where
    settings are first needed (the CLI prints it), not a failure of ``import graphkit``.
    """
    return Settings.from_env()


def current() -> Settings:
    """The settings in force in this context (the process-wide ones outside any :func:`override`).

    The result is a snapshot: it does not follow later overrides.
    """
    s = _CURRENT.get()
    return _base() if s is None else s


def threshold(name: str) -> int:
    """A size threshold (one of :data:`THRESHOLDS`) in force in this context; 0 under ``force_large``.

    Examples
    --------
    >>> threshold("small_lookup")
    50000
    >>> with override(force_large=1):
    ...     threshold("small_lookup"), threshold("pairing_matrix_cells")
    (0, 0)
    """
    if name not in THRESHOLDS:
        raise AttributeError(f"未知阈值 unknown threshold {name!r}; known: {list(THRESHOLDS)}")
    s = current()
    return 0 if s.force_large else int(getattr(s, name))


class _Config:
    """``graphkit.config``: reads every attribute from the settings in force in the current context
    (see :func:`current`). Change settings with :func:`override`, not by assignment."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(current(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"设置请用 graphkit.override(...) / set {name!r} with graphkit.override(...)")

    def __dir__(self) -> list[str]:
        return sorted({f.name for f in fields(Settings)} | {"as_dict"})

    def __repr__(self) -> str:
        return f"config({current()!r})"

    def as_dict(self) -> dict[str, Any]:
        """The settings in force, as a plain dict."""
        return current().as_dict()

    def _repr_html_(self) -> str:
        return current()._repr_html_()


config: Any = _Config()


@contextmanager
def override(**changes: Any) -> Iterator[Any]:
    """Change settings for the duration of a ``with`` block in this context, then restore them.

    Only the code running in the current thread (or asyncio task) sees the change.

    Raises
    ------
    AttributeError
        For an unknown setting name.
    ValueError
        For a value out of range (the settings are left unchanged).

    Examples
    --------
    >>> with override(lang="en", max_per_strong=3):
    ...     (config.lang, config.max_per_strong)
    ('en', 3)
    >>> config.max_per_strong == Settings.from_env().max_per_strong
    True
    """
    known = {f.name for f in fields(Settings)}
    unknown = set(changes) - known
    if unknown:
        raise AttributeError(f"未知设置 unknown settings: {sorted(unknown)}; known: {sorted(known)}")
    new = dataclasses.replace(current(), **changes)  # checked by __post_init__
    token = _CURRENT.set(new)
    try:
        yield config
    finally:
        _CURRENT.reset(token)


def _use(settings: Settings) -> None:
    """Make ``settings`` the ones in force in this context (a worker process's initializer)."""
    _CURRENT.set(settings)
