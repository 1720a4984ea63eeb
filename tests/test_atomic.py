"""Nothing half-done: a writer killed with SIGKILL mid-write leaves the previous output intact and
no partial file or folder under the final name (graph folder, single files, the CLI).

The kills are real: a child process either kills itself at a chosen point of the write (a
patched write function calls ``os.kill(os.getpid(), SIGKILL)``) or is killed from outside while
it is writing.
"""
from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import graphkit as gk
from graphkit.store.io import atomic_dir, atomic_file

from corpus.cases import PAIRS, ROSTER, base, org_row, roster_with

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def _snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _run_child(code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    return subprocess.run([PY, "-c", textwrap.dedent(code), *args], env=env, capture_output=True, text=True,
                          timeout=300)


def _siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name != "ledgers")


@pytest.fixture
def two_versions(tmp_path: Path) -> tuple[Path, Path]:
    """Two ledger folders: v1 (the base county) and v2 (one more org and a pairing)."""
    v1, v2 = tmp_path / "v1", tmp_path / "v2"
    base(v1, pairs=PAIRS)
    base(v2, roster=roster_with(extra=[org_row("新建村党支部")]), pairs=PAIRS)
    return v1, v2


# ---- the graph folder ---------------------------------------------------------------------------------

KILL_DURING_TABLES = """
    import os, signal, sys
    import graphkit as gk
    import graphkit.store.io as gio
    real, calls = gio.pq.write_table, []
    def dying_write(table, where, *a, **k):
        calls.append(where)
        if len(calls) == int(sys.argv[3]):
            real(table, where, *a, **k)
            with open(where, "r+b") as fh:   # and leave the next one half-written
                fh.truncate(os.path.getsize(where) // 2)
            os.kill(os.getpid(), signal.SIGKILL)
        return real(table, where, *a, **k)
    gio.pq.write_table = dying_write
    gk.write_graph(gk.build_graph(sys.argv[1]), sys.argv[2])
    print("not killed")
"""


@pytest.mark.parametrize("kill_at", [1, 4, 10])
def test_graph_folder_survives_a_kill_mid_write(two_versions: tuple[Path, Path], tmp_path: Path, kill_at: int) -> None:
    v1, v2 = two_versions
    out = tmp_path / "out"
    gk.write_graph(gk.build_graph(v1), out)
    before = _snapshot(out)
    child = _run_child(KILL_DURING_TABLES, str(v2), str(out), str(kill_at))
    assert child.returncode == -signal.SIGKILL, child.stdout + child.stderr
    assert _snapshot(out) == before, "the previous output changed"
    assert gk.read_graph(out).count("Organization") == len(ROSTER)
    leftovers = [n for n in _siblings(out) if n not in {"out", "v1", "v2"}]
    assert leftovers and all(n.startswith(".out.tmp-") for n in leftovers), leftovers
    # the next write replaces the output and removes the dead writer's temporary folder
    gk.write_graph(gk.build_graph(v2), out)
    assert gk.read_graph(out).count("Organization") == len(ROSTER) + 1
    assert _siblings(out) == ["out", "v1", "v2"]


def test_first_write_killed_leaves_no_output(two_versions: tuple[Path, Path], tmp_path: Path) -> None:
    v1, _ = two_versions
    out = tmp_path / "fresh"
    child = _run_child(KILL_DURING_TABLES, str(v1), str(out), "3")
    assert child.returncode == -signal.SIGKILL
    assert not out.exists()
    assert all(n.startswith(".fresh.tmp-") for n in _siblings(out) if n not in {"v1", "v2"})


KILL_BETWEEN_RENAMES = """
    import os, signal, sys
    import graphkit as gk
    import graphkit.core.files as gfiles
    gfiles._rename_exchange = None          # a platform without an atomic swap: two renames
    real = os.replace
    def dying_replace(a, b):
        real(a, b)
        if str(b).rsplit("/", 1)[-1].startswith(".out.old-"):
            os.kill(os.getpid(), signal.SIGKILL)   # after moving the old output away, before the new one
    os.replace = dying_replace
    gk.write_graph(gk.build_graph(sys.argv[1]), sys.argv[2])
"""


def test_kill_between_two_renames_is_recovered(two_versions: tuple[Path, Path], tmp_path: Path) -> None:
    v1, v2 = two_versions
    out = tmp_path / "out"
    gk.write_graph(gk.build_graph(v1), out)
    before = _snapshot(out)
    child = _run_child(KILL_BETWEEN_RENAMES, str(v2), str(out))
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert not out.exists() and any(n.startswith(".out.old-") for n in _siblings(out))
    # the next writer to the same output puts the previous output back before it starts; a
    # failing write then leaves exactly that previous output
    with pytest.raises(RuntimeError):
        with atomic_dir(out):
            raise RuntimeError("interrupted again")
    assert _snapshot(out) == before
    assert _siblings(out) == ["out", "v1", "v2"]


def test_exception_inside_atomic_dir_keeps_previous(tmp_path: Path) -> None:
    out = tmp_path / "report"
    with atomic_dir(out) as tmp:
        (tmp / "index.html").write_text("v1", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_dir(out) as tmp:
            (tmp / "index.html").write_text("v2 half", encoding="utf-8")
            raise KeyboardInterrupt
    assert (out / "index.html").read_text(encoding="utf-8") == "v1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


def test_outputs_get_ordinary_permissions(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "d") as tmp:
            (tmp / "x").write_text("x")
        with atomic_file(tmp_path / "f.txt") as fh:
            fh.write("x")
    finally:
        os.umask(mask)
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o644


# ---- single files -------------------------------------------------------------------------------------

SLOW_FILE_WRITER = """
    import sys, time
    from graphkit.store.io import atomic_file
    with atomic_file(sys.argv[1], "wb") as fh:
        for i in range(2000):
            fh.write(b"x" * 65536)
            fh.flush()
            time.sleep(0.005)
    print("finished")
"""


def test_single_file_killed_from_outside_keeps_previous(tmp_path: Path) -> None:
    target = tmp_path / "export.csv"
    target.write_bytes(b"previous content\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([PY, "-c", textwrap.dedent(SLOW_FILE_WRITER), str(target)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        tmp_files: list[Path] = []
        while time.monotonic() < deadline:  # wait until the writer is well into its temporary file
            tmp_files = [p for p in tmp_path.glob(".export.csv.tmp-*") if p.stat().st_size > 1 << 20]
            if tmp_files or proc.poll() is not None:
                break
            time.sleep(0.01)
        assert tmp_files, "the writer never got going"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == b"previous content\n"
    assert [p.name for p in tmp_path.iterdir() if p.name != "export.csv"][0].startswith(".export.csv.tmp-")
    with atomic_file(target) as fh:  # the next write cleans up after the dead writer
        fh.write("new\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["export.csv"]


KILL_DURING_PROBLEM_TABLE = """
    import os, signal, sys
    import pandas as pd
    real = pd.DataFrame.to_csv
    def dying_to_csv(self, fh, *a, **k):
        fh.write("severity,file,sheet\\nerror,half")
        fh.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    pd.DataFrame.to_csv = dying_to_csv
    from graphkit.cli import main
    sys.argv = ["graphkit", "validate", sys.argv[1], "--problems", sys.argv[2]]
    main()
"""


def test_cli_problem_table_killed_mid_write(tmp_path: Path) -> None:
    ledgers = tmp_path / "ledgers"
    base(ledgers, pairs=[[*PAIRS[0][:3], "2024-02-30", ""]])
    table = tmp_path / "problems.csv"
    # the previous table is graphkit's own (a user's file by that name is refused before any write:
    # tests/test_reliability_output.py); the killed write leaves it byte for byte, still recognised
    first = subprocess.run([PY, "-m", "graphkit.cli", "validate", str(ledgers), "--problems", str(table)], check=False,
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert first.returncode == 1 and table.is_file(), first.stderr
    previous = table.read_bytes()
    child = _run_child(KILL_DURING_PROBLEM_TABLE, str(ledgers), str(table))
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert table.read_bytes() == previous
    from graphkit.store.io import output_kind
    assert output_kind(table) == "problems"


CLI_BUILD_KILLED = """
    import os, signal, sys
    import graphkit.store.io as gio
    real = gio.pq.write_table
    def dying_write(table, where, *a, **k):
        if str(where).endswith("Pairing.parquet"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(table, where, *a, **k)
    gio.pq.write_table = dying_write
    from graphkit.cli import main
    sys.argv = ["graphkit", "build", sys.argv[1], "-o", sys.argv[2], "-q"]
    main()
"""


def test_cli_build_killed_midway_keeps_previous_output(two_versions: tuple[Path, Path], tmp_path: Path) -> None:
    v1, v2 = two_versions
    out = tmp_path / "out"
    first = subprocess.run([PY, "-m", "graphkit.cli", "build", str(v1), "-o", str(out), "-q"],
                           env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    before = _snapshot(out)
    child = _run_child(CLI_BUILD_KILLED, str(v2), str(out))
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert _snapshot(out) == before
    assert not any(n == "out" for n in _siblings(out) if n.startswith("."))
