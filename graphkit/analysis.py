"""Run every analysis at once: the registry behind ``graphkit analyze``, the report and benchmarks.

:func:`run_all` returns an ordered ``dict`` of tidy DataFrames keyed by analysis name
(:data:`ANALYSES` gives each one's section, Chinese and English title and a one-line
description); :func:`headlines` picks the figures a county reports upward. Use
:func:`graphkit._analysis.to_zh` (re-exported here) for the Chinese-labelled version of a table.

Examples
--------
>>> from graphkit._analysis import example_graph
>>> from graphkit.analysis import run_all, ANALYSES
>>> res = run_all(example_graph(), as_of="2024-06-30")
>>> list(res) == list(ANALYSES)
True
>>> res["headlines"].set_index("metric").loc["weak_paired_strong", "value"]
'1/4'
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd

from ._analysis import ProgressFn, as_of_date, cached, to_zh
from .model import Graph
from .schema import Model, load_schema

__all__ = ["AnalysisSpec", "SECTIONS", "ANALYSES", "run_all", "analysis_columns", "headlines", "to_zh"]


@dataclass(frozen=True)
class AnalysisSpec:
    """One analysis table: where it goes in the report and what it is called."""

    key: str
    section: str
    title_zh: str
    title_en: str
    description: str


#: Report sections: key -> (Chinese title, English title).
SECTIONS: dict[str, tuple[str, str]] = {
    "overview": ("概况", "Overview"),
    "coverage": ("覆盖", "Coverage"),
    "pairing": ("结对缺口与建议", "Pairing gaps and suggestions"),
    "clusters": ("联建集群与产业链联盟", "Joint-building clusters and chain alliances"),
    "cadence": ("活动节奏", "Cadence"),
    "change": ("变化", "Change over time"),
}

_SPECS = [
    ("headlines", "overview", "主要指标", "Headline figures", "向上报告常用的汇总数字。"),
    ("coverage_overall", "coverage", "联建覆盖（全县）", "Coverage, overall",
     "参与至少一种联建机制的党组织数量和比例，以及各机制的参与情况。"),
    ("coverage_by_town", "coverage", "联建覆盖（按镇）", "Coverage by town", "按所属镇（街道）分组；县直单位无所属镇。"),
    ("coverage_by_sector", "coverage", "联建覆盖（按领域）", "Coverage by sector", "按领域分组。"),
    ("coverage_by_category", "coverage", "联建覆盖（按分类定级）", "Coverage by category", "按截止日期有效的分类定级分组。"),
    ("coverage_by_level", "coverage", "联建覆盖（按层级）", "Coverage by level", "按层级分组。"),
    ("village_coverage", "coverage", "跨村联建覆盖行政村", "Villages in joint committees",
     "各镇行政村被联村党组织覆盖的情况，列出未覆盖的村。"),
    ("weak_coverage", "coverage", "后进党组织结对覆盖", "Weak orgs covered by pairing",
     "三类或软弱涣散党组织中有有效结对的数量，以及由一类党组织帮扶的数量。"),
    ("two_coverages", "coverage", "两新组织“两个覆盖”", "Two coverages of firms and social organizations",
     "组织覆盖：建有党组织；工作覆盖：建有党组织、有联系党组织或党建指导员。"),
    ("two_coverages_by_town", "coverage", "两新组织“两个覆盖”（按镇）", "Two coverages by town",
     "按所属镇（街道）分组的组织覆盖和工作覆盖。"),
    ("chain_stage_coverage", "coverage", "产业链环节覆盖", "Chain-stage coverage", "每条产业链各环节的党组织；无党组织的环节标出。"),
    ("unpaired_weak", "pairing", "无一类帮扶的后进党组织", "Weak orgs without a strong partner",
     "截止日期三类或软弱涣散、且没有有效一类帮扶方的党组织。"),
    ("weak_strong_side", "pairing", "帮扶方不是一类的结对", "Pairs whose strong side is not 一类", "有效结对中帮扶方不是一类党组织的。"),
    ("overloaded_strong", "pairing", "帮扶任务过多的党组织", "Strong orgs carrying too many pairs", "有效结对数超过上限的帮扶方。"),
    ("groups_without_anchor", "pairing", "缺少一类牵头的联建组织", "Groups without a 一类 anchor",
     "片区、服务队中没有一类党组织，或牵头单位不是一类、未明确牵头单位的。"),
    ("due_for_rotation", "pairing", "到期应轮换的结对", "Pairs due for rotation", "已满轮换年限（默认一年一轮换）的有效结对。"),
    ("ended_without_successor", "pairing", "结束后未接续的结对", "Pairs that ended without a successor",
     "已结束、受援方此后再无结对的。"),
    ("pairing_suggestions", "pairing", "结对建议", "Suggested pairings",
     "为无一类帮扶的后进党组织推荐有余量的一类党组织：按最小费用流整体求解（同镇优先，其次层级相邻，再次同产业链）。"),
    ("clusters", "clusters", "联建集群成员", "Cluster membership", "在“党组织—联建组织—结对”网络上做社区发现（固定随机种子）。"),
    ("cluster_summary", "clusters", "联建集群概况", "Clusters described", "每个集群的规模、主导产业链、镇、领域和层级分布。"),
    ("chain_alliances", "clusters", "产业链联盟完整度", "Chain alliances", "各产业链联盟覆盖的环节、层级和领域。"),
    ("brokers", "clusters", "桥接党组织", "Brokers", "同时参与两个及以上联建组织、连接不同产业链或片区的党组织。"),
    ("isolated", "clusters", "孤立党组织", "Isolated orgs", "未参与任何联建的党组织，以及只在很小孤立群体中的党组织。"),
    ("cadence_summary", "cadence", "片区活动节奏概况", "District cadence", "“月月有活动、季季有自检、半年有督导”逐片区核对；活动总数含互督和交叉巡回督导。"),
    ("missed_months", "cadence", "缺少联建活动的月份", "Months without a joint activity", "片区当月没有联建活动（不含互督、督导）。"),
    ("missed_quarters", "cadence", "缺少互督的季度", "Quarters without a mutual inspection", "片区当季没有互督。"),
    ("missed_half_years", "cadence", "缺少交叉巡回督导的半年", "Half-years without a cross inspection", "片区当半年没有交叉巡回督导。"),
    ("never_hosted", "cadence", "从未主办活动的成员单位", "Members that never hosted", "当年未主办过本片区活动的成员单位（轮值是否公平）。"),
    ("activity_counts", "cadence", "各片区活动类型统计", "Activities by type", "当年各片区按活动类型计数。"),
    ("cadence_months", "cadence", "片区逐月活动", "Activities month by month",
     "各片区每月的联建活动数。互督、交叉巡回督导另行核对，不计入逐月活动，因此全年合计可能少于“片区活动节奏概况”中的活动总数。"),
    ("change_summary", "change", "变化概况", "Change summary", "两个日期（或两期台账）之间的变化计数。"),
    ("link_changes", "change", "新增与结束的联建关系", "Links added and ended", "成员关系、结对、任职的新增与结束。"),
    ("rating_changes", "change", "分类定级进位与退位", "Rating changes", "两个日期之间分类定级的变化。"),
    ("rotations", "change", "结对轮换", "Pairs rotated", "受援方的帮扶方发生变化的。"),
    ("rating_moves", "change", "结对与进位（计数比较）", "Pairing and moving up (counts)",
     "期初后进党组织中，期间有结对与无结对者的进位情况。"),
]

#: Every table :func:`run_all` returns, in order.
ANALYSES: dict[str, AnalysisSpec] = {k: AnalysisSpec(k, s, zh, en, d) for k, s, zh, en, d in _SPECS}


#: Columns no analysis reads (checked by tests/test_analysis_columns.py: every analysis gives the same
#: tables on a graph read without them). Participation is the largest table of all and only feeds the
#: exports and views.
UNUSED_COLUMNS: dict[str, frozenset[str] | None] = {
    "Participation": None,  # None: the whole table
    "Activity": frozenset({"id", "title"}),
    "Organization": frozenset({"host_unit", "members"}),
    "Person": frozenset({"title"}),
    "Unit": frozenset({"id", "name", "employees"}),
    "Post": frozenset({"id", "role"}),
}


def analysis_columns(model: Model | None = None) -> dict[str, list[str]]:
    """The columns :func:`run_all` reads, per record type, for ``read_graph(columns=...)``.

    Examples
    --------
    >>> cols = analysis_columns()
    >>> "Participation" in cols, "title" in cols["Activity"], "org" in cols["Rating"]
    (False, False, True)
    """
    model = model or load_schema()
    out: dict[str, list[str]] = {}
    for rtype in model:
        skip = UNUSED_COLUMNS.get(rtype.name, frozenset())
        if skip is None:
            continue
        out[rtype.name] = [c for c in ("id", *rtype.properties) if c not in skip]
    return out


def resolve_options(*, seed: int | None = None, max_per_strong: int | None = None, capacity: int | None = None,
                    rotation_years: int | None = None) -> dict[str, int]:
    """The options :func:`run_all` uses: those given, the rest from ``graphkit.config`` (``GRAPHKIT_*``).

    ``capacity`` defaults to ``max_per_strong`` when that is given, else to ``config.pairing_capacity``.

    Examples
    --------
    >>> from graphkit.settings import override
    >>> with override(seed=5, pairing_capacity=3):
    ...     resolve_options(max_per_strong=4)
    {'seed': 5, 'max_per_strong': 4, 'capacity': 4, 'rotation_years': 1}
    """
    from .settings import config

    if capacity is None:
        capacity = config.pairing_capacity if max_per_strong is None else max_per_strong
    return {"seed": config.seed if seed is None else seed,
            "max_per_strong": config.max_per_strong if max_per_strong is None else max_per_strong,
            "capacity": capacity,
            "rotation_years": config.rotation_years if rotation_years is None else rotation_years}


def run_all(graph: Graph, *, as_of: Any = None, seed: int | None = None, max_per_strong: int | None = None,
            capacity: int | None = None, rotation_years: int | None = None, resolution: float = 1.0,
            compare_to: Any = None, previous: Graph | None = None,
            progress: ProgressFn | None = None) -> dict[str, pd.DataFrame]:
    """Run every analysis on one graph.

    Parameters
    ----------
    graph
        The graph.
    as_of
        The date (default: the graph's reference date, the latest recorded event).
    seed
        Seed of community detection and of tie-breaking in the suggestions (default ``graphkit.config.seed``).
    max_per_strong
        Pairs a strong org may carry before it is "overloaded" (default ``graphkit.config.max_per_strong``).
    capacity
        Capacity of strong orgs in the suggestions (default: ``max_per_strong`` when given, else
        ``graphkit.config.pairing_capacity``).
    rotation_years
        Years after which a pair is due for rotation (default ``graphkit.config.rotation_years``).
    resolution
        Community-detection resolution.
    compare_to
        Earlier date for "change over time" (default: one year before ``as_of``).
    previous
        An earlier snapshot to diff against instead of ``compare_to``.
    progress
        Called with a short message before each group of analyses.

    Returns
    -------
    dict of DataFrame
        One table per key of :data:`ANALYSES`, in that order.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> res = run_all(example_graph(), as_of="2024-06-30")
    >>> sorted(res["unpaired_weak"]["name"])
    ['丁村党支部', '丙村党支部', '县司法局机关党支部']
    """
    from . import cadence, change, clusters, coverage, pairing

    ts = as_of_date(graph, as_of)
    opts = resolve_options(seed=seed, max_per_strong=max_per_strong, capacity=capacity, rotation_years=rotation_years)
    seed, max_per_strong, capacity, rotation_years = (opts["seed"], opts["max_per_strong"], opts["capacity"],
                                                      opts["rotation_years"])
    say: Callable[[str], None] = progress or (lambda _msg: None)
    out: dict[str, pd.DataFrame] = {}
    with cached(graph):
        say(f"覆盖 coverage (截至 as of {ts.date()})")
        out["coverage_overall"] = coverage.coverage(graph, as_of=ts, by=None)
        for by in ("town", "sector", "category", "level"):
            out[f"coverage_by_{by}"] = coverage.coverage(graph, as_of=ts, by=by)
        out["village_coverage"] = coverage.village_coverage(graph, as_of=ts)
        out["weak_coverage"] = coverage.weak_coverage(graph, as_of=ts)
        out["two_coverages"] = coverage.two_coverages(graph, by=None)
        out["two_coverages_by_town"] = coverage.two_coverages(graph, by="town")
        out["chain_stage_coverage"] = coverage.chain_stage_coverage(graph, as_of=ts)
        say("结对缺口 pairing gaps")
        gaps = pairing.pairing_gaps(graph, as_of=ts, max_per_strong=max_per_strong, rotation_years=rotation_years)
        out.update(gaps)
        say("结对建议 suggested pairings (最小费用指派 min-cost assignment)")
        out["pairing_suggestions"] = pairing.suggest_pairings(graph, as_of=ts, capacity=capacity, seed=seed)
        say("集群 clusters")
        cl = clusters.detect_clusters(graph, as_of=ts, seed=seed, resolution=resolution)
        out["clusters"] = cl
        out["cluster_summary"] = clusters.describe_clusters(graph, cl, as_of=ts)
        out["chain_alliances"] = clusters.chain_alliances(graph, as_of=ts)
        out["brokers"] = clusters.brokers(graph, as_of=ts)
        out["isolated"] = clusters.isolated(graph, as_of=ts)
        say("活动节奏 cadence")
        cad = cadence.district_cadence(graph, as_of=ts)
        out["cadence_summary"] = cad["summary"]
        for k in ("missed_months", "missed_quarters", "missed_half_years", "never_hosted", "activity_counts"):
            out[k] = cad[k]
        out["cadence_months"] = cad["months"]
        say("变化 change over time")
        if previous is not None:
            diff = change.diff_graphs(previous, graph, as_of_new=ts)
        else:
            earlier = as_of_date(graph, compare_to) if compare_to is not None else ts - pd.DateOffset(years=1)
            diff = change.diff_dates(graph, earlier, ts)
        out["change_summary"] = diff["summary"]
        out["link_changes"] = diff["links"]
        out["rating_changes"] = diff["ratings"]
        out["rotations"] = diff["rotations"]
        out["rating_moves"] = change.rating_moves(graph)
        out["headlines"] = headlines(graph, out, as_of=ts, backend=cl.attrs.get("backend", ""))
    return {k: out[k] for k in ANALYSES}


def _pct(n: float, d: float) -> str:
    return f"{n / d:.1%}" if d else "—"


def headlines(graph: Graph, results: dict[str, pd.DataFrame], *, as_of: Any = None, backend: str = "") -> pd.DataFrame:
    """The headline figures of a :func:`run_all` result: ``metric, label, value, note``.

    ``metric`` is a stable English key, ``label`` the Chinese wording, ``value`` a short text.

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> g = example_graph()
    >>> h = headlines(g, run_all(g, as_of="2024-06-30"), as_of="2024-06-30")
    >>> list(h.columns), h.set_index("metric").loc["as_of", "value"]
    (['metric', 'label', 'value', 'note'], '2024-06-30')
    """
    ts = as_of_date(graph, as_of)
    r = results
    rows: list[tuple[str, str, str, str]] = []

    def add(metric: str, label: str, value: Any, note: str = "") -> None:
        rows.append((metric, label, str(value), note))

    add("as_of", "截止日期", ts.date().isoformat(), "各项分析的统计日期 / the as-of date")
    add("county", "县", graph.settings.get("county") or "—")
    ov = r["coverage_overall"].iloc[0] if len(r["coverage_overall"]) else None
    if ov is not None:
        add("orgs_covered", "参与联建的党组织", f"{int(ov['covered'])}/{int(ov['orgs'])}", _pct(ov["covered"], ov["orgs"]))
    vc = r["village_coverage"]
    if len(vc):
        add("villages_covered", "联村党组织覆盖行政村",
            f"{int(vc['committees'].sum())} 个联村党组织覆盖 {int(vc['villages_covered'].sum())}/{int(vc['villages'].sum())} 个行政村",
            _pct(vc["villages_covered"].sum(), vc["villages"].sum()))
    wc = r["weak_coverage"]
    add("weak_paired_strong", "后进党组织有一类帮扶", f"{int(wc['paired_strong'].sum())}/{int(wc['weak_orgs'].sum())}",
        _pct(wc["paired_strong"].sum(), wc["weak_orgs"].sum()))
    model = graph.model
    for _, row in r["two_coverages"].iterrows():
        kind = model.codelists["unit_kind"].zh(row["unit_kind"])
        add(f"two_coverages.{row['unit_kind']}", f"{kind}两个覆盖",
            f"组织覆盖 {_pct(row['org_covered'], row['units'])}，工作覆盖 {_pct(row['work_covered'], row['units'])}",
            f"共 {int(row['units'])} 家")
    sc = r["chain_stage_coverage"]
    empty = sc[sc["no_presence"]]
    add("chain_stages_empty", "无党组织的产业链环节", len(empty),
        "、".join(f"{a}·{b}" for a, b in zip(empty["chain"], empty["stage"])))
    for key, label in (("unpaired_weak", "无一类帮扶的后进党组织"), ("weak_strong_side", "帮扶方不是一类的结对"),
                       ("overloaded_strong", "帮扶任务过多的党组织"), ("groups_without_anchor", "缺少一类牵头的片区/服务队"),
                       ("due_for_rotation", "到期应轮换的结对"), ("ended_without_successor", "结束后未接续的结对")):
        add(key, label, len(r[key]))
    sg = r["pairing_suggestions"]
    add("suggestions", "可建议结对", f"{int(sg['strong_id'].notna().sum())}/{len(sg)}", "有余量的一类党组织 / strong orgs with room")
    add("clusters", "联建集群", r["cluster_summary"].shape[0], f"社区发现算法 {backend.capitalize()}" if backend else "")
    add("brokers", "桥接党组织", len(r["brokers"]))
    add("isolated", "未参与联建的党组织", int((r["isolated"]["status"] == "no_link").sum()) if len(r["isolated"]) else 0)
    cs = r["cadence_summary"]
    add("districts_ok", "节奏达标的片区", f"{int(cs['ok'].sum())}/{len(cs)}", "月月有活动、季季有自检、半年有督导")
    add("missed_months", "缺活动的片区月份", len(r["missed_months"]))
    add("missed_quarters", "缺互督的片区季度", len(r["missed_quarters"]))
    add("missed_half_years", "缺交叉督导的片区半年", len(r["missed_half_years"]))
    add("never_hosted", "从未主办的片区成员", len(r["never_hosted"]))
    rc = r["rating_changes"]
    add("ratings_moved", "分类定级变化", f"进位 {int((rc['change'] == 'up').sum())}，退位 {int((rc['change'] == 'down').sum())}")
    rm = r["rating_moves"]
    if len(rm):
        parts = []
        for _, row in rm.iterrows():
            parts.append(f"{'期间有结对' if row['cohort'] == 'paired' else '期间无结对'} {int(row['moved_up'])}/{int(row['weak_before'])}")
        add("rating_moves", f"后进党组织进位（{int(rm['year_from'].iloc[0])}→{int(rm['year_to'].iloc[0])}）", "；".join(parts),
            "仅为计数比较，不代表因果关系 / counts only, not a causal claim")
    return pd.DataFrame(rows, columns=["metric", "label", "value", "note"])
