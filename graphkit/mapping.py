"""Ledger mappings: the declarative bridge from a spreadsheet layout to schema records.

A mapping (``loaders/*.yaml``) says which files and sheets it reads, which header spellings mean
which logical column, and which records each row makes — with deterministic ids built from key
columns (in the manner of followthemoney mappings). This module reads and checks mapping files;
``graphkit.load`` executes them.

Examples
--------
>>> from graphkit.mapping import load_mappings
>>> maps = load_mappings()
>>> sorted(maps)[:3]
['activities', 'chain', 'chain_stages']
>>> maps["pairing"].entities["pairing"].type
'Pairing'
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from ._paths import loaders_dir
from ._text import match_key
from .errors import MappingError
from .schema import Model, load_schema

__all__ = ["ColumnSpec", "ValueSpec", "EntitySpec", "Mapping", "load_mapping", "load_mappings", "NORMALIZERS", "DERIVERS"]

NORMALIZERS = ("text", "org", "place")
DERIVERS = ("place_kind", "org_form")
PARSERS = ("month",)


@dataclass(frozen=True)
class ColumnSpec:
    """A logical column and the header spellings that mean it."""

    name: str
    aliases: tuple[str, ...]
    required: bool = False
    #: absent from a sheet without complaint (else the chosen layout's missing column is an error)
    optional: bool = False

    @property
    def keys(self) -> frozenset[str]:
        """Normalized header spellings."""
        return frozenset(k for k in (match_key(a) for a in self.aliases) if k)


@dataclass(frozen=True)
class ValueSpec:
    """Where one value comes from: a column, another record of the row, a constant or a setting."""

    column: str | None = None
    entity: str | None = None
    const: Any = None
    setting: str | None = None
    lookup: str | None = None
    lookup_keys: tuple["ValueSpec", ...] = ()
    normalize: str | None = None
    derive: str | None = None
    parse: str | None = None
    default_from: "ValueSpec | None" = None
    when: "ValueSpec | None" = None
    fallback: str | None = None

    def columns(self) -> set[str]:
        """Logical columns this value reads."""
        out = {self.column} if self.column else set()
        for k in self.lookup_keys:
            out |= k.columns()
        for sub in (self.default_from, self.when):
            if sub is not None:
                out |= sub.columns()
        return out


@dataclass(frozen=True)
class EntitySpec:
    """A record each row makes."""

    name: str
    type: str
    keys: tuple[ValueSpec, ...]
    properties: dict[str, ValueSpec]
    when: ValueSpec | None = None
    split: tuple[str, str] | None = None  # (column, separators)
    unique: bool = True

    def uses_lookup_keys(self) -> bool:
        """True if the id depends on a resolved reference."""
        return any(k.lookup for k in self.keys)


@dataclass(frozen=True)
class Mapping:
    """One ledger layout."""

    id: str
    label: dict[str, str]
    files: tuple[str, ...]
    sheets: tuple[str, ...]
    exclude_files: tuple[str, ...]
    columns: dict[str, ColumnSpec]
    entities: dict[str, EntitySpec]
    path: Path | None = None
    header_index: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def matches_file(self, stem: str) -> bool:
        """Whether the file name (without suffix) fits this mapping's patterns."""
        s = stem.lower()
        if any(fnmatch.fnmatch(s, p.lower()) for p in self.exclude_files):
            return False
        return any(fnmatch.fnmatch(s, p.lower()) for p in self.files)

    def matches_sheet(self, sheet: str) -> bool:
        """Whether a sheet name fits this mapping's sheet patterns."""
        s = sheet.lower()
        return any(fnmatch.fnmatch(s, p.lower()) for p in self.sheets)

    @property
    def required_columns(self) -> list[str]:
        """Logical columns that must be present."""
        return [c.name for c in self.columns.values() if c.required]

    @property
    def expected_columns(self) -> list[str]:
        """Logical columns that are neither required nor optional: their absence is an error once chosen."""
        return [c.name for c in self.columns.values() if not c.required and not c.optional]


def _err(where: str, zh: str, en: str) -> MappingError:
    return MappingError(f"{where}: {zh} / {en}")


def _value(raw: Any, where: str, columns: dict[str, ColumnSpec], entity_names: set[str], model: Model) -> ValueSpec:
    if isinstance(raw, str):
        raw = {"column": raw}
    if not isinstance(raw, dict):
        raise _err(where, "取值定义应为映射", "a value spec must be a mapping such as {column: name}")
    known = {"column", "entity", "const", "setting", "lookup", "keys", "normalize", "derive", "parse",
             "default_from", "when", "fallback"}
    extra = set(raw) - known
    if extra:
        raise _err(where, f"未知字段 {sorted(extra)}", f"unknown fields {sorted(extra)}")
    sources = [k for k in ("column", "entity", "const", "setting") if k in raw]
    if raw.get("lookup") and raw.get("keys"):
        sources = sources or ["keys"]
    if len(sources) != 1:
        raise _err(where, "须且只能指定 column/entity/const/setting 之一", "give exactly one of column, entity, const, setting")
    col = raw.get("column")
    if col is not None and col not in columns:
        raise _err(where, f"列 {col!r} 未在 columns 中声明", f"column {col!r} is not declared under columns")
    ent = raw.get("entity")
    if ent is not None and ent not in entity_names:
        raise _err(where, f"记录 {ent!r} 未声明", f"entity {ent!r} is not declared")
    lookup = raw.get("lookup")
    if lookup is not None and lookup not in model:
        raise _err(where, f"查找类型 {lookup!r} 不在模式中", f"lookup type {lookup!r} is not in the schema")
    if raw.get("normalize") not in (None, *NORMALIZERS):
        raise _err(where, f"未知规范化 {raw.get('normalize')!r}", f"unknown normalize; use one of {NORMALIZERS}")
    if raw.get("derive") not in (None, *DERIVERS):
        raise _err(where, f"未知推导 {raw.get('derive')!r}", f"unknown derive; use one of {DERIVERS}")
    if raw.get("parse") not in (None, *PARSERS):
        raise _err(where, f"未知解析 {raw.get('parse')!r}", f"unknown parse; use one of {PARSERS}")
    sub = lambda key: _value(raw[key], f"{where}.{key}", columns, entity_names, model) if key in raw else None  # noqa: E731
    keys = tuple(_value(k, f"{where}.keys[{i}]", columns, entity_names, model) for i, k in enumerate(raw.get("keys") or []))
    return ValueSpec(column=col, entity=ent, const=raw.get("const"), setting=raw.get("setting"), lookup=lookup,
                     lookup_keys=keys, normalize=raw.get("normalize"), derive=raw.get("derive"), parse=raw.get("parse"),
                     default_from=sub("default_from"), when=sub("when"), fallback=raw.get("fallback"))


def load_mapping(path: str | Path, *, model: Model | None = None) -> Mapping:
    """Read one mapping file and check it against the schema.

    Raises
    ------
    MappingError
        With the file, the entity/property and what is wrong.

    Examples
    --------
    >>> from graphkit._paths import loaders_dir
    >>> m = load_mapping(loaders_dir() / "pairing.yaml")
    >>> m.id, m.required_columns
    ('pairing', ['strong', 'weak', 'form', 'start'])
    """
    model = model or load_schema()
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: 映射文件无法读取 / mapping file cannot be read: {exc}") from None
    where = path.name
    if not isinstance(raw, dict) or not raw.get("id"):
        raise _err(where, "缺少 id", "a mapping needs an `id`")
    optional_default = raw.get("optional_columns", False)
    if not isinstance(optional_default, bool):
        raise _err(where, "optional_columns 应为 true 或 false", "`optional_columns` must be true or false")
    columns: dict[str, ColumnSpec] = {}
    seen_alias: dict[str, str] = {}
    for cname, c in (raw.get("columns") or {}).items():
        aliases = tuple(str(a) for a in (c or {}).get("aliases", []))
        if not aliases:
            raise _err(f"{where}: columns.{cname}", "没有表头别名", "has no header aliases")
        unknown = set(c or {}) - {"aliases", "required", "optional"}
        if unknown:
            raise _err(f"{where}: columns.{cname}", f"未知字段 {sorted(unknown)}", f"unknown fields {sorted(unknown)}")
        required = bool((c or {}).get("required", False))
        optional = bool((c or {}).get("optional", optional_default)) and not required
        spec = ColumnSpec(str(cname), aliases, required, optional)
        for k in spec.keys:
            if seen_alias.setdefault(k, spec.name) != spec.name:
                raise _err(f"{where}: columns.{cname}", f"表头 {k!r} 已用于列 {seen_alias[k]!r}",
                           f"header spelling {k!r} already means column {seen_alias[k]!r}")
        columns[spec.name] = spec
    ents_raw = raw.get("entities") or {}
    if not ents_raw:
        raise _err(where, "没有 entities", "a mapping needs `entities`")
    names = set(ents_raw)
    entities: dict[str, EntitySpec] = {}
    for ename, e in ents_raw.items():
        ew = f"{where}: entities.{ename}"
        tname = (e or {}).get("type")
        if tname not in model:
            raise _err(ew, f"类型 {tname!r} 不在模式中", f"type {tname!r} is not in the schema")
        rtype = model[tname]
        keys = tuple(_value(k, f"{ew}.keys[{i}]", columns, names, model) for i, k in enumerate(e.get("keys") or []))
        if not keys:
            raise _err(ew, "没有 keys（确定性 id 需要键列）", "needs `keys` (deterministic ids come from key columns)")
        props: dict[str, ValueSpec] = {}
        for pname, pv in (e.get("properties") or {}).items():
            if pname not in rtype.properties:
                raise _err(f"{ew}.{pname}", f"{tname} 没有属性 {pname!r}",
                           f"{tname} has no property {pname!r}; known: {', '.join(rtype.properties)}")
            spec = _value(pv, f"{ew}.{pname}", columns, names, model)
            prop = rtype.properties[pname]
            if prop.type == "ref":
                target = spec.lookup or (ents_raw.get(spec.entity, {}) or {}).get("type") if (spec.lookup or spec.entity) else None
                if target != prop.range:
                    raise _err(f"{ew}.{pname}", f"引用须指向 {prop.range}", f"a ref to {prop.range} needs `entity:` or `lookup: {prop.range}`")
            props[pname] = spec
        missing = [p for p, d in rtype.properties.items() if d.required and p not in props]
        if missing:
            raise _err(ew, f"缺少必填属性 {missing}", f"required properties not mapped: {missing}")
        split = None
        if e.get("split"):
            s = e["split"]
            if s.get("column") not in columns:
                raise _err(ew, "split.column 未声明", "split.column is not a declared column")
            split = (s["column"], str(s.get("separators", "、,，;；")))
        when = _value(e["when"], f"{ew}.when", columns, names, model) if e.get("when") else None
        entities[ename] = EntitySpec(ename, tname, keys, props, when, split, bool(e.get("unique", rtype.is_edge)))
    for ent in entities.values():
        for spec in [*ent.properties.values(), *ent.keys]:
            if spec.entity and entities[spec.entity].uses_lookup_keys():
                raise _err(f"{where}: entities.{ent.name}", f"不能引用以查找结果为键的记录 {spec.entity!r}",
                           f"cannot refer to {spec.entity!r}, whose id depends on a lookup")
    match = raw.get("match") or {}
    return Mapping(id=str(raw["id"]), label=dict(raw.get("label") or {"zh": raw["id"], "en": raw["id"]}),
                   files=tuple(match.get("files") or ["*"]), sheets=tuple(match.get("sheets") or ["*"]),
                   exclude_files=tuple(match.get("exclude_files") or []), columns=columns, entities=entities, path=path)


def load_mappings(extra: Iterable[str | Path] = (), *, model: Model | None = None) -> dict[str, Mapping]:
    """Read the built-in mappings (``loaders/*.yaml``) and then ``extra`` files or folders.

    A later mapping with the same ``id`` replaces an earlier one, so a county overrides a
    built-in layout by giving its own file.

    Examples
    --------
    >>> maps = load_mappings()
    >>> maps["roster"].entities["org"].type, maps["pairing"].entities["pairing"].type
    ('Organization', 'Pairing')
    """
    model = model or load_schema()
    paths = sorted(loaders_dir().glob("*.yaml"))
    for item in extra:
        p = Path(item)
        paths += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p]
    out: dict[str, Mapping] = {}
    for p in paths:
        m = load_mapping(p, model=model)
        out[m.id] = m
    return out
