"""Province rebuilds keep last time's cross-county answers (``xrefs.json``) and trust them only
when the file's hash and every target county's organizations are unchanged (issue 20)."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

import graphkit as gk
from graphkit.store import province as gp
from tests.test_province import _small_province, _tree


def _strong_of_cross_pairing(out: Path) -> tuple[str, str]:
    """(id, name) of the helping end of 甲县's pairing with 乙县's agency (the explicit cross-county one)."""
    g = gk.read_graph(out)
    orgs = g.tables["Organization"].merge(gp.record_counties(g, "Organization")[["id", "county"]], on="id")
    county = dict(zip(orgs["id"], orgs["county"]))
    name = dict(zip(orgs["id"], orgs["name"]))
    pr = g.tables["Pairing"]
    hits = [(s, name[s]) for s, w in zip(pr["strong"], pr["weak"]) if county[s] == "乙县" and county[w] == "甲县"]
    assert len(hits) == 1
    return hits[0]


def _same_as_full(prov: Path, out: Path, tmp: Path) -> gp.ProvinceResult:
    full = gp.build_province(prov, tmp / "full", full=True)
    a, b = _tree(out), _tree(tmp / "full")
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []
    return full


def test_a_renamed_target_is_resolved_again_and_the_rest_reused(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    first = gp.build_province(prov, out)
    assert first.xref_cache == "none" and first.reresolved == 2 == first.cross_links
    old_id, old_name = _strong_of_cross_pairing(out)
    assert old_name == "乙县农业农村局党委"
    doc = json.loads((out / gp.XREFS).read_text(encoding="utf-8"))
    assert {tuple(e["sources"]) for e in doc["entries"].values()} == {("甲县",)}
    assert sorted(k for e in doc["entries"].values() for k in e["targets"]) == ["丙市直", "乙县"]
    # 乙县 resubmits with its agency renamed: 甲县 (unchanged, not read) refers to it as 乙县/乙县农业农村局党委
    for f in (prov / "乙县").glob("*.csv"):
        f.write_text(f.read_text(encoding="utf-8").replace("乙县农业农村局党委", "乙县农业农村局党组"), encoding="utf-8")
    res = gp.build_province(prov, out)
    assert res.rebuilt == ["乙县"] and "甲县" in res.reused
    assert res.xref_cache == "used" and res.reresolved == 1  # the city-level reference was taken as it was
    new_id, new_name = _strong_of_cross_pairing(out)
    assert new_name == "乙县农业农村局党组" and new_id != old_id  # the reference follows the rename
    _same_as_full(prov, out, tmp_path)
    # nothing changed: every answer reused
    again = gp.build_province(prov, out)
    assert again.xref_cache == "used" and again.reresolved == 0 and again.cross_links == 2


def test_a_reference_that_no_longer_resolves_fails_the_rebuild(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    roster = prov / "乙县" / "党组织名册.csv"
    roster.write_text(roster.read_text(encoding="utf-8").replace("乙县农业农村局党委", "乙县水利局党委"), encoding="utf-8")
    pairing = prov / "乙县" / "结对共建台账.csv"
    pairing.write_text(pairing.read_text(encoding="utf-8").replace("乙县农业农村局党委", "乙县水利局党委"), encoding="utf-8")
    before = _tree(out)
    with pytest.raises(gp.ProvinceFailed) as exc:  # a stale answer would have kept the old id
        gp.build_province(prov, out)
    assert exc.value.problems["rule"].tolist() == ["unresolved_ref"]
    assert exc.value.problems["value"].tolist() == ["乙县/乙县农业农村局党委"]
    assert list(exc.value.failed) == ["甲县"]
    assert _tree(out) == before


def test_a_tampered_or_missing_cache_is_not_trusted(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    right_id, _ = _strong_of_cross_pairing(out)
    wrong = gk.read_graph(out).tables["Organization"]
    wrong_id = wrong.loc[wrong["name"] == "中池镇党委", "id"].iloc[0]
    # a wrong answer written into the cache (valid JSON, same targets): its hash no longer matches the manifest
    path = out / gp.XREFS
    doc = json.loads(path.read_text(encoding="utf-8"))
    key = next(k for k in doc["entries"] if "乙县" in k)
    doc["entries"][key]["answer"][0] = wrong_id
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    res = gp.build_province(prov, out)
    assert res.xref_cache == "stale: sha256" and res.reresolved == 2 and res.rebuilt == []
    assert _strong_of_cross_pairing(out)[0] == right_id
    _same_as_full(prov, out, tmp_path)
    # the same wrong answer with the manifest's hash made to match: the digest of the target county's
    # organizations recorded with the answer is checked against the county's part, and does not match
    doc["entries"][key]["targets"] = {"乙县": "0" * 64}
    data = (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")
    path.write_bytes(data)
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    m["province"]["xrefs"] = hashlib.sha256(data).hexdigest()
    (out / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    res = gp.build_province(prov, out)
    assert res.xref_cache == "used" and res.reresolved == 1
    assert _strong_of_cross_pairing(out)[0] == right_id
    _same_as_full(prov, out, tmp_path)
    # no cache at all (an output of an earlier version): everything resolved, same bytes
    path.unlink()
    res = gp.build_province(prov, out)
    assert res.xref_cache == "missing" and res.reresolved == 2
    _same_as_full(prov, out, tmp_path)


def test_a_renamed_county_drops_the_cache(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    cfg = prov / "丙市直" / "graphkit.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8") + "# resubmitted\n", encoding="utf-8")
    res = gp.build_province(prov, out)  # the city folder resubmitted, its organizations the same
    assert res.rebuilt == ["丙市直"] and res.xref_cache == "used" and res.reresolved == 0
    (prov / "graphkit.yaml").write_text("province: 测试二省\n", encoding="utf-8")
    res = gp.build_province(prov, out)
    assert res.xref_cache == "stale: layout" and res.reresolved == 2
    table = pd.read_parquet(out / "tables" / "Pairing.parquet")
    assert len(table) == 4
    _same_as_full(prov, out, tmp_path)
