"""The mapping language for real ledgers (issue 16, section 2): what each feature does beyond the
layout corpus, and the clear error each gives when misused."""
from __future__ import annotations

from pathlib import Path

import pytest

import graphkit as gk
from corpus.cases import PAIR_F, PAIR_HEAD, PAIRS, ROSTER, ROSTER_F, ROSTER_HEAD, Sheet, base, org_row
from graphkit.core.errors import GraphkitError, MappingError
from graphkit.core.mapping import Mapping, load_mapping

HEAD = """
id: t
columns:
  name: {aliases: [名称], required: true}
  town: {aliases: [乡镇]}
"""
ENT = """
entities:
  org:
    type: Organization
    keys: [{column: name, normalize: org}]
    properties:
      name: %s
"""


def _load(tmp_path: Path, text: str) -> Mapping:
    p = tmp_path / "m.yaml"
    p.write_text(text, encoding="utf-8")
    return load_mapping(p)


@pytest.mark.parametrize("extra, name, words", [
    ("fill-down: [name]\n", "{column: name}", ["fill-down", "unknown fields"]),
    ("fill_down: [nobody]\n", "{column: name}", ["fill_down", "nobody"]),
    ("filters:\n  - {column: name}\n", "{column: name}", ["filters[0]", "keep, skip"]),
    ("filters:\n  - {column: name, keep: odd}\n", "{column: name}", ["filters[0]", "not_number"]),
    ("filters:\n  - {column: name, skip: {pattern: '('}}\n", "{column: name}", ["filters[0]", "regular expression"]),
    ("unpivot: {headers: '^20'}\n", "{column: name}", ["unpivot", "name"]),
    ("unpivot: {headers: '^20', name: name, value: v}\n", "{column: name}", ["unpivot", "also declared"]),
    ("", "{column: name, extract: '(a'}", ["extract", "regular expression"]),
    ("", "{column: name, extract: '(?P<x>a)', group: y}", ["no group", "'y'"]),
    ("", "{column: name, group: 1}", ["`group` needs `extract`"]),
    ("", "{column: name, map: [a, b]}", ["`map` must map"]),
    ("", "{context: week}", ["unknown context"]),
    ("", "{part: 2}", ["part: true"]),
    ("", "{column: name, optional: true}", ["`optional: true` is for a `lookup:`"]),
    ("optional_columns: maybe\n", "{column: name}", ["optional_columns"]),
])
def test_misused_mapping_features_are_refused_clearly(tmp_path: Path, extra: str, name: str, words: list[str]) -> None:
    with pytest.raises(MappingError) as info:
        _load(tmp_path, extra + HEAD + ENT % name)
    msg = str(info.value)
    assert "m.yaml" in msg and all(w in msg for w in words), msg


@pytest.mark.parametrize("opts, words", [
    ("{skip_rows: -1}", ["skip_rows", "≥ 0"]), ("{header_row: 0}", ["header_row", "≥ 1"]),
    ("{delimiter: ';;'}", ["delimiter", "one character"]), ("{header: 2}", ["unknown options", "header_row"]),
])
def test_misused_reader_options_are_refused(tmp_path: Path, opts: str, words: list[str]) -> None:
    base(tmp_path / "d", config=f"county: 测试县\nfiles:\n  {ROSTER_F}: {opts}\n")
    with pytest.raises(GraphkitError) as info:
        gk.build_graph(tmp_path / "d")
    assert "graphkit.yaml" in str(info.value) and all(w in str(info.value) for w in words), str(info.value)


def test_filters_keep_and_skip_by_value_and_pattern(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    text = (gk.load_mappings()["roster"].path.read_text(encoding="utf-8")).replace(
        "\ncolumns:", "\nfilters:\n  - {column: sector, skip: {values: [机关]}}\n  - {column: name, keep: {pattern: '村|社区'}}\ncolumns:", 1)
    f.text("mappings/roster.yaml", text)
    g = gk.build_graph(tmp_path / "d", lenient=True)
    assert sorted(g.orgs["name"]) == ["李家台社区党支部", "红岩村党支部", "金桥村党总支", "青泥洞村党支部"]
    skipped = next(e for e in g.read_report if e["file"] == ROSTER_F)["skipped"]
    assert len(skipped) == 6 and all(s["reason"].startswith("筛选 filtered out") for s in skipped)


def test_county_name_table_resolves_the_names_people_write(tmp_path: Path) -> None:
    f = base(tmp_path / "d", pairs=[["农业农村局", "李家台社区党支部", "机关联村", "2024-03-01", ""]],
             config="county: 测试县\naliases: [名称对照表.csv]\n")
    f.csv("名称对照表.csv", ["简称", "党组织全称"], [["农业农村局", "县农业农村局机关党支部"]])
    g = gk.build_graph(tmp_path / "d")
    names = dict(zip(g.orgs["id"], g.orgs["name"]))
    assert names[g["Pairing"]["strong"].iat[0]] == "县农业农村局机关党支部"
    assert "名称对照表.csv" not in {e["file"] for e in g.read_report}  # the table is no ledger
    # without the table the name is unknown: an error, never a guess
    f.text("graphkit.yaml", "county: 测试县\nignore: [名称对照表.csv]\n")
    with pytest.raises(gk.ValidationFailed) as info:
        gk.build_graph(tmp_path / "d")
    assert info.value.problems["rule"].tolist() == ["unresolved_ref"]


def test_a_name_table_without_its_columns_is_refused(tmp_path: Path) -> None:
    f = base(tmp_path / "d", config="county: 测试县\naliases: [对照.csv]\n")
    f.csv("对照.csv", ["甲", "乙"], [["a", "b"]])
    with pytest.raises(GraphkitError, match="对照.csv.*简称"):
        gk.build_graph(tmp_path / "d")
    f.text("graphkit.yaml", "county: 测试县\naliases: [没有.csv]\n")
    with pytest.raises(GraphkitError, match="没有.csv"):
        gk.build_graph(tmp_path / "d")


def test_work_committee_and_town_prefix_folding(tmp_path: Path) -> None:
    roster = [*ROSTER, ["县直机关工作委员会", "党委", "机关", "县", "", "", "", "30", "一类", "2024", "否"]]
    base(tmp_path / "d", roster=roster, pairs=[
        ["县直机关工委", "红岩村党支部", "机关联村", "2024-03-01", ""],
        ["中池镇青泥洞村党支部", "中池镇金桥村党总支", "强村带弱村", "2024-03-01", ""]])
    g = gk.build_graph(tmp_path / "d")
    names = dict(zip(g.orgs["id"], g.orgs["name"]))
    got = sorted((names[a], names[b]) for a, b in zip(g["Pairing"]["strong"], g["Pairing"]["weak"]))
    assert got == [("县直机关工作委员会", "红岩村党支部"), ("青泥洞村党支部", "金桥村党总支")]


def test_optional_reference_outside_the_roster_is_a_warning(tmp_path: Path) -> None:
    f = base(tmp_path / "d", roster=[*ROSTER, org_row("石门村党支部", 上级党组织="外县某镇党委")])
    text = (gk.load_mappings()["roster"].path.read_text(encoding="utf-8")).replace(
        "parent: {column: parent, lookup: Organization}",
        "parent: {column: parent, lookup: Organization, optional: true}\n      parent_text: {column: parent, normalize: text}")
    f.text("mappings/roster.yaml", text)
    g = gk.build_graph(tmp_path / "d")
    p = g.problems
    assert p[["severity", "rule", "value"]].values.tolist() == [["warning", "unresolved_ref", "外县某镇党委"]]
    row = g.orgs.set_index("name").loc["石门村党支部"]
    assert row["parent"] is None and row["parent_text"] == "外县某镇党委"
    with pytest.raises(gk.ValidationFailed):
        gk.build_graph(tmp_path / "d", strict=True)


def test_year_month_numbers_are_dates_and_2023_1_is_warned(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    f.xlsx("结对共建台账.xlsx", [Sheet("结对", [PAIR_HEAD,
                                             ["青泥洞村党支部", "红岩村党支部", "强村带弱村", 2023.3, ""],
                                             ["金桥村党总支", "李家台社区党支部", "强村带弱村", 2023.1, 2023.12]])])
    g = gk.build_graph(tmp_path / "d")
    assert sorted(str(d.date()) for d in g["Pairing"]["start"]) == ["2023-01-01", "2023-03-01"]
    assert str(g["Pairing"]["end"].dropna().iat[0].date()) == "2023-12-01"
    p = g.problems
    assert p[["severity", "rule", "row"]].values.tolist() == [["warning", "ambiguous_date", 3]]


def test_new_schema_fields_load_through_the_built_in_layouts(tmp_path: Path) -> None:
    f = base(tmp_path / "d")
    f.csv(PAIR_F, [*PAIR_HEAD, "帮扶措施"], [[*PAIRS[0], "产业帮扶；每月联学一次"]])
    f.csv(ROSTER_F, [*ROSTER_HEAD, "村党组织书记"], [[*r, "书记" + str(i) if r[3] == "村" else ""] for i, r in enumerate(ROSTER)])
    g = gk.build_graph(tmp_path / "d")
    assert g["Pairing"]["measures"].tolist() == ["产业帮扶；每月联学一次"]
    posts = g["Post"]
    assert sorted(posts["role"]) == ["secretary"] * 4
    assert sorted(g["Person"]["name"]) == ["书记2", "书记3", "书记4", "书记6"]
