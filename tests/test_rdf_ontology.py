"""The ontology and the SHACL shapes: generated from the declaration, checked in, complete."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

import graphkit as gk
from graphkit.exports import rdf
from graphkit.core.errors import SchemaError
from graphkit.core.schema import load_schema

rdflib = pytest.importorskip("rdflib")
from rdflib import Literal, URIRef  # noqa: E402
from rdflib.namespace import OWL, RDF, RDFS, SH  # noqa: E402

# rdflib's closed namespaces are looked up inside the tests: as module globals pytest's
# collection probes them for attributes and they warn.
ns = rdflib.namespace
ROOT = Path(__file__).resolve().parent.parent


def _standard() -> dict:
    return {str(n): n for n in (ns.ORG, ns.SKOS, ns.PROV, ns.TIME, ns.FOAF, ns.DCTERMS)}


@pytest.fixture(scope="module")
def onto() -> rdflib.Graph:
    return rdflib.Graph().parse(ROOT / "schema" / "ontology.ttl", format="turtle")


@pytest.fixture(scope="module")
def sample_triples(sample_graph: gk.Graph) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data="".join(rdf.to_nquads(sample_graph, quads=False)), format="nt")
    return g


def _labels(g: rdflib.Graph, node: URIRef) -> dict[str, str]:
    return {o.language: str(o) for o in g.objects(node, RDFS.label) if isinstance(o, Literal)}


def test_checked_in_files_equal_a_fresh_generation() -> None:
    assert (ROOT / "schema" / "ontology.ttl").read_text(encoding="utf-8") == rdf.ontology_turtle(), \
        "schema/ontology.ttl is stale: run `graphkit rdf ontology -o schema/ontology.ttl`"
    assert (ROOT / "schema" / "shapes.ttl").read_text(encoding="utf-8") == rdf.shapes_turtle(), \
        "schema/shapes.ttl is stale: run `graphkit rdf shapes -o schema/shapes.ttl`"


def test_generation_is_deterministic_across_hash_seeds(tmp_path: Path) -> None:
    import subprocess
    import sys
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"o{seed}.ttl"
        subprocess.run([sys.executable, "-m", "graphkit.cli", "rdf", "shapes", "-o", str(out)], check=True, cwd=ROOT,
                       env={"PYTHONHASHSEED": seed, "PATH": ""}, capture_output=True)
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_ontology_loads_in_rdflib_and_pyoxigraph(onto: rdflib.Graph) -> None:
    ox = pytest.importorskip("pyoxigraph")
    n = len(list(ox.parse(path=str(ROOT / "schema" / "ontology.ttl"), format=ox.RdfFormat.TURTLE)))
    assert n == len(onto) > 500
    assert (URIRef(load_schema().vocab_iri.rstrip("#")), RDF.type, OWL.Ontology) in onto


def test_every_record_type_maps_to_its_declared_class(onto: rdflib.Graph) -> None:
    t = rdf.terms()
    for rtype in load_schema():
        tt = t.types[rtype.name]
        assert tt.class_curie == rtype.rdf["class"]
        node = URIRef(tt.class_iri)
        assert _labels(onto, node).keys() >= {"zh", "en"}, rtype.name
        if tt.class_curie.startswith("gk:"):
            assert (node, RDF.type, OWL.Class) in onto
            assert _labels(onto, node) == {"zh": rtype.label["zh"], "en": rtype.label["en"]}
            if tt.super_iri:
                assert (node, RDFS.subClassOf, URIRef(tt.super_iri)) in onto


def test_reused_vocabularies_for_the_key_types() -> None:
    t = rdf.terms()
    assert t.types["Organization"].class_iri == str(ns.ORG.FormalOrganization)
    assert t.types["Collaboration"].class_iri == str(ns.ORG.OrganizationalCollaboration)
    assert t.types["Membership"].class_iri == str(ns.ORG.Membership)
    assert t.types["Membership"].interval_link == "org:memberDuring"
    mem = t.types["Membership"].props
    assert (mem["member"].iri, mem["organization"].iri, mem["role"].iri) == (str(ns.ORG.member), str(ns.ORG.organization), str(ns.ORG.role))
    assert mem["start"].kind == "begin" and mem["end"].kind == "end"
    assert t.types["Organization"].props["parent"].iri == str(ns.ORG.subOrganizationOf)
    assert t.types["IndustryChain"].super_iri == str(ns.SKOS.ConceptScheme)
    assert t.types["ChainStage"].props["chain"].iri == str(ns.SKOS.inScheme)


def test_code_lists_are_skos_schemes(onto: rdflib.Graph) -> None:
    model = load_schema()
    t = rdf.terms()
    for name, cl in model.codelists.items():
        scheme = URIRef(t.scheme(name))
        assert (scheme, RDF.type, ns.SKOS.ConceptScheme) in onto
        assert _labels(onto, scheme) == cl.label
        concepts = set(onto.subjects(ns.SKOS.inScheme, scheme))
        assert concepts == {URIRef(t.concept(name, c)) for c in cl.codes}
        for code in cl.codes:
            c = URIRef(t.concept(name, code))
            assert (c, RDF.type, ns.SKOS.Concept) in onto
            assert str(onto.value(c, ns.SKOS.notation)) == code
            pref = {o.language: str(o) for o in onto.objects(c, ns.SKOS.prefLabel)}
            assert pref == cl.labels[code] == _labels(onto, c)
    # roles used through org:role are also org:Role
    assert (URIRef(t.concept("role", "lead")), RDF.type, ns.ORG.Role) in onto
    assert (URIRef(t.concept("sector", "agency")), RDF.type, ns.ORG.Role) not in onto


def test_gk_terms_only_where_no_standard_term_fits(onto: rdflib.Graph) -> None:
    """Every gk: term is declared (class or property) with both labels; standard terms are real."""
    vocab = load_schema().vocab_iri
    for s in set(onto.subjects()):
        if not isinstance(s, URIRef):
            continue
        if str(s).startswith(vocab):
            types = set(onto.objects(s, RDF.type))
            assert types & {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}, s
            assert _labels(onto, s).keys() >= {"zh", "en"}, s
        for base, closed in _standard().items():
            if str(s).startswith(base) and str(s) != base:
                assert s in closed, f"{s} is not a term of {base}"


def test_every_term_used_by_the_sample_export_is_declared(onto: rdflib.Graph, sample_triples: rdflib.Graph) -> None:
    used_predicates = set(sample_triples.predicates())
    used_classes = set(sample_triples.objects(None, RDF.type))
    assert URIRef(str(ns.ORG.memberDuring)) in used_predicates and ns.ORG.FormalOrganization in used_classes
    for term in used_predicates | used_classes:
        labels = _labels(onto, term)
        assert labels.keys() >= {"zh", "en"}, f"{term} is used by the export but not declared in the ontology"
    t = rdf.terms()
    used_concepts = {o for o in sample_triples.objects() if isinstance(o, URIRef) and str(o).startswith(t.code_ns)}
    assert used_concepts
    for c in used_concepts:
        assert {(c, RDF.type, ns.SKOS.Concept), (c, RDF.type, ns.SKOS.ConceptScheme)} & set(onto.triples((c, RDF.type, None))), c


def test_shapes_follow_the_loaders_rules() -> None:
    sg = rdf.shapes_graph()
    t = rdf.terms()
    model = load_schema()
    gksh = t.shape_ns
    for rtype in model:
        ns = URIRef(gksh + rtype.name)
        assert (ns, SH.targetClass, URIRef(t.types[rtype.name].class_iri)) in sg
        for pname, p in rtype.properties.items():
            ps = URIRef(f"{gksh}{rtype.name}-{pname}")
            assert (ns, SH.property, ps) in sg
            assert ((ps, SH.minCount, Literal(1)) in sg) == p.required, (rtype.name, pname)
            names = {o.language: str(o) for o in sg.objects(ps, SH.name)}
            assert names == p.label
            if p.max_length:
                assert (ps, SH.maxLength, Literal(p.max_length)) in sg
            if p.type == "code":
                lst = list(rdflib.collection.Collection(sg, sg.value(ps, SH["in"])))
                assert [str(x) for x in lst] == [t.concept(p.codelist, c) for c in model.codelists[p.codelist].codes]
            if p.type == "ref":
                assert (ps, SH["class"], URIRef(t.types[p.range].class_iri)) in sg
        for a, b in rtype.intervals:
            assert (ns, SH.sparql, URIRef(f"{gksh}{rtype.name}-{a}-{b}-order")) in sg
        for a, b in rtype.distinct:
            assert (URIRef(f"{gksh}{rtype.name}-{a}"), SH.disjoint, URIRef(t.types[rtype.name].props[b].iri)) in sg


def _schema_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "schema"
    shutil.copytree(ROOT / "schema", folder, ignore=shutil.ignore_patterns("queries", "*.ttl"))
    return folder


def test_ontology_and_shapes_are_derived_from_the_declaration(tmp_path: Path) -> None:
    folder = _schema_copy(tmp_path)
    raw = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    raw["types"]["Organization"]["properties"]["hotline"] = {
        "type": "string", "max_length": 20, "required": True, "label": {"zh": "服务热线", "en": "Hotline"}, "rdf": "gk:hotline"}
    (folder / "model.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    model = load_schema(folder)
    vocab = model.vocab_iri
    onto = rdf.ontology_graph(model)
    node = URIRef(vocab + "hotline")
    assert (node, RDF.type, OWL.DatatypeProperty) in onto
    assert _labels(onto, node) == {"zh": "服务热线", "en": "Hotline"}
    sg = rdf.shapes_graph(model)
    ps = URIRef(rdf.terms(model).shape_ns + "Organization-hotline")
    assert (ps, SH.minCount, Literal(1)) in sg and (ps, SH.maxLength, Literal(20)) in sg


def test_interval_terms_need_date_properties(tmp_path: Path) -> None:
    folder = _schema_copy(tmp_path)
    raw = yaml.safe_load((folder / "model.yaml").read_text(encoding="utf-8"))
    raw["types"]["Person"]["properties"]["title"]["rdf"] = "time:hasBeginning"
    (folder / "model.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(SchemaError, match="Person.title"):
        rdf.terms(load_schema(folder))
