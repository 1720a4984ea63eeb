"""The analysis registry: one declaration per analysis table.

Each :class:`Analysis` says everything graphkit needs to know about one table: its key, the
report section it belongs to, its Chinese and English titles, the labels of its own columns and
codes, the graph columns it reads beyond what the built-in analyses read, how the report shows
it, the public function(s) ``gk.<name>`` gives, and how :func:`graphkit.analyses.analysis.run_all`
computes it. From the registry come

* :func:`graphkit.analyses.analysis.run_all` (and so ``graphkit analyze`` and ``graphkit report``),
* the column reader :func:`graphkit.analyses.analysis.analysis_columns`,
* the report's sections, titles and sheets, and the Chinese labels of :func:`graphkit.labelled`,
* the analyses part of ``docs/index.md`` (``scripts/build_docs.py``),
* the analysis functions of the public API (``gk.village_coverage``, ...).

The built-in registry (:func:`builtin_registry`) is read-only. To add an analysis, copy a
registry, declare it there and make the copy current for a block of code with
:func:`use_registry`; nothing outside the block sees it, so tests cannot leak analyses into each
other. The current registry is held in a :class:`contextvars.ContextVar` (like
:func:`graphkit.override` for settings), so threads and asyncio tasks see the registry of the
context that started them. Outside any block it is :func:`installed_registry`: the built-ins plus
the analyses of installed plugins (entry-point group ``graphkit.analyses``), which is how a
``graphkit analyze`` process finds analyses declared in another package.

Examples
--------
>>> import pandas as pd
>>> import graphkit as gk
>>> from graphkit.analyses.registry import current_registry, use_registry
>>> reg = current_registry().copy()
>>> @reg.analysis("org_count", section="overview", title_zh="党组织总数", title_en="Organizations",
...               description="党组织的数量。", columns={"orgs": ("党组织数", "Organizations")})
... def org_count(graph, *, as_of=None):
...     '''Number of organizations.'''
...     return pd.DataFrame({"orgs": [graph.count("Organization")]})
>>> with use_registry(reg):
...     res = gk.analyze(gk.sample_graph())
...     print(gk.org_count is org_count, "org_count" in res)
True True
>>> "org_count" in current_registry()
False
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from ..core.errors import GraphkitError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from ..core.model import Graph
    from ..core.schema import Model

__all__ = [
    "BUILTIN_SECTIONS",
    "BUILTIN_UNUSED_COLUMNS",
    "ENTRY_POINT_GROUP",
    "Analysis",
    "Registry",
    "RegistryError",
    "RunContext",
    "builtin_registry",
    "current_registry",
    "installed_registry",
    "use_registry",
]

#: How the report shows a table: ``"table"`` (a table, charts where the report has them),
#: ``"gaps"`` (a table listing problems: empty means none found), ``"headlines"`` (the key
#: figures at the top) or ``"none"`` (only in the workbook and the CSVs).
ReportKind = Literal["table", "gaps", "headlines", "none"]
_REPORT_KINDS = ("table", "gaps", "headlines", "none")


class RegistryError(GraphkitError):
    """An analysis declaration is inconsistent, or a registry is used the wrong way."""


#: Report sections of the built-in registry: key -> (Chinese title, English title).
BUILTIN_SECTIONS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "overview": ("概况", "Overview"),
    "coverage": ("覆盖", "Coverage"),
    "pairing": ("结对缺口与建议", "Pairing gaps and suggestions"),
    "clusters": ("联建集群与产业链联盟", "Joint-building clusters and chain alliances"),
    "cadence": ("活动节奏", "Cadence"),
    "change": ("变化", "Change over time"),
})

#: Columns no built-in analysis reads (``None``: the whole table), checked by
#: tests/test_analysis_columns.py: every analysis gives the same tables on a graph read without
#: them. Participation is the largest table of all and only feeds the exports and views. An
#: analysis that declares ``reads`` gets those columns back.
BUILTIN_UNUSED_COLUMNS: Mapping[str, frozenset[str] | None] = MappingProxyType({
    "Participation": None,
    "Activity": frozenset({"id", "title"}),
    "Organization": frozenset({"host_unit", "members"}),
    "Person": frozenset({"title"}),
    "Unit": frozenset({"id", "name", "employees"}),
    "Post": frozenset({"id", "role"}),
})


@dataclass
class RunContext:
    """What an analysis' ``compute`` gets from :func:`graphkit.analyses.analysis.run_all`.

    Attributes
    ----------
    graph
        The graph.
    as_of
        The as-of date (a ``pandas.Timestamp``).
    options
        The resolved options: ``seed``, ``max_per_strong``, ``capacity``, ``rotation_years``,
        ``resolution``, ``compare_to``, ``previous``.
    results
        The tables computed so far, by key.
    """

    graph: Graph
    as_of: pd.Timestamp
    options: dict[str, Any]
    results: dict[str, pd.DataFrame] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict, repr=False)

    def shared(self, name: str, fn: Callable[[], Any]) -> Any:
        """``fn()`` computed once per run: for one computation that gives several tables."""
        if name not in self._shared:
            self._shared[name] = fn()
        return self._shared[name]


def _resolve(ref: Callable[..., Any] | str) -> Callable[..., Any]:
    """A function, or ``"module:attr"`` imported on first use: a module of the analyses, beside this one
    (``coverage:village_coverage``), or a full dotted path (``my_package.module:function``)."""
    if not isinstance(ref, str):
        return ref
    mod, _, attr = ref.partition(":")
    if "." not in mod:
        return getattr(importlib.import_module(f".{mod}", __package__), attr)
    return getattr(importlib.import_module(mod), attr)


@dataclass(frozen=True)
class Analysis:
    """The declaration of one analysis table.

    Parameters
    ----------
    key
        The table's key in :func:`graphkit.analyses.analysis.run_all`'s result (and its CSV's name).
    section
        The report section (a key of the registry's sections).
    title_zh, title_en
        The table's title in Chinese and in English.
    description
        One Chinese sentence: what the table shows (report, workbook, docs).
    functions
        The public functions that make the table: ``(name, function)`` pairs, the function
        given as a callable or as ``"module:attr"`` (a module of the analyses, or a full dotted path; imported on first use).
        Each ``name`` becomes ``gk.<name>`` and is documented in ``docs/index.md``.
    compute
        How :func:`run_all` makes the table from a :class:`RunContext`; default: the first
        function called as ``function(graph, as_of=as_of)``.
    columns
        The table's own columns: name -> (Chinese label, English label); the shared vocabulary
        of :data:`graphkit.analyses.toolkit.COLUMNS_ZH` need not be repeated.
    value_labels
        Columns holding graphkit's own codes: column -> code -> Chinese label.
    code_columns
        Columns holding codes of a schema code list: column -> code list.
    reads
        Graph columns read beyond :data:`BUILTIN_UNUSED_COLUMNS`: record type -> column names
        (an empty tuple: the whole table, e.g. ``{"Participation": ()}``).
    report
        How the report shows it (``"table"``, ``"gaps"``, ``"headlines"``, ``"none"``).
    progress
        Message said (``--quiet`` silences it) before it is computed; ``{as_of}`` is replaced by
        the date.
    after_all
        Computed after every other table (it reads ``RunContext.results``), as the headlines are.

    Examples
    --------
    >>> a = Analysis("org_count", "overview", "党组织总数", "Organizations", "党组织的数量。",
    ...              functions=(("org_count", "coverage:coverage"),))
    >>> a.names
    ('org_count',)
    """

    key: str
    section: str
    title_zh: str
    title_en: str
    description: str
    functions: tuple[tuple[str, Callable[..., Any] | str], ...] = ()
    compute: Callable[[RunContext], pd.DataFrame] | None = None
    columns: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    value_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    code_columns: Mapping[str, str] = field(default_factory=dict)
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    report: ReportKind = "table"
    progress: str | None = None
    after_all: bool = False

    def __post_init__(self) -> None:
        if not self.key.isidentifier():
            raise RegistryError(f"分析的键须为标识符 / an analysis key must be an identifier, not {self.key!r}")
        if self.report not in _REPORT_KINDS:
            raise RegistryError(f"分析 {self.key} 的 report 须为 {'/'.join(_REPORT_KINDS)} 之一 / analysis "
                                f"{self.key}: report must be one of {_REPORT_KINDS}, not {self.report!r}")
        if self.compute is None and not self.functions:
            raise RegistryError(f"分析 {self.key} 既无 compute 也无函数 / analysis {self.key} has neither a "
                                "compute nor a function")
        for name, _ in self.functions:
            if not name.isidentifier() or name.startswith("_"):
                raise RegistryError(f"分析 {self.key} 的公开名 {name!r} 不是合法的公开标识符 / analysis "
                                    f"{self.key}: {name!r} is not a public identifier")

    @property
    def names(self) -> tuple[str, ...]:
        """The public names (``gk.<name>``) of its functions."""
        return tuple(n for n, _ in self.functions)

    def function(self, name: str | None = None) -> Callable[..., Any]:
        """Its public function ``name`` (default: the first), imported on first use."""
        for n, ref in self.functions:
            if name is None or n == name:
                return _resolve(ref)
        raise RegistryError(f"分析 {self.key} 没有公开函数 {name!r} / analysis {self.key} has no function {name!r}")

    def run(self, ctx: RunContext) -> pd.DataFrame:
        """The table, computed for :func:`graphkit.analyses.analysis.run_all`."""
        if self.compute is not None:
            return self.compute(ctx)
        return self.function()(ctx.graph, as_of=ctx.as_of)


class Registry(Mapping[str, Analysis]):
    """An ordered set of analysis declarations, by key, with the report sections.

    A registry is a read-only mapping; :meth:`copy` gives an independent, writable copy to which
    :meth:`add` and the :meth:`analysis` decorator add declarations.

    Parameters
    ----------
    analyses
        The declarations, in report order.
    sections
        Report sections: key -> (Chinese title, English title), in report order.
    unused_columns
        Graph columns no analysis of the registry reads unless one declares it in ``reads``.
    read_only
        Refuse additions (the built-in registry).

    Examples
    --------
    >>> reg = builtin_registry()
    >>> reg["unpaired_weak"].title_en, reg["unpaired_weak"].report
    ('Weak orgs without a strong partner', 'gaps')
    >>> "village_coverage" in reg.public_functions()
    True
    """

    def __init__(self, analyses: tuple[Analysis, ...] | list[Analysis] = (), *,
                 sections: Mapping[str, tuple[str, str]] = BUILTIN_SECTIONS,
                 unused_columns: Mapping[str, frozenset[str] | None] = BUILTIN_UNUSED_COLUMNS,
                 read_only: bool = False) -> None:
        self._analyses: dict[str, Analysis] = {}
        self._sections = dict(sections)
        self._unused = dict(unused_columns)
        self._read_only = False
        for a in analyses:
            self.add(a)
        self._read_only = read_only

    # -- Mapping
    def __getitem__(self, key: str) -> Analysis:
        return self._analyses[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._analyses)

    def __len__(self) -> int:
        return len(self._analyses)

    def __repr__(self) -> str:
        return f"<Registry of {len(self)} analyses{' (read-only)' if self._read_only else ''}>"

    @property
    def sections(self) -> Mapping[str, tuple[str, str]]:
        """Report sections: key -> (Chinese title, English title)."""
        return MappingProxyType(self._sections)

    # -- building
    def copy(self) -> Registry:
        """An independent, writable copy (the original is not changed by additions to it)."""
        return Registry(tuple(self._analyses.values()), sections=self._sections, unused_columns=self._unused)

    def add_section(self, key: str, title_zh: str, title_en: str) -> None:
        """Add a report section (placed after the existing ones)."""
        self._check_writable()
        if key in self._sections:
            raise RegistryError(f"报告部分 {key!r} 已存在 / report section {key!r} already exists")
        self._sections[key] = (title_zh, title_en)

    def add(self, analysis: Analysis) -> Analysis:
        """Add one declaration (its key and public names must be new)."""
        self._check_writable()
        if analysis.key in self._analyses:
            raise RegistryError(f"分析 {analysis.key!r} 已注册 / analysis {analysis.key!r} is already registered")
        if analysis.section not in self._sections:
            raise RegistryError(f"分析 {analysis.key} 的报告部分 {analysis.section!r} 不存在 / analysis "
                                f"{analysis.key}: unknown section {analysis.section!r}; known: "
                                f"{', '.join(self._sections)}")
        mine = {n: ref for a in self._analyses.values() for n, ref in a.functions}
        for name, ref in analysis.functions:
            if name in mine and mine[name] != ref:
                raise RegistryError(f"公开名 gk.{name} 已被其他函数使用 / gk.{name} is already another function")
        self._analyses[analysis.key] = analysis
        return analysis

    def analysis(self, key: str, *, section: str, title_zh: str, title_en: str, description: str,
                 name: str | None = None, **details: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Decorator: declare the decorated function as analysis ``key`` and ``gk.<name>``.

        The function is called by :func:`run_all` as ``fn(graph, as_of=as_of)`` and returns a
        DataFrame. ``name`` defaults to the function's name; ``details`` are the other fields of
        :class:`Analysis` (``columns``, ``value_labels``, ``code_columns``, ``reads``,
        ``report``, ``progress``, ``compute``).

        Examples
        --------
        >>> import pandas as pd
        >>> reg = builtin_registry().copy()
        >>> @reg.analysis("n_orgs", section="overview", title_zh="党组织数", title_en="Org count",
        ...               description="党组织数量。")
        ... def n_orgs(graph, *, as_of=None):
        ...     '''Org count.'''
        ...     return pd.DataFrame({"orgs": [graph.count("Organization")]})
        >>> reg["n_orgs"].function() is n_orgs, list(reg)[-1]
        (True, 'n_orgs')
        """
        def register(fn: Callable[..., Any]) -> Callable[..., Any]:
            self.add(Analysis(key, section, title_zh, title_en, description,
                              functions=((name or fn.__name__, fn),), **details))
            return fn

        return register

    def _check_writable(self) -> None:
        if self._read_only:
            raise RegistryError("内置分析注册表不能修改，请先 copy() / the built-in registry is read-only; add "
                                "analyses to registry.copy() and use it with graphkit.registry.use_registry")

    # -- what the rest of graphkit reads
    def public_functions(self) -> dict[str, Callable[..., Any] | str]:
        """Every public analysis function: ``gk`` name -> function (or its ``"module:attr"``), in order."""
        out: dict[str, Callable[..., Any] | str] = {}
        for a in self._analyses.values():
            for n, ref in a.functions:
                out.setdefault(n, ref)
        return out

    def function(self, name: str) -> Callable[..., Any]:
        """The public analysis function ``gk.<name>``."""
        ref = self.public_functions().get(name)
        if ref is None:
            raise RegistryError(f"没有名为 {name!r} 的分析函数 / no analysis function named {name!r}; known: "
                                f"{', '.join(self.public_functions())}")
        return _resolve(ref)

    def in_section(self, section: str) -> list[Analysis]:
        """The analyses of one report section, in order."""
        return [a for a in self._analyses.values() if a.section == section]

    def gap_tables(self) -> frozenset[str]:
        """Keys of the tables listing problems (``report="gaps"``)."""
        return frozenset(a.key for a in self._analyses.values() if a.report == "gaps")

    def unused_columns(self) -> dict[str, frozenset[str] | None]:
        """Graph columns no analysis here reads: the registry's base, minus every ``reads``.

        A table skipped whole comes back whole when an analysis reads any column of it.
        """
        out = dict(self._unused)
        for a in self._analyses.values():
            for rtype, cols in a.reads.items():
                skip = out.get(rtype)
                if skip is None and rtype not in out:
                    continue
                out[rtype] = frozenset() if skip is None or not cols else skip - frozenset(cols)
        return out

    def analysis_columns(self, model: Model) -> dict[str, list[str]]:
        """The graph columns the analyses read, per record type (for ``read_graph(columns=...)``)."""
        out: dict[str, list[str]] = {}
        unused = self.unused_columns()
        for rtype in model:
            skip = unused.get(rtype.name, frozenset())
            if skip is None:
                continue
            out[rtype.name] = [c for c in ("id", *rtype.properties) if c not in skip]
        return out

    def column_labels(self) -> dict[str, tuple[str, str]]:
        """Labels of the analyses' own columns: column -> (Chinese, English), first declaration wins."""
        out: dict[str, tuple[str, str]] = {}
        for a in self._analyses.values():
            for col, labels in a.columns.items():
                out.setdefault(col, labels)
        return out

    def to_zh(self, df: pd.DataFrame, model: Model | None = None, *, key: str | None = None) -> pd.DataFrame:
        """A copy for Chinese readers: :func:`graphkit.analyses.toolkit.to_zh` plus the declared labels.

        ``key`` picks one analysis' declarations first (its own labels win over other tables').

        Examples
        --------
        >>> import pandas as pd
        >>> builtin_registry().to_zh(pd.DataFrame({"sector": ["village"]})).to_dict("records")
        [{'领域': '农村'}]
        """
        import pandas as pd

        from .toolkit import code_label, to_zh

        order = ([self._analyses[key]] if key in self._analyses else []) + list(self._analyses.values())
        labels: dict[str, str] = {}
        codes: dict[str, str] = {}
        values: dict[str, Mapping[str, str]] = {}
        for a in order:
            for col, (zh, _en) in a.columns.items():
                labels.setdefault(col, zh)
            for col, cl in a.code_columns.items():
                codes.setdefault(col, cl)
            for col, table in a.value_labels.items():
                values.setdefault(col, table)
        mine = [c for c in df.columns if c in labels or c in codes or c in values]
        if not mine:
            return to_zh(df, model)
        if model is None:
            from ..core.schema import load_schema

            model = load_schema()
        rest = to_zh(df.drop(columns=mine), model)
        own = pd.DataFrame(index=df.index)
        for col in mine:
            s = df[col].astype(object)
            if col in codes:
                s = code_label(model, codes[col], s)
            elif col in values:
                t = values[col]
                s = s.map(lambda v, t=t: "；".join(t.get(p, p) for p in v.split(";")) if isinstance(v, str) else v)
            elif df[col].dtype == bool or str(df[col].dtype) == "boolean":
                s = s.map({True: "是", False: "否"}).where(df[col].notna(), None)
            own[labels.get(col, col)] = s
        # the original column order, with the labelled names
        names = {c: labels.get(c, c) for c in mine}
        zh_rest = dict(zip(df.drop(columns=mine).columns, rest.columns))
        order_cols = [names[c] if c in names else zh_rest[c] for c in df.columns]
        return pd.concat([rest, own], axis=1)[order_cols]

    def labelled_en(self, df: pd.DataFrame, model: Model) -> pd.DataFrame:
        """Code columns declared here as English labels (the column names stay)."""
        from .toolkit import code_label

        codes = {col: cl for a in self._analyses.values() for col, cl in a.code_columns.items()}
        out = df.copy()
        for col in out.columns:
            if col in codes:
                out[col] = code_label(model, codes[col], out[col].astype(object), lang="en")
        return out


# ---- the built-in analyses -----------------------------------------------------------------------

def _coverage(by: Any) -> Callable[[RunContext], pd.DataFrame]:
    def compute(ctx: RunContext) -> pd.DataFrame:
        from .coverage import coverage

        return coverage(ctx.graph, as_of=ctx.as_of, by=by)
    return compute


def _two_coverages(by: Any) -> Callable[[RunContext], pd.DataFrame]:
    def compute(ctx: RunContext) -> pd.DataFrame:
        from .coverage import two_coverages

        return two_coverages(ctx.graph, by=by)
    return compute


def _gap(key: str) -> Callable[[RunContext], pd.DataFrame]:
    def compute(ctx: RunContext) -> pd.DataFrame:
        from .pairing import pairing_gaps

        o = ctx.options
        gaps = ctx.shared("pairing_gaps", lambda: pairing_gaps(ctx.graph, as_of=ctx.as_of,
                                                                 max_per_strong=o["max_per_strong"],
                                                                 rotation_years=o["rotation_years"]))
        return gaps[key]
    return compute


def _suggestions(ctx: RunContext) -> pd.DataFrame:
    from .pairing import suggest_pairings

    return suggest_pairings(ctx.graph, as_of=ctx.as_of, capacity=ctx.options["capacity"], seed=ctx.options["seed"])


def _clusters(ctx: RunContext) -> pd.DataFrame:
    from .clusters import detect_clusters

    return ctx.shared("clusters", lambda: detect_clusters(ctx.graph, as_of=ctx.as_of, seed=ctx.options["seed"],
                                                          resolution=ctx.options["resolution"]))


def _cluster_summary(ctx: RunContext) -> pd.DataFrame:
    from .clusters import describe_clusters

    return describe_clusters(ctx.graph, _clusters(ctx), as_of=ctx.as_of)


def _cadence(part: str) -> Callable[[RunContext], pd.DataFrame]:
    def compute(ctx: RunContext) -> pd.DataFrame:
        from .cadence import district_cadence

        return ctx.shared("cadence", lambda: district_cadence(ctx.graph, as_of=ctx.as_of))[part]
    return compute


def _change(part: str) -> Callable[[RunContext], pd.DataFrame]:
    def compute(ctx: RunContext) -> pd.DataFrame:
        import pandas as pd

        from .toolkit import as_of_date
        from .change import diff_dates, diff_graphs

        def diff() -> dict[str, pd.DataFrame]:
            previous, compare_to, ts = ctx.options["previous"], ctx.options["compare_to"], ctx.as_of
            if previous is not None:
                return diff_graphs(previous, ctx.graph, as_of_new=ts)
            earlier = as_of_date(ctx.graph, compare_to) if compare_to is not None else ts - pd.DateOffset(years=1)
            return diff_dates(ctx.graph, earlier, ts)

        return ctx.shared("change", diff)[part]
    return compute


def _rating_moves(ctx: RunContext) -> pd.DataFrame:
    from .change import rating_moves

    return rating_moves(ctx.graph)


def _headlines(ctx: RunContext) -> pd.DataFrame:
    from .headline_figures import headlines

    backend = ctx.results["clusters"].attrs.get("backend", "") if "clusters" in ctx.results else ""
    return headlines(ctx.graph, ctx.results, as_of=ctx.as_of, backend=backend)


_COV = (("coverage", "coverage:coverage"),)
_GAPS = (("pairing_gaps", "pairing:pairing_gaps"),)
_CLU = "clusters:"
_CAD = (("district_cadence", "cadence:district_cadence"),)
_CHG = (("diff_graphs", "change:diff_graphs"), ("diff_dates", "change:diff_dates"))


def _builtins() -> tuple[Analysis, ...]:
    A = Analysis
    return (
        A("headlines", "overview", "主要指标", "Headline figures", "向上报告常用的汇总数字。",
          functions=(("headlines", "headline_figures:headlines"),), compute=_headlines, report="headlines", after_all=True),
        A("coverage_overall", "coverage", "联建覆盖（全县）", "Coverage, overall",
          "参与至少一种联建机制的党组织数量和比例，以及各机制的参与情况。", functions=_COV, compute=_coverage(None),
          progress="覆盖 coverage (截至 as of {as_of})"),
        A("coverage_by_town", "coverage", "联建覆盖（按镇）", "Coverage by town", "按所属镇（街道）分组；县直单位无所属镇。",
          functions=_COV, compute=_coverage("town")),
        A("coverage_by_sector", "coverage", "联建覆盖（按领域）", "Coverage by sector", "按领域分组。",
          functions=_COV, compute=_coverage("sector")),
        A("coverage_by_category", "coverage", "联建覆盖（按分类定级）", "Coverage by category", "按截止日期有效的分类定级分组。",
          functions=_COV, compute=_coverage("category")),
        A("coverage_by_level", "coverage", "联建覆盖（按层级）", "Coverage by level", "按层级分组。",
          functions=_COV, compute=_coverage("level")),
        A("village_coverage", "coverage", "跨村联建覆盖行政村", "Villages in joint committees",
          "各镇行政村被联村党组织覆盖的情况，列出未覆盖的村。", functions=(("village_coverage", "coverage:village_coverage"),)),
        A("weak_coverage", "coverage", "后进党组织结对覆盖", "Weak orgs covered by pairing",
          "三类或软弱涣散党组织中有有效结对的数量，以及由一类党组织帮扶的数量。",
          functions=(("weak_coverage", "coverage:weak_coverage"),)),
        A("two_coverages", "coverage", "两新组织“两个覆盖”", "Two coverages of firms and social organizations",
          "组织覆盖：建有党组织；工作覆盖：建有党组织、有联系党组织或党建指导员。",
          functions=(("two_coverages", "coverage:two_coverages"),), compute=_two_coverages(None)),
        A("two_coverages_by_town", "coverage", "两新组织“两个覆盖”（按镇）", "Two coverages by town",
          "按所属镇（街道）分组的组织覆盖和工作覆盖。", functions=(("two_coverages", "coverage:two_coverages"),),
          compute=_two_coverages("town")),
        A("chain_stage_coverage", "coverage", "产业链环节覆盖", "Chain-stage coverage", "每条产业链各环节的党组织；无党组织的环节标出。",
          functions=(("chain_stage_coverage", "coverage:chain_stage_coverage"),)),
        A("unpaired_weak", "pairing", "无一类帮扶的后进党组织", "Weak orgs without a strong partner",
          "截止日期三类或软弱涣散、且没有有效一类帮扶方的党组织。", functions=_GAPS, compute=_gap("unpaired_weak"),
          report="gaps", progress="结对缺口 pairing gaps"),
        A("weak_strong_side", "pairing", "帮扶方不是一类的结对", "Pairs whose strong side is not 一类", "有效结对中帮扶方不是一类党组织的。",
          functions=_GAPS, compute=_gap("weak_strong_side"), report="gaps"),
        A("overloaded_strong", "pairing", "帮扶任务过多的党组织", "Strong orgs carrying too many pairs", "有效结对数超过上限的帮扶方。",
          functions=_GAPS, compute=_gap("overloaded_strong"), report="gaps"),
        A("groups_without_anchor", "pairing", "缺少一类牵头的联建组织", "Groups without a 一类 anchor",
          "片区、服务队中没有一类党组织，或牵头单位不是一类、未明确牵头单位的。", functions=_GAPS,
          compute=_gap("groups_without_anchor"), report="gaps"),
        A("due_for_rotation", "pairing", "到期应轮换的结对", "Pairs due for rotation", "已满轮换年限（默认一年一轮换）的有效结对。",
          functions=_GAPS, compute=_gap("due_for_rotation"), report="gaps"),
        A("ended_without_successor", "pairing", "结束后未接续的结对", "Pairs that ended without a successor",
          "已结束、受援方此后再无结对的。", functions=_GAPS, compute=_gap("ended_without_successor"), report="gaps"),
        A("pairing_suggestions", "pairing", "结对建议", "Suggested pairings",
          "为无一类帮扶的后进党组织推荐有余量的一类党组织：按最小费用流整体求解（同镇优先，其次层级相邻，再次同产业链）。",
          functions=(("suggest_pairings", "pairing:suggest_pairings"),), compute=_suggestions,
          progress="结对建议 suggested pairings (最小费用指派 min-cost assignment)"),
        A("clusters", "clusters", "联建集群成员", "Cluster membership", "在“党组织—联建组织—结对”网络上做社区发现（固定随机种子）。",
          functions=(("detect_clusters", _CLU + "detect_clusters"),), compute=_clusters, progress="集群 clusters"),
        A("cluster_summary", "clusters", "联建集群概况", "Clusters described", "每个集群的规模、主导产业链、镇、领域和层级分布。",
          functions=(("describe_clusters", _CLU + "describe_clusters"),), compute=_cluster_summary),
        A("chain_alliances", "clusters", "产业链联盟完整度", "Chain alliances", "各产业链联盟覆盖的环节、层级和领域。",
          functions=(("chain_alliances", _CLU + "chain_alliances"),)),
        A("brokers", "clusters", "桥接党组织", "Brokers", "同时参与两个及以上联建组织、连接不同产业链或片区的党组织。",
          functions=(("brokers", _CLU + "brokers"),)),
        A("isolated", "clusters", "孤立党组织", "Isolated orgs", "未参与任何联建的党组织，以及只在很小孤立群体中的党组织。",
          functions=(("isolated", _CLU + "isolated"),), report="gaps"),
        A("cadence_summary", "cadence", "片区活动节奏概况", "District cadence",
          "“月月有活动、季季有自检、半年有督导”逐片区核对；活动总数含互督和交叉巡回督导。", functions=_CAD,
          compute=_cadence("summary"), progress="活动节奏 cadence"),
        A("missed_months", "cadence", "缺少联建活动的月份", "Months without a joint activity", "片区当月没有联建活动（不含互督、督导）。",
          functions=_CAD, compute=_cadence("missed_months"), report="gaps"),
        A("missed_quarters", "cadence", "缺少互督的季度", "Quarters without a mutual inspection", "片区当季没有互督。",
          functions=_CAD, compute=_cadence("missed_quarters"), report="gaps"),
        A("missed_half_years", "cadence", "缺少交叉巡回督导的半年", "Half-years without a cross inspection", "片区当半年没有交叉巡回督导。",
          functions=_CAD, compute=_cadence("missed_half_years"), report="gaps"),
        A("never_hosted", "cadence", "从未主办活动的成员单位", "Members that never hosted", "当年未主办过本片区活动的成员单位（轮值是否公平）。",
          functions=_CAD, compute=_cadence("never_hosted"), report="gaps"),
        A("activity_counts", "cadence", "各片区活动类型统计", "Activities by type", "当年各片区按活动类型计数。",
          functions=_CAD, compute=_cadence("activity_counts")),
        A("cadence_months", "cadence", "片区逐月活动", "Activities month by month",
          "各片区每月的联建活动数。互督、交叉巡回督导另行核对，不计入逐月活动，因此全年合计可能少于“片区活动节奏概况”中的活动总数。",
          functions=_CAD, compute=_cadence("months")),
        A("change_summary", "change", "变化概况", "Change summary", "两个日期（或两期台账）之间的变化计数。",
          functions=_CHG, compute=_change("summary"), progress="变化 change over time"),
        A("link_changes", "change", "新增与结束的联建关系", "Links added and ended", "成员关系、结对、任职的新增与结束。",
          functions=_CHG, compute=_change("links")),
        A("rating_changes", "change", "分类定级进位与退位", "Rating changes", "两个日期之间分类定级的变化。",
          functions=_CHG, compute=_change("ratings")),
        A("rotations", "change", "结对轮换", "Pairs rotated", "受援方的帮扶方发生变化的。", functions=_CHG,
          compute=_change("rotations")),
        A("rating_moves", "change", "结对与进位（计数比较）", "Pairing and moving up (counts)",
          "期初后进党组织中，期间有结对与无结对者的进位情况。", functions=(("rating_moves", "change:rating_moves"),),
          compute=_rating_moves),
        *_by_county(),
    )


# ---- every analysis by county (a province graph; one row for a one-county graph) -------------------

def _gaps_by_county(ctx: RunContext) -> pd.DataFrame:
    from .pairing import pairing_gaps
    from .province import pairing_gaps_by_county

    o = ctx.options
    gaps = ctx.shared("pairing_gaps", lambda: pairing_gaps(ctx.graph, as_of=ctx.as_of, max_per_strong=o["max_per_strong"],
                                                             rotation_years=o["rotation_years"]))
    return pairing_gaps_by_county(ctx.graph, as_of=ctx.as_of, gaps=gaps)


def _cadence_by_county(ctx: RunContext) -> pd.DataFrame:
    from .cadence import district_cadence
    from .province import cadence_by_county

    cad = ctx.shared("cadence", lambda: district_cadence(ctx.graph, as_of=ctx.as_of))
    return cadence_by_county(ctx.graph, as_of=ctx.as_of, cadence=cad)


#: Column -> (Chinese, English) of the by-county tables' own columns (``analyses/province.py``).
_BY_COUNTY_COLUMNS: Mapping[str, tuple[str, str]] = MappingProxyType({
    "county": ("县（市级、省级）", "County (or level)"),
    "unit_level": ("层级（县、市级、省级）", "County or level"),
    "weak_orgs": ("后进党组织", "Weak orgs"),
    "weak_paired": ("有结对的后进党组织", "Weak orgs with a pairing"),
    "unpaired_weak": ("无一类帮扶的后进党组织", "Weak orgs without a strong partner"),
    "unpaired_weak_share": ("无一类帮扶的比例", "Share without a strong partner"),
    "weak_strong_side": ("帮扶方不是一类的结对", "Pairs whose strong side is not 一类"),
    "overloaded_strong": ("帮扶任务过多的党组织", "Strong orgs carrying too many pairs"),
    "groups_without_anchor": ("缺少一类牵头的联建组织", "Groups without a 一类 anchor"),
    "due_for_rotation": ("到期应轮换的结对", "Pairs due for rotation"),
    "ended_without_successor": ("结束后未接续的结对", "Pairs that ended without a successor"),
    "pairings_active": ("有效结对", "Active pairings"),
    "cross_pairings": ("跨县结对", "Cross-county pairings"),
    "districts": ("片区", "Districts"),
    "districts_ok": ("节奏达标的片区", "Districts on rhythm"),
    "districts_ok_share": ("达标比例", "Share on rhythm"),
    "activities": ("联建活动", "Activities"),
    "months_missed": ("缺活动的月份", "Months missed"),
    "quarters_missed": ("缺互督的季度", "Quarters missed"),
    "half_years_missed": ("缺督导的半年", "Half-years missed"),
    "never_hosted": ("从未主办的成员单位", "Members that never hosted"),
})
#: ``unit_level`` codes -> Chinese (the registry's value labels).
_UNIT_LEVELS_ZH: Mapping[str, str] = MappingProxyType({"county": "县", "city": "市级", "province": "省级"})


def _by_county() -> tuple[Analysis, ...]:
    def cols(*names: str) -> dict[str, tuple[str, str]]:
        return {n: _BY_COUNTY_COLUMNS[n] for n in ("county", "unit_level", *names)}

    levels = {"unit_level": _UNIT_LEVELS_ZH}
    return (
        Analysis("coverage_by_county", "coverage", "联建覆盖（按县）", "Coverage by county",
                 "省级图谱按县（及市级、省级层级）分组；跨县的联建在两端所在的县各计。单县图谱为一行（本县）。",
                 functions=(("coverage_by_county", "province:coverage_by_county"),), columns=cols(),
                 value_labels=levels, report="none"),
        Analysis("pairing_gaps_by_county", "pairing", "结对缺口（按县）", "Pairing gaps by county",
                 "各县后进党组织、无一类帮扶和各类结对缺口的数量；跨县结对在两端所在的县各计一次。单县图谱为一行（本县）。",
                 functions=(("pairing_gaps_by_county", "province:pairing_gaps_by_county"),), compute=_gaps_by_county,
                 columns=cols("weak_orgs", "weak_paired", "unpaired_weak", "unpaired_weak_share", "weak_strong_side",
                              "overloaded_strong", "groups_without_anchor", "due_for_rotation", "ended_without_successor",
                              "pairings_active", "cross_pairings"), value_labels=levels, report="none"),
        Analysis("cadence_by_county", "cadence", "片区活动节奏（按县）", "District cadence by county",
                 "各县片区的活动、缺活动月份、缺互督季度、缺督导半年和从未主办的成员单位合计。单县图谱为一行（本县）。",
                 functions=(("cadence_by_county", "province:cadence_by_county"),), compute=_cadence_by_county,
                 columns=cols("districts", "districts_ok", "districts_ok_share", "activities", "months_missed",
                              "quarters_missed", "half_years_missed", "never_hosted"), value_labels=levels, report="none"),
    )


@functools.cache
def builtin_registry() -> Registry:
    """The read-only registry of graphkit's own analyses (built on first use, then shared)."""
    return Registry(_builtins(), read_only=True)


#: Entry-point group of installed plugins: each entry point names a function ``hook(registry)`` that
#: declares its analyses on the registry it is given (``registry.analysis(...)(fn)`` or ``add``).
ENTRY_POINT_GROUP = "graphkit.analyses"


@functools.cache
def installed_registry() -> Registry:
    """The built-in analyses plus those of installed plugins (entry points ``graphkit.analyses``).

    Read once per process, in entry-point name order, and read-only. Without plugins it is the
    built-in registry itself. This is how ``graphkit analyze`` in its own process finds analyses
    declared outside graphkit.

    Examples
    --------
    >>> installed_registry()["headlines"].section
    'overview'
    """
    from importlib.metadata import entry_points

    eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    if not eps:
        return builtin_registry()
    reg = builtin_registry().copy()
    for ep in eps:
        try:
            hook = ep.load()
        except Exception as exc:  # a broken plugin: say which one, not a bare ImportError
            raise RegistryError(f"分析插件 {ep.name} ({ep.value}) 无法加载 / the analysis plugin {ep.name} "
                                f"({ep.value}) cannot be loaded: {exc}") from exc
        hook(reg)
    reg._read_only = True
    return reg


_CURRENT: contextvars.ContextVar[Registry | None] = contextvars.ContextVar("graphkit_registry", default=None)


def current_registry() -> Registry:
    """The registry in use: that of the innermost :func:`use_registry` block, else :func:`installed_registry`."""
    return _CURRENT.get() or installed_registry()


@contextlib.contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Use ``registry`` for ``run_all``, ``graphkit analyze``, the report, the docs and ``gk.`` in this block.

    Examples
    --------
    >>> reg = builtin_registry().copy()
    >>> with use_registry(reg) as r:
    ...     current_registry() is reg is r
    True
    >>> current_registry() is builtin_registry()
    True
    """
    if not isinstance(registry, Registry):
        raise RegistryError(f"use_registry 需要 Registry 对象 / use_registry needs a Registry, not "
                            f"{type(registry).__name__}")
    token = _CURRENT.set(registry)
    try:
        yield registry
    finally:
        _CURRENT.reset(token)
