"""Clusters, chain alliances, brokers and isolated orgs: hand-made graphs, seed facts, sample county."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses import clusters
from graphkit.testing import make_graph

D = pd.Timestamp
AS_OF = "2024-06-30"


def org(i, *, sector="agency", level="county", town=None, cat="2"):
    return {"id": i, "name": f"{i}党支部", "sector": sector, "level": level, "town": town, "category": cat}


@pytest.fixture(scope="module")
def three_groups():
    """D1 = {a, b, c}, D2 = {d, e, f}, a lone pair g→h, and i with no link (plus a group that ended)."""
    orgs = [org(x) for x in "abcdefghi"]
    collabs = [{"id": "D1", "name": "第一片区", "kind": "district"}, {"id": "D2", "name": "第二片区", "kind": "district"},
               {"id": "D0", "name": "旧片区", "kind": "district", "end": D("2023-12-31")}]
    mem = [{"member": x, "organization": "D1", "role": "member"} for x in "abc"]
    mem += [{"member": x, "organization": "D2", "role": "member"} for x in "def"]
    mem += [{"member": x, "organization": "D0", "role": "member"} for x in "ci"]
    pairs = [{"strong": "g", "weak": "h", "form": "other", "start": D("2024-01-01")}]
    return make_graph({"Organization": orgs, "Collaboration": collabs, "Membership": mem, "Pairing": pairs})


@pytest.mark.parametrize("backend", ["leiden", "louvain"])
def test_detect_clusters_finds_the_groups(three_groups, backend):
    c = clusters.detect_clusters(three_groups, as_of=AS_OF, seed=0, backend=backend)
    assert c.attrs["backend"] == backend
    groups = c.groupby("cluster")["org_id"].apply(lambda s: "".join(sorted(s))).to_dict()
    # numbered by size, then by smallest org id
    assert groups == {1: "abc", 2: "def", 3: "gh"}
    assert c.set_index("org_id").loc["a", "cluster_size"] == 3
    assert "i" not in set(c["org_id"])  # no active link


def test_link_graph_is_bipartite_not_a_projection():
    orgs = [org(f"o{i:02d}") for i in range(40)]
    mem = [{"member": o["id"], "organization": "K", "role": "member"} for o in orgs]
    g = make_graph({"Organization": orgs, "Collaboration": [{"id": "K", "name": "大联盟", "kind": "chain_alliance"}],
                    "Membership": mem})
    o, c, src, dst = clusters.link_graph(g, as_of=AS_OF)
    assert (len(o), len(c), len(src)) == (40, 1, 40)  # 40 member edges, not 40·39/2 org–org edges
    assert set(dst) == {40}


@pytest.fixture(scope="module")
def bridged():
    """Two alliances of ten orgs each (K1: a00–a09, K2: b00–b09) joined by one pairing a09→b00, plus
    a lone pair x→y: the big component is worth splitting, the pair is not."""
    orgs = [org(f"a{i:02d}") for i in range(10)] + [org(f"b{i:02d}") for i in range(10)] + [org("x"), org("y")]
    collabs = [{"id": "K1", "name": "甲联盟", "kind": "chain_alliance"}, {"id": "K2", "name": "乙联盟", "kind": "chain_alliance"}]
    mem = [{"member": f"a{i:02d}", "organization": "K1", "role": "member"} for i in range(10)]
    mem += [{"member": f"b{i:02d}", "organization": "K2", "role": "member"} for i in range(10)]
    pairs = [{"strong": "a09", "weak": "b00", "form": "other", "start": D("2024-01-01")},
             {"strong": "x", "weak": "y", "form": "other", "start": D("2024-01-01")}]
    return make_graph({"Organization": orgs, "Collaboration": collabs, "Membership": mem, "Pairing": pairs})


@pytest.mark.parametrize("backend", ["leiden", "louvain"])
def test_a_bridged_component_is_split(bridged, backend):
    # one component of 22 nodes and 21 links is split (the modularity optimum: each alliance
    # without its bridging member, and the bridging pair on its own); the lone pair stays whole
    c = clusters.detect_clusters(bridged, as_of=AS_OF, seed=3, backend=backend)
    groups = c.groupby("cluster")["org_id"].apply(lambda s: " ".join(sorted(s))).to_dict()
    assert groups == {1: " ".join(f"a{i:02d}" for i in range(9)), 2: " ".join(f"b{i:02d}" for i in range(1, 10)),
                      3: "a09 b00", 4: "x y"}
    pd.testing.assert_frame_equal(c, clusters.detect_clusters(bridged, as_of=AS_OF, seed=3, backend=backend))


def test_small_components_stay_whole_without_leiden(three_groups, monkeypatch):
    # every component of three_groups is too small to be worth splitting: Leiden is not even run
    import igraph

    def fail(*args, **kwargs):
        raise AssertionError("Leiden should not run")

    monkeypatch.setattr(igraph.Graph, "community_leiden", fail)
    c = clusters.detect_clusters(three_groups, as_of=AS_OF, backend="leiden")
    assert c.groupby("cluster")["org_id"].apply(lambda s: "".join(sorted(s))).to_dict() == {1: "abc", 2: "def", 3: "gh"}


def test_link_graph_drops_duplicate_links():
    orgs = [org("a"), org("b")]
    mem = [{"member": "a", "organization": "K", "role": "member"}] * 2
    pairs = [{"strong": "a", "weak": "b", "form": "other"}, {"strong": "b", "weak": "a", "form": "other"}]
    g = make_graph({"Organization": orgs, "Collaboration": [{"id": "K", "name": "联盟", "kind": "chain_alliance"}],
                    "Membership": mem, "Pairing": pairs})
    o, c, src, dst = clusters.link_graph(g, as_of=AS_OF)
    assert o.tolist() == ["a", "b"] and c.tolist() == ["K"]
    assert list(zip(src.tolist(), dst.tolist())) == [(0, 1), (0, 2)]


def test_clusters_are_deterministic(three_groups):
    a = clusters.detect_clusters(three_groups, as_of=AS_OF, seed=7)
    b = clusters.detect_clusters(three_groups, as_of=AS_OF, seed=7)
    pd.testing.assert_frame_equal(a, b)


def test_isolated(three_groups):
    iso = clusters.isolated(three_groups, as_of=AS_OF)
    assert dict(zip(iso["org_id"], iso["status"])) == {"i": "no_link", "g": "small_component", "h": "small_component"}
    assert iso.set_index("org_id").loc["g", "component_size"] == 2
    assert set(clusters.isolated(three_groups, as_of=AS_OF, min_component=2)["org_id"]) == {"i"}
    # in 2023 the old district linked c and i, so i was not alone
    assert "i" not in set(clusters.isolated(three_groups, as_of="2023-06-30", min_component=1)["org_id"])


@pytest.fixture(scope="module")
def chains_graph():
    """Two chains. 茶叶 alliance T: lead x (county agency), m (city institution, stage 育苗), v (village, 种植), f (private
    firm, town level, 加工). 蚕桑 alliance S: x, v, and y (county agency) with stage 种桑 only. District D: x, y."""
    orgs = [org("x", cat="1"), org("y"), org("m", sector="institution", level="city"),
            org("v", sector="village", level="village", town="t1", cat="3"), org("f", sector="private", level="town", town="t1")]
    stages = [{"id": f"t{i}", "name": n, "chain": "tea", "order": i} for i, n in enumerate(["育苗", "种植", "加工", "销售"], 1)]
    stages += [{"id": f"s{i}", "name": n, "chain": "silk", "order": i} for i, n in enumerate(["种桑", "养蚕"], 1)]
    collabs = [{"id": "T", "name": "茶叶产业链党委", "kind": "chain_alliance", "chain": "tea"},
               {"id": "S", "name": "蚕桑产业链党委", "kind": "chain_alliance", "chain": "silk"},
               {"id": "D", "name": "第一片区", "kind": "district"}]
    mem = [{"member": "x", "organization": "T", "role": "lead"}, {"member": "m", "organization": "T", "role": "member", "stage": "t1"},
           {"member": "v", "organization": "T", "role": "member", "stage": "t2"},
           {"member": "f", "organization": "T", "role": "member", "stage": "t3"},
           {"member": "x", "organization": "S", "role": "member"}, {"member": "v", "organization": "S", "role": "member"},
           {"member": "y", "organization": "S", "role": "lead", "stage": "s1"},
           {"member": "x", "organization": "D", "role": "lead"}, {"member": "y", "organization": "D", "role": "member"}]
    return make_graph({"Organization": orgs, "ChainStage": stages, "Collaboration": collabs, "Membership": mem,
                       "IndustryChain": [{"id": "tea", "name": "茶叶"}, {"id": "silk", "name": "蚕桑"}]})


def test_chain_alliances(chains_graph):
    a = clusters.chain_alliances(chains_graph, as_of=AS_OF).set_index("name")
    tea = a.loc["茶叶产业链党委"]
    assert (tea["members"], tea["stages_total"], tea["stages_covered"], tea["missing_stages"]) == (4, 4, 3, "销售")
    assert tea["completeness"] == pytest.approx(0.75)
    assert (tea["levels"], tea["missing_levels"]) == ("市、县、镇、村", "")
    assert tea["sectors"] == "机关、农村、非公企业、事业单位"  # declared order of the sector code list
    assert tea["lead_names"] == "x党支部"
    silk = a.loc["蚕桑产业链党委"]
    assert (silk["stages_covered"], silk["missing_stages"], silk["levels"], silk["missing_levels"]) == (1, "养蚕", "县、村", "市、镇")


def test_brokers(chains_graph):
    b = clusters.brokers(chains_graph, as_of=AS_OF).set_index("org_id")
    assert list(b.index) == ["x", "y", "v"]  # x: three groups; y: two groups of two kinds; v: two alliances
    assert (b.loc["x", "n_groups"], b.loc["x", "n_chains"], b.loc["x", "bridges"]) == (3, 2, "chains")
    assert b.loc["x", "groups"] == "第一片区、茶叶产业链党委、蚕桑产业链党委"
    assert b.loc["y", "bridges"] == "mechanisms"  # 片区 + alliance, one chain
    assert b.loc["v", "bridges"] == "chains"
    assert clusters.brokers(chains_graph, as_of=AS_OF, min_groups=3)["org_id"].tolist() == ["x"]


def test_describe_clusters(chains_graph):
    c = clusters.detect_clusters(chains_graph, as_of=AS_OF, seed=1)
    d = clusters.describe_clusters(chains_graph, c, as_of=AS_OF)
    assert int(d["size"].sum()) == 5
    assert int(d["collaborations"].sum()) == 3  # every group is assigned to one cluster
    assert set(d["dominant_chain"].dropna()) <= {"茶叶", "蚕桑"}
    assert d["chain_share"].dropna().between(0, 1).all()


# ---- seed facts and the sample county -----------------------------------------------------------

def test_seed_facts_sericulture_alliance():
    g = gk.build_graph(gk.sample_path("seed_facts") / "石泉县")
    a = clusters.chain_alliances(g).iloc[0]
    # seed 001: six branches spanning 市、县、镇、村 and (where stated) 机关、农村; stages 种养收烘产, none assigned
    assert (a["chain"], a["members"], a["lead_names"]) == ("蚕桑", 6, "县科协机关党支部")
    assert (a["levels"], a["n_levels"], a["missing_levels"]) == ("市、县、镇、村", 4, "")
    assert {"机关", "农村"} <= set(a["sectors"].split("、"))
    assert (a["stages_total"], a["stages_covered"]) == (5, 0)


def test_sample_county_clusters(sample_graph: gk.Graph):
    a = clusters.chain_alliances(sample_graph).set_index("chain")
    assert a.loc["蚕桑", "missing_stages"] == "烘茧"
    assert a.loc["蚕桑", "members"] == 8 and a.loc["生态渔业", "members"] == 12
    assert a.loc["蚕桑", "levels"] == "市、县、镇、村"
    b = clusters.brokers(sample_graph)
    assert "示例县科协机关党支部" in set(b["name"])  # 第八片区 and the sericulture alliance
    c1 = clusters.detect_clusters(sample_graph, seed=0)
    c2 = clusters.detect_clusters(sample_graph, seed=0)
    pd.testing.assert_frame_equal(c1, c2)
    iso = clusters.isolated(sample_graph)
    assert set(c1["org_id"]).isdisjoint(iso.loc[iso["status"] == "no_link", "org_id"])
    assert len(c1) + int((iso["status"] == "no_link").sum()) == sample_graph.count("Organization")


def test_plain_joins_match_python_joins() -> None:
    """toolkit.join_by_code(plain=True) joins with pyarrow when every value is a str: same texts."""
    from graphkit.analyses.toolkit import SEP
    from graphkit.analyses.toolkit import join_by_code

    rng = np.random.default_rng(7)
    words = np.array(["甲村 3", "", "乙镇 12", "a、b", "x" * 40, "（未填） 1"], dtype=object)
    groups = rng.integers(-1, 50, 2000)
    values = words[rng.integers(0, len(words), 2000)]
    got = join_by_code(groups, 55, values, empty=None, plain=True)
    for k in range(55):
        rows = [v for gi, v in zip(groups, values) if gi == k]
        assert got[k] == (SEP.join(rows) if rows else None)
    mixed = values.copy()
    mixed[3] = None  # not all str: the Python path, which refuses a None as str.join does
    groups[3] = 0
    with pytest.raises(TypeError):
        join_by_code(groups, 55, mixed, plain=True)
