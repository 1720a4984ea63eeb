"""The synthetic country (issue 18): one folder per province, one per county in it, streamed and atomic."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.cli import cli
from graphkit.core.errors import GraphkitError, InputError, OutputError
from graphkit.ingest import _synth_national
from graphkit.ingest.synth import generate_national


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _rows(folder: Path, stem: str) -> int:
    return sum(len(pd.read_csv(p, dtype=str)) for p in folder.rglob(f"{stem}*.csv"))


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int], list[str]]:
    root = tmp_path_factory.mktemp("cn") / "country"
    seen: list[str] = []
    counts = generate_national(root, seed=3, n_orgs=9_000, counties=7, provinces=3,
                               progress=lambda done, total, name, c: seen.append(f"{done}/{total} {name} {c['counties']}"))
    return root, counts, seen


def test_one_folder_per_province_and_per_county(country: tuple[Path, dict[str, int], list[str]]) -> None:
    root, counts, seen = country
    provinces = sorted(p for p in root.iterdir() if p.is_dir())
    assert len(provinces) == counts["provinces"] == 3
    assert not (root / "graphkit.yaml").exists()  # the country is not one province: build takes one at a time
    n_counties = n_cities = 0
    for prov in provinces:
        cfg = (prov / "graphkit.yaml").read_text(encoding="utf-8")
        assert f"province: {prov.name}\n" in cfg and prov.name.endswith("省")
        for sub in (p for p in prov.iterdir() if p.is_dir()):
            sub_cfg = (sub / "graphkit.yaml").read_text(encoding="utf-8")
            if sub.name.endswith("县"):
                n_counties += 1
                assert f"county: {sub.name}\n" in sub_cfg and "city: " in sub_cfg
                assert (sub / "党组织名册.csv").is_file()
            else:
                n_cities += 1
                assert sub.name.endswith("市直") and "level: city\n" in sub_cfg
    assert n_counties == counts["counties"] == 7 and n_cities == counts["cities"]
    # the counts returned are the rows written
    assert _rows(root, "党组织名册") == counts["roster"]
    assert _rows(root, "结对共建台账") == counts["pairing"]
    # progress after each province, in order
    assert [s.split()[0] for s in seen] == ["1/3", "2/3", "3/3"]
    assert sum(int(s.split()[2]) for s in seen) == 7


def test_a_province_of_the_country_builds(country: tuple[Path, dict[str, int], list[str]], tmp_path: Path) -> None:
    from graphkit.store.province import is_province

    root, _counts, _seen = country
    prov = max((p for p in root.iterdir() if p.is_dir()), key=lambda p: sum(1 for _ in p.iterdir()))
    assert is_province(prov)
    out = tmp_path / "graph"
    r = CliRunner().invoke(cli, ["build", str(prov), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    g = gk.read_graph(out)
    assert len(g.tables["Organization"]) == _rows(prov, "党组织名册")  # every roster row is its own record
    assert len(g.tables["Pairing"]) == _rows(prov, "结对共建台账")
    assert len(g.tables["Membership"]) > 0 and len(g.tables["Activity"]) > 0


def test_same_seed_same_files(country: tuple[Path, dict[str, int], list[str]], tmp_path: Path) -> None:
    root, counts, _seen = country
    again = generate_national(tmp_path / "again", seed=3, n_orgs=9_000, counties=7, provinces=3)
    assert again == counts
    assert _digests(tmp_path / "again") == _digests(root)
    other = generate_national(tmp_path / "other", seed=4, n_orgs=9_000, counties=7, provinces=3)
    assert other["provinces"] == 3
    names = {p.name for p in (tmp_path / "other").iterdir() if p.is_dir()}
    assert names != {p.name for p in root.iterdir() if p.is_dir()}


def test_plan_splits_counties_and_orgs_exactly() -> None:
    plan = _synth_national.plan_country(seed=0, n_orgs=5_000_000, counties=3_000, provinces=31)
    assert len(plan) == 31
    assert sum(p.counties for p in plan) == 3_000 and min(p.counties for p in plan) >= 1
    assert sum(p.n_orgs for p in plan) == 5_000_000
    names = [p.name for p in plan]
    assert len(set(names)) == 31
    assert not {n[:-1] for n in names} & _synth_national._REAL_PROVINCES
    assert len({p.seed for p in plan}) == 31
    assert max(p.counties for p in plan) > 2 * min(p.counties for p in plan)  # provinces differ in size


def test_a_failed_run_leaves_nothing_half_written(tmp_path: Path) -> None:
    target = tmp_path / "cn"

    def stop(done: int, total: int, name: str, c: dict[str, int]) -> None:
        if done == 2:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C during the third province

    with pytest.raises(KeyboardInterrupt):
        generate_national(target, seed=1, n_orgs=6_000, counties=5, provinces=3, progress=stop)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left either
    # over an earlier output: a failed run keeps it as it was
    generate_national(target, seed=1, n_orgs=3_000, counties=3, provinces=2)
    before = _digests(target)
    with pytest.raises(KeyboardInterrupt):
        generate_national(target, seed=2, n_orgs=6_000, counties=5, provinces=3, progress=stop)
    assert _digests(target) == before
    assert [p.name for p in tmp_path.iterdir()] == ["cn"]
    # a finished run replaces it
    generate_national(target, seed=2, n_orgs=6_000, counties=5, provinces=3)
    assert _digests(target) != before


def test_refuses_a_folder_graphkit_did_not_write(tmp_path: Path) -> None:
    real = tmp_path / "ledgers"
    real.mkdir()
    (real / "党组织名册.xlsx").write_bytes(b"a county's own ledger")
    with pytest.raises(OutputError):
        generate_national(real, seed=1, n_orgs=3_000, counties=3, provinces=2)
    assert (real / "党组织名册.xlsx").read_bytes() == b"a county's own ledger"


@pytest.mark.parametrize("kwargs, words", [
    ({"n_orgs": 3_000, "counties": 2, "provinces": 3}, "省数"),
    ({"n_orgs": 100, "counties": 4, "provinces": 2}, "每县至少 50 个组织"),
    ({"n_orgs": 3_000, "counties": 3, "provinces": 2, "fmt": "parquet"}, "未知格式"),
])
def test_bad_sizes_are_bilingual_input_errors(tmp_path: Path, kwargs: dict, words: str) -> None:
    with pytest.raises(InputError) as exc:
        generate_national(tmp_path / "cn", seed=0, **kwargs)
    assert words in str(exc.value) and " / " in str(exc.value)
    assert isinstance(exc.value, GraphkitError)
    assert not (tmp_path / "cn").exists()


def test_cli_scale_national(tmp_path: Path) -> None:
    out = tmp_path / "cn"
    r = CliRunner().invoke(cli, ["synth", "--scale", "national", "--orgs", "4000", "--counties", "4", "--provinces", "2",
                                 "--seed", "5", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "已写出第 1/2 个省" in r.output and "wrote province 1 of 2" in r.output
    assert r.output.rstrip().splitlines()[-1].startswith(f"已生成 wrote {out}")
    assert sum(1 for p in out.iterdir() if p.is_dir()) == 2
    assert sum(1 for p in out.glob("*/*县") if p.is_dir()) == 4
    bad = CliRunner().invoke(cli, ["synth", "--scale", "national", "--orgs", "4000", "--counties", "2", "--provinces", "3",
                                   "-o", str(tmp_path / "bad")])
    assert bad.exit_code != 0 and "省数" in bad.output and "Traceback" not in bad.output
    wrong = CliRunner().invoke(cli, ["synth", "--scale", "county", "--provinces", "3", "-o", str(tmp_path / "w")])
    assert wrong.exit_code != 0 and "--provinces" in wrong.output
