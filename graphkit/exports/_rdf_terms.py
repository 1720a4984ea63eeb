"""RDF terms shared by the RDF modules: formats, namespaces, the schema's classes and properties as IRIs
(:class:`Terms`), the base IRI check. Public names are re-exported by :mod:`graphkit.exports.rdf`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote


from ..core import yamlio
from ..core.errors import GraphkitError, SchemaError
from ..core.schema import PROVENANCE, Model, Property, RecordType, load_schema


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

#: The standard namespaces (prefix -> IRI), spelled out so importing the exporters does not load
#: rdflib; tests/test_rdf_export.py checks each equals rdflib.namespace's declaration.
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
    raw = yamlio.safe_load((Path(model.source) / "model.yaml").read_text(encoding="utf-8")) or {}
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


