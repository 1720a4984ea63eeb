"""A graph's reference columns as int32 row codes: the same whether read or built, and exact."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import graphkit as gk
from graphkit.store import io
from graphkit.analyses.toolkit import make_graph


def _expected(graph: gk.Graph, type_name: str, column: str) -> np.ndarray:
    target = graph.codes.target(type_name, column)
    ids = pd.Index(graph.tables[target]["id"].to_numpy(dtype=object), dtype=object)
    return ids.get_indexer(pd.Index(graph.tables[type_name][column].to_numpy(dtype=object), dtype=object))


def test_read_codes_match_the_built_graphs(tmp_path) -> None:
    built = gk.sample_graph()
    back = gk.read_graph(gk.write_graph(built, tmp_path / "out"))
    refs = [(t.name, p) for t in built.model for p in t.refs]
    assert len(refs) > 10
    for type_name, column in refs:
        if column not in built.tables[type_name]:
            continue
        got = back.codes.ref(type_name, column)
        assert got.dtype == np.int32 and len(got) == back.count(type_name)
        assert np.array_equal(got, built.codes.ref(type_name, column)), (type_name, column)
        assert np.array_equal(got, _expected(back, type_name, column)), (type_name, column)
    assert (back.codes.ref("Organization", "town") >= 0).any()
    assert (back.codes.ref("Organization", "town") < 0).any()  # orgs without a town: -1


def test_dangling_references_and_nulls_are_minus_one(tmp_path) -> None:
    n = 3000
    orgs = pd.DataFrame({"id": [f"org-{i:08d}" for i in range(n)], "name": [f"{i}村党支部" for i in range(n)]})
    refs = [f"org-{i:08d}" for i in range(0, 2 * n, 3)]
    refs[5] = None
    ratings = pd.DataFrame({"org": refs, "year": 2024, "category": "1"})
    back = gk.read_graph(gk.write_graph(make_graph({"Organization": orgs, "Rating": ratings}), tmp_path / "out"))
    codes = back.codes.ref("Rating", "org")
    assert codes[5] == -1 and back.tables["Rating"]["org"].iloc[5] is None
    known = codes >= 0
    assert known.any() and (~known).sum() > 1  # some ratings name no org
    assert (back.tables["Organization"]["id"].to_numpy(dtype=object)[codes[known]]
            == back.tables["Rating"]["org"].to_numpy(dtype=object)[known]).all()
    assert np.array_equal(codes, _expected(back, "Rating", "org"))
    ids = back.codes.ids("Organization").ids
    assert isinstance(ids, pa.Array) and ids.to_pylist() == orgs["id"].tolist()  # the ids in Arrow form


def test_row_groups_sharing_a_dictionary_are_read_exactly(tmp_path) -> None:
    rng = np.random.default_rng(6)
    id_values = sorted(f"org-{i:08x}" for i in rng.permutation(10**6)[:50_000])
    refs = [id_values[i] if i % 97 else ("dangling" if i % 2 else None) for i in rng.integers(0, 50_000, 400_000)]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"org": pa.array(refs, type=pa.string())}), path, row_group_size=200_000)
    col = pq.read_table(path, read_dictionary=["org"]).column("org")
    assert col.num_chunks > 2  # the chunks of one row group share its dictionary
    arr = pa.array(id_values, type=pa.string())
    target = io._Ids(arr, np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object))
    values, codes = io._shared_refs([col], target)
    assert values[0].tolist() == refs
    pos = {v: i for i, v in enumerate(id_values)}
    assert codes[0].tolist() == [pos.get(r, -1) for r in refs]


def test_codes_follow_a_replaced_table() -> None:
    g = gk.sample_graph()
    before = g.codes.ref("Rating", "org")
    assert (before >= 0).all()
    g.tables["Organization"] = g.tables["Organization"].iloc[::-1].reset_index(drop=True)  # rows reversed
    after = g.codes.ref("Rating", "org")
    assert np.array_equal(after, len(g.tables["Organization"]) - 1 - before)
    assert np.array_equal(after, _expected(g, "Rating", "org"))
    g.tables["Rating"] = g.tables["Rating"].iloc[:5].copy()
    assert np.array_equal(g.codes.ref("Rating", "org"), _expected(g, "Rating", "org"))


def test_a_graph_with_codes_pickles_and_copies(tmp_path) -> None:
    import copy
    import pickle

    g = gk.read_graph(gk.write_graph(gk.sample_graph(), tmp_path / "out"))
    want = g.codes.ref("Pairing", "weak")
    for other in (pickle.loads(pickle.dumps(g)), copy.deepcopy(g)):
        assert other.codes._tables is other.tables  # the copy's codes describe the copy's tables
        assert np.array_equal(other.codes.ref("Pairing", "weak"), want)
