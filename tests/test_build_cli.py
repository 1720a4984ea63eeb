"""The vertical slice: a ledger folder → a validated graph on disk, through the API and the CLI."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.cli import cli
from tests._ledgers import mini_county


def test_mini_county_builds_with_facts_intact(tmp_path: Path) -> None:
    g = gk.build_graph(mini_county(tmp_path / "d"))
    orgs = g["Organization"].set_index("name")
    assert len(orgs) == 5
    # 中共…委员会 in the roster is matched by 农业农村局党委 in the district ledger
    mem = g["Membership"].merge(g["Organization"][["id", "name"]], left_on="member", right_on="id")
    assert dict(zip(mem["name"], mem["role"])) == {"中共示例县农业农村局委员会": "lead", "示例县教体局党支部": "host"}
    assert dict(zip(mem["name"], mem["host_month"])) == {"中共示例县农业农村局委员会": 1, "示例县教体局党支部": 2}
    assert set(mem["start"].astype(str)) == {"2024-01-01"}
    pair = g["Pairing"].iloc[0]
    assert orgs.loc["东岭镇白水村党支部", "id"] == pair["weak"] and pair["start"] == pd.Timestamp("2024-03-01")
    assert pd.isna(pair["end"]) and pair["form"] == "strong_weak_village"
    assert orgs.loc["东岭镇白水村党支部", "weak_lax"] and orgs.loc["东岭镇白水村党支部", "category"] == "3"
    # places: county → town → village, ids deterministic
    places = g["Place"].set_index("name")
    assert places.loc["青石村", "parent"] == places.loc["东岭镇", "id"]
    assert places.loc["东岭镇", "parent"] == places.loc["示例县", "id"]
    # provenance on every record
    assert (g["Pairing"][["src_file", "src_row"]].iloc[0].tolist() == ["结对共建台账.csv", 2])
    assert g["Pairing"]["src_hash"].str.len().eq(64).all()
    # the guide is a Person linked from the district
    district = g["Collaboration"].iloc[0]
    assert district["kind"] == "district" and g.names("Person")[district["guide"]] == "张某"


def test_networkx_view_keeps_parallel_links(tmp_path: Path) -> None:
    pairing = [["东岭镇党委", "东岭镇白水村党支部", "一类带三类", "2024-01-01", ""]]
    g = gk.build_graph(mini_county(tmp_path / "d", pairing=pairing))
    G = g.to_networkx()
    ids = g.names().reset_index().set_index(0)["index"]
    town, weak = ids["东岭镇党委"], ids["东岭镇白水村党支部"]
    # the weak village reports to the town committee AND is paired with it: two parallel links
    rels = sorted(d.get("rel", k) for k, d in G.get_edge_data(weak, town).items()) + \
        sorted(d.get("rel", k) for k, d in (G.get_edge_data(town, weak) or {}).items())
    assert rels == ["SUB_ORGANIZATION_OF", "PAIRED_WITH"]


def test_build_info_validate_cli(tmp_path: Path) -> None:
    data = mini_county(tmp_path / "d")
    out = tmp_path / "out"
    runner = CliRunner()
    r = runner.invoke(cli, ["build", str(data), "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["Organization"] == 5 and len(manifest["sources"]) == 3
    assert all(len(s["sha256"]) == 64 for s in manifest["sources"])
    r = runner.invoke(cli, ["info", str(out)])
    assert r.exit_code == 0 and "党组织" in r.output and "PAIRED_WITH" in r.output and "东岭镇" in r.output
    r = runner.invoke(cli, ["validate", str(data)])
    assert r.exit_code == 0 and "0 个错误" in r.output


def test_bad_input_exits_1_without_traceback_or_output(tmp_path: Path) -> None:
    data = mini_county(tmp_path / "d", pairing=[["东岭镇青石村党支部", "东岭镇黑山村党支部", "强村带弱村", "2024-13-01", ""]])
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "graphkit.cli", "build", str(data), "-o", str(out), "-q",
                           "--problems", str(tmp_path / "p.csv")], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "结对共建台账.csv" in proc.stderr and "第2行" in proc.stderr and "东岭镇黑山村党支部" in proc.stderr
    assert not out.exists()
    problems = pd.read_csv(tmp_path / "p.csv")
    assert set(problems["rule"]) == {"unresolved_ref", "bad_date"}


def test_lenient_writes_valid_rows_and_problem_table(tmp_path: Path) -> None:
    bad = [["东岭镇青石村党支部", "东岭镇黑山村党支部", "强村带弱村", "2024-01-01", ""],
           ["东岭镇党委", "东岭镇白水村党支部", "一类带三类", "2024-01-01", ""]]
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["build", str(mini_county(tmp_path / "d", pairing=bad)), "-o", str(out), "--lenient", "-q"])
    assert r.exit_code == 0, r.output
    g = gk.read_graph(out)
    assert g.count("Pairing") == 1
    problems = pd.read_csv(out / "problems.csv")
    assert problems[["row", "rule"]].values.tolist() == [[2, "unresolved_ref"]]


def test_missing_folder_is_a_user_error(tmp_path: Path) -> None:
    r = CliRunner().invoke(cli, ["build", str(tmp_path / "nope"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1 and "ledger folder not found" in r.output


def test_rebuild_replaces_output_atomically(tmp_path: Path) -> None:
    data = mini_county(tmp_path / "d")
    out = tmp_path / "out"
    gk.write_graph(gk.build_graph(data), out)
    first = (out / "tables" / "Organization.parquet").read_bytes()
    gk.write_graph(gk.build_graph(data), out)
    assert (out / "tables" / "Organization.parquet").read_bytes() == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "out"]  # no temp folders left


def test_read_graph_refuses_a_non_output_folder(tmp_path: Path) -> None:
    with pytest.raises(gk.OutputError, match="manifest.json"):
        gk.read_graph(tmp_path)
