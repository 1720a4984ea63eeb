"""The schema core: reads ``schema/model.yaml`` and ``schema/codelists.yaml`` and checks them.

The declaration is data; this module is the small core that reads it (in the manner of
followthemoney). Everything else — loaders, Neo4j constraints, the RDF ontology, SHACL shapes —
asks this module about types, properties and code lists and never hard-codes them.

Examples
--------
>>> from graphkit.schema import load_schema
>>> model = load_schema()
>>> model["Organization"].label["zh"]
'党组织'
>>> model.codelists["category"].lookup("三类村")
'3'
>>> model["Pairing"].edge.source, model["Pairing"].edge.target
('strong', 'weak')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

import yaml

from ._paths import schema_dir
from ._text import match_key
from .errors import SchemaError

__all__ = ["Codelist", "Property", "Edge", "RecordType", "Model", "load_schema", "PROPERTY_TYPES", "PROVENANCE"]

PROPERTY_TYPES = frozenset({"string", "integer", "date", "boolean", "code", "ref"})
PROVENANCE = ("src_file", "src_sheet", "src_row", "src_hash")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TYPE = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_REL = re.compile(r"^[A-Z][A-Z0-9_]*$")
_CURIE = re.compile(r"^(org|skos|prov|time|foaf|rdfs|gk):[A-Za-z][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Codelist:
    """A declared list of codes with Chinese/English labels and accepted spellings."""

    name: str
    label: dict[str, str]
    codes: tuple[str, ...]
    labels: dict[str, dict[str, str]]
    ordered: bool
    _index: dict[str, str] = field(repr=False, compare=False, default_factory=dict)

    def lookup(self, value: object) -> str | None:
        """Return the code for a spelling (code, label or alias), or None if unknown."""
        key = match_key(value)
        return None if key is None else self._index.get(key)

    def zh(self, code: str) -> str:
        """Return the Chinese label of a code."""
        return self.labels[code]["zh"]

    def en(self, code: str) -> str:
        """Return the English label of a code."""
        return self.labels[code]["en"]

    def rank(self, code: str) -> int:
        """Return the position of a code (meaningful for ordered lists)."""
        return self.codes.index(code)


@dataclass(frozen=True)
class Property:
    """One property of a record type."""

    name: str
    type: str
    label: dict[str, str]
    required: bool = False
    codelist: str | None = None
    range: str | None = None
    rel: str | None = None
    rdf: str | None = None
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    acyclic: bool = False


@dataclass(frozen=True)
class Edge:
    """How an n-ary link type joins two records: ``source`` and ``target`` are ref properties."""

    source: str
    target: str
    rel: str


@dataclass(frozen=True)
class RecordType:
    """A node type or an n-ary link type."""

    name: str
    label: dict[str, str]
    id_prefix: str
    properties: dict[str, Property]
    edge: Edge | None
    rdf: dict[str, str]
    neo4j_label: str | None
    intervals: tuple[tuple[str, str], ...] = ()
    distinct: tuple[tuple[str, str], ...] = ()

    @property
    def is_edge(self) -> bool:
        """True for n-ary link types (Membership, Pairing, ...)."""
        return self.edge is not None

    @property
    def refs(self) -> dict[str, Property]:
        """The ref properties, in declaration order."""
        return {k: p for k, p in self.properties.items() if p.type == "ref"}

    def columns(self) -> list[str]:
        """The table columns of this type: id, properties, provenance."""
        return ["id", *self.properties, *PROVENANCE]


class Model:
    """The whole declaration: record types and code lists, checked for consistency."""

    def __init__(self, types: dict[str, RecordType], codelists: dict[str, Codelist], *,
                 version: str, base_iri: str, vocab_iri: str, source: Path) -> None:
        self.types = types
        self.codelists = codelists
        self.version = version
        self.base_iri = base_iri
        self.vocab_iri = vocab_iri
        self.source = source

    def __getitem__(self, name: str) -> RecordType:
        try:
            return self.types[name]
        except KeyError:
            raise SchemaError(f"未知类型 unknown record type {name!r}; known: {', '.join(self.types)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self.types

    def __iter__(self) -> Iterator[RecordType]:
        return iter(self.types.values())

    @property
    def node_types(self) -> list[RecordType]:
        """Record types stored as nodes."""
        return [t for t in self if not t.is_edge]

    @property
    def edge_types(self) -> list[RecordType]:
        """n-ary link types."""
        return [t for t in self if t.is_edge]

    def relationship_types(self) -> list[tuple[str, str, str, str]]:
        """Every relationship the graph has: (rel, source type, target type, declared by).

        ``declared by`` is ``Type.property`` for ref properties and ``Type`` for link types.
        """
        out: list[tuple[str, str, str, str]] = []
        for t in self:
            if t.edge:
                src = t.properties[t.edge.source].range
                tgt = t.properties[t.edge.target].range
                out.append((t.edge.rel, src, tgt, t.name))  # type: ignore[arg-type]
            else:
                for p in t.refs.values():
                    out.append((p.rel, t.name, p.range, f"{t.name}.{p.name}"))  # type: ignore[arg-type]
        return out

    def __repr__(self) -> str:
        return f"<Model v{self.version}: {len(self.types)} types, {len(self.codelists)} code lists>"


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw.get("zh") or not raw.get("en"):
        raise SchemaError(f"{where}: 缺少中英文标签 needs label: {{zh: …, en: …}}")
    return {"zh": str(raw["zh"]), "en": str(raw["en"])}


#: libyaml's safe loader when PyYAML was built with it (about 10x faster), else the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_SafeLoader)  # noqa: S506 - a safe loader (libyaml's when built with it)
    except FileNotFoundError:
        raise SchemaError(f"找不到模式文件 schema file not found: {path}") from None
    except yaml.YAMLError as exc:
        raise SchemaError(f"模式文件不是合法 YAML / schema file is not valid YAML: {path}: {exc}") from None


def _parse_codelists(raw: Any, path: Path) -> dict[str, Codelist]:
    if not isinstance(raw, dict):
        raise SchemaError(f"{path}: 顶层应为映射 top level must be a mapping of code lists")
    out: dict[str, Codelist] = {}
    for name, body in raw.items():
        where = f"{path.name}: {name}"
        if not _NAME.match(str(name)):
            raise SchemaError(f"{where}: 代码表名称无效 invalid code list name")
        entries = (body or {}).get("entries")
        if not entries:
            raise SchemaError(f"{where}: 没有条目 has no entries")
        codes: list[str] = []
        labels: dict[str, dict[str, str]] = {}
        index: dict[str, str] = {}
        for entry in entries:
            code = str(entry.get("code", ""))
            if not code:
                raise SchemaError(f"{where}: 条目缺少 code / an entry has no code: {entry}")
            if code in labels:
                raise SchemaError(f"{where}: 代码重复 duplicate code {code!r}")
            labels[code] = _labels(entry, f"{where}.{code}")
            codes.append(code)
            for spelling in [code, entry["zh"], entry["en"], *(entry.get("aliases") or [])]:
                key = match_key(spelling)
                if key is None:
                    continue
                if index.get(key, code) != code:
                    raise SchemaError(
                        f"{where}: 别名 {spelling!r} 同时指向 {index[key]!r} 和 {code!r} / "
                        f"alias is ambiguous between two codes"
                    )
                index[key] = code
        out[name] = Codelist(name, _labels(body.get("label"), where), tuple(codes), labels,
                             bool(body.get("ordered", False)), index)
    return out


def _parse_types(raw: Any, codelists: dict[str, Codelist], path: Path) -> dict[str, RecordType]:
    types_raw = raw.get("types") if isinstance(raw, dict) else None
    if not isinstance(types_raw, dict) or not types_raw:
        raise SchemaError(f"{path}: 缺少 types / needs a `types:` mapping")
    names = set(types_raw)
    types: dict[str, RecordType] = {}
    prefixes: dict[str, str] = {}
    for tname, body in types_raw.items():
        where = f"{path.name}: {tname}"
        if not _TYPE.match(str(tname)):
            raise SchemaError(f"{where}: 类型名应为 CamelCase / type names are CamelCase")
        body = body or {}
        prefix = str(body.get("id_prefix", ""))
        if not _NAME.match(prefix):
            raise SchemaError(f"{where}: id_prefix 无效 invalid or missing id_prefix")
        if prefix in prefixes:
            raise SchemaError(f"{where}: id_prefix {prefix!r} 已被 {prefixes[prefix]} 使用 / already used")
        prefixes[prefix] = tname
        props: dict[str, Property] = {}
        for pname, p in (body.get("properties") or {}).items():
            pw = f"{where}.{pname}"
            if not _NAME.match(str(pname)) or pname in ("id", *PROVENANCE):
                raise SchemaError(f"{pw}: 属性名无效或保留 invalid or reserved property name")
            ptype = p.get("type")
            if ptype not in PROPERTY_TYPES:
                raise SchemaError(f"{pw}: 未知属性类型 unknown type {ptype!r}; use one of {sorted(PROPERTY_TYPES)}")
            if ptype == "code" and p.get("codelist") not in codelists:
                raise SchemaError(f"{pw}: 代码表 {p.get('codelist')!r} 未声明 / code list not declared")
            if ptype == "ref":
                if p.get("range") not in names:
                    raise SchemaError(f"{pw}: 引用类型 {p.get('range')!r} 未声明 / ref range not declared")
                if p.get("acyclic") and p.get("range") != tname:
                    raise SchemaError(f"{pw}: acyclic 只适用于指向自身类型的引用 / acyclic needs a self-reference")
            rel = p.get("rel")
            if rel is not None and not _REL.match(str(rel)):
                raise SchemaError(f"{pw}: 关系类型名无效 invalid relationship type {rel!r}")
            rdf = p.get("rdf")
            if rdf is not None and not _CURIE.match(str(rdf)):
                raise SchemaError(f"{pw}: RDF 术语无效 invalid rdf term {rdf!r} (use org:, skos:, prov:, time:, foaf:, rdfs:, gk:)")
            props[pname] = Property(
                name=pname, type=ptype, label=_labels(p.get("label"), pw), required=bool(p.get("required", False)),
                codelist=p.get("codelist"), range=p.get("range"), rel=rel, rdf=rdf,
                min=p.get("min"), max=p.get("max"), max_length=p.get("max_length"), acyclic=bool(p.get("acyclic", False)),
            )
        edge = None
        if "edge" in body:
            e = body["edge"] or {}
            for end in ("source", "target"):
                ep = props.get(str(e.get(end)))
                if ep is None or ep.type != "ref" or not ep.required:
                    raise SchemaError(f"{where}: edge.{end} 须为必填引用属性 must name a required ref property")
            if not _REL.match(str(e.get("rel", ""))):
                raise SchemaError(f"{where}: edge.rel 无效 invalid relationship type")
            edge = Edge(e["source"], e["target"], e["rel"])
        for pname, p in props.items():
            if p.type == "ref" and p.rel is None and not (edge and pname in (edge.source, edge.target)) and not edge:
                raise SchemaError(f"{where}.{pname}: 节点类型的引用属性需要 rel / a node type's ref property needs `rel`")
        intervals = tuple(tuple(x) for x in body.get("intervals", []))
        for pair in intervals:
            if len(pair) != 2 or any(props.get(x) is None or props[x].type != "date" for x in pair):
                raise SchemaError(f"{where}: intervals 须为两个日期属性 must name two date properties: {pair}")
        distinct = tuple(tuple(x) for x in body.get("distinct", []))
        for pair in distinct:
            if len(pair) != 2 or any(props.get(x) is None or props[x].type != "ref" for x in pair):
                raise SchemaError(f"{where}: distinct 须为两个引用属性 must name two ref properties: {pair}")
        rdf = dict(body.get("rdf") or {})
        if "class" not in rdf or not _CURIE.match(str(rdf["class"])):
            raise SchemaError(f"{where}: 需要 rdf.class / needs an rdf.class term")
        neo4j_label = (body.get("neo4j") or {}).get("label")
        if edge is None and (not neo4j_label or not _TYPE.match(str(neo4j_label))):
            raise SchemaError(f"{where}: 节点类型需要 neo4j.label / a node type needs neo4j.label")
        types[tname] = RecordType(tname, _labels(body.get("label"), where), prefix, props, edge, rdf,
                                  neo4j_label, intervals, distinct)
    # link types: the ref properties beyond source/target must point at node types
    rels: dict[str, str] = {}
    for t in types.values():
        for p in t.properties.values():
            if p.type == "ref" and types[p.range].is_edge:  # type: ignore[index]
                raise SchemaError(f"{t.name}.{p.name}: 不能引用关系类型 cannot refer to a link type")
    model_rels = Model(types, codelists, version="", base_iri="", vocab_iri="", source=path).relationship_types()
    for rel, src, tgt, by in model_rels:
        if rels.setdefault(rel, tgt) != tgt:
            raise SchemaError(f"{by}: 关系类型 {rel} 指向不同类型 / relationship type reused with another target type")
    return types


@lru_cache(maxsize=8)
def load_schema(folder: str | Path | None = None) -> Model:
    """Read and check the schema declaration.

    Parameters
    ----------
    folder
        A folder holding ``model.yaml`` and ``codelists.yaml``; defaults to the project's ``schema/``.

    Raises
    ------
    SchemaError
        If the declaration is inconsistent; the message names the type and property.
    """
    base = Path(folder) if folder else schema_dir()
    codelists = _parse_codelists(_read_yaml(base / "codelists.yaml"), base / "codelists.yaml")
    raw = _read_yaml(base / "model.yaml")
    types = _parse_types(raw, codelists, base / "model.yaml")
    return Model(types, codelists, version=str(raw.get("version", "0")), base_iri=str(raw.get("base_iri", "")),
                 vocab_iri=str(raw.get("vocab_iri", "")), source=base)
