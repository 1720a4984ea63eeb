"""The county-style layout corpus (tests/corpus/layouts.py): each ledger loads through its mapping
file alone to exact counts, and the read report says how each sheet was read."""
from __future__ import annotations

from pathlib import Path

import pytest

import graphkit as gk
from corpus.layouts import BASE_COUNTS, LAYOUTS, Layout, make


def test_corpus_has_at_least_15_layouts() -> None:
    assert len({lay.id for lay in LAYOUTS}) >= 15


@pytest.mark.parametrize("lay", LAYOUTS, ids=[lay.id for lay in LAYOUTS])
def test_layout_loads_to_exact_counts(lay: Layout, tmp_path: Path) -> None:
    g = gk.build_graph(make(lay, tmp_path / lay.id))
    assert not len(g.problems), g.problems.to_string()
    want = {**BASE_COUNTS, **lay.expect}
    got = {t: len(g.tables[t]) for t in want}
    assert got == want
    for t in set(g.tables) - set(want):
        assert len(g.tables[t]) == 0, t
    if lay.check is not None:
        lay.check(g)
    # the ledger was read by the county's mapping, and its skipped rows are reported one by one
    entries = [e for e in g.read_report if e["file"] != "党组织名册.csv" and e["status"] == "loaded"]
    assert entries and all(e["layout"] == entries[0]["layout"] for e in entries)
    assert entries[0]["layout"] not in gk.load_mappings().keys() or entries[0]["layout"] == "roster"
    assert sum(len(e["skipped"]) for e in entries) == lay.skipped, [e["skipped"] for e in entries]
