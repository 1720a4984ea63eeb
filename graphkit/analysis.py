"""Run every analysis at once: the registry behind ``graphkit analyze``, the report and benchmarks.

:func:`run_all` returns an ordered ``dict`` of tidy DataFrames keyed by analysis name
(declared once each in :mod:`graphkit.registry`; :data:`ANALYSES` is the built-in registry:
each one's section, Chinese and English title and a one-line description); :func:`headlines` picks the figures a county reports upward. Use
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

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from ._analysis import ProgressFn, as_of_date, cached, to_zh
from .model import Graph
from .registry import (
    BUILTIN_UNUSED_COLUMNS,
    Analysis,
    Registry,
    RunContext,
    builtin_registry,
    current_registry,
)
from .schema import Model, load_schema

__all__ = ["ANALYSES", "SECTIONS", "AnalysisSpec", "analysis_columns", "headlines", "run_all", "to_zh"]


#: One analysis table's declaration (see :mod:`graphkit.registry`).
AnalysisSpec = Analysis

#: Every table :func:`run_all` returns with the built-in registry, in order: key -> declaration.
ANALYSES: Registry = builtin_registry()

#: Report sections of the built-in registry: key -> (Chinese title, English title).
SECTIONS: Mapping[str, tuple[str, str]] = ANALYSES.sections

#: Columns no built-in analysis reads (see :data:`graphkit.registry.BUILTIN_UNUSED_COLUMNS`).
UNUSED_COLUMNS = BUILTIN_UNUSED_COLUMNS


def analysis_columns(model: Model | None = None, *, registry: Registry | None = None) -> dict[str, list[str]]:
    """The columns :func:`run_all` reads, per record type, for ``read_graph(columns=...)``.

    Parameters
    ----------
    model
        The schema (default: the built-in one).
    registry
        The analyses (default: :func:`graphkit.registry.current_registry`); an analysis that
        declares ``reads`` adds those columns.

    Examples
    --------
    >>> cols = analysis_columns()
    >>> "Participation" in cols, "title" in cols["Activity"], "org" in cols["Rating"]
    (False, False, True)
    """
    return (registry or current_registry()).analysis_columns(model or load_schema())


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
            compare_to: Any = None, previous: Graph | None = None, progress: ProgressFn | None = None,
            registry: Registry | None = None) -> dict[str, pd.DataFrame]:
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
    registry
        The analyses to run (default: :func:`graphkit.registry.current_registry`, the built-in
        ones unless a :func:`graphkit.registry.use_registry` block says otherwise).

    Returns
    -------
    dict of DataFrame
        One table per analysis of the registry, in its order (:data:`ANALYSES` by default).

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> res = run_all(example_graph(), as_of="2024-06-30")
    >>> sorted(res["unpaired_weak"]["name"])
    ['丁村党支部', '丙村党支部', '县司法局机关党支部']
    """
    reg = registry or current_registry()
    ts = as_of_date(graph, as_of)
    opts: dict[str, Any] = dict(resolve_options(seed=seed, max_per_strong=max_per_strong, capacity=capacity,
                                                rotation_years=rotation_years))
    opts.update(resolution=resolution, compare_to=compare_to, previous=previous)
    say: Callable[[str], None] = progress or (lambda _msg: None)
    ctx = RunContext(graph, ts, opts)
    order = [a for a in reg.values() if not a.after_all] + [a for a in reg.values() if a.after_all]
    with cached(graph):
        for spec in order:
            if spec.progress:
                say(spec.progress.replace("{as_of}", str(ts.date())))
            ctx.results[spec.key] = spec.run(ctx)
    return {k: ctx.results[k] for k in reg}


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
