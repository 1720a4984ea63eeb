"""The public surface ``import graphkit as gk``: light import, names, docstrings, settings, display."""
from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import graphkit as gk

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("neo4j", "rdflib", "pyvis", "ladybug", "igraph", "leidenalg", "playwright", "pyoxigraph", "pyshacl")


def _run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environ, cwd=ROOT,
                          timeout=300)


def test_import_is_light() -> None:
    # Import time itself is not asserted (shared machines are noisy): what keeps it short is that
    # no heavy module is imported before it is used, which is what this checks.
    code = f"""
import json, sys
import graphkit as gk
print(json.dumps({{"loaded": [m for m in {HEAVY + ("pandas", "networkx", "pyarrow")!r} if m in sys.modules],
                  "version": gk.__version__}}))
"""
    res = _run(code)
    assert res.returncode == 0, res.stderr
    info = json.loads(res.stdout)
    assert info["loaded"] == [], f"import graphkit pulled in {info['loaded']}"
    assert info["version"] == gk.__version__


def test_every_public_name_resolves() -> None:
    missing = [n for n in gk.__all__ if not hasattr(gk, n)]
    assert missing == []
    assert sorted(set(gk.__all__)) == sorted(gk.__all__), "duplicate names in __all__"
    assert set(gk.__all__) <= set(dir(gk))
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        gk.not_a_name  # noqa: B018


def public_callables() -> list[tuple[str, object]]:
    out = []
    for name in gk.__all__:
        obj = getattr(gk, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            continue  # error classes are documented in graphkit.core.errors
        if inspect.isfunction(obj) or inspect.isclass(obj):
            out.append((name, obj))
    return out


@pytest.mark.parametrize("name, obj", public_callables(), ids=[n for n, _ in public_callables()])
def test_public_callable_has_runnable_example(name: str, obj: object) -> None:
    doc = inspect.getdoc(obj) or ""
    assert "Examples" in doc and ">>>" in doc, f"gk.{name} needs an Examples section with a doctest"


def test_public_names_are_plain_functions_whatever_the_import_order() -> None:
    """``gk.coverage`` is the function, wherever its module was imported first; no module class is swapped."""
    code = """
import types, sys
import graphkit.analyses.coverage as mod
from graphkit import view, sparql, coverage
import graphkit as gk
from graphkit.testing import example_graph
g = example_graph()
a = gk.coverage(g, as_of="2024-06-30", by=None)
b = mod.coverage(g, as_of="2024-06-30", by=None)
assert a.equals(b) and coverage is mod.coverage is gk.coverage
assert isinstance(view, types.FunctionType) and isinstance(sparql, types.FunctionType)
assert type(sys.modules["graphkit"]) is types.ModuleType and type(mod) is types.ModuleType
assert mod.village_coverage is gk.village_coverage
print("ok")
"""
    res = _run(code)
    assert res.returncode == 0 and res.stdout.strip() == "ok", res.stderr


def test_signatures_graph_first_options_keyword_only() -> None:
    """Every analysis, view and export takes the graph (or a source) first, then keyword-only options."""
    first = {"graph", "source", "graph_or_out"}
    names = ["coverage", "village_coverage", "weak_coverage", "two_coverages", "chain_stage_coverage", "pairing_gaps",
             "suggest_pairings", "detect_clusters", "chain_alliances", "brokers", "isolated", "view", "write_view",
             "write_gexf", "write_graphml", "gephi_graph", "write_rdf", "push_neo4j", "write_neo4j_import",
             "write_cypher_script"]
    bad = []
    for n in names:
        params = list(inspect.signature(getattr(gk, n)).parameters.values())  # type: ignore[arg-type]
        positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if positional[0].name not in first or len(positional) > 2:
            bad.append((n, [p.name for p in positional]))
    assert bad == []


def test_config_environment_override_in_subprocess() -> None:
    res = _run("import graphkit as gk; print(gk.config.max_per_strong, gk.config.lang)", GRAPHKIT_MAX_PER_STRONG="3",
               GRAPHKIT_LANG="en")
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["3", "en"]
    wired = _run("import graphkit as gk; from graphkit.testing import example_graph; "
                 "s = gk.suggest_pairings(example_graph(), as_of='2024-06-30'); "
                 "print(gk.config.max_per_strong, sorted(set(s['capacity'])))",
                 GRAPHKIT_MAX_PER_STRONG="3", GRAPHKIT_PAIRING_CAPACITY="1")
    assert wired.returncode == 0, wired.stderr
    assert wired.stdout.split() == ["3", "[1]"]
    # read on first use: `import graphkit` works, the first read of a setting names the variable in both languages
    bad = _run("import graphkit; print(graphkit.config.max_per_strong)", GRAPHKIT_MAX_PER_STRONG="three")
    assert bad.returncode != 0 and "GRAPHKIT_MAX_PER_STRONG" in bad.stderr and "SettingsError" in bad.stderr
    assert "应为整数" in bad.stderr and "must be an integer" in bad.stderr


def test_override_restores_even_after_an_error() -> None:
    before = gk.config.as_dict()
    with gk.override(max_per_strong=5, lang="en") as cfg:
        assert cfg is gk.config and gk.config.max_per_strong == 5 and gk.config.lang == "en"
    assert gk.config.as_dict() == before
    with pytest.raises(RuntimeError):
        with gk.override(view_max_nodes=10):
            raise RuntimeError("boom")
    assert gk.config.as_dict() == before
    with pytest.raises(AttributeError, match="unknown"):
        with gk.override(max_per_strongg=1):
            pass
    with pytest.raises(ValueError):
        with gk.override(lang="fr"):
            pass
    assert gk.config.as_dict() == before


def test_labelled_tables() -> None:
    df = pd.DataFrame({"sector": ["village", None], "category": ["3", "1"], "orgs": [4, 2]})
    zh = gk.labelled(df)
    assert list(zh.columns)[:2] == ["领域", "分类定级"] and zh.iloc[0, 0] == "农村"
    assert df["sector"].iloc[0] == "village"  # a copy
    en = gk.labelled({"a": df}, lang="en")["a"]
    assert list(en.columns) == ["sector", "category", "orgs"] and en.loc[1, "category"] == "First class"
    with gk.override(lang="en"):
        assert list(gk.labelled(df).columns) == ["sector", "category", "orgs"]
    with pytest.raises(gk.GraphkitError):
        gk.labelled(df, lang="fr")


def test_graph_and_view_display_inline(sample_graph: gk.Graph) -> None:
    html = sample_graph._repr_html_()
    assert "<table" in html and "示例县" in html and str(sample_graph.count("Organization")) in html
    v = gk.view(sample_graph, kind="district", name="第八片区")
    frame = v._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;" in frame and "<script" not in frame
    assert "<table" in gk.config._repr_html_()


def test_sample_graph_is_a_fresh_copy() -> None:
    a = gk.sample_graph()
    a.tables["Organization"] = a.orgs.iloc[:0]
    assert gk.sample_graph().count("Organization") > 100


def test_cypher_reuses_the_database_until_the_graph_changes() -> None:
    g = gk.sample_graph()
    q = "MATCH (o:Organization) RETURN count(o) AS n"
    assert int(gk.cypher(g, q).loc[0, "n"]) == g.count("Organization")
    db = g.cache("adhoc").data["cypher"][1]
    assert int(gk.cypher(g, "MATCH (o:Organization) WHERE o.sector = $s RETURN count(o) AS n", s="village")
               .loc[0, "n"]) == int((g.orgs["sector"] == "village").sum())
    assert g.cache("adhoc").data["cypher"][1] is db  # no rebuild
    g.orgs.loc[:, "sector"] = "village"  # changed in place: the next query must see it
    assert int(gk.cypher(g, "MATCH (o:Organization) WHERE o.sector = $s RETURN count(o) AS n", s="village")
               .loc[0, "n"]) == g.count("Organization")
    assert g.cache("adhoc").data["cypher"][1] is not db


def test_cypher_server_without_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEO4J_URI", raising=False)
    with pytest.raises(gk.GraphkitError, match="NEO4J_URI"):
        gk.cypher_server(None, "RETURN 1")


def test_sparql_binds_parameters(sample_graph: gk.Graph) -> None:
    q = """PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT (STR(?n) AS ?name) ?wanted WHERE { ?o a org:FormalOrganization ; skos:prefLabel ?n . FILTER(STR(?n) = ?wanted) }"""
    name = sample_graph.orgs["name"].iloc[0]
    df = gk.sparql(sample_graph, q, wanted=name)
    assert df["name"].tolist() == [name] and list(df.columns) == ["name"]
    with pytest.raises(gk.GraphkitError, match="unsupported"):
        gk.sparql(sample_graph, q, wanted=object())


def test_config_defaults_reach_the_functions(sample_graph: gk.Graph) -> None:
    """Where a function's option has a setting, leaving the option out uses the current setting."""
    assert list(sample_graph.labelled("Pairing").columns[1:3]) == ["帮扶方(强)", "受援方(弱)"]
    with gk.override(lang="en"):
        assert list(sample_graph.labelled("Pairing").columns[1:3]) == ["Strong side", "Weak side"]
        assert "所属镇(街道)" in sample_graph.info()  # graphkit info stays Chinese
    as_of = "2024-12-31"
    explicit = gk.pairing_gaps(sample_graph, as_of=as_of, max_per_strong=1)["overloaded_strong"]
    assert len(explicit) > len(gk.pairing_gaps(sample_graph, as_of=as_of, max_per_strong=2)["overloaded_strong"])
    with gk.override(max_per_strong=1):
        res = gk.analyze(sample_graph, as_of=as_of)
    assert sorted(res["overloaded_strong"]["org_id"]) == sorted(explicit["org_id"])
    district = gk.view(sample_graph, kind="district", name="第八片区")
    assert not district.aggregated
    with gk.override(view_max_nodes=district.counts["nodes"] - 1):
        assert gk.view(sample_graph, kind="district", name="第八片区").aggregated


def test_settings_agree_with_the_modules() -> None:
    """The settings' defaults are the values the modules used before settings existed."""
    from graphkit.exports import neo4j
    from graphkit.views import view

    assert gk.Settings().base_iri == gk.load_schema().base_iri
    assert gk.Settings().view_max_nodes == view.DEFAULT_MAX_NODES
    assert gk.Settings().neo4j_batch_size == neo4j.DEFAULT_BATCH_SIZE


def test_read_graph_without_provenance(sample_out: Path, tmp_path: Path) -> None:
    from graphkit.analyses.analysis import run_all
    from graphkit.core.errors import OutputError

    full = gk.read_graph(sample_out)
    lean = gk.read_graph(sample_out, provenance=False)
    for name, table in lean.tables.items():
        assert not {"src_file", "src_sheet", "src_row", "src_hash"} & set(table.columns), name
        kept = full.tables[name].drop(columns=["src_file", "src_sheet", "src_row", "src_hash"])
        pd.testing.assert_frame_equal(table, kept)
    a, b = run_all(full, as_of="2024-12-31"), run_all(lean, as_of="2024-12-31")
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], obj=key)
    with pytest.raises(OutputError, match="provenance"):
        gk.write_graph(lean, tmp_path / "lean")
    assert not (tmp_path / "lean").exists()
