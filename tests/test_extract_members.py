"""Member sets of link candidates (issue 21, after blind round 5).

Each rule is checked on new invented sentences (fictional places), not on the evaluation texts.
"""
from __future__ import annotations

from typing import Any

from graphkit.extract import extract_text


def _links(text: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [lk for lk in extract_text(text)["links"] if kind is None or lk["type"] == kind]


def _orgs(text: str) -> list[str]:
    return [o["name"] for o in extract_text(text)["orgs"]]


def test_village_counts_without_measure_word() -> None:
    # "两村" / "三村党支部": the count stands without 个 and must fit the list
    joint = _links("由柳树、杨树两村联合组建柳杨联合党委,共同发展苗木产业。", "跨村联建")
    assert [(lk["group"], lk["members"]) for lk in joint] == [("柳杨联合党委", ["柳树村", "杨树村"])]
    joint = _links("青石、白石、黑石三村党支部成立三石联村党委,抱团发展。", "跨村联建")
    assert [(lk["group"], lk["members"]) for lk in joint] == [
        ("三石联村党委", ["青石村党支部", "白石村党支部", "黑石村党支部"])]
    assert "黑石三村党支部" not in _orgs("青石、白石、黑石三村党支部成立三石联村党委。")
    # "…等村" without a count is a partial list
    joint = _links("由东岗、西岗、南岗等村联合组建东岗联村党总支,共建加工厂。", "跨村联建")
    assert joint and joint[0]["members"] == ["东岗村", "西岗村", "南岗村"]
    # a count that does not fit the list is a name: 新华一村 stays a village of its own
    assert _orgs("新华一村党支部、新华二村党支部联合开展活动。") == ["新华一村党支部", "新华二村党支部"]


def test_member_units_share_the_party_suffix() -> None:
    t = "第二片区由县商务局机关党支部牵头,县档案局、粮食局、地震局党支部为成员单位,开展联学。"
    [d] = _links(t, "片区联建")
    assert d["members"] == ["县商务局机关党支部", "县档案局党支部", "粮食局党支部", "地震局党支部"]
    t = "第五片区由县商务局机关党支部牵头,县档案局、县粮食局两家单位的机关党支部和县地震台党支部参与。"
    [d] = _links(t, "片区联建")
    assert d["members"] == ["县商务局机关党支部", "县档案局机关党支部", "县粮食局机关党支部", "县地震台党支部"]
    t = "第七片区由县审计局党支部牵头,县档案局、县粮食局、县地震局3个单位党支部为成员单位。"
    [d] = _links(t, "片区联建")
    assert d["members"][1:] == ["县档案局党支部", "县粮食局党支部", "县地震局党支部"]
    # a unit list that ends in a non-agency name is not expanded
    assert "县档案局党支部" not in _orgs("县档案局、松坡村党支部联合开展活动。")
