"""The schema core: reads ``schema/model.yaml``, ``codelists.yaml`` and ``mechanisms.yaml`` and checks them.

The declaration is data; this module is the small core that reads it (in the manner of
followthemoney). Everything else — loaders, Neo4j constraints, the RDF ontology, SHACL shapes —
asks this module about types, properties and code lists and never hard-codes them.

Examples
--------
>>> from graphkit.core.schema import load_schema
>>> model = load_schema()
>>> model["Organization"].label["zh"]
'党组织'
>>> model.codelists["category"].lookup("三类村")
'3'
>>> model["Pairing"].edge.source, model["Pairing"].edge.target
('strong', 'weak')
>>> [m.key for m in model.mechanisms]
['district', 'joint_village', 'chain_alliance', 'service_team', 'pairing']
>>> model.collab_kinds(cadence=True)
('district',)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import yaml

from . import yamlio
from .paths import schema_dir
from .text import match_key
from .errors import SchemaError

__all__ = ["Codelist", "Property", "Edge", "Relationship", "Mechanism", "RecordType", "Model", "load_schema", "PROPERTY_TYPES",
           "PROVENANCE"]

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
    #: code -> the further spellings the code list declares for it (``aliases:``), in declared order.
    aliases: dict[str, tuple[str, ...]] = field(repr=False, compare=False, default_factory=dict)

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
class Relationship:
    """One relationship the graph has, as declared: a ref property or an n-ary link type.

    ``type`` is the record type that declares it; ``prop`` the ref property (None for a link
    type, whose records are the relationships). ``source_col``/``target_col`` are the columns of
    ``type``'s table that hold the two ends (``id`` and the property for a ref property).
    """

    rel: str
    source: str
    target: str
    type: str
    prop: str | None
    source_col: str
    target_col: str

    @property
    def is_link(self) -> bool:
        """True when the relationship is an n-ary link record (it has its own ``id``)."""
        return self.prop is None

    @property
    def declared_by(self) -> str:
        """``Type.property`` for a ref property, ``Type`` for a link type (for messages and listings)."""
        return self.type if self.prop is None else f"{self.type}.{self.prop}"


#: Allowed values of a mechanism's ``coverage``, ``bridges`` and ``view`` entries.
MECHANISM_COVERAGE = ("villages",)
MECHANISM_BRIDGES = ("districts",)
MECHANISM_VIEWS = ("district",)


@dataclass(frozen=True)
class Mechanism:
    """A joint-building mechanism declared in ``schema/mechanisms.yaml``.

    Members are found either as the members of active collaborations of kind
    ``collaboration_kind`` or as the two ends of active records of the link type ``link``.
    """

    key: str
    label: dict[str, str] = field(compare=False)
    collaboration_kind: str | None = None
    link: str | None = None
    anchor: bool = False
    cadence: bool = False
    coverage: str | None = None
    chain: bool = False
    bridges: str | None = None
    view: str | None = None


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
                 version: str, base_iri: str, vocab_iri: str, source: Path,
                 mechanisms: tuple[Mechanism, ...] = ()) -> None:
        self.types = types
        self.codelists = codelists
        self.version = version
        self.base_iri = base_iri
        self.vocab_iri = vocab_iri
        self.source = source
        self.mechanisms = mechanisms
        self.relationships: tuple[Relationship, ...] = _relationships(types)

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
        """Every relationship as a plain tuple (rel, source type, target type, declared by).

        Kept for callers of the tuple form; code inside graphkit reads :attr:`relationships`.
        """
        return [(r.rel, r.source, r.target, r.declared_by) for r in self.relationships]

    def relationship(self, rel: str) -> Relationship:
        """The first declaration of a relationship type (its label is that declaration's)."""
        for r in self.relationships:
            if r.rel == rel:
                return r
        raise SchemaError(f"未知关系类型 unknown relationship type {rel!r}")

    def relationship_label(self, r: Relationship) -> dict[str, str]:
        """The Chinese/English label of a relationship: its property's, or its link type's."""
        t = self.types[r.type]
        return t.label if r.prop is None else t.properties[r.prop].label

    def mechanism(self, key: str) -> Mechanism:
        """The mechanism declared under ``key``."""
        for m in self.mechanisms:
            if m.key == key:
                return m
        raise SchemaError(f"未知联建机制 unknown mechanism {key!r}; known: {', '.join(m.key for m in self.mechanisms)}")

    def collab_kinds(self, **where: object) -> tuple[str, ...]:
        """Collaboration kinds of the mechanisms whose attributes equal ``where`` (all of them if empty).

        ``model.collab_kinds(cadence=True)`` gives the kinds held to the cadence, in declared order.
        """
        return tuple(m.collaboration_kind for m in self.mechanisms
                     if m.collaboration_kind is not None and all(getattr(m, k) == v for k, v in where.items()))

    def link_mechanisms(self) -> tuple[Mechanism, ...]:
        """The mechanisms whose members are the two ends of a link type (e.g. Pairing)."""
        return tuple(m for m in self.mechanisms if m.link is not None)

    def __repr__(self) -> str:
        return f"<Model v{self.version}: {len(self.types)} types, {len(self.codelists)} code lists>"


def _relationships(types: dict[str, RecordType]) -> tuple[Relationship, ...]:
    out: list[Relationship] = []
    for t in types.values():
        if t.edge:
            src = t.properties[t.edge.source].range
            tgt = t.properties[t.edge.target].range
            assert src is not None and tgt is not None
            out.append(Relationship(t.edge.rel, src, tgt, t.name, None, t.edge.source, t.edge.target))
        else:
            for p in t.refs.values():
                assert p.rel is not None and p.range is not None
                out.append(Relationship(p.rel, t.name, p.range, t.name, p.name, "id", p.name))
    return tuple(out)


def _labels(raw: Any, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw.get("zh") or not raw.get("en"):
        raise SchemaError(f"{where}: 缺少中英文标签 needs label: {{zh: …, en: …}}")
    return {"zh": str(raw["zh"]), "en": str(raw["en"])}


def _read_yaml(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yamlio.safe_load(fh)
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
        aliases: dict[str, tuple[str, ...]] = {}
        for entry in entries:
            code = str(entry.get("code", ""))
            if not code:
                raise SchemaError(f"{where}: 条目缺少 code / an entry has no code: {entry}")
            if code in labels:
                raise SchemaError(f"{where}: 代码重复 duplicate code {code!r}")
            labels[code] = _labels(entry, f"{where}.{code}")
            codes.append(code)
            aliases[code] = tuple(str(a) for a in (entry.get("aliases") or []))
            for spelling in [code, entry["zh"], entry["en"], *aliases[code]]:
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
                             bool(body.get("ordered", False)), index, aliases)
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
    for r in _relationships(types):
        if rels.setdefault(r.rel, r.target) != r.target:
            raise SchemaError(f"{r.declared_by}: 关系类型 {r.rel} 指向不同类型 / relationship type reused with another target type")
    return types


_MECH_KEYS = {"members", "label", "anchor", "cadence", "coverage", "chain", "bridges", "view"}


def _parse_mechanisms(raw: Any, types: dict[str, RecordType], codelists: dict[str, Codelist],
                      path: Path) -> tuple[Mechanism, ...]:
    body = raw.get("mechanisms") if isinstance(raw, dict) else None
    if not isinstance(body, dict) or not body:
        raise SchemaError(f"{path}: 缺少 mechanisms / needs a `mechanisms:` mapping")
    collab = types.get("Collaboration")
    kind_prop = collab.properties.get("kind") if collab else None
    kinds = codelists[kind_prop.codelist] if kind_prop is not None and kind_prop.codelist else None
    out: list[Mechanism] = []
    for key, m in body.items():
        where = f"{path.name}: {key}"
        if not _NAME.match(str(key)):
            raise SchemaError(f"{where}: 机制名无效 invalid mechanism key (lower_case)")
        if not isinstance(m, dict):
            raise SchemaError(f"{where}: 应为映射 must be a mapping")
        unknown = set(m) - _MECH_KEYS
        if unknown:
            raise SchemaError(f"{where}: 未知字段 unknown entries {sorted(unknown)}; use {sorted(_MECH_KEYS)}")
        members = m.get("members") or {}
        if not isinstance(members, dict) or len(members) != 1 or next(iter(members)) not in ("collaboration_kind", "link"):
            raise SchemaError(f"{where}.members: 须为 collaboration_kind 或 link 之一 / "
                              f"must be one of {{collaboration_kind: CODE}} or {{link: TYPE}}")
        kind, link = members.get("collaboration_kind"), members.get("link")
        if kind is not None:
            if kinds is None or str(kind) not in kinds.codes:
                raise SchemaError(f"{where}.members: 联建组织类型 {kind!r} 不在代码表中 / collaboration kind is not a code "
                                  f"of Collaboration.kind's code list")
            kind = str(kind)
            default = kinds.labels[kind]
        else:
            t = types.get(str(link))
            if t is None or t.edge is None:
                raise SchemaError(f"{where}.members: {link!r} 不是关系类型 / link must name an n-ary link type")
            ends = {t.properties[t.edge.source].range, t.properties[t.edge.target].range}
            if ends != {"Organization"}:
                raise SchemaError(f"{where}.members: {link} 的两端须为党组织 / both ends of the link type must be "
                                  f"Organization")
            link = str(link)
            default = t.label
        for name, allowed in (("coverage", MECHANISM_COVERAGE), ("bridges", MECHANISM_BRIDGES), ("view", MECHANISM_VIEWS)):
            if m.get(name) is not None and m[name] not in allowed:
                raise SchemaError(f"{where}.{name}: 无效取值 {m[name]!r} / invalid value; use one of {list(allowed)}")
        if link is not None and any(m.get(k) for k in ("anchor", "cadence", "coverage", "chain", "bridges")):
            raise SchemaError(f"{where}: anchor/cadence/coverage/chain/bridges 只适用于联建组织 / apply only to "
                              f"collaboration mechanisms")
        if any(x.key == key or (kind is not None and x.collaboration_kind == kind) or (link is not None and x.link == link)
               for x in out):
            raise SchemaError(f"{where}: 机制重复 duplicate mechanism (key, kind or link type declared twice)")
        out.append(Mechanism(str(key), _labels(m["label"], where) if "label" in m else dict(default),
                             collaboration_kind=kind, link=link, anchor=bool(m.get("anchor", False)),
                             cadence=bool(m.get("cadence", False)), coverage=m.get("coverage"),
                             chain=bool(m.get("chain", False)), bridges=m.get("bridges"), view=m.get("view")))
    return tuple(out)


def load_schema(folder: str | Path | None = None) -> Model:
    """Read and check the schema declaration.

    Parameters
    ----------
    folder
        A folder holding ``model.yaml``, ``codelists.yaml`` and ``mechanisms.yaml``; defaults to
        :func:`graphkit.core.paths.schema_dir` (the project's ``schema/``, or ``GRAPHKIT_SCHEMA_DIR``).

    Raises
    ------
    SchemaError
        If the declaration is inconsistent; the message names the type and property.

    Examples
    --------
    >>> model = load_schema()
    >>> model is load_schema(), model.mechanism("pairing").link
    (True, 'Pairing')
    >>> [(r.rel, r.declared_by) for r in model.relationships if r.target == "Collaboration"]
    [('HELD_BY', 'Activity.group'), ('MEMBER_OF', 'Membership')]
    """
    return _load_schema(Path(folder) if folder else schema_dir())


@lru_cache(maxsize=8)
def _load_schema(base: Path) -> Model:
    codelists = _parse_codelists(_read_yaml(base / "codelists.yaml"), base / "codelists.yaml")
    raw = _read_yaml(base / "model.yaml")
    types = _parse_types(raw, codelists, base / "model.yaml")
    mechanisms = _parse_mechanisms(_read_yaml(base / "mechanisms.yaml"), types, codelists, base / "mechanisms.yaml")
    return Model(types, codelists, version=str(raw.get("version", "0")), base_iri=str(raw.get("base_iri", "")),
                 vocab_iri=str(raw.get("vocab_iri", "")), source=base, mechanisms=mechanisms)
