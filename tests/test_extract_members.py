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


def _pairs(text: str) -> list[tuple[str, str]]:
    return [(lk["strong"], lk["weak"]) for lk in _links(text, "结对共建")]


def test_respectively_pairings() -> None:
    # "A与B、C与D分别结对": two pairings, not one side against three
    assert _pairs("金沙村党支部与银沙村党支部、铜山村党支部与铁山村党支部分别结对,互学互帮。") == [
        ("金沙村党支部", "银沙村党支部"), ("铜山村党支部", "铁山村党支部")]
    # "A和B分别与C结对": A–C and B–C; A and B are not paired with each other
    assert _pairs("金沙村党支部和银沙村党支部分别与铜山村党支部结对,共享销售渠道。") == [
        ("金沙村党支部", "铜山村党支部"), ("银沙村党支部", "铜山村党支部")]


def test_guiding_superior_is_no_member() -> None:
    [lk] = _links("在柏林镇党委指导下,松坡村党支部与竹坡村党支部结对共建。")
    assert lk["members"] == ["松坡村党支部", "竹坡村党支部"] and lk["attending"] == ["柏林镇党委"]
    [lk] = _links("在柏林镇党委的指导下,松坡村、竹坡村、梅坡村成立三坡联合党委。")
    assert (lk["type"], lk["group"], lk["members"]) == ("跨村联建", "三坡联合党委", ["松坡村", "竹坡村", "梅坡村"])
    assert lk["attending"] == ["柏林镇党委"]


def test_pairing_verbs_between_sides() -> None:
    assert _pairs("县粮食局党支部结对帮扶松坡村党支部,县档案局党支部结对帮扶竹坡村党支部。") == [
        ("县粮食局党支部", "松坡村党支部"), ("县档案局党支部", "竹坡村党支部")]
    # bare 帮扶 with bare village names
    assert _pairs("县粮食局党支部帮扶松坡村,县档案局党支部帮扶竹坡村。") == [
        ("县粮食局党支部", "松坡村"), ("县档案局党支部", "竹坡村")]
    # 帮扶 as a noun is no pairing
    assert _links("县粮食局党支部帮扶工作扎实,松坡村面貌一新。", "结对共建") == []


def test_weak_first_pairings_keep_the_sides() -> None:
    assert _pairs("松坡村党支部、竹坡村党支部分别由县粮食局党支部、县档案局党支部结对帮扶。") == [
        ("县粮食局党支部", "松坡村党支部"), ("县档案局党支部", "竹坡村党支部")]
    assert _pairs("梅坡村党支部由县粮食局党支部结对帮扶,新修便民桥1座。") == [("县粮食局党支部", "梅坡村党支部")]
    # written strong first, the order stays
    assert _pairs("县粮食局党支部与梅坡村党支部结对,新修便民桥1座。") == [("县粮食局党支部", "梅坡村党支部")]


def test_village_beside_its_own_branch_counts_once() -> None:
    [lk] = _links("石桥村党支部牵头,石桥、木桥、竹桥3个村组建三桥联合党委。")
    assert lk["members"] == ["石桥村党支部", "木桥村", "竹桥村"] and lk["lead"] == "石桥村党支部"
    # another village that only ends like it is a member of its own (大石桥村 is not 石桥村)
    [lk] = _links("石桥村党支部牵头,大石桥、木桥、竹桥3个村组建三桥联合党委。")
    assert lk["members"] == ["石桥村党支部", "大石桥村", "木桥村", "竹桥村"]


def test_joint_committee_made_of_members() -> None:
    [lk] = _links("河口联合党委由上河村党支部、下河村党支部和县交通局机关党支部组成,统筹发展。")
    assert (lk["type"], lk["group"]) == ("跨村联建", "河口联合党委")
    assert lk["members"] == ["上河村党支部", "下河村党支部", "县交通局机关党支部"]
    [lk] = _links("组建云岭联合党委。联合党委由云岭村党总支、雾岭村党支部、霞岭村党支部组成。")
    assert lk["group"] == "云岭联合党委" and lk["members"] == ["云岭村党总支", "雾岭村党支部", "霞岭村党支部"]
    # the committee acting with an outside unit is a joint activity, the committee a member
    [lk] = _links("县图书馆党支部与云岭联合党委联合开展读书活动。")
    assert (lk["type"], lk["members"]) == ("其他", ["县图书馆党支部", "云岭联合党委"])


def test_town_committee_is_the_superior_of_its_villages() -> None:
    [lk] = _links("梧桐乡党委牵头推动梧桐、凤鸣、鹊山3个村成立梧桐联村党委,统筹发展。")
    assert lk["members"] == ["梧桐村", "凤鸣村", "鹊山村"] and lk["attending"] == ["梧桐乡党委"] and lk["lead"] == ""
    [lk] = _links("今年,柳镇党委推动成立河口联合党委,联合党委由上河村、下河村、中河村组成。")
    assert lk["group"] == "河口联合党委" and "柳镇党委" not in lk["members"]


def test_quoted_terms_are_no_triggers() -> None:
    # "联村" inside a quoted activity name does not make a cross-village link
    [lk] = _links("镇中心小学党支部与镇卫生院党支部联合开展“送医进联村”主题党日活动。")
    assert lk["type"] == "其他"
    # a quoted term of the work itself still names the link type
    [lk] = _links("松坡村党支部与竹坡村党支部开展“结对共建”,共修水渠。")
    assert lk["type"] == "结对共建"


def test_named_districts() -> None:
    t = ("街道将辖区划为2个片区:东片区以枫林社区党委为牵头单位,成员为石桥社区党支部、县图书馆党支部;"
         "西片区由县气象局机关党支部牵头,联合木桥村、竹桥村和县文化馆党支部开展联学。")
    got = [(lk["group"], lk["lead"], lk["members"]) for lk in _links(t, "片区联建")]
    assert got == [("东片区", "枫林社区党委", ["枫林社区党委", "石桥社区党支部", "县图书馆党支部"]),
                   ("西片区", "县气象局机关党支部", ["县气象局机关党支部", "木桥村", "竹桥村", "县文化馆党支部"])]
    # "组长单位为X" names the lead before it
    [lk] = _links("江北片区组长单位为县审计局机关党委,江北社区党委、县档案局党支部等单位共同参与。", "片区联建")
    assert lk["group"] == "江北片区" and lk["lead"] == "县审计局机关党委"
    # a district named inside another name or after a verb is no district of its own
    assert _links("县委组织部有关负责同志到江北片区观摩。", "片区联建") == []
    assert [lk["group"] for lk in _links("由石桥村牵头,联合木桥村、竹桥村成立石桥片区党建联盟。")] == ["石桥片区党建联盟"]


def test_names_with_boundary_words_inside() -> None:
    names = _orgs("县供水公司党支部与县自来水公司党支部、柳镇农技服务站党支部联合开展活动。")
    assert names == ["县供水公司党支部", "县自来水公司党支部", "柳镇农技服务站党支部"]
    assert "市委社会工作部" in _orgs("市委组织部、市委社会工作部有关负责同志出席。")
    # an alliance named 党建联合体 is the group of its chain
    [lk] = _links("县林业局党组担任组长单位,联合柳镇机关党支部、县竹编有限公司党支部,组建竹编产业链党建联合体。")
    assert (lk["type"], lk["group"]) == ("链上联建", "竹编产业链党建联合体")
    assert "竹编产业链党建联合体" not in lk["members"]


def test_branches_set_up_under_a_committee_are_no_link() -> None:
    r = extract_text("三溪联合党委下设茶叶、竹笋2个产业党支部,吸纳党员20名。")
    assert [o["name"] for o in r["orgs"]] == ["三溪联合党委", "茶叶产业党支部", "竹笋产业党支部"]
    assert r["links"] == []


def test_subordinate_clause_is_no_side() -> None:
    # 同时 is no connective; the side in "在帮带B的同时" is not paired again
    t = "柳镇石桥村党总支实力较强,在帮带木桥村党支部的同时,还与竹桥村党支部结对,共建茶园。"
    assert _pairs(t) == [("柳镇石桥村党总支", "竹桥村党支部")]


def test_counts_of_rounds_pools_and_boxes() -> None:
    nums = extract_text("开展交叉督导3轮,建成鱼塘16口,全镇茶叶销量突破2.5万箱;两个片区累计开展活动20次。")["numbers"]
    assert [(n["value"], n["bound"], n["unit"]) for n in nums] == [
        (3.0, "=", "轮"), (16.0, "=", "口"), (25000.0, ">=", "箱"), (2.0, "=", "个"), (20.0, "=", "次")]
    # 两个 as an article is still no claim
    assert [n["value"] for n in extract_text("推行两个机制,开展活动5次。")["numbers"]] == [5.0]


def test_unit_is_the_strong_side_of_a_village_agreement() -> None:
    # the village written first, the bank or company still helps it
    assert _pairs("松坡村党支部与县邮储银行柳镇支行党支部签订村银共建协议,授信农户30户。") == [
        ("县邮储银行柳镇支行党支部", "松坡村党支部")]
    assert _pairs("竹坡村党总支与柳镇鑫达茶业有限公司党支部结成村企对子。") == [("柳镇鑫达茶业有限公司党支部", "竹坡村党总支")]
    # two villages keep the word order
    assert _pairs("竹坡村党总支与松坡村党支部结成对子。") == [("竹坡村党总支", "松坡村党支部")]


def test_jiuye_is_inside_a_name() -> None:
    assert _orgs("县就业服务中心党支部与县人社局党组联合举办招聘活动。") == ["县就业服务中心党支部", "县人社局党组"]
