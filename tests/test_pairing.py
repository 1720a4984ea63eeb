"""Pairing gaps and suggestions: hand-made graphs worked out by hand, then the sample county."""
from __future__ import annotations

import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses import pairing
from graphkit.testing import make_graph
from graphkit.core.errors import GraphkitError

D = pd.Timestamp
AS_OF = "2024-06-30"


def org(i, cat, *, town=None, level="village", sector="village", lax=False, name=None):
    # no category_year: the roster's category holds on every date
    return {"id": i, "name": name or f"{i}党支部", "sector": sector, "level": level, "town": town, "category": cat,
            "weak_lax": lax}


@pytest.fixture(scope="module")
def gaps_graph():
    orgs = [org("s1", "1", town="t1"), org("s2", "1", level="county", sector="agency"),
            org("s3", "2", level="county", sector="agency"),
            org("w1", "3", town="t1"), org("w2", "3", town="t1"), org("w3", "3", town="t2"), org("w4", "2", town="t1", lax=True),
            org("w5", "3", level="county", sector="agency"), org("x", "1", town="t2", lax=True)]
    pairs = [
        {"id": "p1", "strong": "s1", "weak": "w1", "form": "strong_weak_village", "start": D("2023-01-01")},
        {"id": "p2", "strong": "s1", "weak": "w2", "form": "strong_weak_village", "start": D("2024-03-01")},
        {"id": "p3", "strong": "s1", "weak": "w3", "form": "strong_weak_village", "start": D("2024-05-01")},
        {"id": "p4", "strong": "s3", "weak": "w4", "form": "agency_village", "start": D("2024-01-15")},
        {"id": "p5", "strong": "s2", "weak": "w5", "form": "class1_class3", "start": D("2022-01-01"), "end": D("2023-06-30")},
        {"id": "p6", "strong": "s2", "weak": "w1", "form": "agency_village", "start": D("2021-01-01"), "end": D("2022-12-31")},
    ]
    collabs = [{"id": "D1", "name": "第一片区", "kind": "district"}, {"id": "D2", "name": "第二片区", "kind": "district"},
               {"id": "S1", "name": "第一服务队", "kind": "service_team"}, {"id": "J1", "name": "联村党委", "kind": "joint_village"}]
    mem = [{"member": "s3", "organization": "D1", "role": "lead"}, {"member": "w5", "organization": "D1", "role": "member"},
           {"member": "s2", "organization": "D2", "role": "lead"}, {"member": "s3", "organization": "D2", "role": "member"},
           {"member": "s3", "organization": "S1", "role": "member"}, {"member": "w4", "organization": "S1", "role": "member"},
           {"member": "w1", "organization": "J1", "role": "lead"}, {"member": "w2", "organization": "J1", "role": "member"}]
    return make_graph({"Organization": orgs, "Pairing": pairs, "Collaboration": collabs, "Membership": mem})


def test_unpaired_weak(gaps_graph):
    u = pairing.pairing_gaps(gaps_graph, as_of=AS_OF)["unpaired_weak"]
    # w4 is 软弱涣散 paired only with 二类 s3; w5's pairing ended; x is 一类 but 软弱涣散, so weak
    assert dict(zip(u["org_id"], u["reason"])) == {"w4": "partner_not_strong", "w5": "no_pairing", "x": "no_pairing"}
    assert u.set_index("org_id").loc["w4", "partners"] == "s3党支部"


def test_weak_strong_side_and_overloaded(gaps_graph):
    gaps = pairing.pairing_gaps(gaps_graph, as_of=AS_OF)
    ws = gaps["weak_strong_side"]
    assert ws[["pair_id", "strong_id", "weak_id", "reason"]].values.tolist() == [["p4", "s3", "w4", "class2"]]
    ov = gaps["overloaded_strong"]
    assert ov[["org_id", "pairs", "capacity"]].values.tolist() == [["s1", 3, 2]]
    assert ov.loc[0, "weak_names"] == "w1党支部、w2党支部、w3党支部"
    assert pairing.pairing_gaps(gaps_graph, as_of=AS_OF, max_per_strong=3)["overloaded_strong"].empty


def test_groups_without_anchor(gaps_graph):
    g = pairing.pairing_gaps(gaps_graph, as_of=AS_OF)["groups_without_anchor"]
    assert dict(zip(g["collab_id"], g["problem"])) == {"D1": "no_class1;lead_not_class1", "S1": "no_class1;no_lead"}
    everything = pairing.pairing_gaps(gaps_graph, as_of=AS_OF, anchor_kinds=("joint_village",))["groups_without_anchor"]
    assert everything["collab_id"].tolist() == ["J1"]
    with pytest.raises(GraphkitError, match="联建类型"):
        pairing.pairing_gaps(gaps_graph, anchor_kinds=("committee",))


def test_rotation_and_ended(gaps_graph):
    gaps = pairing.pairing_gaps(gaps_graph, as_of=AS_OF)
    due = gaps["due_for_rotation"]
    assert due["pair_id"].tolist() == ["p1"]  # started 2023-01-01: a year is up on 2024-01-01
    assert due.loc[0, "due_date"] == D("2024-01-01")
    assert due.loc[0, "years_active"] == pytest.approx(1.5, abs=0.05)
    every = pairing.pairing_gaps(gaps_graph, as_of=AS_OF, rotation_years=0)["due_for_rotation"]
    assert sorted(every["pair_id"]) == ["p1", "p2", "p3", "p4"]
    ended = gaps["ended_without_successor"]
    # p6 ended 2022-12-31 but w1 has p1 afterwards; p5 left w5 alone
    assert ended[["pair_id", "weak_id", "still_weak"]].values.tolist() == [["p5", "w5", True]]


def test_dates_matter(gaps_graph):
    early = pairing.pairing_gaps(gaps_graph, as_of="2023-03-01")
    # then p5 and p1 were active, p2–p4 not started; w2, w3 unpaired; w4 and x were unpaired too
    assert sorted(early["unpaired_weak"]["org_id"]) == ["w2", "w3", "w4", "x"]
    assert early["ended_without_successor"].empty  # p6's weak org w1 was followed by p1


# ---- suggestions ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def trap():
    """Greedy (w1 first, cheapest partner) would give w1→S1 (cost 1) and w2→S2 (cost 5) = 6. The optimum
    is w1→S2 (4: other town, same level, shared chain) and w2→S1 (1: same town, no chain) = 5."""
    orgs = [org("S1", "1", town="t1", name="甲村党支部"), org("S2", "1", town="t2", name="乙村党支部"),
            org("w1", "3", town="t1", name="丙村党支部"), org("w2", "3", town="t1", name="丁村党支部")]
    collabs = [{"id": "K", "name": "茶叶联盟", "kind": "chain_alliance", "chain": "ch"}]
    mem = [{"member": "w1", "organization": "K", "role": "member"}, {"member": "S2", "organization": "K", "role": "member"}]
    return make_graph({"Organization": orgs, "Collaboration": collabs, "Membership": mem,
                       "IndustryChain": [{"id": "ch", "name": "茶叶"}]})


def pairs_of(s):
    return dict(zip(s["weak_id"], s["strong_id"]))


def test_suggestion_is_optimal_not_greedy(trap):
    s = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=1)
    assert pairs_of(s) == {"w1": "S2", "w2": "S1"}
    assert dict(zip(s["weak_id"], s["cost"])) == {"w1": 4, "w2": 1}
    r = s.set_index("weak_id")
    assert r.loc["w1", "shared_chain"] == "茶叶" and not r.loc["w1", "same_town"]
    assert "同属茶叶产业链" in r.loc["w1", "reason"] and "跨镇" in r.loc["w1", "reason"]
    assert r.loc["w2", "reason"].startswith("同镇")


def test_suggestion_capacity_and_rules(trap):
    both = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=2)
    assert pairs_of(both) == {"w1": "S1", "w2": "S1"}  # room for two: both take the same-town partner
    none = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=0)
    assert none["strong_id"].isna().all() and none["cost"].isna().all()
    assert none["reason"].str.contains("no strong org").all()
    forb = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=1, forbidden=[("丁村党支部", "甲村党支部")])
    assert pairs_of(forb) == {"w1": "S1", "w2": "S2"}
    forb2 = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=2, forbidden=[("S1", "w1"), ("w2", "S1")])
    assert pairs_of(forb2) == {"w1": "S2", "w2": "S2"}
    with pytest.raises(GraphkitError, match="找不到党组织"):
        pairing.suggest_pairings(trap, forbidden=[("w1", "no such org")])


def test_same_sector_rule():
    orgs = [org("S1", "1", town="t1", sector="agency", level="town"), org("S2", "1", town="t2", sector="village"),
            org("w1", "3", town="t1", sector="village")]
    g = make_graph({"Organization": orgs})
    assert pairs_of(pairing.suggest_pairings(g, as_of=AS_OF)) == {"w1": "S1"}
    assert pairs_of(pairing.suggest_pairings(g, as_of=AS_OF, same_sector=True)) == {"w1": "S2"}


def test_former_partners_avoided_and_existing_load_counts():
    orgs = [org("S1", "1", town="t1"), org("S2", "1", town="t2"), org("w1", "3", town="t1"), org("w2", "3", town="t2"),
            org("w9", "3", town="t2")]
    pairs = [{"strong": "S1", "weak": "w1", "form": "other", "start": D("2022-01-01"), "end": D("2023-12-31")},
             {"strong": "S2", "weak": "w9", "form": "other", "start": D("2024-01-01")}]
    g = make_graph({"Organization": orgs, "Pairing": pairs})
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=1)
    # S2 is full (w9); S1 is w1's former partner → w1 gets nobody, w2 takes S1
    assert pairs_of(s) == {"w1": None, "w2": "S1"}
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=1, avoid_previous=False)
    assert s.set_index("weak_id").loc["w1", "strong_id"] == "S1"


def test_suggestions_are_deterministic(trap):
    a = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=2, seed=3)
    b = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=2, seed=3)
    pd.testing.assert_frame_equal(a, b)


# ---- the sample county (EXPECTED.md) ------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_gaps(sample_graph: gk.Graph):
    return pairing.pairing_gaps(sample_graph)


UNPAIRED_VILLAGES = ["云台乡光庙村党支部", "双河镇桃园社区党总支", "安澜街道云春村党支部", "安澜街道兴安社区党支部",
                     "安澜街道桑川社区党支部", "安澜街道滩垣社区党总支", "枫林镇峰坎村党总支", "柳坪镇双阳村党总支",
                     "柳坪镇滩岭村党支部", "桃源镇大坡村党支部", "梅岭镇绿坎村党总支", "白鹤乡兴坝村党支部",
                     "金桥镇长平村党总支", "青溪镇新畈村党支部", "青溪镇黄峰村党支部"]  # EXPECTED.md


def test_sample_county_gaps(sample_graph: gk.Graph, sample_gaps):
    ws = sample_gaps["weak_strong_side"]
    assert ws[["strong_name", "weak_name", "strong_category"]].values.tolist() == [
        ["示例县移民搬迁工作办公室机关党支部", "枫林镇沙畈村党总支", "2"]]
    ended = sample_gaps["ended_without_successor"]
    assert ended[["strong_name", "weak_name"]].values.tolist() == [["示例县住房和城乡建设局机关党支部", "示例县水务集团有限公司党支部"]]
    assert "金桥镇石门村党总支" not in set(ended["weak_name"])  # rotated, not dropped
    ov = sample_gaps["overloaded_strong"].set_index("name")
    assert ov.loc["示例县农业农村局党委", "pairs"] == 4  # adopts three villages (机关联村) and helps one 三类 (一类带三类)
    assert ov.loc["示例县农业农村局党委", "weak_names"].count("村") == 3
    u = sample_gaps["unpaired_weak"]
    orgs = sample_graph.orgs.set_index("id")
    top = u["org_id"].map(orgs["parent"]).map(orgs["level"]) != "village"  # the village's own org, not a sub-branch
    villages = u[(u["level"] == "village") & (u["category"] == "3") & (u["reason"] == "no_pairing") & top]
    assert sorted(villages["name"]) == sorted(UNPAIRED_VILLAGES)
    assert u.set_index("name").loc["安澜街道云春村党支部", "weak_lax"]
    assert int((u["category"] == "3").sum()) == 83  # 82 with no pairing + 沙畈村 whose partner is 二类


def test_sample_county_suggestions_respect_capacity(sample_graph: gk.Graph, sample_gaps):
    s = pairing.suggest_pairings(sample_graph, capacity=2)
    assert set(s["weak_id"]) == set(sample_gaps["unpaired_weak"]["org_id"])
    got = s.dropna(subset=["strong_id"]).groupby("strong_id").size()
    load = s.dropna(subset=["strong_id"]).groupby("strong_id")["load"].first()
    assert ((got + load) <= 2).all()
    assert s["cost"].dropna().between(0, 7).all()


# ---- the min-cost flow (the solver used at province scale) ------------------------------------------

def test_flow_matches_the_assignment_on_the_trap(trap):
    for cap in (0, 1, 2):
        f = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=cap, method="flow")
        a = pairing.suggest_pairings(trap, as_of=AS_OF, capacity=cap, method="assignment")
        assert f["strong_id"].notna().sum() == a["strong_id"].notna().sum()
        assert int(f["cost"].sum()) == int(a["cost"].sum())
    assert pairs_of(pairing.suggest_pairings(trap, as_of=AS_OF, capacity=1, method="flow")) == {"w1": "S2", "w2": "S1"}


def test_flow_prefers_the_less_loaded_strong_org():
    # S1 and S2 are interchangeable (same town, level, no chain); S1 already carries one pair
    orgs = [org("S1", "1", town="t1"), org("S2", "1", town="t1"), org("w1", "3", town="t1"), org("w9", "3", town="t1")]
    pairs = [{"strong": "S1", "weak": "w9", "form": "other", "start": D("2024-01-01")}]
    g = make_graph({"Organization": orgs, "Pairing": pairs})
    for seed in range(4):
        s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=2, method="flow", seed=seed)
        assert pairs_of(s) == {"w1": "S2"}
        assert int(s["load"].iloc[0]) == 0


def test_flow_honours_many_forbidden_pairs_in_one_hub():
    """Ten strong orgs in one town, each the former partner of some weak org there: the forbidden
    classes sit in the same hubs (town and county-wide), several per weak org."""
    strong = [org(f"S{i}", "1", town="t1") for i in range(10)]
    weak = [org(f"w{i}", "3", town="t1") for i in range(8)] + [org("x1", "3", town="t2")]
    ended = [(f"S{i}", f"w{j}") for j in range(8) for i in range(10) if (i + j) % 3 != 0]
    pairs = [{"strong": s, "weak": w, "form": "other", "start": D("2021-01-01"), "end": D("2022-12-31")} for s, w in ended]
    g = make_graph({"Organization": strong + weak, "Pairing": pairs})
    forbidden = [("x1", "S0"), ("x1", "S5")]
    for cap in (1, 2):
        f = pairing.suggest_pairings(g, as_of=AS_OF, capacity=cap, method="flow", forbidden=forbidden)
        a = pairing.suggest_pairings(g, as_of=AS_OF, capacity=cap, method="assignment", forbidden=forbidden)
        bad = {frozenset(p) for p in ended} | {frozenset(p) for p in forbidden}
        got = f.dropna(subset=["strong_id"])
        assert not any(frozenset(p) in bad for p in zip(got["weak_id"], got["strong_id"]))
        assert (got.groupby("strong_id").size() <= cap).all()
        assert len(got) == a["strong_id"].notna().sum() == 9
        assert int(got["cost"].sum()) == int(a["cost"].sum())


def test_flow_is_deterministic_and_seeded():
    orgs = [org(f"S{i}", "1", town=f"t{i % 3}") for i in range(12)] + [org(f"w{i}", "3", town="t9") for i in range(6)]
    g = make_graph({"Organization": orgs})
    a = pairing.suggest_pairings(g, as_of=AS_OF, capacity=1, method="flow", seed=7)
    b = pairing.suggest_pairings(g, as_of=AS_OF, capacity=1, method="flow", seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert a["strong_id"].notna().all() and a["strong_id"].is_unique
    assert (a["cost"] == 5).all()  # other town (4), same level (0), no shared chain (1)
    picks = {tuple(pairing.suggest_pairings(g, as_of=AS_OF, capacity=1, method="flow", seed=s)["strong_id"]) for s in range(6)}
    assert len(picks) > 1  # equal candidates are taken in a seeded order
