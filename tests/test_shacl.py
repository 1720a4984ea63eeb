"""SHACL validation: the sample county conforms; broken graphs give the loaders' problems, row by row."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.exports import rdf
from graphkit.cli import cli
from graphkit.core.problems import PROBLEM_COLUMNS

from _ledgers import PAIRING, ROSTER, mini_county

rdflib = pytest.importorskip("rdflib")
pytest.importorskip("pyshacl")


@pytest.fixture(scope="module")
def mini(tmp_path_factory: pytest.TempPathFactory) -> gk.Graph:
    return gk.build_graph(mini_county(tmp_path_factory.mktemp("mini") / "ledgers"))


def _copy(g: gk.Graph) -> dict[str, pd.DataFrame]:
    return {k: v.copy() for k, v in g.tables.items()}


def _roster_row(name: str) -> int:
    """The CSV line of an org in the mini county's roster (header on line 1)."""
    return [r[0] for r in ROSTER].index(name) + 2


def _org_index(tables: dict[str, pd.DataFrame], name: str) -> int:
    orgs = tables["Organization"]
    return int(orgs.index[orgs["name"] == name][0])


def test_sample_county_conforms(sample_graph: gk.Graph) -> None:
    problems = rdf.validate_rdf(rdf.to_oxigraph(sample_graph))
    assert list(problems.columns) == PROBLEM_COLUMNS
    assert problems.empty, problems.head().to_string()


def test_mini_county_conforms_with_both_engines(mini: gk.Graph) -> None:
    ds = rdf.to_rdflib(mini)
    assert rdf.validate_rdf(ds).empty
    assert rdf.validate_rdf(ds, engine="pyshacl").empty


@pytest.fixture(scope="module")
def broken(mini: gk.Graph) -> tuple[gk.Graph, dict[str, pd.DataFrame]]:
    t = _copy(mini)
    orgs = t["Organization"]
    orgs.loc[_org_index(t, "东岭镇白水村党支部"), "name"] = None                       # required
    orgs.loc[_org_index(t, "示例县教体局党支部"), "category"] = "9"                   # code
    orgs.loc[_org_index(t, "东岭镇党委"), "members"] = -1                             # min
    orgs.loc[_org_index(t, "东岭镇青石村党支部"), "host_unit"] = "长" * 201           # max_length
    a, b = _org_index(t, "中共示例县农业农村局委员会"), _org_index(t, "东岭镇党委")
    orgs.loc[a, "parent"] = orgs.loc[b, "id"]                                          # cycle a → b → a
    orgs.loc[b, "parent"] = orgs.loc[a, "id"]
    pair = t["Pairing"]
    pair.loc[0, "end"] = pair.loc[0, "start"] - pd.Timedelta(days=10)                 # end before start
    pair.loc[0, "weak"] = pair.loc[0, "strong"]                                        # self-pair
    mem = t["Membership"]
    mem.loc[0, "organization"] = "collab-gone"                                         # dangling ref
    return gk.Graph(t, model=mini.model, sources=mini.sources), t


@pytest.fixture(scope="module")
def broken_problems(broken: tuple[gk.Graph, dict]) -> pd.DataFrame:
    return rdf.validate_rdf(rdf.to_rdflib(broken[0]))


def _one(problems: pd.DataFrame, rule: str, **where: object) -> pd.Series:
    sel = problems[problems["rule"] == rule]
    for k, v in where.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (rule, where, problems[["file", "row", "column", "value", "rule"]].to_string())
    return sel.iloc[0]


def test_required_value_missing(broken_problems: pd.DataFrame) -> None:
    r = _one(broken_problems, "required", column="党组织名称")
    assert (r["file"], r["row"], r["severity"]) == ("党组织名册.csv", _roster_row("东岭镇白水村党支部"), "error")
    assert "不能为空" in r["message_zh"] and "must not be empty" in r["message_en"]


def test_wrong_code(broken_problems: pd.DataFrame) -> None:
    r = _one(broken_problems, "unknown_code", column="分类定级")
    assert (r["file"], r["row"], r["value"]) == ("党组织名册.csv", _roster_row("示例县教体局党支部"), "9")
    assert "一类, 二类, 三类" in r["message_zh"]


def test_out_of_range_and_too_long(broken_problems: pd.DataFrame) -> None:
    r = _one(broken_problems, "out_of_range", column="党员数")
    assert (r["row"], r["value"]) == (_roster_row("东岭镇党委"), "-1")
    r = _one(broken_problems, "too_long", column="所在单位")
    assert r["row"] == _roster_row("东岭镇青石村党支部")


def test_end_before_start_and_self_pair(broken: tuple, broken_problems: pd.DataFrame) -> None:
    pair = broken[1]["Pairing"].iloc[0]
    r = _one(broken_problems, "interval_order")
    assert (r["file"], r["row"], r["column"]) == ("结对共建台账.csv", 2, "结束日期")
    assert r["value"] == f"{pair['start'].date()} → {pair['end'].date()}"
    r = _one(broken_problems, "self_reference")
    assert (r["file"], r["row"]) == ("结对共建台账.csv", 2)
    strong_name = PAIRING[0][0]
    assert r["value"] == strong_name


def test_dangling_reference(broken: tuple, broken_problems: pd.DataFrame) -> None:
    mem = broken[1]["Membership"].iloc[0]
    r = _one(broken_problems, "dangling_ref")
    assert (r["file"], r["row"], r["column"], r["value"]) == (mem["src_file"], int(mem["src_row"]), "联建组织", "collab-gone")
    assert r["file"] == "片区联建台账.csv"


def test_cycle_in_parent_chain(broken_problems: pd.DataFrame) -> None:
    rows = broken_problems[broken_problems["rule"] == "cycle"]
    assert sorted(rows["row"]) == sorted([_roster_row("中共示例县农业农村局委员会"), _roster_row("东岭镇党委")])
    assert set(rows["column"]) == {"上级党组织"}


def test_only_the_expected_violations(broken_problems: pd.DataFrame) -> None:
    assert sorted(broken_problems["rule"]) == sorted(["required", "unknown_code", "out_of_range", "too_long", "cycle",
                                                      "cycle", "interval_order", "self_reference", "dangling_ref"])
    assert (broken_problems["severity"] == "error").all()


def test_pyshacl_alone_reports_the_same(broken: tuple, broken_problems: pd.DataFrame) -> None:
    full = rdf.validate_rdf(rdf.to_oxigraph(broken[0]), engine="pyshacl")
    pd.testing.assert_frame_equal(full, broken_problems)


def test_rdf_level_violations_loaders_cannot_make(mini: gk.Graph) -> None:
    """Two values for one property, and a literal of the wrong datatype, edited into the RDF."""
    ds = rdf.to_rdflib(mini)
    t = rdf.terms()
    org = mini.orgs.iloc[0]
    s = rdflib.URIRef(f"{mini.model.base_iri}organization/{org['id']}")
    g = next(x for x in ds.graphs() if (s, None, None) in x)
    g.add((s, rdflib.URIRef(t.iri("skos:prefLabel")), rdflib.Literal("别名", lang="zh")))
    g.set((s, rdflib.URIRef(t.iri("gk:memberCount")), rdflib.Literal("很多")))
    problems = rdf.validate_rdf(ds)
    assert sorted(problems["rule"]) == ["bad_integer", "conflicting_values"]
    assert set(problems["row"]) == {int(org["src_row"])}


def test_cli_validate(broken: tuple, mini: gk.Graph, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = rdf.export_rdf(broken[0], tmp_path / "bad.trig")
    out = tmp_path / "problems.csv"
    r = runner.invoke(cli, ["rdf", "validate", str(bad), "--problems", str(out)])
    assert r.exit_code == 1, r.output
    assert "does not conform: 9" in r.output
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table.columns) == PROBLEM_COLUMNS and len(table) == 9
    good = rdf.export_rdf(mini, tmp_path / "good.ttl")
    r = runner.invoke(cli, ["rdf", "validate", str(good)])
    assert r.exit_code == 0 and "conforms" in r.output
    r = runner.invoke(cli, ["rdf", "validate", str(tmp_path / "nope.ttl")])
    assert r.exit_code == 1 and "not found" in r.output
