"""The headline figures of a county's analyses: the few numbers a county reports upward.

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses.analysis import run_all
>>> g = example_graph()
>>> headlines(g, run_all(g, as_of="2024-06-30"), as_of="2024-06-30").shape[1]
4
"""
from __future__ import annotations

from typing import Any

import pandas as pd

from .toolkit import as_of_date
from ..core.model import Graph

__all__ = ["headlines"]


def _pct(n: float, d: float) -> str:
    return f"{n / d:.1%}" if d else "—"


def headlines(graph: Graph, results: dict[str, pd.DataFrame], *, as_of: Any = None, backend: str = "") -> pd.DataFrame:
    """The headline figures of a :func:`run_all` result: ``metric, label, value, note``.

    ``metric`` is a stable English key, ``label`` the Chinese wording, ``value`` a short text.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> from graphkit.analyses.analysis import run_all
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
