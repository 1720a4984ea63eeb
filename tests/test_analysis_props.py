"""Property tests of the analyses on random small graphs (hypothesis)."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphkit.analyses import coverage
from graphkit.analyses import clusters
from graphkit.analyses import pairing
from graphkit.analyses.toolkit import cached, org_facts
from graphkit.testing import make_graph

AS_OF = pd.Timestamp("2024-06-30")
TOWNS = ["t1", "t2", "t3", None]
LEVELS = ["city", "county", "town", "village", None]
SECTORS = ["agency", "village", "private"]
CATS = ["1", "2", "3", None]
KINDS = ["district", "joint_village", "chain_alliance", "service_team"]
STARTS = [None, pd.Timestamp("2022-01-01"), pd.Timestamp("2024-01-01"), pd.Timestamp("2024-09-01")]
ENDS = [None, None, pd.Timestamp("2023-06-30"), pd.Timestamp("2025-12-31")]

PROPS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def graphs(draw, max_orgs: int = 10):
    n = draw(st.integers(1, max_orgs))
    orgs = [{"id": f"o{i:02d}", "name": f"组织{i:02d}", "town": draw(st.sampled_from(TOWNS)),
             "level": draw(st.sampled_from(LEVELS)), "sector": draw(st.sampled_from(SECTORS)),
             "category": draw(st.sampled_from(CATS)), "weak_lax": draw(st.booleans())} for i in range(n)]
    k = draw(st.integers(0, 3))
    collabs = [{"id": f"c{j}", "name": f"组{j}", "kind": draw(st.sampled_from(KINDS)),
                "chain": draw(st.sampled_from(["ch1", "ch2", None]))} for j in range(k)]
    mem = []
    if k:
        for a, c, s in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, k - 1), st.sampled_from(STARTS)),
                                     max_size=12, unique_by=lambda t: (t[0], t[1]))):
            mem.append({"member": f"o{a:02d}", "organization": f"c{c}", "role": "member", "start": s})
    pairs = []
    for a, b, s, e in draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.sampled_from(STARTS[1:]),
                                              st.sampled_from(ENDS)), max_size=10)):
        if a != b and (e is None or e >= s):
            pairs.append({"strong": f"o{a:02d}", "weak": f"o{b:02d}", "form": "other", "start": s, "end": e})
    places = [{"id": t, "name": f"{t}镇", "kind": "town"} for t in TOWNS if t]
    return make_graph({"Place": places, "Organization": orgs, "Collaboration": collabs, "Membership": mem,
                       "Pairing": pairs, "IndustryChain": [{"id": "ch1", "name": "茶叶"}, {"id": "ch2", "name": "蚕桑"}]})


@PROPS
@given(graphs())
def test_coverage_shares_are_fractions(g):
    n = g.count("Organization")
    with cached(g):  # share the derived tables between the calls
        frames = {by: coverage.coverage(g, as_of=AS_OF, by=by) for by in (None, "town", "sector", "category", "level")}
        w = coverage.weak_coverage(g, as_of=AS_OF, by=None)
    for c in frames.values():
        assert int(c["orgs"].sum()) == n
        assert ((c["covered"] >= 0) & (c["covered"] <= c["orgs"])).all()
        assert c["share"].between(0, 1).all()
        for col in c.columns:
            if col.startswith("n_"):
                assert (c[col] <= c["covered"]).all()
            if col.startswith("share"):
                assert c[col].between(0, 1).all()
    assert ((w["paired_strong"] <= w["paired"]) & (w["paired"] <= w["weak_orgs"])).all()


def _brute_force(g, capacity: int) -> tuple[int, int]:
    """Number assigned and total cost of an optimal assignment, by the Hungarian method on the full matrix."""
    from scipy.optimize import linear_sum_assignment

    f = org_facts(g, AS_OF).set_index("org_id")
    gaps = pairing.pairing_gaps(g, as_of=AS_OF, max_per_strong=capacity)
    weak = list(gaps["unpaired_weak"]["org_id"])
    p = g.tables["Pairing"]
    active = p[(p["start"] <= AS_OF) & (p["end"].isna() | (p["end"] >= AS_OF))]
    load = active.groupby("strong").size()
    prev = set(zip(p.loc[p["end"] < AS_OF, "weak"], p.loc[p["end"] < AS_OF, "strong"]))
    slots = [s for s in f.index[f["strong"]] for _ in range(max(0, capacity - int(load.get(s, 0))))]
    if not weak:
        return 0, 0
    c = g.tables["Collaboration"][["id", "chain"]].rename(columns={"id": "organization"})
    m = g.tables["Membership"].merge(c, on="organization")
    m = m[m["start"].isna() | (m["start"] <= AS_OF)]
    chains = m.dropna(subset=["chain"]).groupby("member")["chain"].agg(set)
    rank = {c: i for i, c in enumerate(LEVELS[:-1])}
    cost = np.full((len(weak), len(slots) + len(weak)), 100.0)
    for i, w in enumerate(weak):
        for j, s in enumerate(slots):
            if (w, s) in prev:
                cost[i, j] = 1e6
                continue
            tw, ts = f.loc[w, "town"], f.loc[s, "town"]
            lw, ls = rank.get(f.loc[w, "level"]), rank.get(f.loc[s, "level"])
            c = 4 * (not (tw is not None and tw == ts)) + 2 * (not (lw is not None and ls is not None and abs(lw - ls) <= 1))
            c += 1 * (not (chains.get(w, set()) & chains.get(s, set())))
            cost[i, j] = c
    r, c = linear_sum_assignment(cost)
    real = c < len(slots)
    return int(real.sum()), int(cost[r[real], c[real]].sum())


@PROPS
@given(graphs(), st.integers(0, 3), st.sampled_from(["flow", "assignment"]))
def test_suggestions_respect_capacity_and_are_optimal(g, capacity, method):
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=capacity, method=method)
    f = org_facts(g, AS_OF).set_index("org_id")
    unpaired = pairing.pairing_gaps(g, as_of=AS_OF)["unpaired_weak"]
    assert sorted(s["weak_id"]) == sorted(unpaired["org_id"])  # one row per unpaired weak org
    got = s.dropna(subset=["strong_id"])
    assert f.loc[list(got["strong_id"]), "strong"].all()
    p = g.tables["Pairing"]
    active = p[(p["start"] <= AS_OF) & (p["end"].isna() | (p["end"] >= AS_OF))]
    load = active.groupby("strong").size()
    for strong, k in got.groupby("strong_id").size().items():
        assert int(load.get(strong, 0)) + int(k) <= capacity  # never beyond capacity
    n, total = _brute_force(g, capacity)
    assert len(got) == n
    assert int(got["cost"].sum()) == total  # the min-cost flow is optimal


@PROPS
@given(graphs(), st.data(), st.sampled_from(["flow", "assignment"]))
def test_forbidden_pairs_are_never_suggested(g, data, method):
    ids = list(g.orgs["id"])
    forbidden = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4))
    forbidden = [(a, b) for a, b in forbidden if a != b]
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=2, forbidden=forbidden, method=method)
    bad = {frozenset(x) for x in forbidden}
    assert not any(frozenset((w, st_)) in bad for w, st_ in zip(s["weak_id"], s["strong_id"]) if st_ is not None)


@PROPS
@given(graphs(), st.data())
def test_adding_a_pairing_never_increases_the_unpaired_count(g, data):
    n = g.count("Organization")
    if n < 2:
        return
    a, b = data.draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
    before = len(pairing.pairing_gaps(g, as_of=AS_OF)["unpaired_weak"])
    tables = dict(g.tables)
    extra = make_graph({"Pairing": [{"id": "pair-new", "strong": f"o{a:02d}", "weak": f"o{b:02d}", "form": "other",
                                     "start": pd.Timestamp("2024-01-01")}]}).tables["Pairing"]
    tables["Pairing"] = pd.concat([g.tables["Pairing"], extra], ignore_index=True)
    g2 = type(g)(tables, model=g.model)
    after = len(pairing.pairing_gaps(g2, as_of=AS_OF)["unpaired_weak"])
    assert after <= before


@PROPS
@given(graphs())
def test_clusters_and_isolated_partition_the_orgs_and_are_deterministic(g):
    c1 = clusters.detect_clusters(g, as_of=AS_OF, seed=5)
    c2 = clusters.detect_clusters(g, as_of=AS_OF, seed=5)
    pd.testing.assert_frame_equal(c1, c2)
    iso = clusters.isolated(g, as_of=AS_OF)
    alone = set(iso.loc[iso["status"] == "no_link", "org_id"])
    assert set(c1["org_id"]).isdisjoint(alone)
    assert set(c1["org_id"]) | alone == set(g.orgs["id"])
    if len(c1):
        sizes = c1.groupby("cluster").size()
        assert list(sizes.index) == list(range(1, len(sizes) + 1))
        assert (sizes.diff().dropna() <= 0).all()  # numbered by size, largest first


@PROPS
@given(graphs(max_orgs=24), st.integers(0, 3), st.booleans(), st.data())
def test_flow_equals_the_assignment_with_many_forbidden_pairs(g, capacity, same_sector, data):
    """The min-cost flow (hubs, singleton classes, segment trees for forbidden pairs) reaches the
    same optimum as the Hungarian method on the full matrix, whatever is forbidden."""
    ids = list(g.orgs["id"])
    forbidden = [(a, b) for a, b in data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=20))
                 if a != b]
    kw = dict(as_of=AS_OF, capacity=capacity, forbidden=forbidden, same_sector=same_sector)
    flow = pairing.suggest_pairings(g, method="flow", **kw)
    hung = pairing.suggest_pairings(g, method="assignment", **kw)
    assert list(flow["weak_id"]) == list(hung["weak_id"])
    got = flow.dropna(subset=["strong_id"])
    assert len(got) == int(hung["strong_id"].notna().sum())
    assert int(got["cost"].sum()) == int(hung["cost"].sum())
    bad = {frozenset(x) for x in forbidden}
    assert not any(frozenset(p) in bad for p in zip(got["weak_id"], got["strong_id"]))
    f = org_facts(g, AS_OF).set_index("org_id")
    if same_sector:
        assert (f.loc[list(got["weak_id"]), "sector"].to_numpy() == f.loc[list(got["strong_id"]), "sector"].to_numpy()).all()


@PROPS
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c", None]), st.sampled_from(["甲", "乙", "丙", None])), max_size=30),
       st.sampled_from([None, 1, 2]))
def test_one_pass_joins_equal_pandas_groupby(rows, limit):
    from graphkit.analyses.toolkit import grouped_join, join_names, top_counts

    df = pd.DataFrame({"k": pd.Series([r[0] for r in rows], dtype=object), "v": pd.Series([r[1] for r in rows], dtype=object)})
    got = grouped_join(df, "k", "v", limit=limit)
    want = df.groupby("k", sort=True)["v"].agg(lambda s: join_names(s, limit=limit)) if len(df) else pd.Series(dtype=object)
    assert got.to_dict() == want.to_dict()
    d = df.assign(v=df["v"].where(df["v"].notna(), "（未填）"))
    vc = d.groupby(["k", "v"], sort=True).size().rename("n").reset_index()
    vc = vc.sort_values(["k", "n", "v"], ascending=[True, False, True], kind="stable")
    vc = vc[vc.groupby("k").cumcount() < 2]
    want = (vc["v"].astype(str) + " " + vc["n"].astype(str)).groupby(vc["k"]).agg("、".join) if len(vc) else pd.Series(dtype=object)
    assert top_counts(df, "k", "v", k=2).to_dict() == want.to_dict()
