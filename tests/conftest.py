"""Shared fixtures: the sample county built once per test session."""
from __future__ import annotations

from pathlib import Path

import pytest

import graphkit as gk

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample county ledger folder (示例县, fictional)."""
    return gk.sample_path("sample_county")


@pytest.fixture(scope="session")
def sample_graph(sample_dir: Path) -> gk.Graph:
    """The sample county, built once."""
    return gk.build_graph(sample_dir)


@pytest.fixture(scope="session")
def sample_out(sample_graph: gk.Graph, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample county written to an output folder once."""
    return gk.write_graph(sample_graph, tmp_path_factory.mktemp("sample") / "out")
