"""Every analysis by county (issue 20): coverage, pairing gaps and cadence by county, declared in the
registry; expected values worked out by hand (a small province) or from the per-org and
per-district tables with each record's county taken from its source file (a synthetic province)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.analyses.analysis import run_all
from graphkit.analyses.registry import builtin_registry
from graphkit.cli import cli
from graphkit.ingest.synth import generate_province
from graphkit.store import province as gp
from tests.test_province import _small_province

BY_COUNTY = ("coverage_by_county", "pairing_gaps_by_county", "cadence_by_county")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> gk.Graph:
    """The two-county province of test_province, plus in 乙县 a weak village paired by 甲县's
    town committee (二类): a cross-county pair whose strong side is not 一类."""
    root = tmp_path_factory.mktemp("bycounty")
    prov = _small_province(root / "p")
    with (prov / "乙县" / "党组织名册.csv").open("a", encoding="utf-8") as fh:
        fh.write("石门镇白水村党支部,党支部,农村,村,石门镇,白水村,石门镇党委,三类\n")
    with (prov / "乙县" / "结对共建台账.csv").open("a", encoding="utf-8") as fh:
        fh.write("甲县/中池镇党委,石门镇白水村党支部,强村带弱村,2024-05-01\n")
    gp.build_province(prov, root / "out")
    return gk.read_graph(root / "out")


def _rows(df: pd.DataFrame, *cols: str) -> dict[str, tuple[object, ...]]:
    return {r["county"]: tuple(r[c] for c in cols) for r in df.to_dict("records")}


def test_declared_in_the_registry_and_run_by_run_all(small: gk.Graph) -> None:
    reg = builtin_registry()
    for key in BY_COUNTY:
        assert key in reg and reg[key].columns["county"][0] == "县（市级、省级）"
        assert callable(getattr(gk, key))
    res = run_all(small, as_of="2024-06-30")
    assert all(key in res for key in BY_COUNTY)
    zh = reg.to_zh(res["pairing_gaps_by_county"], key="pairing_gaps_by_county")
    assert {"跨县结对", "无一类帮扶的后进党组织"} <= set(zh.columns)
    assert sorted(zh["层级（县、市级、省级）"]) == ["县", "县", "市级"]


def test_coverage_by_county_by_hand(small: gk.Graph) -> None:
    t = gk.coverage_by_county(small, as_of="2024-06-30")
    assert t["county"].tolist() == ["乙县", "甲县", "丙市"]  # counties first, then the city level
    assert t["unit_level"].tolist() == ["county", "county", "city"]
    # 乙县: its agency (helping 甲县's village across the line and its own village), its own village,
    # and the weak village 甲县's town committee helps; 甲县: agency, two villages, the town committee
    # (helping across the line); 丙市: its centre
    assert _rows(t, "orgs", "covered", "n_pairing") == {"乙县": (6, 3, 3), "甲县": (4, 4, 4), "丙市": (1, 1, 1)}
    overall = run_all(small, as_of="2024-06-30")["coverage_overall"]
    assert t["orgs"].sum() == overall["orgs"].iloc[0] and t["covered"].sum() == overall["covered"].iloc[0]


def test_pairing_gaps_by_county_by_hand(small: gk.Graph) -> None:
    t = gk.pairing_gaps_by_county(small, as_of="2024-06-30")
    cols = ("weak_orgs", "weak_paired", "unpaired_weak", "weak_strong_side", "pairings_active", "cross_pairings")
    assert _rows(t, *cols) == {
        "乙县": (1, 1, 1, 1, 3, 2),  # its weak village is paired, but by a 二类 committee in 甲县
        "甲县": (2, 2, 0, 1, 4, 3),  # the 二类-led pair counts in 甲县 too (its strong side)
        "丙市": (0, 0, 0, 0, 1, 1),
    }
    # 5 pairings, 3 across county lines: each cross pairing counted in both counties
    assert t["cross_pairings"].sum() == 2 * 3 and t["pairings_active"].sum() == 5 + 3
    # a year on, every pair is due for rotation: in each county it touches, once
    later = gk.pairing_gaps_by_county(small, as_of="2025-06-30")
    assert _rows(later, "due_for_rotation") == {"乙县": (3,), "甲县": (4,), "丙市": (1,)}


def test_one_county_graph_gives_one_row_equal_to_the_overall_figures() -> None:
    g = gk.sample_graph()
    res = run_all(g)
    cov, gaps, cad = (res[k] for k in BY_COUNTY)
    assert len(cov) == len(gaps) == len(cad) == 1
    assert cov["county"].iloc[0] == g.settings["county"] and cov["unit_level"].iloc[0] == "county"
    ov = res["coverage_overall"].iloc[0]
    assert (cov["orgs"].iloc[0], cov["covered"].iloc[0]) == (ov["orgs"], ov["covered"])
    for key in ("unpaired_weak", "weak_strong_side", "overloaded_strong", "groups_without_anchor"):
        assert gaps[key].iloc[0] == len(res[key]), key
    cs = res["cadence_summary"]
    assert cad["districts"].iloc[0] == len(cs) and cad["activities"].iloc[0] == cs["activities"].sum()
    assert cad["never_hosted"].iloc[0] == len(res["never_hosted"])
    assert gaps["cross_pairings"].iloc[0] == 0


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("bycounty_synth")
    counts = generate_province(root / "ledgers", seed=5, n_orgs=1_800, counties=6, fmt="csv")
    gp.build_province(root / "ledgers", root / "out")
    return root / "out", counts


def _folder_county(out: Path) -> dict[str, str]:
    """Folder → county (or city) name, from the manifest (not from county_of.parquet)."""
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {u["key"]: u["name"] for u in m["province"]["units"]}


def _county_by_file(g: gk.Graph, folders: dict[str, str], type_name: str) -> dict[str, str]:
    t = g.tables[type_name]
    return {i: folders[f.split("/", 1)[0]] for i, f in zip(t["id"], t["src_file"])}


def test_by_county_tables_match_the_per_org_and_per_district_tables(synthetic: tuple[Path, dict[str, int]]) -> None:
    out, counts = synthetic
    g = gk.read_graph(out)
    res = run_all(g)
    folders = _folder_county(out)
    org_county = _county_by_file(g, folders, "Organization")
    col_county = _county_by_file(g, folders, "Collaboration")
    cov = res["coverage_by_county"].set_index("county")
    assert sorted(cov.index) == sorted(folders.values())
    assert (cov["orgs"].to_dict() == pd.Series(org_county).value_counts().to_dict())
    assert cov["covered"].sum() == res["coverage_overall"]["covered"].iloc[0]
    gaps = res["pairing_gaps_by_county"].set_index("county")
    expect = pd.Series([org_county[o] for o in res["unpaired_weak"]["org_id"]]).value_counts()
    assert gaps["unpaired_weak"].to_dict() == expect.reindex(gaps.index, fill_value=0).to_dict()
    for key in ("due_for_rotation", "weak_strong_side"):
        both: dict[str, int] = {}
        for s, w in zip(res[key]["strong_id"], res[key]["weak_id"]):
            for c in {org_county[s], org_county[w]}:
                both[c] = both.get(c, 0) + 1
        assert gaps[key].to_dict() == {c: both.get(c, 0) for c in gaps.index}, key
    pr = g.tables["Pairing"]
    cross = sum(org_county[s] != org_county[w] for s, w in zip(pr["strong"], pr["weak"]))
    assert cross == counts["cross_pairings"] > 0
    # the active ones of those, each counted in both counties
    active = gk.pairing_gaps_by_county(g)["cross_pairings"].sum()
    assert 0 < active <= 2 * cross and active % 2 == 0
    cad = res["cadence_by_county"].set_index("county")
    cs = res["cadence_summary"]
    cs_county = [col_county[d] for d in cs["district_id"]]
    for col, src in (("districts", None), ("activities", "activities"), ("months_missed", "months_missed"),
                     ("never_hosted", "never_hosted")):
        got = cs.assign(c=cs_county).groupby("c")[src].sum() if src else pd.Series(cs_county).value_counts()
        assert cad[col].to_dict() == got.reindex(cad.index, fill_value=0).to_dict(), col
    assert cad["districts"].sum() == len(cs) > 0


def test_the_province_report_shows_the_by_county_tables(synthetic: tuple[Path, dict[str, int]], tmp_path: Path) -> None:
    out, _ = synthetic
    r = CliRunner().invoke(cli, ["report", str(out), "-o", str(tmp_path / "r.html"), "--xlsx", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    start = html.index("各县比较与排名")
    for title in ("联建覆盖（按县）", "结对缺口（按县）", "片区活动节奏（按县）"):
        assert html.index(title) > start  # in the province section, after the ranking
    sheets = pd.read_excel(tmp_path / "r.xlsx", sheet_name=None, engine="calamine")
    gaps = sheets["结对缺口（按县）"]
    counties = sorted(_folder_county(out).values())
    assert sorted(gaps["县（市级、省级）"]) == counties
    assert "跨县结对" in gaps.columns
    r = CliRunner().invoke(cli, ["analyze", str(out), "-o", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    assert all((tmp_path / "a" / f"{k}.csv").is_file() for k in BY_COUNTY)
