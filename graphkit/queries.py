"""The analysts' Cypher query pack: named, documented queries in ``schema/queries/``.

Each ``schema/queries/<name>.cypher`` file starts with a comment header::

    // name: unpaired_weak
    // title: 无结对帮扶的后进党组织 / Weak organizations without a strong partner
    // description: 三类或软弱涣散的党组织在统计日没有任何有效结对。
    //   Third-class or weak-and-lax organizations with no pairing active on the date.
    // param: as_of date = reference  统计日期 / the date links must be active on
    // matches: graphkit.pairing.pairing_gaps(graph, as_of=...)["unpaired_weak"]

followed by one Cypher statement written in the subset LadybugDB and Neo4j 5 share. Where the
two dialects cannot agree, ``<name>.neo4j.cypher`` beside it holds the Neo4j variant (same
header, same columns) and is used on a server.

Parameters are typed (``string``, ``int``, ``float``, ``bool``, ``date``). Every parameter has a
default, because the embedded engine cannot bind a null parameter: strings use ``''`` for
"any"; the date default ``reference`` means the graph's reference date (the month end of the
latest recorded event — the same default as the Python analyses) and the int default ``reference_year`` its
year, both computed by a Cypher query on whichever engine runs the pack. Where the two
dialects write date arithmetic differently, the pack avoids it with *derived* defaults computed
before the query runs: ``year_of(as_of)`` (the year of an earlier date parameter) and
``years_before(as_of, rotation_years)`` (that date moved back a number of years). In Neo4j
Browser set them with ``:param`` like any other (``graphkit query --name N --show`` prints them).

Examples
--------
>>> from graphkit.queries import list_queries, get_query
>>> len(list_queries()) >= 15
True
>>> q = get_query("unpaired_weak")
>>> q.params["as_of"].type
'date'
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from ._paths import schema_dir
from .errors import GraphkitError
from .problems import clip
from .schema import Model, load_schema

__all__ = ["Param", "Query", "QueryError", "load_pack", "list_queries", "get_query", "parse_params", "run_query",
           "reference_date_query", "resolve_params", "queries_dir", "PARAM_TYPES"]

PARAM_TYPES = ("string", "int", "float", "bool", "date", "list")
_HEADER = re.compile(r"^//\s?(?P<key>[a-z_]+):\s*(?P<value>.*)$")
_CONT = re.compile(r"^//\s{2,}(?P<value>\S.*)$")
#: ``NAME TYPE = DEFAULT  doc``; a string parameter may declare its values: ``by string(town|sector) = 'town'``
_PARAM = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\s+(?P<type>[a-z]+)(?:\((?P<choices>[A-Za-z0-9_|]+)\))?\s*=\s*"
                    r"(?P<default>'[^']*'|\S+)\s*(?P<doc>.*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}


class QueryError(GraphkitError):
    """A query of the pack is unknown, malformed, or was given a bad parameter."""


def queries_dir() -> Path:
    """The folder of the query pack (``schema/queries``)."""
    return schema_dir() / "queries"


@dataclass(frozen=True)
class Param:
    """A declared query parameter: name, type, default (text as written) and documentation."""

    name: str
    type: str
    default: str
    doc: str
    #: the values a string parameter may take (empty: any)
    choices: tuple[str, ...] = ()

    def _check_choice(self, value: str) -> str:
        if self.choices and value not in self.choices:
            raise QueryError(f"参数 {self.name} 只能取 {'、'.join(self.choices)}，收到 {clip(value)!r} / parameter {self.name} "
                     f"must be one of {', '.join(self.choices)}, got {clip(value)!r}")
        return value

    def parse(self, text: str) -> Any:
        """Turn a command-line value into this parameter's type.

        Raises
        ------
        QueryError
            If the text is not a value of the type (the message names the parameter).
        """
        t = text.strip()
        try:
            if self.type == "string":
                return self._check_choice(t[1:-1] if len(t) >= 2 and t[0] == t[-1] == "'" else text)
            if self.type == "int":
                return int(t)
            if self.type == "float":
                return float(t)
            if self.type == "bool":
                if t.lower() in _TRUE:
                    return True
                if t.lower() in _FALSE:
                    return False
                raise ValueError(t)
            if self.type == "date":
                return dt.date.fromisoformat(t)
            if self.type == "list":
                raise QueryError(f"参数 {self.name} 由其他参数计算，不能直接给出 / parameter {self.name} is computed "
                                 f"from the others ({self.default}) and cannot be given")
        except ValueError:
            pass
        raise QueryError(f"参数 {self.name} 应为 {self.type}，收到 {text!r} / parameter {self.name} must be a "
                         f"{self.type}{' (YYYY-MM-DD)' if self.type == 'date' else ''}, got {text!r}")


@dataclass(frozen=True)
class Query:
    """One named query of the pack."""

    name: str
    title: str
    description: str
    params: dict[str, Param]
    matches: str
    text: str
    path: Path
    neo4j_text: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def text_for(self, engine: str) -> str:
        """The query text for ``"embedded"`` or ``"neo4j"`` (the Neo4j variant when there is one)."""
        return self.neo4j_text if engine == "neo4j" and self.neo4j_text else self.text


def _parse_file(path: Path) -> tuple[dict[str, str], list[Param], str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    head: dict[str, str] = {}
    params: list[Param] = []
    last: str | None = None
    i = 0
    for i, line in enumerate(lines):
        if not line.startswith("//"):
            break
        m = _HEADER.match(line)
        c = _CONT.match(line)
        if c and last is not None:
            if last == "param":
                p = params[-1]
                params[-1] = dataclasses.replace(p, doc=(p.doc + " " + c.group("value")).strip())
            else:
                head[last] = (head[last] + "\n" + c.group("value")).strip()
            continue
        if m:
            key, value = m.group("key"), m.group("value").strip()
            if key == "param":
                pm = _PARAM.match(value)
                if not pm or pm.group("type") not in PARAM_TYPES:
                    raise QueryError(f"{path.name}: 参数声明无效 / bad parameter line {value!r}; "
                                     f"write `// param: name type = default  doc` with type in {PARAM_TYPES}")
                params.append(Param(pm.group("name"), pm.group("type"), pm.group("default"), pm.group("doc").strip(),
                                    tuple((pm.group("choices") or "").split("|")) if pm.group("choices") else ()))
            else:
                head[key] = value
            last = key
        else:
            last = None
    else:
        i = len(lines)
    text = "\n".join(lines[i:]).strip().rstrip(";").strip()
    return head, params, text


@lru_cache(maxsize=4)
def load_pack(folder: str | None = None) -> dict[str, Query]:
    """Read every query of the pack (``schema/queries`` unless ``folder`` is given), by name.

    Raises
    ------
    QueryError
        If a file lacks its header fields, its name differs from the file name, a parameter
        is badly declared or used but not declared.
    """
    base = Path(folder) if folder else queries_dir()
    if not base.is_dir():
        raise QueryError(f"找不到查询包目录 / query pack folder not found: {base}")
    out: dict[str, Query] = {}
    for path in sorted(base.glob("*.cypher")):
        if path.name.endswith(".neo4j.cypher"):
            continue
        head, params, text = _parse_file(path)
        for key in ("name", "title", "description", "matches"):
            if not head.get(key):
                raise QueryError(f"{path.name}: 缺少头部字段 / header field `// {key}:` missing")
        name = head["name"]
        if name != path.stem or not _NAME.match(name):
            raise QueryError(f"{path.name}: name {name!r} 应与文件名一致 / must equal the file name stem")
        if not text:
            raise QueryError(f"{path.name}: 没有查询语句 / no query text after the header")
        variant = path.with_name(f"{name}.neo4j.cypher")
        neo4j_text = None
        if variant.exists():
            vhead, vparams, neo4j_text = _parse_file(variant)
            if [p.name for p in vparams] != [p.name for p in params]:
                raise QueryError(f"{variant.name}: 参数须与 {path.name} 相同 / parameters must equal those of {path.name}")
        declared = {p.name for p in params}
        for body, fname in ((text, path.name), (neo4j_text or "", variant.name)):
            used = set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", body))
            if used - declared:
                raise QueryError(f"{fname}: 使用了未声明的参数 / uses undeclared parameters {sorted(used - declared)}")
        extra = {k: v for k, v in head.items() if k not in ("name", "title", "description", "matches")}
        out[name] = Query(name, head["title"], head["description"], {p.name: p for p in params}, head["matches"],
                          text, path, neo4j_text, extra)
    return out


def get_query(name: str, *, folder: str | None = None) -> Query:
    """One query of the pack by name.

    Raises
    ------
    QueryError
        If there is no such query (the message lists the names).
    """
    pack = load_pack(folder)
    if name not in pack:
        raise QueryError(f"没有名为 {name!r} 的查询 / no query named {name!r}; 可用 available: {', '.join(pack)}")
    return pack[name]


def list_queries(*, folder: str | None = None) -> pd.DataFrame:
    """The pack as a table: ``name``, ``title``, ``params`` (``name=default``), ``matches``, ``variants``.

    Examples
    --------
    >>> df = list_queries()
    >>> {"unpaired_weak", "members_of_group"} <= set(df["name"]), list(df.columns[:3])
    (True, ['name', 'title', 'params'])
    """
    rows = []
    for q in load_pack(folder).values():
        rows.append({"name": q.name, "title": q.title,
                     "params": ", ".join(f"{p.name}:{p.type}={p.default}" for p in q.params.values()),
                     "matches": q.matches, "variants": "embedded+neo4j" if q.neo4j_text else "common",
                     "description": q.description})
    return pd.DataFrame(rows, columns=["name", "title", "params", "matches", "variants", "description"])


def parse_params(query: Query, items: Iterable[str]) -> dict[str, Any]:
    """Parse ``k=v`` strings (the CLI's ``-p``) into typed values for ``query``.

    Raises
    ------
    QueryError
        For a malformed item, an unknown parameter name or a value of the wrong type.

    Examples
    --------
    >>> parse_params(get_query("overloaded_strong"), ["max_per_strong=3"])
    {'max_per_strong': 3}
    """
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise QueryError(f"参数应写成 k=v / a parameter must be written k=v, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if k not in query.params:
            raise QueryError(f"查询 {query.name} 没有参数 {k!r} / query {query.name} has no parameter {k!r}; "
                             f"它的参数 its parameters: {', '.join(query.params) or '(none)'}")
        out[k] = query.params[k].parse(v)
    return out


def reference_date_query(model: Model | None = None) -> str:
    """A Cypher query returning the dates the reference date is taken from (column ``d``).

    The latest value of every date property that is not the end of an interval — activity
    dates, link and group start dates — as declared in the schema; the reference date is the
    month end of the largest of them, the rule of ``graphkit._analysis.reference_date``. Runs on
    both engines.
    """
    from ._graph_shape import graph_shape, ident

    model = model or load_schema()
    shape = graph_shape(model)
    parts = []
    for ns in shape.nodes:
        ends = {e for _, e in model[ns.type].intervals}
        for c in ns.columns:
            if c.kind == "date" and c.name not in ends:
                parts.append(f"MATCH (n:{ident(ns.label)}) RETURN max(n.{ident(c.name)}) AS d")
    for rel in shape.rel_types():
        rs = shape.rel_shapes(rel)[0]
        if not rs.is_link:
            continue
        ends = {e for _, e in model[rs.table].intervals}
        for c in rs.columns:
            if c.kind == "date" and c.name not in ends:
                parts.append(f"MATCH ()-[r:{ident(rel)}]->() RETURN max(r.{ident(c.name)}) AS d")
    return "\nUNION ALL\n".join(parts)


_DERIVED = re.compile(r"^(?P<fn>[a-z_]+)\((?P<args>[a-z0-9_,\s]*)\)$")
_HALF = {1: "上半年", 2: "下半年"}


def _periods(year: int, as_of: dt.date, kind: str) -> list[dict[str, Any]]:
    """The months, quarters or half-years of ``year``: ``p, label, first, last, due`` (due: ended by as_of).

    Labels are those of ``graphkit.cadence`` (``2024年03月``, ``2024年第2季度``, ``2024年上半年``).
    """
    step = {"month": 1, "quarter": 3, "half": 6}.get(kind)
    if step is None:
        raise QueryError(f"未知期间类型 {kind!r} / unknown period kind {kind!r}; use month, quarter or half")
    out = []
    for i in range(12 // step):
        first = dt.date(year, 1 + i * step, 1)
        last = (pd.Timestamp(first) + pd.DateOffset(months=step) - pd.Timedelta(days=1)).date()
        label = {"month": f"{year}年{i + 1:02d}月", "quarter": f"{year}年第{i + 1}季度",
                 "half": f"{year}年{_HALF.get(i + 1, '')}"}[kind]
        out.append({"p": i + 1, "label": label, "first": first, "last": last, "due": last <= as_of})
    return out


#: Derived defaults: name -> (result type, function of the argument values).
DERIVED: dict[str, tuple[str, Callable[..., Any]]] = {
    "year_of": ("int", lambda d: d.year),
    "years_before": ("date", lambda d, n: (pd.Timestamp(d) - pd.DateOffset(years=int(n))).date()),
    "first_day": ("date", lambda y: dt.date(int(y), 1, 1)),
    "last_day": ("date", lambda y, d: min(dt.date(int(y), 12, 31), d)),
    "periods": ("list", lambda y, d, kind: _periods(int(y), d, kind)),
}


def _derived(query: Query, p: Param, params: Mapping[str, Any]) -> Any:
    m = _DERIVED.match(p.default)
    if not m or m.group("fn") not in DERIVED:
        return p.parse(p.default)
    typ, fn = DERIVED[m.group("fn")]
    if typ != p.type:
        raise QueryError(f"{query.path.name}: {p.default} 的类型是 {typ} / gives a {typ}, parameter {p.name} is a {p.type}")
    args = []
    for a in filter(None, (x.strip() for x in m.group("args").split(","))):
        if a in params:
            args.append(params[a])
        elif re.fullmatch(r"-?\d+", a):
            args.append(int(a))
        elif a in query.params:
            raise QueryError(f"{query.path.name}: 派生参数须引用前面声明的参数 / {p.name}: a derived default must "
                             f"refer to an earlier parameter, not {a!r}")
        else:
            args.append(a)
    return fn(*args)


Runner = Callable[[str, Mapping[str, Any]], pd.DataFrame]


def resolve_params(query: Query, given: Mapping[str, Any], runner: Runner) -> dict[str, Any]:
    """Fill in defaults: typed values, with ``reference`` / ``reference_year`` computed via ``runner``."""
    params: dict[str, Any] = {}
    ref: list[dt.date] = []

    def reference() -> dt.date:
        if not ref:
            d = runner(reference_date_query(), {})["d"].dropna()
            # ledgers are kept by month: the month of the latest event counts as complete
            ref.append((pd.Timestamp(d.max()) + pd.offsets.MonthEnd(0)).date() if len(d) else dt.date.today())
        return ref[0]

    for name, p in query.params.items():
        if name in given:
            value = given[name]
            if p.type == "date" and isinstance(value, dt.datetime):
                value = value.date()
            elif p.type == "date" and isinstance(value, pd.Timestamp):
                value = value.date()
            elif not isinstance(value, str) or p.type == "string":
                pass
            else:
                value = p.parse(value)
            params[name] = value
            continue
        if p.default == "reference" and p.type == "date":
            params[name] = reference()
        elif p.default == "reference_year" and p.type == "int":
            params[name] = reference().year
        else:
            params[name] = _derived(query, p, params)
    unknown = set(given) - set(query.params)
    if unknown:
        raise QueryError(f"查询 {query.name} 没有参数 {sorted(unknown)} / query {query.name} has no parameters "
                         f"{sorted(unknown)}; 它的参数 its parameters: {', '.join(query.params) or '(none)'}")
    return params


def run_query(source: Any, name: str, params: Mapping[str, Any] | None = None, *, driver: Any = None,
              database: str | None = None, folder: str | None = None, cache_dir: str | Path | None = None,
              progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Run a query of the pack by name, on the embedded engine or on a Neo4j server.

    Parameters
    ----------
    source
        An output folder or a :class:`graphkit.Graph` (embedded engine), or an open
        :class:`graphkit.cypher.EmbeddedGraph`; ignored when ``driver`` is given.
    name
        The query's name (``graphkit query --list``).
    params
        Parameter values (typed, or strings parsed by the declared type); the rest take their
        defaults.
    driver
        An open ``neo4j.Driver``: run on that server (the ``.neo4j.cypher`` variant if any).
    database
        The Neo4j database name.
    progress
        Called with progress messages (building the embedded database on first use).

    Examples
    --------
    >>> from graphkit._analysis import example_graph
    >>> df = run_query(example_graph(), "members_of_group", {"name": "第一片区"})
    >>> list(df.columns)[:3]
    ['collab_id', 'collab_name', 'org_id']
    """
    from .cypher import EmbeddedGraph, with_embedded

    query = get_query(name, folder=folder)
    if driver is not None:
        from ._bolt import query_server

        def runner(text: str, p: Mapping[str, Any]) -> pd.DataFrame:
            return query_server(driver, text, p, database=database)

        return runner(query.text_for("neo4j"), resolve_params(query, dict(params or {}), runner))
    if isinstance(source, EmbeddedGraph):
        return source.query(query.text_for("embedded"), resolve_params(query, dict(params or {}), source.query))
    # with_embedded: on a folder rebuilt meanwhile the query runs again on the new graph
    return with_embedded(source, lambda eg: eg.query(query.text_for("embedded"),
                                                     resolve_params(query, dict(params or {}), eg.query)),
                         cache_dir=cache_dir, progress=progress)
