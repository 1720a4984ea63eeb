"""Change over time: snapshot diffs and rating moves, worked out by hand; then the sample county."""
from __future__ import annotations

import pandas as pd
import pytest

import graphkit as gk
from graphkit.testing import make_graph
from graphkit.analyses.change import DIFF_KEYS, diff_dates, diff_graphs, rating_moves
from graphkit.core.errors import GraphkitError

D = pd.Timestamp


def snapshot(*, new: bool):
    """Old ledger: w paired with s (from 2023-01-01), m a member of J, ratings w 三类, x 一类.
    New ledger: s→w ended 2024-02-29 and s2→w started 2024-03-01 (a rotation), m's membership ended
    2024-05-31, n joined J, w rated 二类 (进位), x rated 二类 (退位)."""
    orgs = [{"id": "s", "name": "甲村党支部", "category": "1"}, {"id": "s2", "name": "乙村党支部", "category": "1"},
            {"id": "w", "name": "丙村党支部", "category": "2" if new else "3"},
            {"id": "x", "name": "丁村党支部", "category": "2" if new else "1"},
            {"id": "m", "name": "戊村党支部", "category": "2"}, {"id": "n", "name": "己村党支部", "category": "2"}]
    pairs = [{"strong": "s", "weak": "w", "form": "other", "start": D("2023-01-01"), "end": D("2024-02-29") if new else None}]
    mem = [{"member": "m", "organization": "J", "role": "member", "end": D("2024-05-31") if new else None}]
    if new:
        pairs.append({"strong": "s2", "weak": "w", "form": "other", "start": D("2024-03-01")})
        mem.append({"member": "n", "organization": "J", "role": "member", "start": D("2024-04-01")})
    return make_graph({"Organization": orgs, "Pairing": pairs, "Membership": mem,
                       "Collaboration": [{"id": "J", "name": "联村党委", "kind": "joint_village"}]})


def test_diff_graphs():
    d = diff_graphs(snapshot(new=False), snapshot(new=True), as_of_old="2023-12-31", as_of_new="2024-06-30")
    assert list(d) == list(DIFF_KEYS)
    links = d["links"][["link_type", "source", "target", "change"]].values.tolist()
    assert links == [["Membership", "n", "J", "added"], ["Membership", "m", "J", "ended"],
                     ["Pairing", "s2", "w", "added"], ["Pairing", "s", "w", "ended"]]
    ended = d["links"].set_index(["source", "target"])
    assert ended.loc[("s", "w"), "end"] == D("2024-02-29")
    assert ended.loc[("s", "w"), "detail"].startswith("结束于 2024-02-29")
    assert d["ratings"][["org_id", "old_category", "new_category", "change"]].values.tolist() == [
        ["w", "3", "2", "up"], ["x", "1", "2", "down"]]
    assert d["rotations"][["weak_id", "old_partners", "new_partners"]].values.tolist() == [["w", "甲村党支部", "乙村党支部"]]
    summary = dict(zip(d["summary"]["metric"], d["summary"]["value"]))
    assert summary["Pairing.added"] == "1" and summary["ratings.up"] == "1" and summary["pairs.rotated"] == "1"


def test_a_link_removed_from_the_ledger():
    old = snapshot(new=False)
    new = make_graph({"Organization": old.tables["Organization"]})
    d = diff_graphs(old, new, as_of_old="2023-12-31", as_of_new="2024-06-30")
    assert set(d["links"]["change"]) == {"ended"}
    assert d["links"]["detail"].str.startswith("台账中已无此记录").all()


def test_diff_dates_on_one_graph():
    g = snapshot(new=True)
    d = diff_dates(g, "2024-01-15", "2024-04-15")
    # on 2024-01-15: s→w and m∈J; on 2024-04-15: s2→w, m∈J, n∈J
    assert d["links"][["source", "change"]].values.tolist() == [["n", "added"], ["s2", "added"], ["s", "ended"]]
    assert d["rotations"]["weak_id"].tolist() == ["w"]
    assert diff_dates(g, "2024-04-15", "2024-04-15")["links"].empty
    with pytest.raises(GraphkitError, match="早于"):
        diff_dates(g, "2024-04-15", "2024-01-15")


@pytest.fixture(scope="module")
def moves_graph():
    """2023 weak: a (三类, paired in 2023, →二类 up), b (三类, paired, →三类 same), c (三类, unpaired, →二类 up),
    d (二类 but 软弱涣散, unpaired, →二类 lifted: up), e (三类, unpaired, not rated in 2024), f (一类: not weak);
    g (三类, paired only from 2024-02-01: counts as unpaired for 2023→2024, →一类 up)."""
    orgs = [{"id": x, "name": f"{x}党支部"} for x in "abcdefgs"]
    r = [("a", 2023, "3", False), ("a", 2024, "2", False), ("b", 2023, "3", False), ("b", 2024, "3", False),
         ("c", 2023, "3", False), ("c", 2024, "2", False), ("d", 2023, "2", True), ("d", 2024, "2", False),
         ("e", 2023, "3", False), ("f", 2023, "1", False), ("f", 2024, "1", False), ("g", 2023, "3", False),
         ("g", 2024, "1", False)]
    ratings = [{"org": o, "year": y, "category": c, "weak_lax": lax} for o, y, c, lax in r]
    pairs = [{"strong": "s", "weak": "a", "form": "other", "start": D("2022-06-01"), "end": D("2023-03-31")},
             {"strong": "s", "weak": "b", "form": "other", "start": D("2023-11-01")},
             {"strong": "s", "weak": "g", "form": "other", "start": D("2024-02-01")}]
    return make_graph({"Organization": orgs, "Rating": ratings, "Pairing": pairs})


def test_rating_moves(moves_graph):
    s = rating_moves(moves_graph, year_from=2023, year_to=2024).set_index("cohort")
    assert s.loc["paired", ["weak_before", "moved_up", "same", "moved_down", "unrated"]].tolist() == [2, 1, 1, 0, 0]
    assert s.loc["unpaired", ["weak_before", "moved_up", "same", "moved_down", "unrated"]].tolist() == [4, 3, 0, 0, 1]
    assert s.loc["unpaired", "share_up"] == pytest.approx(0.75)
    assert "不代表因果" in rating_moves(moves_graph, year_from=2023, year_to=2024).attrs["note"]
    d = rating_moves(moves_graph, detail=True)  # default years: the two latest rated
    assert dict(zip(d["org_id"], d["move"])) == {"a": "up", "b": "same", "c": "up", "d": "up", "e": "unrated", "g": "up"}
    with pytest.raises(GraphkitError, match="应晚于"):
        rating_moves(moves_graph, year_from=2024, year_to=2024)


def test_rating_moves_needs_two_years():
    g = make_graph({"Organization": [{"id": "a", "name": "甲", "category": "3", "category_year": 2024}]})
    assert rating_moves(g).empty


def test_sample_county_change(sample_graph: gk.Graph):
    d = diff_dates(sample_graph, "2023-12-31", "2024-12-31")
    r = d["ratings"]
    assert (int((r["change"] == "up").sum()), int((r["change"] == "down").sum())) == (34, 0)
    assert d["rotations"]["weak_name"].tolist() == ["金桥镇石门村党总支"]
    assert d["rotations"].loc[0, "new_partners"] == "示例县经济贸易局机关党支部"
    m = rating_moves(sample_graph, year_from=2023, year_to=2024, detail=True)
    up = set(m.loc[(m["cohort"] == "paired") & (m["move"] == "up"), "name"])
    assert {"青溪镇下家村党支部", "枫林镇银坡村党支部", "双河镇大口村党支部"} <= up
