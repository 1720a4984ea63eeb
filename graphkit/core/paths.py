"""Where graphkit finds its declarations (schema/, loaders/) and bundled data.

In a source checkout these are the top-level folders beside the package. An installed wheel
carries them under ``<prefix>/share/graphkit``. ``GRAPHKIT_HOME`` overrides both.
``GRAPHKIT_SCHEMA_DIR`` points at another schema folder alone (a copy of ``schema/`` with an
added mechanism, code or type), keeping the built-in loaders; a county's own layouts go in its
ledger folder's ``mappings/``.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["project_root", "schema_dir", "loaders_dir", "data_dir"]


def project_root() -> Path:
    """Return the folder that holds ``schema/`` and ``loaders/``."""
    env = os.environ.get("GRAPHKIT_HOME")
    candidates = [Path(env)] if env else []
    candidates += [Path(__file__).resolve().parent.parent.parent, Path(sys.prefix) / "share" / "graphkit"]
    for cand in candidates:
        if (cand / "schema" / "model.yaml").is_file():
            return cand
    raise FileNotFoundError(
        "找不到 graphkit 的 schema/ 目录 / cannot find graphkit's schema/ folder; "
        f"looked in: {', '.join(str(c) for c in candidates)}. Set GRAPHKIT_HOME."
    )


def schema_dir() -> Path:
    """Return the ``schema/`` folder: ``GRAPHKIT_SCHEMA_DIR`` when set, else the project's.

    Raises
    ------
    SchemaError
        If ``GRAPHKIT_SCHEMA_DIR`` names a folder without ``model.yaml``.
    """
    env = os.environ.get("GRAPHKIT_SCHEMA_DIR")
    if env:
        folder = Path(env).expanduser().resolve()
        if not (folder / "model.yaml").is_file():
            from .errors import SchemaError

            raise SchemaError(f"GRAPHKIT_SCHEMA_DIR 指向的目录没有 model.yaml / has no model.yaml: {folder}")
        return folder
    return project_root() / "schema"


def loaders_dir() -> Path:
    """Return the ``loaders/`` folder of built-in ledger mappings."""
    return project_root() / "loaders"


def data_dir() -> Path:
    """Return the ``data/`` folder with the bundled sample county and seed facts."""
    return project_root() / "data"
