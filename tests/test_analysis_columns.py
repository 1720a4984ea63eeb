"""read_graph(columns=analysis_columns()) reads less and every analysis gives the same tables."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses.analysis import analysis_columns, run_all
from graphkit.core.errors import OutputError
from graphkit.ingest.synth import generate_ledgers


@pytest.fixture(scope="module")
def synth_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cols")
    generate_ledgers(root / "ledgers", scale="county", seed=3, n_orgs=700, fmt="csv")
    return gk.write_graph(gk.build_graph(root / "ledgers", lenient=True), root / "out")


@pytest.mark.parametrize("which", ["sample", "synth"])
@pytest.mark.parametrize("as_of", [None, "2023-06-30"])
def test_every_analysis_is_the_same_on_the_projected_graph(which: str, as_of: str | None, sample_out: Path,
                                                           synth_out: Path) -> None:
    out = sample_out if which == "sample" else synth_out
    full = run_all(gk.read_graph(out, provenance=False), as_of=as_of)
    part = run_all(gk.read_graph(out, provenance=False, columns=analysis_columns()), as_of=as_of)
    assert list(full) == list(part)
    for name in full:
        pd.testing.assert_frame_equal(full[name], part[name], obj=name)
    assert sum(len(t) for t in full.values()) > 0


def test_projected_graph_reads_less_and_cannot_be_written(sample_out: Path, tmp_path: Path) -> None:
    g = gk.read_graph(sample_out, columns=analysis_columns())
    whole = gk.read_graph(sample_out)
    assert g.count("Participation") == whole.count("Participation") > 0  # row count kept
    assert g.tables["Participation"].columns.tolist() == []
    assert "title" not in g.tables["Activity"] and "title" in whole.tables["Activity"]
    with pytest.raises(KeyError):
        g.tables["Participation"]["org"]
    with pytest.raises(OutputError, match="部分列"):
        gk.write_graph(g, tmp_path / "again")
