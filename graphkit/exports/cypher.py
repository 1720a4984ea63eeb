"""Cypher without a server: an embedded LadybugDB database built from an output folder.

LadybugDB (the maintained fork of Kùzu, ``pip install ladybug``) is an embedded property-graph
database that speaks Cypher. :func:`open_embedded` builds a database from an output folder
(``graphkit build … -o OUT``) by bulk ``COPY … FROM`` Parquet files — one per node label and per
(relationship type, source label, target label) — laid out by :mod:`graphkit.exports._graph_shape`, the
same shape the Neo4j exports use. The database is cached beside the graph in
``OUT/.cache/cypher-<key>/`` (``key`` = SHA-256 of the manifest, the shape version and the engine
version), so only the first query pays for the build; the cache is opened read-only, so a query
can never change it. When OUT is not writable the cache goes to the user's private cache folder
(``$XDG_CACHE_HOME/graphkit``, mode 0700). A cached database is verified against the graph before
use (manifest hash recorded at creation, node counts), and a query on a folder that is rebuilt
meanwhile runs again on the new graph (docs/reliability.md).

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.exports.cypher import run_cypher
>>> g = example_graph()
>>> df = run_cypher(g, "MATCH (o:Organization) RETURN count(o) AS n")
>>> int(df.loc[0, "n"]) == g.count("Organization")
True
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable, Mapping

import pandas as pd

from ._graph_shape import (SHAPE_VERSION, GraphTables, RelShape, ends_by_label, graph_shape, ident, missing_ends,
                           node_table, rel_table)
from ..core.errors import GraphkitError, OutputError
from ..core.schema import Model, load_schema

__all__ = ["EmbeddedGraph", "open_embedded", "run_cypher", "with_embedded", "build_database", "cache_key",
           "CypherError", "frame_from_arrow", "user_cache_dir"]

ProgressFn = Callable[[str], None]
_DB_FILE = "graph.lbug"
_SAFE_PATH = re.compile(r"^[^'\"\\\n\r`]+$")
_KINDS = {"string": "STRING", "integer": "INT64", "date": "DATE", "boolean": "BOOLEAN"}


class CypherError(GraphkitError):
    """A Cypher query failed (syntax, unknown label or property, type error)."""


def _engine_version() -> str:
    import ladybug

    return str(getattr(ladybug, "__version__", "?"))


def _import_ladybug() -> Any:
    try:
        import ladybug
    except ImportError:  # pragma: no cover - the extra is a declared dependency
        raise GraphkitError("需要安装嵌入式 Cypher 引擎 / the embedded Cypher engine is not installed: "
                            "pip install 'graphkit[embedded]' (ladybug)") from None
    return ladybug


def cache_key(out: str | Path) -> str:
    """The cache key of an output folder's embedded database.

    The SHA-256 of ``manifest.json`` (its counts, source-file hashes, schema version and build
    time), of the graph-shape version and of the engine version: a rebuilt graph, a changed
    shape or another LadybugDB version each get a fresh database.
    """
    from ..store.io import MANIFEST

    path = Path(out) / MANIFEST
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise OutputError(f"{out}: 不是 graphkit 输出目录（缺少 {MANIFEST}）/ not a graphkit output folder "
                          f"(no {MANIFEST}); 先运行 run `graphkit build DATA_DIR -o {out}`") from None
    h = hashlib.sha256(data)
    h.update(f"\0shape={SHAPE_VERSION}\0engine={_engine_version()}".encode())
    return h.hexdigest()[:20]


def _check_path(path: Path) -> str:
    text = str(path)
    if not _SAFE_PATH.match(text):
        raise OutputError(f"临时路径含引号或反斜杠，无法用于 COPY / a staging path contains quotes or backslashes: {text!r}; "
                          f"set TMPDIR to a plain folder")
    return text


def build_database(source: Any, db_path: str | Path, *, model: Model | None = None,
                   progress: ProgressFn | None = None) -> Path:
    """Build a LadybugDB database file at ``db_path`` from a graph (output folder or ``Graph``).

    Node and relationship tables are created from :mod:`graphkit.exports._graph_shape` and filled with
    one bulk ``COPY`` per node label and per relationship triple from Parquet files staged in a
    temporary folder. The graph's tables are streamed into the staged files in record batches
    (memory stays bounded; each batch is one row group, which the engine reads in parallel).
    Relationships whose end is missing (possible only in a graph built with ``--lenient``) are
    left out and counted in the progress messages.

    Returns
    -------
    Path
        ``db_path``.
    """
    lb = _import_ladybug()
    from ..core.model import Graph

    model = source.model if isinstance(source, Graph) else (model or load_schema())
    shape = graph_shape(model)
    gt = GraphTables(source, model)
    db_path = Path(db_path)
    say = progress or (lambda _m: None)
    # which relationship ends point at a missing record (one streaming anti-join per label)
    ends = ends_by_label(shape)
    missing: set[RelShape] = set()
    for ns in shape.nodes:
        if ns.label in ends:
            ids = gt.read(ns.type, ["id"]).column("id").combine_chunks().drop_null()
            missing.update(rs for rs, _ in missing_ends(gt, ids.cast("string"), ends[ns.label]))
    lookups = {c.lookup: gt.read(c.lookup, ["id", "name"]) for rs in shape.rels for c in rs.columns if c.lookup}
    stage = Path(tempfile.mkdtemp(prefix="graphkit-cypher-"))
    try:
        _check_path(stage)
        db = lb.Database(str(db_path))
        conn = lb.Connection(db)
        for ns in shape.nodes:
            cols = ", ".join(f"{ident(c.name)} {_KINDS[c.kind]}" for c in ns.columns)
            conn.execute(f"CREATE NODE TABLE {ident(ns.label)}({cols}, PRIMARY KEY({ident('id')}))")
            f = stage / f"node_{ns.label}.parquet"
            batches = (node_table(ns, b) for b in gt.batches(ns.type, list(dict.fromkeys(c.source for c in ns.columns)),
                                                              batch_rows=_STAGE_ROWS, dictionary=True))
            if _stage(f, batches):
                conn.execute(f"COPY {ident(ns.label)} FROM '{_check_path(f)}'")
        for rel in shape.rel_types():
            triples = shape.rel_shapes(rel)
            pairs = ", ".join(f"FROM {ident(r.source_label)} TO {ident(r.target_label)}" for r in triples)
            props = "".join(f", {ident(c.name)} {_KINDS[c.kind]}" for c in triples[0].columns)
            conn.execute(f"CREATE REL TABLE {ident(rel)}({pairs}{props})")
            for r in triples:
                f = stage / f"rel_{r.file_stem}.parquet"
                rows = _known_rels(r, gt, lookups, say) if r in missing else (
                    rel_table(r, {**lookups, r.table: b}, start="from", end="to")
                    for b in gt.batches(r.table, _rel_columns(r), batch_rows=_STAGE_ROWS, dictionary=True))
                if _stage(f, rows):
                    conn.execute(f"COPY {ident(rel)} FROM '{_check_path(f)}' "
                                 f"(from='{r.source_label}', to='{r.target_label}')")
        conn.close()
        db.close()
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return db_path


#: Rows per staged row group (the engine reads row groups in parallel).
_STAGE_ROWS = 131_072


def _stage(path: Path, tables: Any) -> int:
    """Write record batches to one staged Parquet file; return the rows written (no file if 0)."""
    import pyarrow.parquet as pq

    writer = None
    rows = 0
    try:
        for t in tables:
            if not t.num_rows:
                continue
            if writer is None:
                writer = pq.ParquetWriter(path, t.schema, compression="snappy")
            writer.write_table(t, row_group_size=_STAGE_ROWS)
            rows += t.num_rows
    finally:
        if writer is not None:
            writer.close()
    return rows


def _rel_columns(r: RelShape) -> list[str]:
    return list(dict.fromkeys([r.source_col, r.target_col] + [c.source for c in r.columns]))


def _known_rels(r: RelShape, gt: GraphTables, lookups: Mapping[str, Any], say: ProgressFn) -> Any:
    """The rows of a triple with a missing end (lenient graphs), without those rows, as one table."""
    import pyarrow.compute as pc

    t = rel_table(r, {**lookups, r.table: gt.read(r.table, _rel_columns(r))}, start="from", end="to")
    starts = gt.read(r.source_type, ["id"]).column("id").combine_chunks()
    ends = gt.read(r.target_type, ["id"]).column("id").combine_chunks()
    ok = pc.and_(pc.is_in(t.column("from"), value_set=starts), pc.is_in(t.column("to"), value_set=ends))
    dropped = t.num_rows - pc.sum(ok.cast("int64")).as_py() if t.num_rows else 0
    if dropped:
        say(f"跳过 {dropped} 条端点缺失的关系 / skipped {dropped} {r.rel} link(s) with a missing end ({r.declared_by})")
        t = t.filter(ok)
    return iter([t])


def frame_from_arrow(table: Any) -> pd.DataFrame:
    """A query result (pyarrow Table) as a DataFrame with graphkit's dtypes.

    Integers become ``Int64``, booleans ``boolean``, dates ``datetime64[s]``, strings ``object``
    with ``None`` for missing values and lists plain Python lists.
    """
    import pyarrow as pa

    out: dict[str, Any] = {}
    for name, col in zip(table.column_names, table.columns):
        typ = col.type
        if pa.types.is_integer(typ):
            out[name] = pd.array(col.to_pylist(), dtype="Int64")
        elif pa.types.is_boolean(typ):
            out[name] = pd.array(col.to_pylist(), dtype="boolean")
        elif pa.types.is_floating(typ):
            out[name] = pd.array(col.to_pylist(), dtype="Float64")
        elif pa.types.is_date(typ) or pa.types.is_timestamp(typ):
            out[name] = pd.to_datetime(pd.Series(col.to_pylist(), dtype=object)).astype("datetime64[s]")
        else:
            out[name] = pd.Series(col.to_pylist(), dtype=object)
    return pd.DataFrame(out, columns=table.column_names)


class EmbeddedGraph:
    """An open, read-only LadybugDB database of one graph.

    Use :func:`open_embedded` to get one; close it (or use ``with``) when done.

    Examples
    --------
    >>> import graphkit as gk
    >>> g = gk.sample_graph()
    >>> with open_embedded(g) as db:
    ...     df = db.query("MATCH (:Organization)-[p:PAIRED_WITH]->(:Organization) RETURN count(p) AS n")
    >>> int(df.loc[0, "n"]) == g.count("Pairing")
    True
    """

    def __init__(self, db_path: Path, *, cleanup: Path | None = None) -> None:
        lb = _import_ladybug()
        self.path = db_path
        self._cleanup = cleanup
        self._db = lb.Database(str(db_path), read_only=True)
        self._conn = lb.Connection(self._db)

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run one Cypher statement with parameters; return the rows as a DataFrame.

        Parameters
        ----------
        cypher
            The query text. Values belong in ``$parameters``, never pasted into the text.
        params
            Parameter values: str, int, float, bool, ``datetime.date``, lists.

        Raises
        ------
        CypherError
            If the engine rejects the query; the message carries the engine's own words.
        """
        try:
            result = self._conn.execute(cypher, dict(params or {}))
        except RuntimeError as exc:
            raise CypherError(f"Cypher 查询失败 / query failed: {exc}") from None
        if isinstance(result, list):  # several statements: the last one's rows
            result = result[-1]
        return frame_from_arrow(result.get_as_arrow())

    def close(self) -> None:
        """Close the database (and remove it if it was a temporary one)."""
        conn, db = getattr(self, "_conn", None), getattr(self, "_db", None)
        self._conn = self._db = None
        if conn is not None:
            conn.close()
        if db is not None:
            db.close()
        if self._cleanup is not None:
            shutil.rmtree(self._cleanup, ignore_errors=True)
            self._cleanup = None

    def __enter__(self) -> EmbeddedGraph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            self.close()
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

    def __repr__(self) -> str:
        return f"<EmbeddedGraph {self.path}>"


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-", delete=True)
        probe.close()
        return True
    except OSError:
        return False


def user_cache_dir() -> Path:
    """graphkit's private cache folder: ``$XDG_CACHE_HOME/graphkit`` (else ``~/.cache/graphkit``), mode 0700.

    Used for the embedded database when ``OUT/.cache`` cannot be written. The folder is made
    with mode 0700; an existing one owned by another user, or open to others, is refused (its
    databases could have been planted), and one of the current user's own is tightened to 0700.

    Raises
    ------
    OutputError
        If the folder belongs to another user or cannot be made private.
    """
    import platformdirs

    path = Path(platformdirs.user_cache_dir("graphkit", appauthor=False))
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = path.lstat()
        if path.is_symlink() or (hasattr(os, "getuid") and st.st_uid != os.getuid()):
            raise OutputError(f"{path}: 缓存目录不属于当前用户（或是符号链接），不使用 / the cache folder is not the current "
                              "user's own (or is a symlink); it is not used. 请删除它或设置 XDG_CACHE_HOME / remove it "
                              "or set XDG_CACHE_HOME")
        if st.st_mode & 0o077:
            os.chmod(path, 0o700)
    except OSError as exc:
        raise OutputError(f"{path}: 无法建立私有缓存目录 / cannot make the private cache folder: {exc}") from None
    return path


def _manifest_bytes(out: Path) -> bytes:
    from ..store.io import MANIFEST

    try:
        return (out / MANIFEST).read_bytes()
    except FileNotFoundError:
        raise OutputError(f"{out}: 不是 graphkit 输出目录（缺少 {MANIFEST}）/ not a graphkit output folder "
                          f"(no {MANIFEST}); 先运行 run `graphkit build DATA_DIR -o {out}`") from None


def _identity(out: Path) -> tuple[int, int, int, str] | None:
    """What tells one graph folder at ``out`` from the next one renamed onto it (None while missing).

    The inode alone is not enough (a deleted folder's inode is soon reused, and two builds of the
    same ledgers in one second have the same manifest): the inode's change time, which a rename
    sets, is part of it. (Adding an entry to OUT changes it too; that costs one retry at most.)
    """
    try:
        st = os.stat(out)
        return (st.st_dev, st.st_ino, st.st_ctime_ns,
                hashlib.sha256((out / "manifest.json").read_bytes()).hexdigest())
    except OSError:
        return None


def _expected_nodes(out: Path, manifest: bytes, model: Model) -> dict[str, int]:
    """Node label -> the row count the manifest gives for its record type."""
    counts = json.loads(manifest.decode("utf-8")).get("counts") or {}
    return {ns.label: int(counts.get(ns.type, 0)) for ns in graph_shape(model).nodes}


def _db_counts(eg: EmbeddedGraph, model: Model) -> dict[str, int]:
    """Node label -> nodes in an open database, and ``:REL`` -> relationships of each type."""
    shape = graph_shape(model)
    out = {}
    for ns in shape.nodes:
        out[ns.label] = int(eg.query(f"MATCH (n:{ident(ns.label)}) RETURN count(n) AS n").iloc[0, 0])
    for rel in shape.rel_types():
        out[":" + rel] = int(eg.query(f"MATCH ()-[r:{ident(rel)}]->() RETURN count(r) AS n").iloc[0, 0])
    return out


def _verified(final: Path, key: str, manifest: bytes, expected: dict[str, int], model: Model) -> EmbeddedGraph | None:
    """Open the cached database in ``final`` if it is the graph it claims to be, else None.

    It must carry the ``key.json`` written at its creation, naming this key and the SHA-256 of
    this manifest, and its node counts must be the manifest's counts and its relationship
    counts those recorded at creation. A database that fails (planted, stale, half-copied) is
    not used.
    """
    meta = final / "key.json"
    try:
        info = json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("key") != key or \
            info.get("manifest_sha256") != hashlib.sha256(manifest).hexdigest():
        return None
    try:
        eg = EmbeddedGraph(final / _DB_FILE)
    except RuntimeError:
        return None  # not a database the engine can open
    try:
        counts = _db_counts(eg, model)
    except CypherError:
        eg.close()
        return None
    want = {**expected, **{k: v for k, v in (info.get("counts") or {}).items() if k.startswith(":")}}
    if counts != want:
        eg.close()
        return None
    return eg


def _cache_base(out: Path, cache_dir: str | Path | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    if _writable(out / ".cache"):
        return out / ".cache"
    # one private subfolder per graph folder, so clearing a graph's old databases touches no other
    tag = hashlib.sha256(str(out.resolve()).encode("utf-8")).hexdigest()[:16]
    return user_cache_dir() / "cypher" / tag


#: how many times a query starts again when the folder is rebuilt under it
_ATTEMPTS = 8


class _Replaced(Exception):
    """The graph folder was replaced while its database was being built or opened."""


def _open_snapshot(out: Path, say: ProgressFn) -> EmbeddedGraph:
    """A temporary database of the graph at ``out`` as it is now (after a rebuild got in the way).

    The manifest and every table file are opened in one quick pass, kept only if the folder was
    the same before and after it (an open file stays readable after a rebuild deletes it), and
    copied to a private temporary folder; the database is built there from the copy, outside OUT,
    which a rebuild may move away and delete. Nothing a rebuild does then can break it.
    """
    from ..store.io import MANIFEST

    names = [MANIFEST] + [f"tables/{t.name}.parquet" for t in load_schema()]
    before = _identity(out)
    handles = []
    tmp: Path | None = None
    try:
        for name in names:
            handles.append((name, open(out / name, "rb")))
        if before is None or _identity(out) != before:
            raise _Replaced()
        tmp = Path(tempfile.mkdtemp(prefix="graphkit-cypher-snapshot-"))
        snap = tmp / "graph"
        (snap / "tables").mkdir(parents=True)
        for name, fh in handles:
            with open(snap / name, "wb") as dst:
                shutil.copyfileobj(fh, dst)
    except BaseException:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        for _, fh in handles:
            fh.close()
    say("图谱目录正被重建：本次查询使用当前图谱的快照 / the graph folder is being rebuilt: this query uses a snapshot of it")
    try:
        build_database(snap, tmp / _DB_FILE, progress=say)
        shutil.rmtree(snap)
        return EmbeddedGraph(tmp / _DB_FILE, cleanup=tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _open_folder(out: Path, *, cache_dir: str | Path | None, rebuild: bool, say: ProgressFn,
                 attempt: int = 0) -> EmbeddedGraph:
    """One attempt at opening (building first if needed) the database of the folder at ``out``.

    The first attempt uses (or builds) the cached database; a later one, after a rebuild of the
    folder got in the way, a snapshot (:func:`_open_snapshot`).
    """
    if attempt:
        return _open_snapshot(out, say)
    model = load_schema()
    _manifest_bytes(out)  # not a graph folder: say so before making anything in it
    base = _cache_base(out, cache_dir)  # before the identity: making OUT/.cache changes it
    before = _identity(out)
    manifest = _manifest_bytes(out)
    h = hashlib.sha256(manifest)
    h.update(f"\0shape={SHAPE_VERSION}\0engine={_engine_version()}".encode())
    key = h.hexdigest()[:20]
    expected = _expected_nodes(out, manifest, model)
    final = base / f"cypher-{key}"
    stale = rebuild and final.exists()
    if not rebuild and final.exists():
        eg = _verified(final, key, manifest, expected, model)
        if eg is not None:
            return eg
        stale = True
        say(f"缓存的数据库与图谱不符，重新构建 / the cached database does not match the graph; rebuilding it → {final}")
    say(f"正在构建嵌入式 Cypher 数据库 / building the embedded Cypher database → {final}")
    base.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".cypher-{key}.tmp-", dir=base))
    try:
        build_database(out, tmp / _DB_FILE, model=model, progress=say)
        if _identity(out) != before:
            raise _Replaced()  # some tables may come from the next graph: never keep a mixed database
        eg = EmbeddedGraph(tmp / _DB_FILE)
        try:
            counts = _db_counts(eg, model)
        finally:
            eg.close()
        if {k: v for k, v in counts.items() if not k.startswith(":")} != expected:
            raise OutputError(f"{out}: 嵌入式数据库的节点数与清单不符 / the embedded database's node counts differ "
                              f"from the manifest: {counts} vs {expected}")
        (tmp / "key.json").write_text(json.dumps({"key": key, "shape": SHAPE_VERSION, "engine": _engine_version(),
                                                  "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
                                                  "counts": counts}, sort_keys=True), encoding="utf-8")
        for old in base.glob("cypher-*"):  # earlier builds of a replaced graph
            if old.is_dir() and (old.name != final.name or stale):
                shutil.rmtree(old, ignore_errors=True)  # (and this key's database that failed verification)
        try:
            os.replace(tmp, final)
        except OSError:
            if not (final / _DB_FILE).exists():  # not a concurrent build that won the race
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    eg = _verified(final, key, manifest, expected, model)
    if eg is None:
        raise _Replaced()
    return eg


def open_embedded(source: Any, *, cache_dir: str | Path | None = None, rebuild: bool = False,
                  progress: ProgressFn | None = None) -> EmbeddedGraph:
    """Open the embedded Cypher database of a graph, building it on first use.

    A folder's database is cached in ``OUT/.cache/cypher-<key>/`` — or, when ``OUT/.cache``
    cannot be written, in the user's private cache folder (:func:`user_cache_dir`, mode 0700) —
    and a cached database is used only after it is verified against the graph it claims to be
    (the manifest's SHA-256 recorded at its creation, node counts equal to the manifest's);
    otherwise it is rebuilt. If the folder is rebuilt meanwhile (``graphkit build`` renames a
    new folder onto it), the attempt starts again on the new graph: the database is always the
    old graph's or the new one's, never a mix, and never an error.

    Parameters
    ----------
    source
        An output folder (``graphkit build … -o OUT``) or a :class:`graphkit.Graph`. A folder's
        database is cached; a ``Graph`` in memory gets a temporary database removed on ``close()``.
    cache_dir
        Where to keep cached databases instead of ``OUT/.cache``.
    rebuild
        Build again even if a cached database exists.
    progress
        Called with short progress messages (Chinese and English).

    Examples
    --------
    >>> import graphkit as gk, tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> out = gk.write_graph(example_graph(), tempfile.mkdtemp() + "/out")
    >>> with open_embedded(out) as eg:
    ...     n = eg.query("MATCH (c:Collaboration) WHERE c.kind = $k RETURN count(*) AS n", {"k": "district"})
    >>> int(n.loc[0, "n"]) == int((gk.read_graph(out)["Collaboration"]["kind"] == "district").sum())
    True
    """
    from ..core.model import Graph

    say = progress or (lambda _m: None)
    if isinstance(source, Graph):
        tmp = Path(tempfile.mkdtemp(prefix="graphkit-cypher-db-"))
        try:
            build_database(source, tmp / _DB_FILE, progress=say)
            return EmbeddedGraph(tmp / _DB_FILE, cleanup=tmp)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    out = Path(source)
    return _retrying(out, lambda n: _open_folder(out, cache_dir=cache_dir, rebuild=rebuild, say=say, attempt=n), say)


def _retrying(out: Path, attempt: Callable[[int], Any], say: ProgressFn) -> Any:
    """Run ``attempt(n)``; when it fails because the folder at ``out`` was replaced meanwhile, run it again.

    A failure while the folder stayed the same is raised as it is; one explained by a rebuild
    (the folder's identity changed, or ``_Replaced``) starts the attempt again on the new graph.
    """
    for n in range(_ATTEMPTS):
        before = _identity(out)
        try:
            return attempt(n)
        except _Replaced:
            pass
        except Exception:
            if _identity(out) == before:
                raise  # the folder did not change (or is not a graph folder at all): a real error
        say("图谱目录正在被重建，用新图谱重试 / the graph folder was being rebuilt; trying again on the new graph")
        time.sleep(0.05)
    raise OutputError(f"{out}: 图谱目录在查询期间一直被重建，请在构建结束后重试 / the graph folder kept being rebuilt "
                      "during the query; try again when the build is done")


def run_cypher(source: Any, query: str, params: Mapping[str, Any] | None = None, *,
               cache_dir: str | Path | None = None, progress: ProgressFn | None = None) -> pd.DataFrame:
    """Run one Cypher query against the embedded engine and return a DataFrame.

    On a folder rebuilt while the query runs, the query runs again on the new graph (see
    :func:`open_embedded`): the result is the old graph's or the new one's.

    Parameters
    ----------
    source
        An output folder or a :class:`graphkit.Graph`.
    query
        Cypher text; pass values as ``$parameters``.
    params
        Parameter values.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> df = run_cypher(g, "MATCH (a:Organization)-[p:PAIRED_WITH]->(b:Organization) "
    ...                    "RETURN count(p) AS pairs")
    >>> int(df.loc[0, "pairs"]) == g.count("Pairing")
    True
    """
    return with_embedded(source, lambda eg: eg.query(query, params), cache_dir=cache_dir, progress=progress)


def with_embedded(source: Any, fn: Callable[[EmbeddedGraph], Any], *, cache_dir: str | Path | None = None,
                  progress: ProgressFn | None = None) -> Any:
    """Open the embedded database of ``source``, return ``fn(db)``, close it.

    For an output folder, a rebuild of the folder while ``fn`` runs makes it run again on the
    new graph (a failure with the folder unchanged is raised as it is).
    """
    from ..core.model import Graph

    say = progress or (lambda _m: None)
    if isinstance(source, Graph):
        with open_embedded(source, progress=say) as eg:
            return fn(eg)
    out = Path(source)

    def attempt(n: int) -> Any:
        with _open_folder(out, cache_dir=cache_dir, rebuild=False, say=say, attempt=n) as eg:
            return fn(eg)

    return _retrying(out, attempt, say)
