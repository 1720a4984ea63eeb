"""graphkit._ids pools: lookups of a table's ids by address give exactly pandas' answers."""
from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import graphkit._ids as ids_mod
from graphkit import io
from graphkit._ids import SMALL, ArrowIds, IdIndex, Pool, _pool_of, argsort_strings, factorize


def _copy(s: str) -> str:
    return "".join(list(s))  # an equal string that is a different object


def _pool(n: int, *, sort: bool, seed: int = 0) -> tuple[Pool, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = [f"org-{i:012x}" for i in rng.permutation(n * 3)[:n]]
    if sort:
        values.sort()
    arr = pa.array(values, type=pa.string())
    objs = np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object)
    pool = Pool.make(ArrowIds(arr, objs))
    assert pool is not None
    return pool, objs


def _keys(objs: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    keys = objs[rng.integers(0, len(objs), n)].copy()
    keys[::7] = [_copy(x) for x in keys[::7]]  # equal strings, other objects: found by value
    keys[3::11] = None
    keys[5::13] = np.nan
    keys[9::17] = "absent"
    keys[10::19] = "org-" + "z" * 12  # the ids' width, not an id
    keys[12::23] = 5
    return keys


@pytest.fixture(params=[True, False], ids=["sorted", "unsorted"])
def pool(request: pytest.FixtureRequest) -> tuple[Pool, np.ndarray]:
    return _pool(SMALL * 2, sort=request.param)


def test_pool_is_found_by_address(pool: tuple[Pool, np.ndarray]) -> None:
    p, objs = pool
    assert _pool_of(objs[::3]) is p
    assert _pool_of(np.array([_copy(x) for x in objs[:50]], dtype=object)) is not p
    assert np.array_equal(p.rows(objs), np.arange(len(objs)))
    copies = np.array([_copy(x) for x in objs[:100]], dtype=object)
    assert (p.rows(copies) == -1).all()  # other objects: not found by address...
    assert np.array_equal(p.rows_by_value(copies), np.arange(100))  # ...but by value


@pytest.mark.parametrize("index_kind", ["all", "permuted", "subset"])
def test_pooled_positions_match_get_indexer(pool: tuple[Pool, np.ndarray], index_kind: str) -> None:
    p, objs = pool
    rng = np.random.default_rng(1)
    values = {"all": objs, "permuted": objs[rng.permutation(len(objs))],
              "subset": objs[rng.permutation(len(objs))[: len(objs) // 3]]}[index_kind]
    index = IdIndex(pd.Index(values, dtype=object))
    keys = _keys(objs, SMALL * 3, rng)
    expected = pd.Index(values, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    got = index.positions(keys)
    assert index._pool() and index._pool()[0] is p  # the pooled path was taken
    assert np.array_equal(got, expected)
    assert (expected >= 0).any() and (expected < 0).any()


def test_pooled_factorize_matches_pandas(pool: tuple[Pool, np.ndarray]) -> None:
    _, objs = pool
    rng = np.random.default_rng(2)
    values = objs[rng.integers(0, len(objs) // 4, SMALL * 3)].copy()
    values[2::9] = None
    values[4::19] = np.nan
    codes, uniques = pd.factorize(values)
    got_codes, got_uniques = factorize(values)
    assert np.array_equal(got_codes, codes)
    assert all(a is b for a, b in zip(got_uniques, np.asarray(uniques, dtype=object)))  # the first-seen objects
    assert len(got_uniques) == len(uniques)
    values[::5] = [_copy(x) if isinstance(x, str) else x for x in values[::5]]  # not all pooled: the general path
    codes, uniques = pd.factorize(values)
    got_codes, got_uniques = factorize(values)
    assert np.array_equal(got_codes, codes)
    assert got_uniques.tolist() == np.asarray(uniques, dtype=object).tolist()


def test_pooled_argsort_matches_pandas(pool: tuple[Pool, np.ndarray]) -> None:
    _, objs = pool
    rng = np.random.default_rng(3)
    values = objs[rng.integers(0, len(objs), SMALL * 2)].copy()
    values[1::13] = None
    expected = pd.Series(values, dtype=object).sort_values(kind="stable").index.to_numpy()
    assert np.array_equal(argsort_strings(values), expected)
    values[0] = _copy(values[0])  # one string from elsewhere: sorted by pyarrow, same order
    assert np.array_equal(argsort_strings(values), expected)


def test_threads_give_the_same_answers(pool: tuple[Pool, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    p, objs = pool
    rng = np.random.default_rng(4)
    keys = _keys(objs, SMALL * 3, rng)
    expected = pd.Index(objs, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    monkeypatch.setattr(ids_mod, "_CHUNK", 1000)  # many pieces, on several threads
    monkeypatch.setattr(ids_mod, "_threads", lambda: 3)
    assert np.array_equal(IdIndex(objs).positions(keys), expected)
    arr = pa.array([x for x in keys if isinstance(x, str)], type=pa.string())
    ids = ArrowIds(pa.array(objs.tolist(), type=pa.string()), objs)
    assert np.array_equal(ids.positions(arr), pd.Index(objs, dtype=object).get_indexer(arr.to_pylist()))


def test_a_pool_lives_with_its_owner_only() -> None:
    p, objs = _pool(SMALL, sort=True, seed=5)
    assert _pool_of(objs) is p
    del p
    gc.collect()
    assert _pool_of(objs) is None


def test_ids_that_are_not_provably_distinct_make_no_pool() -> None:
    values = [f"org-{i:06d}" for i in range(SMALL)] + ["org-000001"]
    arr = pa.array(values, type=pa.string())
    assert Pool.make(ArrowIds(arr, np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object))) is None
    mixed = pa.array([f"org-{i}" for i in range(SMALL)], type=pa.string())  # ids of several widths
    assert Pool.make(ArrowIds(mixed, np.asarray(mixed.to_numpy(zero_copy_only=False), dtype=object))) is None


def test_small_objects_and_repeated_objects_use_the_address_hash() -> None:
    floats = np.array([float(i) + 0.5 for i in range(SMALL)], dtype=object)  # 24-byte objects share blocks
    keys = np.concatenate([floats[::-3], np.array([0.5, 7.25, None], dtype=object)])
    expected = pd.Index(floats, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    assert np.array_equal(IdIndex(floats).positions(keys), expected)
    twice = np.concatenate([floats, floats[:1]])
    with pytest.raises(pd.errors.InvalidIndexError):
        pd.Index(twice, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    with pytest.raises(pd.errors.InvalidIndexError):
        IdIndex(twice).positions(keys)


def test_read_graph_keeps_pools_and_shares_their_objects(tmp_path) -> None:
    import graphkit as gk
    from graphkit.testing import make_graph

    n = SMALL + 5000
    orgs = pd.DataFrame({"id": [f"org-{i:08d}" for i in range(n)], "name": [f"{i}村党支部" for i in range(n)]})
    ratings = pd.DataFrame({"org": [f"org-{i:08d}" for i in range(0, 2 * n, 3)], "year": 2024, "category": "1"})
    back = io.read_graph(gk.write_graph(make_graph({"Organization": orgs, "Rating": ratings}), tmp_path / "out"))
    ids = back.tables["Organization"]["id"].to_numpy(dtype=object)
    pool = _pool_of(ids)
    assert pool is not None and any(p is pool for p in back._id_pools)
    ref = back.tables["Rating"]["org"].to_numpy(dtype=object)
    known = pd.Series(ref, dtype=object).isin(pd.Series(ids, dtype=object)).to_numpy()
    assert known.any() and not known.all()  # some ratings name no org
    assert (pool.rows(ref[known]) >= 0).all()  # reference columns hold the pool's objects
    assert (pool.rows(ref[~known]) < 0).all()
    del back, ids, ref
    gc.collect()
    assert _pool_of(orgs["id"].to_numpy(dtype=object)) is None


def test_row_groups_sharing_a_dictionary_are_read_exactly(tmp_path) -> None:
    rng = np.random.default_rng(6)
    id_values = sorted(f"org-{i:08x}" for i in rng.permutation(10**6)[:SMALL])
    refs = [id_values[i] if i % 97 else ("dangling" if i % 2 else None) for i in rng.integers(0, SMALL, 400_000)]
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"org": pa.array(refs, type=pa.string())}), path, row_group_size=200_000)
    col = pq.read_table(path, read_dictionary=["org"]).column("org")
    assert col.num_chunks > 2  # the chunks of one row group share its dictionary
    arr = pa.array(id_values, type=pa.string())
    target = ArrowIds(arr, np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object))
    got = io._shared_refs([col], target)[0]
    assert got.tolist() == refs
    pos = {v: i for i, v in enumerate(id_values)}
    shared = [x for x, r in zip(got, refs) if r in pos]
    assert all(x is target.objs[pos[x]] for x in shared)
