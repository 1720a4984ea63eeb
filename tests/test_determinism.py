"""Loading the same ledgers twice gives byte-identical outputs: deterministic ids and ordering,
and the only timestamp is the manifest's ``created`` — also across processes with different hash
seeds, another folder path, other file modification times and lenient mode.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import graphkit as gk

from corpus.cases import HOSTILE_NAMES, PAIRS, Sheet, base, changed, org_row, roster_with, PAIR_HEAD, DIST

ROOT = Path(__file__).resolve().parent.parent

BUILD = "import sys, graphkit as gk; gk.write_graph(gk.build_graph(sys.argv[1], lenient=sys.argv[3] == '1'), sys.argv[2])"


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _assert_same_output(a: Path, b: Path) -> None:
    fa, fb = _files(a), _files(b)
    assert sorted(fa) == sorted(fb)
    assert any(k.startswith("tables/") for k in fa) and "sources.parquet" in fa
    for name in fa:
        if name == "manifest.json":
            ma, mb = json.loads(fa[name]), json.loads(fb[name])
            assert ma.pop("created") and mb.pop("created")
            assert ma == mb
        else:
            assert fa[name] == fb[name], f"{name} differs"


def _build_in_child(data: Path, out: Path, *, seed: str, lenient: bool = False) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed}
    r = subprocess.run([sys.executable, "-c", BUILD, str(data), str(out), "1" if lenient else "0"], env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county mixing CSV and xlsx, odd spellings, hostile names and a district workbook."""
    d = tmp_path_factory.mktemp("messy") / "ledgers"
    f = base(d, roster=roster_with(extra=[org_row(n) for n in HOSTILE_NAMES]),
             pairs=[*PAIRS, ["青泥洞村党支部委员会", HOSTILE_NAMES[1], "以强带弱", "2024年5月", ""]])
    f.xlsx("片区联建台账.xlsx", [Sheet("第一片区", [["片区名称", "单位名称", "角色", "轮值月份", "联片指导领导", "加入日期", "退出日期"],
                                                 *[[*r[:5], 45292, ""] for r in DIST]])])
    return d


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A county with errors, for lenient mode (problems.csv must be deterministic too)."""
    d = tmp_path_factory.mktemp("broken") / "ledgers"
    base(d, roster=roster_with({(5, "分类定级"): "四类", (7, "上级党组织"): "城关镇党委"}),
         pairs=changed(PAIRS, PAIR_HEAD, {(2, "受援党组织"): "红言村党支部", (3, "开始日期"): "2024-02-30"}))
    return d


def test_same_ledgers_twice_in_process(messy: Path, tmp_path: Path) -> None:
    a = gk.write_graph(gk.build_graph(messy), tmp_path / "a")
    b = gk.write_graph(gk.build_graph(messy), tmp_path / "b")
    _assert_same_output(a, b)


def test_other_process_hash_seed_path_and_mtimes(messy: Path, tmp_path: Path) -> None:
    a = gk.write_graph(gk.build_graph(messy), tmp_path / "a")
    copy = tmp_path / "elsewhere" / "另一个目录"
    shutil.copytree(messy, copy)
    for p in copy.rglob("*"):
        os.utime(p, (1_000_000_000, 1_000_000_000))
    _build_in_child(copy, tmp_path / "b", seed="12345")
    _build_in_child(messy, tmp_path / "c", seed="1")
    _assert_same_output(a, tmp_path / "b")
    _assert_same_output(a, tmp_path / "c")


def test_lenient_outputs_and_problem_table_are_deterministic(broken: Path, tmp_path: Path) -> None:
    _build_in_child(broken, tmp_path / "a", seed="7", lenient=True)
    _build_in_child(broken, tmp_path / "b", seed="8", lenient=True)
    assert (tmp_path / "a" / "problems.csv").exists()
    _assert_same_output(tmp_path / "a", tmp_path / "b")


def test_ids_do_not_depend_on_row_order(messy: Path, tmp_path: Path) -> None:
    """Reordering the roster's rows changes provenance (src_row), never ids or values."""
    import pandas as pd

    shuffled = tmp_path / "shuffled"
    shutil.copytree(messy, shuffled)
    roster = pd.read_csv(shuffled / "党组织名册.csv", dtype=str, keep_default_na=False)
    roster.iloc[::-1].to_csv(shuffled / "党组织名册.csv", index=False)
    g1, g2 = gk.build_graph(messy), gk.build_graph(shuffled)
    for t in g1.model:
        cols = [c for c in g1.tables[t.name].columns if c not in ("src_row", "src_hash")]
        pd.testing.assert_frame_equal(g1.tables[t.name][cols], g2.tables[t.name][cols])


def test_sample_county_twice(sample_dir: Path, tmp_path: Path) -> None:
    _build_in_child(sample_dir, tmp_path / "a", seed="3")
    _build_in_child(sample_dir, tmp_path / "b", seed="4")
    _assert_same_output(tmp_path / "a", tmp_path / "b")
