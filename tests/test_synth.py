"""Tests of the synthetic ledger generator and the bundled sample county."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphkit.ingest import synth
from graphkit.core.text import org_key

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_county"
SEED_FACTS = ROOT / "data" / "seed_facts"


@pytest.fixture(scope="module")
def county() -> dict:
    return synth.generate_tables(scale="county", seed=11)


# ---- determinism -------------------------------------------------------------------------------


def test_same_seed_same_tables() -> None:
    a = synth.generate_tables(scale="county", seed=5, n_orgs=800)
    b = synth.generate_tables(scale="county", seed=5, n_orgs=800)
    assert a["county"] == b["county"]
    for key in synth.LEDGER_COLUMNS:
        pd.testing.assert_frame_equal(a[key], b[key])


def test_different_seed_different_tables() -> None:
    a = synth.generate_tables(scale="county", seed=1, n_orgs=800)
    b = synth.generate_tables(scale="county", seed=2, n_orgs=800)
    assert not a["roster"]["党组织名称"].equals(b["roster"]["党组织名称"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_files_are_byte_identical(tmp_path: Path, fmt: str) -> None:
    c1 = synth.generate_ledgers(tmp_path / "a", scale="county", seed=9, n_orgs=600, fmt=fmt)
    c2 = synth.generate_ledgers(tmp_path / "b", scale="county", seed=9, n_orgs=600, fmt=fmt)
    assert c1 == c2
    files = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert any(f.endswith(f".{fmt}") for f in files)
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_xlsx_and_csv_hold_the_same_cells(tmp_path: Path) -> None:
    synth.generate_ledgers(tmp_path / "x", scale="county", seed=4, n_orgs=500, fmt="xlsx")
    synth.generate_ledgers(tmp_path / "c", scale="county", seed=4, n_orgs=500, fmt="csv")
    x = pd.read_excel(tmp_path / "x" / "党组织名册.xlsx", dtype=str, engine="openpyxl")
    c = pd.read_csv(tmp_path / "c" / "党组织名册.csv", dtype=str)
    pd.testing.assert_frame_equal(x.fillna(""), c.fillna(""), check_dtype=False)
    stages = pd.read_excel(tmp_path / "x" / f"{synth.CHAIN_WORKBOOK}.xlsx", sheet_name=None, engine="openpyxl")
    assert set(stages) == set(synth.CHAIN_SHEETS.values())


# ---- shape -----------------------------------------------------------------------------------------


def test_headers_are_canonical(county: dict) -> None:
    import yaml

    for key, (_stem, headers) in synth.LEDGER_COLUMNS.items():
        mapping = yaml.safe_load((ROOT / "loaders" / f"{key}.yaml").read_text(encoding="utf-8"))
        firsts = [col["aliases"][0] for col in mapping["columns"].values()]
        assert list(county[key].columns) == headers
        assert set(headers) <= set(firsts), key
        required = [col["aliases"][0] for col in mapping["columns"].values() if col.get("required")]
        assert county[key][required].notna().all().all(), key


def test_scale_and_category_split(county: dict) -> None:
    roster = county["roster"]
    assert 1_700 <= len(roster) <= 2_300
    share = roster["分类定级"].value_counts(normalize=True)
    assert abs(share["一类"] - 0.25) < 0.04
    assert abs(share["二类"] - 0.60) < 0.05
    assert abs(share["三类"] - 0.15) < 0.03
    lax = (roster["是否软弱涣散"] == "是").mean()
    assert 0.015 <= lax <= 0.035
    assert (roster.loc[roster["是否软弱涣散"] == "是", "分类定级"] == "三类").all()
    assert county["county"] == "合成县"


def test_names_unique_after_normalization(county: dict) -> None:
    names = county["roster"]["党组织名称"]
    keys = names.map(lambda n: org_key(n, county=county["county"]))
    assert not names.duplicated().any()
    assert not keys.duplicated().any()
    units = county["units"]["单位名称"].map(org_key)
    assert not units.duplicated().any()
    places = county["places"]
    assert not places.duplicated(["镇(街道)", "村(社区)"]).any()


def test_no_parent_cycles_and_parents_exist(county: dict) -> None:
    roster = county["roster"]
    idx = pd.Index(roster["党组织名称"])
    parent = roster["上级党组织"]
    assert parent.dropna().isin(idx).all()
    p = np.where(parent.notna(), idx.get_indexer(parent.fillna("")), -1)
    cur = np.arange(len(p))
    for _ in range(10):
        cur = np.where(cur >= 0, p[np.maximum(cur, 0)], -1)
    assert (cur == -1).all()  # every chain ends within 10 steps: no cycle


def test_group_sizes(county: dict) -> None:
    district = county["district"].groupby("片区名称").size()
    assert district.between(5, 80).all() and len(district) == 10
    chain = county["chain"].groupby("联盟名称").size()
    assert chain.between(5, 80).all()
    jv = county["joint_village"].groupby("联村党组织名称").size()
    assert jv.between(3, 8).all()
    # a joint village committee stays in one town; each group has exactly one lead
    roster = county["roster"].set_index("党组织名称")
    jvt = county["joint_village"].assign(t=roster.loc[county["joint_village"]["成员村党组织"], "所属镇(街道)"].to_numpy())
    assert (jvt.groupby("联村党组织名称")["t"].nunique() == 1).all()
    for key, col in (("district", "片区名称"), ("joint_village", "联村党组织名称"), ("chain", "联盟名称")):
        leads = county[key][county[key]["角色"] == "牵头单位"].groupby(col).size()
        assert (leads == 1).all() and len(leads) == county[key][col].nunique(), key


def test_district_leads_and_hosts(county: dict) -> None:
    roster = county["roster"].set_index("党组织名称")
    d = county["district"]
    leads = d[d["角色"] == "牵头单位"]["单位名称"]
    assert (roster.loc[leads, "分类定级"] == "一类").all()
    hosts = d.dropna(subset=["轮值月份"])
    assert hosts["轮值月份"].between(1, 12).all()
    assert not hosts.duplicated(["片区名称", "轮值月份"]).any()


def test_chains_span_levels_and_sectors(county: dict) -> None:
    roster = county["roster"].set_index("党组织名称")
    ch = county["chain"]
    assert {"蚕桑", "生态渔业"} <= set(ch["产业链"])
    stages = county["chain_stages"]
    assert list(stages[stages["产业链"] == "蚕桑"]["环节名称"]) == ["种桑", "养蚕", "收茧", "烘茧", "产丝"]
    assert list(stages[stages["产业链"] == "生态渔业"]["环节名称"]) == ["鱼苗繁育", "成鱼养殖", "产品加工", "产品销售"]
    for _, g in ch.groupby("联盟名称"):
        levels = set(roster.loc[g["党组织名称"], "层级"])
        assert {"市", "县", "镇", "村"} <= levels
        assert {"机关", "非公企业"} <= set(roster.loc[g["党组织名称"], "领域"])
    staged = ch.dropna(subset=["环节名称"])
    assert staged.merge(stages, on=["产业链", "环节名称"], how="left")["环节序号"].notna().all()


def test_pairings_strong_to_weak(county: dict) -> None:
    roster = county["roster"].set_index("党组织名称")
    p = county["pairing"]
    assert len(p) > 50
    assert (p["帮扶党组织"] != p["受援党组织"]).all()
    assert (roster.loc[p["帮扶党组织"], "分类定级"] == "一类").all()
    assert (roster.loc[p["受援党组织"], "分类定级"] == "三类").all()
    sv = p[p["结对形式"] == "强村带弱村"]
    assert (roster.loc[sv["帮扶党组织"], "所属镇(街道)"].to_numpy() == roster.loc[sv["受援党组织"], "所属镇(街道)"].to_numpy()).all()
    assert p["结束日期"].notna().any() and (p["结束日期"].dropna() < "2024-12-31").all()
    assert set(p["结对形式"]) >= {"强村带弱村", "机关联村", "一类带三类"}
    weak = roster.index[roster["分类定级"] == "三类"]
    assert not weak.isin(p["受援党组织"]).all()  # some weak orgs stay unpaired


def test_some_orgs_in_no_mechanism(county: dict) -> None:
    names = county["roster"]["党组织名称"]
    used = pd.concat([county["district"]["单位名称"], county["joint_village"]["成员村党组织"], county["chain"]["党组织名称"],
                      county["pairing"]["帮扶党组织"], county["pairing"]["受援党组织"]])
    assert (~names.isin(used)).mean() > 0.3


def test_activities_cadence_with_gaps(county: dict) -> None:
    a = county["activities"]
    assert a["活动编号"].is_unique
    d = a[a["所属片区"].str.contains("片区")]
    monthly = d[~d["活动类型"].isin(["互督", "交叉巡回督导"])]
    per = monthly.assign(m=monthly["活动日期"].str[:7]).groupby("所属片区")["m"].nunique()
    assert per.max() == 24 and per.min() < 24  # two years, some deliberate gaps
    parts = a["参与单位"].dropna().str.split("、").explode()
    assert parts.isin(county["roster"]["党组织名称"]).all()
    assert a["主办单位"].isin(county["roster"]["党组织名称"]).all()


def test_units_and_ratings(county: dict) -> None:
    u = county["units"]
    assert set(u["类型"]) == {"非公企业", "社会组织"}
    own = u["是否建立党组织"] == "是"
    assert u.loc[own, "党组织名称"].notna().all() and u.loc[~own, "党组织名称"].isna().all()
    neither = ~own & u["联系党组织"].isna() & u["党建指导员"].isna()
    assert 0 < neither.mean() < 0.5
    r = county["ratings"]
    assert set(r["年度"]) == {2023, 2024}
    wide = r.pivot(index="党组织名称", columns="年度", values="分类定级")
    assert ((wide[2023] == "三类") & (wide[2024] == "二类")).sum() > 10


def test_counts_and_scale_option(tmp_path: Path) -> None:
    counts = synth.generate_ledgers(tmp_path, scale="county", seed=0, n_orgs=300, fmt="csv")
    assert counts["links"] == counts["memberships"] + counts["pairings"] + counts["participations"] + counts["parent_links"]
    assert (tmp_path / "graphkit.yaml").read_text(encoding="utf-8").strip().endswith("county: 合成县")
    with pytest.raises(ValueError):
        synth.generate_tables(scale="planet")


def test_multi_county_names(tmp_path: Path) -> None:
    t = synth.generate_tables(scale="province", seed=3, n_orgs=8_000)
    assert t["county"] == "合成省"
    names = t["roster"]["党组织名称"]
    assert names.map(org_key).is_unique
    assert t["district"]["片区名称"].nunique() == 10 * 4


# ---- the sample county ---------------------------------------------------------------------------


def _load_script():
    spec = importlib.util.spec_from_file_location("make_sample_county", ROOT / "scripts" / "make_sample_county.py")
    mod = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(mod)
    return mod


def test_sample_county_script_is_deterministic(tmp_path: Path) -> None:
    mod = _load_script()
    mod.write_all(tmp_path / "a", mod.build())
    mod.write_all(tmp_path / "b", mod.build())
    for p in sorted((tmp_path / "a").iterdir()):
        assert p.read_bytes() == (tmp_path / "b" / p.name).read_bytes(), p.name
    # the committed copy is what the script makes
    for p in sorted((tmp_path / "a").iterdir()):
        assert p.read_bytes() == (SAMPLE / p.name).read_bytes(), f"data/sample_county/{p.name} is stale"


def test_sample_county_facts() -> None:
    mod = _load_script()
    data = mod.build()
    assert 400 <= len(data["orgs"]) <= 2_000
    assert len(data["places"]) == 120 and len(data["district_members"]) == 10
    assert len(data["joint_villages"]) == 12
    assert len({m for g in data["joint_villages"] for m in g["members"]}) == 51
    sw = data["strong_weak"]
    assert len(sw) == 11 and len({a for a, _ in sw}) == 9
    acts = data["activities"]
    third = [a for a in acts if a["group"] == "第三片区" and a["type"] not in ("互督", "交叉巡回督导")]
    assert len(third) == 11
    silk = [r for r in data["chain_rows"] if r["产业链"] == "蚕桑"]
    assert not any(r["环节名称"] == "烘茧" for r in silk)
    units = data["units"]
    assert sum(u["类型"] == "非公企业" for u in units) == 150 and sum(u["类型"] == "社会组织" for u in units) == 40
    assert (SAMPLE / "两新组织名册.csv").read_bytes().decode("gb18030").startswith("单位名称")


# ---- loading through graphkit.ingest.load (zero problems) ---------------------------------------------------


def _build(path: Path):
    from graphkit.ingest.load import build_graph

    return build_graph(path)


def test_sample_county_builds_without_problems() -> None:
    g = _build(SAMPLE)
    assert g.problems.empty, g.problems.head(20).to_string()
    assert len(g.tables["Organization"]) == len(_load_script().build()["orgs"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_synthetic_county_builds_without_problems(tmp_path: Path, fmt: str) -> None:
    counts = synth.generate_ledgers(tmp_path, scale="county", seed=2, n_orgs=600, fmt=fmt)
    g = _build(tmp_path)
    assert g.problems.empty, g.problems.head(20).to_string()
    assert len(g.tables["Organization"]) == counts["roster"]
    assert len(g.tables["Participation"]) == counts["participations"]
    assert len(g.tables["Pairing"]) == counts["pairing"]


@pytest.mark.parametrize("county_dir", sorted(p.name for p in SEED_FACTS.iterdir() if p.is_dir()))
def test_seed_facts_build_without_problems(county_dir: str) -> None:
    g = _build(SEED_FACTS / county_dir)
    assert g.problems.empty, g.problems.head(20).to_string()
    for f in (SEED_FACTS / county_dir).glob("*.csv"):
        df = pd.read_csv(f, dtype=str)
        assert df["来源"].str.startswith("seeds/").all(), f
