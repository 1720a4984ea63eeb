"""Suggested pairings checked against rules an independent reader can verify, on seeded inputs.

Not a snapshot of graphkit's own output: each test recomputes what a suggestion must satisfy from
the raw tables it was made from — every unpaired weak org gets at most one new strong partner, no
strong org goes over its capacity (counting the pairs it already carries), forbidden pairs and
former partners (the yearly rotation) never appear, each reported cost is the town / level /
chain formula — and, on small random cases, that both solvers reach the optimum found by trying
every assignment.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import graphkit as gk
from graphkit.analyses import pairing
from graphkit.ingest.synth import generate_ledgers
from graphkit.testing import make_graph

AS_OF = pd.Timestamp("2024-06-30")
LEVELS = ("province", "city", "county", "town", "village")  # the level code list, in order


@pytest.fixture(scope="module")
def synth_graph(tmp_path_factory: pytest.TempPathFactory) -> gk.Graph:
    """A seeded synthetic county (about 600 orgs), built from its ledgers."""
    folder = Path(tmp_path_factory.mktemp("synth")) / "ledgers"
    generate_ledgers(folder, n_orgs=600, seed=17)
    return gk.build_graph(folder)


def _active(t: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame:
    return t[(t["start"].isna() | (t["start"] <= ts)) & (t["end"].isna() | (t["end"] >= ts))]


def _check_rules(graph: gk.Graph, s: pd.DataFrame, *, ts: pd.Timestamp, capacity: int,
                 forbidden: list[tuple[str, str]], avoid_previous: bool) -> None:
    """Assert every rule a suggestion table must keep, recomputed from the graph's own tables."""
    orgs = graph.orgs.set_index("id")
    got = s.dropna(subset=["strong_id"])
    assert s["weak_id"].is_unique  # at most one new strong partner per weak org
    assert len(got), "the case must pair someone, or it checks nothing"
    # capacity: the pairs a strong org carries on the date plus the new ones
    carried = _active(graph["Pairing"], ts).groupby("strong").size()
    new = got.groupby("strong_id").size()
    assert ((new + carried.reindex(new.index).fillna(0)) <= capacity).all()
    assert (got["load"].astype(int).to_numpy() == carried.reindex(got["strong_id"]).fillna(0).astype(int).to_numpy()).all()
    # forbidden pairs, either order, and former partners
    made = set(zip(got["weak_id"], got["strong_id"]))
    assert not made & ({(a, b) for a, b in forbidden} | {(b, a) for a, b in forbidden})
    p = graph["Pairing"]
    former = set(zip(p.loc[p["end"].notna() & (p["end"] < ts), "weak"], p.loc[p["end"].notna() & (p["end"] < ts), "strong"]))
    if avoid_previous:
        assert not made & former
    # the cost: 4 · other town + 2 · levels not neighbouring + 1 · no shared chain
    wt, st = orgs.loc[got["weak_id"], "town"].to_numpy(), orgs.loc[got["strong_id"], "town"].to_numpy()
    same_town = pd.notna(wt) & (wt == st)
    rank = {c: i for i, c in enumerate(LEVELS)}
    wl = orgs.loc[got["weak_id"], "level"].map(rank).to_numpy(dtype=float)
    sl = orgs.loc[got["strong_id"], "level"].map(rank).to_numpy(dtype=float)
    near = np.abs(wl - sl) <= 1
    assert (got["same_town"].to_numpy() == same_town).all() and (got["neighbouring_level"].to_numpy() == near).all()
    expect = 4 * ~same_town + 2 * ~near + 1 * (got["shared_chain"] == "").to_numpy()
    assert (got["cost"].astype(int).to_numpy() == expect).all()


@pytest.mark.parametrize("capacity", [1, 2])
@pytest.mark.parametrize("method", ["assignment", "flow"])
def test_synth_county_suggestions_keep_the_rules(synth_graph: gk.Graph, capacity: int, method: str) -> None:
    g = synth_graph
    gaps = pairing.pairing_gaps(g, as_of=AS_OF)
    rng = np.random.default_rng(5)
    weak_ids = gaps["unpaired_weak"]["org_id"].to_numpy(dtype=object)
    strong_ids = g.orgs.loc[g.orgs["category"] == "1", "id"].to_numpy(dtype=object)
    forbidden = [(str(a), str(b)) for a, b in zip(rng.choice(weak_ids, 15), rng.choice(strong_ids, 15))]
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=capacity, forbidden=forbidden, method=method, seed=3)
    assert set(s["weak_id"]) == set(weak_ids)  # one row per unpaired weak org, no other
    _check_rules(g, s, ts=AS_OF, capacity=capacity, forbidden=forbidden, avoid_previous=True)
    strong_now = set(pairing.pairing_gaps(g, as_of=AS_OF)["unpaired_weak"]["org_id"])
    assert not strong_now & set(s["strong_id"].dropna())  # a partner is never itself a weak org


def test_synth_county_former_partners_only_when_allowed(synth_graph: gk.Graph) -> None:
    g = synth_graph
    p = g["Pairing"]
    ended = p[p["end"].notna() & (p["end"] < AS_OF)]
    assert len(ended), "the synthetic county must have former partners to check the rotation"
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=2, avoid_previous=False)
    _check_rules(g, s, ts=AS_OF, capacity=2, forbidden=[], avoid_previous=False)
    s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=2)
    _check_rules(g, s, ts=AS_OF, capacity=2, forbidden=[], avoid_previous=True)


def test_synth_county_both_solvers_reach_the_same_optimum(synth_graph: gk.Graph) -> None:
    for capacity in (1, 2):
        f = pairing.suggest_pairings(synth_graph, as_of=AS_OF, capacity=capacity, method="flow")
        a = pairing.suggest_pairings(synth_graph, as_of=AS_OF, capacity=capacity, method="assignment")
        assert f["strong_id"].notna().sum() == a["strong_id"].notna().sum()
        assert int(f["cost"].sum()) == int(a["cost"].sum())


# ---- small random cases against every possible assignment ------------------------------------------

def _random_case(seed: int) -> tuple[gk.Graph, list[tuple[str, str]], dict[str, set[str]]]:
    """A few strong and weak orgs with towns, levels, chains, carried pairs, former partners and forbidden pairs."""
    rng = np.random.default_rng(seed)
    towns, levels = ["t1", "t2", None], ["county", "town", "village"]
    n_s, n_w = int(rng.integers(2, 7)), int(rng.integers(2, 6))

    def org(i: str, cat: str) -> dict[str, object]:
        return {"id": i, "name": f"{i}党支部", "sector": "village", "level": levels[int(rng.integers(3))],
                "town": towns[int(rng.integers(3))], "category": cat}

    strong = [org(f"S{i}", "1") for i in range(n_s)]
    weak = [org(f"w{i}", "3") for i in range(n_w)]
    fill = [org(f"f{i}", "2") for i in range(3)]  # paired 二类 orgs: they only add to strong orgs' loads
    on_chain = {o["id"]: {c for c in ("ch1", "ch2") if rng.random() < 0.35} for o in strong + weak}
    mem = [{"member": i, "organization": f"K{c}", "role": "member"} for i, cs in on_chain.items() for c in sorted(cs)]
    collabs = [{"id": f"K{c}", "name": f"{c}联盟", "kind": "chain_alliance", "chain": c} for c in ("ch1", "ch2")]
    pairs = [{"strong": str(rng.choice([o["id"] for o in strong])), "weak": f["id"], "form": "other",
              "start": pd.Timestamp("2024-01-01")} for f in fill if rng.random() < 0.6]
    pairs += [{"strong": s["id"], "weak": w["id"], "form": "other", "start": pd.Timestamp("2021-01-01"),
               "end": pd.Timestamp("2022-12-31")} for s in strong for w in weak if rng.random() < 0.3]
    forbidden = [(w["id"], s["id"]) for s in strong for w in weak if rng.random() < 0.15]
    g = make_graph({"Organization": strong + weak + fill, "Pairing": pairs, "Collaboration": collabs, "Membership": mem,
                    "IndustryChain": [{"id": "ch1", "name": "茶叶"}, {"id": "ch2", "name": "蚕桑"}]})
    return g, forbidden, on_chain


def _best_by_trying_all(g: gk.Graph, forbidden: list[tuple[str, str]], on_chain: dict[str, set[str]],
                        capacity: int) -> tuple[int, int]:
    """(weak orgs paired, total cost) of the best assignment, found by enumerating all of them."""
    orgs = g.orgs.set_index("id")
    strong = [i for i in orgs.index if i.startswith("S")]
    weak = [i for i in orgs.index if i.startswith("w")]
    p = g["Pairing"]
    load = _active(p, AS_OF).groupby("strong").size()
    spare = {s: capacity - int(load.get(s, 0)) for s in strong}
    banned = set(forbidden) | set(zip(p.loc[p["end"].notna(), "weak"], p.loc[p["end"].notna(), "strong"]))
    rank = {c: i for i, c in enumerate(LEVELS)}

    def cost(w: str, s: str) -> int:
        town = pd.notna(orgs.at[w, "town"]) and orgs.at[w, "town"] == orgs.at[s, "town"]
        near = abs(rank[orgs.at[w, "level"]] - rank[orgs.at[s, "level"]]) <= 1
        return 4 * (not town) + 2 * (not near) + (not (on_chain[w] & on_chain[s]))

    best = (0, 0)
    for choice in itertools.product([None, *strong], repeat=len(weak)):
        used = [s for s in choice if s is not None]
        if any(used.count(s) > spare[s] for s in set(used)) or any((w, s) in banned for w, s in zip(weak, choice)):
            continue
        n, c = len(used), sum(cost(w, s) for w, s in zip(weak, choice) if s is not None)
        if (n, -c) > (best[0], -best[1]):
            best = (n, c)
    return best


@pytest.mark.parametrize("seed", range(30))
def test_both_solvers_reach_the_optimum_of_every_assignment(seed: int) -> None:
    g, forbidden, on_chain = _random_case(seed)
    for capacity in (1, 2):
        best = _best_by_trying_all(g, forbidden, on_chain, capacity)
        for method in ("assignment", "flow"):
            s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=capacity, forbidden=forbidden, method=method)
            got = s.dropna(subset=["strong_id"])
            assert (len(got), int(got["cost"].sum())) == best, (method, capacity)
            if len(got):
                _check_rules(g, s, ts=AS_OF, capacity=capacity, forbidden=forbidden, avoid_previous=True)


def test_flow_reaches_every_class_of_a_hub_with_many_forbidden_partners() -> None:
    """Three interchangeable strong orgs, each named in a forbidden pair (so each a class of its own
    in one hub), and three weak orgs free to take any of them: all three are paired at cost 1."""
    orgs = ([{"id": f"S{i}", "name": f"S{i}党支部", "sector": "village", "level": "village", "town": "t1", "category": "1"}
             for i in range(3)]
            + [{"id": f"w{i}", "name": f"w{i}党支部", "sector": "village", "level": "village", "town": "t1", "category": "3"}
               for i in range(3)]
            + [{"id": "y", "name": "y党支部", "sector": "village", "level": "village", "town": "t9", "category": "3"}])
    g = make_graph({"Organization": orgs})
    forbidden = [("y", "S0"), ("y", "S1"), ("y", "S2")]
    for method in ("assignment", "flow"):
        s = pairing.suggest_pairings(g, as_of=AS_OF, capacity=1, forbidden=forbidden, method=method)
        got = s.dropna(subset=["strong_id"])
        assert sorted(got["weak_id"]) == ["w0", "w1", "w2"] and got["strong_id"].is_unique, method
        assert (got["cost"] == 1).all(), method
