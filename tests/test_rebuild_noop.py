"""A province rebuild with nothing changed writes nothing and links nothing (issue 20)."""
from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from graphkit.cli import cli
from graphkit.store import province as gp
from tests.test_province import _small_province


def _state(out: Path) -> dict[str, tuple[int, int, int]]:
    """Inode, modification time (ns) and link count of every file and folder below ``out`` (and ``out``)."""
    paths = [out, *sorted(out.rglob("*"))]
    return {p.relative_to(out).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_nlink) for p in paths}


def test_an_unchanged_rebuild_touches_no_file(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    first = gp.build_province(prov, out)
    assert not first.unchanged
    before = _state(out)
    siblings = sorted(p.name for p in tmp_path.iterdir())
    res = gp.build_province(prov, out)
    assert res.unchanged and res.rebuilt == [] and sorted(res.reused) == sorted(first.rebuilt)
    assert res.counts == first.counts and res.cross_links == first.cross_links == 2
    assert len(res.problems) == len(first.problems)
    assert _state(out) == before  # the same inodes, times and link counts: nothing written, nothing linked
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings  # no temporary folder left beside it
    # a ledger touched but not changed: hashed, still nothing to write
    roster = prov / "甲县" / "党组织名册.csv"
    os.utime(roster, ns=(1, 1))
    res = gp.build_province(prov, out)
    assert res.unchanged and res.hashed == ["甲县"] and _state(out) == before
    r = CliRunner().invoke(cli, ["build", str(prov), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    assert "未写入任何文件" in r.output and "no file written" in r.output
    assert _state(out) == before


def test_a_changed_ledger_or_a_damaged_output_is_built_again(tmp_path: Path) -> None:
    prov = _small_province(tmp_path / "p")
    out = tmp_path / "out"
    gp.build_province(prov, out)
    # a province table that no longer has its recorded bytes: not left as it is, written again
    pairing = out / "tables" / "Pairing.parquet"
    good = pairing.read_bytes()
    pairing.unlink()
    pairing.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    res = gp.build_province(prov, out)
    assert not res.unchanged and res.rebuilt == []
    assert (out / "tables" / "Pairing.parquet").read_bytes() == good
    assert gp.build_province(prov, out).unchanged
    # a county's ledger changed: that county is read again
    f = prov / "乙县" / "结对共建台账.csv"
    f.write_text(f.read_text(encoding="utf-8").replace("2024-01-01", "2024-01-02"), encoding="utf-8")
    res = gp.build_province(prov, out)
    assert not res.unchanged and res.rebuilt == ["乙县"]
    # the manifest lists a county that is gone: built again without it
    (prov / "丙市直" / "党组织名册.csv").unlink()
    (prov / "丙市直" / "graphkit.yaml").unlink()
    (prov / "丙市直").rmdir()
    f = prov / "甲县" / "结对共建台账.csv"
    f.write_text("\n".join(line for line in f.read_text(encoding="utf-8").splitlines() if "丙市" not in line) + "\n",
                 encoding="utf-8")
    res = gp.build_province(prov, out)
    assert not res.unchanged and "丙市直" not in res.reused
