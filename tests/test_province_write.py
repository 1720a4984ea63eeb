"""What a province rebuild writes and what it links (issue 20, the one-county rebuild's cost):
unchanged parts' files, their ``part.json`` and an unchanged ``xrefs.json`` are hard links of the
previous output's files; a large output tree is made durable by one ``syncfs``; the result is
still byte-identical to a full build."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from graphkit.core import files as gk_files
from graphkit.store import province as gp
from tests.test_province import _small_province, _tree


def _inodes(out: Path) -> dict[str, int]:
    return {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}


def test_a_rebuild_links_what_did_not_change_and_equals_a_full_build(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    before = _inodes(out)
    # the reused parts' sources come from one read of the province list, row for row their own files
    split = gp._previous_sources(out, gp.read_province(prov))
    assert sorted(split) == ["丙市直", "乙县", "甲县"]
    for key, frame in split.items():
        pd.testing.assert_frame_equal(frame, pq.read_table(out / "parts" / key / "sources.parquet").to_pandas())
    # 乙县 ends its pairing a day later: its organizations (what 甲县's reference to it reads) are unchanged
    pairing = prov / "乙县" / "结对共建台账.csv"
    pairing.write_text(pairing.read_text(encoding="utf-8").replace("2024-01-01", "2024-01-02"), encoding="utf-8")
    os.utime(prov / "丙市直" / "党组织名册.csv", ns=(1, 1))  # touched, not changed: its part.json is written again
    res = gp.build_province(prov, out)
    assert res.rebuilt == ["乙县"] and res.reused == ["丙市直", "甲县"] and res.xref_cache == "used"
    after = _inodes(out)
    linked = {k for k in after if before.get(k) == after[k]}
    assert "xrefs.json" in linked  # the same answers: the previous file, not dumped again
    assert "parts/甲县/part.json" in linked and "parts/甲县/tables/Organization.parquet" in linked
    assert "parts/丙市直/tables/Organization.parquet" in linked and "parts/丙市直/part.json" not in linked
    assert not any(k.startswith("parts/乙县/") for k in linked)  # the rebuilt county's files are new
    meta = json.loads((out / "parts" / "丙市直" / "part.json").read_text(encoding="utf-8"))
    assert ["党组织名册.csv", (prov / "丙市直" / "党组织名册.csv").stat().st_size, 1] in meta["stat"]
    full = gp.build_province(prov, tmp_path / "full", full=True)
    assert full.xref_cache == "none"
    a, b = _tree(out), _tree(tmp_path / "full")
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []
    # a change of the target's organizations: the answers are dumped again (a new file), still as a full build
    roster = prov / "乙县" / "党组织名册.csv"
    roster.write_text(roster.read_text(encoding="utf-8") + "乙县水利局党委,党委,机关,县,,,,一类\n", encoding="utf-8")
    again = _inodes(out)
    gp.build_province(prov, out)
    assert _inodes(out)["xrefs.json"] != again["xrefs.json"]
    gp.build_province(prov, tmp_path / "full", full=True)
    a, b = _tree(out), _tree(tmp_path / "full")
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="syncfs is Linux's")
def test_a_large_tree_is_flushed_by_one_syncfs_and_lands_whole(tmp_path: Path) -> None:
    assert gk_files._syncfs is not None and gk_files._syncfs(tmp_path)  # the call exists and succeeds here
    n = gk_files._SYNCFS_MIN_FILES * 3
    out = tmp_path / "big"
    with gk_files.atomic_dir(out) as tmp:
        for i in range(n):
            (tmp / "d" / str(i % 5)).mkdir(parents=True, exist_ok=True)
            (tmp / "d" / str(i % 5) / f"{i}.txt").write_text(str(i), encoding="utf-8")
    got = sorted(int(p.stem) for p in out.rglob("*.txt"))
    assert got == list(range(n)) and all((out / "d" / str(i % 5) / f"{i}.txt").read_text() == str(i) for i in range(n))
    assert [p.name for p in tmp_path.iterdir()] == ["big"]  # no temporary folder left beside it
    with pytest.raises(RuntimeError):  # failing midway: the previous tree stays, whole
        with gk_files.atomic_dir(out) as tmp:
            (tmp / "x.txt").write_text("half", encoding="utf-8")
            raise RuntimeError("interrupted")
    assert sorted(int(p.stem) for p in out.rglob("*.txt")) == list(range(n))
    assert [p.name for p in tmp_path.iterdir()] == ["big"]


def test_county_of_per_type_and_an_earlier_single_file(tmp_path: Path) -> None:
    import pyarrow as pa

    import graphkit as gk
    from graphkit.core.schema import load_schema

    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    model = load_schema()
    files = sorted(p.name for p in (out / gp.COUNTY_OF).iterdir())
    assert files == sorted(f"{r.name}.parquet" for r in model)  # one file per record type, empty types too
    g = gk.read_graph(out)
    now, pairings = gp.record_counties(g), gp.record_counties(g, "Pairing")
    assert len(pairings) == len(g.tables["Pairing"]) > 0 and (pairings["type"] == "Pairing").all()
    for r in model:  # each type's rows: its records, in the table's order
        rows = now[now["type"] == r.name]
        assert rows["id"].tolist() == g.tables[r.name]["id"].tolist(), r.name
    # an output written before the per-type files holds one county_of.parquet: read the same way
    single = pa.concat_tables([pq.read_table(out / gp.COUNTY_OF / f"{r.name}.parquet") for r in model])
    old = tmp_path / "old"
    os.rename(out, old)
    for p in (old / gp.COUNTY_OF).iterdir():
        p.unlink()
    (old / gp.COUNTY_OF).rmdir()
    pq.write_table(single, old / gp.COUNTY_OF_FILE)
    g_old = gk.read_graph(old)
    pd.testing.assert_frame_equal(gp.record_counties(g_old), now)
    pd.testing.assert_frame_equal(gp.record_counties(g_old, "Pairing"), pairings)
    # a rebuild over the earlier layout puts every type together again, with the per-type files
    res = gp.build_province(prov, old)
    assert (old / gp.COUNTY_OF).is_dir() and not (old / gp.COUNTY_OF_FILE).exists() and res.spliced == []
    pd.testing.assert_frame_equal(gp.record_counties(gk.read_graph(old)), now)
