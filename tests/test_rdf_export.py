"""RDF export in every format, independent parsers, named graphs, stable IRIs and the round trip."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.exports import rdf
from graphkit.exports import _rdf_write  # the writers: patched where they look names up (chunk size, stores)
from graphkit.testing import example_graph, make_graph
from graphkit.cli import cli
from graphkit.core.errors import GraphkitError

rdflib = pytest.importorskip("rdflib")
ox = pytest.importorskip("pyoxigraph")
from rdflib.compare import isomorphic  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OX_FORMAT = {"turtle": "TURTLE", "nt": "N_TRIPLES", "jsonld": "JSON_LD", "trig": "TRIG", "nquads": "N_QUADS"}
RDFLIB_FORMAT = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld", "trig": "trig", "nquads": "nquads"}


def _assert_tables_equal(a: gk.Graph, b: gk.Graph) -> None:
    for rtype in a.model:
        pd.testing.assert_frame_equal(a.tables[rtype.name].reset_index(drop=True), b.tables[rtype.name].reset_index(drop=True),
                                      check_dtype=True, obj=rtype.name)


def _triples_ox(data: bytes, fmt: str) -> set[tuple[str, str, str]]:
    return {(str(q.subject), str(q.predicate), str(q.object))
            for q in ox.parse(data, format=getattr(ox.RdfFormat, OX_FORMAT[fmt]))}


def _triples_rdflib(data: bytes, fmt: str) -> rdflib.Graph:
    ds = rdflib.Dataset()
    ds.parse(data=data, format=RDFLIB_FORMAT[fmt])
    g = rdflib.Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


class _Exports(dict):
    """(format, store) -> the sample county serialized; made on first use and kept."""

    def __init__(self, graph: gk.Graph) -> None:
        super().__init__()
        self.graph = graph

    def __missing__(self, key: tuple[str, str]) -> bytes:
        fmt, store = key
        self[key] = rdf.serialize(self.graph, fmt=fmt, store=store)
        return self[key]


@pytest.fixture(scope="module")
def exports(sample_graph: gk.Graph) -> _Exports:
    return _Exports(sample_graph)


@pytest.fixture(scope="module")
def reference(exports: _Exports) -> set[tuple[str, str, str]]:
    return _triples_ox(exports[("nt", "memory")], "nt")


@pytest.mark.slow
@pytest.mark.parametrize("store", rdf.STORES)
@pytest.mark.parametrize("fmt", ["turtle", "nt", "jsonld", "trig"])
def test_sample_exports_parse_with_an_independent_parser(exports: _Exports, reference: set, fmt: str, store: str) -> None:
    """Every format from either store holds the same triples; rdflib's output is read by pyoxigraph and
    Oxigraph's output by rdflib (and by pyoxigraph, the reference)."""
    data = exports[(fmt, store)]
    assert len(reference) > 40_000
    assert _triples_ox(data, fmt) == reference
    if store == "oxigraph":
        g = _triples_rdflib(data, fmt)
        assert len(g) == len(reference)
        assert _triples_ox(g.serialize(format="nt", encoding="utf-8"), "nt") == reference


def test_stable_iris_and_configurable_base(sample_graph: gk.Graph, reference: set) -> None:
    org_id = sample_graph.orgs["id"].iat[0]
    base = sample_graph.model.base_iri
    assert any(s == f"<{base}organization/{org_id}>" for s, _, _ in reference)
    other = "https://data.example.cn/party/"
    text = "".join(rdf.to_nquads(sample_graph, base=other, quads=False))
    assert f"<{other}organization/{org_id}>" in text and f"<{base}organization/" not in text
    for bad in ("not an iri", "https://x.org/no-slash", "https://x.org/a b/", "ftp://x.org/"):
        with pytest.raises(GraphkitError, match="IRI"):
            rdf.serialize(sample_graph, fmt="nt", base=bad)


def test_trig_puts_each_ledger_in_its_own_named_graph(sample_graph: gk.Graph, exports: _Exports) -> None:
    ds = rdflib.Dataset()
    ds.parse(data=exports[("trig", "oxigraph")], format="trig")
    t = rdf.terms()
    ledger_type = rdflib.URIRef(t.iri("gk:LedgerFile"))
    default = ds.graph(rdflib.graph.DATASET_DEFAULT_GRAPH_ID)
    files = {str(default.value(f, rdflib.URIRef(t.iri("gk:fileName")))): f for f in default.subjects(rdflib.RDF.type, ledger_type)}
    assert set(files) == set(sample_graph.sources["file"])
    named = {g.identifier for g in ds.graphs() if g.identifier != rdflib.graph.DATASET_DEFAULT_GRAPH_ID and len(g)}
    first_sources = set().union(*(set(sample_graph.tables[t.name]["src_file"]) for t in sample_graph.model))
    assert named == {files[f] for f in first_sources} and len(named) > 5
    # every organization sits in the graph of the file its row came from
    orgs = sample_graph.orgs
    for rid, src in zip(orgs["id"].head(50), orgs["src_file"].head(50)):
        s = rdflib.URIRef(f"{sample_graph.model.base_iri}organization/{rid}")
        assert (s, rdflib.RDF.type, rdflib.URIRef(t.types["Organization"].class_iri)) in ds.graph(files[src])
    # the code-list vocabulary is in the default graph
    assert (rdflib.URIRef(t.concept("category", "3")), rdflib.RDF.type, rdflib.namespace.SKOS.Concept) in default


def test_provenance_points_to_the_source_row(sample_graph: gk.Graph, reference: set) -> None:
    t = rdf.terms()
    p = sample_graph.tables["Pairing"].iloc[0]
    base = sample_graph.model.base_iri
    subj = f"<{base}pairing/{p['id']}>"
    rows = [o for s, pr, o in reference if s == subj and pr == f"<{t.iri('prov:wasDerivedFrom')}>"]
    assert len(rows) == 1
    facts = {pr: o for s, pr, o in reference if s == rows[0]}
    assert facts[f"<{t.iri('gk:row')}>"] == f'"{int(p["src_row"])}"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert facts[f"<{t.iri('gk:sheet')}>"] == f'"{p["src_sheet"]}"'
    file_iri = facts[f"<{t.iri('gk:sourceFile')}>"]
    ffacts = {pr: o for s, pr, o in reference if s == file_iri}
    assert ffacts[f"<{t.iri('gk:fileHash')}>"] == f'"{p["src_hash"]}"'


def test_membership_interval_uses_org_and_time(sample_graph: gk.Graph, reference: set) -> None:
    m = sample_graph.tables["Membership"].dropna(subset=["start"]).iloc[0]
    subj = f"<{sample_graph.model.base_iri}membership/{m['id']}>"
    iv = [o for s, p, o in reference if s == subj and p == "<http://www.w3.org/ns/org#memberDuring>"]
    assert len(iv) == 1
    begin = [o for s, p, o in reference if s == iv[0] and p == "<http://www.w3.org/2006/time#hasBeginning>"]
    dates = [o for s, p, o in reference if s == begin[0] and p == "<http://www.w3.org/2006/time#inXSDDate>"]
    assert dates == [f'"{m["start"].date().isoformat()}"^^<http://www.w3.org/2001/XMLSchema#date>']


@pytest.mark.slow
def test_round_trip_is_isomorphic_and_gives_the_same_tables(sample_graph: gk.Graph, exports: _Exports, tmp_path: Path) -> None:
    """export → import → export, checked with rdflib.compare (rdflib store and parser throughout)."""
    path = tmp_path / "county.ttl"
    path.write_bytes(exports[("turtle", "memory")])
    back = rdf.read_rdf(path, store="memory")
    assert back.problems.empty
    _assert_tables_equal(sample_graph, back)
    again = rdf.serialize(back, fmt="turtle", store="memory")
    assert isomorphic(_triples_rdflib(exports[("turtle", "memory")], "turtle"), _triples_rdflib(again, "turtle"))


@pytest.mark.parametrize("fmt", ["trig", "jsonld", "nt"])
def test_round_trip_through_oxigraph(sample_graph: gk.Graph, exports: _Exports, reference: set, fmt: str, tmp_path: Path) -> None:
    path = tmp_path / f"county{rdf.FORMATS[fmt][0]}"
    path.write_bytes(exports[(fmt, "oxigraph")])
    back = rdf.read_rdf(path, store="oxigraph")
    assert back.problems.empty
    _assert_tables_equal(sample_graph, back)
    # no blank nodes anywhere: isomorphism is equality of the triple sets
    assert _triples_ox(rdf.serialize(back, fmt="nt"), "nt") == reference


def test_round_trip_of_hostile_values_and_a_graph_without_provenance() -> None:
    g = make_graph({
        "Place": [{"id": "t 1/甲", "name": '甲"镇\\\n', "kind": "town"}],
        "Organization": [
            {"id": "o#1", "name": "A\t党支部 \u0001 <x> {y} 'z'", "town": "t 1/甲", "category": "1", "members": 0,
             "weak_lax": False},
            {"id": "o2", "name": "乙\r\n支部", "category": "3", "weak_lax": True, "parent": "o#1"}],
        "Pairing": [{"id": "p?1", "strong": "o#1", "weak": "o2", "form": "other", "start": pd.Timestamp("2024-02-29"),
                     "end": pd.Timestamp("2025-02-28")}],
        "Activity": [{"id": "a1", "date": pd.Timestamp("2024-01-02"), "type": "theme_day", "host": "o2", "title": "x"}],
    })
    g.tables["Organization"].loc[1, ["src_file", "src_sheet", "src_row", "src_hash"]] = ["名册 #1.csv", "表 1/2", 7, "ab"]
    for col in ("src_file", "src_sheet", "src_row", "src_hash"):  # the pairing has no provenance at all
        g.tables["Pairing"][col] = None
    for store in rdf.STORES:
        st = rdf.to_oxigraph(g) if store == "oxigraph" else rdf.to_rdflib(g)
        back = rdf.read_rdf(st)
        assert back.problems.empty
        for rtype in g.model:
            a, b = g.tables[rtype.name], back.tables[rtype.name]
            cols = rtype.columns()
            pd.testing.assert_frame_equal(a[cols].astype(object).where(a[cols].notna(), None),
                                          b[cols].astype(object).where(b[cols].notna(), None), obj=rtype.name)
        assert back.tables["Organization"]["src_sheet"].tolist() == ["", "表 1/2"]
        assert back.tables["Pairing"]["src_file"].isna().all()


def _hostile_graph() -> gk.Graph:
    g = make_graph({
        "Place": [{"id": "t 1/甲", "name": '甲"镇\\\n', "kind": "town"}],
        "Organization": [
            {"id": "o#1", "name": "A\t党支部 \u0001 <x> {y} 'z'", "town": "t 1/甲", "category": "1", "members": 0,
             "weak_lax": False},
            {"id": "o2", "name": "乙\r\n支部 \"\"\" ''' \\u0041 \\", "category": "3", "weak_lax": True, "parent": "o#1"},
            {"id": "1.x~", "name": "x\u2028y\U0001F600 @zh ^^ ; . ,", "category": "2"},
            {"id": "-o4", "name": "\x7f", "category": "2", "parent": "1.x~"}],
        "Pairing": [{"id": "p?1", "strong": "o#1", "weak": "o2", "form": "other", "start": pd.Timestamp("2024-02-29"),
                     "end": pd.Timestamp("2025-02-28")}],
    })
    g.tables["Organization"].loc[1, ["src_file", "src_sheet", "src_row", "src_hash"]] = ["名册 #1.csv", "表 1/2", 7, "ab"]
    return g


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads"])
def test_streamed_formats_hold_the_n_triples_of_hostile_values(fmt: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Turtle/TriG/N-Quads written chunk by chunk (2 records a chunk here) hold exactly the N-Triples'
    triples, read by both parsers, and read back into the same tables."""
    monkeypatch.setattr(_rdf_write, "_CHUNK", 2)
    g = _hostile_graph()
    reference = _triples_ox(rdf.serialize(g, fmt="nt"), "nt")
    assert any("\\u0001" in o for _, _, o in reference)
    data = rdf.serialize(g, fmt=fmt)
    assert _triples_ox(data, fmt) == reference
    assert _triples_ox(_triples_rdflib(data, fmt).serialize(format="nt", encoding="utf-8"), "nt") == reference
    path = tmp_path / f"hostile{rdf.FORMATS[fmt][0]}"
    rdf.export_rdf(g, path)
    from graphkit.store.io import output_signature  # the file starts with graphkit's signature comment
    assert path.read_bytes() == f"# {output_signature('rdf', 'rdf export')}\n".encode() + data
    for store in rdf.STORES:
        back = rdf.read_rdf(path, store=store)
        assert back.problems.empty
        assert back.orgs.set_index("id").loc["o2", "name"] == g.orgs.set_index("id").loc["o2", "name"]
        assert sorted(back.orgs["name"]) == sorted(g.orgs["name"])
        assert back.orgs.set_index("id").loc["-o4", "parent"] == "1.x~"


def test_turtle_uses_prefixed_names_and_groups_by_subject(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_rdf_write, "_CHUNK", 3)
    text = rdf.serialize(_hostile_graph(), fmt="turtle").decode("utf-8")
    assert "@prefix organization: <https://graphkit.example.org/id/organization/> ." in text
    assert "\norganization:o2 a org:FormalOrganization ;\n" in text
    # ids that are no plain local name keep their full (percent-encoded) IRI
    assert "<https://graphkit.example.org/id/organization/o%231> a org:FormalOrganization ;" in text
    assert "<https://graphkit.example.org/id/organization/-o4>" in text
    # each subject is written once per chunk
    subjects = [line.split(" ", 1)[0] for line in text.splitlines() if line and not line.startswith((" ", "@"))]
    assert len(subjects) == len(set(subjects))


def test_export_streams_to_the_file(sample_graph: gk.Graph, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Text formats never hold the whole output (nor a store): export_rdf writes chunk by chunk."""
    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("built the whole graph in memory")
    monkeypatch.setattr(_rdf_write, "serialize", refuse)
    monkeypatch.setattr(_rdf_write, "to_oxigraph", refuse)
    monkeypatch.setattr(_rdf_write, "to_rdflib", refuse)
    writes: list[int] = []
    real = rdf._Sink._write
    monkeypatch.setattr(rdf._Sink, "_write", lambda self, arr: (writes.append(1), real(self, arr))[1])
    monkeypatch.setattr(_rdf_write, "_CHUNK", 500)
    path = rdf.export_rdf(sample_graph, tmp_path / "c.ttl", store="oxigraph")
    assert len(writes) > 10 and path.stat().st_size > 100_000


def test_output_is_deterministic(sample_graph: gk.Graph, exports: _Exports) -> None:
    assert rdf.serialize(sample_graph, fmt="trig", store="oxigraph") == exports[("trig", "oxigraph")]
    assert rdf.serialize(sample_graph, fmt="nt") == exports[("nt", "memory")]


@pytest.mark.slow
def test_rdflib_output_is_deterministic(sample_graph: gk.Graph, exports: _Exports) -> None:
    assert rdf.serialize(sample_graph, fmt="turtle") == exports[("turtle", "memory")]


def test_reading_reports_unreadable_values() -> None:
    g = example_graph()
    ds = rdf.to_rdflib(g)
    t = rdf.terms()
    s = rdflib.URIRef(f"{g.model.base_iri}organization/a1")
    ds.default_graph.set((s, rdflib.URIRef(t.iri("gk:memberCount")), rdflib.Literal("many")))
    ds.default_graph.add((s, rdflib.URIRef(t.iri("gk:sector")), rdflib.URIRef(t.code_ns + "sector-nonsense")))
    back = rdf.read_rdf(ds)
    assert set(back.problems["rule"]) == {"bad_integer", "conflicting_values"}
    assert pd.isna(back.orgs.set_index("id").loc["a1", "members"])


def test_cli_export_import_round_trip(sample_out: Path, sample_graph: gk.Graph, tmp_path: Path) -> None:
    runner = CliRunner()
    ttl = tmp_path / "c.trig"
    r = runner.invoke(cli, ["rdf", "export", str(sample_out), "-f", "trig", "-o", str(ttl), "--store", "oxigraph"])
    assert r.exit_code == 0, r.output
    assert ttl.stat().st_size > 10_000
    r = runner.invoke(cli, ["rdf", "import", str(ttl), "-o", str(tmp_path / "back"), "--store", "oxigraph"])
    assert r.exit_code == 0, r.output
    _assert_tables_equal(gk.read_graph(sample_out), gk.read_graph(tmp_path / "back"))
    r = runner.invoke(cli, ["rdf", "export", str(tmp_path / "missing"), "-o", str(tmp_path / "x.ttl")])
    assert r.exit_code == 1 and "manifest" in r.output
    r = runner.invoke(cli, ["rdf", "export", str(sample_out), "-o", str(tmp_path / "x.rdfx")])
    assert r.exit_code == 1 and "suffix" in r.output


def test_standard_namespaces_are_rdflib_s() -> None:
    import rdflib.namespace as ns

    from graphkit.exports._rdf_terms import _NS

    assert _NS == {p: str(getattr(ns, p.upper())) for p in _NS}


def test_importing_graphkit_stays_light() -> None:
    code = "import graphkit, graphkit.cli, graphkit.exports.rdf, graphkit.exports.sparql, sys; " \
           "print(sorted(m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyshacl', 'pyoxigraph')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
