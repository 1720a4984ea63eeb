"""Coverage 覆盖: hand-made graphs with answers worked out by hand, then the sample county."""
from __future__ import annotations

import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses import coverage as cov
from graphkit.testing import make_graph
from graphkit.core.errors import GraphkitError

D = pd.Timestamp
AS_OF = "2024-06-30"


def org(i, name, sector, level, cat, town=None, village=None, lax=False):
    return {"id": i, "name": name, "sector": sector, "level": level, "town": town, "village": village,
            "category": cat, "category_year": 2024, "weak_lax": lax}


@pytest.fixture(scope="module")
def g():
    """Two towns. 甲镇: villages V1 V2 V3 (orgs o1 一类, o2 三类, o3 二类+软弱涣散); 乙镇: village V4 (o4 三类) and
    community C1 (o7 二类); county agencies o5 (一类) and o6 (二类). J1 = 甲镇联村 (o1, o2); J2 = 乙镇联村 with o4
    whose membership ended 2023-06-30; district D1 (o5, o6) from 2024-01-01; pairings o5→o2 and o6→o4 from 2024-01-01."""
    places = [{"id": "t1", "name": "甲镇", "kind": "town"}, {"id": "t2", "name": "乙镇", "kind": "town"},
              {"id": "v1", "name": "一村", "kind": "village", "parent": "t1"},
              {"id": "v2", "name": "二村", "kind": "village", "parent": "t1"},
              {"id": "v3", "name": "三村", "kind": "village", "parent": "t1"},
              {"id": "v4", "name": "四村", "kind": "village", "parent": "t2"},
              {"id": "c1", "name": "五社区", "kind": "community", "parent": "t2"}]
    orgs = [org("o1", "一村党支部", "village", "village", "1", "t1", "v1"),
            org("o2", "二村党支部", "village", "village", "3", "t1", "v2"),
            org("o3", "三村党支部", "village", "village", "2", "t1", "v3", lax=True),
            org("o4", "四村党支部", "village", "village", "3", "t2", "v4"),
            org("o5", "县农业局党支部", "agency", "county", "1"),
            org("o6", "县司法局党支部", "agency", "county", "2"),
            org("o7", "五社区党支部", "community", "village", "2", "t2", "c1")]
    collabs = [{"id": "J1", "name": "甲镇联村党委", "kind": "joint_village", "town": "t1", "start": D("2023-01-01")},
               {"id": "J2", "name": "乙镇联村党委", "kind": "joint_village", "town": "t2", "start": D("2023-01-01")},
               {"id": "D1", "name": "第一片区", "kind": "district", "start": D("2024-01-01")}]
    mem = [{"member": "o1", "organization": "J1", "role": "lead"}, {"member": "o2", "organization": "J1", "role": "member"},
           {"member": "o4", "organization": "J2", "role": "lead", "end": D("2023-06-30")},
           {"member": "o5", "organization": "D1", "role": "lead"}, {"member": "o6", "organization": "D1", "role": "member"}]
    pairs = [{"strong": "o5", "weak": "o2", "form": "agency_village", "start": D("2024-01-01")},
             {"strong": "o6", "weak": "o4", "form": "agency_village", "start": D("2024-01-01")}]
    units = [{"id": "u1", "name": "甲厂", "kind": "private", "town": "t1", "has_party_org": True},
             {"id": "u2", "name": "乙厂", "kind": "private", "town": "t1", "party_org": "o1"},
             {"id": "u3", "name": "丙厂", "kind": "private", "town": "t2", "has_party_org": False, "instructor": "张三"},
             {"id": "u4", "name": "丁厂", "kind": "private", "town": "t2", "has_party_org": False},
             {"id": "u5", "name": "甲协会", "kind": "social", "town": "t1", "linked_org": "o1"},
             {"id": "u6", "name": "乙协会", "kind": "social", "town": "t2", "instructor": "  "}]
    return make_graph({"Place": places, "Organization": orgs, "Collaboration": collabs, "Membership": mem,
                       "Pairing": pairs, "Unit": units})


def by_name(df):
    return df.set_index("group_name")


def test_coverage_overall_counts_each_mechanism(g):
    c = cov.coverage(g, as_of=AS_OF, by=None).iloc[0]
    # covered: o1 o2 (J1), o5 o6 (D1 and pairing), o4 (pairing); o4's J2 membership ended, o3 and o7 nothing
    assert (c["orgs"], c["covered"]) == (7, 5)
    assert c["share"] == pytest.approx(5 / 7)
    assert (c["n_joint_village"], c["n_district"], c["n_pairing"], c["n_chain_alliance"], c["n_service_team"]) == (2, 2, 4, 0, 0)
    assert c["share_pairing"] == pytest.approx(4 / 7)


def test_coverage_by_town_and_category(g):
    t = by_name(cov.coverage(g, as_of=AS_OF, by="town"))
    assert t.loc["甲镇", ["orgs", "covered", "n_joint_village"]].tolist() == [3, 2, 2]
    assert t.loc["乙镇", ["orgs", "covered", "n_pairing"]].tolist() == [2, 1, 1]
    assert t.loc["（未填）", ["orgs", "covered", "n_district"]].tolist() == [2, 2, 2]
    assert t.index[-1] == "（未填）"  # orgs without a town come last
    c = cov.coverage(g, as_of=AS_OF, by="category")
    assert c["group_name"].tolist() == ["一类", "二类", "三类"]  # declared order
    assert c[["orgs", "covered"]].values.tolist() == [[2, 2], [3, 1], [2, 2]]
    lv = by_name(cov.coverage(g, as_of=AS_OF, by="level"))
    assert lv.loc["县", "covered"] == 2 and lv.loc["村", "orgs"] == 5


def test_coverage_depends_on_the_date(g):
    # 2023-03-01: the district and both pairings had not started; J2 still had o4
    c = cov.coverage(g, as_of="2023-03-01", by=None).iloc[0]
    assert (c["covered"], c["n_joint_village"], c["n_district"], c["n_pairing"]) == (3, 3, 0, 0)


def test_village_coverage(g):
    v = by_name(cov.village_coverage(g, as_of=AS_OF))
    assert v.loc["甲镇", ["committees", "villages", "villages_covered", "uncovered_villages"]].tolist() == [1, 3, 2, "三村"]
    assert v.loc["乙镇", ["committees", "villages", "villages_covered", "uncovered_villages"]].tolist() == [0, 1, 0, "四村"]
    total = cov.village_coverage(g, as_of=AS_OF, by=None).iloc[0]
    assert (total["committees"], total["villages"], total["villages_covered"]) == (1, 4, 2)
    with_comm = cov.village_coverage(g, as_of=AS_OF, by=None, kinds=("village", "community")).iloc[0]
    assert with_comm["villages"] == 5


def test_weak_coverage(g):
    w = cov.weak_coverage(g, as_of=AS_OF, by=None).iloc[0]
    # weak: o2 (三类), o3 (软弱涣散), o4 (三类); paired: o2 (by 一类 o5), o4 (by 二类 o6)
    assert w[["weak_orgs", "third_class", "weak_lax", "paired", "paired_strong"]].tolist() == [3, 2, 1, 2, 1]
    assert w["share_strong"] == pytest.approx(1 / 3)
    t = by_name(cov.weak_coverage(g, as_of=AS_OF, by="town"))
    assert t.loc["乙镇", ["weak_orgs", "paired", "paired_strong"]].tolist() == [1, 1, 0]


def test_two_coverages(g):
    t = cov.two_coverages(g, by=None).set_index("unit_kind")
    assert t.loc["private", ["units", "org_covered", "work_covered"]].tolist() == [4, 2, 3]
    assert t.loc["social", ["units", "org_covered", "work_covered"]].tolist() == [2, 0, 1]  # a blank instructor is none
    town = cov.two_coverages(g, by="town")
    rows = {(r.group_name, r.unit_kind): (r.units, r.org_covered, r.work_covered) for r in town.itertuples()}
    assert rows == {("甲镇", "private"): (2, 2, 2), ("甲镇", "social"): (1, 0, 1), ("乙镇", "private"): (2, 0, 1),
                    ("乙镇", "social"): (1, 0, 0)}


def test_chain_stage_coverage_flags_empty_stages():
    g = make_graph({
        "Organization": [org("a", "甲", "agency", "county", "1"), org("b", "乙", "village", "village", "2"),
                         org("c", "丙", "private", "town", "1")],
        "IndustryChain": [{"id": "ch", "name": "茶叶"}],
        "ChainStage": [{"id": f"s{i}", "name": n, "chain": "ch", "order": i} for i, n in enumerate(["育苗", "种植", "加工"], 1)],
        "Collaboration": [{"id": "K", "name": "茶叶产业链党委", "kind": "chain_alliance", "chain": "ch"}],
        "Membership": [{"member": "a", "organization": "K", "role": "lead", "stage": "s1"},
                       {"member": "b", "organization": "K", "role": "member", "stage": "s1"},
                       {"member": "c", "organization": "K", "role": "member", "stage": "s3", "end": D("2024-01-31")}],
    })
    s = cov.chain_stage_coverage(g, as_of=AS_OF)
    assert s["stage"].tolist() == ["育苗", "种植", "加工"]
    assert s["members"].tolist() == [2, 0, 0]  # c left the 加工 stage before the date
    assert s["no_presence"].tolist() == [False, True, True]
    assert s.loc[0, "member_names"] == "乙、甲"


def test_bad_arguments_are_user_errors(g):
    with pytest.raises(GraphkitError, match="by="):
        cov.coverage(g, by="province")
    with pytest.raises(GraphkitError, match="日期"):
        cov.coverage(g, as_of="30/06/2024 noon")


def test_empty_graph():
    e = make_graph({})
    assert cov.coverage(e, by="town").empty
    assert cov.coverage(e, by=None)["orgs"].tolist() == [0]


# ---- the sample county (EXPECTED.md) ------------------------------------------------------------

def test_sample_county_coverage(sample_graph: gk.Graph):
    v = cov.village_coverage(sample_graph, by=None).iloc[0]
    assert (v["committees"], v["villages_covered"]) == (12, 51)  # 12 个联村党组织覆盖 51 个村
    t = cov.two_coverages(sample_graph, by=None).set_index("unit_kind")
    assert t.loc["private", ["units", "org_covered", "work_covered"]].tolist() == [150, 65, 122]
    assert t.loc["social", ["units", "org_covered", "work_covered"]].tolist() == [40, 15, 32]
    s = cov.chain_stage_coverage(sample_graph)
    assert s.loc[s["no_presence"], ["chain", "stage"]].values.tolist() == [["蚕桑", "烘茧"]]
    w = cov.weak_coverage(sample_graph, by=None).iloc[0]
    assert (w["weak_orgs"], w["weak_orgs"] - w["paired"]) == (99, 82)  # 99 三类, 82 without an active pairing
    for by in (None, "town", "sector", "category", "level"):
        c = cov.coverage(sample_graph, by=by)
        assert c["share"].between(0, 1).all()
        assert int(c["orgs"].sum()) == 568


def test_seed_facts_hanyin():
    """Seed 003: the fisheries firm 永丰生态农业 is reached by 军坝村党总支 (村企联) but has no party org of its own;
    军坝村党总支 is in the 生态渔业 alliance, whose four stages the report names but assigns to no one."""
    g = gk.build_graph(gk.sample_path("seed_facts") / "汉阴县")
    t = cov.two_coverages(g, by=None).iloc[0]
    assert (t["unit_kind"], t["units"], t["org_covered"], t["work_covered"]) == ("private", 1, 0, 1)
    s = cov.chain_stage_coverage(g)
    assert s["stage"].tolist() == ["鱼苗繁育", "成鱼养殖", "产品加工", "产品销售"] and s["no_presence"].all()
    c = cov.coverage(g, by=None).iloc[0]
    assert c["n_chain_alliance"] == 1


def test_two_coverages_counts_by_town_and_kind():
    """A blank instructor is no work coverage; a unit without a kind is left out; 乙镇 sorts before 甲镇."""
    places = [{"id": "t1", "name": "甲镇", "kind": "town"}, {"id": "t2", "name": "乙镇", "kind": "town"}]
    units = [{"id": "u1", "name": "一厂", "kind": "private", "town": "t1", "has_party_org": True},
             {"id": "u2", "name": "二厂", "kind": "private", "town": "t1", "instructor": "  "},
             {"id": "u3", "name": "三厂", "kind": "private", "town": "t1", "instructor": "李某"},
             {"id": "u4", "name": "四厂", "kind": None, "town": "t1", "has_party_org": True},
             {"id": "u5", "name": "五协会", "kind": "social", "town": "t2", "linked_org": "o1"}]
    g = make_graph({"Place": places, "Unit": units, "Organization": [org("o1", "一村党支部", "village", "village", "1", "t2")]})
    t = cov.two_coverages(g, by="town")
    assert t[["group_name", "unit_kind", "units", "org_covered", "work_covered"]].values.tolist() == [
        ["乙镇", "social", 1, 0, 1], ["甲镇", "private", 3, 1, 2]]
    assert t["work_share"].tolist() == [1.0, pytest.approx(2 / 3)]
    overall = cov.two_coverages(g, by=None)
    assert overall[["unit_kind", "units", "org_covered", "work_covered"]].values.tolist() == [
        ["private", 3, 1, 2], ["social", 1, 0, 1]]
