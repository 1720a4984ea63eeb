"""Timing and peak memory for the benchmark harness: every stage runs in a fresh subprocess.

A *stage function* lives in a benchmark module (``benchmarks/run.py`` or ``benchmarks/baseline.py``)
and has the signature ``fn(timer: Timer, **kwargs) -> dict``. It does its untimed setup (e.g.
reading the on-disk graph), then wraps the work to be timed in ``with timer("name"):`` blocks; a
function may time several sections. The returned dict is stored as the stage's ``extra`` (row
counts, rates, notes).

:func:`run_stage` starts ``python benchmarks/_measure.py --child ...`` in a new process group, waits
for it with :func:`os.wait4` and reads **that child's** peak resident set size from the returned
``rusage`` (``ru_maxrss``, KiB on Linux) — so a stage's peak is never polluted by an earlier stage
in the same run (``RUSAGE_CHILDREN`` would give the maximum over all children so far). The child
writes its timings to a JSON file after every section, so a stage killed at its timeout still
reports the sections it finished.

Examples
--------
>>> import json, sys, tempfile, pathlib
>>> mod = pathlib.Path(tempfile.mkdtemp()) / "stages.py"
>>> _ = mod.write_text("def work(timer, n):\\n    with timer('sum'):\\n        s = sum(range(n))\\n    return {'s': s}\\n")
>>> m = run_stage(mod, "work", {"n": 1000}, timeout=60)
>>> m.status, m.extra["s"], sorted(m.sections)
('ok', 499500, ['sum'])
>>> m.peak_mib > 1
True
"""
from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from collections.abc import Callable, Iterator

__all__ = ["Timer", "Measurement", "SectionTimeout", "run_stage", "rss_mib"]


class SectionTimeout(Exception):
    """A timed section ran past its ``limit`` (raised by SIGALRM inside the section)."""


def rss_mib() -> float:
    """Peak resident set size of the current process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class Timer:
    """Collects named timed sections (``time.perf_counter``) inside a stage's child process.

    After each section the timings are flushed to ``result_path`` (when given), so a stage that is
    killed at its timeout keeps what it finished.
    """

    def __init__(self, result_path: Path | None = None) -> None:
        self.sections: dict[str, float] = {}
        self.extra: dict[str, Any] = {}
        self.result_path = result_path
        self.t_start = time.perf_counter()

    @contextmanager
    def __call__(self, name: str, *, limit: float | None = None) -> Iterator[None]:
        """Time the body as section ``name``. With ``limit`` (seconds), a body still running after
        ``limit`` is interrupted by :class:`SectionTimeout` and recorded in ``extra["over_budget"]``."""
        def _alarm(_sig: int, _frame: Any) -> None:
            raise SectionTimeout(name)

        previous = None
        if limit:
            previous = signal.signal(signal.SIGALRM, _alarm)
            signal.setitimer(signal.ITIMER_REAL, float(limit))
        t0 = time.perf_counter()
        try:
            yield
        except SectionTimeout:
            self.extra.setdefault("over_budget", {})[name] = limit
            self.flush(status="running")
            raise
        finally:
            if limit:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
        self.sections[name] = time.perf_counter() - t0
        self.flush(status="running")

    def flush(self, *, status: str, error: str | None = None) -> None:
        """Write what has been measured so far (atomically: temporary file + rename)."""
        if self.result_path is None:
            return
        payload = {"status": status, "sections": self.sections, "extra": self.extra, "error": error,
                   "wall": time.perf_counter() - self.t_start, "rss_mib_self": rss_mib()}
        tmp = self.result_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(payload, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, self.result_path)


@dataclasses.dataclass
class Measurement:
    """What one stage process measured.

    Attributes
    ----------
    status
        ``ok``, ``error`` (the stage raised; ``error`` has the last traceback line), ``timeout``
        (killed after ``timeout`` seconds; finished sections are kept) or ``killed`` (died on a signal,
        e.g. the kernel's OOM killer).
    sections
        Section name -> seconds of the timed work.
    peak_mib
        Peak RSS of the child process (and any process it waited for), MiB.
    wall
        Wall-clock seconds of the whole child process, including interpreter start, imports and setup.
    extra
        Whatever the stage function returned (row counts, notes).
    """

    status: str
    sections: dict[str, float]
    peak_mib: float | None
    wall: float
    extra: dict[str, Any]
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_stage(module: str | Path, func: str, kwargs: dict[str, Any], *, timeout: float,
              env: dict[str, str] | None = None, cwd: str | Path | None = None,
              log: str | Path | None = None, mem_limit_mib: float | None = None) -> Measurement:
    """Run ``module.func(timer, **kwargs)`` in a fresh Python process and measure it.

    Parameters
    ----------
    module
        Path of the Python file that defines the stage function.
    func
        Name of the stage function.
    kwargs
        JSON-serializable keyword arguments.
    timeout
        Seconds after which the child's process group is killed (status ``timeout``).
    env, cwd
        Environment and working folder of the child (default: inherited).
    log
        Append the child's stdout and stderr to this file (default: inherited streams).
    mem_limit_mib
        Kill the child when its resident set size exceeds this (status ``killed``), so that a
        runaway stage cannot take the machine's memory from other work.

    Returns
    -------
    Measurement
    """
    with tempfile.TemporaryDirectory(prefix="gk-bench-") as tmp:
        result_path = Path(tmp) / "result.json"
        args_path = Path(tmp) / "args.json"
        args_path.write_text(json.dumps(kwargs, ensure_ascii=False), encoding="utf-8")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(Path(module).resolve()), func,
               str(args_path), str(result_path)]
        t0 = time.perf_counter()
        out = open(log, "ab") if log is not None else None
        try:
            proc = subprocess.Popen(cmd, env=env, cwd=cwd, start_new_session=True, stdout=out, stderr=out)
            status, rusage, timed_out, over_mem = _wait(proc, timeout, mem_limit_mib)
        finally:
            if out is not None:
                out.close()
        wall = time.perf_counter() - t0
        peak = rusage.ru_maxrss / 1024.0 if rusage is not None else None
        payload: dict[str, Any] = {}
        if result_path.exists():
            payload = json.loads(result_path.read_text(encoding="utf-8"))
        sections = {k: float(v) for k, v in payload.get("sections", {}).items()}
        extra = dict(payload.get("extra") or {})
        if timed_out:
            return Measurement("timeout", sections, peak, wall, extra, f"超时 timed out after {timeout:.0f} s")
        if over_mem:
            return Measurement("killed", sections, peak, wall, extra,
                               f"内存超过 {mem_limit_mib:.0f} MiB 被终止 / killed above the {mem_limit_mib:.0f} MiB memory limit")
        if os.WIFSIGNALED(status):
            sig = signal.Signals(os.WTERMSIG(status)).name
            return Measurement("killed", sections, peak, wall, extra, f"killed by {sig} (out of memory?)")
        code = os.WEXITSTATUS(status)
        if code != 0 or payload.get("status") != "ok":
            err = payload.get("error") or f"exit code {code}"
            return Measurement("error", sections, peak, wall, extra, err)
        return Measurement("ok", sections, peak, wall, extra, None)


def _rss_now_mib(pid: int) -> float:
    """Current resident set size of ``pid`` from /proc (0 when unavailable)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _wait(proc: subprocess.Popen, timeout: float, mem_limit_mib: float | None) -> tuple[int, Any, bool, bool]:
    """Wait for ``proc`` with :func:`os.wait4` (its own rusage); kill its process group at the
    timeout or above the memory limit. Returns (status, rusage, timed_out, over_memory)."""
    deadline = time.monotonic() + timeout
    delay = 0.005
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = status  # keep Popen from waiting again
            return status, rusage, False, False
        timed_out = time.monotonic() >= deadline
        over_mem = bool(mem_limit_mib) and _rss_now_mib(proc.pid) > mem_limit_mib  # type: ignore[operator]
        if timed_out or over_mem:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pid, status, rusage = os.wait4(proc.pid, 0)
            proc.returncode = status
            return status, rusage, timed_out and not over_mem, over_mem
        time.sleep(delay)
        delay = min(delay * 2, 0.1)


def _load(module_path: str) -> Any:
    folder = str(Path(module_path).parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    name = f"_gk_bench_{Path(module_path).stem}"
    spec = importlib.util.spec_from_file_location(name, module_path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _child(module_path: str, func: str, args_path: str, result_path: str) -> int:
    if __name__ == "__main__":  # stage modules that `import _measure` must get these very classes
        sys.modules.setdefault("_measure", sys.modules["__main__"])
    timer = Timer(Path(result_path))
    try:
        kwargs = json.loads(Path(args_path).read_text(encoding="utf-8"))
        fn: Callable[..., dict[str, Any] | None] = getattr(_load(module_path), func)
        extra = fn(timer, **kwargs) or {}
        timer.extra.update(extra)
        timer.flush(status="ok")
        return 0
    except BaseException as exc:  # reported to the parent as the stage's error, with the traceback on stderr
        traceback.print_exc()
        timer.flush(status="error", error=f"{type(exc).__name__}: {exc}"[:500])
        return 1


if __name__ == "__main__":
    if len(sys.argv) == 6 and sys.argv[1] == "--child":
        sys.exit(_child(*sys.argv[2:]))
    sys.exit("usage: _measure.py --child MODULE FUNC ARGS.json RESULT.json (used by benchmarks/run.py)")
