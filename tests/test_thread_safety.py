"""Analyses of one graph run from several threads at once give the sequential results.

Covers the per-graph derived-table store (``_analysis.cached`` keeps it on the graph, not in a
module-level dict), per-context settings overrides (``graphkit.override`` in one thread does not
change another's settings) and igraph's process-wide random generator (installed under a lock).
"""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses.analysis import run_all
from graphkit.analyses.clusters import detect_clusters
from graphkit.core.settings import override

THREADS = 4


def _same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for name, table in a.items():
        pd.testing.assert_frame_equal(table, b[name], check_exact=True, obj=name)


def _together(fn, n: int = THREADS) -> list:
    """Run ``fn(i)`` for i in 0..n-1 on n threads released at the same moment."""
    barrier = threading.Barrier(n)

    def go(i: int):
        barrier.wait()
        return fn(i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(go, range(n)))


@pytest.fixture(scope="module")
def read_back(sample_out: Path) -> gk.Graph:
    return gk.read_graph(sample_out)


@pytest.mark.parametrize("which", ["built", "read"])
def test_run_all_from_threads_equals_sequential(sample_graph: gk.Graph, read_back: gk.Graph, which: str) -> None:
    graph = sample_graph if which == "built" else read_back
    dates = ["2024-06-30", None, "2024-06-30", "2023-12-31"]
    sequential = [run_all(graph, as_of=d) for d in dates]
    for _round in range(2):
        concurrent = _together(lambda i: run_all(graph, as_of=dates[i]))
        for seq, con in zip(sequential, concurrent):
            _same(seq, con)
    assert graph.cache("analyses").data["depth"] == 0  # every block closed
    assert graph.cache("analyses").data["values"] == {}  # nothing kept on the graph after the blocks


def test_overrides_stay_in_their_thread(sample_graph: gk.Graph) -> None:
    caps = [1, 2, 3, 5]
    sequential = []
    for cap in caps:
        with override(max_per_strong=cap, pairing_capacity=cap):
            sequential.append(run_all(sample_graph, as_of="2024-06-30"))
    assert not sequential[0]["overloaded_strong"].equals(sequential[3]["overloaded_strong"])

    def work(i: int) -> tuple[int, dict[str, pd.DataFrame]]:
        with override(max_per_strong=caps[i], pairing_capacity=caps[i]):
            res = run_all(sample_graph, as_of="2024-06-30")
            return gk.config.max_per_strong, res

    before = gk.config.as_dict()
    for i, (seen, res) in enumerate(_together(work)):
        assert seen == caps[i]
        _same(sequential[i], res)
    assert gk.config.as_dict() == before


def test_seeded_clusters_from_threads(sample_graph: gk.Graph) -> None:
    """Seeded community detection (Leiden through igraph's global generator when installed) gives
    each seed its own result whatever runs beside it."""
    seeds = [0, 1, 2, 3]
    sequential = [detect_clusters(sample_graph, as_of="2024-06-30", seed=s) for s in seeds]
    for _round in range(3):
        concurrent = _together(lambda i: detect_clusters(sample_graph, as_of="2024-06-30", seed=seeds[i]))
        for seq, con in zip(sequential, concurrent):
            pd.testing.assert_frame_equal(seq, con, check_exact=True)


def test_seeded_layouts_and_clusters_side_by_side(sample_graph: gk.Graph) -> None:
    """igraph layouts (Gephi export) and Leiden share igraph's one generator: run together from
    threads, each still gives its seeded sequential result."""
    from graphkit.exports.gephi import _positions

    G = nx.DiGraph(gk.gephi_graph(sample_graph, as_of="2024-06-30"))
    layouts = [_positions(G, s) for s in (0, 1)]
    clusters = [detect_clusters(sample_graph, as_of="2024-06-30", seed=s) for s in (0, 1)]

    def work(i: int) -> object:
        return _positions(G, i // 2) if i % 2 == 0 else detect_clusters(sample_graph, as_of="2024-06-30", seed=i // 2)

    for _round in range(2):
        got = _together(work)
        assert got[0] == layouts[0] and got[2] == layouts[1]
        pd.testing.assert_frame_equal(got[1], clusters[0], check_exact=True)
        pd.testing.assert_frame_equal(got[3], clusters[1], check_exact=True)
