"""Reading the files of a folder: one file in this process, or several ahead in two worker processes.

:func:`_load_file` reads one ledger file and maps its sheets. :class:`_FilePool` hands the files of
a large folder to two worker processes (forkserver, never fork) that run :func:`_worker_load`; their
results are taken in file order, so records, problems and sources come out as from one process.
The worker functions are found by this module's path when pickled. Part of
:mod:`graphkit.ingest.load`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any


from ..core.read_report import new_entry
from ._read import Limits, RawSheet, file_sha256, read_file
from ..core.errors import LedgerError
from ..core.mapping import Mapping
from ..core.problems import Problems
from ..core.schema import Model
from ._load_config import DatasetConfig, _Context
from ._load_mapper import _Staged
from ._load_sheet import _map_sheet


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
    """Read and map one file in a worker process.

    Returns (problem rows, reported cells, packed records, source, read report entries, CPU seconds
    the worker spent on the file), or None if anything other than a ledger problem went wrong: the
    main process then loads the file itself, so that the error is raised there exactly as without
    workers. The CPU seconds are the worker's ``time.process_time`` (a worker is a child of the
    forkserver, so the main process's ``RUSAGE_CHILDREN`` does not count it).
    """
    import time

    assert _WORKER_STATE is not None
    start = time.process_time()
    model, config, maps, limits = _WORKER_STATE
    ctx = _Context(model, config, Problems(), config.county)
    try:
        staged, source = _load_file(ctx, maps, path, rel, config.for_file(rel), limits)
    except Exception:  # noqa: BLE001 - re-raised by the main process, which loads this file again
        return None
    packed = [(s.mapping, s.entity.name, s.frame, s.headers, list(s.lookups), s.key_lookups, s.codes) for s in staged]
    return ctx.problems.rows, ctx.reported, packed, source, ctx.report, time.process_time() - start


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
        #: CPU seconds the worker processes spent on the files taken so far (for benchmarks)
        self.worker_cpu = 0.0
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
        """File ``i`` as read by a worker: (problem rows, reported cells, packed records, source, report
        entries); None if it is to be loaded in this process."""
        if not self._futures:
            return None
        fut, self._futures[i] = self._futures[i], None
        from concurrent.futures.process import BrokenProcessPool

        try:
            done = fut.result()
        except BrokenProcessPool:  # a worker died (killed for memory, say): the main process loads the file
            return None
        if done is None:
            return None
        self.worker_cpu += done[-1]
        return done[:-1]

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
