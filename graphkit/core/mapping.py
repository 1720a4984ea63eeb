"""Ledger mappings: the declarative bridge from a spreadsheet layout to schema records.

A mapping (``loaders/*.yaml``) says which files and sheets it reads, which header spellings mean
which logical column, and which records each row makes — with deterministic ids built from key
columns (in the manner of followthemoney mappings). This module reads and checks mapping files;
``graphkit.ingest.load`` executes them.

Examples
--------
>>> from graphkit.core.mapping import load_mappings
>>> maps = load_mappings()
>>> sorted(maps)[:3]
['activities', 'chain', 'chain_stages']
>>> maps["pairing"].entities["pairing"].type
'Pairing'
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterable

import yaml

from . import yamlio
from .paths import loaders_dir
from .text import clean_text, match_key
from .errors import MappingError
from .schema import Model, load_schema

__all__ = ["ColumnSpec", "ValueSpec", "FilterSpec", "UnpivotSpec", "EntitySpec", "Mapping", "load_mapping", "load_mappings", "NORMALIZERS", "DERIVERS"]

NORMALIZERS = ("text", "org", "place")
DERIVERS = ("place_kind", "org_form")
PARSERS = ("month",)
CONTEXTS = ("sheet", "file", "title")


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
    lookup_keys: tuple[ValueSpec, ...] = ()
    normalize: str | None = None
    derive: str | None = None
    parse: str | None = None
    default_from: ValueSpec | None = None
    when: ValueSpec | None = None
    fallback: str | None = None
    #: the sheet name, the file name (without suffix) or the title row above the header
    context: str | None = None
    #: the 1-based position of the part in a split cell
    part: bool = False
    #: a regular expression applied to the text; ``group`` names the capture group taken
    extract: str | None = None
    group: str | int | None = None
    #: per-mapping value map: written text -> value ("*" for any other non-blank text)
    map: dict[str, Any] | None = None
    #: a lookup whose name may lie outside the county's roster: unresolved is a warning, not an error
    optional: bool = False

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
class FilterSpec:
    """A row filter: keep or skip the rows whose ``column`` is one of ``values``, fits ``pattern``,
    or is (``test``) a number, not a number, or blank."""

    column: str
    action: str                  # "keep" or "skip"
    values: tuple[str, ...] = ()
    pattern: str | None = None
    test: str | None = None      # "number", "not_number", "blank"

    def describe(self) -> str:
        """The filter in words (for the read report)."""
        what = (f"值为 {'/'.join(self.values)}" if self.values else f"符合 /{self.pattern}/" if self.pattern
                else {"number": "是数字", "not_number": "不是数字", "blank": "为空"}[self.test or "blank"])
        return f"{'保留' if self.action == 'keep' else '跳过'}「{self.column}」{what}的行 / {self.action} {self.column}"


@dataclass(frozen=True)
class UnpivotSpec:
    """Columns whose headers match ``headers`` become rows: the header text goes to logical
    column ``name`` (through ``extract`` if given), the cell to logical column ``value``."""

    headers: str
    name: str
    value: str
    extract: str | None = None


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
    #: precedence: a part naming the same organization as this column of the row is left out
    #: (a lead unit also listed among 成员单位 keeps one record, the lead's)
    split_unless: str | None = None

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
    filters: tuple[FilterSpec, ...] = ()
    fill_down: tuple[str, ...] = ()
    unpivot: UnpivotSpec | None = None
    #: skip total, subtotal and footer rows (合计, 小计, 填表人 …) and rows that are one merged cell
    skip_totals: bool = True

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
             "default_from", "when", "fallback", "context", "part", "extract", "group", "map", "optional"}
    extra = set(raw) - known
    if extra:
        raise _err(where, f"未知字段 {sorted(extra)}", f"unknown fields {sorted(extra)}")
    sources = [k for k in ("column", "entity", "const", "setting", "context", "part") if k in raw]
    if raw.get("lookup") and raw.get("keys"):
        sources = sources or ["keys"]
    if len(sources) != 1:
        raise _err(where, "须且只能指定 column/entity/const/setting/context/part 之一",
                   "give exactly one of column, entity, const, setting, context, part")
    if raw.get("context") not in (None, *CONTEXTS):
        raise _err(where, f"未知 context {raw.get('context')!r}", f"unknown context; use one of {CONTEXTS}")
    if "part" in raw and raw["part"] is not True:
        raise _err(where, "part 只能写 part: true", "write `part: true` (the position of a split cell's part)")
    extract = raw.get("extract")
    group = raw.get("group")
    if extract is not None:
        try:
            rx = re.compile(str(extract))
        except re.error as exc:
            raise _err(where, f"extract 不是合法的正则表达式：{exc}", f"`extract` is not a valid regular expression: {exc}") from None
        if group is not None and not (isinstance(group, int) and 0 <= group <= rx.groups) and group not in rx.groupindex:
            raise _err(where, f"extract 中没有分组 {group!r}", f"`extract` has no group {group!r}; its groups: "
                              f"{sorted(rx.groupindex) or list(range(1, rx.groups + 1))}")
    elif group is not None:
        raise _err(where, "group 需要与 extract 一起使用", "`group` needs `extract`")
    if raw.get("optional") and not raw.get("lookup"):
        raise _err(where, "optional 只用于 lookup 引用", "`optional: true` is for a `lookup:` reference")
    vmap = raw.get("map")
    if vmap is not None and not isinstance(vmap, dict):
        raise _err(where, "map 应为「写法: 取值」的映射", "`map` must map written values to values")
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
                     default_from=sub("default_from"), when=sub("when"), fallback=raw.get("fallback"),
                     context=raw.get("context"), part=bool(raw.get("part", False)),
                     extract=None if extract is None else str(extract), group=group,
                     optional=bool(raw.get("optional", False)),
                     map=None if vmap is None else {(clean_text(k) or "*" if k != "*" else "*"): v for k, v in vmap.items()})


def load_mapping(path: str | Path, *, model: Model | None = None) -> Mapping:
    """Read one mapping file and check it against the schema.

    Raises
    ------
    MappingError
        With the file, the entity/property and what is wrong.

    Examples
    --------
    >>> from graphkit.core.paths import loaders_dir
    >>> m = load_mapping(loaders_dir() / "pairing.yaml")
    >>> m.id, m.required_columns
    ('pairing', ['strong', 'weak', 'form', 'start'])
    """
    model = model or load_schema()
    path = Path(path)
    try:
        raw = yamlio.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise MappingError(f"{path}: 映射文件无法读取 / mapping file cannot be read: {exc}") from None
    where = path.name
    if not isinstance(raw, dict) or not raw.get("id"):
        raise _err(where, "缺少 id", "a mapping needs an `id`")
    top = {"id", "label", "description", "match", "columns", "entities", "optional_columns", "filters", "fill_down",
           "unpivot", "skip_totals"}
    if set(raw) - top:
        raise _err(where, f"未知字段 {sorted(set(raw) - top)}（可用：{'、'.join(sorted(top))}）",
                   f"unknown fields {sorted(set(raw) - top)}; known: {', '.join(sorted(top))}")
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
    unpivot = None
    if raw.get("unpivot") is not None:
        u = raw["unpivot"]
        uw = f"{where}: unpivot"
        if not isinstance(u, dict) or not all(u.get(k) for k in ("headers", "name", "value")):
            raise _err(uw, "需要 headers（表头正则）、name、value", "needs `headers` (a regex on header text), `name` and `value`")
        for k in ("headers", "extract"):
            if u.get(k) is not None:
                try:
                    re.compile(str(u[k]))
                except re.error as exc:
                    raise _err(uw, f"{k} 不是合法的正则表达式：{exc}", f"`{k}` is not a valid regular expression: {exc}") from None
        for k in ("name", "value"):
            if str(u[k]) in columns:
                raise _err(uw, f"{k} 列 {u[k]!r} 已在 columns 中声明", f"the {k} column {u[k]!r} is also declared under columns")
            columns[str(u[k])] = ColumnSpec(str(u[k]), (), False, True)
        unpivot = UnpivotSpec(str(u["headers"]), str(u["name"]), str(u["value"]),
                              None if u.get("extract") is None else str(u["extract"]))
    filters = []
    for i, f in enumerate(raw.get("filters") or []):
        fw = f"{where}: filters[{i}]"
        if not isinstance(f, dict) or f.get("column") not in columns:
            raise _err(fw, "需要已声明的 column", "needs a `column` declared under columns")
        acts = [a for a in ("keep", "skip") if a in f]
        if len(acts) != 1:
            raise _err(fw, "须且只能写 keep 或 skip 之一", "give exactly one of keep, skip")
        cond = f[acts[0]]
        if isinstance(cond, str) and cond in ("number", "not_number", "blank"):
            filters.append(FilterSpec(f["column"], acts[0], test=cond))
        elif isinstance(cond, dict) and ("values" in cond) != ("pattern" in cond):
            if "pattern" in cond:
                try:
                    re.compile(str(cond["pattern"]))
                except re.error as exc:
                    raise _err(fw, f"pattern 不是合法的正则表达式：{exc}", f"`pattern` is not a valid regular expression: {exc}") from None
                filters.append(FilterSpec(f["column"], acts[0], pattern=str(cond["pattern"])))
            else:
                filters.append(FilterSpec(f["column"], acts[0], values=tuple(str(v) for v in cond["values"] or [])))
        else:
            raise _err(fw, f"{acts[0]} 应为 number、not_number、blank，或 {{values: [...]}}、{{pattern: 正则}}",
                       f"{acts[0]} must be number, not_number, blank, {{values: [...]}} or {{pattern: REGEX}}")
    fill_down = tuple(str(c) for c in raw.get("fill_down") or [])
    for c in fill_down:
        if c not in columns:
            raise _err(f"{where}: fill_down", f"列 {c!r} 未在 columns 中声明", f"column {c!r} is not declared under columns")
    ents_raw = raw.get("entities") or {}
    if not ents_raw:
        raise _err(where, "没有 entities", "a mapping needs `entities`")
    names = set(ents_raw)
    entities: dict[str, EntitySpec] = {}
    for ename, e in ents_raw.items():
        ew = f"{where}: entities.{ename}"
        tname = (e or {}).get("type")
        if not isinstance(tname, str) or tname not in model:
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
            vspec = _value(pv, f"{ew}.{pname}", columns, names, model)
            prop = rtype.properties[pname]
            if prop.type == "ref":
                target = (vspec.lookup or (ents_raw.get(vspec.entity, {}) or {}).get("type")
                          if (vspec.lookup or vspec.entity) else None)
                if target != prop.range:
                    raise _err(f"{ew}.{pname}", f"引用须指向 {prop.range}", f"a ref to {prop.range} needs `entity:` or `lookup: {prop.range}`")
            props[pname] = vspec
        missing = [p for p, d in rtype.properties.items() if d.required and p not in props]
        if missing:
            raise _err(ew, f"缺少必填属性 {missing}", f"required properties not mapped: {missing}")
        split = None
        if e.get("split"):
            s = e["split"]
            if s.get("column") not in columns:
                raise _err(ew, "split.column 未声明", "split.column is not a declared column")
            split = (s["column"], str(s.get("separators", "、,，;；\n")))
            if s.get("unless_same_as") is not None and s["unless_same_as"] not in columns:
                raise _err(ew, "split.unless_same_as 未声明", "split.unless_same_as is not a declared column")
        unless = (e.get("split") or {}).get("unless_same_as")
        when = _value(e["when"], f"{ew}.when", columns, names, model) if e.get("when") else None
        entities[ename] = EntitySpec(ename, tname, keys, props, when, split, bool(e.get("unique", rtype.is_edge)),
                                     None if unless is None else str(unless))
    for ent in entities.values():
        for vspec in [*ent.properties.values(), *ent.keys]:
            if vspec.entity and entities[vspec.entity].uses_lookup_keys():
                raise _err(f"{where}: entities.{ent.name}", f"不能引用以查找结果为键的记录 {vspec.entity!r}",
                           f"cannot refer to {vspec.entity!r}, whose id depends on a lookup")
    match = raw.get("match") or {}
    return Mapping(id=str(raw["id"]), label=dict(raw.get("label") or {"zh": raw["id"], "en": raw["id"]}),
                   files=tuple(match.get("files") or ["*"]), sheets=tuple(match.get("sheets") or ["*"]),
                   exclude_files=tuple(match.get("exclude_files") or []), columns=columns, entities=entities, path=path,
                   filters=tuple(filters), fill_down=fill_down, unpivot=unpivot,
                   skip_totals=bool(raw.get("skip_totals", True)))


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
