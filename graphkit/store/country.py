"""A country from its provinces: one folder per province into one graph, province by province.

A country folder holds one province folder per province (each a province folder as
:mod:`graphkit.store.province` describes: county folders and city/province-level folders). An
optional ``graphkit.yaml`` at the top may name the country (``country:``) and list the province
folders (``provinces:``); without a list every sub-folder that is a province is taken.

How it is built (``build_country``):

1. Each province is built by :func:`graphkit.store.province.build_province` into its own part of
   the output, ``OUT/provinces/<folder>/`` (a complete province graph folder, with its county parts).
   A province whose files have the sizes and modification times the previous output recorded (and
   the same build options) is not built again: its part is linked from the previous output. A
   province that changed is built from the previous part, so that only its changed counties are read.
2. The provinces' tables are put together one province at a time (streamed into Parquet, never the
   whole country in memory): ``OUT/tables/`` then holds the country graph every other command reads,
   ``OUT/county_of/<Type>.parquet`` the folder of each record (``省名/县名``), ``OUT/sources.parquet`` and
   ``OUT/problems.csv`` the provinces' own, their paths led by the province folder. A country
   table (or ``county_of`` file) that every province feeds the same file as last time (the
   SHA-256 of each province's table, kept in the country manifest) is linked from the previous
   output instead, after its own SHA-256 is checked against the previous manifest.

Rebuilding when no province changed writes nothing: if every province's files and options are the
same and every country file still has the bytes its manifest recorded, the previous output is left
as it is (no county ledger is read, no file rewritten).

Ids. A province's ids are scoped by the county's *name* (``county:县名``), not by its province, and
county and city names repeat across a country (the synthetic country has hundreds of equal county
names, as China has several 朝阳区 and 城关镇): two provinces' ids collide. So every id and every
reference of a province is scoped by the province: ``org-<16 hex>`` becomes ``org-<tag><16 hex>``,
where the tag is 8 hex digits of blake2b of the province's name. Within a province the ids are
unique (the province build scopes them), distinct provinces have distinct tags (checked), and the
prefix has no ``-``, so the country's ids are unique (``tests/test_country.py`` checks both).

A province with errors fails the build: the previous output stays as it was, and the error names
the province, the county and the file (:class:`CountryFailed`, each failing county's problem table).
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..core.errors import GraphkitError, OutputError, ValidationFailed
from ..core.problems import PROBLEM_COLUMNS, excel_safe, excel_unsafe
from ..core.schema import Model, RecordType, load_schema
from ..core.text import clean_text
from ..ingest.load import Limits, file_sha256
from .province import (COUNTY_OF, ProvinceFailed, ProvinceResult, _has_ledgers, _tree_digest, _yaml, build_province,
                       county_of_table, is_province)

__all__ = [
    "PROVINCES",
    "Country",
    "CountryFailed",
    "CountryProvince",
    "CountryResult",
    "CountyRef",
    "build_country",
    "find_county",
    "is_country",
    "province_tag",
    "read_country",
]

CONFIG_FILE = "graphkit.yaml"
#: the folder of the provinces' own graph folders
PROVINCES = "provinces"
COUNTRY_FORMAT = "1"
_COUNTRY_KEYS = ("country", "provinces", "description")
ProgressFn = Callable[[str], None]


@dataclass(frozen=True)
class CountryProvince:
    """One province folder of a country."""

    key: str    #: the folder's name under the country folder, also its part's name
    name: str   #: the province's name (``province:`` of its ``graphkit.yaml``, else the folder's name)
    path: Path
    tag: str    #: 8 hex digits scoping the province's ids in the country graph


@dataclass(frozen=True)
class Country:
    """A country folder: its name and its province folders (in folder order)."""

    name: str
    path: Path
    provinces: tuple[CountryProvince, ...]


@dataclass
class CountryResult:
    """What ``build_country`` did."""

    out: Path
    rebuilt: list[str] = field(default_factory=list)   #: provinces built (some of their counties re-read)
    reused: list[str] = field(default_factory=list)    #: provinces linked unchanged from the previous output
    counts: dict[str, int] = field(default_factory=dict)
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROBLEM_COLUMNS))
    seconds: dict[str, float] = field(default_factory=dict)
    #: each rebuilt province's own result (which of its counties were re-read)
    provinces: dict[str, ProvinceResult] = field(default_factory=dict)
    #: country files linked unchanged from the previous output (``tables/<Type>.parquet``, ``county_of/<Type>.parquet``)
    kept: list[str] = field(default_factory=list)


class CountryFailed(ValidationFailed):
    """A province of the country has errors; ``failed`` maps ``省文件夹/县文件夹`` to its problem table."""

    def __init__(self, problems: pd.DataFrame, failed: dict[str, pd.DataFrame], province: str) -> None:
        names = "、".join(failed) if failed else province
        super().__init__(problems, hint=f"出错的省「{province}」/ failing province {province!r}: {names}；"
                                        f"上次的输出保持不变 / the previous output is unchanged.")
        self.failed = failed
        self.province = province


# --------------------------------------------------------------------------------------------
# the country folder


def _province_config(folder: Path) -> dict[str, Any] | None:
    """The sub-folder's ``graphkit.yaml`` if it names a province (``province:`` or ``counties:``)."""
    cfg = folder / CONFIG_FILE
    if not cfg.is_file():
        return None
    raw = _yaml(cfg)
    return raw if isinstance(raw, dict) and bool({"province", "counties"} & set(raw)) else None


def _subfolders(path: Path) -> list[Path]:
    from ..core.files import _LEDGER_KINDS
    from .io import output_kind

    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and output_kind(p) in (None, *_LEDGER_KINDS))  # graphkit's outputs are not ledgers


def is_country(path: str | Path) -> bool:
    """Whether a folder is a country of province folders (not a province, not one county).

    A country: its ``graphkit.yaml`` has ``country:`` or ``provinces:``; or it has no
    ``graphkit.yaml`` and no ledger of its own, a sub-folder whose ``graphkit.yaml`` names a
    province, and no sub-folder whose ``graphkit.yaml`` is a county's (that would be a province).
    """
    path = Path(path)
    if not path.is_dir():
        return False
    cfg = path / CONFIG_FILE
    if cfg.is_file():
        raw = _yaml(cfg)
        return isinstance(raw, dict) and bool({"country", "provinces"} & set(raw))
    if _has_ledgers(path):
        return False
    found = False
    for sub in _subfolders(path):
        if not (sub / CONFIG_FILE).is_file():
            continue
        if _province_config(sub) is None:
            return False
        found = True
    return found


def province_tag(name: str) -> str:
    """The 8 hex digits that scope a province's ids in the country graph."""
    return hashlib.blake2b(f"province:{name}".encode(), digest_size=4).hexdigest()


def read_country(path: str | Path) -> Country:
    """Read a country folder's layout: its name and its province folders.

    Raises
    ------
    GraphkitError
        An unknown key in the top ``graphkit.yaml``, a listed folder that is missing or not a
        province, a sub-folder with ledgers that is not a province, two folders naming the same
        province, no province at all.
    """
    path = Path(path)
    cfg = path / CONFIG_FILE
    raw = _yaml(cfg) if cfg.is_file() else {}
    if not isinstance(raw, dict):
        raise GraphkitError(f"{cfg}: 配置应为键值映射 / settings must be a mapping")
    unknown = sorted(str(k) for k in set(raw) - set(_COUNTRY_KEYS))
    if unknown:
        raise GraphkitError(f"{cfg}: 未知配置项 {unknown}（全国级可用：{'、'.join(_COUNTRY_KEYS)}）/ unknown settings {unknown}; "
                            f"a country's graphkit.yaml knows {', '.join(_COUNTRY_KEYS)}")
    name = clean_text(raw.get("country")) or path.resolve().name
    listed = raw.get("provinces")
    folders: list[Path] = []
    if listed is not None:
        if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
            raise GraphkitError(f"{cfg}: provinces 应为省文件夹名的列表 / `provinces` must be a list of province folders")
        for rel in listed:
            sub = path / rel
            if not sub.is_dir():
                raise GraphkitError(f"{cfg}: 列出的省文件夹不存在 / listed province folder not found: {rel}")
            if not is_province(sub):
                raise GraphkitError(f"{sub}: 不是省级文件夹（需要 graphkit.yaml 写明 province: 省名，或每县一个文件夹）/ "
                                    f"not a province folder (a graphkit.yaml with `province: NAME`, or one folder per county)")
            folders.append(sub)
    else:
        for sub in _subfolders(path):
            if is_province(sub):
                folders.append(sub)
            elif (sub / CONFIG_FILE).is_file() or _has_ledgers(sub):
                raise GraphkitError(f"{sub}: 全国目录下的文件夹应为省级文件夹（graphkit.yaml 写明 province: 省名）/ a folder of a "
                                    f"country folder must be a province (a graphkit.yaml with `province: NAME`)")
    provinces: list[CountryProvince] = []
    by_name: dict[str, str] = {}
    by_tag: dict[str, str] = {}
    for sub in folders:
        conf = _province_config(sub) or {}
        pname = clean_text(conf.get("province")) or sub.resolve().name
        key = Path(os.path.relpath(sub, path)).as_posix()
        if pname in by_name:
            raise GraphkitError(f"{path}: 文件夹 {by_name[pname]} 与 {key} 是同一个省「{pname}」/ folders {by_name[pname]} "
                                f"and {key} are the same province {pname!r}")
        tag = province_tag(pname)
        if tag in by_tag:  # 1 in 4 billion per pair; the ids would no longer be unique
            raise GraphkitError(f"{path}: 省「{by_tag[tag]}」与「{pname}」的编号前缀相同 / provinces {by_tag[tag]!r} and "
                                f"{pname!r} have the same id tag {tag}; rename one")
        by_name[pname], by_tag[tag] = key, pname
        provinces.append(CountryProvince(key=key, name=pname, path=sub, tag=tag))
    if not provinces:
        raise GraphkitError(f"{path}: 没有省级文件夹 / no province folder (each needs a graphkit.yaml with `province: NAME`)")
    return Country(name=name, path=path, provinces=tuple(provinces))


# --------------------------------------------------------------------------------------------
# one province → its part


def _stat(folder: Path) -> list[list[Any]]:
    """Every file of the province folder: [relative path, size, mtime_ns] (hidden files left out)."""
    out: list[list[Any]] = []
    for dirpath, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        here = Path(dirpath)
        for name in sorted(files):
            if name.startswith("."):
                continue
            st = (here / name).stat()
            out.append([(here / name).relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns])
    return out


def _link_file(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _link_tree(src: Path, dst: Path) -> None:
    """``dst`` with the files of ``src``: hard links (copies where links are not possible)."""
    shutil.copytree(src, dst, copy_function=_link_file)


def _manifest_digest(path: Path) -> str:
    """SHA-256 of a province's manifest without its build time (the same for the same province tables)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc.pop("created", None)
    return hashlib.sha256(json.dumps(doc, ensure_ascii=False, sort_keys=True).encode("utf-8")).hexdigest()


def _previous(out: Path, full: bool) -> tuple[dict[str, dict[str, Any]], dict[str, Any]]:
    """The previous country output's provinces (key → their entry) and its manifest, when ``out`` is one."""
    from .io import MANIFEST, output_kind

    if full or output_kind(out) != "graph" or not (out / PROVINCES).is_dir():
        return {}, {}
    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
        entries = manifest["country"]["provinces"]
        if manifest["country"].get("format") != COUNTRY_FORMAT:
            return {}, {}
        return {str(e["key"]): e for e in entries}, manifest
    except (OSError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
        return {}, {}


def _province_files(manifest: dict[str, Any]) -> dict[str, str]:
    """What a province gives each country file it feeds: its tables' and ``county_of``'s SHA-256 (its manifest's)."""
    pp = manifest.get("province") or {}
    out = {f"tables/{k}.parquet": str(v) for k, v in (pp.get("tables") or {}).items() if v}
    if isinstance(pp.get("county_of"), dict):  # one file per type (an earlier province's single file: no entry)
        out.update({f"{COUNTY_OF}/{k}.parquet": str(v) for k, v in pp["county_of"].items() if v})
    return out


def _own_files(folder: Path, model: Model) -> list[str]:
    """The country folder's own files (its provinces' parts and manifest aside), sorted."""
    rels = [f"{d}/{r.name}.parquet" for d in ("tables", COUNTY_OF) for r in model] + ["sources.parquet"]
    if (folder / "problems.csv").exists():
        rels.append("problems.csv")
    return sorted(rels)


def _same_layout(manifest: dict[str, Any], country: Country, entries: list[dict[str, Any]], model: Model,
                 lenient: bool) -> bool:
    """Whether the previous country output was made for the same provinces, in order, schema and mode."""
    c = manifest.get("country") or {}
    old = c.get("provinces") or []
    return (manifest.get("schema_version") == model.version and c.get("name") == country.name
            and (manifest.get("settings") or {}).get("lenient") == lenient
            and [(e.get("key"), e.get("name"), e.get("tag")) for e in old] == [(e["key"], e["name"], e["tag"]) for e in entries])


def _kept_files(manifest: dict[str, Any], out: Path, country: Country, entries: list[dict[str, Any]], model: Model,
                lenient: bool) -> dict[str, Path]:
    """The previous output's country files that the assembly would write again byte for byte: to link.

    A table (or ``county_of.parquet``) is kept when the previous output was made for the same
    provinces in the same order (:func:`_same_layout`), every province feeds it the same file as
    last time (the SHA-256 its manifest records, in the entries of both country manifests), and its
    bytes are still those the previous country manifest recorded.
    """
    if not manifest or not _same_layout(manifest, country, entries, model, lenient):
        return {}
    c = manifest["country"]
    recorded = c.get("files") or {}
    kept: dict[str, Path] = {}
    for rel in [f"{d}/{r.name}.parquet" for d in ("tables", COUNTY_OF) for r in model]:
        if rel not in recorded:
            continue
        same = all((o.get("files") or {}).get(rel) is not None and (o.get("files") or {}).get(rel) == n["files"].get(rel)
                   for o, n in zip(c["provinces"], entries))
        if same and _sha256_or_none(out / rel) == recorded[rel]:
            kept[rel] = out / rel
    return kept


def _sha256_or_none(path: Path) -> str | None:
    try:
        return file_sha256(path)
    except OSError:
        return None


def _nothing_changed(manifest: dict[str, Any], out: Path, country: Country, entries: list[dict[str, Any]],
                     model: Model, lenient: bool) -> bool:
    """Whether the previous output is what a build would write now (its build time aside): every
    province unchanged (the same entries) and every country file with the bytes the manifest recorded."""
    if not manifest or not _same_layout(manifest, country, entries, model, lenient):
        return False
    c = manifest["country"]
    recorded = c.get("files")
    if c.get("provinces") != entries or not isinstance(recorded, dict) or sorted(recorded) != _own_files(out, model):
        return False
    return all(_sha256_or_none(out / rel) == want for rel, want in recorded.items())


def _unchanged(old: dict[str, Any] | None, prov: CountryProvince, stat: list[list[Any]], opts: dict[str, Any],
               folder: Path) -> bool:
    """Whether the previous part of the province can be taken as it is."""
    from .io import MANIFEST

    if old is None or old.get("name") != prov.name or old.get("stat") != stat or old.get("options") != opts:
        return False
    try:
        return _manifest_digest(folder / MANIFEST) == old.get("manifest")
    except (OSError, json.JSONDecodeError):
        return False


def _build_part(prov: CountryProvince, dst: Path, prev_part: Path | None, *, lenient: bool, mappings: list[str],
                strict: bool, limits: Limits | None, progress: ProgressFn | None) -> ProvinceResult:
    """Build one province into ``dst`` (starting from its previous part, so unchanged counties are reused)."""
    if prev_part is not None:
        _link_tree(prev_part, dst)

    def say(msg: str) -> None:
        if progress:
            progress(f"  {prov.name} {msg}")

    try:
        return build_province(prov.path, dst, lenient=lenient, mappings=mappings, strict=strict,
                              progress=say if progress else None, limits=limits)
    except ProvinceFailed as exc:
        failed = {f"{prov.key}/{k}": _prefixed(t, prov.key) for k, t in exc.failed.items()}
        raise CountryFailed(_prefixed(exc.problems, prov.key), failed, prov.name) from None


def _prefixed(problems: pd.DataFrame, key: str) -> pd.DataFrame:
    p = problems.reindex(columns=PROBLEM_COLUMNS).copy()
    if len(p):
        p["file"] = [f"{key}/{f}" if isinstance(f, str) and f else key for f in p["file"].tolist()]
    return p


# --------------------------------------------------------------------------------------------
# the provinces → the country


def _scoped(column: pa.ChunkedArray, tag: str, where: Path, name: str) -> pa.ChunkedArray:
    """A province's id (or reference) column scoped by its tag: ``P-H`` → ``P-<tag>H``."""
    if column.null_count == len(column):
        return column
    has_dash = pc.match_substring(column, "-")
    if not pc.all(pc.fill_null(has_dash, True)).as_py():
        bad = column.filter(pc.invert(pc.fill_null(has_dash, True)))[0].as_py()
        raise OutputError(f"{where}: 列 {name} 的编号 {bad!r} 不是 graphkit 的格式（前缀-哈希）/ id {bad!r} in column "
                          f"{name} is not a graphkit id (PREFIX-HASH); rebuild the province")
    return pc.replace_substring_regex(column, pattern=r"^([^-]*)-", replacement=rf"\1-{tag}", max_replacements=1)


def _country_table(table: pa.Table, rtype: RecordType, prov: CountryProvince, where: Path) -> pa.Table:
    for pname in ("id", *rtype.refs):
        if pname in table.column_names:
            i = table.schema.get_field_index(pname)
            col = table.column(pname)
            if pa.types.is_dictionary(col.type):
                col = col.cast(pa.string())
            table = table.set_column(i, table.schema.field(i).with_type(col.type), _scoped(col, prov.tag, where, pname))
    if "src_file" in table.column_names:
        i = table.schema.get_field_index("src_file")
        col = pc.binary_join_element_wise(prov.key, pc.cast(table.column(i), pa.string()), "/")
        table = table.set_column(i, table.schema.field(i), col.cast(table.schema.field(i).type))
    return table


def _county_of(table: pa.Table, prov: CountryProvince, where: Path) -> pa.Table:
    """A province's ``county_of`` rows with country ids and ``省名/县名`` (the province level keeps its name)."""
    ids = _scoped(table.column("id"), prov.tag, where, "id")
    county = pc.cast(table.column("county"), pa.string())
    named = pc.binary_join_element_wise(prov.name, county, "/")
    county = pc.if_else(pc.equal(pc.cast(table.column("level"), pa.string()), "province"), county, named)
    return table.set_column(table.schema.get_field_index("id"), "id", ids) \
                .set_column(table.schema.get_field_index("county"), "county", county)


class _Writers:
    """One Parquet writer per file of the country folder, opened on the first province's table."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, rel: str, table: pa.Table) -> None:
        w = self.writers.get(rel)
        if w is None:
            w = self.writers[rel] = pq.ParquetWriter(self.folder / rel, table.schema, compression="zstd")
            self.rows[rel] = 0
        elif not table.schema.equals(w.schema):
            try:
                table = table.cast(w.schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, ValueError) as exc:
                raise OutputError(f"{self.folder / rel}: 各省的表结构不一致 / the provinces' tables differ in layout: {exc}") from None
        w.write_table(table)
        self.rows[rel] += table.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()
        self.writers.clear()


def _assemble(country: Country, parts: Path, tmp: Path, model: Model,
              kept: dict[str, Path] | None = None) -> tuple[dict[str, int], pd.DataFrame, pd.DataFrame]:
    """Stream the provinces' tables into the country's, one province at a time.

    ``kept``: files of the country folder (``tables/<Type>.parquet``, ``county_of/<Type>.parquet``)
    to link from the previous output instead (:func:`_kept_files`); they are not read.
    """
    kept = kept or {}
    (tmp / "tables").mkdir()
    (tmp / COUNTY_OF).mkdir()
    for rel, src in kept.items():
        _link_file(str(src), str(tmp / rel))
    writers = _Writers(tmp)
    sources: list[pd.DataFrame] = []
    problems: list[pd.DataFrame] = []
    try:
        for prov in country.provinces:
            folder = parts / prov.key
            for rtype in model:
                rel = f"tables/{rtype.name}.parquet"
                if rel not in kept:
                    path = folder / rel
                    writers.write(rel, _country_table(pq.read_table(path), rtype, prov, path))
                rel = f"{COUNTY_OF}/{rtype.name}.parquet"
                if rel not in kept:
                    owners = county_of_table(folder, rtype.name)
                    if owners is None:
                        raise OutputError(f"{folder}: 缺少 {COUNTY_OF}/（各记录所属县）/ no {COUNTY_OF}/ (each record's county); "
                                          f"rebuild the province")
                    writers.write(rel, _county_of(owners, prov, folder / rel))
            src = pq.read_table(folder / "sources.parquet").to_pandas()
            if len(src):
                src["file"] = prov.key + "/" + src["file"].astype(str)
            sources.append(src)
            pfile = folder / "problems.csv"
            if pfile.exists():
                p = pd.read_csv(pfile, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(excel_unsafe)
                problems.append(_prefixed(p, prov.key))
    finally:
        writers.close()
    counts = {r.name: writers.rows.get(f"tables/{r.name}.parquet", 0) for r in model}
    for rel in kept:
        if rel.startswith("tables/"):
            counts[rel[len("tables/"):-len(".parquet")]] = pq.ParquetFile(tmp / rel).metadata.num_rows
    src_df = pd.concat(sources, ignore_index=True) if sources else pd.DataFrame(columns=["file", "sha256", "bytes"])
    prob_df = pd.concat(problems, ignore_index=True) if problems else pd.DataFrame(columns=PROBLEM_COLUMNS)
    return counts, src_df, prob_df


def _write_country(country: Country, tmp: Path, model: Model, entries: list[dict[str, Any]], *,
                   lenient: bool, kept: dict[str, Path] | None = None) -> tuple[dict[str, int], pd.DataFrame]:
    """The country graph in ``tmp`` from its provinces' parts in ``tmp/provinces``: tables, sources, problems, manifest.

    ``kept``: country files linked from the previous output (:func:`_kept_files`).
    """
    from .io import FORMAT_VERSION, MANIFEST

    counts, sources, problems = _assemble(country, tmp / PROVINCES, tmp, model, kept)
    pq.write_table(pa.Table.from_pandas(sources.astype({c: object for c in sources.columns if c != "bytes"}),
                                        preserve_index=False), tmp / "sources.parquet")
    if len(problems):
        problems.map(excel_safe).to_csv(tmp / "problems.csv", index=False, encoding="utf-8-sig")
    errors = int((problems["severity"] == "error").sum()) if len(problems) else 0
    manifest = {
        "format": FORMAT_VERSION, "schema_version": model.version,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
        "settings": {"county": country.name, "province": country.name, "country": country.name, "lenient": lenient},
        "counts": counts,
        "sources": [{"file": r["file"], "sha256": r["sha256"], "bytes": int(r["bytes"])} for r in sources.to_dict("records")],
        "problems": {"errors": errors, "warnings": int(len(problems) - errors)},
        "country": {"name": country.name, "format": COUNTRY_FORMAT, "provinces": entries,
                    "tables": {r.name: file_sha256(tmp / "tables" / f"{r.name}.parquet") for r in model},
                    "county_of": {r.name: file_sha256(tmp / COUNTY_OF / f"{r.name}.parquet") for r in model},
                    "files": {rel: file_sha256(tmp / rel) for rel in _own_files(tmp, model)}},
    }
    (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return counts, problems


# --------------------------------------------------------------------------------------------
# one county of a built province or country (``graphkit neo4j push --county``)


@dataclass(frozen=True)
class CountyRef:
    """One county (or city/province-level folder) of a built graph folder.

    Every record of it has ``src_file`` starting with :attr:`prefix`: ``县文件夹/`` in a province
    graph, ``省文件夹/县文件夹/`` in a country graph.
    """

    name: str    #: ``县名`` (province graph) or ``省名/县名`` (country graph)
    prefix: str  #: the folder prefix of its records' ``src_file``


def _county_candidates(out: Path) -> tuple[str, list[tuple[str, str, str, str]]] | None:
    """``("province" | "country", [(province key, province name, folder key, folder name), …])`` of a
    built graph folder, or None when it is neither a province nor a country graph."""
    from .io import MANIFEST

    def units(manifest: dict[str, Any]) -> list[dict[str, Any]]:
        got = (manifest.get("province") or {}).get("units")
        return got if isinstance(got, list) else []

    try:
        manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    provinces = (manifest.get("country") or {}).get("provinces")
    if isinstance(provinces, list) and provinces:
        found = []
        for entry in provinces:
            part = out / PROVINCES / str(entry["key"]) / MANIFEST
            try:
                pm = json.loads(part.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise OutputError(f"全国图谱缺少省的清单 {part}（请重新构建）/ the country graph's province manifest "
                                  f"{part} cannot be read ({exc}); build the country again") from exc
            found += [(str(entry["key"]), str(entry["name"]), str(u["key"]), str(u["name"])) for u in units(pm)]
        return "country", found
    found = [("", "", str(u["key"]), str(u["name"])) for u in units(manifest)]
    return ("province", found) if found else None


def find_county(out: str | Path, county: str) -> CountyRef:
    """The county named ``county`` in a province or country graph folder ``out``.

    In a province graph ``county`` is a county's (or city/province-level folder's) name or folder
    name. In a country graph it is ``省名/县名`` (names or folder names), or a county name alone
    when only one province has a county of that name.

    Raises
    ------
    GraphkitError
        ``out`` is neither a province nor a country graph folder; no county has that name (the
        message lists the closest names); or, in a country, several provinces have a county of
        that name (the message lists them as ``省名/县名``).
    """
    import difflib

    out = Path(out)
    got = _county_candidates(out)
    if got is None:
        raise GraphkitError(f"--county 只用于省级或全国图谱（graphkit build 省级或全国目录）/ --county needs a province or "
                            f"country graph folder (built from a province or a country folder): {out}")
    kind, cands = got
    text = county.strip()
    if kind == "country" and "/" in text:
        pname, cname = (t.strip() for t in text.split("/", 1))
        hit = [c for c in cands if pname in (c[0], c[1]) and cname in (c[2], c[3])]
    else:
        hit = [c for c in cands if text in (c[2], c[3])]
    hit = list(dict.fromkeys(hit))

    def label(c: tuple[str, str, str, str]) -> str:
        return f"{c[1]}/{c[3]}" if kind == "country" else c[3]

    if len(hit) > 1:
        listed = "、".join(label(c) for c in hit)
        raise GraphkitError(f"县名「{county}」在多个省都有：{listed}；请写成 省名/县名 / the county name {county!r} is in "
                            f"several provinces: {listed}; name it as PROVINCE/COUNTY")
    if not hit:
        labels = list(dict.fromkeys(label(c) for c in cands))
        names = list(dict.fromkeys([*labels, *(c[3] for c in cands)]))
        close = difflib.get_close_matches(text, names, n=8, cutoff=0.5)
        shown = close or labels[:10]
        where = "全国图谱" if kind == "country" else "省级图谱"
        where_en = "the country graph" if kind == "country" else "the province graph"
        more = "" if close or len(labels) <= 10 else "…"
        raise GraphkitError(f"{where}中没有县「{county}」，{'相近的' if close else '已有'}：{'、'.join(shown)}{more} / "
                            f"no county {county!r} in {where_en}; {'closest' if close else 'some of those there'}: "
                            f"{', '.join(shown)}{more}")
    c = hit[0]
    return CountyRef(name=label(c), prefix=f"{c[0]}/{c[2]}/" if kind == "country" else f"{c[2]}/")


# --------------------------------------------------------------------------------------------
# entry point


def build_country(country_dir: str | Path, out: str | Path, *, lenient: bool = False,
                  mappings: Iterable[str | Path] = (), strict: bool = False, progress: ProgressFn | None = None,
                  limits: Limits | None = None, full: bool = False) -> CountryResult:
    """Build a country folder into ``out``, building again only the provinces that changed.

    Parameters
    ----------
    country_dir
        The country folder: one province folder per province (see the module's description).
    out
        The output folder: missing, empty or a graph folder graphkit built; replaced atomically.
    lenient
        Load what is valid in each province; the problems go to ``problems.csv``.
    mappings
        Extra mapping files or folders for every county.
    strict
        Warnings are errors.
    progress
        Called with a short message per province (and per county of a province being built).
    limits
        Size limits (``graphkit.ingest._read.Limits``).
    full
        Build every province (and every county) again, even those unchanged since the previous output.

    Returns
    -------
    CountryResult
        The provinces built and reused, the counts and the problems.

    Raises
    ------
    CountryFailed
        A province has errors and ``lenient`` is False; ``.failed`` holds each failing county's
        problem table (keys ``省文件夹/县文件夹``); ``out`` is left as it was.
    """
    from .io import atomic_dir, check_replace

    t0 = time.perf_counter()
    country = read_country(country_dir)
    out = Path(out)
    check_replace(out, kind="graph")
    previous, prev_manifest = _previous(out, full)
    model = load_schema()
    mapping_list = [str(Path(m).resolve()) for m in mappings]
    opts = {"lenient": lenient, "strict": strict, "mappings": [f"{Path(m).name}:{_tree_digest(Path(m))}" for m in mapping_list]}
    result = CountryResult(out=out)
    n = len(country.provinces)
    stats = {prov.key: _stat(prov.path) for prov in country.provinces}
    unchanged: dict[str, Path] = {}  # province → its previous part, to take as it is
    for prov in country.provinces:
        part = out / PROVINCES / prov.key
        if prov.key in previous and part.is_dir() and _unchanged(previous[prov.key], prov, stats[prov.key], opts, part):
            unchanged[prov.key] = part
    if len(unchanged) == n:  # nothing to build: is the previous output exactly what a build would write?
        entries = [_entry(prov, stats[prov.key], opts, out / PROVINCES / prov.key) for prov in country.provinces]
        if _nothing_changed(prev_manifest, out, country, entries, model, lenient):
            result.reused = [prov.key for prov in country.provinces]
            if progress:
                progress(f"{n} 个省均未变，输出保持不变 / all {n} provinces unchanged: the output is left as it is")
            result.counts = {r.name: int(prev_manifest["counts"].get(r.name, 0)) for r in model}
            result.problems = _read_problems(out / "problems.csv")
            result.seconds["total"] = time.perf_counter() - t0
            return result
    entries = []
    with atomic_dir(out, kind="graph", command="build") as tmp:
        parts = tmp / PROVINCES
        parts.mkdir()
        for i, prov in enumerate(country.provinces, start=1):
            stat = stats[prov.key]
            prev_part = out / PROVINCES / prov.key if prov.key in previous and (out / PROVINCES / prov.key).is_dir() else None
            dst = parts / prov.key
            dst.parent.mkdir(parents=True, exist_ok=True)
            if prov.key in unchanged:
                _link_tree(unchanged[prov.key], dst)
                result.reused.append(prov.key)
                if progress:
                    progress(f"[{i}/{n}] {prov.name}: 未变，沿用 unchanged, reused")
            else:
                if progress:
                    progress(f"[{i}/{n}] {prov.name}: 构建 building {prov.key}/")
                t = time.perf_counter()
                res = _build_part(prov, dst, prev_part, lenient=lenient, mappings=mapping_list, strict=strict,
                                  limits=limits, progress=progress)
                result.provinces[prov.key] = res
                result.rebuilt.append(prov.key)
                result.seconds[f"province:{prov.key}"] = time.perf_counter() - t
            entries.append(_entry(prov, stat, opts, dst))
        result.seconds["provinces"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        if progress:
            progress(f"合并 {n} 个省 / putting {n} provinces together")
        kept = _kept_files(prev_manifest, out, country, entries, model, lenient)
        counts, problems = _write_country(country, tmp, model, entries, lenient=lenient, kept=kept)
        result.kept = sorted(kept)
        result.seconds["assemble"] = time.perf_counter() - t1
    result.seconds["total"] = time.perf_counter() - t0
    result.counts = counts
    result.problems = problems
    return result


def _entry(prov: CountryProvince, stat: list[list[Any]], opts: dict[str, Any], part: Path) -> dict[str, Any]:
    """The country manifest's entry of a province, from its part's manifest."""
    from .io import MANIFEST

    pm = json.loads((part / MANIFEST).read_text(encoding="utf-8"))
    return {"key": prov.key, "name": prov.name, "tag": prov.tag, "stat": stat, "options": opts,
            "manifest": _manifest_digest(part / MANIFEST), "counts": pm["counts"], "files": _province_files(pm)}


def _read_problems(path: Path) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=PROBLEM_COLUMNS)
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(excel_unsafe)
