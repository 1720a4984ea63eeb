"""Unit tests of the HTML network views (graphkit.views.view): data sets, escaping, determinism, CLI.

The hand-made county below (as of 2024-06-30) has answers worked out by hand:

* orgs: K, A, B (county agencies, no town); T1C (甲镇党委) with V1, V2, V3, F1 under it; T2C
  (乙镇党委) with V4 under it → 10 orgs, 5 隶属 links.
* collaborations: D1 第一片区 (A lead, B host month 2, K host month 3; guide 张某), J1 甲镇联村党委
  (V1 lead, V2), C1 蚕桑产业链党委 (A lead, V1 at 养蚕, F1 at 收茧; stage 种桑 empty) → 8 memberships.
* pairings: P1 V1→V2, P2 A→V4, P4 T1C→F1 (parallel to F1's 隶属 link), P5 A→V2 active; P3 B→V3
  ended 2023-12-31 → 4 active pairings; V3 (软弱涣散) is the only unpaired weak org.
"""
from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.testing import make_graph
from graphkit.views.view import COLOR_BY, KINDS, SIZE_BY, View, view, write_view

AS_OF = "2024-06-30"
HOSTILE = "<img src=x onerror=alert(1)><script>window.__pwned=1</script>"
HOSTILE2 = "</script><script>window.__pwned=2</script>&amp;\u2028甲"


def hand_graph(*, hostile: bool = False) -> gk.Graph:
    d = pd.Timestamp

    def org(i, name, sector, level, cat, town=None, parent=None, lax=False):
        return {"id": i, "name": name, "form": "branch", "sector": sector, "level": level, "town": town,
                "category": cat, "category_year": 2024, "weak_lax": lax, "parent": parent, "members": 10}

    orgs = [
        org("K", "县委组织部机关党支部", "agency", "county", "1"),
        org("A", "县农业局机关党支部", "agency", "county", "1"),
        org("B", "县教体局机关党支部", "agency", "county", "2"),
        org("T1C", "甲镇党委", "agency", "town", "1", "T1"),
        org("V1", "甲村党支部", "village", "village", "1", "T1", "T1C"),
        org("V2", "乙村党支部", "village", "village", "3", "T1", "T1C"),
        org("V3", HOSTILE if hostile else "丙村党支部", "village", "village", "2", "T1", "T1C", lax=True),
        org("F1", "甲镇丝厂党支部", "private", "town", "1", "T1", "T1C"),
        org("T2C", "乙镇党委", "agency", "town", "1", "T2"),
        org("V4", HOSTILE2 if hostile else "丁村党支部", "village", "village", "3", "T2", "T2C"),
    ]
    return make_graph({
        "Place": [{"id": "C", "name": "演示县", "kind": "county"},
                  {"id": "T1", "name": "甲镇", "kind": "town", "parent": "C"},
                  {"id": "T2", "name": "乙镇", "kind": "town", "parent": "C"}],
        "Organization": orgs,
        "Person": [{"id": "P1", "name": "张某", "title": "工委副书记"}],
        "Collaboration": [
            {"id": "D1", "name": "第一片区", "kind": "district", "guide": "P1", "start": d("2023-01-01")},
            {"id": "J1", "name": "甲镇联村党委", "kind": "joint_village", "town": "T1", "start": d("2023-01-01")},
            {"id": "C1", "name": "蚕桑产业链党委", "kind": "chain_alliance", "chain": "CH", "start": d("2023-01-01")},
        ],
        "IndustryChain": [{"id": "CH", "name": "蚕桑"}],
        "ChainStage": [{"id": "S1", "name": "种桑", "chain": "CH", "order": 1},
                       {"id": "S2", "name": "养蚕", "chain": "CH", "order": 2},
                       {"id": "S3", "name": "收茧", "chain": "CH", "order": 3}],
        "Membership": [
            {"id": "m1", "member": "A", "organization": "D1", "role": "lead"},
            {"id": "m2", "member": "B", "organization": "D1", "role": "host", "host_month": 2},
            {"id": "m3", "member": "K", "organization": "D1", "role": "host", "host_month": 3},
            {"id": "m4", "member": "V1", "organization": "J1", "role": "lead"},
            {"id": "m5", "member": "V2", "organization": "J1", "role": "member"},
            {"id": "m6", "member": "A", "organization": "C1", "role": "lead"},
            {"id": "m7", "member": "V1", "organization": "C1", "role": "member", "stage": "S2"},
            {"id": "m8", "member": "F1", "organization": "C1", "role": "member", "stage": "S3"},
        ],
        "Pairing": [
            {"id": "P1", "strong": "V1", "weak": "V2", "form": "strong_weak_village", "start": d("2024-01-01")},
            {"id": "P2", "strong": "A", "weak": "V4", "form": "agency_village", "start": d("2024-02-01")},
            {"id": "P3", "strong": "B", "weak": "V3", "form": "agency_village", "start": d("2022-01-01"),
             "end": d("2023-12-31")},
            {"id": "P4", "strong": "T1C", "weak": "F1", "form": "other", "start": d("2024-01-01")},
            {"id": "P5", "strong": "A", "weak": "V2", "form": "agency_village", "start": d("2024-03-01")},
        ],
        "Activity": [
            {"id": "E1", "title": "3月主题党日", "date": d("2024-03-10"), "type": "theme_day", "host": "A", "group": "D1"},
            {"id": "E2", "title": "5月业务培训", "date": d("2024-05-10"), "type": "training", "host": "B", "group": "D1"},
            {"id": "E3", "title": "旧活动", "date": d("2023-01-10"), "type": "theme_day", "host": "A", "group": "D1"},
            {"id": "E4", "title": "联村项目", "date": d("2024-04-01"), "type": "joint_project", "host": "V1",
             "group": "J1"},
        ],
        "Participation": [{"id": "q1", "org": "K", "activity": "E1"}, {"id": "q2", "org": "B", "activity": "E1"},
                          {"id": "q3", "org": "A", "activity": "E2"}],
        "Post": [{"id": "post1", "person": "P1", "org": "A", "role": "guide"}],
    }, settings={"county": "演示县"})


@pytest.fixture(scope="module")
def hg() -> gk.Graph:
    return hand_graph()


def ids(v: View) -> set[str]:
    return {n["id"] for n in v.nodes}


def edge_ids(v: View) -> set[str]:
    return {e["id"] for e in v.edges}


def elements(html: str) -> list[str]:
    """Start tags as an HTML parser sees them (script contents are not markup)."""
    from html.parser import HTMLParser

    tags: list[str] = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)

    P().feed(html)
    return tags


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="gk-data">(.*?)</script>', html, re.S)
    assert m, "no data block"
    return json.loads(m.group(1))


# ---- what each kind selects -----------------------------------------------------------------------

def test_county_nodes_and_edges(hg):
    v = view(hg, kind="county", as_of=AS_OF)
    assert ids(v) == {"K", "A", "B", "T1C", "V1", "V2", "V3", "F1", "T2C", "V4", "D1", "J1", "C1"}
    rels = pd.Series([v.meta["groups"][e["g"]]["key"] for e in v.edges]).value_counts().to_dict()
    assert rels == {"SUB_ORGANIZATION_OF": 5, "MEMBER_OF": 8, "PAIRED_WITH": 4}
    assert "P3" not in edge_ids(v)  # ended before the date
    # the toggle groups count their edges
    assert {g["key"]: g["count"] for g in v.meta["groups"]} == rels


def test_parallel_links_of_different_types_are_all_kept(hg):
    v = view(hg, kind="county", as_of=AS_OF)
    between = [e for e in v.edges if {e["from"], e["to"]} == {"T1C", "F1"}]
    assert sorted(v.meta["groups"][e["g"]]["key"] for e in between) == ["PAIRED_WITH", "SUB_ORGANIZATION_OF"]
    assert len({e["id"] for e in between}) == 2
    # one of the two is drawn as a curve so both are visible
    assert sum("smooth" in e for e in between) == 1


def test_county_town_filter(hg):
    v = view(hg, kind="county", name="乙镇", as_of=AS_OF)
    assert ids(v) == {"T2C", "V4"}
    assert len(v.edges) == 1  # V4 -> T2C; the pairing A -> V4 leaves the town


def test_district_view(hg):
    v = view(hg, kind="district", name="第一片区", as_of=AS_OF)
    # E3 is older than twelve months; E4 belongs to another group
    assert ids(v) == {"D1", "A", "B", "K", "P1", "E1", "E2"}
    rels = sorted(v.meta["groups"][e["g"]]["key"] for e in v.edges)
    assert rels == sorted(["MEMBER_OF"] * 3 + ["GUIDED_BY", "HELD_BY", "HELD_BY", "HOSTED_BY", "HOSTED_BY",
                           "PARTICIPATED_IN", "PARTICIPATED_IN", "PARTICIPATED_IN", "HOLDS_POST_IN"])
    pos = {n["id"]: (n["x"], n["y"]) for n in v.nodes}
    assert pos["D1"] == (0.0, 0.0)
    # lead at 12 o'clock, then hosts clockwise by month: B (2月) before K (3月)
    assert abs(pos["A"][0]) < 1e-6 and pos["A"][1] < 0
    assert pos["B"][0] > 0 > pos["K"][0]  # screen y points down: clockwise goes right first
    labels = {n["id"]: n["label"] for n in v.nodes}
    assert "牵头单位" in labels["A"] and "轮值 2 月" in labels["B"]
    lead = next(n for n in v.nodes if n["id"] == "A")
    assert lead["color"]["border"] == "#b8860b"


def test_chain_view_stages_left_to_right(hg):
    v = view(hg, kind="chain", name="蚕桑", as_of=AS_OF)
    assert ids(v) == {"CH", "S1", "S2", "S3", "C1", "A", "V1", "F1"}
    pos = {n["id"]: (n["x"], n["y"]) for n in v.nodes}
    assert pos["S1"][0] < pos["S2"][0] < pos["S3"][0]
    assert pos["V1"][0] == pos["S2"][0] and pos["F1"][0] == pos["S3"][0]
    assert pos["V1"][1] > pos["S2"][1]  # members below their stage
    empty = next(n for n in v.nodes if n["id"] == "S1")
    assert empty["color"]["border"] == "#d62728" and empty.get("shapeProperties")
    # the alliance name finds the same chain
    assert ids(view(hg, kind="chain", name="蚕桑产业链党委", as_of=AS_OF)) == ids(v)


def test_pairing_view_highlights_gaps(hg):
    v = view(hg, kind="pairing", as_of=AS_OF)
    # orgs in pairings started by the date, plus unpaired weak orgs (V3 is also in the ended P3)
    assert ids(v) == {"V1", "V2", "A", "V4", "B", "V3", "T1C", "F1"}
    groups = {e["id"]: v.meta["groups"][e["g"]]["key"] for e in v.edges}
    assert groups == {"P1": "PAIRED_WITH", "P2": "PAIRED_WITH", "P4": "PAIRED_WITH", "P5": "PAIRED_WITH",
                      "P3": "PAIRED_WITH:expired"}
    assert next(g for g in v.meta["groups"] if g["key"] == "PAIRED_WITH:expired")["dashes"] is True
    border = {n["id"]: n["color"]["border"] for n in v.nodes}
    assert border["V3"] == "#d62728"          # unpaired weak
    assert border["A"] != "#ff7f0e"           # two pairs, allowed by default
    v1 = view(hg, kind="pairing", as_of=AS_OF, max_per_strong=1)
    border1 = {n["id"]: n["color"]["border"] for n in v1.nodes}
    assert border1["A"] == "#ff7f0e"          # overloaded with max_per_strong=1
    panel = dict(v1.meta["panels"][0]["rows"])
    assert panel["未结对的后进党组织 Unpaired weak orgs"] == "1"
    assert panel["已到期结对 Expired pairs"] == "1"


def test_org_neighbourhood_includes_partners_through_groups(hg):
    v = view(hg, kind="org", name="甲村党支部", as_of=AS_OF)
    # V1's own links: parent T1C, groups J1 and C1 (with their members V2, A, F1), pairing partner V2
    assert ids(v) == {"V1", "T1C", "J1", "C1", "V2", "A", "F1"}
    centre = next(n for n in v.nodes if n["id"] == "V1")
    assert (centre["x"], centre["y"]) == (0.0, 0.0)
    v2 = view(hg, kind="org", name="甲村党支部", as_of=AS_OF, radius=2)
    assert ids(v) < ids(v2)


def test_cluster_view_colours_by_cluster(hg):
    from graphkit.analyses.clusters import detect_clusters

    v = view(hg, kind="cluster", as_of=AS_OF, seed=3)
    c = detect_clusters(hg, as_of=AS_OF, seed=3)
    orgs = {n["id"] for n in v.nodes if v.meta["types"][n["t"]] == "Organization"}
    assert orgs == set(c["org_id"])
    colour = {n["id"]: n["color"]["background"] for n in v.nodes}
    for _, members in c.groupby("cluster")["org_id"]:
        assert len({colour[o] for o in members}) == 1
    rels = {v.meta["groups"][e["g"]]["key"] for e in v.edges}
    assert rels <= {"MEMBER_OF", "PAIRED_WITH"}


# ---- facts, styles, options ------------------------------------------------------------------------

def test_org_tooltip_facts(hg):
    v = view(hg, kind="county", as_of=AS_OF)
    n = next(n for n in v.nodes if n["id"] == "V1")
    facts = dict(zip(v.meta["nodeFactKeys"][n["t"]], n["f"]))
    assert facts["党组织名称 Name"] == "甲村党支部"
    assert facts["组织形式 Form"] == "党支部"
    assert facts["所属镇(街道) Town"] == "甲镇"
    assert facts["分类定级 Category"] == "一类"
    assert "联村党组织：甲镇联村党委（牵头单位）" in facts["联建机制 Mechanisms"]
    assert "产业链党组织：蚕桑产业链党委（成员单位·养蚕）" in facts["联建机制 Mechanisms"]
    assert "结对共建（帮扶方 strong side）" in facts["联建机制 Mechanisms"]
    assert facts["结对伙伴 Pairing partners"] == "帮扶 helps 乙村党支部"
    v3 = next(n for n in v.nodes if n["id"] == "V3")
    f3 = dict(zip(v.meta["nodeFactKeys"][v3["t"]], v3["f"]))
    assert f3["分类定级 Category"] == "二类，软弱涣散 weak and lax"
    edge = next(e for e in v.edges if e["id"] == "m2")
    ef = dict(zip(v.meta["edgeFactKeys"][edge["k"]], edge["f"]))
    assert ef["起点 From"] == "县教体局机关党支部" and ef["终点 To"] == "第一片区"
    assert ef["角色 Role"] == "轮值单位" and ef["轮值月份 Hosting month"] == "2"


@pytest.mark.parametrize("color_by", ["sector", "mechanism", "category", "town"])
def test_colour_legend_matches_nodes(hg, color_by):
    v = view(hg, kind="county", as_of=AS_OF, color_by=color_by)
    legend = v.meta["legend"][0]
    assert legend["title"].startswith("颜色")
    legend_colours = {i["color"] for i in legend["items"]}
    org_colours = {n["color"]["background"] for n in v.nodes if v.meta["types"][n["t"]] == "Organization"}
    assert org_colours <= legend_colours


def test_mechanism_colours(hg):
    v = view(hg, kind="county", as_of=AS_OF, color_by="mechanism")
    colour = {n["id"]: n["color"]["background"] for n in v.nodes}
    assert colour["K"] == colour["B"] != colour["V2"]   # district only / joint village + pairing
    assert colour["T2C"] == "#c7c7c7"                   # no joint building at all


def test_size_by_members_and_degree(hg):
    deg = {n["id"]: n["size"] for n in view(hg, kind="county", as_of=AS_OF).nodes}
    assert deg["A"] > deg["K"]  # A: district, chain, two pairings; K: district only
    mem = {n["id"]: n["size"] for n in view(hg, kind="county", as_of=AS_OF, size_by="members").nodes}
    assert mem["A"] == mem["K"]  # both 10 members


def test_shapes_by_category(hg):
    shape = {n["id"]: n["shape"] for n in view(hg, kind="county", as_of=AS_OF).nodes}
    assert (shape["A"], shape["B"], shape["V2"], shape["D1"]) == ("diamond", "dot", "triangle", "hexagon")


def test_physics_off_and_positions_given(hg):
    v = view(hg, kind="county", as_of=AS_OF)
    assert v.network.options["physics"]["enabled"] is False
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in v.nodes)
    assert len({(n["x"], n["y"]) for n in v.nodes}) == len(v.nodes)


# ---- escaping and offline ------------------------------------------------------------------------------

def test_hostile_names_are_inert():
    g = hand_graph(hostile=True)
    for kind, name in [("county", None), ("pairing", None), ("org", "丙村"), ("district", "第一片区")]:
        if kind == "org":
            name = HOSTILE
        html = view(g, kind=kind, name=name, as_of=AS_OF).html
        # exactly our three script elements: the JSON data, vis-network, the page script
        assert elements(html).count("script") == 3
        assert "<script>window.__pwned" not in html  # only escaped copies of the names
        assert "img" not in elements(html)
        assert "<img" not in html.split('id="gk-data">')[1].split("</script>")[0]
        block = re.search(r'id="gk-data">(.*?)</script>', html, re.S).group(1)
        assert "<" not in block and ">" not in block and "&" not in block and "\u2028" not in block
        data = json.loads(block)
        names = {n["nm"] for n in data["nodes"]}
        assert HOSTILE in names or kind == "district"
    # the names survive intact in the data (shown as text by the page)
    v = view(g, kind="county", as_of=AS_OF)
    assert {HOSTILE, HOSTILE2} <= {n["nm"] for n in page_data(v.html)["nodes"]}


def test_title_is_escaped_in_html():
    g = hand_graph(hostile=True)
    html = view(g, kind="org", name=HOSTILE, as_of=AS_OF).html
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and "&lt;img" in title


def test_repr_html_is_an_escaped_iframe(hg):
    v = view(hg, kind="county", as_of=AS_OF)
    out = v._repr_html_()
    m = re.fullmatch(r'<iframe srcdoc="([^"]*)" title="[^"<>]*" style="[^"]*" sandbox="allow-scripts allow-popups"></iframe>',
                     out, re.S)
    assert m, out[:200]
    assert "<" not in m.group(1)
    import html as _html
    assert _html.unescape(m.group(1)) == v.html


def test_page_is_self_contained(hg, tmp_path):
    p = write_view(hg, tmp_path / "v.html", kind="county", as_of=AS_OF)
    raw = p.read_bytes()
    html = raw.decode("utf-8")  # written as UTF-8
    assert html.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html
    # no element loads anything: no src=, no <link>, no url() other than data:
    assert not re.search(r"<(script|img|iframe|link)[^>]*\s(src|href)=", html, re.I)
    assert not re.search(r"url\((?!\"?data:)", html)
    assert "sourceMappingURL" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    csp = re.search(r"script-src ([^;]+);", html).group(1).split()
    assert len(csp) == 2 and all(h.startswith("'sha256-") for h in csp)
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html
    assert "NotoSansCJKSC" not in html and "MicrosoftYaHei" not in html  # canvas font names keep their spaces
    assert "@license" in html  # vis-network's license header is kept


def test_csp_hashes_match_the_scripts(hg):
    import base64
    import hashlib
    html = view(hg, kind="county", as_of=AS_OF).html
    csp = re.search(r"script-src ([^;]+);", html).group(1).split()
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    got = {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in scripts}
    assert got == set(csp)


def test_same_seed_same_file(hg, tmp_path):
    a = write_view(hg, tmp_path / "a.html", kind="cluster", as_of=AS_OF, seed=7).read_bytes()
    b = write_view(hg, tmp_path / "b.html", kind="cluster", as_of=AS_OF, seed=7).read_bytes()
    assert a == b
    c = view(hg, kind="county", as_of=AS_OF).html
    assert c == view(hg, kind="county", as_of=AS_OF).html


# ---- aggregation and drill-down ------------------------------------------------------------------------

def test_aggregates_above_max_nodes_and_drills_down(hg, tmp_path):
    v = view(hg, kind="county", as_of=AS_OF, max_nodes=8)
    assert v.aggregated
    names = {n["nm"] for n in v.nodes}
    assert names == {"甲镇", "乙镇", "演示县直属及未填镇 county level / no town"}
    sizes = {n["nm"]: n["f"][1] for n in v.nodes}
    assert sizes["甲镇"] == "5" and sizes["乙镇"] == "2"
    # links between groups per type: T1 - none (MEMBER_OF via D1? no: A/B/K are county; C1 and J1 hold
    # town members), pairing A->V2 and A->V4 cross groups
    keys = {(frozenset((e["from"], e["to"])), v.meta["groups"][e["g"]]["key"]) for e in v.edges}
    assert (frozenset(("T1", "__none__")), "PAIRED_WITH") in keys
    assert (frozenset(("T2", "__none__")), "PAIRED_WITH") in keys
    out = v.write(tmp_path / "agg.html")
    parts = sorted((tmp_path / "agg_parts").glob("*.html"))
    assert parts and all(p.stat().st_size > 0 for p in parts)
    data = page_data(out.read_text(encoding="utf-8"))
    for n in data["nodes"]:
        target = tmp_path / n["href"].split("#")[0]
        assert target.exists()
    seen: set[str] = set()
    for p in parts:
        d = page_data(p.read_text(encoding="utf-8"))
        assert d["back"] == "../agg.html"
        assert len(d["nodes"]) <= 8 or len({n.get("g") for n in d["nodes"]}) == 1
        seen |= {n["id"] for n in d["nodes"] if d["types"][n["t"]] == "Organization"}
    assert seen == {"K", "A", "B", "T1C", "V1", "V2", "V3", "F1", "T2C", "V4"}


def test_write_without_drilldown(hg, tmp_path):
    v = view(hg, kind="pairing", as_of=AS_OF, max_nodes=3)
    assert v.aggregated
    v.write(tmp_path / "p.html", drilldown=False)
    assert not (tmp_path / "p_parts").exists()


# ---- errors -------------------------------------------------------------------------------------------

def test_errors_name_the_choices(hg):
    with pytest.raises(gk.GraphkitError, match="第一片区"):
        view(hg, kind="district", name="第九片区", as_of=AS_OF)
    with pytest.raises(gk.GraphkitError, match="--name"):
        view(hg, kind="org", as_of=AS_OF)
    with pytest.raises(gk.GraphkitError, match="多个|several"):
        view(hg, kind="org", name="村党支部", as_of=AS_OF)
    with pytest.raises(gk.GraphkitError, match="county"):
        view(hg, kind="nation")
    with pytest.raises(gk.GraphkitError, match="sector"):
        view(hg, color_by="rainbow")
    with pytest.raises(gk.GraphkitError, match="degree"):
        view(hg, size_by="height")
    with pytest.raises(gk.GraphkitError, match=".html"):
        view(hg, as_of=AS_OF).write("/tmp/x.txt")
    with pytest.raises(gk.GraphkitError, match="集群"):
        view(hg, kind="cluster", name="99", as_of=AS_OF)


def test_cli_choices_match_the_module():
    from graphkit.cli import _view as _cli_view
    assert _cli_view._KINDS == KINDS and _cli_view._COLOR_BY == COLOR_BY and _cli_view._SIZE_BY == SIZE_BY


# ---- the sample county -----------------------------------------------------------------------------------

def test_every_kind_on_the_sample_county(sample_graph, tmp_path):
    names = {"district": "第八片区", "chain": "蚕桑", "org": "示例县农业农村局党委"}
    for kind in KINDS:
        v = view(sample_graph, kind=kind, name=names.get(kind))
        assert not v.aggregated and len(v.nodes) > 5 and len(v.edges) > 5, kind
        p = v.write(tmp_path / f"{kind}.html")
        assert p.stat().st_size > 400_000  # vis-network is inside


def test_cli_view(sample_out, tmp_path):
    from graphkit.cli import cli

    r = CliRunner().invoke(cli, ["view", str(sample_out), "--kind", "district", "--name", "第八片区",
                                 "-o", str(tmp_path / "d.html")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "d.html").exists() and "已写出" in r.output
    r = CliRunner().invoke(cli, ["view", str(sample_out), "--kind", "district", "--name", "第十一片区",
                                 "-o", str(tmp_path / "x.html")])
    assert r.exit_code == 1 and "第十一片区" in r.output and "Traceback" not in r.output
    assert not (tmp_path / "x.html").exists()
    r = CliRunner().invoke(cli, ["view", str(sample_out), "--max-nodes", "100", "-o", str(tmp_path / "a.html")])
    assert r.exit_code == 0 and "汇总" in r.output
    assert (tmp_path / "a_parts").is_dir()


def test_oversized_groups_split_and_small_ones_merge(hg, tmp_path):
    # max_nodes=3: a group may hold int(3 * 0.9) = 2 orgs, so 甲镇 (five orgs under 甲镇党委) is cut
    # into chunks of its 隶属 tree and the county-level orgs K, A, B (three roots) into three groups;
    # seven groups > 3 nodes, so the overview shows the two largest and one "others" node.
    v = view(hg, kind="county", as_of=AS_OF, max_nodes=3)
    assert v.aggregated and len(v.nodes) == 3
    assert "__others__" in ids(v)
    labels = [link["label"] for link in v.meta["links"]]
    assert len(labels) == 7
    assert sum(label.startswith("甲镇·甲镇党委 等") for label in labels) == 3
    out = v.write(tmp_path / "split.html")
    pages = sorted((tmp_path / "split_parts").glob("*.html"))
    seen: list[str] = []
    for p in pages:
        d = page_data(p.read_text(encoding="utf-8"))
        seen += [n["id"] for n in d["nodes"] if d["types"][n["t"]] == "Organization"]
    assert sorted(seen) == sorted(["K", "A", "B", "T1C", "V1", "V2", "V3", "F1", "T2C", "V4"])
    assert out.exists()


def test_notebook_display_uses_the_iframe(hg):
    formatters = pytest.importorskip("IPython.core.formatters")
    v = view(hg, kind="org", name="甲村党支部", as_of=AS_OF)
    data, _ = formatters.DisplayFormatter().format(v)
    assert data["text/html"].startswith('<iframe srcdoc="&lt;!DOCTYPE html&gt;')


@pytest.mark.parametrize("hostile", [False, True])
def test_one_page_representation_and_the_network_derived_from_it(hostile):
    # a view holds its page in one form (columns) and writes the page from it; the pyvis Network,
    # .nodes and .edges are derived from the same columns and hold exactly the page's data
    g = hand_graph(hostile=hostile)
    cases = [("county", None, {}), ("county", None, {"color_by": "mechanism", "size_by": "members"}),
             ("county", None, {"max_nodes": 4}), ("district", "第一片区", {}), ("chain", "蚕桑", {}),
             ("pairing", None, {}), ("pairing", None, {"max_nodes": 3}), ("org", "甲村党支部", {"radius": 2}),
             ("cluster", None, {})]
    for kind, name, kw in cases:
        v = view(g, kind=kind, name=name, as_of=AS_OF, **kw)
        before = v.html
        data = page_data(before)
        net = v.network
        nodes, edges, heading, _h, _w, options = net.get_network_data()
        assert heading == v.title
        assert json.loads(options) == data["options"]
        hrefs = {n["id"]: n.pop("href") for n in data["nodes"] if "href" in n}
        assert (hrefs != {}) == v.aggregated, kind
        pages = {n["id"]: n.pop("page") for n in nodes if "page" in n}
        assert set(pages) == set(hrefs) and all(hrefs[k].split("/")[-1].startswith(pages[k]) for k in pages), kind
        assert nodes == data["nodes"] and edges == data["edges"], kind
        assert v.nodes == v.network.nodes and v.edges == edges and v.counts == {"nodes": len(nodes), "edges": len(edges)}
        # the network is a copy: editing it leaves the page as it was
        net.nodes.clear()
        assert v.html == before and v.counts["nodes"] == len(data["nodes"]), kind
    # drill-down pages take facts from one whole-scene computation: same page either way
    agg = view(g, kind="pairing", as_of=AS_OF, max_nodes=3)
    assert agg.aggregated and agg.pages
    for page in agg.pages:
        a, b = page.build(), page.build()
        _ = b.nodes
        assert a.html == b.html


NON_BMP = "丝厂𠮷🏠\u2029\x01\"\\/</script>"  # astral characters, U+2029, a control, quote, backslash


def _stdlib_page_json(data):
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for ch, esc in (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


@pytest.mark.parametrize("kind,name,kw", [("county", None, {}), ("county", None, {"max_nodes": 4}),
                                          ("pairing", None, {}), ("org", "甲村党支部", {}), ("cluster", None, {}),
                                          ("district", "第一片区", {}), ("chain", "蚕桑", {})])
def test_page_json_is_the_stdlib_encoding_with_html_escapes(kind, name, kw):
    # the page data is encoded by orjson; it must be exactly the text the standard library
    # writes (compact, UTF-8), with &, <, >, U+2028 and U+2029 escaped, and decode to the same data
    from graphkit.views.view import _json_for_html

    g = hand_graph(hostile=True)
    orgs = g.tables["Organization"]
    orgs.loc[orgs["id"] == "F1", "name"] = NON_BMP
    v = view(g, kind=kind, name=name, as_of=AS_OF, **kw)
    data = v._data()
    page = _json_for_html(data)
    assert page == _stdlib_page_json(data)
    assert not set("<>&\u2028\u2029") & set(page)
    assert json.loads(page) == data == page_data(v.html)
    if kind in ("county", "chain") and not kw:
        assert any(n["nm"] == NON_BMP for n in data["nodes"])
        assert "𠮷🏠" in page and "\\u2029" in page and "\\u003c/script\\u003e" in page


def test_page_json_values():
    from graphkit.views.view import _json_for_html

    data = {"s": NON_BMP + "\u2028&amp;", "f": [0.1, -0.0, 12.3, 1e16, 5e-324, 2.5], "i": [0, -7, 2**53], "n": None,
            "b": [True, False], "np": np.array([1.5, 2.0]), "ni": np.int64(3), "t": (1, "x")}
    page = _json_for_html(data)
    back = json.loads(page)
    assert back["s"] == data["s"] and back["f"] == data["f"] and back["i"] == data["i"]
    assert back["np"] == [1.5, 2.0] and back["ni"] == 3 and back["t"] == [1, "x"] and back["n"] is None
    assert not set("<>&\u2028\u2029") & set(page)
    plain = {k: v for k, v in data.items() if k not in ("np", "ni")}
    assert _json_for_html(plain) == _stdlib_page_json(plain)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), [1.0, -float("inf")], {"a": [{"x": np.float64("nan")}]},
                                 {"a": np.array([0.0, np.nan])}, {"a": np.array([None, float("nan")], dtype=object)},
                                 ("x", float("nan"))])
def test_page_json_refuses_nan(bad):
    # orjson would write NaN/Infinity as null; the page must refuse them as json.dumps(allow_nan=False) does
    from graphkit.views.view import _json_for_html

    with pytest.raises(ValueError, match="not JSON compliant"):
        _json_for_html(bad)


def test_page_json_refuses_what_the_stdlib_refuses():
    import datetime

    from graphkit.views.view import _json_for_html

    with pytest.raises(TypeError):
        _json_for_html({"d": datetime.date(2024, 1, 1)})
    with pytest.raises(TypeError):
        _json_for_html({"bad": "\ud800"})  # a lone surrogate is no UTF-8 text
