"""The OWL ontology and the SHACL shapes derived from the schema (:mod:`graphkit.exports.rdf`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator


from ..core.schema import Model

from ._rdf_terms import PropTerm, Terms, TypeTerm, _GK_CLASSES, _NS, _PROV_TERMS, _STANDARD_LABELS, _provenance_labels, terms

if TYPE_CHECKING:  # pragma: no cover
    import rdflib


# --------------------------------------------------------------------------------------------
# ontology


def _labels_of_standard(t: Terms) -> dict[str, tuple[str, str]]:
    """zh/en labels of every standard term used (table above, else the first declaring property)."""
    out = dict(_STANDARD_LABELS)
    for tt in t.types.values():
        for c in (tt.class_curie, tt.super_curie):
            if c and not c.startswith("gk:") and c not in out:
                out[c] = (tt.rtype.label["zh"], tt.rtype.label["en"])
        for pt in tt.props.values():
            if not pt.curie.startswith("gk:") and pt.curie not in out:
                out[pt.curie] = (pt.prop.label["zh"], pt.prop.label["en"])
    return out


def _codelist_roles(t: Terms) -> set[str]:
    """Code lists used through org:role: their concepts are also org:Role."""
    return {pt.prop.codelist for tt in t.types.values() for pt in tt.props.values()  # type: ignore[misc]
            if pt.kind == "code" and pt.curie == "org:role"}


def ontology_graph(model: Model | None = None) -> rdflib.Graph:
    """The graphkit ontology as an rdflib Graph, generated from the declaration.

    It declares graphkit's own classes and properties (``gk:``), annotates every reused standard
    term with Chinese and English labels, and holds one SKOS concept scheme per code list.

    Examples
    --------
    >>> from rdflib.namespace import OWL, RDF
    >>> from rdflib import URIRef
    >>> g = ontology_graph()
    >>> (URIRef(terms().vocab + "Pairing"), RDF.type, OWL.Class) in g
    True
    """
    from rdflib import Graph as RGraph, Literal, URIRef
    from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

    t = terms(model)
    model = t.model
    g = RGraph()
    for k, v in t.prefixes.items():
        g.bind(k, v, override=True, replace=True)
    U = lambda curie: URIRef(t.iri(curie))  # noqa: E731

    def label(node: Any, zh: str, en: str) -> None:
        g.add((node, RDFS.label, Literal(zh, lang="zh")))
        g.add((node, RDFS.label, Literal(en, lang="en")))

    onto = URIRef(t.vocab.rstrip("#/"))
    g.add((onto, RDF.type, OWL.Ontology))
    label(onto, "graphkit 党组织联建本体", "graphkit ontology of joint-building links between party organizations")
    g.add((onto, OWL.versionInfo, Literal(model.version)))
    g.add((onto, DCTERMS.description, Literal(
        "由 schema/model.yaml 与 schema/codelists.yaml 生成，请勿手工修改。复用 W3C ORG、SKOS、PROV-O、OWL-Time、FOAF。", lang="zh")))
    g.add((onto, DCTERMS.description, Literal(
        "Generated from schema/model.yaml and schema/codelists.yaml; do not edit. Reuses W3C ORG, SKOS, PROV-O, "
        "OWL-Time and FOAF; gk: terms only where none of them fits.", lang="en")))

    # standard terms: labels and where they are defined
    std = _labels_of_standard(t)
    for curie in sorted(std):
        node = U(curie)
        label(node, *std[curie])
        g.add((node, RDFS.isDefinedBy, URIRef(_NS[curie.split(":")[0]].rstrip("#/") + ("#" if _NS[curie.split(":")[0]].endswith("#") else "/"))))

    # graphkit classes
    for tt in t.types.values():
        if tt.class_curie.startswith("gk:"):
            c = U(tt.class_curie)
            g.add((c, RDF.type, OWL.Class))
            label(c, tt.rtype.label["zh"], tt.rtype.label["en"])
            g.add((c, RDFS.isDefinedBy, onto))
            if tt.super_iri:
                g.add((c, RDFS.subClassOf, URIRef(tt.super_iri)))
    for local, (zh, en, sup) in _GK_CLASSES.items():
        c = URIRef(t.vocab + local)
        g.add((c, RDF.type, OWL.Class))
        label(c, zh, en)
        g.add((c, RDFS.subClassOf, U(sup)))
        g.add((c, RDFS.isDefinedBy, onto))

    # graphkit properties: label from the first declaring property; domain when all share one class
    uses: dict[str, list[tuple[TypeTerm, PropTerm]]] = {}
    for tt in t.types.values():
        for pt in tt.props.values():
            if pt.curie.startswith("gk:"):
                uses.setdefault(pt.curie, []).append((tt, pt))
    for curie, lst in uses.items():
        node = U(curie)
        tt0, pt0 = lst[0]
        kinds = {pt.kind for _, pt in lst}
        g.add((node, RDF.type, OWL.ObjectProperty if kinds <= {"code", "ref"} else OWL.DatatypeProperty))
        label(node, pt0.prop.label["zh"], pt0.prop.label["en"])
        g.add((node, RDFS.isDefinedBy, onto))
        classes = {tt.class_iri for tt, _ in lst}
        if len(classes) == 1:
            g.add((node, RDFS.domain, URIRef(tt0.class_iri)))
        ranges = set()
        for _, pt in lst:
            if pt.kind == "ref":
                ranges.add(t.types[pt.prop.range].class_iri)  # type: ignore[index]
            elif pt.kind == "code":
                ranges.add(str(SKOS.Concept))
            else:
                ranges.add(t.iri(pt.datatype))  # type: ignore[arg-type]
        if len(ranges) == 1:
            g.add((node, RDFS.range, URIRef(ranges.pop())))
    prov_labels = _provenance_labels(model)
    for col, (local, on, dtype) in _PROV_TERMS.items():
        node = URIRef(t.vocab + local)
        g.add((node, RDF.type, OWL.DatatypeProperty))
        label(node, prov_labels[col]["zh"], prov_labels[col]["en"])
        g.add((node, RDFS.domain, URIRef(t.vocab + ("SourceRow" if on == "row" else "LedgerFile"))))
        g.add((node, RDFS.range, U(dtype)))
        g.add((node, RDFS.isDefinedBy, onto))
    bs = URIRef(t.vocab + "byteSize")
    g.add((bs, RDF.type, OWL.DatatypeProperty))
    label(bs, "文件大小（字节）", "File size (bytes)")
    g.add((bs, RDFS.domain, URIRef(t.vocab + "LedgerFile")))
    g.add((bs, RDFS.range, U("xsd:integer")))
    g.add((bs, RDFS.isDefinedBy, onto))
    sf = URIRef(t.vocab + "sourceFile")
    g.add((sf, RDF.type, OWL.ObjectProperty))
    label(sf, "所在台账文件", "in ledger file")
    g.add((sf, RDFS.domain, URIRef(t.vocab + "SourceRow")))
    g.add((sf, RDFS.range, URIRef(t.vocab + "LedgerFile")))
    g.add((sf, RDFS.isDefinedBy, onto))

    for s, p, o in _vocabulary_triples(t):
        g.add((URIRef(s), URIRef(p), o if isinstance(o, Literal) else URIRef(o)))
    return g


def _vocabulary_triples(t: Terms) -> Iterator[tuple[str, str, Any]]:
    """SKOS concept schemes for the code lists (used by the ontology and by every export)."""
    from rdflib import Literal

    rdf_type, label = _NS["rdf"] + "type", _NS["rdfs"] + "label"
    skos = _NS["skos"]
    roles = _codelist_roles(t)
    for name, cl in t.model.codelists.items():
        scheme = t.scheme(name)
        yield scheme, rdf_type, skos + "ConceptScheme"
        for lang in ("zh", "en"):
            yield scheme, skos + "prefLabel", Literal(cl.label[lang], lang=lang)
            yield scheme, label, Literal(cl.label[lang], lang=lang)
        for code in cl.codes:
            c = t.concept(name, code)
            yield c, rdf_type, skos + "Concept"
            if name in roles:
                yield c, rdf_type, _NS["org"] + "Role"
            yield c, skos + "inScheme", scheme
            yield c, skos + "topConceptOf", scheme
            yield scheme, skos + "hasTopConcept", c
            yield c, skos + "notation", Literal(code)
            for lang in ("zh", "en"):
                yield c, skos + "prefLabel", Literal(cl.labels[code][lang], lang=lang)
                yield c, label, Literal(cl.labels[code][lang], lang=lang)
            for alias in _aliases(t.model, name, code):
                yield c, skos + "hiddenLabel", Literal(alias, lang="zh")


def _aliases(model: Model, codelist: str, code: str) -> tuple[str, ...]:
    return model.codelists[codelist].aliases.get(code, ())


_HEADER = ("# {what} — generated from schema/model.yaml and schema/codelists.yaml by `graphkit rdf {cmd} -o FILE`.\n"
           "# 由模式声明生成，请勿手工修改 / generated from the schema declaration; do not edit by hand.\n"
           "# graphkit-output:rdf-schema (graphkit rdf {cmd})\n")


def ontology_turtle(model: Model | None = None) -> str:
    """The ontology as Turtle text (what ``schema/ontology.ttl`` holds).

    >>> ontology_turtle().startswith("# graphkit ontology")
    True
    """
    body = ontology_graph(model).serialize(format="turtle")
    return _HEADER.format(what="graphkit ontology", cmd="ontology") + body


# --------------------------------------------------------------------------------------------
# SHACL shapes


@dataclass(frozen=True)
class _ShapeInfo:
    """What a generated shape checks: lets a SHACL result be turned back into a problem row."""

    type_name: str
    prop: str | None
    rule: str | None = None


def _shape_index(t: Terms) -> dict[str, _ShapeInfo]:
    out: dict[str, _ShapeInfo] = {}
    for name, tt in t.types.items():
        out[f"{t.shape_ns}{name}"] = _ShapeInfo(name, None)
        out[f"{t.shape_ns}{name}-id"] = _ShapeInfo(name, "id")
        for pname in tt.props:
            out[f"{t.shape_ns}{name}-{pname}"] = _ShapeInfo(name, pname)
        if tt.interval_link:
            out[f"{t.shape_ns}{name}-interval"] = _ShapeInfo(name, None)
        for a, b in tt.rtype.intervals:
            out[f"{t.shape_ns}{name}-{a}-{b}-order"] = _ShapeInfo(name, b, "interval_order")
        for p in tt.rtype.properties.values():
            if p.acyclic:
                out[f"{t.shape_ns}{name}-{p.name}-acyclic"] = _ShapeInfo(name, p.name, "cycle")
    return out


def _interval_path(t: Terms, tt: TypeTerm, pt: PropTerm) -> list[str]:
    return [t.iri(tt.interval_link), pt.iri, t.iri("time:inXSDDate")]  # type: ignore[arg-type]


def shapes_graph(model: Model | None = None) -> rdflib.Graph:
    """SHACL shapes for the constraints the loaders enforce, generated from the declaration.

    One node shape per record type (targeting its class), one property shape per property:
    ``required`` → ``sh:minCount 1``; single values → ``sh:maxCount 1``; datatypes; code lists →
    ``sh:in`` of the concept IRIs; ``max_length``, ``min``/``max``; refs → ``sh:class`` of the
    target type; intervals → a SPARQL constraint (end not before start); ``distinct`` →
    ``sh:disjoint``; ``acyclic`` → a SPARQL constraint on the property path ``p+``.

    Examples
    --------
    >>> from graphkit.core.schema import load_schema
    >>> from rdflib.namespace import SH, RDF
    >>> len(list(shapes_graph().subjects(RDF.type, SH.NodeShape))) == len(load_schema().types)
    True
    """
    from rdflib import BNode, Graph as RGraph, Literal, URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import RDF, RDFS, SH, XSD

    t = terms(model)
    g = RGraph()
    for k, v in t.prefixes.items():
        g.bind(k, v, override=True, replace=True)
    g.bind("sh", _NS["sh"])
    g.bind("gksh", t.shape_ns)
    U = lambda curie: URIRef(t.iri(curie))  # noqa: E731

    def rdf_list(items: list[Any]) -> BNode:
        head = BNode()
        Collection(g, head, items)
        return head

    def names(node: Any, lab: dict[str, str]) -> None:
        g.add((node, SH.name, Literal(lab["zh"], lang="zh")))
        g.add((node, SH.name, Literal(lab["en"], lang="en")))

    for name, tt in t.types.items():
        ns = URIRef(f"{t.shape_ns}{name}")
        g.add((ns, RDF.type, SH.NodeShape))
        g.add((ns, SH.targetClass, URIRef(tt.class_iri)))
        g.add((ns, RDFS.label, Literal(tt.rtype.label["zh"], lang="zh")))
        g.add((ns, RDFS.label, Literal(tt.rtype.label["en"], lang="en")))
        # the record's identifier
        ps = URIRef(f"{t.shape_ns}{name}-id")
        g.add((ns, SH.property, ps))
        g.add((ps, RDF.type, SH.PropertyShape))
        g.add((ps, SH.path, U("dcterms:identifier")))
        names(ps, {"zh": "标识", "en": "id"})
        g.add((ps, SH.minCount, Literal(1)))
        g.add((ps, SH.maxCount, Literal(1)))
        g.add((ps, SH.datatype, XSD.string))
        if tt.interval_link:
            ps = URIRef(f"{t.shape_ns}{name}-interval")
            g.add((ns, SH.property, ps))
            g.add((ps, RDF.type, SH.PropertyShape))
            g.add((ps, SH.path, U(tt.interval_link)))
            names(ps, {"zh": "时间区间", "en": "interval"})
            g.add((ps, SH.maxCount, Literal(1)))
            g.add((ps, SH["class"], U("time:Interval")))
        for pname, pt in tt.props.items():
            p = pt.prop
            ps = URIRef(f"{t.shape_ns}{name}-{pname}")
            g.add((ns, SH.property, ps))
            g.add((ps, RDF.type, SH.PropertyShape))
            if pt.kind in ("begin", "end"):
                g.add((ps, SH.path, rdf_list([URIRef(x) for x in _interval_path(t, tt, pt)])))
            else:
                g.add((ps, SH.path, URIRef(pt.iri)))
            names(ps, p.label)
            g.add((ps, SH.maxCount, Literal(1)))
            if p.required:
                g.add((ps, SH.minCount, Literal(1)))
            if pt.kind == "code":
                cl = t.model.codelists[p.codelist]  # type: ignore[index]
                g.add((ps, SH.nodeKind, SH.IRI))
                g.add((ps, SH["in"], rdf_list([URIRef(t.concept(cl.name, c)) for c in cl.codes])))
            elif pt.kind == "ref":
                g.add((ps, SH.nodeKind, SH.IRI))
                g.add((ps, SH["class"], URIRef(t.types[p.range].class_iri)))  # type: ignore[index]
            else:
                g.add((ps, SH.datatype, U(pt.datatype)))
            if p.max_length is not None:
                g.add((ps, SH.maxLength, Literal(int(p.max_length))))
            if p.min is not None:
                g.add((ps, SH.minInclusive, Literal(int(p.min))))
            if p.max is not None:
                g.add((ps, SH.maxInclusive, Literal(int(p.max))))
        for a, b in tt.rtype.distinct:
            ps = URIRef(f"{t.shape_ns}{name}-{a}")
            g.add((ps, SH.disjoint, URIRef(tt.props[b].iri)))
        for a, b in tt.rtype.intervals:
            pa, pb = tt.props[a], tt.props[b]
            if pa.kind == "begin" and pb.kind == "end":
                link = t.iri(tt.interval_link)  # type: ignore[arg-type]
                where = (f"$this <{link}> ?i . ?i <{pa.iri}>/<{t.iri('time:inXSDDate')}> ?a . "
                         f"?i <{pb.iri}>/<{t.iri('time:inXSDDate')}> ?b .")
            else:
                where = f"$this <{pa.iri}> ?a . $this <{pb.iri}> ?b ."
            c = URIRef(f"{t.shape_ns}{name}-{a}-{b}-order")
            g.add((ns, SH.sparql, c))
            g.add((c, RDF.type, SH.SPARQLConstraint))
            g.add((c, SH.message, Literal(f"「{pb.prop.label['zh']}」早于「{pa.prop.label['zh']}」", lang="zh")))
            g.add((c, SH.message, Literal(f"{pb.prop.label['en']} is before {pa.prop.label['en']}", lang="en")))
            g.add((c, SH.select, Literal(
                f"SELECT $this ?value WHERE {{ {where} FILTER (?b < ?a) "
                f"BIND (CONCAT(STR(?a), \" → \", STR(?b)) AS ?value) }}")))
        for p in tt.rtype.properties.values():
            if not p.acyclic:
                continue
            piri = tt.props[p.name].iri
            c = URIRef(f"{t.shape_ns}{name}-{p.name}-acyclic")
            g.add((ns, SH.sparql, c))
            g.add((c, RDF.type, SH.SPARQLConstraint))
            g.add((c, SH.message, Literal(f"「{p.label['zh']}」关系形成循环", lang="zh")))
            g.add((c, SH.message, Literal(f"the {p.name} chain loops back on itself", lang="en")))
            g.add((c, SH.select, Literal(f"SELECT $this ?value WHERE {{ $this <{piri}>+ $this . $this <{piri}> ?value . }}")))
    return g


def shapes_turtle(model: Model | None = None) -> str:
    """The SHACL shapes as Turtle text (what ``schema/shapes.ttl`` holds).

    >>> "sh:NodeShape" in shapes_turtle()
    True
    """
    return _HEADER.format(what="graphkit SHACL shapes", cmd="shapes") + shapes_graph(model).serialize(format="turtle")


