"""Rules added after blind round 7 (issue 21): shared heads, broken names, numbered branches, pairings.

Each rule is checked on new invented sentences (fictional places and units), not on the evaluation texts.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from graphkit.extract import extract_files, extract_text


def _links(text: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [lk for lk in extract_text(text)["links"] if kind is None or lk["type"] == kind]


def _orgs(text: str) -> list[str]:
    return [o["name"] for o in extract_text(text)["orgs"]]


def test_unit_list_shares_a_branch_suffix_after_de() -> None:
    # "A局、B局、C局的机关党支部": one 机关党支部 per unit; the bare units are no organizations
    t = "县林业局、县市场监督管理局、县自然资源局的机关党支部轮流承办读书班。"
    assert _orgs(t) == ["县林业局机关党支部", "县市场监督管理局机关党支部", "县自然资源局机关党支部"]
    # without 的 (and no count) "机关党支部" may be the last unit's own: the rule is unchanged
    assert _orgs("县气象局、县地震局机关党支部联合开展活动。") == ["县气象局", "县地震局机关党支部"]
    # a list of places before 的 is not a list of units: no names are made up
    assert "东坡的机关党支部" not in _orgs("东坡、西坡的机关党支部开展活动。")


def test_numbered_branches_share_the_head() -> None:
    t = "县水利局机关第一、第二党支部分别结对柏树社区党委、杉木社区党支部。"
    names = _orgs(t)
    assert names[:2] == ["县水利局机关第一党支部", "县水利局机关第二党支部"]
    assert "第二党支部" not in names
    assert _orgs("县统计局第一、第二和第三党支部联学。") == [
        "县统计局第一党支部", "县统计局第二党支部", "县统计局第三党支部"]
    # a single numbered branch stays one name
    assert _orgs("县审计局第二党支部与柏树社区党委开展共建。") == ["县审计局第二党支部", "柏树社区党委"]


def test_name_broken_by_a_declared_short_form(tmp_path: Path) -> None:
    t = "县文化广电和旅游局(简称“县文旅局”)机关党支部与樱桃社区党委结成对子。"
    assert _orgs(t) == ["县文化广电和旅游局机关党支部", "樱桃社区党委"]
    # full-width brackets and 以下简称 too
    t = "县文化广电和旅游局（以下简称“县文旅局”）机关党支部与樱桃社区党委结成对子。"
    assert _orgs(t)[0] == "县文化广电和旅游局机关党支部"
    # later mentions of the short form are that organization
    f = tmp_path / "report.txt"
    f.write_text("标题\n\n" + t + "\n\n县文旅局机关党支部还为樱桃社区送去图书300册。\n", encoding="utf-8")
    ex = extract_files([str(f)])
    assert set(ex.orgs["name"]) == {"县文化广电和旅游局机关党支部", "樱桃社区党委"}
    # a bracket that declares nothing does not join two names
    assert "县文化广电和旅游局机关党支部" not in _orgs("县文化广电和旅游局(牵头)机关党支部开展活动。")


def test_working_committee_full_name_and_its_short_form(tmp_path: Path) -> None:
    f = tmp_path / "report.txt"
    f.write_text("标题\n\n中共枳山县委县直属机关工作委员会（以下简称“县直工委”）召开推进会。\n\n"
                 "县直工委组织各机关党组织开展联学。\n", encoding="utf-8")
    ex = extract_files([str(f)])
    assert set(ex.orgs["name"]) == {"枳山县委县直属机关工作委员会"}
    assert set(ex.orgs["form"]) == {"机关工委"}


def test_joint_committee_named_after_a_district_links_villages() -> None:
    # a joint committee of villages whose name holds 片区 is 跨村联建, not 片区联建
    [lk] = _links("经镇党委同意,杉树、枫树、榆树3个村组建杉树片区联合党委,统一流转土地。")
    assert (lk["type"], lk["group"], lk["members"]) == ("跨村联建", "杉树片区联合党委", ["杉树村", "枫树村", "榆树村"])


def test_villages_setting_up_a_joint_branch() -> None:
    [lk] = _links("相邻的梨花村与桃花村于5月组建梨桃联合党支部,围绕林下种菌开展联建。")
    assert (lk["type"], lk["group"], lk["members"]) == ("跨村联建", "梨桃联合党支部", ["梨花村", "桃花村"])


def test_one_unit_beside_an_existing_joint_committee() -> None:
    # a peer unit working with the joint committee is a joint activity of the two
    t = "8月,县林业站党支部的技术人员到杉树片区联合党委现场讲解病虫害防治,开展田间课堂3场。"
    [lk] = _links(t)
    assert (lk["type"], lk["members"]) == ("其他", ["县林业站党支部", "杉树片区联合党委"])
    # a superior that visits is no member of any link
    assert _links("11月,县委组织部副部长到梨桃联合党支部调研,参加议事活动。") == []


def test_short_company_name_for_the_full_one(tmp_path: Path) -> None:
    f = tmp_path / "report.txt"
    f.write_text("标题\n\n枳山县青岚茶叶加工有限公司党支部承担加工环节。\n\n"
                 "青岚公司党支部还与杏林村党支部结成帮扶对子。\n", encoding="utf-8")
    ex = extract_files([str(f)])
    assert set(ex.orgs["name"]) == {"枳山县青岚茶叶加工有限公司党支部", "杏林村党支部"}
    [members] = list(ex.links["members"])
    assert members == ["枳山县青岚茶叶加工有限公司党支部", "杏林村党支部"]
    # a brand that only shares its first character is another company
    f.write_text("标题\n\n青山茶叶有限公司党支部承担加工。\n\n青岚公司党支部与杏林村党支部结对。\n", encoding="utf-8")
    assert "青岚公司党支部" in set(extract_files([str(f)]).orgs["name"])


def test_district_with_a_longer_name_and_dang_for_the_lead() -> None:
    t = "城乡建设片区由县交通运输局机关党支部牵头,县水利局、县林业局的机关党支部共同组成。"
    [d] = _links(t, "片区联建")
    assert d["group"] == "城乡建设片区"
    assert d["lead"] == "县交通运输局机关党支部"
    assert d["members"] == ["县交通运输局机关党支部", "县水利局机关党支部", "县林业局机关党支部"]
    [d] = _links("第三片区以“平安+”为特色:县消防救援大队党支部当组长单位,县应急管理局党支部为成员。", "片区联建")
    assert d["lead"] == "县消防救援大队党支部"
