"""Load a folder of ledgers into a validated ``Graph``.

The pipeline, in three passes:

1. **Read and map** (per sheet): find the ledger layout a sheet follows, detect its header row,
   parse every cell by the schema's property types and collect problems per cell.
2. **Resolve** (across sheets): references written as names (a pairing naming an org) are matched
   by normalized name against the records every sheet made; ambiguity is reported with the
   candidates, never merged silently.
3. **Merge and check**: records with the same deterministic id are merged (conflicting values are
   problems), then rules that span rows are checked (duplicates, intervals, self-pairs, cycles).

Examples
--------
>>> import graphkit as gk
>>> g = gk.build_graph(gk.sample_path("sample_county"))
>>> g.problems.query("severity == 'error'").empty
True
"""
from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd
import yaml

from ..core.read_report import column_letter, new_entry
from ._read import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, Limits, RawSheet, file_sha256, read_file
from ._load_vec import Factors, factorize, hash_keys, hash_keys_factored, id_order, per_value, take
from ..core.text import BIDI_CHARS, clean_text, has_bidi, infer_form, infer_place_kind, match_key, org_key, place_key, strip_form_suffix
from ..core.values import EXCEL_ERRORS, _parse_one, is_ambiguous_month, is_blank, parse_boolean, parse_date, parse_integer, parse_month
from ..core.errors import GraphkitError, LedgerError, ValidationFailed
from ..core.mapping import EntitySpec, Mapping, ValueSpec, load_mappings
from ..core.model import Graph
from ..core.problems import Problems, clip
from ..core.schema import Model, Property, RecordType, load_schema

__all__ = ["DatasetConfig", "read_config", "build_graph", "validate_ledgers", "make_id", "CONFIG_FILE"]

CONFIG_FILE = "graphkit.yaml"
_HEADER_SCAN = 30
_SKIP_NAMES = re.compile(r"^(~\$|\.|README|EXPECTED|SOURCES|LICENSE)", re.I)

ProgressFn = Callable[[str], None]


@dataclass
class DatasetConfig:
    """Settings a ledger folder may carry in ``graphkit.yaml``.

    Attributes
    ----------
    county
        The county's name: makes the county place and is stripped from org names when matching.
    files
        Per-file options keyed by glob: ``{mapping: ID, encoding: NAME, sheet: NAME}``.
    ignore
        Globs of files to skip.
    mappings
        Extra mapping files or folders (relative to the ledger folder).
    aliases
        The county's name tables (名称对照表: .xlsx/.csv with a column of names as people write them
        and a column of the party organizations' full names), used when names are resolved.
    """

    county: str = ""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)
    mappings: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    #: in a province (``graphkit/store/province.py``): the city the county belongs to
    city: str = ""
    #: in a province: ``county`` (a county's folder) or ``city`` / ``province`` (orgs above the counties)
    level: str = "county"

    def for_file(self, name: str) -> dict[str, Any]:
        """Options that apply to a file (first matching glob wins)."""
        for pattern, opts in self.files.items():
            if fnmatch.fnmatch(name, pattern) or fnmatch.fnmatch(Path(name).name, pattern):
                return dict(opts or {})
        return {}


_CONFIG_KEYS = ("county", "files", "ignore", "mappings", "description", "aliases", "city", "level")
_LEVELS = ("county", "city", "province")
_FILE_OPTIONS = ("mapping", "encoding", "sheet", "skip_rows", "header_row", "delimiter")


def read_config(data_dir: Path) -> DatasetConfig:
    """Read ``graphkit.yaml`` in a ledger folder (all keys optional).

    Raises
    ------
    GraphkitError
        The file is not valid YAML, or has an unknown key or a value of the wrong shape; the
        message names the file, the line or key and what was expected (one line).
    """
    path = data_dir / CONFIG_FILE
    if not path.exists():
        own = data_dir / "mappings"
        return DatasetConfig(mappings=[str(own.resolve())] if own.is_dir() else [])

    def bad(zh: str, en: str) -> GraphkitError:
        return GraphkitError(f"{path}: {zh} / {en}")

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except UnicodeDecodeError as exc:
        raise bad("配置文件不是 UTF-8 编码", f"the settings file is not UTF-8 ({exc.reason})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where_zh = f"第 {mark.line + 1} 行第 {mark.column + 1} 列" if mark is not None else ""
        where_en = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise bad(f"配置文件不是合法的 YAML（{where_zh}：{problem}）",
                  f"cannot parse the folder's settings ({where_en}: {problem})") from None
    if not isinstance(raw, dict):
        raise bad("配置应为键值映射", "settings must be a mapping such as `county: 示例县`")
    unknown = sorted(str(k) for k in set(raw) - set(_CONFIG_KEYS))
    if unknown:
        raise bad(f"未知配置项 {unknown}（可用：{'、'.join(_CONFIG_KEYS)}）",
                  f"unknown settings {unknown}; known: {', '.join(_CONFIG_KEYS)}")
    county = raw.get("county")
    if county is not None and not isinstance(county, (str, int)):
        raise bad("county 应为县名文本", "`county` must be the county's name")
    files = raw.get("files") or {}
    if not isinstance(files, dict):
        raise bad("files 应为「文件名模式: 选项」的映射", "`files` must map file globs to options")
    for pattern, opts in files.items():
        if opts is None:
            continue
        if not isinstance(opts, dict):
            raise bad(f"files.{pattern} 应为选项映射（{'、'.join(_FILE_OPTIONS)}）",
                      f"files.{pattern} must be a mapping of options ({', '.join(_FILE_OPTIONS)})")
        extra = sorted(str(k) for k in set(opts) - set(_FILE_OPTIONS))
        if extra:
            raise bad(f"files.{pattern} 有未知选项 {extra}（可用：{'、'.join(_FILE_OPTIONS)}）",
                      f"files.{pattern} has unknown options {extra}; known: {', '.join(_FILE_OPTIONS)}")
        for key, lo in (("skip_rows", 0), ("header_row", 1)):
            v = opts.get(key)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < lo):
                raise bad(f"files.{pattern}.{key} 应为不小于 {lo} 的整数", f"files.{pattern}.{key} must be a whole number ≥ {lo}")
        d = opts.get("delimiter")
        if d is not None and (not isinstance(d, str) or len(d) != 1):
            raise bad(f"files.{pattern}.delimiter 应为一个字符（如 \",\" 或 \"\\t\"）",
                      f"files.{pattern}.delimiter must be one character (such as \",\" or \"\\t\")")
    lists = {}
    for key in ("ignore", "mappings", "aliases"):
        value = raw.get(key) or []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad(f"{key} 应为文本列表", f"`{key}` must be a list of paths or globs")
        lists[key] = value
    city, level = raw.get("city"), raw.get("level") or "county"
    if city is not None and not isinstance(city, (str, int)):
        raise bad("city 应为市名文本", "`city` must be the city's name")
    if level not in _LEVELS:
        raise bad(f"level 应为 {'、'.join(_LEVELS)} 之一", f"`level` must be one of {', '.join(_LEVELS)}")
    extra_maps = [_config_mapping(data_dir, m, bad) for m in lists["mappings"]]
    if (data_dir / "mappings").is_dir():
        extra_maps.append(str((data_dir / "mappings").resolve()))
    return DatasetConfig(county=clean_text(county) or "", files={str(k): v for k, v in files.items()},
                         ignore=lists["ignore"] + lists["aliases"], mappings=extra_maps, aliases=_alias_paths(lists["aliases"], data_dir, bad),
                         city=clean_text(city) or "", level=str(level))


def _alias_paths(items: list[str], data_dir: Path, bad: Callable[[str, str], GraphkitError]) -> list[str]:
    out = []
    for a in items:
        ap = data_dir / a
        if not ap.is_file():
            raise bad(f"aliases 中的名称对照表 {a} 不存在", f"the name table {a} (under `aliases`) does not exist")
        out.append(str(ap))
    return out


_ALIAS_FROM = ("简称", "写法", "常用名称", "曾用名", "别名", "单位名称", "填写名称", "台账写法")
_ALIAS_TO = ("党组织名称", "党组织全称", "规范名称", "全称", "标准名称", "对应党组织")


def _read_aliases(ctx: _Context, limits: Limits) -> dict[str, str]:
    """The county's name tables: match key of a name as written -> the party organization's name.

    Raises
    ------
    GraphkitError
        A table without a recognizable pair of columns, naming the file and the headers expected.
    """
    out: dict[str, str] = {}
    for path in ctx.config.aliases:
        p = Path(path)
        sheets = read_file(p, display=p.name, limits=limits)
        for sh in sheets:
            cells = sh.cells
            found = None
            for i in range(min(len(cells), _HEADER_SCAN)):
                row = [match_key(v) if not is_blank(v) else None for v in cells.iloc[i].tolist()]
                src = next((j for j, v in enumerate(row) if v in {match_key(a) for a in _ALIAS_FROM}), None)
                dst = next((j for j, v in enumerate(row) if v in {match_key(a) for a in _ALIAS_TO}), None)
                if src is not None and dst is not None:
                    found = (i, src, dst)
                    break
            if found is None:
                raise GraphkitError(f"{p.name}{f' [{sh.sheet}]' if sh.sheet else ''}: 名称对照表需要两列：写法（{'、'.join(_ALIAS_FROM)}）"
                                    f"和党组织名称（{'、'.join(_ALIAS_TO)}）/ a name table needs a column of names as written "
                                    f"({', '.join(_ALIAS_FROM)}) and one of party-organization names ({', '.join(_ALIAS_TO)})")
            i, src, dst = found
            for a, b in zip(cells.iloc[i + 1:, src].tolist(), cells.iloc[i + 1:, dst].tolist()):
                ka, tb = org_key(a, ctx.county), clean_text(b)
                if ka and tb:
                    out[ka] = tb
    return out


def _config_mapping(data_dir: Path, entry: str, bad: Callable[[str, str], GraphkitError]) -> str:
    """The resolved path of one ``mappings:`` entry of graphkit.yaml: a .yaml/.yml file, or a folder holding
    some, inside the ledger folder (a settings file that travels with the ledgers must not reach out of it)."""
    mp = (data_dir / entry).resolve()
    if not mp.is_relative_to(data_dir.resolve()):
        raise bad(f"mappings 中的 {entry!r} 指向台账目录之外（{mp}），只能使用目录内的映射文件；目录外的映射请用 --mapping",
                  f"mappings entry {entry!r} points outside the ledger folder ({mp}); only mapping files inside it "
                  f"may be named here (pass others with --mapping)")
    if not mp.exists():
        raise bad(f"mappings 中的 {entry!r} 不存在", f"mapping file or folder {entry!r} (under `mappings`) does not exist")
    yaml_files = [mp] if mp.is_file() else sorted(q for q in mp.iterdir() if q.suffix.lower() in (".yaml", ".yml"))
    if mp.is_file() and mp.suffix.lower() not in (".yaml", ".yml"):
        raise bad(f"mappings 中的 {entry!r} 不是映射文件（应为 .yaml/.yml）",
                  f"mappings entry {entry!r} is not a mapping file (a .yaml/.yml file is expected)")
    if not yaml_files:
        raise bad(f"mappings 中的文件夹 {entry!r} 里没有映射文件（.yaml/.yml）",
                  f"mappings entry {entry!r} is a folder without mapping files (.yaml/.yml)")
    for f in yaml_files:
        try:
            doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise bad(f"mappings 中的 {entry!r}：{f.name} 不是合法的 YAML",
                      f"mappings entry {entry!r}: {f.name} is not valid YAML ({' '.join(str(exc).split())[:200]})") from None
        if not isinstance(doc, dict) or "id" not in doc:
            raise bad(f"mappings 中的 {entry!r}：{f.name} 不是台账映射（缺少 id 等映射项）",
                      f"mappings entry {entry!r}: {f.name} is not a ledger mapping (no `id:`; see docs/mappings.md)")
    return str(mp)


def make_id(prefix: str, type_name: str, parts: Iterable[str]) -> str:
    """Deterministic id of a record from its type and key parts.

    >>> make_id("org", "Organization", ["青泥洞村党支部"])
    'org-1885ae34683a064e'
    """
    digest = hashlib.blake2b("\x1f".join([type_name, *parts]).encode("utf-8"), digest_size=8).hexdigest()
    return f"{prefix}-{digest}"


def _join_keys(parts: list[pd.Series], sep: str = "\x1f") -> pd.Series:
    """Join key-part columns row by row (missing parts as empty text), without a row-wise apply."""
    index = parts[0].index
    cols = [["" if (v is None or v != v) else str(v) for v in p.tolist()] for p in parts]
    return pd.Series([sep.join(t) for t in zip(*cols)], index=index, dtype=object)


def _any_nonblank(cells: pd.DataFrame) -> bool:
    """Whether any cell holds something (stops at the first one)."""
    for c in cells.columns:
        for v in cells[c].tolist():
            if not is_blank(v):
                return True
    return False


# --------------------------------------------------------------------------------------------
# pass 1: read and map


@dataclass
class _Staged:
    """Records of one entity spec made from one sheet, before resolution and merging."""

    mapping: str
    entity: EntitySpec
    rtype: RecordType
    frame: pd.DataFrame          # property columns + provenance + helper columns (prefixed "__")
    headers: dict[str, str]      # property -> header text shown to users
    lookups: dict[str, ValueSpec]  # property -> lookup spec still to resolve
    key_lookups: list[int]       # indexes of keys that are lookups
    #: factorized helper columns (codes over the frame's rows, distinct values): "id", "__raw__<prop>"
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


@dataclass
class _Context:
    model: Model
    config: DatasetConfig
    problems: Problems
    county: str
    #: cells already reported (file, sheet, row, header): a blank left by a bad cell is not reported again
    reported: set[tuple[str, str, int, str]] = field(default_factory=set)
    #: the read report: one entry per sheet or file met (graphkit.core.read_report.new_entry)
    report: list[dict[str, Any]] = field(default_factory=list)
    #: the county's name table (org key of a name as written -> full name), see ``_read_aliases``
    aliases: dict[str, str] = field(default_factory=dict)
    #: in a province build: resolves a name the county does not hold (``graphkit.store.province``)
    cross: CrossRef | None = None


#: ``cross(type name, name as written, local result)`` -> a replacement result or None (keep the local one)
CrossRef = Callable[[str, str, tuple[str | None, str, list[str]]], "tuple[str | None, str, list[str]] | None"]
#: placeholder ids a province build puts in reference columns, replaced when the counties are assembled
XREF_PREFIX = "xref:"


def _detect_header(cells: pd.DataFrame, mapping: Mapping) -> tuple[int, dict[str, list[int]]] | None:
    """Find the header row: the row (of the first 30) whose cells match most of the mapping's columns.

    A header split over two rows (a merged group cell above) is matched by joining the two.
    Returns (row index, logical column -> matching column indexes).
    """
    best: tuple[int, int, dict[str, list[int]]] | None = None
    alias = {k: c.name for c in mapping.columns.values() for k in c.keys}
    n = min(len(cells), _HEADER_SCAN)
    prev: list[str | None] = []
    for i in range(n):
        row = [clean_text(v) if not is_blank(v) else None for v in cells.iloc[i].tolist()]
        # forward-fill the row above (group headers span several columns)
        above: list[str | None] = []
        last = None
        for v in prev:
            last = v if v is not None else last
            above.append(last)
        found: dict[str, list[int]] = defaultdict(list)
        for j, v in enumerate(row):
            variants = [v] if v else []
            a = above[j] if j < len(above) else None
            if a:
                variants += [a + (v or ""), f"{a}({v})" if v else a]
            for var in variants:
                name = alias.get(match_key(var) or "")
                if name:
                    found[name].append(j)
                    break
        score = len(found)
        if score and (best is None or score > best[1]):
            best = (i, score, dict(found))
        prev = row
    return None if best is None else (best[0], best[2])


def _key_part(values: pd.Series, spec: ValueSpec, county: str, factors: Factors | None = None) -> pd.Series:
    """Text form of a key part (normalized as the spec says)."""
    def one(v: Any) -> str | None:
        if isinstance(v, str):  # org_key, place_key and clean_text give None for blank text
            return org_key(v, county) if spec.normalize == "org" else place_key(v, county) \
                if spec.normalize == "place" else clean_text(v)
        if is_blank(v):
            return None
        if isinstance(v, (dt.date, dt.datetime)):
            return v.strftime("%Y-%m-%d")
        if spec.normalize == "org":
            return org_key(v, county)
        if spec.normalize == "place":
            return place_key(v, county)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return clean_text(v)
    return per_value(values, one, factors)


def _parsed_text(v: Any, parser: Callable[[Any], Any], text: Callable[[Any], str]) -> str | None:
    """The text form of a parsed key value (None if blank or it does not parse)."""
    parsed, _ = _parse_one(v, parser)
    return None if parsed is None else text(parsed)


class _SheetMapper:
    """Executes one mapping over one sheet's rows."""

    def __init__(self, ctx: _Context, mapping: Mapping, sheet: RawSheet, table: pd.DataFrame,
                 headers: dict[str, str], src_hash: str,
                 table_factors: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, title: str = "") -> None:
        self.ctx, self.mapping, self.sheet, self.table, self.headers = ctx, mapping, sheet, table, headers
        self.src_hash = src_hash
        self.title = title
        # factorized columns: the table's (made while blanks were found), then every column derived
        self.factors = Factors()
        self._table_factors = table_factors or {}
        # frames made from the table by a row filter or a split: id -> (frame, table positions, split column)
        self._derived: dict[int, tuple[pd.DataFrame, np.ndarray, str | None]] = {}
        self._col_cache: dict[tuple[str, int], tuple[pd.DataFrame, pd.Series]] = {}
        # memos keyed by (spec or entity, frame identity); the frame is kept to make the identity safe
        self._id_cache: dict[tuple[str, int], tuple[pd.DataFrame, pd.Series]] = {}
        self._raw_cache: dict[tuple[int, int], tuple[ValueSpec, pd.DataFrame, pd.Series]] = {}

    # values -------------------------------------------------------------------------------
    def _raw(self, spec: ValueSpec, df: pd.DataFrame) -> pd.Series:
        """The values ``spec`` gives for the rows of ``df`` (blank cells are None: see ``_map_sheet``)."""
        key = (id(spec), id(df))
        hit = self._raw_cache.get(key)
        if hit is not None and hit[0] is spec and hit[1] is df:
            return hit[2]
        s = self._raw_uncached(spec, df)
        self._raw_cache[key] = (spec, df, s)
        return s

    def _constant(self, value: Any, df: pd.DataFrame) -> pd.Series:
        """A column holding ``value`` on every row (None: blank), registered as factorized."""
        s = pd.Series([value] * len(df), index=df.index, dtype=object)
        uniques = np.empty(1, dtype=object)
        uniques[0] = value
        codes = np.full(len(df), -1 if value is None else 0, dtype=np.intp)
        return self.factors.register(s, codes, uniques)

    def _column(self, df: pd.DataFrame, col: str) -> pd.Series:
        """Column ``col`` of ``df`` (one Series object per frame, so its factorization is reused)."""
        key = (col, id(df))
        hit = self._col_cache.get(key)
        if hit is not None and hit[0] is df:
            return hit[1]
        s = df[col]
        tf = self._table_factors.get(col)
        if tf is not None:
            if df is self.table:
                self.factors.register(s, tf[0], tf[1])
            else:
                d = self._derived.get(id(df))
                if d is not None and d[0] is df and d[2] != col:
                    self.factors.register(s, tf[0][d[1]], tf[1])
        self._col_cache[key] = (df, s)
        return s

    def _raw_uncached(self, spec: ValueSpec, df: pd.DataFrame) -> pd.Series:
        if spec.column is not None:
            s = self._column(df, spec.column) if spec.column in df else self._constant(None, df)
        elif spec.context is not None:
            s = self._constant(self._context_value(spec.context), df)
        elif spec.part:
            s = df["__part"] if "__part" in df else self._constant(1, df)
        elif spec.const is not None:
            s = self._constant(spec.const, df)
        elif spec.setting is not None:
            val = getattr(self.ctx.config, spec.setting, None) or None
            s = self._constant(val, df)
        elif spec.entity is not None:
            return self.entity_ids(spec.entity, df)
        else:
            s = self._constant(None, df)
        if spec.extract is not None:
            rx = re.compile(spec.extract)
            group = spec.group if spec.group is not None else (1 if rx.groups else 0)

            def extract(v: Any) -> Any:
                m = None if is_blank(v) else rx.search(_header_text(v) or "")
                return None if m is None else clean_text(m.group(group))
            s = per_value(s, extract, self.factors)
        if spec.map is not None:
            vmap = spec.map

            def mapped(v: Any) -> Any:
                if is_blank(v):
                    return None
                text = _header_text(v) or ""
                return vmap[text] if text in vmap else vmap.get("*", v)
            s = per_value(s, mapped, self.factors)
        if spec.normalize == "text":
            s = per_value(s, clean_text, self.factors)
        if spec.derive == "place_kind":
            s = per_value(s, lambda v: None if is_blank(v) else infer_place_kind(v), self.factors)
        elif spec.derive == "org_form":
            s = per_value(s, lambda v: None if is_blank(v) else infer_form(v), self.factors)
        if spec.default_from is not None:
            fill = self._raw(spec.default_from, df)
            s = s.where(s.notna(), fill)
        return s

    def _context_value(self, kind: str) -> str | None:
        """The sheet name, the file name (no suffix) or the title: the text above the header row."""
        if kind == "sheet":
            return self.sheet.sheet or None
        if kind == "file":
            return Path(self.sheet.file).stem
        return self.title or None

    def key_part(self, ent: EntitySpec, k: ValueSpec, df: pd.DataFrame) -> pd.Series:
        """Text form of one key of ``ent`` for the rows of ``df``.

        A key read from a column that also feeds a date or integer property of the entity is
        parsed like that property, so that 2024/3/1, 2024-03-01 and 2024年3月1日 make one id
        (a value that does not parse gives no id; the property reports it).
        """
        raw = self._raw(k, df)
        if k.column is not None and k.normalize is None and not k.lookup:
            rtype = self.ctx.model[ent.type]
            for pname, spec in ent.properties.items():
                if spec.column != k.column or spec.lookup or spec.entity or spec.parse:
                    continue
                ptype = rtype.properties[pname].type
                if ptype == "date":
                    return per_value(raw, lambda v: _parsed_text(v, parse_date, lambda d: d.strftime("%Y-%m-%d")),
                                     self.factors)
                if ptype == "integer":
                    return per_value(raw, lambda v: _parsed_text(v, parse_integer, str), self.factors)
                break
        return _key_part(raw, k, self.ctx.county, self.factors)

    def present(self, spec: ValueSpec | None, df: pd.DataFrame) -> pd.Series:
        if spec is None:
            return pd.Series(True, index=df.index)
        return self._raw(spec, df).notna()

    def entity_ids(self, name: str, df: pd.DataFrame) -> pd.Series:
        """Ids of entity ``name`` for the rows of ``df`` (None where its ``when`` is false)."""
        hit = self._id_cache.get((name, id(df)))
        if hit is not None and hit[0] is df:
            return hit[1]
        out = self._entity_ids(name, df)
        self._id_cache[(name, id(df))] = (df, out)
        return out

    def _entity_ids(self, name: str, df: pd.DataFrame) -> pd.Series:
        ent = self.mapping.entities[name]
        rtype = self.ctx.model[ent.type]
        parts = []
        for k in ent.keys:
            if k.lookup:
                raise GraphkitError("internal: ids with lookup keys are made after resolution")
            if k.fallback == "row":
                raw = self._raw(k, df)
                prefix = f"{self.sheet.file}#{self.sheet.sheet}#"
                row_key = pd.Series([f"{prefix}{r}" for r in df["__src_row"].tolist()], index=df.index, dtype=object)
                parts.append(self.key_part(ent, k, df).where(raw.notna(), row_key))
            else:
                parts.append(self.key_part(ent, k, df))
        ok = self.present(ent.when, df).to_numpy(dtype=bool, copy=True)
        factored = [self.factors.get(p) for p in parts]
        for codes, _ in factored:
            ok &= codes >= 0
        codes = np.full(len(df), -1, dtype=np.intp)
        ids = np.empty(0, dtype=object)
        if ok.any():
            sub, ids = hash_keys_factored([(c[ok], u) for c, u in factored], rtype.id_prefix, rtype.name)
            codes[ok] = sub
        out = pd.Series(take(ids, codes), index=df.index, dtype=object)
        return self.factors.register(out, codes, ids)

    def _typed(self, prop: Property, spec: ValueSpec, values: pd.Series, df: pd.DataFrame) -> pd.Series:
        """Parse a column by the property's type and record problems per bad cell.

        Each distinct value is parsed once; problems are reported per row, in row order.
        """
        header = self.headers.get(spec.column or "", spec.column or "")
        model = self.ctx.model
        parser: Callable[[Any], Any] | None
        if spec.parse == "month":
            parser, rule = parse_month, "bad_integer"
        elif prop.type == "date":
            parser, rule = parse_date, "bad_date"
        elif prop.type == "integer":
            parser, rule = parse_integer, "bad_integer"
        elif prop.type == "boolean":
            parser, rule = parse_boolean, "bad_boolean"
        elif prop.type == "code":
            cl = model.codelists[prop.codelist]  # type: ignore[index]
            def code(v: Any) -> str:
                c = cl.lookup(v)
                if c is None:
                    raise ValueError(f"not one of: {', '.join(cl.labels[x]['zh'] for x in cl.codes)}")
                return c
            parser, rule = code, "unknown_code"
        else:
            parser, rule = None, ""
        codes, uniques = self.factors.get(values)
        nu = len(uniques)
        if parser is None:
            pv: list[Any] = [u if isinstance(u, str) else clean_text(u) for u in uniques.tolist()]
            ev: list[str | None] = [None] * nu
        else:
            pairs = [_parse_one(u, parser) for u in uniques.tolist()]
            pv = [p[0] for p in pairs]
            ev = [p[1] for p in pairs]
        rows = df["__src_row"].to_numpy()
        raw = values.to_numpy(dtype=object)
        err_u = np.fromiter((e is not None for e in ev), dtype=bool, count=nu)
        bad = np.append(err_u, False)[codes]
        for i in np.flatnonzero(bad):
            err = ev[codes[i]]
            zh = f"「{header}」无法识别" if rule != "unknown_code" else f"「{header}」可选值：{err.split(': ', 1)[-1]}"
            en = err
            if " / " in err:  # a bilingual reason naming the wrong part (month 13)
                why, en = err.split(" / ", 1)
                zh = f"「{header}」{why}"
            self.problem(int(rows[i]), header, raw[i], rule, zh, f"{header}: {en}")
        if prop.type == "date" and spec.parse is None:
            amb_u = np.fromiter((is_ambiguous_month(u) for u in uniques.tolist()), dtype=bool, count=nu)
            if amb_u.any():
                for i in np.flatnonzero(np.append(amb_u, False)[codes]):
                    self.problem(int(rows[i]), header, raw[i], "ambiguous_date",
                                 "数字 2023.1 读作 2023年1月；如为10月，请将单元格设为文本或写作 2023年10月",
                                 "the number 2023.1 is read as January 2023; if October was meant, type it as text "
                                 "or write 2023年10月", severity="warning")
        if prop.type == "integer" or spec.parse == "month":
            lo, hi = (1, 12) if spec.parse == "month" else (prop.min, prop.max)
            out_u = np.fromiter((v is not None and ((lo is not None and v < lo) or (hi is not None and v > hi))
                                 for v in pv), dtype=bool, count=nu)
            if out_u.any():
                out_rows = np.append(out_u, False)[codes]
                for i in np.flatnonzero(out_rows):
                    self.problem(int(rows[i]), header, raw[i], "out_of_range", f"应在 {lo}–{hi} 之间", f"must be within {lo}–{hi}")
                bad |= out_rows
                pv = [None if o else v for v, o in zip(pv, out_u.tolist())]
        if prop.type == "string" and prop.max_length:
            limit = prop.max_length
            long_u = np.fromiter((v is not None and len(v) > limit for v in pv), dtype=bool, count=nu)
            if long_u.any():
                long_rows = np.append(long_u, False)[codes]
                for i in np.flatnonzero(long_rows):
                    v = pv[codes[i]]
                    self.problem(int(rows[i]), header, raw[i], "too_long", f"超过 {limit} 个字符（{len(v)}）",
                                 f"longer than {limit} characters ({len(v)})")
                bad |= long_rows
                pv = [None if o else v for v, o in zip(pv, long_u.tolist())]
        pv_arr = np.empty(nu, dtype=object)
        pv_arr[:] = pv
        out = pd.Series(take(pv_arr, codes), index=df.index, dtype=object)
        out.attrs["bad"] = bad
        return out

    def problem(self, row: int | None, column: str, value: Any, rule: str, zh: str, en: str,
                severity: str = "error") -> None:
        self.ctx.problems.add(file=self.sheet.file, sheet=self.sheet.sheet, row=row, column=column, value=value,
                              rule=rule, zh=zh, en=en, severity=severity)

    # records ------------------------------------------------------------------------------
    def run(self) -> list[_Staged]:
        out = []
        for ent in self.mapping.entities.values():
            out.append(self._stage(ent))
        self.factors.clear()
        self._col_cache.clear()
        self._derived.clear()
        self._raw_cache.clear()
        self._id_cache.clear()
        return out

    def _stage(self, ent: EntitySpec) -> _Staged:
        rtype = self.ctx.model[ent.type]
        df = self.table
        positions: np.ndarray | None = None  # table rows of df's rows, when df is not the table
        split_col: str | None = None
        if ent.split:
            col, seps = ent.split
            pattern = "[" + re.escape(seps) + "]"
            lists = per_value(self._column(df, col), lambda v: [x for x in re.split(pattern, str(v)) if clean_text(x)],
                              self.factors)
            df = df.assign(**{col: lists}).explode(col)
            df["__part"] = df.groupby(level=0).cumcount().to_numpy() + 1
            if ent.split_unless is not None and ent.split_unless in df:
                county = self.ctx.county
                same = np.array([isinstance(a, str) and b is not None and not is_blank(b) and org_key(a, county) == org_key(b, county)
                                 for a, b in zip(df[col].tolist(), df[ent.split_unless].tolist())], dtype=bool)
                if same.any():
                    df = df[~same]
            positions, split_col = df.index.to_numpy(), col
            self._derived[id(df)] = (df, positions, split_col)
        mask = self.present(ent.when, df).to_numpy(dtype=bool)
        if not mask.all():
            df = df[mask]
            positions = (np.arange(len(mask)) if positions is None else positions)[mask]
            self._derived[id(df)] = (df, positions, split_col)
        frame = pd.DataFrame(index=df.index)
        headers: dict[str, str] = {}
        lookups: dict[str, ValueSpec] = {}
        codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for pname, spec in ent.properties.items():
            prop = rtype.properties[pname]
            headers[pname] = self.headers.get(spec.column or "", spec.column or pname)
            if spec.lookup:
                if spec.lookup_keys:
                    parts = [_key_part(self._raw(k, df), k, self.ctx.county, self.factors) for k in spec.lookup_keys]
                    ok = pd.concat(parts, axis=1).notna().all(axis=1) & self.present(spec.when, df)
                    target = self.ctx.model[spec.lookup]
                    ids = pd.Series([None] * len(df), index=df.index, dtype=object)
                    okn = ok.to_numpy(dtype=bool)
                    if okn.any():
                        ids[ok] = hash_keys([(c[okn], u) for c, u in (self.factors.get(p) for p in parts)],
                                            target.id_prefix, target.name)
                    frame[f"__lkid__{pname}"] = ids
                    frame[f"__raw__{pname}"] = _join_keys(parts, sep=" / ").where(ok, None)
                    headers[pname] = " / ".join(self.headers.get(k.column or "", k.column or "") for k in spec.lookup_keys)
                else:
                    raw = per_value(self._raw(spec, df), clean_text, self.factors)
                    other = f"{spec.column}_county"  # a province ledger's column naming the other county
                    if self.ctx.cross is not None and spec.column and other in df:
                        raw = _with_county(raw, self._column(df, other), self.ctx.county)
                        frame[f"__raw__{pname}"] = raw
                    else:
                        frame[f"__raw__{pname}"] = raw
                        codes[f"__raw__{pname}"] = self.factors.get(raw)
                frame[pname] = None
                lookups[pname] = spec
            elif spec.entity:
                frame[pname] = self.entity_ids(spec.entity, df)
                key_cols = [k.column for k in self.mapping.entities[spec.entity].keys if k.column]
                if key_cols:  # name the column the user wrote, not the property
                    headers[pname] = self.headers.get(key_cols[-1], key_cols[-1])
            else:
                typed = self._typed(prop, spec, self._raw(spec, df), df)
                frame[pname] = typed
                frame[f"__bad__{pname}"] = typed.attrs.get("bad", [False] * len(typed))
        key_lookups = [i for i, k in enumerate(ent.keys) if k.lookup]
        if key_lookups:
            for i, k in enumerate(ent.keys):
                if k.lookup:
                    frame[f"__key{i}"] = per_value(self._raw(k, df), clean_text, self.factors)
                elif k.entity:
                    frame[f"__key{i}"] = self.entity_ids(k.entity, df)
                else:
                    frame[f"__key{i}"] = self.key_part(ent, k, df)
            frame["id"] = None
        else:
            frame["id"] = ids = self.entity_ids(ent.name, df)
            codes["id"] = self.factors.get(ids)
        # object columns (one shared text object), as the final tables have them
        frame["src_file"] = pd.Series(np.full(len(df), self.sheet.file, dtype=object), index=df.index, dtype=object)
        frame["src_sheet"] = pd.Series(np.full(len(df), self.sheet.sheet, dtype=object), index=df.index, dtype=object)
        frame["src_row"] = df["__src_row"].astype("int64")
        frame["src_hash"] = pd.Series(np.full(len(df), self.src_hash, dtype=object), index=df.index, dtype=object)
        return _Staged(self.mapping.id, ent, rtype, frame.reset_index(drop=True), headers, lookups, key_lookups, codes)


def _with_county(names: pd.Series, counties: pd.Series, own: str) -> pd.Series:
    """Names as ``县名/名称`` where the row names another county than the folder's own.

    >>> _with_county(pd.Series(["甲村党支部", "乙局党委", None]), pd.Series(["本县", "乙县", "乙县"]), "本县").tolist()
    ['甲村党支部', '乙县/乙局党委', None]
    """
    out: list[str | None] = []
    for n, c in zip(names.tolist(), counties.tolist()):
        c = clean_text(c)
        if not isinstance(n, str):
            out.append(None)  # missing (None or NaN): stays missing
        else:
            out.append(f"{c}/{n}" if c and c != own else n)
    return pd.Series(out, index=names.index, dtype=object)


_MAPPING_CACHE: dict[tuple[Any, ...], dict[str, Mapping]] = {}


def _load_mappings(extra: list[str | Path], model: Model) -> dict[str, Mapping]:
    """``load_mappings`` memoized on the mapping files' paths, sizes and modification times."""
    from ..core.paths import loaders_dir

    paths = sorted(loaders_dir().glob("*.yaml"))
    for item in extra:
        p = Path(item)
        paths += sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p]
    signature = []
    for p in paths:
        try:
            st = p.stat()
        except OSError:  # let load_mappings report the missing file
            return load_mappings(extra, model=model)
        signature.append((str(p), st.st_mtime_ns, st.st_size))
    key = (id(model), tuple(str(e) for e in extra), tuple(signature))
    if key not in _MAPPING_CACHE:
        if len(_MAPPING_CACHE) >= 16:
            _MAPPING_CACHE.clear()
        _MAPPING_CACHE[key] = load_mappings(extra, model=model)
    return _MAPPING_CACHE[key]


def _discover(data_dir: Path, config: DatasetConfig,
              notes: list[dict[str, Any]] | None = None, skip: Iterable[Path] = ()) -> list[Path]:
    """The ledger files of a folder, in path order, leaving out the folders and files in ``skip``
    (graphkit's own outputs).

    Files passed over (not spreadsheets or text tables, Office lock files ``~$…``, read-me files)
    get an entry in ``notes`` (the read report); hidden files (``.…``), ``graphkit.yaml``, the
    ``mappings/`` folder and files ``ignore:``d in ``graphkit.yaml`` are passed over in silence.
    """
    skip = set(skip)
    files = []
    for p in sorted(data_dir.rglob("*")):
        if not p.is_file() or p.name.startswith(".") or "mappings" in p.relative_to(data_dir).parts[:-1]:
            continue
        if skip and (p in skip or not skip.isdisjoint(p.parents)):
            continue
        rel = p.relative_to(data_dir).as_posix()
        if rel == CONFIG_FILE or any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(p.name, g) for g in config.ignore):
            continue
        if not _SKIP_NAMES.match(p.name) and p.suffix.lower() in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES:
            files.append(p)
        elif notes is not None:
            entry = new_entry(rel, "", status="not_ledger")
            entry["notes"].append("Office 临时锁文件 / an Office lock file" if p.name.startswith("~$")
                                  else f"{p.suffix or '无扩展名'} 不是表格文件 / {p.suffix or 'no extension'}: not a spreadsheet"
                                  if not _SKIP_NAMES.match(p.name) else "说明文件 / a read-me file")
            notes.append(entry)
    return files


def _choose_mapping(sheet: RawSheet, mappings: dict[str, Mapping], forced: str | None,
                    stem: str) -> tuple[Mapping | None, tuple[int, dict[str, list[int]]] | None, Mapping | None, str,
                                        Mapping | None]:
    """Pick the mapping a sheet follows.

    Returns (mapping, header, best partial candidate, how it was chosen, another layout the
    headers would fit completely). A sheet whose file or sheet name points at a layout that its
    headers fit only partly is not handed to another layout: it is reported as partial.
    """
    sheet_name = sheet.sheet or stem
    if forced:
        cands = [mappings[forced]]
    else:
        cands = [m for m in mappings.values() if m.matches_file(stem) and m.matches_sheet(sheet_name)]
    how = "forced" if forced else "file"
    scored = []
    for m in cands:
        det = _detect_header(sheet.cells, m)
        if det is None:
            continue
        complete = all(c in det[1] for c in m.required_columns)
        scored.append((complete, len(det[1]) / max(1, len(m.columns)), len(det[1]), m, det))
    other: Mapping | None = None
    if not forced and not any(s[0] for s in scored):
        # the file name matched nothing that fits: try every layout by its headers alone
        by_headers = []
        for m in mappings.values():
            if m in cands:
                continue
            det = _detect_header(sheet.cells, m)
            if det and all(c in det[1] for c in m.required_columns) and len(det[1]) >= 2:
                by_headers.append((True, len(det[1]) / max(1, len(m.columns)), len(det[1]), m, det))
        by_headers.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
        # a name-matched layout whose required columns are half there or more keeps the sheet
        partly = [s for s in scored if sum(c in s[4][1] for c in s[3].required_columns) * 2
                  >= len(s[3].required_columns) and len(s[4][1]) >= 2]
        if by_headers and partly:
            other = by_headers[0][3]
        elif by_headers:
            scored, how = by_headers, "headers"
    if not scored:
        return None, None, None, how, None
    scored.sort(key=lambda s: (s[0], s[1], s[2]), reverse=True)
    complete, _, _, m, det = scored[0]
    return (m, det, None, how, None) if complete else (None, det, m, how, other)


#: the first text of a row that makes it a total, subtotal or footer row (skipped and reported)
_FOOTER = re.compile(r"^\s*(?:(?P<total>[合小总共]\s*计)|(?P<footer>填\s*表\s*人|填报人|审\s*核\s*人|审核|制\s*表|"
                     r"填报单位|填表单位|联系电话|联系人\s*[：:]|备\s*注\s*[：:]|注\s*[：:]|填表说明|填表日期|报送日期|"
                     r"单位负责人|负责人\s*[：:]))")
_SUBTOTAL = re.compile(r"^.{1,15}(?:小计|合计|总计)\s*[：:]?\s*$")


def _footer_kind(value: Any) -> str | None:
    """'total' or 'footer' if a row's first text marks it so (合计, 中池镇小计, 填表人：…).

    >>> _footer_kind("合 计"), _footer_kind("中池镇小计"), _footer_kind("填表人：张三"), _footer_kind("青泥洞村党支部")
    ('total', 'total', 'footer', None)
    """
    if not isinstance(value, str):
        return None
    m = _FOOTER.match(value)
    if m is not None:
        return "total" if m.group("total") else "footer"
    return "total" if _SUBTOTAL.match(value.strip()) else None


_SKIP_REASONS = {"total": "合计/小计行 total row", "footer": "表尾 footer", "merged": "整行合并单元格 one merged cell",
                 "blank": "空行 blank", "filter": "筛选 filtered out"}


def _footer_rows(sheet: RawSheet, hrow: int, cols: list[int]) -> dict[int, tuple[str, str]]:
    """Body rows (positions in ``sheet.cells``) that are totals, footers or one merged cell.

    A row's first non-blank cell decides (each column is looked at only for the rows still blank
    so far, and each distinct text is classified once). Returns position -> (kind, text).
    """
    cells = sheet.cells
    out: dict[int, tuple[str, str]] = {}
    pending = np.arange(hrow + 1, len(cells))
    for j in range(cells.shape[1]):
        if not len(pending):
            break
        codes, uniques = factorize(cells.iloc[:, j].to_numpy(dtype=object)[pending])
        ulist = uniques.tolist()
        blank_u = np.append(np.fromiter((is_blank(u) for u in ulist), dtype=bool, count=len(ulist)), True)
        kinds = [_footer_kind(u) for u in ulist]
        filled = ~blank_u[codes]
        for i in np.flatnonzero(filled):
            kind = kinds[codes[i]]
            if kind is not None:
                out[int(pending[i])] = (kind, str(ulist[codes[i]]).strip())
        pending = pending[~filled]
    if sheet.merged and cols:
        lo, hi = min(cols), max(cols)
        for (r0, c0), (r1, c1) in sheet.merged:
            if r0 == r1 and r0 > hrow and c1 > c0 and c0 <= lo and c1 >= hi and r0 not in out:
                out[r0] = ("merged", "" if is_blank(cells.iat[r0, c0]) else str(cells.iat[r0, c0]).strip())
    return out


def _header_text(v: Any) -> str | None:
    """A header cell as text: a year typed as a number reads 2023, never 2023.0."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return None if is_blank(v) else clean_text(v)


def _is_number(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, (int, float, np.integer, np.floating)):
        return True
    try:
        float(str(v).strip())
        return True
    except ValueError:
        return False


def _filter_hit(flt: Any, v: Any) -> bool:
    """Whether value ``v`` (None: blank) meets the filter's condition."""
    if flt.test == "blank":
        return v is None
    if v is None:
        return flt.test == "not_number"
    if flt.test == "number":
        return _is_number(v)
    if flt.test == "not_number":
        return not _is_number(v)
    text = _header_text(v) or ""
    if flt.values:
        return text in flt.values
    return re.search(flt.pattern, text) is not None


def _unpivot(sheet: RawSheet, mapping: Mapping, hrow: int, colmap: dict[str, int], body_pos: np.ndarray,
             entry: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """The sheet's rows with each matched column turned into a row of its own (see ``UnpivotSpec``)."""
    u = mapping.unpivot
    assert u is not None
    cells = sheet.cells
    used = set(colmap.values())
    heads = [_header_text(v) for v in cells.iloc[hrow].tolist()]
    above = [_header_text(v) for v in cells.iloc[hrow - 1].tolist()] if hrow > 0 else []
    pcols: list[int] = []
    names: list[str | None] = []
    for j, h in enumerate(heads):
        text = h or (above[j] if j < len(above) else None)
        if j in used or not text or re.search(u.headers, text) is None:
            continue
        if u.extract:
            m = re.search(u.extract, text)
            text = (m.group(1) if m.groups() else m.group(0)) if m else None
        pcols.append(j)
        names.append(text)
    entry["columns"].extend({"sheet_column": column_letter(j), "header": heads[j] or "", "column": f"{u.name}/{u.value}",
                             "properties": ["unpivot"]} for j in pcols)
    pcol_set = set(pcols)
    entry["unused_columns"] = [c for c in entry["unused_columns"] if c["sheet_column"] not in
                               {column_letter(j) for j in pcol_set}]
    k = len(pcols)
    rows = np.repeat(body_pos, k)
    data = {name: cells.iloc[rows, j].astype(object).to_numpy() if len(rows) else np.empty(0, object)
            for name, j in colmap.items()}
    name_arr = np.empty(len(rows), dtype=object)
    if len(rows):
        name_arr[:] = names * len(body_pos)
    data[u.name] = name_arr
    data[u.value] = (cells.to_numpy(dtype=object)[np.ix_(body_pos, np.asarray(pcols, dtype=np.intp))].ravel() if len(rows)
                     else np.empty(0, dtype=object))
    table = pd.DataFrame(data)
    table["__src_row"] = np.asarray(sheet.rownum, dtype=np.int64)[rows] if len(rows) else np.empty(0, np.int64)
    filled = np.fromiter((not is_blank(v) for v in table[u.value].tolist()), dtype=bool, count=len(table))
    table = table[filled].reset_index(drop=True)
    return table, "、".join(h for h in (heads[j] or "" for j in pcols[:3]) if h)


def _uses(mapping: Mapping) -> dict[str, list[str]]:
    """Logical column -> the record properties (entity.property) that read it."""
    out: dict[str, list[str]] = defaultdict(list)
    for ent in mapping.entities.values():
        for pname, spec in ent.properties.items():
            for c in sorted(spec.columns()):
                out[c].append(f"{ent.name}.{pname}")
        for k in ent.keys:
            for c in sorted(k.columns()):
                if f"{ent.name}.id" not in out[c]:
                    out[c].append(f"{ent.name}.id")
        if ent.when is not None:
            for c in sorted(ent.when.columns()):
                out[c].append(f"{ent.name}.when")
        if ent.split:
            out[ent.split[0]].append(f"{ent.name}.split")
    return out


def _map_sheet(ctx: _Context, sheet: RawSheet, mappings: dict[str, Mapping], src_hash: str,
               opts: dict[str, Any], stem: str) -> tuple[list[_Staged], str | None]:
    p = ctx.problems
    entry = new_entry(sheet.file, sheet.sheet, status="loaded")
    ctx.report.append(entry)
    if sheet.hidden:
        entry["status"] = "hidden"
        p.add(file=sheet.file, sheet=sheet.sheet, rule="hidden_sheet", severity="warning",
              zh="隐藏的工作表不导入，如需导入请取消隐藏", en="hidden sheets are not loaded; unhide it to load it")
        return [], None
    if opts.get("sheet") and sheet.sheet and sheet.sheet != opts["sheet"]:
        entry["status"] = "not_selected"
        entry["notes"].append(f"graphkit.yaml 只读取工作表「{opts['sheet']}」/ only sheet {opts['sheet']!r} is read")
        return [], None
    if not (sheet.cells.size and _any_nonblank(sheet.cells)):
        entry["status"] = "empty"
        p.add(file=sheet.file, sheet=sheet.sheet, rule="empty_sheet", severity="warning", zh="工作表没有内容", en="sheet has no cells")
        return [], None
    forced = opts.get("mapping")
    if forced and forced not in mappings:
        raise GraphkitError(f"{CONFIG_FILE}: 文件 {sheet.file} 指定的映射 {forced!r} 不存在 / unknown mapping; "
                            f"known: {', '.join(sorted(mappings))}")
    mapping, det, partial, how, other = _choose_mapping(sheet, mappings, forced, stem)
    if mapping is None:
        if partial is not None and det is not None:
            entry["status"] = "partial"
            entry["layout"], entry["layout_label"] = partial.id, partial.label.get("zh", partial.id)
            entry["header_rows"] = [sheet.rownum[det[0]]]
            header_row = sheet.rownum[det[0]]
            also_zh = (f"；表头也符合「{other.label.get('zh', other.id)}」，如属该格式请在 graphkit.yaml 用 mapping: {other.id} 指定"
                       if other is not None else "")
            also_en = (f"; the headers also fit the {other.label.get('en', other.id)} layout: if it is one, say "
                       f"`mapping: {other.id}` for this file in graphkit.yaml" if other is not None else "")
            for col in partial.required_columns:
                if col not in det[1]:
                    spec = partial.columns[col]
                    p.add(file=sheet.file, sheet=sheet.sheet, row=header_row, column=spec.aliases[0], rule="missing_column",
                          zh=f"{partial.label.get('zh', partial.id)}需要列「{spec.aliases[0]}」（可用表头：{'、'.join(spec.aliases)}）{also_zh}",
                          en=f"the {partial.label.get('en', partial.id)} layout needs a column {spec.aliases[0]!r} "
                             f"(accepted headers: {', '.join(spec.aliases)}){also_en}")
                    entry["notes"].append(f"缺少列「{spec.aliases[0]}」/ column {spec.aliases[0]!r} missing")
        else:
            entry["status"] = "unrecognized"
            p.add(file=sheet.file, sheet=sheet.sheet, rule="unrecognized_sheet", severity="warning",
                  zh="表头不符合任何台账格式，已跳过（可在 loaders/ 添加映射）",
                  en="the headers fit no ledger layout; skipped (add a mapping in loaders/)")
        return [], None
    hrow, found = det  # type: ignore[misc]
    header_cells = [clean_text(v) for v in sheet.cells.iloc[hrow].tolist()]
    colmap: dict[str, int] = {}
    headers: dict[str, str] = {}
    for name, idxs in found.items():
        if len(idxs) > 1:
            # an error; the first of the columns is read so that --lenient can still load the rows
            p.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], column=header_cells[idxs[1]] or "",
                  value=", ".join(str(header_cells[i]) for i in idxs), rule="duplicate_column",
                  zh=f"多列都表示「{mapping.columns[name].aliases[0]}」，请删除重复列（宽松模式读取第一列「{header_cells[idxs[0]]}」）",
                  en=f"several columns mean {mapping.columns[name].aliases[0]!r}; remove the duplicates "
                     f"(--lenient reads the first, {header_cells[idxs[0]]!r})")
        colmap[name] = idxs[0]
        headers[name] = header_cells[idxs[0]] or mapping.columns[name].aliases[0]
    _report_columns(ctx, entry, sheet, mapping, hrow, found, colmap, how)
    absent = _check_absent(ctx, entry, sheet, mapping, hrow, colmap)
    cells = sheet.cells
    entry["rows_read"] = max(0, len(cells) - hrow - 1)
    if not colmap or absent:
        return [], mapping.id
    footers = _footer_rows(sheet, hrow, list(colmap.values())) if mapping.skip_totals else {}
    for pos in sorted(footers):
        kind, text = footers[pos]
        entry["skipped"].append({"row": sheet.rownum[pos], "reason": _SKIP_REASONS[kind], "text": text})
    body_pos = np.array([i for i in range(hrow + 1, len(cells)) if i not in footers], dtype=np.intp)
    if mapping.unpivot is not None:
        table, pivot_cols = _unpivot(sheet, mapping, hrow, colmap, body_pos, entry)
        for name in (mapping.unpivot.name, mapping.unpivot.value):
            colmap.setdefault(name, -1)
            headers[name] = pivot_cols or name
    else:
        table = pd.DataFrame({name: cells.iloc[body_pos, j].astype(object).to_numpy() for name, j in colmap.items()})
        table["__src_row"] = np.asarray(sheet.rownum, dtype=np.int64)[body_pos] if len(body_pos) else np.empty(0, np.int64)
    mapped = [c for c in table.columns if c != "__src_row"]
    # formulas saved without a calculated value: problems (the cell reads as blank)
    by_col = {j: name for name, j in colmap.items()}
    for r, c, text in sheet.uncalculated:
        if r > hrow and c in by_col and r not in footers:
            name = by_col[c]
            row = sheet.rownum[r]
            p.add(file=sheet.file, sheet=sheet.sheet, row=row, column=headers[name], value=text,
                  rule="formula_uncalculated",
                  zh="公式没有保存计算结果（文件可能由程序生成），请在 Excel 中打开并保存后重试",
                  en="the formula was saved without its value (the file may have been written by a program); "
                     "open and save it in Excel, then retry")
            ctx.reported.add((sheet.file, sheet.sheet, row, headers[name]))
    # blank cells (empty, spaces, zero-width characters) become None once, here: later steps test isna().
    # Each column is factorized once; its codes are kept for the mapper (see graphkit.ingest._load_vec).
    factors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    all_blank = np.ones(len(table), dtype=bool)
    for name in mapped:
        codes, uniques = factorize(table[name].to_numpy(dtype=object))
        blank_u = np.fromiter((is_blank(u) for u in uniques.tolist()), dtype=bool, count=len(uniques))
        if blank_u.any():
            codes = np.where(np.append(blank_u, True)[codes], -1, codes)
        all_blank &= codes < 0
        factors[name] = (codes, uniques)
        _report_bidi(ctx, sheet, headers[name], codes, uniques, table["__src_row"].to_numpy())
    all_src = table["__src_row"].to_numpy()
    if mapping.unpivot is None:  # (unpivoted pairs with a blank cell were dropped: they are no rows)
        for i in np.flatnonzero(all_blank):
            entry["skipped"].append({"row": int(all_src[i]), "reason": _SKIP_REASONS["blank"], "text": ""})
    keep = ~all_blank
    src_rows = table["__src_row"].to_numpy()[keep]
    # formula error values (#N/A, #REF! ...) are problems, then blanks
    for name in mapped:
        codes, uniques = factors[name]
        codes = codes[keep]
        err_u = np.fromiter((u.__class__ is str and u in EXCEL_ERRORS for u in uniques.tolist()), dtype=bool,
                            count=len(uniques))
        if err_u.any():
            errs = np.append(err_u, False)[codes]
            for i in np.flatnonzero(errs):
                row = int(src_rows[i])
                p.add(file=sheet.file, sheet=sheet.sheet, row=row, column=headers[name],
                      value=uniques[codes[i]], rule="formula_error", zh="单元格是公式错误值，请修正公式或填写数值",
                      en="the cell holds a formula error; fix the formula or type the value")
                ctx.reported.add((sheet.file, sheet.sheet, row, headers[name]))
            codes = np.where(errs, -1, codes)
        factors[name] = (codes, uniques)
    for name in mapping.fill_down:
        if name in factors:
            codes, uniques = factors[name]
            last = np.maximum.accumulate(np.where(codes >= 0, np.arange(len(codes)), -1)) if len(codes) else codes
            filled = np.where(last >= 0, codes[np.maximum(last, 0)], -1)
            n = int(((codes < 0) & (filled >= 0)).sum())
            if n:
                entry["notes"].append(f"「{headers.get(name, name)}」向下填充 {n} 个空格 / {n} blank cell(s) of "
                                      f"{headers.get(name, name)!r} filled from above")
            factors[name] = (filled, uniques)
    if mapping.filters:
        fkeep = np.ones(len(src_rows), dtype=bool)
        for flt in mapping.filters:
            codes, uniques = factors[flt.column]
            hit = np.append(np.fromiter((_filter_hit(flt, u) for u in uniques.tolist()), dtype=bool,
                                        count=len(uniques)), _filter_hit(flt, None))[codes]
            out = ~hit if flt.action == "keep" else hit
            for i in np.flatnonzero(out & fkeep):
                v = uniques[codes[i]] if codes[i] >= 0 else ""
                entry["skipped"].append({"row": int(src_rows[i]), "reason": f"{_SKIP_REASONS['filter']}: {flt.describe()}",
                                         "text": clean_text(v) or ""})
            fkeep &= ~out
        if not fkeep.all():
            src_rows = src_rows[fkeep]
            factors = {k: (c[fkeep], u) for k, (c, u) in factors.items()}
    entry["skipped"].sort(key=lambda x: x["row"])
    entry["rows_skipped"] = len(entry["skipped"])
    table = pd.DataFrame({name: take(factors[name][1], factors[name][0]) for name in mapped})
    table["__src_row"] = src_rows
    if not len(table):
        p.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], rule="no_data_rows", severity="warning",
              zh="只有表头，没有数据行", en="the sheet has a header but no data rows")
    title = " ".join(dict.fromkeys(t for t in (_header_text(v) for r in range(max(0, hrow - len(entry["header_rows"]) + 1))
                                               for v in cells.iloc[r].tolist()) if t))
    staged = _SheetMapper(ctx, mapping, sheet, table, headers, src_hash, factors, title=title).run()
    made: dict[str, int] = {}
    for st in staged:
        n = int(st.frame["id"].nunique()) if not st.key_lookups else len(st.frame)
        made[st.rtype.name] = made.get(st.rtype.name, 0) + n
    entry["records"] = {k: v for k, v in made.items() if v}
    return staged, mapping.id


def _report_columns(ctx: _Context, entry: dict[str, Any], sheet: RawSheet, mapping: Mapping, hrow: int,
                    found: dict[str, list[int]], colmap: dict[str, int], how: str) -> None:
    """Fill the read report's layout, header rows, column → property and unused columns."""
    cells = sheet.cells
    header_cells = [clean_text(v) for v in cells.iloc[hrow].tolist()]
    above = [clean_text(v) for v in cells.iloc[hrow - 1].tolist()] if hrow > 0 else []
    alias = {k: c.name for c in mapping.columns.values() for k in c.keys}
    two_row = any(alias.get(match_key(header_cells[j] or "") or "") != name for name, j in colmap.items())
    entry["layout"], entry["layout_label"] = mapping.id, mapping.label.get("zh", mapping.id)
    entry["header_rows"] = [sheet.rownum[hrow - 1], sheet.rownum[hrow]] if two_row and hrow > 0 else [sheet.rownum[hrow]]
    entry["matched_by"] = {"forced": "graphkit.yaml mapping", "file": "文件名与表头 file name and headers",
                           "headers": "仅表头 headers alone"}[how] + f" ({len(found)}/{len(mapping.columns)})"
    uses = _uses(mapping)

    def text_at(j: int) -> str:
        h = header_cells[j] if j < len(header_cells) else None
        up = above[j] if two_row and j < len(above) else None
        return (f"{up}/{h}" if up and h and up != h else (h or up)) or ""

    entry["columns"] = [{"sheet_column": column_letter(j), "header": text_at(j), "column": name,
                         "properties": uses.get(name, [])} for name, j in sorted(colmap.items(), key=lambda x: x[1])]
    entry["matched_headers"] = [c["header"] for c in entry["columns"]]
    used = {j for idxs in found.values() for j in idxs}
    entry["unused_columns"] = [{"sheet_column": column_letter(j), "header": text_at(j)}
                               for j in range(cells.shape[1]) if j not in used and text_at(j)]


def _check_absent(ctx: _Context, entry: dict[str, Any], sheet: RawSheet, mapping: Mapping, hrow: int,
                  colmap: dict[str, int]) -> bool:
    """Columns the chosen layout names that the sheet lacks: errors unless optional.

    A condition (``when:``) on an absent column is an error too, unless the column is optional;
    then its records are not made, and the report says so. Returns True if the sheet cannot be read.
    """
    uses = _uses(mapping)
    bad = False
    for name in mapping.expected_columns:
        if name in colmap:
            continue
        spec = mapping.columns[name]
        cond = [u.split(".")[0] for u in uses.get(name, []) if u.endswith(".when")]
        zh_c = f"（条件 when: 依赖此列：{'、'.join(cond)}）" if cond else ""
        en_c = f" (the condition `when:` of {', '.join(cond)} reads it)" if cond else ""
        ctx.problems.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], column=spec.aliases[0],
                         rule="missing_column",
                         zh=f"映射 {mapping.id} 的列「{spec.aliases[0]}」不在表中{zh_c}（可用表头：{'、'.join(spec.aliases)}；"
                            f"如可缺省，请在映射中标 optional: true）",
                         en=f"mapping {mapping.id} names a column {spec.aliases[0]!r} that the sheet lacks{en_c} "
                            f"(accepted headers: {', '.join(spec.aliases)}; mark it `optional: true` if it may be absent)")
        entry["notes"].append(f"缺少列「{spec.aliases[0]}」/ column {spec.aliases[0]!r} missing")
        bad = True
    pivot = {mapping.unpivot.name, mapping.unpivot.value} if mapping.unpivot is not None else set()
    for what, cols in (("筛选 filters", [f.column for f in mapping.filters]), ("向下填充 fill_down", list(mapping.fill_down))):
        for name in dict.fromkeys(cols):
            if name in colmap or name in pivot:
                continue
            spec = mapping.columns[name]
            ctx.problems.add(file=sheet.file, sheet=sheet.sheet, row=sheet.rownum[hrow], column=spec.aliases[0],
                             rule="missing_column",
                             zh=f"映射 {mapping.id} 的{what.split()[0]}用到列「{spec.aliases[0]}」，但表中没有（可用表头：{'、'.join(spec.aliases)}）",
                             en=f"the {what.split()[1]} of mapping {mapping.id} read a column {spec.aliases[0]!r} that the "
                                f"sheet lacks (accepted headers: {', '.join(spec.aliases)})")
            bad = True
    for ent in mapping.entities.values():
        if ent.when is None:
            continue
        gone = sorted(c for c in ent.when.columns() if c not in colmap and c not in pivot)
        if gone:
            entry["notes"].append(f"条件列「{'、'.join(mapping.columns[c].aliases[0] for c in gone)}」不在表中，"
                                  f"未生成 {ent.name} / condition column(s) absent: no {ent.name} records")
    return bad


def _report_bidi(ctx: _Context, sheet: RawSheet, header: str, codes: np.ndarray, uniques: np.ndarray,
                 rows: np.ndarray) -> None:
    """A warning for each cell holding bidirectional controls (removed by ``clean_text``: they could make a name
    display as another)."""
    texts = [u for u in uniques.tolist() if u.__class__ is str]
    if not texts or not has_bidi("".join(texts)):
        return
    bidi_u = np.fromiter((u.__class__ is str and has_bidi(u) for u in uniques.tolist()), dtype=bool, count=len(uniques))
    for i in np.flatnonzero(np.append(bidi_u, False)[codes]):
        ctx.problems.add(file=sheet.file, sheet=sheet.sheet, row=int(rows[i]), column=header,
                         value="".join(f"<U+{ord(c):04X}>" if c in BIDI_CHARS else c for c in uniques[codes[i]]),
                         rule="bidi_control",
                         severity="warning", zh="单元格含有改变文字显示方向的控制字符，可能使名称显示成别的名称，已删除",
                         en="the cell holds bidirectional control characters, which can make a name display as "
                            "another; they were removed")


# --------------------------------------------------------------------------------------------
# pass 2: resolve names


class _Index:
    """Name -> ids for one record type, with a looser second index for org-form suffixes."""

    def __init__(self, rtype: RecordType, frames: list[pd.DataFrame], county: str,
                 aliases: dict[str, str] | None = None, cross: CrossRef | None = None) -> None:
        self.rtype = rtype
        self.cross = cross
        self.county = county
        self.aliases = aliases or {}
        self.exact: dict[str, set[str]] = defaultdict(set)
        self._loose: dict[str, set[str]] | None = None
        #: folded keys: 工作委员会 → 工委, and a village org's name without its town prefix
        self._folded: dict[str, set[str]] | None = None
        self.names: dict[str, str] = {}
        self._resolved: dict[str, tuple[str | None, str, list[str]]] = {}  # a name met in several ledgers
        #: the key of each record's name, computed once here: references mostly write these very names
        self._keys: dict[str, str | None] = {}
        for f in frames:
            if "name" not in f or f.empty:
                continue
            sub = f[["id", "name"]].dropna().drop_duplicates()
            keys = per_value(sub["name"], self.key).tolist()  # each distinct name keyed once
            for rid, name, k in zip(sub["id"].tolist(), sub["name"].tolist(), keys):
                self._keys[name] = k
                if not k:
                    continue
                self.exact[k].add(rid)
                self.names.setdefault(rid, name)

    @property
    def loose(self) -> dict[str, set[str]]:
        """Org key without its form suffix → ids (built on first use: only names not found exactly need it)."""
        if self._loose is None:
            self._loose = defaultdict(set)
            for k, ids in self.exact.items():
                self._loose[strip_form_suffix(k)].update(ids)
        return self._loose

    @property
    def folded(self) -> dict[str, set[str]]:
        """Folded org key (:func:`_folds`) → ids (built on first use, like :attr:`loose`)."""
        if self._folded is None:
            self._folded = defaultdict(set)
            for k, ids in self.exact.items():
                for fk in _folds(k):
                    self._folded[fk].update(ids)
        return self._folded

    def key(self, value: Any) -> str | None:
        if self.rtype.name == "Organization":
            return org_key(value, self.county)
        if self.rtype.name == "Place":
            return place_key(value, self.county)
        return match_key(value)

    def resolve(self, value: str) -> tuple[str | None, str, list[str]]:
        """Return (id, status, candidate names); status is ok, ambiguous or missing."""
        hit = self._resolved.get(value)
        if hit is None:
            hit = self._resolve(value)
            if self.cross is not None:
                hit = self.cross(self.rtype.name, value, hit) or hit
            self._resolved[value] = hit
        return hit

    def _resolve(self, value: str) -> tuple[str | None, str, list[str]]:
        k = self._keys[value] if value in self._keys else self.key(value)
        if not k:
            return None, "missing", []
        if k in self.aliases:  # the county's name table: 县住建局 → 中共测试县住房和城乡建设局党组
            k = self.key(self.aliases[k]) or k
        ids = self.exact.get(k)
        if not ids and self.rtype.name == "Organization":
            ids = self.loose.get(strip_form_suffix(k))
        if not ids and self.rtype.name == "Organization":
            found: set[str] = set()
            for fk in _folds(k):
                found |= self.folded.get(fk, set())
            ids = found or None
        if ids and len(ids) == 1:
            return next(iter(ids)), "ok", []
        if ids:
            return None, "ambiguous", sorted(self.names[i] for i in ids)
        close = difflib.get_close_matches(k, list(self.exact)[:200_000], n=3, cutoff=0.75) if len(self.exact) < 200_000 else []
        return None, "missing", [self.names[next(iter(self.exact[c]))] for c in close]


_TOWN_PREFIX = re.compile(r"^[^镇乡村]{1,8}?(?:镇|乡|街道)(?=.{1,12}?(?:村|社区))")


def _folds(key: str) -> set[str]:
    """Looser keys of an org key: 工作委员会/工作党委 → 工委; a village org's name without a town prefix.

    >>> sorted(_folds("中池镇青泥洞村党支部"))
    ['中池镇青泥洞村党支部', '青泥洞村党支部']
    >>> sorted(_folds("县直机关工作党委"))
    ['县直机关工委']
    """
    k = key.replace("工作委员会", "工委").replace("工作党委", "工委")
    out = {k}
    m = _TOWN_PREFIX.match(k)
    if m:
        out.add(k[m.end():])
    return out


def _resolve(ctx: _Context, staged: list[_Staged]) -> None:
    by_type: dict[str, list[pd.DataFrame]] = defaultdict(list)
    for s in staged:
        by_type[s.rtype.name].append(s.frame)
    existing_ids: dict[str, set[str]] = defaultdict(set)
    for s in staged:
        if "id" in s.codes:  # the distinct ids, already at hand
            existing_ids[s.rtype.name].update(v for v in s.codes["id"][1].tolist() if v is not None)
        else:
            existing_ids[s.rtype.name].update(s.frame["id"].dropna())
    indexes: dict[str, _Index] = {}
    model = ctx.model

    def index(t: str) -> _Index:
        if t not in indexes:
            indexes[t] = _Index(model[t], by_type.get(t, []), ctx.county, ctx.aliases if t == "Organization" else None,
                                ctx.cross)
        return indexes[t]

    for s in staged:
        f = s.frame
        if f.empty:
            continue
        for pname, spec in s.lookups.items():
            header = s.headers[pname]
            target = model[spec.lookup]  # type: ignore[index]
            raw = f[f"__raw__{pname}"]
            if spec.lookup_keys:
                ids = f[f"__lkid__{pname}"]
                known = existing_ids.get(target.name, set())
                hit = ids.isin(known) & ids.notna()
                f[pname] = ids.where(hit, None).astype(object)
                for r, v in zip(f.loc[~hit & ids.notna(), "src_row"], raw[~hit & ids.notna()]):
                    ctx.problems.add(file=f["src_file"].iat[0], sheet=f["src_sheet"].iat[0], row=int(r), column=header,
                                     value=v, rule="unresolved_ref", zh=f"找不到{target.label['zh']}「{clip(v)}」",
                                     en=f"no {target.label['en']} named {clip(v)!r}")
                continue
            idx = index(target.name)
            codes, uniques = s.codes.get(f"__raw__{pname}") or factorize(raw.to_numpy(dtype=object))
            # each distinct name is resolved once; problems are reported per row, in row order
            found = [idx.resolve(u) if isinstance(u, str) else (None, "ok", []) for u in uniques.tolist()]
            rid_u = np.empty(len(found), dtype=object)
            rid_u[:] = [x[0] for x in found]
            f[pname] = pd.Series(take(rid_u, codes), index=f.index, dtype=object)
            flag_u = np.append(np.fromiter((x[1] != "ok" for x in found), dtype=bool, count=len(found)), False)
            src_rows = f["src_row"].to_numpy()
            raw_values = raw.to_numpy(dtype=object)
            for i in np.flatnonzero(flag_u[codes]):
                r, v = src_rows[i], raw_values[i]
                rid, status, cands = found[codes[i]]
                if status == "ambiguous":
                    ctx.problems.add(file=f["src_file"].iat[0], sheet=f["src_sheet"].iat[0], row=int(r), column=header,
                                     value=v, rule="ambiguous_ref",
                                     zh=f"「{clip(v)}」可能指 {'、'.join(map(clip, cands))}，请写全称",
                                     en=f"{clip(v)!r} could be any of {', '.join(map(clip, cands))}; use the full name")
                elif status == "missing":
                    hint_zh = f"；是否是：{'、'.join(map(clip, cands))}" if cands else ""
                    hint_en = f"; did you mean: {', '.join(map(clip, cands))}" if cands else ""
                    soft = spec.optional and not s.rtype.properties[pname].required
                    ctx.problems.add(file=f["src_file"].iat[0], sheet=f["src_sheet"].iat[0], row=int(r), column=header,
                                     value=v, rule="unresolved_ref", severity="warning" if soft else "error",
                                     zh=f"{target.label['zh']}名单中没有「{clip(v)}」{hint_zh}"
                                        + ("（可选引用，原文保留在问题清单，本行照常导入）" if soft else ""),
                                     en=f"no {target.label['en']} named {clip(v)!r} in the roster{hint_en}"
                                        + (" (an optional reference: the text is kept here, the row is loaded)" if soft else ""))
        if s.key_lookups:
            parts = []
            for ki, k in enumerate(s.entity.keys):
                col = f[f"__key{ki}"]
                if k.lookup:
                    prop = next((p for p, sp in s.entity.properties.items() if sp.lookup == k.lookup and sp.column == k.column), None)
                    if prop is not None:
                        col = f[prop]
                    else:
                        idx = index(k.lookup)

                        def resolved_id(v: str, idx: _Index = idx) -> str | None:
                            return idx.resolve(v)[0]

                        col = per_value(col, resolved_id)
                parts.append(factorize(col.to_numpy(dtype=object)))
            ok = np.ones(len(f), dtype=bool)
            for c, _ in parts:
                ok &= c >= 0
            out = np.empty(len(f), dtype=object)
            if ok.any():
                out[ok] = hash_keys([(c[ok], u) for c, u in parts], s.rtype.id_prefix, s.rtype.name)
            f["id"] = pd.Series(out, index=f.index, dtype=object)


# --------------------------------------------------------------------------------------------
# pass 3: checks, merge


def _row_checks(ctx: _Context, s: _Staged) -> pd.Series:
    """Per-row rules (required values, intervals, distinct refs); returns a mask of bad rows."""
    f = s.frame
    bad = pd.Series(False, index=f.index)
    if f.empty:
        return bad
    file, sheet = f["src_file"].iat[0], f["src_sheet"].iat[0]
    rows = f["src_row"].tolist()
    for pname, prop in s.rtype.properties.items():
        if pname not in f:
            if prop.required:
                bad[:] = True
            continue
        missing = f[pname].isna()
        if prop.required and missing.any():
            bad |= missing
            has_raw = f"__raw__{pname}" in f
            for i in np.flatnonzero(missing.to_numpy()):
                if has_raw and isinstance(f[f"__raw__{pname}"].iat[i], str):
                    continue  # already reported as unresolved/ambiguous
                if f"__bad__{pname}" in f and bool(f[f"__bad__{pname}"].iat[i]):
                    continue  # already reported as a bad value
                if (file, sheet, int(rows[i]), s.headers.get(pname, pname)) in ctx.reported:
                    continue  # already reported as a formula error
                ctx.problems.add(file=file, sheet=sheet, row=rows[i], column=s.headers.get(pname, pname), rule="required",
                                 zh=f"「{s.headers.get(pname, pname)}」不能为空", en=f"{s.headers.get(pname, pname)!r} must not be empty")
    # rows whose optional value was bad are kept (the value is dropped) — bad cells were reported already
    bad |= f["id"].isna()
    for a, b in s.rtype.intervals:
        if a in f and b in f:
            sa, sb = pd.to_datetime(f[a]), pd.to_datetime(f[b])
            wrong = (sa.notna() & sb.notna() & (sb < sa)).to_numpy()
            for i in np.flatnonzero(wrong):
                ctx.problems.add(file=file, sheet=sheet, row=rows[i], column=s.headers.get(b, b),
                                 value=f"{sa.iat[i].date()} → {sb.iat[i].date()}", rule="interval_order",
                                 zh=f"「{s.headers.get(b, b)}」早于「{s.headers.get(a, a)}」", en=f"{b} is before {a}")
            bad |= wrong
    for a, b in s.rtype.distinct:
        if a in f and b in f:
            same = (f[a].notna() & (f[a] == f[b])).to_numpy()
            for i in np.flatnonzero(same):
                ctx.problems.add(file=file, sheet=sheet, row=rows[i], column=s.headers.get(b, b),
                                 value=f.get(f"__raw__{b}", f[b]).iat[i], rule="self_reference",
                                 zh=f"「{s.headers.get(a, a)}」与「{s.headers.get(b, b)}」是同一个组织",
                                 en=f"{a} and {b} are the same organization")
            bad |= same
    return bad


def _merge(ctx: _Context, staged: list[_Staged], lenient: bool) -> dict[str, pd.DataFrame]:
    model = ctx.model
    display = _LazyNames(staged)  # id -> name, built only if a message needs it
    frames: dict[str, list[tuple[_Staged, pd.DataFrame]]] = defaultdict(list)
    for s in staged:
        bad = _row_checks(ctx, s)
        keep = s.frame[~bad] if lenient else s.frame[s.frame["id"].notna()]
        frames[s.rtype.name].append((s, keep))
    tables: dict[str, pd.DataFrame] = {}
    for rtype in model:
        cols = rtype.columns()
        parts = []
        headers_of: list[dict[str, str]] = []  # each part's headers, by the part's number in ``__part``
        for s, f in frames.get(rtype.name, []):
            g = f.reindex(columns=cols)
            g["__unique"] = s.entity.unique
            g["__part"] = len(headers_of)
            headers_of.append(s.headers)
            parts.append(g)
        if not parts:
            tables[rtype.name] = _empty(rtype)
            continue
        allf = pd.concat(parts, ignore_index=True)
        # duplicates among records a row is "about" are errors
        uniq = allf[allf["__unique"].astype(bool)]
        dup = uniq["id"].duplicated(keep="first")
        if dup.any():
            first = uniq.drop_duplicates("id").set_index("id")
            for r in uniq[dup].to_dict("records"):
                f0 = first.loc[r["id"]]
                where = f"{f0.src_file}" + (f" [{f0.src_sheet}]" if f0.src_sheet else "")
                ctx.problems.add(file=r["src_file"], sheet=r["src_sheet"], row=int(r["src_row"]),
                                 column=_label_col(rtype, headers_of[int(r["__part"])]), value=_describe(rtype, r, display),
                                 rule="duplicate_id", zh=f"与 {where} 第{int(f0.src_row)}行重复",
                                 en=f"duplicates {where} row {int(f0.src_row)}")
            allf = allf.drop(index=uniq[dup].index)
        # conflicting values for one id
        props = list(rtype.properties)
        repeated = allf["id"].duplicated(keep=False).to_numpy()
        multi = allf[repeated]
        if not multi.empty:
            for pname in props:
                nun = multi.groupby("id", sort=False)[pname].nunique(dropna=True)
                for rid in nun.index[nun > 1]:
                    rows = multi[(multi["id"] == rid) & multi[pname].notna()]
                    vals = [display.get(v, v) if rtype.properties[pname].type == "ref" else v
                            for v in rows[pname].astype(str).unique().tolist()]
                    r = rows.iloc[1]
                    hdr = headers_of[int(r["__part"])].get(pname, pname)
                    ctx.problems.add(file=r.src_file, sheet=r.src_sheet, row=int(r.src_row), column=hdr,
                                     value=" ≠ ".join(vals[:3]), rule="conflicting_values",
                                     zh=f"同一{rtype.label['zh']}的「{hdr}」在不同行取值不同",
                                     en=f"the same {rtype.label['en']} has different {pname} values in different rows")
        if repeated.any():
            merged = allf.groupby("id", sort=False, dropna=True).first().reset_index()
        else:
            merged = allf
        order = id_order(merged["id"].to_numpy(dtype=object))  # ids are distinct here: any sort is the sort
        if order is not None:
            merged = merged.take(order)
        merged = merged.reset_index(drop=True)[cols]
        tables[rtype.name] = merged
    _check_cycles(ctx, tables, lenient)
    if lenient:
        _drop_dangling(ctx, tables)
    return tables


def _display_names(staged: list[_Staged]) -> dict[str, str]:
    """id -> name (or title) over every staged record, to show refs by name in messages."""
    parts = []
    for s in staged:
        col = "name" if "name" in s.frame else "title" if "title" in s.frame else None
        if col is not None and len(s.frame):
            parts.append(s.frame[["id", col]].set_axis(["id", "name"], axis=1))
    if not parts:
        return {}
    allp = pd.concat(parts, ignore_index=True).dropna().drop_duplicates("id")
    return dict(zip(allp["id"], allp["name"].astype(str)))


class _LazyNames:
    """``_display_names(staged)``, computed on the first lookup (most builds never need it)."""

    def __init__(self, staged: list[_Staged]) -> None:
        self._staged: list[_Staged] | None = staged
        self._names: dict[str, str] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        if self._staged is not None:
            self._names = _display_names(self._staged)
            self._staged = None
        return self._names.get(key, default)


def _label_col(rtype: RecordType, headers: dict[str, str]) -> str:
    first = next(iter(rtype.properties))
    return headers.get(first, first)


def _describe(rtype: RecordType, r: dict[str, Any], display: _LazyNames) -> str:
    """A record as users know it: its name or title, else its refs by name (a pairing: 强 → 弱)."""
    for pname in ("name", "title"):
        if pname in rtype.properties and isinstance(r.get(pname), str):
            return r[pname]
    if rtype.edge is not None:
        a, b = r.get(rtype.edge.source), r.get(rtype.edge.target)
        return f"{display.get(a, a)} → {display.get(b, b)}"
    return str(r["id"])


def _cycle_members(ids: pd.Series, parents: pd.Series) -> list[str]:
    """Ids that lie on a cycle of ``parents`` (vectorized pointer doubling, O(n log n)).

    After k doublings ``jump[v]`` is the 2^k-th ancestor of v, or -1 once the chain has ended at a
    root. With 2^k >= n every chain that ends has ended; the nodes still pointing somewhere lie on a
    cycle or lead into one, and their jumps land exactly on the cycles' nodes.

    >>> _cycle_members(pd.Series(["a", "b", "c", "d"]), pd.Series(["b", "a", "a", None]))
    ['a', 'b']
    """
    n = len(ids)
    if n == 0:
        return []
    index = pd.Index(ids.to_numpy(dtype=object))
    jump = index.get_indexer(parents.to_numpy(dtype=object))
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):
        nxt = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    doomed = jump >= 0
    return sorted(index[np.unique(jump[doomed])].tolist()) if doomed.any() else []


def _check_cycles(ctx: _Context, tables: dict[str, pd.DataFrame], lenient: bool) -> None:
    for rtype in ctx.model:
        for prop in rtype.properties.values():
            if not prop.acyclic:
                continue
            t = tables[rtype.name]
            in_cycle = set(_cycle_members(t["id"], t[prop.name]))
            if not in_cycle:
                continue
            sub = t[t["id"].isin(in_cycle)]
            names = dict(zip(t["id"], t.get("name", t["id"])))
            for r in sub.itertuples(index=False):
                ctx.problems.add(file=r.src_file, sheet=r.src_sheet, row=int(r.src_row), column=prop.label["zh"],
                                 value=f"{names.get(r.id)} → {names.get(getattr(r, prop.name))}", rule="cycle",
                                 zh=f"「{prop.label['zh']}」关系形成循环", en=f"the {prop.name} chain loops back on itself")
            if lenient:
                t.loc[t["id"].isin(in_cycle), prop.name] = None


def _drop_dangling(ctx: _Context, tables: dict[str, pd.DataFrame]) -> None:
    """In lenient mode, drop records whose required references were dropped; null optional ones."""
    changed = True
    while changed:
        changed = False
        # each table's ids once as an Index: its hash table is built once and reused by every lookup
        # (ids are distinct after the merge)
        ids = {name: pd.Index(t["id"].to_numpy(dtype=object), dtype=object) for name, t in tables.items()}
        for rtype in ctx.model:
            t = tables[rtype.name]
            for prop in rtype.refs.values():
                col = t[prop.name]
                known = ids[prop.range]  # type: ignore[index]
                found = known.get_indexer(col.to_numpy(dtype=object)) >= 0 if known.is_unique else col.isin(known)
                dangling = col.notna() & ~np.asarray(found, dtype=bool)
                if ctx.cross is not None and dangling.any():  # a province's cross-county reference: resolved later
                    dangling &= ~col.astype(str).str.startswith(XREF_PREFIX)
                if not dangling.any():
                    continue
                if prop.required:
                    for r in t[dangling].itertuples(index=False):
                        ctx.problems.add(file=r.src_file, sheet=r.src_sheet, row=int(r.src_row), column=prop.label["zh"],
                                         rule="dangling_ref", severity="warning",
                                         zh="所引用的记录因错误未导入，本行也未导入", en="skipped: the record it refers to was not loaded")
                    t = t[~dangling]
                    changed = True
                else:
                    t = t.copy()
                    t.loc[dangling, prop.name] = None
                tables[rtype.name] = t.reset_index(drop=True)


def _empty(rtype: RecordType) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in rtype.columns()})


def _finish_types(model: Model, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Give every column its final dtype (dates datetime64[s], integers Int64, booleans boolean)."""
    out = {}
    for rtype in model:
        t = tables.pop(rtype.name)  # one table at a time: the input is released as its copy is made
        t = t.copy(deep=False)
        for pname, prop in rtype.properties.items():
            if prop.type == "date":
                t[pname] = pd.to_datetime(t[pname]).astype("datetime64[s]")
            elif prop.type == "integer":
                t[pname] = pd.array(t[pname].tolist(), dtype="Int64")
            elif prop.type == "boolean":
                t[pname] = pd.array(t[pname].tolist(), dtype="boolean")
            else:
                t[pname] = t[pname].astype(object).where(t[pname].notna(), None)
        t["src_row"] = t["src_row"].astype("int64")
        for col in ("id", "src_file", "src_sheet", "src_hash"):
            t[col] = t[col].astype(object)
        order = id_order(t["id"].to_numpy(dtype=object))
        out[rtype.name] = (t if order is None else t.take(order)).reset_index(drop=True)
    return out


# --------------------------------------------------------------------------------------------
# public entry points


def build_graph(data_dir: str | Path, *, lenient: bool = False, mappings: Iterable[str | Path] = (),
                county: str | None = None, progress: ProgressFn | None = None, limits: Limits | None = None,
                strict: bool = False, cross: CrossRef | None = None) -> Graph:
    """Load every ledger in ``data_dir`` into a validated graph.

    Parameters
    ----------
    data_dir
        A folder of .xlsx/.xls/.ods/.csv ledgers, optionally with ``graphkit.yaml`` and ``mappings/``.
    lenient
        Load what is valid instead of failing; the problems stay on ``graph.problems``.
    mappings
        Extra mapping files or folders (a mapping with a built-in ``id`` replaces it).
    county
        Overrides ``county`` in ``graphkit.yaml``.
    progress
        Called with a short message as each file is read.

    limits
        Size limits that refuse oversized or zip-bomb-like files before they are unpacked (None:
        ``Limits()``, whose per-sheet limits come from ``graphkit.config``).
    strict
        Treat every warning as an error (``--strict``).
    cross
        In a province build (``graphkit.store.province``): called for every name resolved, may replace
        the county's own result (a ``县名/名称`` reference becomes a placeholder id starting with
        :data:`XREF_PREFIX`, resolved when the counties are assembled).

    Returns
    -------
    Graph
        With ``graph.read_report``: per sheet, how it was read (see ``graphkit.core.read_report``).

    Raises
    ------
    ValidationFailed
        If any error-level problem was found and ``lenient`` is False; ``.problems`` has them all
        (file, sheet, row, column, value, rule, message in Chinese and English).
    GraphkitError
        If the folder does not exist, holds no ledgers, or none of its sheets fits a layout; if
        ``graphkit.yaml`` or a mapping file is invalid.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.build_graph(gk.sample_path("sample_county"))
    >>> g.count("Organization"), g.settings["county"]
    (568, '示例县')
    >>> g.orgs.loc[g.orgs["name"] == "示例县农业农村局党委", "category"].tolist()
    ['1']
    """
    data_dir = Path(data_dir)
    limits = Limits() if limits is None else limits
    if not data_dir.is_dir():
        raise GraphkitError(f"台账目录不存在 / ledger folder not found: {data_dir}")
    config = read_config(data_dir)
    if county is not None:
        config.county = county
    model = load_schema()
    maps = _load_mappings([*config.mappings, *mappings], model)
    problems = Problems()
    ctx = _Context(model, config, problems, config.county, cross=cross)
    if config.aliases:
        ctx.aliases = _read_aliases(ctx, limits)
    from ..core.files import OUTPUT_KINDS, graphkit_outputs

    # graphkit's own outputs inside DATA_DIR (a graph, analysis or import folder, a report workbook)
    # are never read back as ledgers; each is named as a warning, not skipped silently
    outputs = graphkit_outputs(data_dir)
    for out_path, out_kind in outputs:
        rel_out = out_path.relative_to(data_dir).as_posix() + ("/" if out_path.is_dir() else "")
        zh_kind, en_kind = OUTPUT_KINDS[out_kind]
        problems.add(file=rel_out, rule="graphkit_output", severity="warning", value=out_kind,
                     zh=f"{zh_kind}，已跳过", en=f"{en_kind}, skipped")
        if progress:
            progress(f"跳过 graphkit 的输出 skipped graphkit's own output: {rel_out} ({en_kind})")
    passed_over: list[dict[str, Any]] = []
    files = _discover(data_dir, config, passed_over, skip=[p for p, _ in outputs])
    if not files:
        raise GraphkitError(f"{data_dir}: 目录中没有台账文件（.xlsx/.xls/.csv）/ no ledger files (.xlsx/.xls/.csv) in the folder")
    staged: list[_Staged] = []
    sources: list[dict[str, Any]] = []
    rels = [path.relative_to(data_dir).as_posix() for path in files]
    with _FilePool(files, rels, model, config, maps, limits) as pool:
        for i, (path, rel) in enumerate(zip(files, rels), start=1):
            if progress:
                progress(f"[{i}/{len(files)}] 读取 reading {rel}")
            done = pool.result(i - 1)
            if done is not None:  # read and mapped by a worker process: take its records and problems in order
                rows, reported, packed, source, report = done
                problems.extend(rows)
                ctx.reported |= reported
                ctx.report.extend(report)
                staged.extend(_unpack_staged(p, model, maps) for p in packed)
                sources.append(source)
                continue
            out, source = _load_file(ctx, maps, path, rel, config.for_file(rel), limits)
            staged.extend(out)
            sources.append(source)
    if not staged and sources and not any(r["severity"] == "error" and r["rule"] != "unclaimed_file"
                                          for r in problems.rows):
        # every sheet was empty or unrecognized: an empty graph would hide that nothing was read
        names = ", ".join(s["file"] for s in sources[:5]) + (" …" if len(sources) > 5 else "")
        raise GraphkitError(
            f"{data_dir}: 没有任何工作表符合已知的台账格式（{names}），未导入任何记录；请检查表头，或在 "
            f"{data_dir / 'mappings'} 中添加映射文件（或用 --mapping）/ no sheet matched a known ledger layout "
            f"({names}) and nothing was loaded; check the headers or add a mapping file in DATA_DIR/mappings/ "
            f"(or pass --mapping)")
    if progress:
        progress("解析引用 resolving references")
    _resolve(ctx, staged)
    if progress:
        progress("合并与校验 merging and checking")
    tables = _merge(ctx, staged, lenient)
    staged.clear()  # the per-sheet frames are merged: free them before the final copies are made
    if strict:
        for r in problems.rows:
            if r["severity"] == "warning":
                r["severity"] = "error"
                r["message_zh"] += "（--strict：警告视为错误）"
                r["message_en"] += " (--strict: warnings are errors)"
    frame = problems.frame()
    report = sorted([*ctx.report, *passed_over], key=lambda e: e["file"])  # stable: sheets keep their order
    if not lenient and (frame["severity"] == "error").any():
        exc = ValidationFailed(frame, hint="修正后重试，或用 --lenient 只导入有效行 / fix and retry, or use --lenient.")
        exc.read_report = report  # type: ignore[attr-defined]
        raise exc
    tables = _finish_types(model, tables)
    graph = Graph(tables, model=model, sources=pd.DataFrame(sources), problems=frame,
                  settings={"county": config.county, "data_dir": str(data_dir), "lenient": lenient})
    graph.read_report = report
    return graph


def _load_file(ctx: _Context, maps: dict[str, Mapping], path: Path, rel: str, opts: dict[str, Any],
               limits: Limits) -> tuple[list[_Staged], dict[str, Any]]:
    """Read one ledger file and map its sheets; returns the staged records and its ``sources`` row."""
    try:
        sheets = read_file(path, display=rel, encoding=opts.get("encoding"), limits=limits,
                           **({"delimiter": opts["delimiter"]} if opts.get("delimiter") else {}))
        cut = opts.get("skip_rows") or (opts["header_row"] - 1 if opts.get("header_row") else 0)
        if cut:  # rows above the header that the county's export adds (title lines): not read
            sheets = [RawSheet(sh.file, sh.sheet, sh.cells.iloc[cut:].reset_index(drop=True), sh.rownum[cut:], sh.hidden,
                               [((r0 - cut, c0), (r1 - cut, c1)) for (r0, c0), (r1, c1) in sh.merged or [] if r0 >= cut],
                               [(r - cut, c, t) for r, c, t in sh.uncalculated if r >= cut]) for sh in sheets]
    except LedgerError as exc:
        rule = getattr(exc, "rule", "unreadable_file")
        zh, _, en = str(exc).partition(" / ")
        ctx.problems.add(file=rel, sheet=exc.sheet, row=getattr(exc, "row", None), column=getattr(exc, "column", ""),
                         rule=rule, zh=zh.split(": ", 1)[-1], en=en or str(exc))
        entry = new_entry(rel, exc.sheet or "", status="unreadable")
        entry["notes"].append(zh.split(": ", 1)[-1])
        ctx.report.append(entry)
        size = path.stat().st_size
        # a file refused for its size is not hashed either (20 GB took 45 s): its size stands for it
        digest = "" if size > (limits or Limits()).max_file_bytes else file_sha256(path)
        return [], {"file": rel, "sha256": digest, "bytes": size, "sheets": "", "layouts": ""}
    digest = file_sha256(path)
    used = []
    staged: list[_Staged] = []
    first = len(ctx.report)
    for sheet in sheets:
        out, used_id = _map_sheet(ctx, sheet, maps, digest, opts, path.stem)
        staged.extend(out)
        if used_id:
            used.append(f"{sheet.sheet or '-'}:{used_id}")
    statuses = [e["status"] for e in ctx.report[first:]]
    if "unrecognized" in statuses and not set(statuses) - {"unrecognized", "empty", "hidden", "not_selected"}:
        # not one sheet of the file fits a layout: a ledger would be lost without a word
        if path.suffix.lower() == ".txt":
            for e in ctx.report[first:]:
                e["notes"].append(".txt 文件不符合任何台账格式，按非台账文件处理 / a .txt file that fits no layout: taken as not a ledger")
        else:
            ctx.problems.add(file=rel, rule="unclaimed_file",
                             zh="文件中没有任何工作表符合已知的台账格式；请检查表头，或在 mappings/ 添加映射、用 graphkit.yaml 的 "
                                "files: 指定 mapping:，如非台账请在 graphkit.yaml 的 ignore: 中列出",
                             en="no sheet of the file fits a known ledger layout; check the headers, add a mapping in "
                                "mappings/ or name one with `files: {…: {mapping: …}}` in graphkit.yaml, or list the "
                                "file under `ignore:` if it is not a ledger")
    return staged, {"file": rel, "sha256": digest, "bytes": path.stat().st_size,
                    "sheets": ",".join(s.sheet for s in sheets), "layouts": ";".join(used)}


# --------------------------------------------------------------------------------------------
# reading several large files at once (two worker processes)

#: a folder whose ledgers add up to at least this many bytes is read by worker processes (the
#: default of ``graphkit.config.parallel_min_bytes``, read through ``settings.threshold``)
PARALLEL_MIN_BYTES = 8 * 1024**2
_WORKERS = 2
_WORKER_STATE: tuple[Model, DatasetConfig, dict[str, Mapping], Limits] | None = None


def _worker_init(model: Model, config: DatasetConfig, maps: dict[str, Mapping], limits: Limits,
                 settings: Any) -> None:
    """A worker process's state: the parent's declarations and the settings in force there."""
    global _WORKER_STATE
    from ..core.settings import _use

    _use(settings)
    _WORKER_STATE = (model, config, maps, limits)


def _worker_load(path: Path, rel: str) -> tuple[Any, ...] | None:
    """Read and map one file in a worker process: (problem rows, reported cells, packed records, source).

    Returns None if anything other than a ledger problem went wrong: the main process then loads
    the file itself, so that the error is raised there exactly as without workers.
    """
    assert _WORKER_STATE is not None
    model, config, maps, limits = _WORKER_STATE
    ctx = _Context(model, config, Problems(), config.county)
    try:
        staged, source = _load_file(ctx, maps, path, rel, config.for_file(rel), limits)
    except Exception:  # noqa: BLE001 - re-raised by the main process, which loads this file again
        return None
    packed = [(s.mapping, s.entity.name, s.frame, s.headers, list(s.lookups), s.key_lookups, s.codes) for s in staged]
    return ctx.problems.rows, ctx.reported, packed, source, ctx.report


def _unpack_staged(packed: tuple[Any, ...], model: Model, maps: dict[str, Mapping]) -> _Staged:
    mapping_id, ent_name, frame, headers, lookup_names, key_lookups, codes = packed
    ent = maps[mapping_id].entities[ent_name]
    return _Staged(mapping_id, ent, model[ent.type], frame, headers, {p: ent.properties[p] for p in lookup_names},
                   key_lookups, codes)


class _FilePool:
    """Files read ahead by two worker processes when the folder is large (else nothing: read in order).

    Results are taken in file order, so problems, records and sources come out exactly as when the
    files are read one after another.
    """

    def __init__(self, files: list[Path], rels: list[str], model: Model, config: DatasetConfig,
                 maps: dict[str, Mapping], limits: Limits) -> None:
        self._futures: list[Any] = []
        self._pool: Any = None
        sizes = []
        for p in files:
            try:
                sizes.append(p.stat().st_size)
            except OSError:
                sizes.append(0)
        from ..core.settings import current, threshold

        if len(files) < 2 or sum(sizes) < threshold("parallel_min_bytes") or _cpu_count() < 2:
            return
        import concurrent.futures
        import multiprocessing

        # never fork: the caller may be running threads (a forked child inherits their locks held)
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=_WORKERS, mp_context=context, initializer=_worker_init,
            initargs=(model, config, maps, limits, current()))
        self._futures = [None] * len(files)
        for i in sorted(range(len(files)), key=lambda i: -sizes[i]):  # the largest first
            self._futures[i] = self._pool.submit(_worker_load, files[i], rels[i])

    def result(self, i: int) -> tuple[Any, ...] | None:
        if not self._futures:
            return None
        fut, self._futures[i] = self._futures[i], None
        from concurrent.futures.process import BrokenProcessPool

        try:
            return fut.result()
        except BrokenProcessPool:  # a worker died (killed for memory, say): the main process loads the file
            return None

    def __enter__(self) -> _FilePool:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._pool is not None:
            for f in self._futures:
                if f is not None:
                    f.cancel()
            self._pool.shutdown(wait=True, cancel_futures=True)


def _cpu_count() -> int:
    import os

    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def validate_ledgers(data_dir: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Return every problem found in ``data_dir`` (an empty table if none); never raises for bad rows.

    Examples
    --------
    >>> import graphkit as gk
    >>> validate_ledgers(gk.sample_path("sample_county")).empty
    True
    """
    kwargs["lenient"] = True
    return build_graph(data_dir, **kwargs).problems
