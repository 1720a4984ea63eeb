"""A province from its counties (issue 20): assembly, scoped ids, cross-county references, rebuilds."""
from __future__ import annotations

import filecmp
import json
import os
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
import graphkit.ingest._load_pool as gk_load  # where build_graph reads each ledger file (read_file is spied on)
from graphkit.store import province as gp
from graphkit.core.text import org_key
from graphkit.cli import cli
from graphkit.ingest.synth import generate_province
from graphkit.core.schema import load_schema

ROSTER = "党组织名称,组织形式,领域,层级,所属镇(街道),所在村(社区),上级党组织,分类定级\n"
PAIRING = "帮扶党组织,受援党组织,结对形式,开始日期\n"


def _county(root: Path, name: str, city: str, roster: list[str], pairing: list[str] = ()) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / "graphkit.yaml").write_text(f"county: {name}\ncity: {city}\n", encoding="utf-8")
    (d / "党组织名册.csv").write_text(ROSTER + "".join(r + "\n" for r in roster), encoding="utf-8")
    if pairing:
        (d / "结对共建台账.csv").write_text(PAIRING + "".join(r + "\n" for r in pairing), encoding="utf-8")
    return d


def _small_province(root: Path, *, ambiguous: bool = False) -> Path:
    """Two counties with equal village names, a city level, cross-county pairings."""
    root.mkdir(parents=True)
    (root / "graphkit.yaml").write_text("province: 测试省\n", encoding="utf-8")
    city = root / "丙市直"
    city.mkdir()
    (city / "graphkit.yaml").write_text("level: city\ncity: 丙市\n", encoding="utf-8")
    (city / "党组织名册.csv").write_text(ROSTER + "丙市蚕桑产业发展中心党支部,党支部,事业单位,市,,,,一类\n", encoding="utf-8")
    _county(root, "甲县", "丙市", [
        "甲县农业农村局党委,党委,机关,县,,,,一类",
        "中池镇党委,党委,机关,镇,中池镇,,,二类",
        "中池镇青泥洞村党支部,党支部,农村,村,中池镇,青泥洞村,中池镇党委,三类",
        "中池镇红岩村党支部,党支部,农村,村,中池镇,红岩村,中池镇党委,三类",
    ], [
        "乙县/乙县农业农村局党委,中池镇青泥洞村党支部,机关联村,2024-01-01",   # cross-county, explicit
        "丙市蚕桑产业发展中心党支部,中池镇红岩村党支部,一类带三类,2024-02-01",  # city level, by name
        "甲县农业农村局党委,中池镇红岩村党支部,机关联村,2024-03-01",           # within the county
    ] + (["乙县/青泥洞村党支部,中池镇红岩村党支部,强村带弱村,2024-04-01"] if ambiguous else []))
    _county(root, "乙县", "丙市", [
        "乙县农业农村局党委,党委,机关,县,,,,一类",
        "中池镇党委,党委,机关,镇,中池镇,,,二类",
        "石门镇党委,党委,机关,镇,石门镇,,,二类",
        "中池镇青泥洞村党支部,党支部,农村,村,中池镇,青泥洞村,中池镇党委,一类",
        "石门镇青泥洞村党支部,党支部,农村,村,石门镇,青泥洞村,石门镇党委,二类",
    ], ["乙县农业农村局党委,石门镇青泥洞村党支部,机关联村,2024-01-01"])
    return root


def _orgs(out: Path) -> pd.DataFrame:
    g = gk.read_graph(out)
    orgs = g.tables["Organization"][["id", "name"]]
    owner = gp.record_counties(g, "Organization")[["id", "county"]]
    return orgs.merge(owner, on="id", how="left")


def test_equal_names_never_merge_and_cross_county_pairings_resolve(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    assert gp.is_province(prov)
    res = gp.build_province(prov, tmp_path / "out")
    orgs = _orgs(res.out)
    same = orgs[orgs["name"] == "中池镇青泥洞村党支部"]
    assert sorted(same["county"]) == ["乙县", "甲县"] and same["id"].nunique() == 2  # two villages, two records
    assert len(orgs) == 4 + 5 + 1
    g = gk.read_graph(res.out)
    name = dict(zip(orgs["id"], orgs["county"] + "/" + orgs["name"]))
    pairs = {(name[s], name[w]) for s, w in zip(g.tables["Pairing"]["strong"], g.tables["Pairing"]["weak"])}
    assert ("乙县/乙县农业农村局党委", "甲县/中池镇青泥洞村党支部") in pairs
    assert ("丙市/丙市蚕桑产业发展中心党支部", "甲县/中池镇红岩村党支部") in pairs
    assert ("乙县/乙县农业农村局党委", "乙县/石门镇青泥洞村党支部") in pairs
    assert len(pairs) == 4 and res.cross_links == 2
    # province → city → county → town → village
    places = g.tables["Place"].set_index("id")
    kinds = {}
    for pid, row in places.iterrows():
        chain, cur = [], pid
        while isinstance(cur, str):
            chain.append(places.at[cur, "kind"])
            cur = places.at[cur, "parent"]
        kinds[row["name"], len(chain)] = chain
    assert kinds["青泥洞村", 5] == ["village", "town", "county", "city", "province"]
    assert manifest_units(res.out) == [("丙市直", "city"), ("乙县", "county"), ("甲县", "county")]


def manifest_units(out: Path) -> list[tuple[str, str]]:
    m = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return [(u["key"], u["level"]) for u in m["province"]["units"]]


def test_ambiguous_cross_county_name_is_a_problem_with_candidates(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p", ambiguous=True)
    with pytest.raises(gp.ProvinceFailed) as exc:
        gp.build_province(prov, tmp_path / "out")
    p = exc.value.problems
    row = p[p["rule"] == "ambiguous_ref"].iloc[0]
    assert row["file"] == "甲县/结对共建台账.csv" and int(row["row"]) == 5 and row["value"] == "乙县/青泥洞村党支部"
    assert "乙县/中池镇青泥洞村党支部" in row["message_zh"] and "乙县/石门镇青泥洞村党支部" in row["message_zh"]
    assert not (tmp_path / "out").exists()
    # lenient: the row is left out and listed; the rest loads
    res = gp.build_province(prov, tmp_path / "out", lenient=True)
    assert (res.problems["rule"] == "ambiguous_ref").sum() == 1
    assert gk.read_graph(res.out).count("Pairing") == 4


def test_unknown_county_and_a_failed_county_leave_the_output_intact(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    with (prov / "甲县" / "结对共建台账.csv").open("a", encoding="utf-8") as fh:
        fh.write("丁县/丁县农业农村局党委,中池镇红岩村党支部,机关联村,2024-05-01\n")
        fh.write("甲县农业农村局党委,中池镇红岩村党支部,机关联村,2024-13-45\n")
    r = CliRunner().invoke(cli, ["build", str(prov), "-o", str(out), "-q"])
    assert r.exit_code == 1, r.output
    assert "甲县" in r.output
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    table = pd.read_excel(Path(f"{out.resolve()}.问题清单") / "甲县.xlsx", engine="calamine")
    assert len(table) >= 1 and table.astype(str).apply(lambda c: c.str.contains("2024-13-45")).any().any()
    # the date fixed: the unknown county remains, named with its row
    text = (prov / "甲县" / "结对共建台账.csv").read_text(encoding="utf-8").replace("2024-13-45", "2024-06-01")
    (prov / "甲县" / "结对共建台账.csv").write_text(text, encoding="utf-8")
    with pytest.raises(gp.ProvinceFailed) as exc:
        gp.build_province(prov, out)
    p = exc.value.problems
    assert p["rule"].tolist() == ["unknown_county"] and p["value"].tolist() == ["丁县/丁县农业农村局党委"]
    assert list(exc.value.failed) == ["甲县"]


def spy_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ledger files ``build_graph`` reads in this process from now on (until ``monkeypatch.undo()``)."""
    read: list[str] = []
    real = gk_load.read_file

    def spy(path: Path, **kw: object) -> object:
        read.append(str(path))
        return real(path, **kw)  # type: ignore[arg-type]
    monkeypatch.setattr(gk_load, "read_file", spy)
    return read


def _tree(root: Path) -> dict[str, bytes]:
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file() and p.name != ".graphkit-output.json":
            data = p.read_bytes()
            if p.name == "manifest.json":
                m = json.loads(data)
                m.pop("created")
                data = json.dumps(m, sort_keys=True).encode()
            out[p.relative_to(root).as_posix()] = data
    return out


@pytest.fixture(scope="module")
def province100(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, int]]:
    root = tmp_path_factory.mktemp("prov100")
    counts = generate_province(root / "ledgers", seed=4, n_orgs=19_000, counties=100, fmt="csv")
    res = gp.build_province(root / "ledgers", root / "out")
    assert len(res.rebuilt) == 100 + counts["cities"] and not res.reused
    return root / "ledgers", root / "out", counts


def test_a_synthetic_province_of_100_county_folders_builds(province100: tuple[Path, Path, dict[str, int]]) -> None:
    ledgers, out, counts = province100
    counties = [p for p in ledgers.iterdir() if p.is_dir() and p.name.endswith("县")]
    assert len(counties) == 100 and counts["cross_pairings"] > 0
    orgs = _orgs(out)
    assert len(orgs) == counts["roster"]  # every roster row is its own record: nothing merged across counties
    assert orgs["county"].notna().all()
    # the same department in many counties has one matching key (county prefix dropped) yet many records
    keys = [org_key(n, c) for n, c in zip(orgs["name"], orgs["county"])]
    dup = pd.Series(keys).value_counts()
    assert dup.iloc[0] >= 50
    g = gk.read_graph(out)
    owner = dict(zip(orgs["id"], orgs["county"]))
    pr = g.tables["Pairing"]
    cross = sum(owner[s] != owner[w] for s, w in zip(pr["strong"], pr["weak"]))
    assert cross == counts["cross_pairings"]
    mem = g.tables["Membership"]
    city_members = sum(owner.get(o, "").endswith("市") for o in mem["member"])
    assert city_members > 0  # city-level centres in the counties' chain alliances, by name


def test_rebuild_after_one_change_is_byte_identical_to_a_full_build(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ledgers = tmp_path / "ledgers"
    generate_province(ledgers, seed=9, n_orgs=2_400, counties=8, fmt="csv")
    out = tmp_path / "out"
    gp.build_province(ledgers, out)
    county = sorted(p for p in ledgers.iterdir() if p.is_dir() and p.name.endswith("县"))[3]
    pairing = county / "结对共建台账.csv"
    lines = pairing.read_text(encoding="utf-8").splitlines()
    pairing.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one pairing ended in the ledger
    other = sorted(p for p in ledgers.iterdir() if p.is_dir() and p.name.endswith("县"))[5]
    os.utime(other / "党组织名册.csv", ns=(1, 1))  # touched, not changed: hashed, not read
    read = spy_reads(monkeypatch)
    res = gp.build_province(ledgers, out)  # the changed county is built in this process: every read is seen
    monkeypatch.undo()
    assert res.rebuilt == [county.name] and set(res.hashed) == {county.name, other.name}
    assert read and all(Path(p).parent == county for p in read)
    assert len(read) == len([p for p in county.iterdir() if p.suffix == ".csv"])
    full = gp.build_province(ledgers, tmp_path / "full", full=True)
    assert len(full.rebuilt) == len(res.rebuilt) + len(res.reused)
    # the cross-county answers of the unchanged counties were taken from the previous build
    assert res.xref_cache == "used" and full.xref_cache == "none" and res.reresolved < full.reresolved
    # one pairing less: the Pairing table is the previous one with the county's rows replaced, the others linked
    assert res.spliced == ["Pairing"] and sorted(res.kept_tables + res.spliced) == sorted(r.name for r in load_schema())
    a, b = _tree(out), _tree(tmp_path / "full")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    assert filecmp.cmp(out / "tables" / "Pairing.parquet", tmp_path / "full" / "tables" / "Pairing.parquet", shallow=False)


def test_cli_builds_a_province_folder(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    r = CliRunner().invoke(cli, ["build", str(prov), "-o", str(tmp_path / "out"), "-q"])
    assert r.exit_code == 0, r.output
    assert "跨县引用" in r.output and "3 个县（级）重新读取" in r.output
    r = CliRunner().invoke(cli, ["info", str(tmp_path / "out")])
    assert r.exit_code == 0 and "测试省" in r.output


NEO4J_URI = os.environ.get("NEO4J_URI", "")


def _county_digest(driver: object, prefix: str) -> tuple[int, str]:
    """Every node, n-ary relationship and reference of one county's records on the server (a
    relationship with its own source is its record's; a plain reference is its start node's)."""
    import hashlib

    from graphkit.exports._graph_shape import graph_shape, ident

    h, n = hashlib.sha256(), 0
    db = os.environ.get("NEO4J_DATABASE") or None
    with driver.session(database=db) as s:  # type: ignore[attr-defined]
        for ns in graph_shape().nodes:
            for rec in s.run(f"MATCH (x:{ident(ns.label)}) WHERE x.src_file STARTS WITH $p "
                             "RETURN x.id AS id, properties(x) AS props ORDER BY id", p=prefix):
                h.update(repr((rec["id"], sorted((k, str(v)) for k, v in rec["props"].items()))).encode())
                n += 1
            for rec in s.run(f"MATCH (x:{ident(ns.label)})-[r]->(y) "
                             "WHERE r.src_file STARTS WITH $p OR (r.src_file IS NULL AND x.src_file STARTS WITH $p) "
                             "RETURN x.id AS a, type(r) AS t, y.id AS b, properties(r) AS props ORDER BY a, t, b", p=prefix):
                h.update(repr((rec["a"], rec["t"], rec["b"], sorted((k, str(v)) for k, v in rec["props"].items()))).encode())
                n += 1
    return n, h.hexdigest()


@pytest.mark.neo4j
@pytest.mark.skipif(not NEO4J_URI, reason="NEO4J_URI not set: Neo4j server tests skipped")
def test_one_county_push_with_prune_changes_no_other_county(tmp_path: Path) -> None:
    from graphkit.exports.neo4j import connect, push

    user, password = os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", "")
    db = os.environ.get("NEO4J_DATABASE") or None
    prov = _small_province(tmp_path / "p")
    gp.build_province(prov, tmp_path / "out")
    drv = connect(NEO4J_URI, user, password)
    try:
        with drv.session(database=db) as s:
            s.run("MATCH (n) DETACH DELETE n").consume()
        push(tmp_path / "out", uri=NEO4J_URI, user=user, password=password, database=db, driver=drv)
        before = {p: _county_digest(drv, p) for p in ("乙县/", "丙市直/", "graphkit.yaml")}
        jia = _county_digest(drv, "甲县/")
        assert all(n > 0 for n, _ in before.values()) and jia[0] > 0
        # 甲县 resubmits: one pairing ended in the ledger, one village renamed
        pf = prov / "甲县" / "结对共建台账.csv"
        pf.write_text("\n".join(pf.read_text(encoding="utf-8").splitlines()[:-1]) + "\n", encoding="utf-8")
        for f in (pf, prov / "甲县" / "党组织名册.csv"):
            f.write_text(f.read_text(encoding="utf-8").replace("红岩村", "红星村"), encoding="utf-8")
        res = gp.build_province(prov, tmp_path / "out")
        assert res.rebuilt == ["甲县"]
        report = push(tmp_path / "out", uri=NEO4J_URI, user=user, password=password, database=db, driver=drv,
                      county="甲县", prune=True)
        assert report["ok"].all()
        after = {p: _county_digest(drv, p) for p in before}
        assert after == before  # no other county's nodes or relationships changed
        g = gk.read_graph(tmp_path / "out")
        with drv.session(database=db) as s:
            names = {r["n"] for r in s.run("MATCH (o:Organization) WHERE o.src_file STARTS WITH '甲县/' RETURN o.name AS n")}
            pairs = s.run("MATCH ()-[r:PAIRED_WITH]->() WHERE r.src_file STARTS WITH '甲县/' RETURN count(r) AS n").single()["n"]
            cross = s.run("MATCH (a:Organization)-[r:PAIRED_WITH]->(b:Organization) WHERE a.src_file STARTS WITH '乙县/' "
                          "AND b.src_file STARTS WITH '甲县/' RETURN count(r) AS n").single()["n"]
        jia_orgs = g.tables["Organization"][g.tables["Organization"]["src_file"].str.startswith("甲县/")]
        assert names == set(jia_orgs["name"]) and "中池镇红星村党支部" in names and "中池镇红岩村党支部" not in names
        assert pairs == int(g.tables["Pairing"]["src_file"].str.startswith("甲县/").sum()) == 2
        assert cross == 1  # the cross-county pairing: 乙县's agency helps 甲县's village
        assert _county_digest(drv, "甲县/") != jia
    finally:
        drv.close()


def test_a_column_naming_the_other_county(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    (prov / "甲县" / "结对共建台账.csv").write_text(
        "帮扶党组织,帮扶党组织所在县,受援党组织,结对形式,开始日期\n"
        "乙县农业农村局党委,乙县,中池镇红岩村党支部,机关联村,2024-01-01\n"
        "农业农村局党委,甲县,中池镇青泥洞村党支部,机关联村,2024-01-01\n", encoding="utf-8")
    res = gp.build_province(prov, tmp_path / "out")
    orgs = _orgs(res.out)
    name = dict(zip(orgs["id"], orgs["county"] + "/" + orgs["name"]))
    g = gk.read_graph(res.out)
    pairs = {(name[s], name[w]) for s, w in zip(g.tables["Pairing"]["strong"], g.tables["Pairing"]["weak"])}
    assert ("乙县/乙县农业农村局党委", "甲县/中池镇红岩村党支部") in pairs
    assert ("甲县/甲县农业农村局党委", "甲县/中池镇青泥洞村党支部") in pairs
    assert res.cross_links == 1


def test_province_report_and_overview_show_every_county(tmp_path: Path) -> None:
    ledgers = tmp_path / "ledgers"
    counts = generate_province(ledgers, seed=5, n_orgs=1_800, counties=6, fmt="csv")
    gp.build_province(ledgers, tmp_path / "out")
    names = sorted(p.name for p in ledgers.iterdir() if p.is_dir() and p.name.endswith("县"))
    assert len(names) == counts["counties"] == 6
    r = CliRunner().invoke(cli, ["report", str(tmp_path / "out"), "-o", str(tmp_path / "r.html"), "--xlsx", str(tmp_path / "r.xlsx")])
    assert r.exit_code == 0, r.output
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "各县比较与排名" in html and all(n in html for n in names)
    table = pd.read_excel(tmp_path / "r.xlsx", sheet_name="各县比较", engine="calamine")
    ranked = table[table["层级"] == "县"]
    assert sorted(ranked["县（市级、省级）"]) == names and ranked["排名"].tolist() == list(range(1, 7))
    assert ranked["参与率"].is_monotonic_decreasing
    assert table["跨县结对"].sum() == 2 * counts["cross_pairings"]  # counted on both sides
    r = CliRunner().invoke(cli, ["view", str(tmp_path / "out"), "--province", "-o", str(tmp_path / "v.html")])
    assert r.exit_code == 0, r.output
    page = (tmp_path / "v.html").read_text(encoding="utf-8")
    assert all(n in page for n in names)
    parts = sorted((tmp_path / "v_parts").glob("*.html"))
    assert len(parts) == 6 + counts["cities"]
    assert any(names[0] in p.read_text(encoding="utf-8") for p in parts)
