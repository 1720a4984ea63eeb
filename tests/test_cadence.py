"""Cadence 月月有活动、季季有自检、半年有督导: hand-made districts, then the sample county's gaps."""
from __future__ import annotations

import pandas as pd
import pytest

import graphkit as gk
from graphkit.testing import make_graph
from graphkit.analyses.cadence import CADENCE_KEYS, district_cadence
from graphkit.core.errors import GraphkitError

D = pd.Timestamp


def graph(extra_acts=(), d2_start="2024-05-01"):
    """District D (from 2024-01-01): a (lead), b (host month 2), c (host month 3). 2024 activities: theme days in
    Jan, Mar, May hosted by a and in Apr, Jun by b (none in Feb or Jul); one 互督 in Q1; one 交叉巡回督导 in H1.
    District E starts 2024-05-01 with member d and one theme day in May."""
    orgs = [{"id": x, "name": f"{x}党支部"} for x in "abcd"]
    collabs = [{"id": "D", "name": "第一片区", "kind": "district", "start": D("2024-01-01"), "guide": "p1"},
               {"id": "E", "name": "第二片区", "kind": "district", "start": D(d2_start)},
               {"id": "J", "name": "联村党委", "kind": "joint_village"}]
    mem = [{"member": "a", "organization": "D", "role": "lead"},
           {"member": "b", "organization": "D", "role": "host", "host_month": 2},
           {"member": "c", "organization": "D", "role": "host", "host_month": 3},
           {"member": "d", "organization": "E", "role": "lead"}]
    acts = [{"date": D(f"2024-{m:02d}-10"), "type": "theme_day", "host": h, "group": "D"}
            for m, h in ((1, "a"), (3, "a"), (4, "b"), (5, "a"), (6, "b"))]
    acts += [{"date": D("2024-02-20"), "type": "mutual_inspection", "host": "a", "group": "D"},
             {"date": D("2024-06-25"), "type": "cross_inspection", "host": "d", "group": "D"},
             {"date": D("2024-05-05"), "type": "training", "host": "d", "group": "E"},
             {"date": D("2024-07-05"), "type": "theme_day", "host": "a", "group": "J"}]  # another kind of group
    acts += list(extra_acts)
    return make_graph({"Organization": orgs, "Collaboration": collabs, "Membership": mem, "Activity": acts,
                       "Person": [{"id": "p1", "name": "王某"}]})


def periods(df, district):
    return df.loc[df["district"] == district, "period"].tolist()


def test_missed_periods_and_hosts():
    c = district_cadence(graph(), as_of="2024-08-15")
    assert list(c) == list(CADENCE_KEYS)
    # months due: Jan–Jul (August not over); Feb has only a 互督, which is not a joint activity; nothing in Jul
    assert periods(c["missed_months"], "第一片区") == ["2024年02月", "2024年07月"]
    assert c["missed_months"]["guide"].iloc[0] == "王某"
    assert periods(c["missed_quarters"], "第一片区") == ["2024年第2季度"]
    assert periods(c["missed_half_years"], "第一片区") == []
    assert c["never_hosted"][["district", "org_id", "host_month"]].values.tolist() == [["第一片区", "c", 3]]
    s = c["summary"].set_index("district")
    assert s.loc["第一片区", ["members", "activities", "months_due", "months_missed", "quarters_due", "quarters_missed",
                          "half_years_due", "half_years_missed", "never_hosted", "ok"]].tolist() == [3, 7, 7, 2, 2, 1, 1, 0, 1, False]
    counts = c["activity_counts"]
    assert counts[counts["district"] == "第一片区"][["type", "count"]].values.tolist() == [
        ["theme_day", 5], ["mutual_inspection", 1], ["cross_inspection", 1]]


def test_district_started_mid_year():
    c = district_cadence(graph(), as_of="2024-08-15")
    # E started 2024-05-01: only May–Jul are due, May had a training; Q2 due (it overlaps), no 互督 at all
    assert periods(c["missed_months"], "第二片区") == ["2024年06月", "2024年07月"]
    assert periods(c["missed_quarters"], "第二片区") == ["2024年第2季度"]
    assert periods(c["missed_half_years"], "第二片区") == ["2024年上半年"]
    m = c["months"]
    e = m[m["district"] == "第二片区"].set_index("month")
    assert e.loc[4, "due"] == False and e.loc[5, "activities"] == 1 and e.loc[6, "missed"] == True  # noqa: E712


def test_activity_without_group_goes_to_the_hosts_district():
    extra = [{"date": D("2024-07-20"), "type": "volunteer", "host": "b"}]  # b belongs to district D only
    c = district_cadence(graph(extra), as_of="2024-08-15")
    assert periods(c["missed_months"], "第一片区") == ["2024年02月"]


def test_year_and_date_rules():
    c = district_cadence(graph(), as_of="2024-12-31", year=2023)
    assert c["summary"].empty  # neither district existed in 2023
    with pytest.raises(GraphkitError, match="晚于"):
        district_cadence(graph(), as_of="2024-06-30", year=2025)
    early = district_cadence(graph(), as_of="2024-03-31")
    assert periods(early["missed_months"], "第一片区") == ["2024年02月"]
    assert periods(early["missed_quarters"], "第一片区") == []  # Q1 had its 互督; Q2 not over


def test_sample_county_gaps(sample_graph: gk.Graph):
    c = district_cadence(sample_graph)
    mm = c["missed_months"]
    assert mm[["district", "period"]].values.tolist() == [["第三片区", "2024年05月"]]
    assert c["missed_quarters"][["district", "period"]].values.tolist() == [["第七片区", "2024年第2季度"]]
    assert c["missed_half_years"][["district", "period"]].values.tolist() == [["第九片区", "2024年下半年"]]
    nh = c["never_hosted"]
    assert ["第四片区", "示例县水务集团有限公司党支部", 8] in nh[["district", "name", "host_month"]].values.tolist()
    s = c["summary"].set_index("district")
    assert sorted(s.index[~s["ok"]]) == ["第七片区", "第三片区", "第九片区"]
    assert len(s) == 10 and (s["months_due"] == 12).all()
