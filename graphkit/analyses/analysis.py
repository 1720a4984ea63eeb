"""Run every analysis at once: the registry behind ``graphkit analyze``, the report and benchmarks.

:func:`run_all` returns an ordered ``dict`` of tidy DataFrames keyed by analysis name
(declared once each in :mod:`graphkit.analyses.registry`; :data:`ANALYSES` is the built-in registry:
each one's section, Chinese and English title and a one-line description); :func:`headlines` picks the figures a county reports upward. Use
:func:`graphkit.analyses.toolkit.to_zh` (re-exported here) for the Chinese-labelled version of a table.

Examples
--------
>>> from graphkit.analyses.toolkit import example_graph
>>> from graphkit.analyses.analysis import run_all, ANALYSES
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

from .toolkit import ProgressFn, as_of_date, cached, to_zh
from .headline_figures import headlines
from ..core.model import Graph
from .registry import (
    BUILTIN_UNUSED_COLUMNS,
    Analysis,
    Registry,
    RunContext,
    builtin_registry,
    current_registry,
)
from ..core.schema import Model, load_schema

__all__ = ["ANALYSES", "SECTIONS", "AnalysisSpec", "analysis_columns", "headlines", "run_all", "to_zh"]


#: One analysis table's declaration (see :mod:`graphkit.analyses.registry`).
AnalysisSpec = Analysis

#: Every table :func:`run_all` returns with the built-in registry, in order: key -> declaration.
ANALYSES: Registry = builtin_registry()

#: Report sections of the built-in registry: key -> (Chinese title, English title).
SECTIONS: Mapping[str, tuple[str, str]] = ANALYSES.sections

#: Columns no built-in analysis reads (see :data:`graphkit.analyses.registry.BUILTIN_UNUSED_COLUMNS`).
UNUSED_COLUMNS = BUILTIN_UNUSED_COLUMNS


def analysis_columns(model: Model | None = None, *, registry: Registry | None = None) -> dict[str, list[str]]:
    """The columns :func:`run_all` reads, per record type, for ``read_graph(columns=...)``.

    Parameters
    ----------
    model
        The schema (default: the built-in one).
    registry
        The analyses (default: :func:`graphkit.analyses.registry.current_registry`); an analysis that
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
    >>> from graphkit.core.settings import override
    >>> with override(seed=5, pairing_capacity=3):
    ...     resolve_options(max_per_strong=4)
    {'seed': 5, 'max_per_strong': 4, 'capacity': 4, 'rotation_years': 1}
    """
    from ..core.settings import config

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
        The analyses to run (default: :func:`graphkit.analyses.registry.current_registry`, the built-in
        ones unless a :func:`graphkit.analyses.registry.use_registry` block says otherwise).

    Returns
    -------
    dict of DataFrame
        One table per analysis of the registry, in its order (:data:`ANALYSES` by default).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
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
