"""The large-scale code paths, forced on small data, give the same tables as the normal paths.

Size thresholds switch several algorithms (``graphkit.core.settings.THRESHOLDS``: id lookups through
:mod:`graphkit.core.ids`, the pairing solver, string sorts, worker processes for large ledger
folders). County-scale data never reaches them, so here every threshold is forced to 0
(``override(force_large=1)``, as ``GRAPHKIT_FORCE_LARGE=1`` does) and every ``run_all`` table,
and a built graph, must be identical to the normal run's. One exception, found by this test: the
pairing suggestions of the matrix and flow solvers are equally good but not always the same
assignment among ties, so that table is compared by its optimum (see ``_assert_same_optimum``).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses import _pairing_solve
from graphkit.analyses.analysis import run_all
from graphkit.core.settings import THRESHOLDS, override, threshold
from graphkit.ingest.synth import generate_ledgers

DATES = ("2024-06-30", None)


def _assert_same_optimum(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The two pairing solvers are both exact, but among equally good assignments they may pick
    different strong orgs: the same weak orgs get a partner, at the same total cost and with the same
    count of each preference met, within every strong org's capacity."""
    assert list(a.columns) == list(b.columns)
    assert sorted(a["weak_id"]) == sorted(b["weak_id"])
    for col in ("cost", "same_town", "neighbouring_level"):
        assert int(a[col].sum()) == int(b[col].sum()), col
    for t in (a, b):
        per_strong = t.groupby("strong_id").size()
        assert (per_strong + t.groupby("strong_id")["load"].first() <= t.groupby("strong_id")["capacity"].first()).all()


def _assert_tables_equal(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert list(a) == list(b)
    for name, table in a.items():
        if name == "pairing_suggestions":
            _assert_same_optimum(table, b[name])
            continue
        pd.testing.assert_frame_equal(table, b[name], check_exact=True, obj=name)


@pytest.fixture(scope="module")
def synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("synth_large") / "ledgers"
    generate_ledgers(d, scale="county", seed=11, n_orgs=1500, fmt="csv")
    return d


@pytest.fixture(scope="module")
def synth_graph(synth_dir: Path) -> gk.Graph:
    return gk.build_graph(synth_dir)


@pytest.fixture
def solver_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Counts of the pairing solvers' calls (the real functions run)."""
    calls = {"matrix": 0, "flow": 0}
    for key, name in (("matrix", "solve_matrix"), ("flow", "solve_flow")):  # as pairing's assign step calls them
        real = getattr(_pairing_solve, name)

        def counted(*args: Any, _real: Any = real, _key: str = key, **kwargs: Any) -> Any:
            calls[_key] += 1
            return _real(*args, **kwargs)

        monkeypatch.setattr(_pairing_solve, name, counted)
    return calls


def test_force_large_zeroes_every_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    assert all(threshold(n) > 0 for n in THRESHOLDS)
    with override(force_large=1):
        assert [threshold(n) for n in THRESHOLDS] == [0] * len(THRESHOLDS)
    with override(small_lookup=7):
        assert threshold("small_lookup") == 7
    monkeypatch.setenv("GRAPHKIT_FORCE_LARGE", "1")
    assert gk.Settings.from_env().force_large == 1
    with pytest.raises(ValueError, match="force_large"):
        gk.Settings(force_large=2)
    with pytest.raises(ValueError, match="small_lookup"):
        gk.Settings(small_lookup=-1)


@pytest.mark.parametrize("as_of", DATES)
def test_sample_county_forced_large_equals_normal(sample_graph: gk.Graph, as_of: str | None,
                                                  solver_calls: dict[str, int]) -> None:
    normal = run_all(sample_graph, as_of=as_of)
    assert solver_calls == {"matrix": 1, "flow": 0}  # the county's matrix is small
    with override(force_large=1):
        forced = run_all(sample_graph, as_of=as_of)
    assert solver_calls == {"matrix": 1, "flow": 1}  # the large-scale solver ran
    _assert_tables_equal(normal, forced)


def test_read_graph_forced_large_equals_normal(sample_out: Path) -> None:
    """A graph read from its folder: under force_large every id lookup takes the large-key path."""
    normal_graph = gk.read_graph(sample_out)
    normal = run_all(normal_graph)
    with override(force_large=1):
        forced_graph = gk.read_graph(sample_out)
        forced = run_all(forced_graph)
    _assert_tables_equal(normal, forced)


def test_synth_build_and_analyses_forced_large_equal_normal(synth_dir: Path, synth_graph: gk.Graph,
                                                            tmp_path: Path) -> None:
    # building: the ledger files read by two worker processes (forkserver/spawn) instead of in order
    with override(force_large=1):
        forced_graph = gk.build_graph(synth_dir)
    assert list(forced_graph.tables) == list(synth_graph.tables)
    for name, t in synth_graph.tables.items():
        pd.testing.assert_frame_equal(t, forced_graph.tables[name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(synth_graph.sources, forced_graph.sources, check_exact=True)
    for as_of in DATES:
        normal = run_all(synth_graph, as_of=as_of)
        with override(force_large=1):
            forced = run_all(synth_graph, as_of=as_of)
        _assert_tables_equal(normal, forced)
