"""The build-speed changes of issue 16 §4 give the very results of the code they replace.

``clean_texts`` / ``org_keys`` (one NFKC pass over a column's distinct values) against
``clean_text`` / ``org_key`` one value at a time; the names keyed by the mapper (``__name_key``)
against the name index's own keys; the workers' CPU seconds reported to the pool.
"""
from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

import graphkit as gk
from graphkit.core.settings import override
from graphkit.core.text import clean_text, org_key
from graphkit.ingest import load
from graphkit.ingest._load_vec import clean_texts, org_keys, per_value

#: characters that make NFKC, trimming and space folding differ: combining marks (which would join a
#: neighbour), Hangul jamo (which compose), compatibility forms, odd and doubled spaces, zero-width
#: and bidi characters, NUL (the joining character itself)
_TRICKY = list("青泥洞村党支部中共委员会 ab\u3000\u00a0\u200b\u00a8\u0301e（）【】\t\n\u2474\uff21"
               "\u1100\u1161\u11a8\u202e\ufeff\u00ad\u2002") + ["  ", "\u0301", "\x00", "\u0308 "]


def _values(n: int, seed: int) -> list[object]:
    rng = random.Random(seed)
    vals: list[object] = ["".join(rng.choice(_TRICKY) for _ in range(rng.randint(0, 9))) for _ in range(n)]
    return vals + [None, 1.5, 2023, float("nan"), True, "", "   ", "中共示例县农业农村局委员会"]


def test_clean_texts_is_clean_text_of_each_value() -> None:
    for seed in range(3):
        vals = _values(20_000, seed)
        assert clean_texts(vals) == [clean_text(v) for v in vals]
        no_nul = [v for v in vals if not (isinstance(v, str) and "\x00" in v)]  # the one-pass path
        assert clean_texts(no_nul) == [clean_text(v) for v in no_nul]


def test_org_keys_is_org_key_of_each_value() -> None:
    vals = _values(20_000, 7)
    for county in ("", "示例县"):
        assert org_keys(vals, county) == [org_key(v, county) for v in vals]


def test_per_value_with_clean_text_is_unchanged() -> None:
    s = pd.Series(_values(5_000, 3) * 2, dtype=object)
    got = per_value(s, clean_text).tolist()
    assert got == [None if v is None or (isinstance(v, float) and v != v) else clean_text(v) for v in s.tolist()]


def test_shipped_name_keys_are_the_index_keys() -> None:
    """The mapper's ``__name_key`` is what the name index would compute from each record's name."""
    g = gk.build_graph(gk.sample_path("sample_county"))
    captured: list[pd.DataFrame] = []
    real = load._Index

    class Spy(real):  # type: ignore[misc, valid-type]
        def __init__(self, rtype, frames, *a, **kw):  # type: ignore[no-untyped-def]
            if rtype.name == "Organization":
                captured.extend(frames)
            super().__init__(rtype, frames, *a, **kw)

    import graphkit.ingest._load_resolve as resolve

    resolve._Index = Spy  # type: ignore[misc]
    try:
        gk.build_graph(gk.sample_path("sample_county"))
    finally:
        resolve._Index = real  # type: ignore[misc]
    frames = [f for f in captured if "name" in f and not f.empty]
    assert frames and all("__name_key" in f for f in frames)
    county = g.settings["county"]
    n = 0
    for f in frames:
        for name, key in zip(f["name"].tolist(), f["__name_key"].tolist()):
            if isinstance(name, str):
                assert key == org_key(name, county), name
                n += 1
    assert n >= g.count("Organization")


def test_workers_report_their_cpu_seconds(tmp_path: Path) -> None:
    """The pool adds up each worker's process time per file (the forkserver's children escape RUSAGE_CHILDREN)."""
    pools: list[load._FilePool] = []
    real = load._FilePool

    class Recorded(real):  # type: ignore[misc, valid-type]
        def __init__(self, *a, **kw):  # type: ignore[no-untyped-def]
            super().__init__(*a, **kw)
            pools.append(self)

    load._FilePool = Recorded  # type: ignore[misc]
    try:
        with override(parallel_min_bytes=0):  # any folder of 2+ files goes to the workers
            g = gk.build_graph(gk.sample_path("sample_county"))
    finally:
        load._FilePool = real  # type: ignore[misc]
    assert g.count("Organization") == 568
    assert len(pools) == 1 and pools[0]._pool is not None
    assert pools[0].worker_cpu > 0
