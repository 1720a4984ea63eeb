"""Where graphkit finds its declarations (schema/, loaders/) and bundled data.

In a source checkout these are the top-level folders beside the package. An installed wheel
carries them under ``<prefix>/share/graphkit``. ``GRAPHKIT_HOME`` overrides both.
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
    candidates += [Path(__file__).resolve().parent.parent, Path(sys.prefix) / "share" / "graphkit"]
    for cand in candidates:
        if (cand / "schema" / "model.yaml").is_file():
            return cand
    raise FileNotFoundError(
        "找不到 graphkit 的 schema/ 目录 / cannot find graphkit's schema/ folder; "
        f"looked in: {', '.join(str(c) for c in candidates)}. Set GRAPHKIT_HOME."
    )


def schema_dir() -> Path:
    """Return the ``schema/`` folder."""
    return project_root() / "schema"


def loaders_dir() -> Path:
    """Return the ``loaders/`` folder of built-in ledger mappings."""
    return project_root() / "loaders"


def data_dir() -> Path:
    """Return the ``data/`` folder with the bundled sample county and seed facts."""
    return project_root() / "data"
