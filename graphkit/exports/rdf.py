"""RDF: an ontology and SHACL shapes derived from the schema, exports, import, SHACL validation.

Everything here is derived from the one declaration (``schema/model.yaml`` and
``schema/codelists.yaml``): each record type's ``rdf.class`` (and optional ``rdf.super``), each
property's ``rdf`` term, the code lists, the checks the loaders enforce. The RDF model reuses
W3C ORG, SKOS, PROV-O, OWL-Time, FOAF and Dublin Core terms; graphkit's own namespace (``gk:``)
is used only where none of them fits. See ``docs/rdf.md``.

IRIs
----
* records: ``{base}{type-lowercase}/{id}`` (``https://graphkit.example.org/id/organization/org-…``);
  ``base`` defaults to ``graphkit.config.base_iri`` (the schema's ``base_iri`` unless
  ``GRAPHKIT_BASE_IRI`` or ``graphkit.override(base_iri=…)`` says otherwise);
* intervals and their instants: ``{record}/interval``, ``{record}/start``, ``{record}/end``;
* ledger files and source rows: ``{base}ledger/{key}`` and ``{base}ledger/{key}/row/{n}``
  (``…/sheet/{sheet}/row/{n}`` for workbooks); ``key`` hashes the file name and its SHA-256;
* code-list concepts: ``{vocab}code/{codelist}-{code}`` (fixed, part of the ontology).

N-Triples, N-Quads, Turtle and TriG are written straight from the tables, chunk by chunk, by
vectorized (pyarrow) string operations: memory is bounded by the chunk, not by the graph. JSON-LD
goes through rdflib or an Oxigraph store. TriG and N-Quads put each ledger file's records in a
named graph named by the file's IRI; the vocabulary and the file descriptions sit in the default
graph.

Examples
--------
>>> import graphkit as gk
>>> from graphkit.exports import rdf
>>> g = gk.build_graph(gk.sample_path())
>>> store = rdf.to_oxigraph(g)
>>> back = rdf.read_rdf(store)
>>> all(back.tables[t].equals(g.tables[t]) for t in g.tables)
True
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator
from urllib.parse import quote, unquote

import numpy as np
import pandas as pd
import yaml

from ..core.errors import GraphkitError, OutputError, SchemaError
from ..core.model import Graph
from ..core.problems import RULES, Problems
from ..core.schema import PROVENANCE, Model, Property, RecordType, load_schema

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    import rdflib

__all__ = [
    "FORMATS", "STORES", "Terms", "terms", "ontology_graph", "ontology_turtle", "shapes_graph", "shapes_turtle",
    "to_nquads", "to_rdflib", "to_oxigraph", "export_rdf", "serialize", "load_rdf", "read_rdf", "validate_rdf",
    "check_base",
]

#: Export formats: name -> (file suffix, rdflib format name).
FORMATS: dict[str, tuple[str, str]] = {
    "turtle": (".ttl", "turtle"),
    "nt": (".nt", "nt"),
    "jsonld": (".jsonld", "json-ld"),
    "trig": (".trig", "trig"),
    "nquads": (".nq", "nquads"),
}
#: Stores: ``memory`` (rdflib, pure Python) or ``oxigraph`` (pyoxigraph, Rust; for large graphs).
STORES = ("memory", "oxigraph")

_NS = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcterms": "http://purl.org/dc/terms/",
}
#: The reused standard vocabularies (prefix -> namespace), in the order docs list them.
STANDARD_PREFIXES = ("org", "skos", "prov", "time", "foaf", "dcterms", "rdf", "rdfs")

# Labels of the standard terms graphkit uses (Chinese, English). The schema declares which
# standard terms a property maps to; their labels are not the schema's business, so they live here.
_STANDARD_LABELS: dict[str, tuple[str, str]] = {
    "rdf:type": ("类型", "type"),
    "rdfs:label": ("标签", "label"),
    "org:Organization": ("组织", "Organization"),
    "org:FormalOrganization": ("正式组织", "Formal Organization"),
    "org:OrganizationalCollaboration": ("组织协作", "Organizational Collaboration"),
    "org:Membership": ("成员关系", "Membership"),
    "org:Post": ("职位", "Post"),
    "org:Role": ("角色", "Role"),
    "org:classification": ("分类", "classification"),
    "org:hasSite": ("所在场所", "has site"),
    "org:subOrganizationOf": ("上级组织", "sub-organization of"),
    "org:member": ("成员", "member"),
    "org:organization": ("所属组织", "organization"),
    "org:role": ("角色", "role"),
    "org:memberDuring": ("成员期间", "member during"),
    "org:heldBy": ("任职者", "held by"),
    "org:postIn": ("任职组织", "post in"),
    "foaf:Person": ("人", "Person"),
    "foaf:name": ("姓名", "name"),
    "prov:Activity": ("活动", "Activity"),
    "prov:Entity": ("实体", "Entity"),
    "prov:Location": ("地点", "Location"),
    "prov:startedAtTime": ("开始时间", "started at time"),
    "prov:wasAssociatedWith": ("关联主体", "was associated with"),
    "prov:agent": ("主体", "agent"),
    "prov:wasDerivedFrom": ("来源于", "was derived from"),
    "skos:Concept": ("概念", "Concept"),
    "skos:ConceptScheme": ("概念体系", "Concept Scheme"),
    "skos:prefLabel": ("首选标签", "preferred label"),
    "skos:hiddenLabel": ("隐藏标签", "hidden label"),
    "skos:notation": ("编码", "notation"),
    "skos:inScheme": ("所属概念体系", "is in scheme"),
    "skos:topConceptOf": ("顶层概念所属体系", "is top concept in scheme"),
    "skos:hasTopConcept": ("顶层概念", "has top concept"),
    "time:Interval": ("时间区间", "Time interval"),
    "time:Instant": ("时刻", "Time instant"),
    "time:hasTime": ("时间", "has time"),
    "time:hasBeginning": ("开始", "has beginning"),
    "time:hasEnd": ("结束", "has end"),
    "time:inXSDDate": ("日期", "in XSD date"),
    "dcterms:identifier": ("标识符", "identifier"),
}
# graphkit's own structural terms (provenance); the provenance properties take their labels from
# the schema's `provenance` block.
_GK_CLASSES: dict[str, tuple[str, str, str]] = {
    "SourceRow": ("台账行", "Source row", "prov:Entity"),
    "LedgerFile": ("台账文件", "Ledger file", "prov:Entity"),
}
# predicates whose string values carry the language tag @zh (labels and names in the ledgers)
_LANG_PREDICATES = frozenset({"skos:prefLabel", "rdfs:label", "foaf:name"})
_INTERVAL_BEGIN, _INTERVAL_END = "time:hasBeginning", "time:hasEnd"
_XSD_OF = {"string": "xsd:string", "integer": "xsd:integer", "boolean": "xsd:boolean", "date": "xsd:date"}
# standard predicates whose range is xsd:dateTime: a date is written as midnight of that day
_DATETIME_PREDICATES = frozenset({"prov:startedAtTime"})
_SAFE_ID = r"[A-Za-z0-9._~-]+"
_BASE_RE = re.compile(r"^https?://[^\s<>\"{}|\\^`]+[/#]$")
_CTRL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def expand(curie: str, vocab: str) -> str:
    """Expand a CURIE (``org:member``, ``gk:sector``) to a full IRI."""
    prefix, _, local = curie.partition(":")
    if prefix == "gk":
        return vocab + local
    try:
        return _NS[prefix] + local
    except KeyError:
        raise SchemaError(f"未知的 RDF 前缀 unknown RDF prefix in {curie!r}") from None


def _default_base() -> str:
    """The base IRI of records when a call gives none: ``graphkit.config.base_iri`` (``GRAPHKIT_BASE_IRI``)."""
    from ..core.settings import config
    return config.base_iri


def check_base(base: str) -> str:
    """Check a base IRI for record IRIs: absolute http(s), ending with ``/`` or ``#``.

    >>> check_base("https://example.org/id/")
    'https://example.org/id/'
    """
    if not isinstance(base, str) or not _BASE_RE.match(base):
        raise GraphkitError(f"基础 IRI 无效 / invalid base IRI {base!r}: 须为 http(s) 绝对地址并以 / 或 # 结尾 "
                            f"(an absolute http(s) IRI ending with / or #)")
    return base


# --------------------------------------------------------------------------------------------
# the term model: every IRI the RDF side uses, derived from the declaration


@dataclass(frozen=True)
class PropTerm:
    """How one property is written in RDF."""

    name: str
    prop: Property
    curie: str
    iri: str
    kind: str                    # literal | code | ref | begin | end
    datatype: str | None = None  # CURIE of the literal datatype
    lang: str | None = None


@dataclass(frozen=True)
class TypeTerm:
    """How one record type is written in RDF."""

    rtype: RecordType
    class_curie: str
    class_iri: str
    super_curie: str | None
    super_iri: str | None
    segment: str                 # IRI path segment (type name lower-cased)
    props: dict[str, PropTerm]
    interval_link: str | None    # CURIE linking the record to its time:Interval, if any


@dataclass(frozen=True)
class Terms:
    """The RDF terms of a model: namespaces, classes, properties and code-list concepts."""

    model: Model
    vocab: str
    code_ns: str
    shape_ns: str
    types: dict[str, TypeTerm]
    prefixes: dict[str, str] = field(default_factory=dict)

    def concept(self, codelist: str, code: str) -> str:
        """IRI of a code-list concept (``…/code/category-3``)."""
        return f"{self.code_ns}{codelist}-{quote(code, safe='')}"

    def scheme(self, codelist: str) -> str:
        """IRI of a code list's SKOS concept scheme."""
        return f"{self.code_ns}{codelist}"

    def iri(self, curie: str) -> str:
        """Expand a CURIE."""
        return expand(curie, self.vocab)


@lru_cache(maxsize=8)
def terms(model: Model | None = None) -> Terms:
    """The RDF term model derived from the schema declaration.

    Raises
    ------
    SchemaError
        If an ``rdf`` value cannot be mapped (e.g. an interval whose ends are not
        ``time:hasBeginning``/``time:hasEnd``).

    Examples
    --------
    >>> t = terms()
    >>> t.types["Membership"].interval_link, t.types["Organization"].class_curie
    ('org:memberDuring', 'org:FormalOrganization')
    """
    model = model or load_schema()
    vocab = model.vocab_iri
    if not vocab or vocab[-1] not in "#/":
        raise SchemaError(f"model.yaml: vocab_iri 须以 # 或 / 结尾 / must end with # or /: {vocab!r}")
    root = vocab.rstrip("#/")
    code_ns, shape_ns = root + "/code/", root + "/shapes#"
    types: dict[str, TypeTerm] = {}
    for rtype in model:
        cls = rtype.rdf["class"]
        sup = rtype.rdf.get("super")
        if sup is not None:
            expand(sup, vocab)
        props: dict[str, PropTerm] = {}
        for pname, p in rtype.properties.items():
            if p.rdf is None:
                raise SchemaError(f"{rtype.name}.{pname}: 缺少 rdf 术语 / needs an rdf term")
            iri = expand(p.rdf, vocab)
            if p.rdf in (_INTERVAL_BEGIN, _INTERVAL_END):
                if p.type != "date":
                    raise SchemaError(f"{rtype.name}.{pname}: {p.rdf} 只用于日期 / only for date properties")
                kind, dtype = ("begin" if p.rdf == _INTERVAL_BEGIN else "end"), "xsd:date"
            elif p.type == "code":
                kind, dtype = "code", None
            elif p.type == "ref":
                kind, dtype = "ref", None
            else:
                kind = "literal"
                dtype = "xsd:dateTime" if p.rdf in _DATETIME_PREDICATES else _XSD_OF[p.type]
            lang = "zh" if (p.type == "string" and p.rdf in _LANG_PREDICATES) else None
            if lang:
                dtype = "rdf:langString"
            props[pname] = PropTerm(pname, p, p.rdf, iri, kind, dtype, lang)
        ends = [pt for pt in props.values() if pt.kind in ("begin", "end")]
        if len([e for e in ends if e.kind == "begin"]) > 1 or len([e for e in ends if e.kind == "end"]) > 1:
            raise SchemaError(f"{rtype.name}: 只能有一个开始和一个结束日期 / at most one time:hasBeginning and one time:hasEnd")
        link = None
        if ends:
            link = "org:memberDuring" if "org:Membership" in (cls, sup) else "time:hasTime"
        types[rtype.name] = TypeTerm(rtype, cls, expand(cls, vocab), sup, expand(sup, vocab) if sup else None,
                                     rtype.name.lower(), props, link)
    prefixes = {"gk": vocab, "gkcode": code_ns, **{k: _NS[k] for k in ("org", "skos", "prov", "time", "foaf", "dcterms",
                                                                          "rdf", "rdfs", "owl", "xsd")}}
    return Terms(model, vocab, code_ns, shape_ns, types, prefixes)


def _provenance_labels(model: Model) -> dict[str, dict[str, str]]:
    raw = yaml.safe_load((Path(model.source) / "model.yaml").read_text(encoding="utf-8")) or {}
    block = raw.get("provenance") or {}
    out = {}
    for col in PROVENANCE:
        lab = (block.get(col) or {}).get("label") or {}
        if not lab.get("zh") or not lab.get("en"):
            raise SchemaError(f"model.yaml: provenance.{col} 缺少中英文标签 / needs label: {{zh, en}}")
        out[col] = {"zh": str(lab["zh"]), "en": str(lab["en"])}
    return out


# provenance properties: column -> (gk local name, on the row or on the file, datatype)
_PROV_TERMS = {
    "src_file": ("fileName", "file", "xsd:string"),
    "src_sheet": ("sheet", "row", "xsd:string"),
    "src_row": ("row", "row", "xsd:integer"),
    "src_hash": ("fileHash", "file", "xsd:string"),
}


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


@lru_cache(maxsize=8)
def _alias_table(source: str) -> dict[tuple[str, str], tuple[str, ...]]:
    raw = yaml.safe_load((Path(source) / "codelists.yaml").read_text(encoding="utf-8")) or {}
    return {(name, str(e["code"])): tuple(str(a) for a in (e.get("aliases") or []))
            for name, body in raw.items() for e in (body or {}).get("entries") or []}


def _aliases(model: Model, codelist: str, code: str) -> tuple[str, ...]:
    return _alias_table(str(model.source)).get((codelist, code), ())


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


# --------------------------------------------------------------------------------------------
# export: tables -> RDF text, streamed chunk by chunk
#
# Every term is built from whole columns with pyarrow string kernels; a chunk of records becomes
# one arrow array of lines whose bytes are written straight to the file, so memory stays bounded
# by the chunk, whatever the size of the graph. N-Triples/N-Quads lines are written as they are
# made; Turtle/TriG group each chunk's triples by subject (``s p o ; p o .``) and by named graph
# (TriG: ``<file> { … }``, a graph may have several blocks, as TriG allows).

#: Formats written directly from the tables (no store): the others (JSON-LD) go through a store.
_STREAM_FORMATS = ("nt", "nquads", "turtle", "trig")
_SAFE_ID_RE2 = "^" + _SAFE_ID + "$"
# a prefixed-name local part that needs no escaping in Turtle (PN_LOCAL without '.', ':', '%')
_PN_LOCAL_RE2 = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
# characters an N-Triples/Turtle string literal must (or graphkit chooses to) escape
_NEEDS_ESC_RE2 = r'[\\"\n\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f]'
_CTRL_RE2 = _CTRL.pattern
_CHUNK = 100_000


def _pa() -> tuple[Any, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc
    return pa, pc


def _strings(values: Any) -> Any:
    """A Series / array / list as a pyarrow ``string`` array (missing values become nulls).

    Non-string values are written with ``str()``, as ``Series.astype(str)`` would.
    """
    pa, _ = _pa()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == pa.string() else values.cast(pa.string())
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.StringDtype) or str(values.dtype).startswith(("str", "string")):
            try:
                return _strings(pa.array(values.array))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                pass
        values = values.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else str(v)
                         for v in values], type=pa.string())


def _cat(*parts: Any) -> Any:
    """Element-wise concatenation of string arrays and constant strings (a str if all are constants)."""
    pa, pc = _pa()
    if not any(isinstance(p, pa.Array) for p in parts):
        return "".join(parts)
    args = [p if isinstance(p, pa.Array) else pa.scalar(p, pa.string()) for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.string()))


def _any(mask: Any) -> bool:
    _, pc = _pa()
    return bool(pc.any(mask).as_py())


def _esc(values: Any) -> Any:
    """Escape strings for the inside of an N-Triples / Turtle ``"…"`` literal.

    ``\\``, ``"``, newline and carriage return get their ECHAR escapes, other control characters
    ``\\uXXXX``; everything else (any Unicode) is written as it is.

    >>> _esc(_strings(['甲"镇\\\\', "a\\nb\\x01"])).to_pylist()
    ['甲\\\\"镇\\\\\\\\', 'a\\\\nb\\\\u0001']
    """
    pa, pc = _pa()
    values = _strings(values)
    if not _any(pc.match_substring_regex(values, _NEEDS_ESC_RE2)):
        return values
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r")):
        values = pc.replace_substring(values, a, b)
    ctrl = pc.match_substring_regex(values, _CTRL_RE2)
    if _any(ctrl):  # rare: per value, only where needed
        py = values.to_pylist()
        for i in np.flatnonzero(ctrl.to_numpy(zero_copy_only=False)):
            py[i] = _CTRL.sub(lambda m: f"\\u{ord(m.group(0)):04X}", py[i])
        values = pa.array(py, type=pa.string())
    return values


def _enc_ids(ids: pd.Series) -> pd.Series:
    """Percent-encode ids for use in an IRI path segment (most ids need nothing)."""
    s = ids.astype(str)
    safe = s.str.fullmatch(_SAFE_ID)
    if bool(safe.all()):
        return s
    return s.where(safe, s.map(lambda v: quote(v, safe="")))


def _enc(values: Any) -> Any:
    """:func:`_enc_ids` on a pyarrow string array."""
    pa, pc = _pa()
    values = _strings(values)
    safe = pc.match_substring_regex(values, _SAFE_ID_RE2)
    if bool(pc.all(safe).as_py()) or len(values) == 0:
        return values
    py = values.to_pylist()
    for i in np.flatnonzero(~safe.to_numpy(zero_copy_only=False)):
        py[i] = quote(py[i], safe="")
    return pa.array(py, type=pa.string())


def _sub(values: Any, mask: np.ndarray) -> Any:
    """The elements of an array where ``mask`` is true (a constant string stays as it is)."""
    pa, _ = _pa()
    if isinstance(values, str) or bool(mask.all()):
        return values
    return values.filter(pa.array(mask))


class _Style:
    """How terms are spelled: full ``<IRI>``s (N-Triples, N-Quads) or prefixed names (Turtle, TriG)."""

    def __init__(self, fmt: str, prefixes: dict[str, str]) -> None:
        self.short = fmt in ("turtle", "trig")
        self.prefixes = prefixes
        self._ns = sorted(((ns, name) for name, ns in prefixes.items()), key=lambda x: -len(x[0]))
        self._by_ns = {ns: name for name, ns in prefixes.items()}
        self._local = re.compile(_PN_LOCAL_RE2)

    def iri(self, full: str) -> str:
        """One IRI (a prefixed name where the style and the IRI allow)."""
        if self.short:
            for ns, name in self._ns:
                if full.startswith(ns) and self._local.match(full[len(ns):]):
                    return f"{name}:{full[len(ns):]}"
        return f"<{full}>"

    def pred(self, full: str) -> str:
        return "a" if self.short and full == _NS["rdf"] + "type" else self.iri(full)

    def iris(self, ns: str, local: Any) -> Any:
        """IRIs ``ns + local`` for an array of (already encoded) local parts."""
        _, pc = _pa()
        full = _cat("<" + ns, local, ">")
        if not self.short or ns not in self._by_ns:
            return full
        ok = pc.match_substring_regex(local, _PN_LOCAL_RE2)
        short = _cat(self._by_ns[ns] + ":", local)
        return short if bool(pc.all(ok).as_py()) else pc.if_else(ok, short, full)

    def typed(self, lexical: Any, datatype: str) -> Any:
        """Literals ``"lexical"^^datatype`` (``lexical`` needs no escaping: numbers, dates, booleans)."""
        return _cat('"', lexical, '"^^' + self.iri(expand(datatype, "")))

    def header(self) -> bytes:
        if not self.short:
            return b""
        return "".join(f"@prefix {k}: <{v}> .\n" for k, v in self.prefixes.items()).encode("utf-8")


class _Sink:
    """Writes batches of statements (subjects, one predicate, objects, graph names) to a binary file.

    Graph names are ``""`` (the default graph) or a term (``<IRI>``); N-Triples and Turtle ignore
    them. N-Triples/N-Quads batches are written at once; Turtle/TriG batches are kept until
    :meth:`flush`, which groups them by (graph and) subject.
    """

    def __init__(self, fh: Any, fmt: str, style: _Style) -> None:
        self.fh, self.fmt, self.style = fh, fmt, style
        self.grouped = fmt in ("turtle", "trig")
        self.named = fmt in ("nquads", "trig")
        self.batches: list[tuple[Any, Any, Any]] = []
        self.count = 0
        fh.write(style.header())

    def _write(self, arr: Any) -> None:
        pa, _ = _pa()
        if isinstance(arr, str):
            self.fh.write(arr.encode("utf-8"))
            return
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if len(arr) == 0:
            return
        _validity, offsets, data = arr.buffers()
        off = np.frombuffer(offsets, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
        if data is not None and off[-1] > off[0]:
            self.fh.write(memoryview(data)[int(off[0]):int(off[-1])])

    def add(self, s: Any, p: str, o: Any, g: Any = "") -> None:
        pa, pc = _pa()
        lengths = {len(x) for x in (s, o, g) if isinstance(x, pa.Array)}
        if len(lengths) > 1:
            raise ValueError(f"internal: columns of different lengths {sorted(lengths)}")
        n = lengths.pop() if lengths else 1
        if n == 0:
            return
        self.count += n
        pred = self.style.pred(p)
        if not self.grouped:
            parts = [s, " " + pred + " ", o]
            if self.named:
                if isinstance(g, str):
                    parts.append(" " + g if g else "")
                else:
                    parts.append(pc.if_else(pc.equal(g, ""), "", _cat(" ", g)) if _any(pc.equal(g, "")) else _cat(" ", g))
            parts.append(" .\n")
            line = _cat(*parts)
            self._write(line if isinstance(line, str) else line)
            return
        full = lambda x: x if isinstance(x, pa.Array) else pa.array([x] * n, type=pa.string())  # noqa: E731
        self.batches.append((full(s), full(_cat(pred + " ", o)), full(g) if self.named else None))

    def flush(self) -> None:
        """Write the Turtle/TriG statements kept since the last flush, grouped by (graph and) subject."""
        pa, pc = _pa()
        if not self.batches:
            return
        s = pa.concat_arrays([b[0] for b in self.batches])
        po = pa.concat_arrays([b[1] for b in self.batches])
        g = pa.concat_arrays([b[2] for b in self.batches]) if self.named else None
        self.batches = []
        skey = pc.dictionary_encode(s).indices.to_numpy()
        if g is not None:
            gkey = pc.dictionary_encode(g).indices.to_numpy()
            order = np.lexsort((skey, gkey))
        else:
            order = np.argsort(skey, kind="stable")
        idx = pa.array(order)
        s, po = s.take(idx), po.take(idx)
        n = len(order)
        skey = skey[order]
        new_s = np.ones(n, dtype=bool)
        new_s[1:] = skey[1:] != skey[:-1]
        if g is not None:
            g = g.take(idx)
            gkey = gkey[order]
            new_g = np.ones(n, dtype=bool)
            new_g[1:] = gkey[1:] != gkey[:-1]
            new_s |= new_g
        end_s = np.ones(n, dtype=bool)
        end_s[:-1] = new_s[1:]
        head = _cat(s, " ")
        tail: Any = " .\n"
        if g is not None:
            named = pc.not_equal(g, "")
            opening = pc.if_else(pc.and_(pa.array(new_g), named), _cat(g, " {\n"), "")
            head = _cat(opening, head)
            end_g = np.ones(n, dtype=bool)
            end_g[:-1] = new_g[1:]
            tail = pc.if_else(pc.and_(pa.array(end_g), named), " .\n}\n", " .\n")
        head = pc.if_else(pa.array(new_s), head, " ;\n    ")
        tail = pc.if_else(pa.array(end_s), tail, "")
        self._write(_cat(head, po, tail))


def _file_keys(graph: Graph) -> pd.DataFrame:
    """Every ledger file (name, SHA-256) of the graph's sources and provenance, with its IRI key."""
    frames = [graph.tables[t.name][["src_file", "src_hash"]].drop_duplicates() for t in graph.model
              if len(graph.tables[t.name])]
    src = graph.sources
    if len(src) and {"file", "sha256"} <= set(src.columns):
        frames.append(pd.DataFrame({"src_file": src["file"].to_numpy(dtype=object), "src_hash": src["sha256"].to_numpy(dtype=object)}))
    if not frames:
        return pd.DataFrame(columns=["src_file", "src_hash", "key"])
    files = pd.concat(frames, ignore_index=True).dropna(subset=["src_file"]).astype(object)
    files["src_hash"] = files["src_hash"].where(files["src_hash"].notna(), None)
    files["_h"] = files["src_hash"].where(files["src_hash"].notna(), "")
    files = files.drop_duplicates(["src_file", "_h"]).sort_values(["src_file", "_h"]).reset_index(drop=True)
    files["key"] = [hashlib.blake2b(f"{a}\x1f{b}".encode(), digest_size=8).hexdigest()
                    for a, b in zip(files["src_file"], files["_h"])]
    return files.drop(columns="_h")


class _Files:
    """The ledger files of a graph and the IRIs of their files and source rows."""

    def __init__(self, graph: Graph, base: str) -> None:
        pa, _ = _pa()
        self.base = base
        self.frame = _file_keys(graph)
        f = self.frame
        self.pairs = pa.array([f"{a}\x1f{b if isinstance(b, str) else ''}" for a, b in zip(f["src_file"], f["src_hash"])],
                              type=pa.string())
        self.keys = pa.array(f["key"].tolist(), type=pa.string())

    def iris(self, frame: pd.DataFrame) -> tuple[Any, Any]:
        """(file IRI, row IRI) of provenance columns (rows with a source file only)."""
        pa, pc = _pa()
        pair = _cat(_strings(frame["src_file"]), "\x1f", pc.fill_null(_strings(frame["src_hash"]), ""))
        file_iri = _cat(self.base + "ledger/", self.keys.take(pc.index_in(pair, value_set=self.pairs)))
        sheet = pc.fill_null(_strings(frame["src_sheet"]), "")
        names = pc.unique(sheet)
        parts = pa.array(["" if v == "" else "/sheet/" + quote(v, safe="") for v in names.to_pylist()], type=pa.string())
        sheet_part = parts.take(pc.index_in(sheet, value_set=names))
        row = pc.fill_null(pa.array(pd.array(frame["src_row"], dtype="Int64")).cast(pa.string()), "")
        return file_iri, _cat(file_iri, sheet_part, "/row/", row)


def _date_lex(values: pd.Series) -> Any:
    pa, pc = _pa()
    ts = pa.array(pd.to_datetime(values).astype("datetime64[s]"))
    return pc.strftime(ts, format="%Y-%m-%d")


def _literal(st: _Style, values: pd.Series, datatype: str | None, lang: str | None, ptype: str) -> Any:
    """Literal terms for non-missing values of a property."""
    pa, pc = _pa()
    if ptype == "date":
        lex = _date_lex(values)
        if datatype == "xsd:dateTime":
            return st.typed(_cat(lex, "T00:00:00"), "xsd:dateTime")
        return st.typed(lex, "xsd:date")
    if ptype == "integer":
        return st.typed(pa.array(pd.array(values, dtype="Int64")).cast(pa.string()), "xsd:integer")
    if ptype == "boolean":
        flags = pa.array(values.astype(bool).to_numpy())
        return st.typed(pc.if_else(flags, "true", "false"), "xsd:boolean")
    body = _cat('"', _esc(values), '"')
    return _cat(body, "@" + lang) if lang else body


def _py_term(st: _Style, o: Any) -> str:
    """One object of the vocabulary triples (an IRI string or an rdflib Literal)."""
    if not hasattr(o, "language"):
        return st.iri(str(o))
    body = '"' + _esc([str(o)]).to_pylist()[0] + '"'
    if o.language:
        return f"{body}@{o.language}"
    if o.datatype is not None and str(o.datatype) != _NS["xsd"] + "string":
        return f"{body}^^{st.iri(str(o.datatype))}"
    return body


def _emit(graph: Graph, sink: _Sink, *, base: str, vocabulary: bool = True) -> Iterator[None]:
    """Write a graph to ``sink``, yielding after each chunk (everything is flushed at a yield)."""
    pa, _ = _pa()
    t = terms(graph.model)
    st = sink.style
    rdf_type = _NS["rdf"] + "type"
    X = t.iri
    files = _Files(graph, base)
    if vocabulary:
        by_pred: dict[str, list[tuple[str, str]]] = {}
        for s, p, o in sorted({(s, p, _py_term(st, o)) for s, p, o in _vocabulary_triples(t)}):
            by_pred.setdefault(p, []).append((st.iri(s), o))
        for p, so in by_pred.items():
            sink.add(pa.array([x for x, _ in so], type=pa.string()), p, pa.array([y for _, y in so], type=pa.string()))
    # ledger files: described in the default graph
    f = files.frame
    if len(f):
        firi = _cat("<" + base + "ledger/", files.keys, ">")
        sink.add(firi, rdf_type, st.iri(X("gk:LedgerFile")))
        sink.add(firi, X("gk:fileName"), _cat('"', _esc(f["src_file"]), '"'))
        has_hash = f["src_hash"].notna().to_numpy()
        sink.add(_sub(firi, has_hash), X("gk:fileHash"), _cat('"', _esc(f["src_hash"][has_hash]), '"'))
        src = graph.sources
        if len(src) and {"file", "sha256", "bytes"} <= set(src.columns):
            size = f.merge(src[["file", "sha256", "bytes"]].drop_duplicates(["file", "sha256"]),
                           left_on=["src_file", "src_hash"], right_on=["file", "sha256"], how="left")["bytes"]
            known = size.notna().to_numpy()
            sink.add(_sub(firi, known), X("gk:byteSize"), _literal(st, size[known], "xsd:integer", None, "integer"))
    sink.flush()
    yield
    # source rows: in the named graph of their file
    prov = [graph.tables[n.name][list(PROVENANCE)] for n in graph.model if len(graph.tables[n.name])]
    if prov:
        rows = pd.concat([p[p["src_file"].notna()].drop_duplicates() for p in prov], ignore_index=True)
        rows = rows.astype({"src_file": object, "src_sheet": object, "src_hash": object})
        rows = rows.drop_duplicates().reset_index(drop=True)
        del prov
        for start in range(0, len(rows), _CHUNK):
            r = rows.iloc[start:start + _CHUNK]
            file_iri, row_iri = files.iris(r)
            s = _cat("<", row_iri, ">")
            g = _cat("<", file_iri, ">")
            sink.add(s, rdf_type, st.iri(X("gk:SourceRow")), g)
            sink.add(s, X("gk:sourceFile"), g, g)
            sink.add(s, X("gk:sheet"), _cat('"', _esc(r["src_sheet"].where(r["src_sheet"].notna(), "")), '"'), g)
            sink.add(s, X("gk:row"), _literal(st, r["src_row"], "xsd:integer", None, "integer"), g)
            sink.flush()
            yield
        del rows
    # records
    for name, tt in t.types.items():
        table = graph.tables[name]
        for start in range(0, len(table), _CHUNK):
            _record_batches(sink, t, tt, table.iloc[start:start + _CHUNK], base, files)
            sink.flush()
            yield


def _record_batches(sink: _Sink, t: Terms, tt: TypeTerm, table: pd.DataFrame, base: str, files: _Files) -> None:
    pa, pc = _pa()
    st = sink.style
    rdf_type = _NS["rdf"] + "type"
    X = t.iri
    n = len(table)
    ids = _strings(table["id"])
    ns = base + tt.segment + "/"
    enc = _enc(ids)
    raw = _cat(ns, enc)
    subj = st.iris(ns, enc)
    has_src = table["src_file"].notna().to_numpy()
    g: Any = pa.array([""] * n, type=pa.string())
    row_iri = None
    if has_src.any():
        file_iri, row_iri = files.iris(table[has_src])
        g = _cat("<", file_iri, ">") if has_src.all() else pc.replace_with_mask(g, pa.array(has_src), _cat("<", file_iri, ">"))
    sink.add(subj, rdf_type, st.iri(tt.class_iri), g)
    if tt.super_iri:
        sink.add(subj, rdf_type, st.iri(tt.super_iri), g)
    sink.add(subj, X("dcterms:identifier"), _cat('"', _esc(ids), '"'), g)
    if row_iri is not None:
        sink.add(_sub(subj, has_src), X("prov:wasDerivedFrom"), _cat("<", row_iri, ">"), _sub(g, has_src))
    interval = False
    for pname, pt in tt.props.items():
        vals = table[pname]
        m = vals.notna().to_numpy()
        if not m.any():
            continue
        v, s, gm = vals[m], _sub(subj, m), _sub(g, m)
        if pt.kind == "code":
            obj = st.iris(t.code_ns, _cat(pt.prop.codelist + "-", _enc(v)))  # type: ignore[operator]
        elif pt.kind == "ref":
            obj = st.iris(base + t.types[pt.prop.range].segment + "/", _enc(v))  # type: ignore[index]
        elif pt.kind in ("begin", "end"):
            if not interval:
                any_end = np.zeros(n, dtype=bool)
                for q in tt.props.values():
                    if q.kind in ("begin", "end"):
                        any_end |= table[q.name].notna().to_numpy()
                iv = _cat("<", _sub(raw, any_end), "/interval>")
                sink.add(_sub(subj, any_end), X(tt.interval_link), iv, _sub(g, any_end))  # type: ignore[arg-type]
                sink.add(iv, rdf_type, st.iri(X("time:Interval")), _sub(g, any_end))
                interval = True
            suffix = "start" if pt.kind == "begin" else "end"
            raw_m = _sub(raw, m)
            inst = _cat("<", raw_m, "/" + suffix + ">")
            sink.add(_cat("<", raw_m, "/interval>"), pt.iri, inst, gm)
            sink.add(inst, rdf_type, st.iri(X("time:Instant")), gm)
            sink.add(inst, X("time:inXSDDate"), st.typed(_date_lex(v), "xsd:date"), gm)
            continue
        else:
            obj = _literal(st, v, pt.datatype, pt.lang, pt.prop.type)
        sink.add(s, pt.iri, obj, gm)


def _prefixes(t: Terms, base: str) -> dict[str, str]:
    prefixes = dict(t.prefixes)
    for tt in t.types.values():
        prefixes[tt.segment] = f"{base}{tt.segment}/"
    return prefixes


def _write_stream(graph: Graph, fh: Any, *, fmt: str, base: str | None = None, vocabulary: bool = True) -> int:
    """Write a graph as N-Triples, N-Quads, Turtle or TriG to a binary file; return the statement count."""
    base = check_base(base or _default_base())
    sink = _Sink(fh, fmt, _Style(fmt, _prefixes(terms(graph.model), base)))
    for _ in _emit(graph, sink, base=base, vocabulary=vocabulary):
        pass
    return sink.count


def _chunks(graph: Graph, *, fmt: str, base: str | None, vocabulary: bool = True) -> Iterator[bytes]:
    """The graph as RDF text (UTF-8), chunk by chunk."""
    import io
    base = check_base(base or _default_base())
    buf = io.BytesIO()
    sink = _Sink(buf, fmt, _Style(fmt, _prefixes(terms(graph.model), base)))
    for _ in _emit(graph, sink, base=base, vocabulary=vocabulary):
        data = buf.getvalue()
        if data:
            yield data
        buf.seek(0)
        buf.truncate()


def to_nquads(graph: Graph, *, base: str | None = None, quads: bool = True, vocabulary: bool = True) -> Iterator[str]:
    """Yield the graph as N-Quads (or N-Triples with ``quads=False``) text, chunk by chunk.

    Parameters
    ----------
    graph
        The graph to export.
    base
        Base IRI of record IRIs (default: ``graphkit.config.base_iri``).
    quads
        Put each ledger file's records in a named graph (N-Quads); False gives N-Triples.
    vocabulary
        Include the SKOS code-list concepts (default graph).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> text = "".join(to_nquads(example_graph(), quads=False))
    >>> print(next(line for line in text.splitlines() if "/pairing/p1> <https://graphkit.example.org/ns#strongSide>" in line))
    <https://graphkit.example.org/id/pairing/p1> <https://graphkit.example.org/ns#strongSide> <https://graphkit.example.org/id/organization/v1> .
    """
    for data in _chunks(graph, fmt="nquads" if quads else "nt", base=base, vocabulary=vocabulary):
        yield data.decode("utf-8")


def to_rdflib(graph: Graph, *, base: str | None = None, named_graphs: bool = True) -> rdflib.Dataset:
    """The graph as an rdflib Dataset (each ledger file a named graph; vocabulary in the default graph).

    With ``named_graphs=False`` every triple goes to the default graph. Fine for a county; use
    :func:`to_oxigraph` for a province.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> ds = to_rdflib(example_graph())
    >>> sorted(str(g.identifier).rsplit("/", 1)[-1] for g in ds.graphs())[-1]  # one ledger: "hand-made"
    'urn:x-rdflib:default'
    >>> len(list(ds.graphs()))
    2
    """
    from rdflib import Dataset

    ds = Dataset()
    for k, v in terms(graph.model).prefixes.items():
        ds.bind(k, v, override=True, replace=True)
    if named_graphs:
        # one parse: rdflib's N-Quads parser starts a fresh default graph on every call
        ds.parse(data="".join(to_nquads(graph, base=base, quads=True)), format="nquads")
    else:
        for text in to_nquads(graph, base=base, quads=False):
            ds.default_graph.parse(data=text, format="nt")
    return ds


def to_oxigraph(graph: Graph, *, base: str | None = None, named_graphs: bool = True,
                store: pyoxigraph.Store | None = None) -> pyoxigraph.Store:
    """The graph loaded into a pyoxigraph Store (in memory unless ``store`` is given).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> st = to_oxigraph(example_graph())
    >>> len(st) > 500
    True
    """
    import pyoxigraph as ox

    st = store if store is not None else ox.Store()
    fmt = ox.RdfFormat.N_QUADS if named_graphs else ox.RdfFormat.N_TRIPLES
    for data in _chunks(graph, fmt="nquads" if named_graphs else "nt", base=base):
        # lenient: skip re-validating IRIs, which are valid by construction (checked base, encoded ids)
        st.bulk_load(data, fmt, lenient=True)
    return st


def _oxi_format(fmt: str) -> Any:
    import pyoxigraph as ox
    return {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
            "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt]


def _check_fmt_store(fmt: str, store: str) -> None:
    if fmt not in FORMATS:
        raise GraphkitError(f"不支持的格式 unsupported format {fmt!r}; 可选 choose one of: {', '.join(FORMATS)}")
    if store not in STORES:
        raise GraphkitError(f"未知存储 unknown store {store!r}; 可选 choose one of: {', '.join(STORES)}")


def serialize(graph: Graph, *, fmt: str = "turtle", base: str | None = None, store: str = "memory") -> bytes:
    """Serialize a graph in one of :data:`FORMATS` (bytes, UTF-8).

    ``nt``, ``nquads``, ``turtle`` and ``trig`` are written directly from the tables, whatever the
    store (Turtle and TriG with the prefixes of :func:`terms` and of each record type, statements
    grouped by subject). ``jsonld`` goes through the chosen store: ``memory`` (rdflib) or
    ``oxigraph`` (pyoxigraph). TriG (and N-Quads) put each ledger file in its own named graph;
    the other formats hold one graph. To write a large graph use :func:`export_rdf`, which streams
    to the file instead of building the bytes in memory.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> data = serialize(example_graph(), fmt="trig", store="oxigraph")
    >>> b"@prefix org: <http://www.w3.org/ns/org#>" in data
    True
    """
    import io

    _check_fmt_store(fmt, store)
    if fmt in _STREAM_FORMATS:
        buf = io.BytesIO()
        _write_stream(graph, buf, fmt=fmt, base=base)
        return buf.getvalue()
    base = check_base(base or _default_base())
    prefixes = _prefixes(terms(graph.model), base)
    if store == "oxigraph":
        import pyoxigraph as ox
        st = to_oxigraph(graph, base=base, named_graphs=False)
        dumped = st.dump(format=_oxi_format(fmt), prefixes=prefixes, from_graph=ox.DefaultGraph())
        assert dumped is not None  # no output stream given: pyoxigraph returns the bytes
        return _stable_jsonld(dumped)
    g = to_rdflib(graph, base=base, named_graphs=False).default_graph
    for k, v in prefixes.items():
        g.bind(k, v, override=True, replace=True)
    return _stable_jsonld(g.serialize(format="json-ld", context=dict(prefixes), auto_compact=True, encoding="utf-8"))


def _stable_jsonld(data: bytes) -> bytes:
    """JSON-LD in one order whatever the store's: nodes by ``@id``, keys sorted, unordered values sorted.

    rdflib walks its graph in the order of Python's string hashes, which differ from process to
    process, so two exports of one graph came out in different orders. The document means the
    same after this (JSON-LD arrays are unordered sets, except ``@list``, which is kept as it is).

    Examples
    --------
    >>> import json
    >>> json.loads(_stable_jsonld(b'{"@graph": [{"@id": "b", "p": [2, 1]}, {"@id": "a"}]}'))
    {'@graph': [{'@id': 'a'}, {'@id': 'b', 'p': [1, 2]}]}
    """
    import json

    def key(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, sort_keys=True)

    def norm(v: Any, ordered: bool = False) -> Any:
        if isinstance(v, dict):
            return {k: norm(x, ordered=k == "@list") for k, x in v.items()}
        if isinstance(v, list):
            items = [norm(x) for x in v]
            return items if ordered else sorted(items, key=key)
        return v

    doc = norm(json.loads(data))
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def export_rdf(graph: Graph, path: str | Path, *, fmt: str | None = None, base: str | None = None,
               store: str = "memory", force: bool = False) -> Path:
    """Write a graph as RDF to ``path`` (atomically); the format defaults from the suffix.

    N-Triples, N-Quads, Turtle and TriG are streamed to the file chunk by chunk (memory bounded
    by the chunk, not by the graph: a province exports in well under 2 GiB); JSON-LD is built
    in the chosen ``store`` first. An existing ``path`` is replaced only if it is graphkit's own
    RDF export (its first-line comment, or graphkit's vocabulary in its first 64 KB), or with
    ``force``.

    Examples
    --------
    >>> import tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> p = export_rdf(example_graph(), tempfile.mkdtemp() + "/county.ttl")
    >>> p.suffix
    '.ttl'
    """
    from ..store.io import atomic_file, output_signature

    path = Path(path)
    fmt = fmt or _format_from_suffix(path)
    _check_fmt_store(fmt, store)
    base = check_base(base or _default_base())
    try:
        with atomic_file(path, "wb", kind="rdf", force=force) as fh:
            if fmt in _STREAM_FORMATS:
                fh.write(f"# {output_signature('rdf', 'rdf export')}\n".encode())
                _write_stream(graph, fh, fmt=fmt, base=base)
            else:
                fh.write(serialize(graph, fmt=fmt, base=base, store=store))
    except OSError as exc:
        raise OutputError(f"无法写入 cannot write {path}: {exc}") from None
    return path


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    for name, (suf, _) in FORMATS.items():
        if suffix == suf:
            return name
    aliases = {".json": "jsonld", ".turtle": "turtle", ".ntriples": "nt", ".nquads": "nquads"}
    if suffix in aliases:
        return aliases[suffix]
    raise GraphkitError(f"{path}: 无法由扩展名判断 RDF 格式 / cannot tell the RDF format from the suffix; "
                        f"可选 use one of {', '.join(s for s, _ in FORMATS.values())}")


# --------------------------------------------------------------------------------------------
# import: RDF -> Graph


def load_rdf(path: str | Path, *, fmt: str | None = None, store: str = "memory") -> Any:
    """Parse an RDF file into an rdflib Dataset (``memory``) or a pyoxigraph Store (``oxigraph``).

    Examples
    --------
    >>> import tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> p = export_rdf(example_graph(), tempfile.mkdtemp() + "/county.nt")
    >>> len(load_rdf(p, store="oxigraph")) > 500
    True
    """
    path = Path(path)
    if not path.is_file():
        raise GraphkitError(f"找不到 RDF 文件 / RDF file not found: {path}")
    fmt = fmt or _format_from_suffix(path)
    if store == "oxigraph":
        import pyoxigraph as ox
        st = ox.Store()
        try:
            st.bulk_load(path=str(path), format=_oxi_format(fmt))
        except (SyntaxError, ValueError) as exc:
            raise GraphkitError(f"{path}: RDF 解析失败 / cannot parse as {fmt}: {exc}") from None
        return st
    from rdflib import Dataset
    ds = Dataset()
    try:
        ds.parse(str(path), format=FORMATS[fmt][1])
    except Exception as exc:  # rdflib raises many parser-specific exception types
        raise GraphkitError(f"{path}: RDF 解析失败 / cannot parse as {fmt}: {exc}") from None
    return ds


class _Source:
    """Uniform triple access over an rdflib graph/dataset or a pyoxigraph store (all graphs)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.oxi = type(source).__module__.startswith("pyoxigraph")
        self._cache: dict[str, pd.DataFrame] = {}

    def frame(self, pred: str) -> pd.DataFrame:
        """Triples of one predicate: columns s, o (lexical form or IRI), iri (bool), dt, lang."""
        if pred in self._cache:
            return self._cache[pred]
        s_: list[str] = []
        o_: list[str] = []
        iri_: list[bool] = []
        dt_: list[str | None] = []
        lang_: list[str | None] = []
        if self.oxi:
            import pyoxigraph as ox
            for q in self.source.quads_for_pattern(None, ox.NamedNode(pred), None, None):
                s_.append(q.subject.value)
                o = q.object
                o_.append(o.value)
                if isinstance(o, ox.Literal):
                    iri_.append(False)
                    dt_.append(o.datatype.value)
                    lang_.append(o.language)
                else:
                    iri_.append(isinstance(o, ox.NamedNode))
                    dt_.append(None)
                    lang_.append(None)
        else:
            from rdflib import Literal, URIRef
            src = self.source
            it = (src.quads((None, URIRef(pred), None, None)) if hasattr(src, "quads") and hasattr(src, "graphs")
                  else ((s, p, o, None) for s, p, o in src.triples((None, URIRef(pred), None))))
            for s, _p, o, *_ in it:
                s_.append(str(s))
                o_.append(str(o))
                if isinstance(o, Literal):
                    iri_.append(False)
                    dt_.append(str(o.datatype) if o.datatype else (None if o.language else _NS["xsd"] + "string"))
                    lang_.append(o.language)
                else:
                    iri_.append(isinstance(o, URIRef))
                    dt_.append(None)
                    lang_.append(None)
        df = pd.DataFrame({"s": pd.Series(s_, dtype=object), "o": pd.Series(o_, dtype=object),
                           "iri": pd.Series(iri_, dtype=bool), "dt": pd.Series(dt_, dtype=object),
                           "lang": pd.Series(lang_, dtype=object)})
        df = df.drop_duplicates(["s", "o", "iri", "dt", "lang"]).reset_index(drop=True)
        self._cache[pred] = df
        return df


def _one_value(frame: pd.DataFrame, subjects: pd.Series, what: str, problems: Problems, src_name: str) -> pd.DataFrame:
    """The first value per subject (sorted); extra values become ``conflicting_values`` warnings."""
    f = frame[frame["s"].isin(subjects)]
    if f["s"].duplicated().any():
        f = f.sort_values(["s", "o"], kind="stable")
        dup = f[f["s"].duplicated(keep=False)]
        for s, grp in dup.groupby("s", sort=True):
            problems.add(file=src_name, column=what, value=" ≠ ".join(grp["o"].astype(str).head(3)),
                         rule="conflicting_values", severity="warning", zh=f"<{s}> 有多个取值，取第一个",
                         en=f"<{s}> has several values; the first is kept")
        f = f.drop_duplicates("s", keep="first")
    return f


def read_rdf(source: Any, *, fmt: str | None = None, store: str = "memory", model: Model | None = None) -> Graph:
    """Read RDF written by graphkit (any format) back into a :class:`graphkit.Graph`.

    Records are found by their class (``rdf:type``) and their IRI ``…/{type}/{id}``; values by
    the declared predicates; intervals through ``time:Interval`` instants; provenance through
    ``prov:wasDerivedFrom`` source rows. Tables come back with the same ids, values and dtypes as
    ``build_graph`` gives. Values that cannot be read are dropped and listed in ``graph.problems``.

    Parameters
    ----------
    source
        A path (format from the suffix or ``fmt``), an rdflib Graph/Dataset or a pyoxigraph Store.
    store
        For a path: parse with rdflib (``memory``) or pyoxigraph (``oxigraph``, much faster).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> back = read_rdf(to_oxigraph(g))
    >>> back.tables["Pairing"][["id", "strong", "weak"]].values.tolist()
    [['p1', 'v1', 'v2'], ['p2', 'a2', 'v4'], ['p3', 'a1', 'v3']]
    """
    src_name = ""
    if isinstance(source, (str, Path)):
        src_name = Path(source).name
        source = load_rdf(source, fmt=fmt, store=store)
    model = model or load_schema()
    t = terms(model)
    src = _Source(source)
    problems = Problems()
    rdf_type = _NS["rdf"] + "type"
    types_f = src.frame(rdf_type)
    ident = src.frame(t.iri("dcterms:identifier"))
    ident = ident[~ident["iri"]]
    # records per type
    subjects: dict[str, pd.DataFrame] = {}
    for name, tt in t.types.items():
        subs = types_f.loc[types_f["iri"] & (types_f["o"] == tt.class_iri), ["s"]].drop_duplicates()
        subs = subs.merge(_one_value(ident, subs["s"], "id", problems, src_name)[["s", "o"]], on="s", how="left")
        last = subs["s"].str.rsplit("/", n=1).str[-1].map(unquote)
        subs["id"] = subs["o"].where(subs["o"].notna(), last)
        expect = ("/" + tt.segment + "/" + _enc_ids(subs["id"])).tolist() if len(subs) else []
        ok = np.array([s.endswith(e) for s, e in zip(subs["s"].tolist(), expect)], dtype=bool)
        subjects[name] = subs.loc[ok, ["s", "id"]].sort_values("id").reset_index(drop=True)
    iri_to_id = pd.concat([d.set_index("s")["id"] for d in subjects.values()]) if subjects else pd.Series(dtype=object)
    iri_to_id = iri_to_id[~iri_to_id.index.duplicated()]
    code_of = {t.concept(cl.name, c): c for cl in model.codelists.values() for c in cl.codes}
    tables: dict[str, pd.DataFrame] = {}
    for name, tt in t.types.items():
        subs = subjects[name]
        df = pd.DataFrame({"id": subs["id"].astype(str)})
        for pname, pt in tt.props.items():
            col_label = f"{name}.{pname}"
            if pt.kind in ("begin", "end"):
                link = src.frame(t.iri(tt.interval_link))  # type: ignore[arg-type]
                link = _one_value(link[link["iri"] | ~link["iri"]], subs["s"], col_label, problems, src_name)
                ends = src.frame(pt.iri)
                ends = _one_value(ends, link["o"], col_label, problems, src_name)
                dates = src.frame(t.iri("time:inXSDDate"))
                dates = _one_value(dates, ends["o"], col_label, problems, src_name)
                chain = (link[["s", "o"]].rename(columns={"o": "iv"})
                         .merge(ends[["s", "o"]].rename(columns={"s": "iv", "o": "inst"}), on="iv")
                         .merge(dates[["s", "o"]].rename(columns={"s": "inst", "o": "v"}), on="inst"))
                vals = subs[["s"]].merge(chain[["s", "v"]], on="s", how="left")["v"]
                df[pname] = _typed(vals, "date", col_label, problems, src_name)
                continue
            f = _one_value(src.frame(pt.iri), subs["s"], col_label, problems, src_name)
            vals = subs[["s"]].merge(f[["s", "o", "iri"]], on="s", how="left")
            v, is_iri = vals["o"], vals["iri"].fillna(False).astype(bool)
            if pt.kind == "code":
                codes = v.where(is_iri).map(code_of)
                bad = v.notna() & codes.isna()
                for x in v[bad].head(20):
                    problems.add(file=src_name, column=col_label, value=x, rule="unknown_code", severity="warning",
                                 zh="不是代码表中的概念", en="not a concept of the code list")
                df[pname] = codes.astype(object).where(codes.notna(), None).to_numpy()
            elif pt.kind == "ref":
                ids = v.where(is_iri).map(iri_to_id)
                dangling = v.notna() & is_iri & ids.isna()
                if dangling.any():
                    fallback = v[dangling].str.rsplit("/", n=1).str[-1].map(unquote)
                    ids = ids.astype(object)
                    ids[dangling] = fallback
                    for x in v[dangling].head(20):
                        problems.add(file=src_name, column=col_label, value=x, rule="dangling_ref", severity="warning",
                                     zh="引用的记录不在数据中", en="the referenced record is not in the data")
                df[pname] = ids.astype(object).where(ids.notna(), None).to_numpy()
            else:
                df[pname] = _typed(v.where(~is_iri), pt.prop.type, col_label, problems, src_name,
                                   datetime=pt.datatype == "xsd:dateTime")
        _read_provenance(df, src, t, subs)
        tables[name] = _final_dtypes(df, tt.rtype).sort_values("id", kind="stable").reset_index(drop=True)
    sources = _read_sources(src, t)
    return Graph(tables, model=model, sources=sources, problems=problems.frame(),
                 settings={"county": "", "rdf_source": src_name})


def _typed(values: pd.Series, ptype: str, what: str, problems: Problems, src_name: str, *,
           datetime: bool = False) -> pd.Series:
    values = values.reset_index(drop=True)
    if ptype == "date":
        lex = values.astype(object).where(values.notna(), None)
        if datetime:
            lex = lex.map(lambda x: x[:10] if isinstance(x, str) else x)
        out = pd.to_datetime(lex, format="%Y-%m-%d", errors="coerce")
    elif ptype == "integer":
        out = pd.to_numeric(values, errors="coerce")
    elif ptype == "boolean":
        out = values.map({"true": True, "1": True, "false": False, "0": False})
    else:
        return values.astype(object).where(values.notna(), None)
    bad = values.notna() & out.isna()
    for x in values[bad].head(20):
        problems.add(file=src_name, column=what, value=x, rule={"date": "bad_date", "integer": "bad_integer"}.get(ptype, "bad_boolean"),
                     severity="warning", zh="字面量无法解析", en="literal cannot be read")
    return out


def _final_dtypes(df: pd.DataFrame, rtype: RecordType) -> pd.DataFrame:
    """The dtypes ``build_graph`` gives (dates datetime64[s], Int64, boolean, objects with None)."""
    for pname, prop in rtype.properties.items():
        col = df[pname]
        if prop.type == "date":
            df[pname] = pd.to_datetime(col).astype("datetime64[s]")
        elif prop.type == "integer":
            df[pname] = pd.array(col.tolist() if len(col) else [], dtype="Int64") if col.dtype == object else col.astype("Int64")
        elif prop.type == "boolean":
            df[pname] = pd.array([None if pd.isna(x) else bool(x) for x in col], dtype="boolean")
        else:
            df[pname] = col.astype(object).where(col.notna(), None)
    for c in ("src_file", "src_sheet", "src_hash"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["src_row"] = df["src_row"].astype("int64") if df["src_row"].notna().all() else df["src_row"].astype("Int64")
    df["id"] = df["id"].astype(object)
    return df[rtype.columns()]


def _read_provenance(df: pd.DataFrame, src: _Source, t: Terms, subs: pd.DataFrame) -> None:
    der = src.frame(t.iri("prov:wasDerivedFrom"))
    der = der[der["iri"]].sort_values(["s", "o"]).drop_duplicates("s")
    rows = subs[["s"]].merge(der[["s", "o"]].rename(columns={"o": "row"}), on="s", how="left")

    def attach(frame: pd.DataFrame, key: str, pred: str, col: str) -> pd.DataFrame:
        f = src.frame(t.iri(pred)).sort_values(["s", "o"]).drop_duplicates("s")
        return frame.merge(f[["s", "o"]].rename(columns={"s": key, "o": col}), on=key, how="left")

    rows = attach(rows, "row", "gk:sheet", "src_sheet")
    rows = attach(rows, "row", "gk:row", "src_row")
    rows = attach(rows, "row", "gk:sourceFile", "file")
    rows = attach(rows, "file", "gk:fileName", "src_file")
    rows = attach(rows, "file", "gk:fileHash", "src_hash")
    df["src_file"] = rows["src_file"].to_numpy()
    df["src_sheet"] = rows["src_sheet"].to_numpy()
    df["src_row"] = pd.to_numeric(rows["src_row"], errors="coerce").astype("Int64").to_numpy()
    df["src_hash"] = rows["src_hash"].to_numpy()


def _read_sources(src: _Source, t: Terms) -> pd.DataFrame:
    types_f = src.frame(_NS["rdf"] + "type")
    files = types_f.loc[types_f["o"] == t.iri("gk:LedgerFile"), ["s"]].drop_duplicates()
    for pred, col in (("gk:fileName", "file"), ("gk:fileHash", "sha256"), ("gk:byteSize", "bytes")):
        f = src.frame(t.iri(pred)).sort_values(["s", "o"]).drop_duplicates("s")
        files = files.merge(f[["s", "o"]].rename(columns={"o": col}), on="s", how="left")
    out = files.drop(columns="s").sort_values("file").reset_index(drop=True)
    # 0 when the RDF does not give the size (the output folder's manifest needs a number)
    out["bytes"] = pd.to_numeric(out["bytes"], errors="coerce").fillna(0).astype("int64")
    out["sheets"] = ""
    out["layouts"] = ""
    return out[["file", "sha256", "bytes", "sheets", "layouts"]]


# --------------------------------------------------------------------------------------------
# SHACL validation -> the problem table


# rules only RDF validation can name (not in the loaders' RULES table)
_EXTRA_RULES: dict[str, tuple[str, str]] = {
    "wrong_value_type": ("取值类型不符", "value has the wrong RDF type"),
    "shacl": ("不符合 SHACL 约束", "SHACL constraint violated"),
}
_COMPONENT_RULES = {
    "MinCountConstraintComponent": "required",
    "MaxCountConstraintComponent": "conflicting_values",
    "InConstraintComponent": "unknown_code",
    "MaxLengthConstraintComponent": "too_long",
    "MinInclusiveConstraintComponent": "out_of_range",
    "MaxInclusiveConstraintComponent": "out_of_range",
    "ClassConstraintComponent": "dangling_ref",
    "DisjointConstraintComponent": "self_reference",
    "NodeKindConstraintComponent": "wrong_value_type",
}
_DATATYPE_RULES = {"date": "bad_date", "integer": "bad_integer", "boolean": "bad_boolean"}
_SHADOWED_BY_DATATYPE = frozenset({"MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent",
                                   "MaxLengthConstraintComponent"})


def _as_data_graph(source: Any, fmt: str | None) -> rdflib.Graph:
    """One rdflib Graph holding every triple of the source (named graphs merged)."""
    from rdflib import Graph as RGraph

    if isinstance(source, (str, Path)):
        source = load_rdf(source, fmt=fmt, store="memory")
    g = RGraph()
    if type(source).__module__.startswith("pyoxigraph"):
        import pyoxigraph as ox
        data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in source), format=ox.RdfFormat.N_TRIPLES)
        assert data is not None  # no output stream given: pyoxigraph returns the bytes
        g.parse(data=data.decode("utf-8"), format="nt")
        return g
    if hasattr(source, "quads") and hasattr(source, "graphs"):
        for s, p, o, _ in source.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        for tr in source.triples((None, None, None)):
            g.add(tr)
    return g


@dataclass
class _Result:
    """One SHACL validation result, from pySHACL's report or from a SPARQL constraint run here."""

    focus: Any
    value: Any
    component: str
    shape: str
    constraint: str
    severity: str
    messages: dict[str | None, str]


def _pyshacl_results(data: rdflib.Graph, sg: rdflib.Graph) -> list[_Result]:
    import pyshacl
    from rdflib.namespace import RDF, SH

    conforms, report, _text = pyshacl.validate(data, shacl_graph=sg, inference="none", advanced=False,
                                               allow_warnings=True, meta_shacl=False)
    if conforms:
        return []
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        sev = str(report.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        out.append(_Result(report.value(r, SH.focusNode), report.value(r, SH.value),
                           str(report.value(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
                           str(report.value(r, SH.sourceShape) or ""), str(report.value(r, SH.sourceConstraint) or ""),
                           sev, {getattr(m, "language", None): str(m) for m in report.objects(r, SH.resultMessage)}))
    return out


def _split_sparql(sg: rdflib.Graph) -> tuple[rdflib.Graph, list[tuple[str, str, list[str], str, dict[str | None, str]]]]:
    """Take the SPARQL-based constraints out of a shapes graph.

    Returns the remaining shapes and, per constraint: (shape IRI, constraint IRI, target classes,
    SELECT text, messages).
    """
    from rdflib import Graph as RGraph
    from rdflib.namespace import SH

    core = RGraph()
    for tr in sg:
        core.add(tr)
    found = []
    for shape, c in sorted(sg.subject_objects(SH.sparql), key=lambda x: (str(x[0]), str(x[1]))):
        core.remove((shape, SH.sparql, c))
        classes = sorted(str(x) for x in sg.objects(shape, SH.targetClass))
        select = str(sg.value(c, SH.select))
        msgs = {getattr(m, "language", None): str(m) for m in sg.objects(c, SH.message)}
        found.append((str(shape), str(c), classes, select, msgs))
    return core, found


def _sparql_results(data: rdflib.Graph, constraints: list[tuple[str, str, list[str], str, dict[str | None, str]]]) -> list[_Result]:
    """Evaluate SPARQL-based constraints once each over all focus nodes (``$this`` free)."""
    from rdflib.namespace import RDF
    from rdflib.query import ResultRow

    out = []
    for shape, c, classes, select, msgs in constraints:
        q = select.replace("$this", "?this")
        head, brace, body = q.partition("{")
        for cls in classes:
            query = f"{head}{brace} ?this <{RDF.type}> <{cls}> . {body}"
            for row in data.query(query):
                assert isinstance(row, ResultRow)  # a SELECT query yields result rows
                out.append(_Result(row.this, getattr(row, "value", None), "SPARQLConstraintComponent", shape, c,
                                   "Violation", msgs))
    return out


def validate_rdf(source: Any, *, fmt: str | None = None, shapes: rdflib.Graph | None = None,
                 model: Model | None = None, engine: str = "fast") -> pd.DataFrame:
    """Validate RDF with pySHACL against graphkit's shapes; return the loaders' problem table.

    Each violation becomes one row (``severity, file, sheet, row, column, value, rule,
    message_zh, message_en``) pointing back to the ledger row the record came from
    (through ``prov:wasDerivedFrom``). An empty table means the data conforms.

    Parameters
    ----------
    source
        A path, an rdflib Graph/Dataset or a pyoxigraph Store (named graphs are merged first).
    shapes
        Other shapes (default: :func:`shapes_graph`, the same as ``schema/shapes.ttl``).
    engine
        ``fast`` (default): pySHACL checks the core constraints and each SPARQL-based constraint
        (interval order, cycles) is run once over all focus nodes — the same results, many times
        faster, because pySHACL re-parses a SPARQL constraint for every focus node.
        ``pyshacl``: pySHACL evaluates everything.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> validate_rdf(to_rdflib(g)).empty
    True
    >>> g.tables["Pairing"].loc[0, "weak"] = "v1"      # pair v1 with itself
    >>> validate_rdf(to_oxigraph(g))[["row", "column", "rule"]].values.tolist()
    [[1, '帮扶方(强)', 'self_reference']]
    """
    if engine not in ("fast", "pyshacl"):
        raise GraphkitError(f"未知校验引擎 unknown engine {engine!r}; 可选 choose fast or pyshacl")
    t = terms(model)
    model = t.model
    data = _as_data_graph(source, fmt)
    sg = shapes if shapes is not None else shapes_graph(model)
    if engine == "fast":
        core, constraints = _split_sparql(sg)
        results = _pyshacl_results(data, core) + _sparql_results(data, constraints)
    else:
        results = _pyshacl_results(data, sg)
    problems = Problems()
    if not results:
        return problems.frame()
    # like the loaders, a value of the wrong type is reported once (not also as out of range)
    mistyped = {(str(r.focus), r.shape) for r in results if r.component == "DatatypeConstraintComponent"}
    results = [r for r in results if not (r.component in _SHADOWED_BY_DATATYPE and (str(r.focus), r.shape) in mistyped)]
    index = _shape_index(t)
    prov = _provenance_lookup(data, t)
    names = _display_names(data, t)
    code_of = {t.concept(cl.name, c): (cl.name, c) for cl in model.codelists.values() for c in cl.codes}
    rows: list[dict[str, Any]] = []
    for r in results:
        severity = {"Violation": "error", "Warning": "warning"}.get(r.severity, "info")
        info = index.get(r.constraint) or index.get(r.shape)
        file, sheet, row = prov.get(str(r.focus), ("", "", None))
        tt = t.types.get(info.type_name) if info else None
        prop = tt.rtype.properties.get(info.prop) if (tt and info and info.prop and info.prop != "id") else None
        col_zh = prop.label["zh"] if prop else ("标识" if info and info.prop == "id" else "")
        col_en = prop.label["en"] if prop else ("id" if info and info.prop == "id" else "")
        rule = (info.rule if info and info.rule else None) or _COMPONENT_RULES.get(r.component)
        if r.component == "DatatypeConstraintComponent":
            rule = _DATATYPE_RULES.get(prop.type if prop else "", "wrong_value_type")
        rule = rule or "shacl"
        shown = _show(r.value, names, code_of, t)
        zh, en = _detail(rule, col_zh, col_en, prop, info, model, r.messages)
        label = names.get(str(r.focus), _short_iri(r.focus))
        what_zh = f"{tt.rtype.label['zh']}「{label}」" if tt else f"<{r.focus}>"
        what_en = f"{tt.rtype.label['en']} {label!r}" if tt else f"<{r.focus}>"
        title_zh, title_en = RULES.get(rule) or _EXTRA_RULES[rule]
        rows.append({"severity": severity, "file": file, "sheet": sheet, "row": row, "column": col_zh, "value": shown,
                     "rule": rule, "message_zh": f"{title_zh}：{what_zh}{zh}", "message_en": f"{title_en}: {what_en}: {en}"})
    problems.extend(rows)
    return problems.frame().drop_duplicates().reset_index(drop=True)


def _short_iri(node: Any) -> str:
    return unquote(str(node).rsplit("/", 1)[-1])


def _show(value: Any, names: dict[str, str], code_of: dict[str, tuple[str, str]], t: Terms) -> str:
    if value is None:
        return ""
    s = str(value)
    if s in code_of:
        return code_of[s][1]
    if s in names:
        return names[s]
    if s.startswith(t.code_ns):
        return unquote(s[len(t.code_ns):].split("-", 1)[-1])
    if s.startswith(("http://", "https://")):
        return _short_iri(s)
    return s


def _detail(rule: str, col_zh: str, col_en: str, prop: Property | None, info: _ShapeInfo | None, model: Model,
            messages: dict[str | None, str]) -> tuple[str, str]:
    if rule == "required":
        return f"「{col_zh}」不能为空", f"{col_en!r} must not be empty"
    if rule == "unknown_code" and prop is not None and prop.codelist:
        cl = model.codelists[prop.codelist]
        return (f"「{col_zh}」可选值：{', '.join(cl.zh(c) for c in cl.codes)}",
                f"{col_en}: not one of {', '.join(cl.codes)}")
    if rule == "too_long" and prop is not None:
        return f"「{col_zh}」超过 {prop.max_length} 个字符", f"{col_en} longer than {prop.max_length} characters"
    if rule == "out_of_range" and prop is not None:
        return f"「{col_zh}」应在 {prop.min}–{prop.max} 之间", f"{col_en} must be within {prop.min}–{prop.max}"
    if rule == "dangling_ref" and prop is not None:
        rng = model[prop.range]  # type: ignore[index]
        return f"「{col_zh}」所指的{rng.label['zh']}不存在", f"{col_en}: no {rng.label['en']} with that IRI"
    if rule == "self_reference" and info is not None:
        rtype = model[info.type_name]
        a, b = next(((x, y) for x, y in rtype.distinct if info.prop in (x, y)), (info.prop, info.prop))
        pa, pb = rtype.properties[a], rtype.properties[b]  # type: ignore[index]
        return (f"「{pa.label['zh']}」与「{pb.label['zh']}」是同一个组织",
                f"{pa.label['en']} and {pb.label['en']} are the same record")
    if rule == "interval_order" and info is not None:
        rtype = model[info.type_name]
        a, b = next(((x, y) for x, y in rtype.intervals if y == info.prop), (info.prop, info.prop))
        pa, pb = rtype.properties[a], rtype.properties[b]  # type: ignore[index]
        return f"「{pb.label['zh']}」早于「{pa.label['zh']}」", f"{pb.label['en']} is before {pa.label['en']}"
    if rule == "cycle" and prop is not None:
        return f"「{col_zh}」关系形成循环", f"the {col_en.lower()} chain loops back on itself"
    if rule == "conflicting_values":
        return f"「{col_zh}」有多个取值", f"{col_en} has more than one value"
    if rule in ("bad_date", "bad_integer", "bad_boolean", "wrong_value_type"):
        return f"「{col_zh}」取值类型不符", f"{col_en}: value of the wrong type"
    zh = messages.get("zh") or messages.get(None) or next(iter(messages.values()), "")
    en = messages.get("en") or messages.get(None) or next(iter(messages.values()), "")
    return zh, en


def _provenance_lookup(data: rdflib.Graph, t: Terms) -> dict[str, tuple[str, str, int | None]]:
    """focus node IRI -> (file, sheet, row) via prov:wasDerivedFrom."""
    from rdflib import URIRef

    X = lambda c: URIRef(t.iri(c))  # noqa: E731
    out: dict[str, tuple[str, str, int | None]] = {}
    for s, row in data.subject_objects(X("prov:wasDerivedFrom")):
        f = data.value(row, X("gk:sourceFile"))
        fname = str(data.value(f, X("gk:fileName")) or "") if f is not None else ""
        sheet = str(data.value(row, X("gk:sheet")) or "")
        rn = data.value(row, X("gk:row"))
        out[str(s)] = (fname, sheet, int(str(rn)) if rn is not None else None)
        # intervals and instants of a record point back to it as well
        for suffix in ("/interval", "/start", "/end"):
            out.setdefault(str(s) + suffix, out[str(s)])
    return out


def _display_names(data: rdflib.Graph, t: Terms) -> dict[str, str]:
    from rdflib import URIRef

    out: dict[str, str] = {}
    for curie in ("dcterms:identifier", "rdfs:label", "foaf:name", "skos:prefLabel"):
        for s, o in data.subject_objects(URIRef(t.iri(curie))):
            if getattr(o, "language", None) in (None, "zh"):
                out[str(s)] = str(o)
    return out
