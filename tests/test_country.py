"""A country from its provinces (issue 18): one graph from one folder per province, province by province."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.analyses.analysis import run_all
from graphkit.cli import cli
from graphkit.core.schema import load_schema
from graphkit.ingest.synth import generate_national
from graphkit.store import country as gc
from graphkit.store.province import COUNTY_OF, is_province
from tests.test_province import _tree, spy_reads  # the same comparison and spy as the province rebuild test

COPY = "复制省"  # a fictional province: the ledgers of another province under a new name


def country_with_copy(root: Path) -> tuple[Path, Path, gc.CountryResult]:
    """A small synthetic country in ``root/ledgers`` with a third province holding the same county names
    as the first (as China has several 朝阳区), built into ``root/out``."""
    ledgers = root / "ledgers"
    generate_national(ledgers, seed=5, n_orgs=3_000, counties=4, provinces=2)
    first = sorted(p for p in ledgers.iterdir() if p.is_dir())[0]
    shutil.copytree(first, ledgers / COPY)
    cfg = ledgers / COPY / "graphkit.yaml"
    cfg.write_text(cfg.read_text(encoding="utf-8").replace(f"province: {first.name}", f"province: {COPY}"), encoding="utf-8")
    res = gc.build_country(ledgers, root / "out")
    return ledgers, root / "out", res


def _roster_rows(folder: Path) -> int:
    return sum(len(pd.read_csv(p, dtype=str)) for p in folder.rglob("党组织名册*.csv"))


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, gc.CountryResult]:
    root = tmp_path_factory.mktemp("country")
    return country_with_copy(root)


def test_a_country_folder_is_told_apart(built: tuple[Path, Path, gc.CountryResult]) -> None:
    ledgers, _out, _res = built
    prov = sorted(p for p in ledgers.iterdir() if p.is_dir())[0]
    county = next(p for p in prov.iterdir() if p.is_dir())
    assert gc.is_country(ledgers)
    assert not gc.is_country(prov) and is_province(prov)
    assert not gc.is_country(county) and not is_province(county)
    c = gc.read_country(ledgers)
    assert [p.key for p in c.provinces] == sorted(p.name for p in ledgers.iterdir() if p.is_dir())
    assert len({p.tag for p in c.provinces}) == len(c.provinces) == 3


def test_the_country_holds_every_province(built: tuple[Path, Path, gc.CountryResult]) -> None:
    ledgers, out, res = built
    assert sorted(res.rebuilt) == sorted(p.name for p in ledgers.iterdir() if p.is_dir()) and not res.reused
    g = gk.read_graph(out)
    model = load_schema()
    for rtype in model:  # each type: the sum of the provinces' own graphs
        per = [len(gk.read_graph(out / gc.PROVINCES / k).tables[rtype.name]) for k in res.rebuilt]
        assert len(g.tables[rtype.name]) == sum(per) == res.counts[rtype.name], rtype.name
    assert len(g.tables["Organization"]) == _roster_rows(ledgers) > 0
    assert g.settings["province"] and g.settings["country"] == "ledgers"


def test_province_ids_collide_and_country_ids_do_not(built: tuple[Path, Path, gc.CountryResult]) -> None:
    ledgers, out, _res = built
    first = sorted(p for p in ledgers.iterdir() if p.is_dir() and p.name != COPY)[0].name
    a = set(pq.read_table(out / gc.PROVINCES / first / "tables" / "Organization.parquet").column("id").to_pylist())
    b = set(pq.read_table(out / gc.PROVINCES / COPY / "tables" / "Organization.parquet").column("id").to_pylist())
    assert len(a & b) > len(a) // 2  # equal county names: the provinces' own ids are the same
    g = gk.read_graph(out)
    model = load_schema()
    for rtype in model:
        ids = g.tables[rtype.name]["id"]
        assert ids.notna().all() and ids.is_unique, rtype.name
    for rtype in model:  # every reference is an id of the country (scoped as its target was)
        for pname, prop in rtype.refs.items():
            refs = g.tables[rtype.name][pname].dropna()
            assert refs.isin(set(g.tables[str(prop.range)]["id"])).all(), f"{rtype.name}.{pname}"


def test_county_of_names_the_province(built: tuple[Path, Path, gc.CountryResult]) -> None:
    ledgers, out, _res = built
    g = gk.read_graph(out)
    co = pq.read_table(out / COUNTY_OF).to_pandas()
    orgs = co[co["type"] == "Organization"]
    assert set(orgs["id"]) == set(g.tables["Organization"]["id"]) and len(orgs) == len(g.tables["Organization"])
    counties = orgs.loc[orgs["level"] == "county", "county"]
    assert counties.str.contains("/").all()
    first = sorted(p for p in ledgers.iterdir() if p.is_dir() and p.name != COPY)[0].name
    mine = {c.split("/", 1)[1] for c in counties.unique() if c.startswith(first + "/")}
    copy = {c.split("/", 1)[1] for c in counties.unique() if c.startswith(COPY + "/")}
    assert mine == copy and mine  # the same county names, kept apart by their province
    by_county = run_all(g)["coverage_by_county"]
    want = {f"{prov.name}/{c.name}" for prov in ledgers.iterdir() if prov.is_dir() for c in prov.iterdir()
            if c.is_dir() and "county:" in (c / "graphkit.yaml").read_text(encoding="utf-8")}
    rows = by_county[by_county["unit_level"] == "county"]
    assert set(rows["county"]) == want and len(rows) == len(want)  # one row each: equal names are not merged
    assert rows["orgs"].sum() == counties.size


def test_rebuild_after_one_province_changed(built: tuple[Path, Path, gc.CountryResult], tmp_path: Path) -> None:
    ledgers, out, _res = built
    work = tmp_path / "ledgers"
    shutil.copytree(ledgers, work)  # times kept: the copied output's records still match
    shutil.copytree(out, tmp_path / "out")
    again = gc.build_country(work, tmp_path / "out")
    assert not again.rebuilt and len(again.reused) == 3
    prov = sorted(p for p in work.iterdir() if p.is_dir() and p.name != COPY)[-1]
    county = sorted(p for p in prov.iterdir() if p.is_dir() and (p / "党组织名册.csv").is_file())[0]
    roster = county / "党组织名册.csv"
    df = pd.read_csv(roster, dtype=str, keep_default_na=False)
    df.loc[1, "党员数"] = str(int(df.loc[1, "党员数"]) + 7)
    df.to_csv(roster, index=False)
    res = gc.build_country(work, tmp_path / "out")
    assert res.rebuilt == [prov.name] and sorted(res.reused) == sorted(k for k in again.reused if k != prov.name)
    assert res.provinces[prov.name].rebuilt == [county.name]  # in it, only the county that changed is read
    # a roster's member count changed: the country's Organization table is put together again, the
    # tables no province changed are linked from the previous output
    assert "tables/Organization.parquet" not in res.kept and "tables/Pairing.parquet" in res.kept
    full = gc.build_country(work, tmp_path / "full")
    assert len(full.rebuilt) == 3
    a, b = _tree(tmp_path / "out"), _tree(tmp_path / "full")
    assert sorted(a) == sorted(b)
    assert [k for k in a if a[k] != b[k]] == []
    g = gk.read_graph(tmp_path / "out")
    assert len(g.tables["Organization"]) == _roster_rows(work)


def test_a_failing_province_leaves_the_output(built: tuple[Path, Path, gc.CountryResult], tmp_path: Path) -> None:
    ledgers, built_out, _res = built
    work = tmp_path / "ledgers"
    shutil.copytree(ledgers, work)
    out = tmp_path / "out"
    shutil.copytree(built_out, out)
    r = CliRunner().invoke(cli, ["build", str(work), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert "已构建全国图谱" in r.output and "built the country" in r.output and "3 个沿用 reused" in r.output
    before = _tree(out)
    county = sorted(p for p in (work / COPY).iterdir() if p.is_dir() and p.name.endswith("县"))[0]
    roster = county / "党组织名册.csv"
    df = pd.read_csv(roster, dtype=str, keep_default_na=False)
    df.loc[2, "党员数"] = "很多"
    df.to_csv(roster, index=False)
    with pytest.raises(gc.CountryFailed) as exc:
        gc.build_country(work, out)
    assert exc.value.province == COPY and list(exc.value.failed) == [f"{COPY}/{county.name}"]
    p = exc.value.problems
    bad = p[p["severity"] == "error"]
    assert len(bad) and (bad["file"] == f"{COPY}/{county.name}/党组织名册.csv").all()
    assert (bad["value"] == "很多").any()
    assert COPY in str(exc.value) and "previous output is unchanged" in str(exc.value)
    assert _tree(out) == before
    r = CliRunner().invoke(cli, ["build", str(work), "-o", str(out), "-q"])
    assert r.exit_code != 0 and COPY in r.output
    tables = Path(f"{out.resolve()}.问题清单")
    assert [q.name for q in tables.iterdir() if q.suffix == ".xlsx"] == [f"{COPY}_{county.name}.xlsx"]
    assert _tree(out) == before


def _files(root: Path) -> dict[str, tuple[int, int, bytes]]:
    """Every file under ``root``: (inode, mtime_ns, bytes) — a rewritten or re-linked file shows."""
    return {p.relative_to(root).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_an_unchanged_rebuild_reads_no_ledger_and_rewrites_nothing(built: tuple[Path, Path, gc.CountryResult],
                                                                    tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ledgers, built_out, res = built
    work, out = tmp_path / "ledgers", tmp_path / "out"
    shutil.copytree(ledgers, work)  # times kept: the copied output's records still match
    shutil.copytree(built_out, out)
    before, folder = _files(out), out.stat().st_ino
    read = spy_reads(monkeypatch)
    again = gc.build_country(work, out)
    assert read == [] and not again.rebuilt and sorted(again.reused) == sorted(res.rebuilt)
    assert _files(out) == before and out.stat().st_ino == folder  # not one file written, linked or moved
    assert again.counts == res.counts
    pd.testing.assert_frame_equal(again.problems.reset_index(drop=True), res.problems.reset_index(drop=True),
                                  check_dtype=False, check_index_type=False)
    # a country file that no longer has its recorded bytes: the country is put together again
    path = out / "tables" / "Pairing.parquet"
    os.chmod(path, 0o644)
    path.write_bytes(path.read_bytes()[:-1] + b"\0")
    fixed = gc.build_country(work, out)
    assert read == [] and not fixed.rebuilt and "tables/Pairing.parquet" not in fixed.kept
    assert "tables/Organization.parquet" in fixed.kept
    assert (out / "tables" / "Pairing.parquet").read_bytes() == before["tables/Pairing.parquet"][2]
    a, b = _tree(out), _tree(built_out)
    assert sorted(a) == sorted(b) and [k for k in a if a[k] != b[k]] == []
