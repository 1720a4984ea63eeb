"""Defaults graphkit uses where a call does not say otherwise, with environment overrides.

``graphkit.config`` is the one settings object. Each field can be set from the environment as
``GRAPHKIT_<FIELD>`` (e.g. ``GRAPHKIT_BASE_IRI``, ``GRAPHKIT_NEO4J_BATCH_SIZE=20000``), or for a
block of code with :func:`override`.

Examples
--------
>>> from graphkit.settings import config, override
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
import threading
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any, Iterator

from .errors import SettingsError

__all__ = ["Settings", "config", "override"]


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

    Examples
    --------
    >>> Settings.from_env({"GRAPHKIT_MAX_PER_STRONG": "3", "GRAPHKIT_LANG": "en"}).max_per_strong
    3
    >>> Settings(lang="fr")
    Traceback (most recent call last):
    ...
    graphkit.errors.SettingsError: lang 须为 zh 或 en / must be 'zh' or 'en', not 'fr'
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

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        if self.lang not in ("zh", "en"):
            raise SettingsError(f"lang 须为 zh 或 en / must be 'zh' or 'en', not {self.lang!r}")
        for f in ("neo4j_batch_size", "neo4j_workers", "max_per_strong", "pairing_capacity", "rotation_years",
                  "view_max_nodes", "max_columns", "max_line_fields", "max_cells", "max_sheet_bytes"):
            if getattr(self, f) < 1:
                raise SettingsError(f"{f} 须为正整数 / must be a positive integer, not {getattr(self, f)!r}")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> "Settings":
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


config = Settings.from_env()
_lock = threading.Lock()


@contextmanager
def override(**changes: Any) -> Iterator[Settings]:
    """Change settings for the duration of a ``with`` block, then restore them.

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
    with _lock:
        saved = {k: getattr(config, k) for k in changes}
        for k, v in changes.items():
            setattr(config, k, v)
        try:
            config._check()
        except ValueError:
            for k, v in saved.items():
                setattr(config, k, v)
            raise
    try:
        yield config
    finally:
        with _lock:
            for k, v in saved.items():
                setattr(config, k, v)
