"""The SPARQL pack: each query returns the rows of the matching Python analysis, on both stores."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any
from collections.abc import Callable

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.analyses import coverage
from graphkit.exports import sparql
from graphkit.analyses import pairing
from graphkit.exports import rdf
from graphkit.analyses.toolkit import reference_date
from graphkit.testing import example_graph, make_graph
from graphkit.cli import cli

pytest.importorskip("rdflib")
pytest.importorskip("pyoxigraph")

Analysis = Callable[[gk.Graph, dict], pd.DataFrame]

#: query -> (Python analysis given the query's params, columns compared)
CASES: dict[str, tuple[Analysis, list[str]]] = {
    "unpaired_weak": (lambda g, p: pairing.pairing_gaps(g, as_of=p.get("as_of"))["unpaired_weak"],
                      ["org_id", "name", "town_name", "sector", "level", "n_partners", "reason"]),
    "weak_strong_side": (lambda g, p: pairing.pairing_gaps(g, as_of=p.get("as_of"))["weak_strong_side"],
                         ["pair_id", "strong_id", "strong_name", "strong_category", "weak_id", "weak_name", "form_code",
                          "start", "end", "reason"]),
    "overloaded_strong": (lambda g, p: pairing.pairing_gaps(g, as_of=p.get("as_of"),
                                                            max_per_strong=int(p.get("max_per_strong", 2)))["overloaded_strong"],
                          ["org_id", "name", "pairs"]),
    "due_for_rotation": (lambda g, p: pairing.pairing_gaps(g, as_of=p.get("as_of"),
                                                           rotation_years=int(p.get("rotation_years", 1)))["due_for_rotation"],
                         ["pair_id", "strong_id", "strong_name", "weak_id", "weak_name", "form_code", "start"]),
    "ended_without_successor": (lambda g, p: pairing.pairing_gaps(g, as_of=p.get("as_of"))["ended_without_successor"],
                                ["pair_id", "strong_id", "weak_id", "form_code", "start", "end", "still_weak"]),
    "groups_without_anchor": (lambda g, p: pairing.pairing_gaps(g, as_of=p.get("as_of"))["groups_without_anchor"],
                              ["collab_id", "collab_name", "kind", "members", "class1", "problem"]),
    "coverage": (lambda g, p: coverage.coverage(g, as_of=p.get("as_of"), by=None if p.get("by") == "all" else p.get("by", "town")),
                 ["group", "group_name", "orgs", "covered", "n_district", "n_joint_village", "n_chain_alliance",
                  "n_service_team", "n_pairing"]),
    "village_coverage": (lambda g, p: coverage.village_coverage(g, as_of=p.get("as_of")).query("villages > 0"),
                         ["group", "group_name", "villages", "villages_covered"]),
    "weak_coverage": (lambda g, p: coverage.weak_coverage(g, as_of=p.get("as_of")),
                      ["group", "group_name", "weak_orgs", "third_class", "weak_lax", "paired", "paired_strong"]),
    "two_coverages": (lambda g, p: coverage.two_coverages(g),
                      ["group", "group_name", "unit_kind", "units", "org_covered", "work_covered"]),
    "chain_stage_coverage": (lambda g, p: coverage.chain_stage_coverage(g, as_of=p.get("as_of")),
                             ["chain_id", "chain", "stage_id", "stage", "order", "members", "no_presence"]),
    "members_of_group": (lambda g, p: _members_of_group(g, p), ["collab_id", "org_id", "role", "host_month", "start", "end"]),
}


def _members_of_group(g: gk.Graph, p: dict) -> pd.DataFrame:
    """Independent pandas computation (no dedicated analysis function exists)."""
    from graphkit.analyses.toolkit import active_memberships, as_of_date
    m = active_memberships(g, as_of_date(g, p.get("as_of")))
    name = p.get("name", "")
    if name:
        m = m[m["collab_name"] == name]
    return m.rename(columns={"organization": "collab_id", "member": "org_id"})


def _plain(v: Any) -> Any:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    if isinstance(v, (pd.Timestamp, dt.date)):
        return pd.Timestamp(v).date().isoformat()
    if isinstance(v, (bool,)) or type(v).__name__ == "bool_":
        return bool(v)
    if isinstance(v, (int, float)) or hasattr(v, "item"):
        f = float(v)
        return int(f) if f.is_integer() else f
    return v


def _norm(df: pd.DataFrame, cols: list[str]) -> list[tuple]:
    return sorted((tuple(_plain(v) for v in row) for row in df[cols].itertuples(index=False)), key=repr)


def _check(graph: gk.Graph, src: Any, name: str, store: str, params: dict | None = None) -> pd.DataFrame:
    params = params or {}
    py_fn, cols = CASES[name]
    got = sparql.run_query(src, name, params=params, store=store)
    assert list(got.columns)[: len(cols)] != [], name
    assert _norm(got, cols) == _norm(py_fn(graph, params), cols), name
    return got


@pytest.fixture(scope="module")
def sample_store(sample_graph: gk.Graph) -> Any:
    return rdf.to_oxigraph(sample_graph)


def test_every_query_has_a_python_counterpart() -> None:
    pack = sparql.list_queries()
    assert set(pack["name"]) == set(CASES)
    for q in sparql.load_queries().values():
        assert re.search("[\u4e00-\u9fff]", q.title) and re.search("[A-Za-z]{3}", q.title), q.title
        assert q.description and q.matches
        assert q.path.suffix == ".rq"


@pytest.mark.parametrize("name", sorted(CASES))
def test_sample_county_matches_python(sample_graph: gk.Graph, sample_store: Any, name: str) -> None:
    got = _check(sample_graph, sample_store, name, "oxigraph")
    if name in ("unpaired_weak", "due_for_rotation", "coverage", "chain_stage_coverage", "members_of_group"):
        assert len(got) > 0


@pytest.mark.parametrize("name,params", [
    ("unpaired_weak", {"as_of": "2023-06-30"}),
    ("due_for_rotation", {"rotation_years": "2"}),
    ("due_for_rotation", {"as_of": "2024-03-15"}),
    ("overloaded_strong", {"max_per_strong": "1"}),
    ("coverage", {"by": "sector"}), ("coverage", {"by": "category", "as_of": "2023-06-30"}),
    ("coverage", {"by": "level"}), ("coverage", {"by": "all"}),
    ("members_of_group", {"name": "第八片区"}),
])
def test_sample_county_with_parameters(sample_graph: gk.Graph, sample_store: Any, name: str, params: dict) -> None:
    got = _check(sample_graph, sample_store, name, "oxigraph", params)
    assert len(got) > 0


def test_sample_expected_facts(sample_store: Any) -> None:
    """Facts listed in the sample county's EXPECTED.md."""
    st = sparql.run_query(sample_store, "chain_stage_coverage", store="oxigraph")
    assert st.loc[st["no_presence"], "stage"].tolist() == ["烘茧"]
    weak = sparql.run_query(sample_store, "weak_strong_side", store="oxigraph")
    assert weak[["strong_name", "weak_name", "reason"]].values.tolist() == [
        ["示例县移民搬迁工作办公室机关党支部", "枫林镇沙畈村党总支", "class2"]]
    unp = sparql.run_query(sample_store, "unpaired_weak", store="oxigraph")
    assert "安澜街道云春村党支部" in set(unp["name"])


def test_rdflib_gives_the_same_rows_on_the_sample(sample_graph: gk.Graph, sample_store: Any) -> None:
    ds = rdf.to_rdflib(sample_graph)
    for name in ("chain_stage_coverage", "due_for_rotation", "two_coverages", "overloaded_strong"):
        a = sparql.run_query(ds, name, store="memory")
        b = sparql.run_query(sample_store, name, store="oxigraph")
        pd.testing.assert_frame_equal(a, b, obj=name)


def _variant() -> gk.Graph:
    """The analysis example graph, changed so that every gap query has rows."""
    g = example_graph()
    t = {k: v.copy() for k, v in g.tables.items()}
    orgs = t["Organization"]
    orgs.loc[orgs["id"] == "a1", "category"] = "2"            # district lead not 一类
    extra = make_graph({
        "Collaboration": [{"id": "st1", "name": '服务队 "一类+" {x}', "kind": "service_team"}],
        "Membership": [{"id": "m-st1", "member": "a2", "organization": "st1", "role": "member"},
                       {"id": "m-st2", "member": "a3", "organization": "st1", "role": "member"}],
        "Pairing": [{"id": "p4", "strong": "v1", "weak": "v4", "form": "strong_weak_village", "start": pd.Timestamp("2024-01-01")},
                    {"id": "p5", "strong": "v1", "weak": "a3", "form": "other", "start": pd.Timestamp("2024-02-01")}],
    })
    for k in ("Collaboration", "Membership", "Pairing"):
        t[k] = pd.concat([t[k], extra.tables[k]], ignore_index=True)
    return gk.Graph(t, model=g.model, settings=g.settings)


@pytest.mark.parametrize("graph_fn", [example_graph, _variant], ids=["example", "variant"])
def test_both_stores_match_python_on_hand_made_graphs(graph_fn: Callable[[], gk.Graph]) -> None:
    g = graph_fn()
    stores = {"memory": rdf.to_rdflib(g), "oxigraph": rdf.to_oxigraph(g)}
    for name in sorted(CASES):
        q = sparql.get_query(name)
        params = {"as_of": "2024-06-30"} if "as_of" in q.params else {}
        results = [_check(g, src, name, store, params) for store, src in stores.items()]
        pd.testing.assert_frame_equal(results[0], results[1], obj=name)
    if graph_fn is _variant:
        anchor = sparql.run_query(stores["oxigraph"], "groups_without_anchor", params={"as_of": "2024-06-30"}, store="oxigraph")
        assert dict(zip(anchor["collab_id"], anchor["problem"])) == {"d1": "lead_not_class1", "st1": "no_class1;no_lead"}
        over = sparql.run_query(stores["memory"], "overloaded_strong", params={"as_of": "2024-06-30"})
        assert over[["org_id", "pairs"]].values.tolist() == [["v1", 3]]


HOSTILE = ['第一片区" } ; DELETE WHERE { ?s ?p ?o } #', "x' || true || '", "\\\" ) } UNION { ?a ?b ?c", "?name",
           "第一片区\n", "<http://x/>", "$as_of"]


@pytest.mark.parametrize("store", rdf.STORES)
def test_hostile_names_are_bound_never_pasted(store: str) -> None:
    g = _variant()
    src = rdf.to_oxigraph(g) if store == "oxigraph" else rdf.to_rdflib(g)
    for name in HOSTILE:
        df = sparql.run_query(src, "members_of_group", params={"name": name, "as_of": "2024-06-30"}, store=store)
        assert df.empty, name
    # the data is unchanged and a name full of SPARQL syntax is matched exactly
    df = sparql.run_query(src, "members_of_group", params={"name": '服务队 "一类+" {x}', "as_of": "2024-06-30"}, store=store)
    assert sorted(df["org_id"]) == ["a2", "a3"]
    assert len(sparql.run_query(src, "members_of_group", params={"as_of": "2024-06-30"}, store=store)) == 13


def test_parameters_are_typed_and_checked(sample_store: Any) -> None:
    with pytest.raises(sparql.SparqlError, match="as_of"):
        sparql.run_query(sample_store, "unpaired_weak", params={"as_of": "yesterday"}, store="oxigraph")
    with pytest.raises(sparql.SparqlError, match="unknown parameter"):
        sparql.run_query(sample_store, "unpaired_weak", params={"town": "x"}, store="oxigraph")
    with pytest.raises(sparql.SparqlError, match="no SPARQL query named"):
        sparql.get_query("drop_everything")
    q = sparql.get_query("due_for_rotation")
    vals = sparql.resolve_params(q, {"as_of": "2024-02-29", "rotation_years": 1}, sample_store, store="oxigraph")
    assert vals == {"as_of": dt.date(2024, 2, 29), "rotation_years": 1, "started_by": dt.date(2023, 2, 28)}


def test_reference_date_matches_the_analyses(sample_graph: gk.Graph, sample_store: Any) -> None:
    assert sparql.reference_date(sample_store, store="oxigraph") == reference_date(sample_graph).date()
    g = example_graph()
    assert sparql.reference_date(rdf.to_rdflib(g)) == reference_date(g).date()


def test_results_are_plain_python_values(sample_store: Any) -> None:
    df = sparql.run_query(sample_store, "due_for_rotation", store="oxigraph")
    assert str(df["start"].dtype) == "datetime64[s]"
    row = df.iloc[0]
    assert isinstance(row["pair_id"], str) and isinstance(row["strong_name"], str)
    cov = sparql.run_query(sample_store, "coverage", store="oxigraph")
    assert str(cov["orgs"].dtype) == "int64"
    assert not any(type(v).__module__.startswith(("rdflib", "pyoxigraph")) for v in cov.to_numpy().ravel())


def test_malformed_query_files_are_refused(tmp_path: Path) -> None:
    good = sparql.get_query("overloaded_strong").path.read_text(encoding="utf-8")
    (tmp_path / "overloaded_strong.rq").write_text(good.replace(" ?as_of ?max_per_strong\nWHERE", "\nWHERE", 1),
                                                   encoding="utf-8")
    with pytest.raises(sparql.SparqlError, match="projected"):
        sparql.load_queries(tmp_path)
    (tmp_path / "overloaded_strong.rq").write_text(good.replace("# title:", "# tilte:"), encoding="utf-8")
    with pytest.raises(sparql.SparqlError, match="title"):
        sparql.load_queries(tmp_path)
    (tmp_path / "overloaded_strong.rq").write_text(good.replace("max_per_strong int", "max_per_strong integer"),
                                                   encoding="utf-8")
    with pytest.raises(sparql.SparqlError, match="param"):
        sparql.load_queries(tmp_path)


def test_cli_sparql(sample_out: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(cli, ["sparql", "--list"])
    assert r.exit_code == 0 and "unpaired_weak" in r.output and "chain_stage_coverage" in r.output
    r = runner.invoke(cli, ["sparql", "--name", "unpaired_weak", "--show"])
    assert r.exit_code == 0 and "SELECT" in r.output
    out = tmp_path / "stages.csv"
    r = runner.invoke(cli, ["sparql", str(sample_out), "--name", "chain_stage_coverage", "--store", "oxigraph",
                            "-p", "as_of=2024-12-31", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert pd.read_csv(out, encoding="utf-8-sig")["stage"].tolist()[:2] == ["鱼苗繁育", "成鱼养殖"]
    r = runner.invoke(cli, ["sparql", str(sample_out), "--name", "unpaired_weak", "-p", "as_of=soon", "--store", "oxigraph"])
    assert r.exit_code == 1 and "as_of" in r.output
    r = runner.invoke(cli, ["sparql", str(sample_out), "--name", "unpaired_weak", "-p", "as_of"])
    assert r.exit_code == 1 and "KEY=VALUE" in r.output
