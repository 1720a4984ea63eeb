"""The fast loader paths give exactly what the plain ones give.

- two worker processes (used for large folders) vs one process: same tables, problems, sources;
- per-distinct-value helpers (factorize, hash_keys, id_order, strip_form_suffix) vs the per-cell
  definitions they replace.
"""
from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import graphkit as gk
from graphkit.ingest import load
from graphkit.ingest._load_vec import factorize, hash_keys, id_order, per_value
from graphkit.core.text import _FORM_SUFFIXES, strip_form_suffix
from graphkit.core.errors import GraphkitError
from graphkit.core.settings import override

from _ledgers import DISTRICT, DISTRICT_HEADER, ROSTER, mini_county, write_csv


@pytest.fixture
def pooled(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each build's file pool started worker processes (the real pool is used)."""
    seen: list[bool] = []
    enter = load._FilePool.__enter__

    def spy(self: load._FilePool) -> load._FilePool:
        seen.append(self._pool is not None)
        return enter(self)

    monkeypatch.setattr(load._FilePool, "__enter__", spy)
    return seen


def _build_both(folder: Path, pooled: list[bool], **kwargs):
    serial = gk.build_graph(folder, **kwargs)
    with override(parallel_min_bytes=0):  # any folder of 2+ files goes to the workers
        parallel = gk.build_graph(folder, **kwargs)
    assert pooled == [False, True]
    return serial, parallel


def _assert_same(a: gk.Graph, b: gk.Graph) -> None:
    assert a.tables.keys() == b.tables.keys()
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True)
    pd.testing.assert_frame_equal(a.problems, b.problems, check_exact=True)
    pd.testing.assert_frame_equal(a.sources, b.sources, check_exact=True)


def test_workers_give_the_same_graph(pooled: list[bool]) -> None:
    serial, parallel = _build_both(gk.sample_path("sample_county"), pooled)
    assert serial.count("Organization") == 568
    _assert_same(serial, parallel)


def test_workers_give_the_same_problem_table(tmp_path: Path, pooled: list[bool]) -> None:
    bad_roster = [r[:] for r in ROSTER]
    bad_roster[1][7] = "三十"          # not a number
    bad_roster[3][6] = "东岭镇党委员"   # unknown parent
    folder = mini_county(tmp_path / "c", roster=bad_roster)
    write_csv(folder / "片区联建台账2.csv", DISTRICT_HEADER, DISTRICT + [["第一片区", "不存在党支部", "成员单位", "13", "", "2024年13月"]])
    (folder / "结对共建台账.xlsx").write_text("not a workbook", encoding="utf-8")  # wrong format
    serial, parallel = _build_both(folder, pooled, lenient=True)
    rules = set(serial.problems["rule"])
    assert {"bad_integer", "unresolved_ref", "wrong_format", "bad_date"} <= rules, rules
    _assert_same(serial, parallel)


def test_an_error_in_a_worker_is_raised_as_without_workers(tmp_path: Path) -> None:
    folder = mini_county(tmp_path / "c")
    (folder / "graphkit.yaml").write_text("county: 示例县\nfiles:\n  '党组织*': {mapping: no_such_layout}\n",
                                          encoding="utf-8")
    with pytest.raises(GraphkitError) as plain:
        gk.build_graph(folder)
    with override(parallel_min_bytes=0), pytest.raises(GraphkitError) as in_pool:
        gk.build_graph(folder)
    assert str(plain.value) == str(in_pool.value)
    assert "no_such_layout" in str(in_pool.value)


def test_building_twice_in_workers_writes_identical_files(tmp_path: Path, pooled: list[bool]) -> None:
    src = tmp_path / "ledgers"
    shutil.copytree(gk.sample_path("sample_county"), src)
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}"
        with override(parallel_min_bytes=0):
            gk.write_graph(gk.build_graph(src), out)
        outs.append(out)
    assert pooled == [True, True]
    for f in sorted((outs[0] / "tables").glob("*.parquet")):
        assert f.read_bytes() == (outs[1] / "tables" / f.name).read_bytes(), f.name


def test_factorize_keeps_equal_values_of_different_types_apart() -> None:
    arr = np.array([1, 1.0, True, "1", None, float("nan"), 1, [1]], dtype=object)
    codes, uniques = factorize(arr)
    assert codes.tolist()[:7] == [0, 1, 2, 3, -1, -1, 0]
    assert [type(u) for u in uniques.tolist()[:4]] == [int, float, bool, str]
    # an unhashable value gets a code of its own
    assert uniques[codes[7]] == [1]


def test_per_value_calls_once_per_distinct_value_and_skips_blanks() -> None:
    calls: list[object] = []

    def fn(v: object) -> str:
        calls.append(v)
        return f"<{v}>"

    s = pd.Series(["a", "b", None, "a", "b", "a"], dtype=object)
    out = per_value(s, fn)
    assert out.tolist() == ["<a>", "<b>", None, "<a>", "<b>", "<a>"]
    assert sorted(calls) == ["a", "b"]


def test_hash_keys_is_make_id() -> None:
    a = np.array(["青泥洞村党支部", "x", "青泥洞村党支部", "y\x1fz"], dtype=object)
    b = np.array(["2024", "2023", "2024", "2025"], dtype=object)
    parts = [factorize(a), factorize(b)]
    got = hash_keys(parts, "rat", "Rating").tolist()
    assert got == [load.make_id("rat", "Rating", [x, y]) for x, y in zip(a, b)]
    one = hash_keys([factorize(a)], "org", "Organization").tolist()
    assert one[0] == load.make_id("org", "Organization", ["青泥洞村党支部"]) == "org-1885ae34683a064e"


def test_id_order_is_pythons_sort() -> None:
    ids = ["org-b", "org-a", "pl-0", "org-ä", "org-A", "org-a"]
    order = id_order(ids)
    assert [ids[i] for i in order] == sorted(ids)
    assert order.tolist() == sorted(range(len(ids)), key=lambda i: ids[i])  # stable: equal ids keep their order
    assert id_order(sorted(ids)) is None


def test_strip_form_suffix_matches_the_suffix_loop() -> None:
    def reference(key: str) -> str:
        for suffix, _ in _FORM_SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                return key[: -len(suffix)]
        return key

    atoms = ["联", "合", "党", "支", "部", "机", "关", "工", "委", "总", "组", "村", "\n"]
    for n in range(6):
        for t in itertools.product(atoms, repeat=n):
            key = "".join(t)
            assert strip_form_suffix(key) == reference(key), key


def test_workers_give_the_same_read_report(tmp_path: Path, pooled: list[bool]) -> None:
    """The read report (issue 16: every row used or reported) is the same from two workers as from one process.

    Over the sample county and every layout of the corpus (title rows, two-row headers, totals and
    footers skipped, unused columns, a sheet per town, unpivoted stages …), plus files that are no
    ledger at all (a .docx, an Excel lock file) and a sheet that fits no layout.
    """
    from corpus.layouts import LAYOUTS, make

    folders = [gk.sample_path("sample_county")]
    for lay in LAYOUTS:
        folders.append(make(lay, tmp_path / lay.id))
    odd = mini_county(tmp_path / "odd")
    (odd / "说明.docx").write_bytes(b"PK\x03\x04 not really a document")
    (odd / "~$党组织名册.xlsx").write_bytes(b"lock")
    write_csv(odd / "会议记录.csv", ["日期", "内容"], [["2024-01-05", "学习"]])
    folders.append(odd)
    skipped_rows = 0
    expected: list[bool] = []  # per build: whether worker processes read it
    for folder in folders:
        with override(parallel_min_bytes=1 << 60):  # one process
            serial = gk.build_graph(folder, lenient=True)
        with override(parallel_min_bytes=0):  # any folder of 2+ files goes to the workers
            parallel = gk.build_graph(folder, lenient=True)
        assert serial.read_report == parallel.read_report, folder.name
        pd.testing.assert_frame_equal(serial.problems, parallel.problems, check_exact=True)
        assert len(serial.read_report) >= 2, folder.name
        skipped_rows += sum(e["rows_skipped"] for e in serial.read_report)
        expected += [False, len(serial.sources) >= 2]  # the pool reads a folder of two or more ledger files
    assert pooled == expected and sum(expected) >= len(folders) // 2
    statuses = {e["status"] for e in serial.read_report}
    assert "unrecognized" in statuses or any(e["notes"] for e in serial.read_report), statuses
    assert skipped_rows > 0  # the corpus's totals and footers: the comparison covers skipped rows
