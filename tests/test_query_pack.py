"""The analysts' query pack: every query returns the rows of the matching Python analysis.

Runs on the embedded engine always, and on a Neo4j 5 server when NEO4J_URI (+ NEO4J_USER,
NEO4J_PASSWORD, optional NEO4J_DATABASE) is set — the server's database is emptied first.
"""
from __future__ import annotations

import datetime as dt
import math
import os
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.analyses import coverage
from graphkit.analyses import cadence
from graphkit.analyses import clusters
from graphkit.analyses import pairing
from graphkit.analyses.toolkit import active_memberships, as_of_date, reference_date
from graphkit.testing import example_graph, make_graph
from graphkit.cli import cli
from graphkit.exports.cypher import open_embedded
from graphkit.exports.queries import (QueryError, get_query, list_queries, load_pack, parse_params, run_query)

NEO4J = os.environ.get("NEO4J_URI")
ENGINES = ["embedded", pytest.param("neo4j", marks=pytest.mark.skipif(
    not NEO4J, reason="NEO4J_URI not set: the query pack is not run against a Neo4j server"))]


# ---- comparison -------------------------------------------------------------------------------------

def _norm(v: Any) -> Any:
    if v is None or v is pd.NA or v is pd.NaT:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (pd.Timestamp, np.datetime64, dt.datetime)):
        return pd.Timestamp(v).date()
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    if isinstance(v, (np.floating,)):
        return None if np.isnan(v) else float(v)
    return v


def rows(df: pd.DataFrame, cols: list[str]) -> list[tuple[Any, ...]]:
    """The rows of ``cols`` as plain tuples, sorted (row order is compared separately where it matters)."""
    missing = [c for c in cols if c not in df.columns]
    assert not missing, f"columns missing: {missing}; have {list(df.columns)}"
    out = [tuple(_norm(v) for v in r) for r in df[cols].itertuples(index=False, name=None)]
    return sorted(out, key=lambda r: tuple((x is None, str(x)) for x in r))


def _members_of_group(g: gk.Graph, p: dict[str, Any]) -> pd.DataFrame:
    ts = as_of_date(g, p.get("as_of"))
    m = active_memberships(g, ts)
    if p.get("name"):
        m = m[m["collab_name"] == p["name"]]
    return pd.DataFrame({"collab_id": m["organization"], "collab_name": m["collab_name"], "org_id": m["member"],
                         "name": m["member"].map(g.names()), "role": m["role"], "host_month": m["host_month"],
                         "stage": m["stage"].map(g.names("ChainStage")), "start": m["start"], "end": m["end"]})


def _org_chain_alliance(g: gk.Graph, p: dict[str, Any]) -> pd.DataFrame:
    ts = as_of_date(g, p.get("as_of"))
    m = active_memberships(g, ts)
    m = m[m["kind"] == "chain_alliance"]
    names = g.names()
    mine = set(m.loc[m["member"].map(names) == p["org"], "organization"])
    m = m[m["organization"].isin(mine)]
    o = g.orgs.set_index("id")
    return pd.DataFrame({"collab_id": m["organization"], "collab_name": m["collab_name"],
                         "chain": m["chain"].map(g.names("IndustryChain")), "org_id": m["member"],
                         "name": m["member"].map(names), "role": m["role"], "stage": m["stage"].map(g.names("ChainStage")),
                         "level": m["member"].map(o["level"]), "sector": m["member"].map(o["sector"])}).drop_duplicates()


def _kw(p: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: p[k] for k in names if k in p}


GAP = lambda key: (lambda g, p: pairing.pairing_gaps(g, **_kw(p, "as_of", "max_per_strong", "rotation_years"))[key])  # noqa: E731

CAD = lambda key: (lambda g, p: cadence.district_cadence(g, **_kw(p, "as_of", "year"))[key])  # noqa: E731

#: query name -> (Python analysis, columns compared, whether the row order must match too)
CASES: dict[str, tuple[Callable[[gk.Graph, dict[str, Any]], pd.DataFrame], list[str], bool]] = {
    "coverage": (lambda g, p: coverage.coverage(g, **_kw(p, "as_of", "by")),
                 ["group", "orgs", "covered", "n_district", "n_joint_village", "n_chain_alliance", "n_service_team",
                  "n_pairing"], False),
    "village_coverage": (lambda g, p: coverage.village_coverage(g, **_kw(p, "as_of")).query("villages > 0"),
                         ["group", "group_name", "villages", "villages_covered"], True),
    "weak_coverage": (lambda g, p: coverage.weak_coverage(g, **_kw(p, "as_of")),
                      ["group", "group_name", "weak_orgs", "third_class", "weak_lax", "paired", "paired_strong"], True),
    "two_coverages": (lambda g, p: coverage.two_coverages(g),
                      ["group", "group_name", "unit_kind", "units", "org_covered", "work_covered"], True),
    "chain_stage_coverage": (lambda g, p: coverage.chain_stage_coverage(g, **_kw(p, "as_of")),
                             ["chain_id", "chain", "stage_id", "stage", "order", "members", "no_presence"], True),
    "chain_stages_without_presence": (
        lambda g, p: coverage.chain_stage_coverage(g, **_kw(p, "as_of")).query("no_presence"),
        ["chain_id", "chain", "stage_id", "stage", "order"], True),
    "unpaired_weak": (GAP("unpaired_weak"), ["org_id", "name", "town_name", "sector", "level", "category", "weak_lax",
                                            "n_partners", "reason"],
                      True),
    "weak_strong_side": (GAP("weak_strong_side"),
                         ["pair_id", "strong_id", "strong_name", "strong_category", "weak_id", "weak_name", "form_code",
                          "start", "reason"], False),
    "overloaded_strong": (GAP("overloaded_strong"), ["org_id", "name", "pairs", "capacity"], True),
    "groups_without_anchor": (GAP("groups_without_anchor"),
                              ["collab_id", "collab_name", "kind", "members", "class1", "problem"], True),
    "due_for_rotation": (GAP("due_for_rotation"),
                         ["pair_id", "strong_id", "strong_name", "weak_id", "weak_name", "form_code", "start"], True),
    "ended_without_successor": (GAP("ended_without_successor"),
                                ["pair_id", "strong_id", "weak_id", "form_code", "start", "end", "weak_category",
                                 "still_weak"], True),
    "chain_alliances": (lambda g, p: clusters.chain_alliances(g, **_kw(p, "as_of")),
                        ["collab_id", "name", "chain", "members", "stages_total", "stages_covered", "n_levels",
                         "n_sectors", "n_towns"], True),
    "brokers": (lambda g, p: clusters.brokers(g, **_kw(p, "as_of", "min_groups")),
                ["org_id", "name", "n_groups", "n_kinds", "n_chains", "n_districts", "bridges"], True),
    "district_missed_months": (CAD("missed_months"), ["district_id", "district", "guide", "year", "period",
                                                     "period_start", "period_end"], False),
    "district_missed_quarters": (CAD("missed_quarters"), ["district_id", "district", "guide", "year", "period",
                                                         "period_start", "period_end"], False),
    "district_missed_half_years": (CAD("missed_half_years"), ["district_id", "district", "guide", "year", "period",
                                                             "period_start", "period_end"], False),
    # the analyses order districts naturally (第二 before 第十), Cypher by text: the same rows, compared unordered
    "never_hosted": (CAD("never_hosted"), ["district_id", "district", "org_id", "name", "role", "host_month"], False),
    "activities_by_type": (CAD("activity_counts"), ["district_id", "district", "type", "count"], False),
    "members_of_group": (_members_of_group, ["collab_id", "collab_name", "org_id", "name", "role", "host_month", "stage",
                                             "start", "end"], False),
    "org_chain_alliance": (_org_chain_alliance, ["collab_id", "collab_name", "chain", "org_id", "name", "role", "stage",
                                                 "level", "sector"], False),
}

#: parameter sets run per graph ({} = every default, including the reference date)
EXAMPLE_PARAMS: dict[str, list[dict[str, Any]]] = {
    **{n: [{"as_of": "2024-11-20"}, {"as_of": "2024-06-30"}, {"as_of": "2024-01-31"}, {}]
       for n in ("district_missed_months", "district_missed_quarters", "district_missed_half_years", "never_hosted",
                 "activities_by_type")},
    "coverage": [{"by": b, "as_of": "2024-06-30"} for b in ("town", "sector", "category", "level")] + [{}],
    "overloaded_strong": [{"as_of": "2024-06-30", "max_per_strong": 0}, {}],
    "due_for_rotation": [{"as_of": "2024-06-30"}, {"as_of": "2025-03-01", "rotation_years": 2}, {}],
    "brokers": [{"as_of": "2024-06-30"}, {"as_of": "2024-06-30", "min_groups": 1}],
    "members_of_group": [{"as_of": "2024-06-30", "name": "第一片区"}, {"as_of": "2024-06-30"}],
    "org_chain_alliance": [{"as_of": "2024-06-30", "org": "甲村党支部"}, {"org": "县科协机关党支部"}, {"org": "没有这个组织"}],
}
SAMPLE_PARAMS: dict[str, list[dict[str, Any]]] = {
    **{n: [{}, {"as_of": "2024-07-15"}, {"as_of": "2024-12-31", "year": 2023}]
       for n in ("district_missed_months", "district_missed_quarters", "district_missed_half_years", "never_hosted",
                 "activities_by_type")},
    "coverage": [{"by": b} for b in ("town", "sector", "category", "level")] + [{"as_of": "2023-06-30"}],
    "overloaded_strong": [{"max_per_strong": 1}, {}],
    "due_for_rotation": [{}, {"rotation_years": 2}],
    "brokers": [{}, {"min_groups": 3}],
    "members_of_group": [{"name": "第八片区"}, {"name": "第五片区"}, {}],
    "org_chain_alliance": [{"org": "示例县科协机关党支部"}, {"org": "示例县农业农村局党委"}],
    "unpaired_weak": [{}, {"as_of": "2023-12-31"}],
}


def _cases(params: dict[str, list[dict[str, Any]]]) -> list[Any]:
    out = []
    for name in sorted(CASES):
        declared = get_query(name).params
        default = [{"as_of": "2024-06-30"}, {}] if params is EXAMPLE_PARAMS and "as_of" in declared else [{}]
        for i, p in enumerate(params.get(name, default)):
            out.append(pytest.param(name, p, id=f"{name}-{i}"))
    return out


# ---- engines ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return gk.write_graph(example_graph(), tmp_path_factory.mktemp("example") / "out")


class _Server:
    """The Neo4j server of NEO4J_URI, loaded with one graph at a time."""

    def __init__(self) -> None:
        from graphkit.exports.neo4j import connect

        self.database = os.environ.get("NEO4J_DATABASE") or None
        self.driver = connect(NEO4J or "", os.environ.get("NEO4J_USER", "neo4j"), os.environ.get("NEO4J_PASSWORD", ""))
        self.loaded: str | None = None

    def load(self, key: str, out: Path) -> None:
        from graphkit.exports.neo4j import push

        if self.loaded == key:
            return
        with self.driver.session(database=self.database) as s:
            s.run("MATCH (n) DETACH DELETE n").consume()
        push(out, uri=NEO4J or "", user="", password="", database=self.database, driver=self.driver)
        self.loaded = key


@pytest.fixture(scope="module")
def server() -> Any:
    srv = _Server()
    yield srv
    srv.driver.close()


@pytest.fixture(scope="module")
def embedded() -> Any:
    """One open embedded database per graph folder for the whole module, closed at its end."""
    opened: dict[Path, Any] = {}
    yield opened
    while opened:
        opened.popitem()[1].close()


def _run(engine: str, request: pytest.FixtureRequest, key: str, out: Path, name: str,
         params: dict[str, Any]) -> pd.DataFrame:
    if engine == "neo4j":
        srv = request.getfixturevalue("server")
        srv.load(key, out)
        return run_query(None, name, params, driver=srv.driver, database=srv.database)
    opened = request.getfixturevalue("embedded")
    if out not in opened:
        opened[out] = open_embedded(out)
    return run_query(opened[out], name, params)


def _check(g: gk.Graph, name: str, params: dict[str, Any], got: pd.DataFrame) -> None:
    fn, cols, ordered = CASES[name]
    expected = fn(g, dict(params))
    assert rows(got, cols) == rows(expected, cols)
    if ordered:
        plain = lambda df: [tuple(_norm(v) for v in r) for r in df[cols].itertuples(index=False, name=None)]  # noqa: E731
        assert plain(got) == plain(expected.reset_index(drop=True))


# ---- the pack itself ------------------------------------------------------------------------------------

def test_pack_is_complete_and_documented() -> None:
    pack = load_pack()
    assert len(pack) >= 15
    assert set(CASES) <= set(pack), "every query has a Python counterpart in this test"
    for q in pack.values():
        assert "/" in q.title and q.description and q.matches
        for p in q.params.values():
            assert p.doc, f"{q.name}.{p.name} has no description"
    for topic in ("coverage", "unpaired_weak", "overloaded_strong", "chain_stages_without_presence",
                  "members_of_group", "org_chain_alliance", "brokers", "due_for_rotation", "village_coverage",
                  "two_coverages", "groups_without_anchor", "weak_strong_side"):
        assert topic in pack
    assert not (set(pack) - set(CASES)), f"queries without a test case: {set(pack) - set(CASES)}"


def test_pack_queries_use_only_schema_labels() -> None:
    import re

    from graphkit.exports._graph_shape import graph_shape

    shape = graph_shape()
    labels = {n.label for n in shape.nodes}
    rels = set(shape.rel_types())
    for q in load_pack().values():
        for text in filter(None, (q.text, q.neo4j_text)):
            for lab in re.findall(r"\(\w*:(\w+)", text):
                assert lab in labels, (q.name, lab)
            for rel in re.findall(r"\[\w*:(\w+)", text):
                assert rel in rels, (q.name, rel)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name,params", _cases(EXAMPLE_PARAMS))
def test_query_matches_analysis_on_example(engine: str, name: str, params: dict[str, Any], example_out: Path,
                                           request: pytest.FixtureRequest) -> None:
    got = _run(engine, request, "example", example_out, name, params)
    _check(gk.read_graph(example_out), name, params, got)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name,params", _cases(SAMPLE_PARAMS))
def test_query_matches_analysis_on_sample_county(engine: str, name: str, params: dict[str, Any], sample_out: Path,
                                                 sample_graph: gk.Graph, request: pytest.FixtureRequest) -> None:
    got = _run(engine, request, "sample", sample_out, name, params)
    _check(sample_graph, name, params, got)


def test_sample_county_answers_are_not_empty(sample_out: Path) -> None:
    """Guards against comparing two empty tables: the sample county has an answer to each question."""
    for name, p in [("coverage", {}), ("unpaired_weak", {}), ("chain_stage_coverage", {}), ("brokers", {}),
                    ("members_of_group", {"name": "第八片区"}), ("village_coverage", {}), ("two_coverages", {}),
                    ("chain_alliances", {}), ("org_chain_alliance", {"org": "示例县科协机关党支部"})]:
        assert len(run_query(sample_out, name, p)), name


@pytest.mark.parametrize("engine", ENGINES)
def test_reference_date_matches_analyses(engine: str, example_out: Path, sample_out: Path, sample_graph: gk.Graph,
                                         request: pytest.FixtureRequest) -> None:
    from graphkit.exports.queries import resolve_params

    for key, out, g in (("example", example_out, example_graph()), ("sample", sample_out, sample_graph)):
        if engine == "neo4j":
            from graphkit.exports.neo4j import query_server

            srv = request.getfixturevalue("server")
            srv.load(key, out)
            runner = lambda text, p, srv=srv: query_server(srv.driver, text, p, database=srv.database)  # noqa: E731
            p = resolve_params(get_query("unpaired_weak"), {}, runner)
        else:
            with open_embedded(out) as eg:
                p = resolve_params(get_query("unpaired_weak"), {}, eg.query)
        assert p["as_of"] == reference_date(g).date() and p["year"] == reference_date(g).year


# ---- parameters and the CLI -------------------------------------------------------------------------------

def test_parameters_are_typed_and_checked() -> None:
    q = get_query("due_for_rotation")
    assert parse_params(q, ["as_of=2024-06-30", "rotation_years=2"]) == {"as_of": dt.date(2024, 6, 30),
                                                                         "rotation_years": 2}
    with pytest.raises(QueryError, match="YYYY-MM-DD"):
        parse_params(q, ["as_of=June"])
    with pytest.raises(QueryError, match="rotation_years"):
        parse_params(q, ["rotation_years=one"])
    with pytest.raises(QueryError, match="no parameter"):
        parse_params(q, ["nope=1"])
    with pytest.raises(QueryError, match="k=v"):
        parse_params(q, ["as_of"])
    with pytest.raises(QueryError, match="no query named"):
        get_query("no_such_query")


def test_derived_defaults(example_out: Path) -> None:
    with open_embedded(example_out) as eg:
        from graphkit.exports.queries import resolve_params

        p = resolve_params(get_query("due_for_rotation"), {"as_of": "2024-02-29", "rotation_years": 1}, eg.query)
        assert p["started_by"] == dt.date(2023, 2, 28)
        p = resolve_params(get_query("unpaired_weak"), {}, eg.query)
        assert p == {"as_of": reference_date(example_graph()).date(), "year": reference_date(example_graph()).year}


def test_bad_pack_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "a.cypher").write_text("// name: b\n// title: t / t\n// description: d\n// matches: m\nRETURN 1 AS x\n",
                                       encoding="utf-8")
    with pytest.raises(QueryError, match="file name"):
        load_pack(str(tmp_path))
    (tmp_path / "a.cypher").write_text("// name: a\n// title: t / t\n// description: d\n// matches: m\nRETURN $x AS x\n",
                                       encoding="utf-8")
    with pytest.raises(QueryError, match="undeclared"):
        load_pack(str(tmp_path))
    (tmp_path / "a.cypher").write_text("// name: a\n// title: t / t\n// description: d\n// matches: m\n"
                                       "// param: x decimal = 1  doc\nRETURN $x AS x\n", encoding="utf-8")
    with pytest.raises(QueryError, match="bad parameter"):
        load_pack(str(tmp_path))
    (tmp_path / "a.cypher").write_text("// name: a\n// title: t / t\n// matches: m\nRETURN 1 AS x\n", encoding="utf-8")
    with pytest.raises(QueryError, match="description"):
        load_pack(str(tmp_path))


def test_own_pack_folder_is_read_fresh_and_builtin_pack_is_read_only(tmp_path: Path) -> None:
    from graphkit.exports.sparql import load_queries

    head = "// name: a\n// title: t / t\n// description: d\n// matches: m\n"
    (tmp_path / "a.cypher").write_text(head + "RETURN 1 AS x\n", encoding="utf-8")
    assert "RETURN 1" in load_pack(str(tmp_path))["a"].text
    (tmp_path / "a.cypher").write_text(head + "RETURN 2 AS x\n", encoding="utf-8")
    assert "RETURN 2" in load_pack(str(tmp_path))["a"].text  # an edit shows without restarting
    (tmp_path / "b.cypher").write_text(head.replace("name: a", "name: b") + "RETURN 3 AS x\n", encoding="utf-8")
    assert sorted(load_pack(str(tmp_path))) == ["a", "b"]
    with pytest.raises(TypeError):
        load_pack()["x"] = load_pack()["unpaired_weak"]  # type: ignore[index]
    rq = "# name: q\n# title: t / t\n# description: d\n# matches: m\nSELECT ?x WHERE { BIND(1 AS ?x) }\n"
    (tmp_path / "q.rq").write_text(rq, encoding="utf-8")
    assert "BIND(1" in load_queries(tmp_path)["q"].text
    (tmp_path / "q.rq").write_text(rq.replace("BIND(1", "BIND(2"), encoding="utf-8")
    assert "BIND(2" in load_queries(tmp_path)["q"].text
    load_queries().clear()  # a copy: the built-in pack is unchanged
    assert load_queries()


def test_cli_list_and_run(example_out: Path, tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["query", "--list"])
    assert r.exit_code == 0, r.output
    for name, title in zip(list_queries()["name"], list_queries()["title"]):
        assert name in r.stdout and title in r.stdout
    r = CliRunner().invoke(cli, ["query", str(example_out), "--name", "unpaired_weak", "-p", "as_of=2024-06-30",
                                 "--format", "csv", "-o", str(tmp_path / "u.csv")])
    assert r.exit_code == 0, r.output
    got = pd.read_csv(tmp_path / "u.csv", encoding="utf-8-sig")
    exp = pairing.pairing_gaps(example_graph(), as_of="2024-06-30")["unpaired_weak"]
    assert got["org_id"].tolist() == exp["org_id"].tolist()
    r = CliRunner().invoke(cli, ["query", str(example_out), "--name", "overloaded_strong", "-p", "max_per_strong=x"])
    assert r.exit_code == 1 and "max_per_strong" in r.output
    r = CliRunner().invoke(cli, ["query", "--name", "brokers", "--show"])
    assert r.exit_code == 0 and "MATCH" in r.stdout


def cadence_graph() -> gk.Graph:
    """Two districts exercising the crediting rules: activities without a group (credited to the
    host's only district, or to none when the host is in two), a cross inspection that counts for the
    district it inspected only (not for a participant's), a district founded mid-year."""
    d = pd.Timestamp
    orgs = [{"id": i, "name": n, "category": "1"} for i, n in
            (("A", "甲局"), ("B", "乙局"), ("C", "丙局"), ("E", "戊局"), ("F", "己局"))]
    mem = [{"member": "A", "organization": "D1", "role": "lead"}, {"member": "B", "organization": "D1", "role": "host", "host_month": 2},
           {"member": "F", "organization": "D1", "role": "host", "host_month": 3},
           {"member": "C", "organization": "D2", "role": "lead"}, {"member": "E", "organization": "D2", "role": "host", "host_month": 1},
           {"member": "F", "organization": "D2", "role": "member", "start": d("2024-05-01")}]
    acts = [{"id": "x1", "date": d("2024-02-10"), "type": "theme_day", "host": "B"},                  # no group: D1
            {"id": "x2", "date": d("2024-03-10"), "type": "theme_day", "host": "F"},                  # no group, F in two
            {"id": "x3", "date": d("2024-04-10"), "type": "cross_inspection", "host": "C", "group": "D2"},
            {"id": "x4", "date": d("2024-01-20"), "type": "mutual_inspection", "host": "A", "group": "D1"},
            {"id": "x5", "date": d("2024-01-05"), "type": "theme_day", "host": "E", "group": "D2"},
            {"id": "x6", "date": d("2023-12-05"), "type": "theme_day", "host": "E", "group": "D2"},
            {"id": "x7", "date": d("2024-08-05"), "type": "training", "host": "A", "group": "D1"}]
    return make_graph({
        "Organization": orgs,
        "Collaboration": [{"id": "D1", "name": "第一片区", "kind": "district", "start": d("2023-01-01")},
                          {"id": "D2", "name": "第二片区", "kind": "district", "start": d("2024-03-01")},
                          {"id": "J", "name": "联村", "kind": "joint_village"}],
        "Membership": mem, "Activity": acts,
        "Participation": [{"org": "A", "activity": "x3"}, {"org": "E", "activity": "x3"}],
    })


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("as_of", ["2024-07-15", "2024-02-29", "2024-01-10", "2024-12-31"])
def test_cadence_crediting_rules(engine: str, as_of: str, tmp_path_factory: pytest.TempPathFactory,
                                 request: pytest.FixtureRequest) -> None:
    g = cadence_graph()
    key = "cadence"
    out = tmp_path_factory.getbasetemp() / "cadence_out"
    if not (out / "manifest.json").exists():
        gk.write_graph(g, out)
    for name in ("district_missed_months", "district_missed_quarters", "district_missed_half_years", "never_hosted",
                 "activities_by_type"):
        got = _run(engine, request, key, out, name, {"as_of": as_of})
        _check(g, name, {"as_of": as_of}, got)
    months = run_query(out, "district_missed_months", {"as_of": "2024-07-15"})
    assert ("第一片区", "2024年02月") not in set(zip(months["district"], months["period"]))  # x1 credited to D1
    assert ("第一片区", "2024年03月") in set(zip(months["district"], months["period"]))      # x2 credited nowhere
    assert not any((months["district"] == "第二片区") & (months["period"] < "2024年03月"))   # D2 founded in March
