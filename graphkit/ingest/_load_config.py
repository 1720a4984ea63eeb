"""A ledger folder's settings and the state one build carries.

``graphkit.yaml`` (:class:`DatasetConfig`, :func:`read_config`), the paths of the folder's own
mappings (``mappings:`` entries, the ``mappings/`` folder, the memoized :func:`_load_mappings`),
the county's name tables (``aliases:``, :func:`_read_aliases`), the ledger files of a folder
(:func:`_discover`) and the build context (:class:`_Context`) every pass writes its problems and
read report into. Part of :mod:`graphkit.ingest.load`, which re-exports the public names.
"""
from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterable

import yaml

from ..core import yamlio
from ..core.read_report import new_entry
from ._read import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, Limits, read_file
from ..core.text import clean_text, match_key, org_key
from ..core.values import is_blank
from ..core.errors import GraphkitError
from ..core.mapping import Mapping, load_mappings
from ..core.problems import Problems
from ..core.schema import Model


CONFIG_FILE = "graphkit.yaml"
_HEADER_SCAN = 30
_SKIP_NAMES = re.compile(r"^(~\$|\.|README|EXPECTED|SOURCES|LICENSE)", re.I)


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
        raw = yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
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
            doc = yamlio.safe_load(f.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise bad(f"mappings 中的 {entry!r}：{f.name} 不是合法的 YAML",
                      f"mappings entry {entry!r}: {f.name} is not valid YAML ({' '.join(str(exc).split())[:200]})") from None
        if not isinstance(doc, dict) or "id" not in doc:
            raise bad(f"mappings 中的 {entry!r}：{f.name} 不是台账映射（缺少 id 等映射项）",
                      f"mappings entry {entry!r}: {f.name} is not a ledger mapping (no `id:`; see docs/mappings.md)")
    return str(mp)


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
