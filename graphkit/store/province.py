"""A province from its counties: many county folders into one graph, county by county.

A province folder holds one folder per county (each an ordinary ledger folder with its own
``graphkit.yaml``, layouts and name tables) and, optionally, folders of the organizations above
the counties (``level: city`` or ``level: province`` in their ``graphkit.yaml``: 市直、省直 agencies,
city-level chain committees). A ``graphkit.yaml`` at the top may name the province and list the
folders; without a list every sub-folder with a ``graphkit.yaml`` is taken.

How it is built (``build_province``):

1. Each folder is built by :func:`graphkit.ingest.load.build_graph` on its own, names resolved within the
   county. A name written ``县名/名称`` (or ``县名／名称``) is a cross-county reference and a name the
   county does not hold but a city/province-level folder does is an upper-level reference: both
   become placeholder ids, resolved in step 3.
2. Every id is scoped to its folder (a blake2b hash of the folder's level and name with the id the
   county build gave), so equal names in two counties never merge. The county place gets its city
   (and the city its province) as parent: province → city → county → town → village. The result
   is the folder's *part*: ``OUT/parts/<folder>/`` with its tables, sources, problems and
   ``part.json`` (its source files' SHA-256, sizes and modification times).
3. The parts are put together and the placeholders resolved against the named county (or the
   upper levels); an ambiguous name is a problem with its candidates, an unknown county or name
   a problem too. ``OUT/tables/`` then holds the province graph every other command reads, and
   ``OUT/county_of/<Type>.parquet`` the folder of each record (analyses by county), one file per
   record type so that a rebuild links the files of the types no changed folder touched.

Rebuilding: a folder whose files have the sizes and modification times its ``part.json`` recorded
(or, if those changed, the same SHA-256) is not read again; its part is taken from the previous
output. Since the province tables are made from the parts in the same way either way, a rebuild
after one county changed gives the same bytes as a full build. A county with errors fails the
build: the previous output stays as it was, and the county's problem table is raised.

The answers for the cross-folder references are kept too (``OUT/xrefs.json``: each placeholder
with its answer, the folders it was looked up in with a SHA-256 of their organizations, and the
folders it is written in; its own SHA-256 in the manifest). A rebuild resolves again only the
placeholders that are new or whose target folders' organizations changed; a cache whose hash
does not match the manifest, or made for other folders, is not used at all.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import yaml

from ..ingest.load import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, Limits, file_sha256
from ..core import yamlio
from ..core.text import clean_text
from ..core.errors import GraphkitError, ValidationFailed
from ..core.problems import PROBLEM_COLUMNS, Problems, clip, excel_safe, excel_unsafe
from ..core.schema import Model, load_schema

__all__ = [
    "COUNTY_OF",
    "PARTS",
    "Province",
    "ProvinceResult",
    "Unit",
    "build_province",
    "county_of_table",
    "is_province",
    "read_province",
    "record_counties",
]

CONFIG_FILE = "graphkit.yaml"
#: the folder of an output folder naming each record's folder (county or upper level), one file per record type
COUNTY_OF = "county_of"
#: the single file outputs written before 2026-12-07 hold instead (still read by :func:`record_counties`)
COUNTY_OF_FILE = "county_of.parquet"
#: the folder of the parts, one per county or upper level
PARTS = "parts"
PART_FORMAT = "1"
#: the previous build's answers for the cross-folder references (placeholders), see ``_Resolver``
XREFS = "xrefs.json"
XREF_FORMAT = "1"
_PROVINCE_KEYS = ("province", "counties", "levels", "description")
#: kinds of graphkit output folder that are ledgers to read (``graphkit.core.files.graphkit_outputs`` reads them too)
_LEDGER_OUTPUTS = ("synth-ledgers", "extract-ledgers")
_SCOPED = re.compile(r"^\s*([^/／]{1,40}?)\s*[/／]\s*(\S.*)$")
ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class Unit:
    """One folder of a province: a county, or the organizations of a city or the province."""

    key: str      #: the folder's path under the province folder (posix), also its part's name
    name: str     #: the county's name; for an upper level the city's (or the province's) name
    level: str    #: ``county``, ``city`` or ``province``
    city: str     #: the city the county belongs to ("" if not given)
    path: Path

    @property
    def scope(self) -> str:
        """What ids are scoped by (kept when a folder is renamed)."""
        return f"{self.level}:{self.name}"

    def label(self) -> str:
        return {"county": self.name, "city": f"{self.name}（市级）", "province": f"{self.name}（省级）"}[self.level]


@dataclass(frozen=True)
class Province:
    """A province folder: its name and its folders, the upper levels first."""

    name: str
    path: Path
    units: tuple[Unit, ...]

    @property
    def counties(self) -> list[Unit]:
        return [u for u in self.units if u.level == "county"]

    @property
    def cities(self) -> list[str]:
        """The cities named by the counties and the city levels, in first-seen order."""
        seen: dict[str, None] = {}
        for u in self.units:
            if u.level == "city":
                seen.setdefault(u.name)
            elif u.city:
                seen.setdefault(u.city)
        return list(seen)


@dataclass
class ProvinceResult:
    """What ``build_province`` did."""

    out: Path
    rebuilt: list[str] = field(default_factory=list)   #: folders read from their ledgers
    reused: list[str] = field(default_factory=list)    #: folders taken from the previous output
    hashed: list[str] = field(default_factory=list)    #: folders whose files were hashed (times changed)
    counts: dict[str, int] = field(default_factory=dict)
    cross_links: int = 0                               #: references resolved across folders
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    seconds: dict[str, float] = field(default_factory=dict)
    #: the previous build's cross-folder answers (``xrefs.json``): ``none`` (no previous output),
    #: ``used``, ``missing`` or ``stale: …`` (not trusted: every placeholder resolved again)
    xref_cache: str = "none"
    reresolved: int = 0                                #: placeholders resolved afresh (the others reused)
    kept_tables: list[str] = field(default_factory=list)  #: province tables linked unchanged from the previous output
    #: province tables made from the previous ones with the rebuilt folders' rows put in (the others of a rebuild: from every part)
    spliced: list[str] = field(default_factory=list)
    #: nothing changed (every folder reused with the same source hashes, every province file as recorded):
    #: the previous output was left as it is, no file written or linked
    unchanged: bool = False


class ProvinceFailed(ValidationFailed):
    """A province build found errors; ``failed`` maps each failing folder to its problem table."""

    def __init__(self, problems: pd.DataFrame, failed: dict[str, pd.DataFrame]) -> None:
        names = "、".join(failed) if failed else "跨县引用 cross-county references"
        super().__init__(problems, hint=f"出错的县 failing: {names}；上次的输出保持不变 / the previous output is unchanged.")
        self.failed = failed


# --------------------------------------------------------------------------------------------
# the province folder


def _yaml(path: Path) -> Any:
    try:
        return yamlio.safe_load(path.read_text(encoding="utf-8")) or {}
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise GraphkitError(f"{path}: 配置文件无法读取 / cannot read the settings: {' '.join(str(exc).split())}") from None


def _has_ledgers(folder: Path) -> bool:
    return any(p.is_file() and not p.name.startswith((".", "~$")) and p.suffix.lower() in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
               for p in folder.iterdir())


def is_province(path: str | Path) -> bool:
    """Whether a folder is a province of county folders (not one county's ledgers).

    A province: its ``graphkit.yaml`` has ``province:`` or ``counties:``; or it has no
    ``graphkit.yaml`` and no ledger of its own, and a sub-folder with a ``graphkit.yaml``.
    """
    path = Path(path)
    if not path.is_dir():
        return False
    cfg = path / CONFIG_FILE
    if cfg.is_file():
        raw = _yaml(cfg)
        return isinstance(raw, dict) and bool({"province", "counties"} & set(raw))
    if _has_ledgers(path):
        return False
    return any(p.is_dir() and not p.name.startswith(".") and (p / CONFIG_FILE).is_file() for p in path.iterdir())


def read_province(path: str | Path) -> Province:
    """Read a province folder's layout: its name and its county and upper-level folders.

    Raises
    ------
    GraphkitError
        An unknown key in the top ``graphkit.yaml``, a listed folder that is missing, a county
        folder without a county name, two folders naming the same county, no county at all.
    """
    from .io import output_kind
    from ..ingest.load import read_config

    path = Path(path)
    cfg = path / CONFIG_FILE
    raw = _yaml(cfg) if cfg.is_file() else {}
    if not isinstance(raw, dict):
        raise GraphkitError(f"{cfg}: 配置应为键值映射 / settings must be a mapping")
    unknown = sorted(str(k) for k in set(raw) - set(_PROVINCE_KEYS))
    if unknown:
        raise GraphkitError(f"{cfg}: 未知配置项 {unknown}（省级可用：{'、'.join(_PROVINCE_KEYS)}）/ unknown settings {unknown}; "
                            f"a province's graphkit.yaml knows {', '.join(_PROVINCE_KEYS)}")
    name = clean_text(raw.get("province")) or path.resolve().name
    listed: list[tuple[str, dict[str, Any]]] = []
    for key in ("levels", "counties"):
        items = raw.get(key) or []
        if not isinstance(items, list):
            raise GraphkitError(f"{cfg}: {key} 应为文件夹列表 / `{key}` must be a list of folders")
        for item in items:
            if isinstance(item, str):
                listed.append((item, {}))
            elif isinstance(item, dict) and isinstance(item.get("dir"), str):
                listed.append((item["dir"], {k: v for k, v in item.items() if k != "dir"}))
            else:
                raise GraphkitError(f"{cfg}: {key} 的每一项应为文件夹名或 {{dir: 文件夹, city: 市名}} / each entry of `{key}` "
                                    f"must be a folder or {{dir: FOLDER, city: CITY}}: {item!r}")
    if not listed:
        for sub in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
            if output_kind(sub) not in (None, *_LEDGER_OUTPUTS):  # a graph or other output folder, not ledgers
                continue
            if (sub / CONFIG_FILE).is_file():
                listed.append((sub.name, {}))
            elif _has_ledgers(sub):
                raise GraphkitError(f"{sub}: 县文件夹缺少 {CONFIG_FILE}（至少写明 county: 县名）/ a county folder without "
                                    f"{CONFIG_FILE} (it needs at least `county: NAME`)")
    units: list[Unit] = []
    for rel, extra in listed:
        folder = path / rel
        if not folder.is_dir():
            raise GraphkitError(f"{cfg}: 列出的文件夹不存在 / listed folder not found: {rel}")
        conf = read_config(folder)
        level = str(extra.get("level") or conf.level)
        city = clean_text(extra.get("city")) or conf.city
        if level == "county":
            uname = clean_text(extra.get("county")) or conf.county
            if not uname:
                raise GraphkitError(f"{folder / CONFIG_FILE}: 县文件夹须写明 county: 县名 / a county folder needs `county: NAME`")
        elif level == "city":
            uname = city or conf.county
            if not uname:
                raise GraphkitError(f"{folder / CONFIG_FILE}: 市级文件夹须写明 city: 市名 / a city-level folder needs `city: NAME`")
        else:
            uname = name
        units.append(Unit(key=Path(rel).as_posix().strip("/"), name=uname, level=level, city=city or "", path=folder))
    seen: dict[str, str] = {}
    for u in units:
        if u.scope in seen:
            raise GraphkitError(f"{path}: 文件夹 {seen[u.scope]} 与 {u.key} 是同一个{'县' if u.level == 'county' else '层级'}"
                                f"「{u.name}」/ folders {seen[u.scope]} and {u.key} are the same {u.level} {u.name!r}")
        seen[u.scope] = u.key
    if not any(u.level == "county" for u in units):
        raise GraphkitError(f"{path}: 没有县文件夹 / no county folder (each needs a graphkit.yaml with `county: NAME`)")
    rank = {"province": 0, "city": 1, "county": 2}
    units.sort(key=lambda u: (rank[u.level], u.key))
    return Province(name=name, path=path, units=tuple(units))


# --------------------------------------------------------------------------------------------
# one folder → its part


def _files(unit: Unit) -> list[tuple[str, int, int]]:
    """Every file of the folder that can change its part: (relative path, size, mtime_ns)."""
    out = []
    for p in sorted(unit.path.rglob("*")):
        rel = p.relative_to(unit.path)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            st = p.stat()
            out.append((rel.as_posix(), st.st_size, st.st_mtime_ns))
    return out


def _scope_ids(values: np.ndarray, scope: str) -> np.ndarray:
    """Ids scoped to a folder: ``prefix-`` + 16 hex digits of blake2b(scope, id); placeholders kept."""
    from ..ingest.load import XREF_PREFIX

    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = np.empty(len(uniques) + 1, dtype=object)
    done[-1] = None
    salt = scope.encode("utf-8") + b"\x1f"
    for i, v in enumerate(uniques.tolist()):
        if v.startswith(XREF_PREFIX):
            done[i] = v
        else:
            prefix = v.split("-", 1)[0]
            done[i] = f"{prefix}-{hashlib.blake2b(salt + v.encode('utf-8'), digest_size=8).hexdigest()}"
    return done[codes]


def upper_place_id(level: str, name: str) -> str:
    """The id of a province or city place (made by the assembly, not by a folder)."""
    return f"place-{hashlib.blake2b(f'{level}:{name}'.encode(), digest_size=8).hexdigest()}"


def _part_tables(graph: Any, unit: Unit, prov: Province, model: Model) -> dict[str, pa.Table]:
    from .io import _to_arrow

    out = {}
    for rtype in model:
        t = graph.tables[rtype.name].copy()
        t["id"] = _scope_ids(t["id"].to_numpy(dtype=object), unit.scope)
        for pname in rtype.refs:
            t[pname] = _scope_ids(t[pname].to_numpy(dtype=object), unit.scope)
        if "src_file" in t:
            t["src_file"] = (unit.key + "/" + t["src_file"].astype(str)).astype(object)
        if rtype.name == "Place" and unit.level == "county" and len(t):
            top = (t["kind"] == "county") & t["parent"].isna()
            parent = upper_place_id("city", unit.city) if unit.city else upper_place_id("province", prov.name)
            t.loc[top, "parent"] = parent
        out[rtype.name] = _to_arrow(t, rtype)
    return out


def _prefixed_problems(problems: pd.DataFrame, unit: Unit) -> pd.DataFrame:
    p = problems.copy()
    if len(p):
        p["file"] = [f"{unit.key}/{f}" if isinstance(f, str) and f else unit.key for f in p["file"].tolist()]
    return p.reindex(columns=PROBLEM_COLUMNS)


class _UpperNames:
    """Names of the organizations above the counties (the city/province-level folders)."""

    def __init__(self, frames: list[tuple[Unit, pa.Table]], model: Model) -> None:
        from ..ingest.load import _Index

        self.units = [u for u, _ in frames]
        dfs = [pd.DataFrame({"id": t.column("id").to_numpy(zero_copy_only=False),
                             "name": t.column("name").to_numpy(zero_copy_only=False)}) for _, t in frames]
        self.index = _Index(model["Organization"], dfs, "")
        names = sorted(n for df in dfs for n in df["name"].tolist() if isinstance(n, str))
        self.digest = hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()

    def has(self, value: str) -> bool:
        return bool(self.units) and self.index.find(value)[1] != "missing"


class _CrossHook:
    """The resolver hook of a county build (``graphkit.ingest.load.build_graph(cross=...)``); picklable."""

    def __init__(self, upper: _UpperNames) -> None:
        self.upper = upper

    def __call__(self, type_name: str, value: str, local: tuple[str | None, str, list[str]]) -> Any:
        from ..ingest.load import XREF_PREFIX

        if type_name != "Organization" or local[1] == "ok":
            return None  # within the county first
        m = _SCOPED.match(value)
        if m:
            return (f"{XREF_PREFIX}{clean_text(m.group(1))}\x1f{clean_text(m.group(2))}", "ok", [])
        if local[1] == "missing" and self.upper.has(value):
            return (f"{XREF_PREFIX}\x1f{clean_text(value)}", "ok", [])
        return None


@dataclass
class _Part:
    """One folder's part: its tables (a reused part's read on first use), sources, problems, part.json."""

    unit: Unit
    tables: dict[str, pa.Table]
    sources: pd.DataFrame
    problems: pd.DataFrame
    meta: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)  #: written files of a reused part, to link
    folder: Path | None = None                           #: a reused part's folder in the previous output
    #: files of a new part serialized already (``tables/<Type>.parquet``: the Organization file's digest is
    #: needed first, and a rebuild compares them with the previous part's files)
    blobs: dict[str, bytes] = field(default_factory=dict)

    def table(self, name: str) -> pa.Table:
        """The part's table of one record type."""
        t = self.tables.get(name)
        if t is None:
            assert self.folder is not None
            t = self.tables[name] = pq.read_table(self.folder / "tables" / f"{name}.parquet")
        return t

    def org_digest(self) -> str:
        """SHA-256 of the part's ``tables/Organization.parquet`` (what resolving a name in it reads)."""
        rel = "tables/Organization.parquet"
        data = self.blobs[rel] if rel in self.blobs else (self.folder / rel).read_bytes()  # type: ignore[operator]
        return hashlib.sha256(data).hexdigest()


def _parquet_bytes(table: pa.Table) -> bytes:
    """The bytes ``pq.write_table(table, path, compression="zstd")`` writes."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def _signature(unit: Unit, prov: Province, hashes: dict[str, str], model: Model, opts: dict[str, Any],
               upper_digest: str) -> dict[str, Any]:
    return {"format": PART_FORMAT, "schema_version": model.version, "unit": {"key": unit.key, "name": unit.name,
            "level": unit.level, "city": unit.city}, "province": prov.name, "options": opts,
            "upper": upper_digest if unit.level == "county" else "", "sources": hashes}


def _previous_part(prev: Path | None, unit: Unit) -> dict[str, Any] | None:
    if prev is None:
        return None
    path = prev / PARTS / unit.key / "part.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _read_part(folder: Path, unit: Unit, meta: dict[str, Any], model: Model, *, same_meta: bool = False,
               no_problems: pd.DataFrame | None = None, sources: pd.DataFrame | None = None) -> _Part:
    """A part of the previous output, to reuse: its tables are read on first use, its files linked.

    ``same_meta``: ``meta`` is what the part's ``part.json`` holds (no file's time changed), so that
    file is linked too instead of written again. ``no_problems``: the (empty, read-only) problem
    table of a part without ``problems.csv``, shared by the parts of one build. ``sources``: the
    part's rows of the previous province source list (:func:`_previous_sources`), else its own file is read.
    """
    if sources is None:
        sources = pq.read_table(folder / "sources.parquet").to_pandas()
    problems = _read_problems(folder / "problems.csv", no_problems)
    files = {}
    for dirpath, _dirs, names in os.walk(folder):
        here = Path(dirpath)
        rel = here.relative_to(folder)
        for n in names:
            if n != "part.json" or same_meta:
                files[(rel / n).as_posix()] = here / n
    return _Part(unit, {}, sources, problems, meta, files, folder=folder)


def _previous_sources(prev: Path | None, prov: Province) -> dict[str, pd.DataFrame]:
    """The previous output's source list (``sources.parquet``) split by folder: one read, not one per reused part.

    Taken only when it matches the previous manifest's list row for row and every row names one
    folder of the province (no folder inside another); otherwise empty, and each reused part's own
    ``sources.parquet`` is read.
    """
    from .io import MANIFEST

    keys = {u.key for u in prov.units}
    if prev is None or any(k.startswith(o + "/") for k in keys for o in keys):
        return {}
    try:
        listed = json.loads((prev / MANIFEST).read_text(encoding="utf-8"))["sources"]
        frame = pq.read_table(prev / "sources.parquet").to_pandas()
        same = len(frame) == len(listed) and frame["sha256"].tolist() == [s["sha256"] for s in listed] \
            and frame["file"].tolist() == [s["file"] for s in listed]
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException):
        return {}
    if not same:
        return {}
    rows: dict[str, list[int]] = {}
    for i, f in enumerate(frame["file"].tolist()):
        key = str(f).split("/", 1)[0]
        if key not in keys:
            key = next((k for k in keys if str(f).startswith(k + "/")), "")
            if not key:
                return {}
        rows.setdefault(key, []).append(i)
    return {k: frame.iloc[idx].reset_index(drop=True) for k, idx in rows.items()}


def _link(src: Path, dst: Path) -> None:
    """``dst`` with the bytes of ``src``: a hard link, or a copy where links are not possible."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _write_part(part: _Part, folder: Path) -> None:
    (folder / "tables").mkdir(parents=True)
    if part.files:  # reused: the same bytes, linked (or copied) from the previous output
        made = {folder, folder / "tables"}
        for rel, src in part.files.items():
            dst = folder / rel
            if dst.parent not in made:
                dst.parent.mkdir(parents=True, exist_ok=True)
                made.add(dst.parent)
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
        if "part.json" in part.files:
            return  # linked with the rest: the part's files and times are what it recorded
    else:
        for name, table in part.tables.items():
            blob = part.blobs.get(f"tables/{name}.parquet")
            if blob is not None:
                (folder / "tables" / f"{name}.parquet").write_bytes(blob)
            else:
                pq.write_table(table, folder / "tables" / f"{name}.parquet", compression="zstd")
        pq.write_table(pa.Table.from_pandas(part.sources.astype({c: object for c in part.sources.columns if c != "bytes"}),
                                            preserve_index=False), folder / "sources.parquet")
        if len(part.problems):
            part.problems.map(excel_safe).to_csv(folder / "problems.csv", index=False, encoding="utf-8-sig")
    (folder / "part.json").write_text(json.dumps(part.meta, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                      encoding="utf-8")


# --------------------------------------------------------------------------------------------
# the parts → the province


class _Resolver:
    """Resolves placeholder ids against the named folder (or the upper levels).

    With ``previous`` (the entries of the last build's ``xrefs.json``) a placeholder is resolved
    again only when one of the folders it is looked up in (its *targets*) holds other organizations
    than last time (their digest changed), or when it is new; otherwise last time's answer is taken.
    A placeholder's answer depends only on its text, the province's folders and its targets'
    organizations, so the answers are the same either way.
    """

    def __init__(self, prov: Province, parts: dict[str, _Part], model: Model,
                 previous: dict[str, Any] | None = None) -> None:
        self.prov, self.parts, self.model = prov, parts, model
        self._index: dict[str, Any] = {}
        self._digest: dict[str, str] = {}
        self._by_scope: dict[str, list[Unit]] = {}
        for u in prov.units:
            names = {u.name, u.key}
            if u.level == "county" and len(u.name) > 2 and u.name[-1] in "县区市旗":
                names.add(u.name[:-1])
            if u.level == "city":
                names |= {f"{u.name}直", f"{u.name}市直"}
            for n in names:
                self._by_scope.setdefault(n, []).append(u)
        self.cache: dict[str, tuple[str | None, str, str, str]] = {}
        self.previous = previous or {}
        #: placeholder → its entry of the next ``xrefs.json`` (targets' digests, answer, source folders)
        self.entries: dict[str, dict[str, Any]] = {}
        self.resolved = 0  #: placeholders resolved afresh (not taken from ``previous``)

    def index(self, unit: Unit) -> Any:
        from ..ingest.load import _Index

        if unit.key not in self._index:
            t = self.parts[unit.key].table("Organization")
            df = pd.DataFrame({"id": t.column("id").to_numpy(zero_copy_only=False),
                               "name": t.column("name").to_numpy(zero_copy_only=False)})
            self._index[unit.key] = _Index(self.model["Organization"], [df], unit.name if unit.level == "county" else "")
        return self._index[unit.key]

    def digest(self, unit: Unit) -> str:
        """SHA-256 of the folder's organizations (its part's Organization file): what resolving in it reads."""
        if unit.key not in self._digest:
            self._digest[unit.key] = self.parts[unit.key].org_digest()
        return self._digest[unit.key]

    def resolve(self, placeholder: str, source: str = "") -> tuple[str | None, str, str, str]:
        """(id, rule, zh, en): rule is "" when resolved. ``source``: the folder the reference is in."""
        hit = self.cache.get(placeholder)
        if hit is None:
            targets = self._targets(placeholder)[0]
            digests = {u.key: self.digest(u) for u in targets}
            old = self.previous.get(placeholder)
            if isinstance(old, dict) and old.get("targets") == digests and isinstance(old.get("answer"), list) \
                    and len(old["answer"]) == 4:
                a = old["answer"]
                hit = (a[0], str(a[1]), str(a[2]), str(a[3]))
            else:
                hit = self._resolve(placeholder)
                self.resolved += 1
            self.cache[placeholder] = hit
            self.entries[placeholder] = {"targets": digests, "answer": list(hit), "sources": set()}
        if source:
            self.entries[placeholder]["sources"].add(source)
        return hit

    def _targets(self, placeholder: str) -> tuple[list[Unit], str, str]:
        """The folders a placeholder is looked up in, its scope and its name."""
        from ..ingest.load import XREF_PREFIX

        scope, name = placeholder[len(XREF_PREFIX):].split("\x1f", 1)
        if not scope:
            return [u for u in self.prov.units if u.level != "county"], scope, name
        units = self._by_scope.get(scope, [])
        return (units if len(units) == 1 else []), scope, name

    def _resolve(self, placeholder: str) -> tuple[str | None, str, str, str]:
        units, scope, name = self._targets(placeholder)
        if scope:
            many = self._by_scope.get(scope, [])
            if not many:
                known = "、".join(u.name for u in self.prov.units[:8])
                return (None, "unknown_county", f"省内没有「{clip(scope)}」（已有：{known}…）",
                        f"no county or level named {clip(scope)!r} in the province (known: {known}, …)")
            if len(many) > 1:
                which = "、".join(u.label() for u in many)
                return None, "ambiguous_ref", f"「{clip(scope)}」可能指 {which}，请写全称", \
                    f"{clip(scope)!r} could be any of {which}; write the full name"
        found: list[tuple[Unit, str]] = []
        cands: list[str] = []
        for u in units:
            rid, status, names = self.index(u).find(name)
            if status == "ok":
                found.append((u, str(rid)))
            elif status == "ambiguous":
                cands += [f"{u.name}/{n}" for n in names]
        written = f"{scope}/{name}" if scope else name
        if len(found) == 1 and not cands:
            return found[0][1], "", "", ""
        if found or cands:
            allc = sorted({*(f"{u.name}/{self._name(u, r)}" for u, r in found), *cands})
            return None, "ambiguous_ref", f"「{clip(written)}」可能指 {'、'.join(map(clip, allc))}，请写全称", \
                f"{clip(written)!r} could be any of {', '.join(map(clip, allc))}; use the full name"
        where_zh = f"「{units[0].label()}」" if scope else "市级、省级名册"
        where_en = units[0].name if scope else "the city/province-level rosters"
        return None, "unresolved_ref", f"{where_zh}中没有「{clip(name)}」", f"no organization named {clip(name)!r} in {where_en}"

    def _name(self, unit: Unit, rid: str) -> str:
        return str(self.index(unit).names.get(rid, rid))

    def layout(self) -> str:
        """What every answer depends on besides its targets: the folders and the format."""
        units = [[u.key, u.name, u.level, u.city] for u in self.prov.units]
        data = json.dumps([XREF_FORMAT, PART_FORMAT, self.model.version, self.prov.name, units], ensure_ascii=False)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def same_as(self, previous: dict[str, Any]) -> bool:
        """Whether :meth:`dump` would give the entries ``previous`` (a trusted ``xrefs.json``'s) hold."""
        return {k: {**e, "sources": sorted(e["sources"])} for k, e in self.entries.items()} == previous

    def dump(self) -> bytes:
        """The next ``xrefs.json``: every placeholder of this build, sorted (the same bytes for the same parts)."""
        entries = {k: {**e, "sources": sorted(e["sources"])} for k, e in self.entries.items()}
        doc = {"format": XREF_FORMAT, "layout": self.layout(), "entries": entries}
        return (json.dumps(doc, ensure_ascii=False, indent=0, sort_keys=True) + "\n").encode("utf-8")


def _load_xrefs(prev: Path | None, prov: Province, model: Model) -> tuple[dict[str, Any], str]:
    """The previous build's placeholder answers, if they can be trusted: (entries, status).

    Trusted only when the file's SHA-256 is the one the previous manifest recorded and it was
    made for the same folders and format; otherwise nothing is taken (status says why).
    """
    from .io import MANIFEST

    if prev is None:
        return {}, "none"
    try:
        manifest = json.loads((prev / MANIFEST).read_text(encoding="utf-8"))
        want = manifest.get("province", {}).get("xrefs")
        data = (prev / XREFS).read_bytes()
    except (OSError, json.JSONDecodeError, AttributeError):
        return {}, "missing"
    if not isinstance(want, str) or hashlib.sha256(data).hexdigest() != want:
        return {}, "stale: sha256"
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}, "stale: unreadable"
    probe = _Resolver(prov, {}, model)
    if not isinstance(doc, dict) or doc.get("format") != XREF_FORMAT or doc.get("layout") != probe.layout() \
            or not isinstance(doc.get("entries"), dict):
        return {}, "stale: layout"
    return doc["entries"], "used"


def _upper_places(prov: Province, model: Model) -> pa.Table:
    from .io import _to_arrow

    rows = [{"id": upper_place_id("province", prov.name), "name": prov.name, "kind": "province", "parent": None}]
    for c in prov.cities:
        rows.append({"id": upper_place_id("city", c), "name": c, "kind": "city", "parent": upper_place_id("province", prov.name)})
    df = pd.DataFrame(rows)
    df["src_file"], df["src_sheet"], df["src_row"], df["src_hash"] = CONFIG_FILE, "", 0, ""
    return _to_arrow(df, model["Place"])


def _type_table(rtype: Any, order: list[_Part], prov: Province, model: Model, resolver: _Resolver,
                problems: Problems, *, upper: bool = True) -> tuple[pa.Table, list[pa.Table], int, np.ndarray]:
    """One record type's province table: the parts' tables put together, placeholders resolved.

    Returns the table, its ``county_of`` rows, the references resolved and the rows whose required
    reference failed.
    """
    from ..ingest.load import XREF_PREFIX

    pieces = [p.table(rtype.name) for p in order]
    if rtype.name == "Place" and upper:  # the province's and the cities' places come first
        pieces = [_upper_places(prov, model), *pieces]
    t = pa.concat_tables(pieces).combine_chunks()
    owners: list[pa.Table] = []
    ids = [pc.cast(piece.column("id"), pa.string()) for piece in pieces]
    names = ([prov.name] if rtype.name == "Place" and upper else []) + [p.unit.name for p in order]
    levels = (["province"] if rtype.name == "Place" and upper else []) + [p.unit.level for p in order]
    for col, n, lv in zip(ids, names, levels):
        if len(col):
            owners.append(pa.table({"type": pa.array([rtype.name] * len(col), pa.string()), "id": col,
                                    "county": pa.array([n] * len(col), pa.string()),
                                    "level": pa.array([lv] * len(col), pa.string())}))
    n_cross = 0
    sizes = [p.table(rtype.name).num_rows for p in order]
    ends = np.cumsum(sizes) + (t.num_rows - sum(sizes))  # the province's own places (if any) come first
    bad_rows = np.zeros(t.num_rows, dtype=bool)
    for pname, prop in rtype.refs.items():
        if prop.range != "Organization":
            continue
        col = t.column(pname)
        mask = pc.fill_null(pc.starts_with(col, XREF_PREFIX), False)
        if not pc.any(mask).as_py():
            continue
        at = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        values = col.take(pa.array(at)).to_pylist()
        owner = np.minimum(np.searchsorted(ends, at, side="right"), len(order) - 1)
        got = [resolver.resolve(v, order[int(j)].unit.key) for v, j in zip(values, owner)]
        new = pa.array([g[0] for g in got], pa.string())
        col = pc.replace_with_mask(col.combine_chunks(), mask.combine_chunks(), new)
        t = t.set_column(t.schema.get_field_index(pname), pname, col)
        failed = [i for i, g in enumerate(got) if g[1]]
        n_cross += len(got) - len(failed)
        if failed:
            src = t.select(["src_file", "src_sheet", "src_row"]).take(pa.array(at[failed])).to_pylist()
            for i, s in zip(failed, src):
                _, rule, zh, en = got[i]
                written = values[i][len(XREF_PREFIX):].replace("\x1f", "/").lstrip("/")
                problems.add(file=s["src_file"], sheet=s["src_sheet"], row=int(s["src_row"]), column=prop.label["zh"],
                             value=written, rule=rule, zh=zh, en=en)
                if prop.required:
                    bad_rows[at[i]] = True
    return t, owners, n_cross, bad_rows


def _owner_table(owners: list[pa.Table]) -> pa.Table:
    """One record type's ``county_of`` rows (``type``, ``id``, ``county``, ``level``), from its pieces."""
    if not owners:
        return pa.table({c: pa.array([], pa.string()) for c in ("type", "id", "county", "level")})
    return pa.concat_tables(owners).combine_chunks()


def _assemble(prov: Province, parts: dict[str, _Part], model: Model, lenient: bool, problems: Problems,
              previous: dict[str, Any] | None = None
              ) -> tuple[dict[str, pa.Table], dict[str, pa.Table | Path], int, _Resolver, dict[str, int]]:
    order = [parts[u.key] for u in prov.units]
    tables: dict[str, pa.Table] = {}
    owners: dict[str, pa.Table | Path] = {}
    resolver = _Resolver(prov, parts, model, previous)
    dropped: dict[str, set[str]] = {}
    cross: dict[str, int] = {}
    for rtype in model:
        t, own, cross[rtype.name], bad_rows = _type_table(rtype, order, prov, model, resolver, problems)
        owners[rtype.name] = _owner_table(own)
        if lenient and bad_rows.any():
            dropped[rtype.name] = set(t.column("id").filter(pa.array(bad_rows)).to_pylist())
            t = t.filter(pa.array(~bad_rows))
        tables[rtype.name] = t
    if lenient and dropped:
        tables = _drop_cascade(tables, model, dropped, problems)
    return tables, owners, sum(cross.values()), resolver, cross


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _assemble_changed(prov: Province, parts: dict[str, _Part], model: Model, prev: Path, problems: Problems,
                      previous: dict[str, Any], rebuilt: list[str]) -> tuple[Any, ...] | None:
    """The province tables from the previous output where nothing of a record type changed.

    A record type's previous province file is kept (linked) when no rebuilt folder's table of that
    type differs from its previous part and no answer of a placeholder in it changed; the other types
    are put together as in a full build. Only when the previous output can be checked: its
    manifest's hashes of the province files match, the same folders in the same order, not lenient,
    and every answer of the unchanged folders' placeholders is the same as last time. Otherwise
    None (the caller puts everything together).

    A changed type's table is the previous one with the rebuilt folders' rows put in place of their
    old rows (:func:`_splice`), not read again from every part.

    Returns (tables of the changed types, kept types → previous file, county_of per type (a table,
    or the previous file to link), references resolved per type, resolver, counts, the types spliced).
    """
    from .io import MANIFEST

    try:
        pm = json.loads((prev / MANIFEST).read_text(encoding="utf-8"))
        pp = pm["province"]
        if not isinstance(pp["county_of"], dict):  # an earlier output's single county_of file: put together again
            return None
        kept_hash, co_hash, pcross = dict(pp["tables"]), dict(pp["county_of"]), dict(pp["cross_by_type"])
        punits = [(u["key"], u["name"], u["level"], u["city"]) for u in pp["units"]]
        pcounts = dict(pm["counts"])
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return None
    if pm.get("settings", {}).get("lenient") or punits != [(u.key, u.name, u.level, u.city) for u in prov.units]:
        return None
    resolver = _Resolver(prov, parts, model, previous)
    fresh = set(rebuilt)
    for ph, e in previous.items():  # the unchanged folders' references: the same answers, or no shortcut
        for src in e.get("sources", []):
            if src not in fresh and src in parts and list(resolver.resolve(ph, src)) != list(e.get("answer", [])):
                return None
    from ..ingest.load import XREF_PREFIX

    changed: set[str] = set()
    for key in rebuilt:
        part = parts[key]
        for rtype in model:
            t = part.table(rtype.name)
            old = prev / PARTS / key / "tables" / f"{rtype.name}.parquet"
            blob = part.blobs.get(f"tables/{rtype.name}.parquet")
            if blob is not None:  # the bytes the part is written as: the same bytes, the same table
                if blob != _read_bytes(old):
                    changed.add(rtype.name)
            elif not old.is_file() or not t.equals(pq.read_table(old)):
                changed.add(rtype.name)
            for pname, prop in rtype.refs.items():
                if prop.range != "Organization":
                    continue
                col = t.column(pname)
                mask = pc.fill_null(pc.starts_with(col, XREF_PREFIX), False)
                for ph in col.filter(mask).to_pylist():
                    ans = resolver.resolve(ph, key)
                    if ph not in previous or list(ans) != list(previous[ph].get("answer", [])):
                        changed.add(rtype.name)
    kept: dict[str, Path] = {}
    for rtype in model:
        if rtype.name not in changed:
            path = prev / "tables" / f"{rtype.name}.parquet"
            if rtype.name not in kept_hash or _file_sha256(path) != kept_hash[rtype.name] or rtype.name not in pcross:
                changed.add(rtype.name)
            else:
                kept[rtype.name] = path
    county: dict[str, pa.Table | Path] = {}
    for name in kept:  # the previous county_of file of a kept type, if it still has its recorded bytes
        path = prev / COUNTY_OF / f"{name}.parquet"
        if _file_sha256(path) != co_hash.get(name):
            return None
        county[name] = path
    tables: dict[str, pa.Table] = {}
    cross: dict[str, int] = {}
    done: list[str] = []  # the types spliced
    for rtype in model:
        if rtype.name in kept:
            cross[rtype.name] = int(pcross[rtype.name])
            continue
        spliced = _splice(rtype, prov, parts, model, prev, pp, kept_hash, co_hash, pcross, previous, rebuilt, resolver, problems)
        if spliced is None:  # put together from every part, as a full build does
            order = [parts[u.key] for u in prov.units]
            t, own, cross[rtype.name], _ = _type_table(rtype, order, prov, model, resolver, problems)
            tables[rtype.name], county[rtype.name] = t, _owner_table(own)
        else:
            tables[rtype.name], county[rtype.name], cross[rtype.name] = spliced
            done.append(rtype.name)
    counts = {r.name: (tables[r.name].num_rows if r.name in tables else int(pcounts[r.name])) for r in model}
    return tables, kept, county, cross, resolver, counts, done


def _splice(rtype: Any, prov: Province, parts: dict[str, _Part], model: Model, prev: Path, pp: dict[str, Any],
            kept_hash: dict[str, str], co_hash: dict[str, str], pcross: dict[str, Any], previous: dict[str, Any],
            rebuilt: list[str], resolver: _Resolver, problems: Problems) -> tuple[pa.Table, pa.Table, int] | None:
    """A changed record type's province table (and county_of rows) from the previous ones, the rebuilt
    folders' rows put in place of their old rows: what :func:`_type_table` over every part gives, when
    the unchanged parts' answers are the same as last time (checked by the caller).

    None when the previous files cannot be checked (their SHA-256 against the manifest, the rows per
    part against the counts it recorded): then the caller puts the type together from every part.
    """
    from ..ingest.load import XREF_PREFIX

    name = rtype.name
    old_t, old_co = prev / "tables" / f"{name}.parquet", prev / COUNTY_OF / f"{name}.parquet"
    if name not in kept_hash or name not in co_hash or name not in pcross:
        return None
    t_bytes, co_bytes = _read_bytes(old_t), _read_bytes(old_co)
    if t_bytes is None or co_bytes is None or hashlib.sha256(t_bytes).hexdigest() != kept_hash[name] \
            or hashlib.sha256(co_bytes).hexdigest() != co_hash[name]:
        return None
    table = pq.read_table(pa.BufferReader(t_bytes))
    owners = pq.read_table(pa.BufferReader(co_bytes))
    upper = 1 + len(prov.cities) if name == "Place" else 0
    try:
        sizes = [int(u["counts"][name]) for u in pp["units"]]
    except (KeyError, TypeError, ValueError):
        return None
    if upper + sum(sizes) != table.num_rows or table.num_rows != owners.num_rows:
        return None
    starts = upper + np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(int)
    fresh = set(rebuilt)
    t_pieces: list[pa.Table] = []
    co_pieces: list[pa.Table] = []
    n_cross = int(pcross[name])
    at = 0
    for u, start, size in zip(prov.units, starts.tolist(), sizes):
        if u.key not in fresh:
            continue
        old_part = prev / PARTS / u.key / "tables" / f"{name}.parquet"
        if not old_part.is_file():
            return None
        for pname, prop in rtype.refs.items():  # the old part's resolved references leave the count
            if prop.range != "Organization":
                continue
            col = pq.read_table(old_part, columns=[pname]).column(pname)
            for ph in col.filter(pc.fill_null(pc.starts_with(col, XREF_PREFIX), False)).to_pylist():
                ans = previous.get(ph, {}).get("answer") if isinstance(previous.get(ph), dict) else None
                if not isinstance(ans, list) or len(ans) != 4:
                    return None
                n_cross -= 0 if ans[1] else 1
        t_new, own, n_new, _ = _type_table(rtype, [parts[u.key]], prov, model, resolver, problems, upper=False)
        n_cross += n_new
        t_pieces += [table.slice(at, start - at), t_new]
        co_pieces += [owners.slice(at, start - at), _owner_table(own)]
        at = start + size
    t_pieces.append(table.slice(at))
    co_pieces.append(owners.slice(at))
    try:
        out_t = pa.concat_tables([p for p in t_pieces if p.num_rows] or [table.slice(0, 0)]).combine_chunks()
        out_co = pa.concat_tables([p for p in co_pieces if p.num_rows] or [owners.slice(0, 0)]).combine_chunks()
    except pa.ArrowInvalid:  # the rebuilt part's columns differ in type from the previous table's
        return None
    return out_t, out_co, n_cross


def _read_problems(path: Path, default: pd.DataFrame | None = None) -> pd.DataFrame:
    """A written ``problems.csv`` as a problem table; ``default`` (or an empty table) where there is none."""
    if path.exists():
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(excel_unsafe)
    return pd.DataFrame(columns=PROBLEM_COLUMNS) if default is None else default


def _left_as_is(prev: Path, prov: Province, parts: dict[str, _Part], model: Model, lenient: bool,
                format_version: str) -> dict[str, Any] | None:
    """The previous output's manifest if ``prev`` is what building ``prov`` now would write (build
    times aside), else None.

    True when every folder of the province was reused (the same source hashes, options and upper
    levels: :func:`_signature`), the previous manifest lists exactly these folders with these
    counts and source hashes and the same settings, and the province's own files (tables,
    ``county_of``, ``xrefs.json``) still have the SHA-256 the manifest recorded. The cross-folder
    answers depend only on the folders and their organizations, so they are the recorded ones too.
    """
    from .io import MANIFEST

    try:
        manifest = json.loads((prev / MANIFEST).read_text(encoding="utf-8"))
        pm = manifest["province"]
        units = [{"key": u.key, "name": u.name, "level": u.level, "city": u.city,
                  "counts": parts[u.key].meta["counts"], "sources": parts[u.key].meta["signature"]["sources"]}
                 for u in prov.units]
        same = (manifest.get("format") == format_version and manifest.get("schema_version") == model.version
                and manifest.get("settings") == {"county": prov.name, "province": prov.name, "lenient": lenient}
                and pm.get("name") == prov.name and pm.get("units") == units
                and sorted(pm.get("tables", {})) == sorted(r.name for r in model)
                and sorted(pm.get("county_of", {})) == sorted(r.name for r in model))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if not same or not (prev / "sources.parquet").is_file():
        return None
    files = [(prev / "tables" / f"{n}.parquet", h) for n, h in pm["tables"].items()]
    files += [(prev / COUNTY_OF / f"{n}.parquet", h) for n, h in pm["county_of"].items()]
    files.append((prev / XREFS, pm.get("xrefs")))
    if not all(_file_sha256(path) == want for path, want in files):
        return None
    try:  # every cached answer's targets still hold the organizations it was resolved against
        entries = json.loads((prev / XREFS).read_text(encoding="utf-8"))["entries"]
        targets = {k: d for e in entries.values() for k, d in e["targets"].items()}
        return manifest if all(k in parts and parts[k].org_digest() == d for k, d in targets.items()) else None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _drop_cascade(tables: dict[str, pa.Table], model: Model, dropped: dict[str, set[str]], problems: Problems) -> dict[str, pa.Table]:
    """Lenient mode: drop the records whose required references were dropped; null optional ones."""
    while dropped:
        nxt: dict[str, set[str]] = {}
        for rtype in model:
            t = tables[rtype.name]
            keep = np.ones(t.num_rows, dtype=bool)
            for pname, prop in rtype.refs.items():
                gone = dropped.get(str(prop.range))
                if not gone:
                    continue
                hit = pc.fill_null(pc.is_in(t.column(pname), value_set=pa.array(sorted(gone), pa.string())), False)
                hit_np = hit.to_numpy(zero_copy_only=False)
                if not hit_np.any():
                    continue
                if prop.required:
                    for s in t.select(["src_file", "src_sheet", "src_row"]).filter(pa.array(hit_np)).to_pylist():
                        problems.add(file=s["src_file"], sheet=s["src_sheet"], row=int(s["src_row"]), column=prop.label["zh"],
                                     rule="dangling_ref", severity="warning", zh="所引用的记录因错误未导入，本行也未导入",
                                     en="skipped: the record it refers to was not loaded")
                    keep &= ~hit_np
                else:
                    col = pc.if_else(hit, pa.scalar(None, pa.string()), t.column(pname))
                    t = t.set_column(t.schema.get_field_index(pname), pname, col)
            if not keep.all():
                nxt[rtype.name] = set(t.column("id").filter(pa.array(~keep)).to_pylist())
                t = t.filter(pa.array(keep))
            tables[rtype.name] = t
        dropped = nxt
    return tables


# --------------------------------------------------------------------------------------------
# entry point


def build_province(province_dir: str | Path, out: str | Path, *, lenient: bool = False,
                   mappings: Iterable[str | Path] = (), strict: bool = False, progress: ProgressFn | None = None,
                   limits: Limits | None = None, full: bool = False) -> ProvinceResult:
    """Build a province folder into ``out``, re-reading only the folders that changed.

    Parameters
    ----------
    province_dir
        The province folder (see the module's description and ``docs/province.md``).
    out
        The output folder: missing, empty or a graph folder graphkit built; replaced atomically.
    lenient
        Load what is valid (each county's and the cross-county references'); the problems go to
        ``problems.csv``.
    mappings
        Extra mapping files or folders for every county.
    strict
        Warnings are errors.
    progress
        Called with a short message per folder.
    limits
        Size limits (``graphkit.ingest._read.Limits``).
    full
        Read every folder again, even those unchanged since the previous output.

    Returns
    -------
    ProvinceResult
        The folders rebuilt, reused and hashed, the counts and the problems.

    Raises
    ------
    ProvinceFailed
        A county (or a cross-county reference) has errors and ``lenient`` is False; ``.failed``
        holds each failing folder's problem table; ``out`` is left as it was.
    """
    from .io import FORMAT_VERSION, MANIFEST, atomic_dir, check_replace, output_kind

    t0 = time.perf_counter()
    prov = read_province(province_dir)
    out = Path(out)
    check_replace(out, kind="graph")
    prev = out if (not full and output_kind(out) == "graph" and (out / PARTS).is_dir()) else None
    model = load_schema()
    limits = Limits() if limits is None else limits
    mapping_list = [str(Path(m).resolve()) for m in mappings]
    opts = {"lenient": lenient, "strict": strict,
            "mappings": [f"{Path(m).name}:{_tree_digest(Path(m))}" for m in mapping_list]}
    result = ProvinceResult(out=out)
    parts: dict[str, _Part] = {}
    failed: dict[str, pd.DataFrame] = {}
    upper = _UpperNames([], model)
    todo: list[tuple[int, Unit, dict[str, Any], list[list[Any]]]] = []
    no_problems = pd.DataFrame(columns=PROBLEM_COLUMNS)  # the reused parts without problems share it (never changed)
    prev_sources = _previous_sources(prev, prov)
    for i, unit in enumerate(prov.units, start=1):
        if unit.level == "county" and not upper.units:
            _finish(todo, parts, failed, result, prov, lenient, mapping_list, limits, strict, upper, progress)
            upper = _UpperNames([(p.unit, p.table("Organization")) for p in parts.values()], model)
        stats = _files(unit)
        old = _previous_part(prev, unit)
        stat_list = [list(s) for s in stats]
        if old is not None and old.get("stat") == stat_list:
            hashes = old["signature"]["sources"]
        else:
            hashes = {rel: file_sha256(unit.path / rel) for rel, _, _ in stats}
            result.hashed.append(unit.key)
        sig = _signature(unit, prov, hashes, model, opts, upper.digest)
        if old is not None and old.get("signature") == sig:
            part = _read_part(prev / PARTS / unit.key, unit, {**old, "stat": stat_list}, model,  # type: ignore[operator]
                              same_meta=old.get("stat") == stat_list, no_problems=no_problems,
                              sources=prev_sources.get(unit.key))
            parts[unit.key] = part
            result.reused.append(unit.key)
            if progress:
                progress(f"[{i}/{len(prov.units)}] {unit.label()}: 未变，沿用 unchanged, reused")
            continue
        todo.append((i, unit, sig, stat_list))
    _finish(todo, parts, failed, result, prov, lenient, mapping_list, limits, strict, upper, progress)
    parts = {u.key: parts[u.key] for u in prov.units if u.key in parts}
    result.seconds["parts"] = time.perf_counter() - t0
    if failed:
        allp = pd.concat(list(failed.values()), ignore_index=True)
        raise ProvinceFailed(allp, failed)
    as_is = (_left_as_is(prev, prov, parts, model, lenient, FORMAT_VERSION)
                 if prev is not None and not result.rebuilt else None)
    if as_is is not None and prev is not None:
        result.unchanged = True
        result.counts = {r.name: int(as_is["counts"].get(r.name, 0)) for r in model}  # the schema's order, as a build gives
        result.cross_links = int(as_is["province"]["cross_links"])
        result.xref_cache = "used"
        result.kept_tables = sorted(as_is["province"]["tables"])
        result.problems = _read_problems(prev / "problems.csv")
        result.seconds["check"] = time.perf_counter() - t0 - result.seconds["parts"]
        if progress:
            progress("所有文件夹的台账均未变，输出保持不变（未写入、未链接任何文件）/ "
                     "no folder's ledgers changed: the output is left as it is (no file written or linked)")
        return result
    t1 = time.perf_counter()
    cross_problems = Problems()
    previous, result.xref_cache = _load_xrefs(prev, prov, model)
    fast = None
    if prev is not None and not lenient and result.xref_cache == "used":
        fast = _assemble_changed(prov, parts, model, prev, cross_problems, previous, result.rebuilt)
    kept: dict[str, Path] = {}
    county_src: dict[str, pa.Table | Path]
    if fast is not None:
        tables, kept, county_src, cross, resolver, counts, result.spliced = fast
    else:
        cross_problems = Problems()
        tables, county_src, _, resolver, cross = _assemble(prov, parts, model, lenient, cross_problems, previous)
        counts = {k: v.num_rows for k, v in tables.items()}
    result.cross_links = sum(cross.values())
    result.kept_tables = sorted(kept)
    result.reresolved = resolver.resolved
    # the answers are the previous ones, for the same folders: the previous file has their bytes (linked, not dumped)
    same_xrefs = result.xref_cache == "used" and resolver.same_as(previous)
    xrefs = b"" if same_xrefs else resolver.dump()
    frames = [p.problems for p in parts.values() if len(p.problems)]
    cp = cross_problems.frame()
    if len(cp):
        frames.append(cp.reindex(columns=PROBLEM_COLUMNS))
    problems = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PROBLEM_COLUMNS)
    if strict and len(cp):
        cp.loc[cp["severity"] == "warning", "severity"] = "error"
    if not lenient and len(cp) and (cp["severity"] == "error").any():
        bad_keys = sorted({str(f).split("/", 1)[0] for f in cp["file"]})
        raise ProvinceFailed(cp, {k: cp[cp["file"].astype(str).str.startswith(k + "/")] for k in bad_keys})
    result.seconds["assemble"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    sources = pd.concat([p.sources for p in parts.values()], ignore_index=True)
    with atomic_dir(out, kind="graph", command="build") as tmp:
        (tmp / "tables").mkdir()
        table_hashes: dict[str, str] = {}
        for rtype in model:
            dst = tmp / "tables" / f"{rtype.name}.parquet"
            if rtype.name in kept:  # unchanged since the previous output: the same bytes, linked
                _link(kept[rtype.name], dst)
            else:
                pq.write_table(tables[rtype.name], dst, compression="zstd")
            table_hashes[rtype.name] = str(_file_sha256(dst))
        (tmp / COUNTY_OF).mkdir()
        county_hashes: dict[str, str] = {}
        for rtype in model:
            src, dst = county_src[rtype.name], tmp / COUNTY_OF / f"{rtype.name}.parquet"
            if isinstance(src, Path):
                _link(src, dst)
            else:
                pq.write_table(src, dst, compression="zstd")
            county_hashes[rtype.name] = str(_file_sha256(dst))
        if same_xrefs:
            assert prev is not None
            _link(prev / XREFS, tmp / XREFS)
        else:
            (tmp / XREFS).write_bytes(xrefs)
        xrefs_sha = str(_file_sha256(tmp / XREFS))
        pq.write_table(pa.Table.from_pandas(sources.astype({c: object for c in sources.columns if c != "bytes"}),
                                            preserve_index=False), tmp / "sources.parquet")
        if len(problems):
            problems.map(excel_safe).to_csv(tmp / "problems.csv", index=False, encoding="utf-8-sig")
        for key, part in parts.items():
            _write_part(part, tmp / PARTS / key)
        errors = int((problems["severity"] == "error").sum()) if len(problems) else 0
        manifest = {
            "format": FORMAT_VERSION, "schema_version": model.version,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
            "settings": {"county": prov.name, "province": prov.name, "lenient": lenient},
            "counts": counts,
            "sources": [{"file": r["file"], "sha256": r["sha256"], "bytes": int(r["bytes"])} for r in sources.to_dict("records")],
            "problems": {"errors": errors, "warnings": int(len(problems) - errors)},
            "province": {"name": prov.name, "cross_links": result.cross_links, "xrefs": xrefs_sha,
                         "tables": table_hashes, "county_of": county_hashes, "cross_by_type": cross,
                         "units": [{"key": u.key, "name": u.name, "level": u.level, "city": u.city,
                                    "counts": parts[u.key].meta["counts"],
                                    "sources": parts[u.key].meta["signature"]["sources"]} for u in prov.units]},
        }
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    result.seconds["write"] = time.perf_counter() - t2
    result.counts = counts
    result.problems = problems
    return result


def _build_unit(unit: Unit, prov: Province, sig: dict[str, Any], stat_list: list[list[Any]], lenient: bool,
                mappings: list[str], limits: Limits, strict: bool, cross: _CrossHook | None) -> tuple[Any, ...]:
    """Build one folder into its part (in this process or a worker): ("ok", part) or ("failed", problems)."""
    from ..ingest.load import build_graph

    model = load_schema()
    try:
        graph = build_graph(unit.path, lenient=lenient, mappings=mappings, limits=limits, strict=strict, cross=cross)
    except ValidationFailed as exc:
        return "failed", _prefixed_problems(exc.problems, unit)
    tables = _part_tables(graph, unit, prov, model)
    sources = graph.sources.copy()
    if len(sources):
        sources["file"] = unit.key + "/" + sources["file"].astype(str)
    meta = {"signature": sig, "stat": stat_list, "counts": {k: v.num_rows for k, v in tables.items()}}
    # every table serialized here (in the worker): written as these bytes, and compared by them with the previous part
    blobs = {f"tables/{name}.parquet": _parquet_bytes(t) for name, t in tables.items()}
    return "ok", _Part(unit, tables, sources, _prefixed_problems(graph.problems, unit), meta, blobs=blobs)


def _finish(todo: list[tuple[int, Unit, dict[str, Any], list[list[Any]]]], parts: dict[str, _Part],
            failed: dict[str, pd.DataFrame], result: ProvinceResult, prov: Province, lenient: bool, mappings: list[str],
            limits: Limits, strict: bool, upper: _UpperNames, progress: ProgressFn | None) -> None:
    """Build the folders in ``todo`` (two worker processes when there are several), taking the
    results in folder order; empties ``todo``."""
    from ..ingest.load import _cpu_count

    jobs = list(todo)
    todo.clear()
    if not jobs:
        return
    pool = None
    if len(jobs) > 1 and _cpu_count() > 1:
        import concurrent.futures
        import multiprocessing

        methods = multiprocessing.get_all_start_methods()
        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=2, mp_context=multiprocessing.get_context("fork" if "fork" in methods else "spawn"))
    try:
        futures = []
        for _, unit, sig, stat_list in jobs:
            args = (unit, prov, sig, stat_list, lenient, mappings, limits, strict,
                    _CrossHook(upper) if unit.level == "county" else None)
            futures.append(pool.submit(_build_unit, *args) if pool is not None else args)
        for (i, unit, _, _), fut in zip(jobs, futures):
            if progress:
                progress(f"[{i}/{len(prov.units)}] {unit.label()}: 读取 reading {unit.key}/")
            done = fut.result() if pool is not None else _build_unit(*fut)  # type: ignore[union-attr,misc]
            result.rebuilt.append(unit.key)
            if done[0] == "failed":
                failed[unit.key] = done[1]
            else:
                parts[unit.key] = done[1]
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _tree_digest(path: Path) -> str:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode("utf-8") + b"\x00" + file_sha256(p).encode("ascii"))
    return h.hexdigest()[:16]


def county_of_table(folder: Path, type_name: str) -> pa.Table | None:
    """One record type's rows of an output folder's ``county_of`` (``type``, ``id``, ``county``,
    ``level``): its file in ``county_of/``, or its rows of an earlier output's single
    ``county_of.parquet``; None when the folder has neither."""
    path = folder / COUNTY_OF / f"{type_name}.parquet"
    if path.is_file():
        return pq.read_table(path)
    if (folder / COUNTY_OF_FILE).is_file():
        return pq.read_table(folder / COUNTY_OF_FILE, filters=[("type", "=", type_name)])
    return None


@overload
def record_counties(graph: Any, type_name: str | None = None, *, arrow: Literal[False] = False) -> pd.DataFrame: ...
@overload
def record_counties(graph: Any, type_name: str | None = None, *, arrow: Literal[True]) -> pa.Table: ...
def record_counties(graph: Any, type_name: str | None = None, *, arrow: bool = False) -> pd.DataFrame | pa.Table:
    """The folder (county, or city/province level) of each record of a province graph.

    Parameters
    ----------
    graph
        A graph read from a province output folder (``read_graph``), or any graph (then empty).
    type_name
        Only this record type.
    arrow
        Return the Arrow table as read (strings stay in Arrow form: a country holds tens of millions
        of records) instead of a DataFrame.

    Returns
    -------
    DataFrame or pyarrow.Table
        ``type``, ``id``, ``county`` (the county's or level's name) and ``level``.
    """
    out_dir = graph.settings.get("out_dir") if hasattr(graph, "settings") else None
    table: pa.Table | None = None
    if out_dir:
        folder = Path(out_dir)
        if not (folder / COUNTY_OF).is_dir() and (folder / COUNTY_OF_FILE).is_file():  # an earlier output: one file
            filters = [("type", "=", type_name)] if type_name else None
            table = pq.read_table(folder / COUNTY_OF_FILE, filters=filters)
        else:
            names = [type_name] if type_name else [r.name for r in graph.model]  # the schema's order
            found = [t for t in (county_of_table(folder, n) for n in names) if t is not None]
            table = pa.concat_tables(found) if found else None
    if table is None:
        table = pa.table({c: pa.array([], type=pa.string()) for c in ("type", "id", "county", "level")})
    return table if arrow else table.to_pandas()
