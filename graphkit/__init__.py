"""graphkit: county party-organization ledgers (台账) → a knowledge graph of joint-building links.

>>> import graphkit as gk
>>> g = gk.build_graph(gk.sample_path("sample_county"))
>>> g.settings["county"]
'示例县'
"""
from __future__ import annotations

from pathlib import Path

from .errors import GraphkitError, LedgerError, MappingError, OutputError, SchemaError, ValidationFailed
from .io import read_graph, write_graph
from .load import build_graph, validate_ledgers
from .mapping import load_mapping, load_mappings
from .model import Graph
from .schema import load_schema

__version__ = "0.1.0"

__all__ = [
    "Graph", "build_graph", "validate_ledgers", "read_graph", "write_graph", "load_schema", "load_mapping",
    "load_mappings", "sample_path", "GraphkitError", "LedgerError", "MappingError", "OutputError", "SchemaError",
    "ValidationFailed", "__version__",
]


def sample_path(name: str = "sample_county") -> Path:
    """Path of a bundled dataset: ``"sample_county"`` (示例县, fictional) or ``"seed_facts"``.

    >>> sample_path().name
    'sample_county'
    """
    from ._paths import data_dir

    path = data_dir() / name
    if not path.exists():
        raise GraphkitError(f"没有内置数据集 / no bundled dataset named {name!r} (looked in {data_dir()})")
    return path
