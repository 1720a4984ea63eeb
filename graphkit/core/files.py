"""Files graphkit writes: atomic replacement of a folder or a file, and the ownership check.

Every output (graph folders, analyses, reports, views, exports, templates, problem tables) is
written through :func:`atomic_dir` or :func:`atomic_file`, so a reader never sees half of it, and
:func:`check_replace` refuses to replace anything graphkit did not write itself: a folder by its
marker (:data:`OUTPUT_MARKER`), a file by its signature (:func:`output_signature`) or, for CSV and
JSON files that cannot carry one, by its entry in the folder's :data:`FILE_REGISTRY`.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import OutputError
from .schema import load_schema

__all__ = ["atomic_dir", "atomic_file", "MANIFEST", "OUTPUT_MARKER", "OUTPUT_KINDS", "SYNTH_HEADER", "FILE_REGISTRY",
           "output_kind", "output_signature", "check_replace", "graphkit_outputs", "file_digests"]

#: the manifest of a graph output folder
MANIFEST = "manifest.json"
#: the file naming graphkit, the command and the kind of output, written into every output folder
OUTPUT_MARKER = ".graphkit-output.json"
#: the list, per folder, of graphkit's output files that carry no signature (CSV, JSON): name → kind, SHA-256
FILE_REGISTRY = ".graphkit-files.json"
#: how much of a file is searched for its signature (:func:`output_signature`)
_SIGNATURE_BYTES = 65_536
_SIGNATURE = re.compile(rb"graphkit-output:([a-z][a-z0-9-]*)")
#: kinds of output whose earlier versions (before markers) are recognised by their own content
_LEGACY_HTML = b'<meta name="generator" content="graphkit'
_LEGACY_RDF_SCHEMA = (b"# graphkit ontology \xe2\x80\x94 generated from schema/", b"# graphkit SHACL shapes \xe2\x80\x94 generated from schema/")
_LEGACY_CYPHER = b"// graphkit: Neo4j 5 load script"


def _default_mode(kind: str) -> int:
    """Permission bits a plain ``open``/``mkdir`` would give under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if kind == "dir" else 0o666) & ~mask


def _libc_function(name: str, argtypes: tuple[str, ...]) -> Any | None:
    """The C library's function ``name`` (taking ``ctypes`` types named ``argtypes``, returning an int)
    on Linux, or None (elsewhere, or missing). Used for ``renameat2`` and ``syncfs`` only."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        fn = getattr(ctypes.CDLL(None, use_errno=True), name)
    except (OSError, AttributeError):
        return None
    fn.argtypes = [getattr(ctypes, t) for t in argtypes]
    fn.restype = ctypes.c_int
    return fn


def _rename_exchange_impl() -> Callable[[Path, Path], bool] | None:
    """Linux ``renameat2(RENAME_EXCHANGE)``: swap two paths in one atomic step (None elsewhere)."""
    fn = _libc_function("renameat2", ("c_int", "c_char_p", "c_int", "c_char_p", "c_uint"))
    if fn is None:
        return None

    def exchange(a: Path, b: Path) -> bool:
        # AT_FDCWD = -100, RENAME_EXCHANGE = 2; False when the file system does not support it
        return fn(-100, os.fsencode(a), -100, os.fsencode(b), 2) == 0

    return exchange


#: swaps two paths atomically, or None where the platform cannot (then two renames are used)
_rename_exchange = _rename_exchange_impl()


def _fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse fsync on directories; the rename itself is still atomic
    finally:
        os.close(fd)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _recover(target: Path) -> None:
    """Undo what a writer killed midway left beside ``target``.

    A ``.NAME.old-PID`` left while ``target`` is missing is the previous output (the writer died
    between its two renames): it is moved back. Temporary folders and files of writers that are
    no longer running are removed; those of live writers are left alone.
    """
    parent = target.parent
    for p in sorted(parent.glob(f".{target.name}.old-*")):
        pid = p.name.rsplit("-", 1)[-1]
        if pid.isdigit() and _pid_alive(int(pid)):
            continue
        if not target.exists():
            os.replace(p, target)
        elif p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
    for p in parent.glob(f".{target.name}.tmp-*"):
        pid = p.name[len(f".{target.name}.tmp-"):].split("-", 1)[0]
        if pid.isdigit() and not _pid_alive(int(pid)):
            if p.is_dir():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def _syncfs_impl() -> Callable[[Path], bool] | None:
    """Linux ``syncfs``: write out everything of the file system holding a path in one call (None elsewhere)."""
    fn = _libc_function("syncfs", ("c_int",))
    if fn is None:
        return None

    def syncfs(path: Path) -> bool:
        fd = os.open(path, os.O_RDONLY)
        try:
            return fn(fd) == 0  # False on an error: the caller falls back to fsync per file, which raises it
        finally:
            os.close(fd)

    return syncfs


#: flushes a whole file system at once, or None where the platform cannot (then each file is fsynced)
_syncfs = _syncfs_impl()
#: a tree with more files than this is made durable by one ``syncfs`` instead of one fsync per file
_SYNCFS_MIN_FILES = 32


def _fsync_tree(root: Path) -> None:
    """Make every file and folder below ``root`` durable before it is renamed into place.

    A small tree is fsynced file by file and folder by folder. A large one (more than
    :data:`_SYNCFS_MIN_FILES` files, e.g. a province output whose unchanged parts are hard links)
    is flushed by one ``syncfs`` of its file system on Linux: one journal commit and one disk
    flush instead of one per file, with the same guarantee (every byte and every directory entry
    of the tree is on disk when it returns). Where ``syncfs`` is missing or fails, per file.
    """
    walked = list(os.walk(root))
    if _syncfs is not None and sum(len(files) for _, _, files in walked) > _SYNCFS_MIN_FILES and _syncfs(root):
        return
    for dirpath, _dirs, files in walked:
        for name in files:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


# ---- ownership: graphkit replaces only what it wrote itself ------------------------------------

#: kinds of output, each with its Chinese and English name (the messages use them)
OUTPUT_KINDS: dict[str, tuple[str, str]] = {
    "graph": ("图谱输出目录", "a graph output folder"),
    "analysis": ("分析结果目录", "an analysis folder"),
    "neo4j-import": ("Neo4j 批量导入目录", "a Neo4j bulk-import folder"),
    "view-parts": ("视图下钻页面目录", "a view's drill-down folder"),
    "view": ("网络视图页面", "a network view page"),
    "report": ("分析报告", "an analyst report"),
    "report-xlsx": ("分析工作簿", "an analysis workbook"),
    "rdf": ("RDF 导出文件", "an RDF export"),
    "gephi": ("Gephi 导出文件", "a Gephi export"),
    "synth-ledgers": ("合成台账目录", "a folder of synthetic ledgers"),
    "query-result": ("查询结果文件", "a query result file"),
    "problems": ("问题清单文件", "a problem table file"),
    "cypher-script": ("cypher-shell 导入脚本", "a cypher-shell load script"),
    "neo4j-browser": ("Neo4j Browser 样式与收藏目录", "a folder of Neo4j Browser files"),
    "rdf-schema": ("本体或 SHACL 形状文件", "an ontology or SHACL shapes file"),
    "extract-review": ("抽取审核文件", "an extraction review file"),
    "extract-ledgers": ("由审核工作簿生成的台账目录", "a ledger folder made from a review workbook"),
    "county-problems": ("各县问题清单目录", "a folder of the failing counties' problem tables"),
}
_FOLDER_KINDS = frozenset({"graph", "analysis", "neo4j-import", "view-parts", "synth-ledgers", "neo4j-browser",
                           "extract-ledgers", "county-problems"})
#: output folders that are ledgers for the next build (read, not skipped, inside DATA_DIR)
_LEDGER_KINDS = frozenset({"synth-ledgers", "extract-ledgers"})
#: written by ``graphkit synth`` as the first line of its graphkit.yaml (its marker: the folder is ledgers to read)
SYNTH_HEADER = "# 合成数据（虚构），由 graphkit.synth 生成 / synthetic, fictional data made by graphkit.synth"


def output_signature(kind: str, command: str) -> str:
    """The text that marks a file as graphkit's own output of ``kind`` (written by ``command``).

    File outputs carry it where their format allows a note: an HTML ``<meta>``, an XML or Turtle
    comment, an Excel workbook's document properties. :func:`output_kind` looks for it in a
    file's first 64 KB (an ``.xlsx``'s ``docProps/core.xml``).

    Examples
    --------
    >>> output_signature("rdf", "rdf export")
    'graphkit-output:rdf (graphkit rdf export)'
    """
    if kind not in OUTPUT_KINDS:
        raise KeyError(f"unknown output kind {kind!r}")
    return f"graphkit-output:{kind} (graphkit {command})"


def _head(path: Path, size: int = _SIGNATURE_BYTES) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read(size)
    except OSError:
        return b""


def _json_dict(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def file_digests(folder: str | Path) -> dict[str, str]:
    """SHA-256 of every file below ``folder`` by relative path (the marker and the registry left out).

    A marker holding ``files`` (``extract --apply`` writes one: its ledgers are meant to be edited)
    counts as graphkit's only while the folder still holds exactly these files, unchanged.
    """
    folder = Path(folder)
    skip = {OUTPUT_MARKER, FILE_REGISTRY}
    return {p.relative_to(folder).as_posix(): _sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in skip}


def _folder_kind(path: Path) -> str | None:
    """The kind of graphkit output folder ``path`` is, or None.

    A folder written by this version names itself in ``.graphkit-output.json``. Folders written
    before that marker existed are recognised by graphkit's own files: a ``manifest.json`` with
    the keys ``write_graph`` writes, an ``analysis.json`` with ``as_of`` and ``tables``, an
    ``import.sh`` with graphkit's header beside ``nodes/``, or nothing but pages of graphkit's
    view template (see docs/reliability.md).
    """
    marker = path / OUTPUT_MARKER
    if marker.exists():
        data = _json_dict(marker)
        if data and data.get("tool") == "graphkit" and data.get("kind") in OUTPUT_KINDS:
            if isinstance(data.get("files"), dict) and data["files"] != file_digests(path):
                return None  # a folder whose files were edited or added since is the user's work now
            return str(data["kind"])
        return None  # a marker graphkit cannot read is not proof of anything
    manifest = _json_dict(path / MANIFEST)
    if manifest is not None and {"format", "schema_version", "counts", "sources"} <= manifest.keys():
        return "graph"
    analysis = _json_dict(path / "analysis.json")
    if analysis is not None and {"as_of", "tables"} <= analysis.keys():
        return "analysis"
    if (path / "nodes").is_dir() and b"# graphkit: bulk import" in _head(path / "import.sh", 4096):
        return "neo4j-import"
    if _head(path / "graphkit.yaml", 4096).startswith(SYNTH_HEADER.encode("utf-8")):
        return "synth-ledgers"
    if (path / "graphkit.grass").is_file() and (path / "guide.html").is_file() and (path / "favorites").is_dir():
        return "neo4j-browser"  # the Browser files beside a script, before markers
    try:
        entries = list(path.iterdir())
    except OSError:
        return None
    if entries and all(e.is_file() and e.suffix == ".html" and _LEGACY_HTML in _head(e) for e in entries):
        return "view-parts"
    return None


def _sha256(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _registry(folder: Path) -> dict[str, dict[str, Any]]:
    """The entries of ``folder``'s :data:`FILE_REGISTRY` (empty if it is missing or not graphkit's)."""
    data = _json_dict(folder / FILE_REGISTRY)
    if not data or data.get("tool") != "graphkit" or not isinstance(data.get("files"), dict):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}


def _registered_kind(path: Path) -> str | None:
    """The kind a file was registered with, if its size and SHA-256 are one of the registered versions."""
    entry = _registry(path.parent).get(path.name)
    if not entry or entry.get("kind") not in OUTPUT_KINDS:
        return None
    versions = [v for v in entry.get("versions", []) if isinstance(v, dict)]
    try:
        size = path.stat().st_size
    except OSError:
        return None
    if not any(v.get("size") == size for v in versions):
        return None  # cheap refusal before hashing: no registered version has this size
    digest = _sha256(path)
    return str(entry["kind"]) if any(v.get("sha256") == digest and v.get("size") == size for v in versions) else None


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """An exclusive lock on ``folder`` itself (``flock`` on its descriptor; no lock file is left behind).

    Serialises writers of one folder's :data:`FILE_REGISTRY`. Where ``fcntl`` is missing
    (Windows) nothing is locked; two concurrent writers there can drop each other's entry, and
    the file is then refused until ``--force`` (never replaced wrongly).
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not on Linux/macOS
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write_registry(folder: Path, files: dict[str, dict[str, Any]]) -> None:
    """Replace ``folder``'s registry atomically (the caller holds :func:`_folder_lock`); none if empty."""
    reg = folder / FILE_REGISTRY
    if not files:
        reg.unlink(missing_ok=True)
        return
    data = {"tool": "graphkit", "about": "graphkit 写出的文件（无法内嵌标记的格式）及其 SHA-256；graphkit 只覆盖与记录一致的文件 / "
            "files graphkit wrote that cannot carry a signature, with their SHA-256; graphkit replaces only files that "
            "still match", "files": dict(sorted(files.items()))}
    fd, name = tempfile.mkstemp(prefix=f".{FILE_REGISTRY}.tmp-{os.getpid()}-", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(name, _default_mode("file"))
        os.replace(name, reg)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def _signed(path: Path, kind: str) -> bool:
    """Whether ``path`` carries :func:`output_signature` of ``kind`` (in its head, or an xlsx's properties)."""
    head = _head(path)
    if head.startswith(b"PK\x03\x04"):
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                head = zf.read("docProps/core.xml")[:_SIGNATURE_BYTES] if "docProps/core.xml" in zf.namelist() else b""
        except (OSError, zipfile.BadZipFile):
            return False
    found = _SIGNATURE.search(head)
    return found is not None and found.group(1).decode("ascii") == kind


def _replace_registered(tmp: Path, target: Path, *, kind: str, command: str, keep_previous: bool) -> None:
    """Rename ``tmp`` onto ``target`` and record it in the folder's registry, safe against a kill at any point.

    The entry first lists both the previous version (if it was graphkit's) and the new one, then
    the rename happens, then only the new one stays: whatever moment a writer dies, the file on
    disk is one of the versions listed.
    """
    new = {"size": tmp.stat().st_size, "sha256": _sha256(tmp)}
    folder = target.parent
    with _folder_lock(folder):
        files = {k: v for k, v in _registry(folder).items() if (folder / k).is_file()}  # drop files since removed
        before = files.get(target.name)
        versions = [v for v in (before or {}).get("versions", []) if isinstance(v, dict)] if keep_previous else []
        entry = {"kind": kind, "command": f"graphkit {command}".strip()}
        files[target.name] = {**entry, "versions": versions + [new]}
        _write_registry(folder, files)
        os.replace(tmp, target)
        files[target.name] = {**entry, "versions": [new]}
        _write_registry(folder, files)


def _file_kind(path: Path) -> str | None:
    """The kind of graphkit output file ``path`` is (registered, its signature, or a legacy sign), or None."""
    registered = _registered_kind(path)
    if registered is not None:
        return registered
    head = _head(path)
    if head.startswith(b"PK\x03\x04"):  # a zip (.xlsx): the signature is in the document properties
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                head = zf.read("docProps/core.xml")[:_SIGNATURE_BYTES] if "docProps/core.xml" in zf.namelist() else b""
                book = zf.read("xl/workbook.xml") if "xl/workbook.xml" in zf.namelist() else b""
        except (OSError, zipfile.BadZipFile):
            return None
        if not _SIGNATURE.search(head):
            # a workbook of `report --xlsx` written before signatures: its index and headline sheets
            legacy = all(f'name="{s}"'.encode() in book for s in ("说明", "主要指标"))
            return "report-xlsx" if legacy else None
    found = _SIGNATURE.search(head)
    if found:
        kind = found.group(1).decode("ascii")
        return kind if kind in OUTPUT_KINDS else None
    if _LEGACY_HTML in head:
        return "html"  # a report or a view written before signatures: both are graphkit's own pages
    if head.startswith(_LEGACY_RDF_SCHEMA):
        return "rdf-schema"  # `rdf ontology` / `rdf shapes` before signatures: their generated header
    if head.startswith(_LEGACY_CYPHER):
        return "cypher-script"  # `neo4j export-cypher` before signatures: its first line
    vocab = load_schema().vocab_iri.encode("utf-8")
    if vocab and vocab in head:
        return "rdf"  # every RDF export names graphkit's vocabulary in its first lines
    return None


def output_kind(path: str | Path) -> str | None:
    """What kind of graphkit output ``path`` (a folder or a file) is; None if graphkit did not write it.

    Examples
    --------
    >>> import tempfile, pathlib, graphkit as gk
    >>> out = gk.write_graph(gk.sample_graph(), tempfile.mkdtemp() + "/out")
    >>> output_kind(out), output_kind(out / "manifest.json")
    ('graph', None)
    """
    path = Path(path)
    if path.is_dir():
        return _folder_kind(path)
    if path.is_file():
        return _file_kind(path)
    return None


def _compatible(found: str | None, kind: str) -> bool:
    return found == kind or (found == "html" and kind in ("report", "view"))


def check_replace(target: str | Path, *, kind: str, force: bool = False) -> None:
    """Refuse to replace ``target`` unless it is missing, empty, or graphkit's own output of ``kind``.

    The one ownership check of every command that replaces a folder or a file (``atomic_dir``
    and ``atomic_file`` call it when given a ``kind``).

    Parameters
    ----------
    target
        The folder or file about to be replaced.
    kind
        The kind of output about to be written (a key of :data:`OUTPUT_KINDS`).
    force
        Replace a *file* graphkit did not write (``--force``). Never a folder: a folder may hold
        anything, and graphkit does not delete what it cannot name.

    Raises
    ------
    OutputError
        If ``target`` holds something else.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "index.html").write_text("<p>mine</p>")
    >>> try:
    ...     check_replace(d, kind="graph")
    ... except OutputError as exc:
    ...     "拒绝覆盖" in str(exc)
    True
    """
    if kind not in OUTPUT_KINDS:
        raise KeyError(f"unknown output kind {kind!r}")
    target = Path(target)
    zh, en = OUTPUT_KINDS[kind]
    if not (target.exists() or target.is_symlink()):
        return
    folder = kind in _FOLDER_KINDS
    if folder and not target.is_dir():
        raise OutputError(f"{target}: 已存在且是文件，这里需要{zh} / exists and is a file; {en} is needed here. "
                          "请换一个路径 / choose another path")
    if not folder and target.is_dir():
        raise OutputError(f"{target}: 是目录，这里需要一个文件 / is a folder; a file is needed here")
    if folder:
        try:
            empty = not any(target.iterdir())
        except OSError as exc:
            raise OutputError(f"{target}: 无法读取 / cannot be read: {exc}") from None
        found = None if empty else _folder_kind(target)
    else:
        empty = target.is_file() and target.stat().st_size == 0
        found = None if empty else _file_kind(target)
    if empty or _compatible(found, kind) or (force and not folder):
        return
    what = ""
    if found is not None and found in OUTPUT_KINDS:
        what = f"（它是 graphkit 的{OUTPUT_KINDS[found][0]} / it is {OUTPUT_KINDS[found][1]}）"
    elif found == "html":
        what = "（它是 graphkit 的另一种页面 / it is another graphkit page）"
    hint = ("请换一个输出目录，或先自行移走它 / choose another folder, or move it away yourself" if folder else
            "请换一个文件名，或加 --force 覆盖 / choose another file name, or pass --force to replace it")
    raise OutputError(f"{target}: 已存在，但不是 graphkit 写出的{zh}，拒绝覆盖{what} / exists and is not {en} written "
                      f"by graphkit; refusing to replace it. {hint}")


def _write_marker(folder: Path, *, kind: str, command: str, extra: Mapping[str, Any] | None) -> None:
    from .version import __version__

    data = {"tool": "graphkit", "version": __version__, "command": command, "kind": kind, **dict(extra or {})}
    (folder / OUTPUT_MARKER).write_text(json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")


def graphkit_outputs(root: str | Path) -> list[tuple[Path, str]]:
    """graphkit's own output folders and workbooks below ``root`` (not ``root`` itself), by path.

    ``build_graph`` leaves them out of a ledger folder: a graph, analysis or import folder
    written inside DATA_DIR is never read back as ledgers.

    Examples
    --------
    >>> import tempfile, pathlib, graphkit as gk
    >>> data = pathlib.Path(tempfile.mkdtemp())
    >>> _ = gk.write_graph(gk.sample_graph(), data / "out")
    >>> [(p.name, k) for p, k in graphkit_outputs(data)]
    [('out', 'graph')]
    """
    root = Path(root)
    found: list[tuple[Path, str]] = []
    for dirpath, dirs, files in os.walk(root):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirs):
            kind = _folder_kind(here / d)
            if kind is None or kind in _LEDGER_KINDS:  # synthetic or extracted ledgers are ledgers: read them
                keep.append(d)
            else:
                found.append((here / d, kind))
        dirs[:] = keep
        registered = _registry(here) if FILE_REGISTRY in files else {}
        for name in sorted(files):
            if name in registered or name.lower().endswith(".xlsx"):
                kind = _file_kind(here / name)
                if kind is not None:
                    found.append((here / name, kind))
    return sorted(found)


@contextmanager
def atomic_dir(target: str | Path, *, kind: str | None = None, command: str = "",
               marker: Mapping[str, Any] | None = None) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success it replaces ``target`` in one step.

    With ``kind`` (a key of :data:`OUTPUT_KINDS`), ``target`` is first checked by
    :func:`check_replace` (refused unless missing, empty or graphkit's own output of that kind),
    and the new folder gets ``.graphkit-output.json`` naming graphkit, ``command``, ``kind`` and
    the fields of ``marker``.

    The folder's files are made durable (fsynced, or one ``syncfs`` for a large folder), then
    swapped with the previous ``target`` by one atomic ``renameat2(RENAME_EXCHANGE)`` on Linux
    (elsewhere: two renames, and a writer killed between them leaves the previous output as
    ``.NAME.old-PID``, which the next write moves back). If the body raises, ``target`` keeps its previous content and the temporary folder is removed;
    after a kill, only a ``.NAME.tmp-PID-…`` folder is left, never anything under the final name,
    and the next write to ``target`` removes it.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "report"
    >>> with atomic_dir(out) as tmp:
    ...     _ = (tmp / "a.txt").write_text("v1")
    >>> try:
    ...     with atomic_dir(out) as tmp:
    ...         _ = (tmp / "a.txt").write_text("v2, half-done")
    ...         raise RuntimeError("interrupted")
    ... except RuntimeError:
    ...     pass
    >>> (out / "a.txt").read_text(), sorted(p.name for p in out.parent.iterdir())
    ('v1', ['report'])
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    if kind is not None:
        check_replace(target, kind=kind)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent))
    old: Path | None = None
    try:
        yield tmp
        if kind is not None:
            _write_marker(tmp, kind=kind, command=command, extra=marker)
        os.chmod(tmp, _default_mode("dir"))
        _fsync_tree(tmp)
        if target.exists() or target.is_symlink():
            if _rename_exchange is not None and _rename_exchange(tmp, target):
                old = tmp  # after the swap, tmp holds the previous output
            else:
                old = target.parent / f".{target.name}.old-{os.getpid()}"
                os.replace(target, old)
                os.replace(tmp, target)
        else:
            os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        if old is not None and old != tmp and old.exists() and not target.exists():
            os.replace(old, target)  # failed between the two renames: put the previous output back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        if old.is_dir() and not old.is_symlink():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)


@contextmanager
def atomic_file(target: str | Path, mode: str = "w", encoding: str | None = "utf-8", *, kind: str | None = None,
                force: bool = False, command: str = "") -> Iterator[Any]:
    """Open a temporary file beside ``target``; on success it is fsynced and renamed onto ``target``.

    With ``kind``, an existing ``target`` is first checked by :func:`check_replace` (``force``
    replaces a file graphkit did not write). The writer puts :func:`output_signature` in the file
    where the format allows a note; a file written without it (CSV, JSON) is recorded instead, with
    its SHA-256, in the folder's :data:`FILE_REGISTRY`, and only a file that still matches that
    record counts as graphkit's later (``command`` is noted there).

    If the body raises, the temporary file is removed and ``target`` is untouched; after a kill,
    only a ``.NAME.tmp-PID-…`` file is left (removed by the next write to ``target``). The file
    gets the permissions a plain ``open`` would give.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "problems.csv"
    >>> with atomic_file(path) as fh:
    ...     _ = fh.write("severity,file\\n")
    >>> path.read_text()
    'severity,file\\n'
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    _recover(target)
    if kind is not None:
        check_replace(target, kind=kind, force=force)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.tmp-{os.getpid()}-", dir=target.parent)
    try:
        with os.fdopen(fd, mode, encoding=encoding if "b" not in mode else None) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(name, _default_mode("file"))
        if kind is not None and not _signed(Path(name), kind):
            ours = target.is_file() and _compatible(_file_kind(target), kind)  # keep its version listed until renamed
            _replace_registered(Path(name), target, kind=kind, command=command, keep_previous=ours)
        else:
            if kind is not None and target.name in _registry(target.parent):
                with _folder_lock(target.parent):  # a signed file needs no entry: drop a stale one
                    files = _registry(target.parent)
                    files.pop(target.name, None)
                    _write_registry(target.parent, files)
            os.replace(name, target)
        _fsync_dir(target.parent)
    except BaseException:
        try:
            os.unlink(name)
        except FileNotFoundError:
            pass
        raise
