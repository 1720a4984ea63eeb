"""SPARQL versions of the analysts' questions: ``schema/queries/*.rq``, run on rdflib or Oxigraph.

Each ``schema/queries/<name>.rq`` starts with a comment header, in the same form as the Cypher
pack (``graphkit.exports.queries``)::

    # name: unpaired_weak
    # title: 无一类帮扶的后进党组织 / Weak organizations without a strong partner
    # description: 统计日为三类或软弱涣散……
    #   Organizations that are weak on the date …
    # param: as_of date = reference  统计日期 / date the pairings must be active on
    # param: year int = year_of(as_of)  分类定级年度 / rating year
    # matches: graphkit.analyses.pairing.pairing_gaps(graph, as_of=as_of)["unpaired_weak"]

followed by one SPARQL 1.1 ``SELECT`` query over graphkit's RDF export (``graphkit.exports.rdf``).

Parameters are never pasted into the query text. They are bound as RDF terms: with
``initBindings`` on rdflib and with ``substitutions`` (SPARQL SEP-0007) on Oxigraph. Oxigraph
only substitutes variables that the query projects, so every query lists its parameters in its
``SELECT`` clause (and ``GROUP BY``); those columns are dropped from the result. For the same
reason a parameter is never used inside a sub-``SELECT`` (it would be a different variable there).

Parameter defaults: a literal (``1``, ``'town'``, ``''``), ``reference`` (the latest recorded
event in the data: the analyses' default ``as_of``), ``reference_year``, ``year_of(P)`` (the year
of an earlier date parameter) and ``years_before(P,Q)`` (date P moved back Q years).

Examples
--------
>>> import graphkit as gk
>>> from graphkit.exports import sparql
>>> "unpaired_weak" in sparql.list_queries()["name"].tolist()
True
>>> df = sparql.run_query(gk.build_graph(gk.sample_path()), "chain_stage_coverage", store="oxigraph")
>>> df.loc[df["no_presence"], "stage"].tolist()
['烘茧']
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..core.paths import schema_dir
from ._querypack import Dialect, Param, Query, SparqlError, find_query, read_pack
from ._querypack import resolve_params as _resolve
from ..core.model import Graph
from ..core.schema import Model, load_schema

__all__ = ["Param", "SparqlQuery", "SparqlError", "queries_dir", "load_queries", "list_queries", "get_query",
           "open_source", "resolve_params", "run_query", "run_sparql", "reference_date", "PARAM_TYPES"]

#: The SPARQL pack's parameter types (no computed lists: a SPARQL query cannot take one).
PARAM_TYPES = ("string", "int", "float", "bool", "date")
_XSD = "http://www.w3.org/2001/XMLSchema#"
#: A query of the SPARQL pack (the same class as a Cypher query of ``graphkit.exports.queries``).
SparqlQuery = Query


def queries_dir() -> Path:
    """The folder of the query pack (``schema/queries``)."""
    return schema_dir() / "queries"


def _check_projection(path: Path, text: str, params: Mapping[str, Param]) -> None:
    """Every parameter must be projected by the outer SELECT (Oxigraph substitutes only those)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    m = re.search(r"\bSELECT\b(?P<proj>.*?)\bWHERE\b", body, flags=re.S | re.I)
    if m is None:
        raise SparqlError(f"{path.name}: 须为 SELECT … WHERE 查询 / must be a SELECT … WHERE query")
    proj = set(re.findall(r"\?([A-Za-z_][A-Za-z0-9_]*)", m["proj"]))
    missing = [p for p in params if p not in proj]
    if missing:
        raise SparqlError(f"{path.name}: 参数 {missing} 须出现在 SELECT 投影中（Oxigraph 只替换投影变量）/ parameters "
                          f"must be projected by the outer SELECT so that Oxigraph can bind them")


def _check_types(path: Path, params: Mapping[str, Param]) -> None:
    bad = [p.name for p in params.values() if p.type not in PARAM_TYPES]
    if bad:
        raise SparqlError(f"{path.name}: 参数 {bad} 的类型在 SPARQL 中不可用 / parameter type not available in SPARQL; "
                          f"use one of {PARAM_TYPES}")


def _check(path: Path, text: str, params: Mapping[str, Param]) -> None:
    _check_types(path, params)
    _check_projection(path, text, params)


#: The SPARQL pack: ``#`` headers; every parameter projected by the outer SELECT.
SPARQL = Dialect(suffix=".rq", comment="#", error=SparqlError, what=("SPARQL 查询", "SPARQL query"), check=_check)


@lru_cache(maxsize=4)
def _builtin_pack(folder: str) -> dict[str, Query]:
    return read_pack(Path(folder), SPARQL)


def load_queries(folder: str | Path | None = None) -> dict[str, Query]:
    """Every query of the pack, by name (a copy: the built-in pack is read once, a folder given on every call)."""
    if folder:
        return read_pack(Path(folder), SPARQL)
    return dict(_builtin_pack(str(queries_dir())))


def list_queries(folder: str | Path | None = None) -> pd.DataFrame:
    """The pack as a table: name, title, params (``name type = default``), matches.

    >>> list_queries().columns.tolist()
    ['name', 'title', 'params', 'matches']
    """
    rows = [{"name": q.name, "title": q.title,
             "params": ", ".join(f"{p.name} {p.type} = {p.default}" for p in q.params.values()),
             "matches": q.matches} for q in load_queries(folder).values()]
    return pd.DataFrame(rows, columns=["name", "title", "params", "matches"])


def get_query(name: str, folder: str | Path | None = None) -> Query:
    """One query by name.

    Raises
    ------
    SparqlError
        If no query has that name (the message lists the known ones).
    """
    return find_query(load_queries(folder), name, SPARQL)


# --------------------------------------------------------------------------------------------
# sources


def open_source(source: Any, *, store: str = "memory", base: str | None = None) -> Any:
    """Something to query: an rdflib Dataset or a pyoxigraph Store.

    ``source`` is a :class:`graphkit.Graph`, an output folder written by ``graphkit build``, an RDF
    file, or already an rdflib Graph/Dataset or pyoxigraph Store (returned as is).

    >>> from graphkit.analyses.toolkit import example_graph
    >>> type(open_source(example_graph(), store="oxigraph")).__name__
    'Store'
    """
    from . import rdf

    if store not in rdf.STORES:
        raise SparqlError(f"未知存储 unknown store {store!r}; 可选 choose one of: {', '.join(rdf.STORES)}")
    if isinstance(source, Graph):
        return rdf.to_oxigraph(source, base=base) if store == "oxigraph" else rdf.to_rdflib(source, base=base)
    if isinstance(source, (str, Path)):
        p = Path(source)
        if p.is_dir():
            from ..store.io import read_graph
            return open_source(read_graph(p), store=store, base=base)
        return rdf.load_rdf(p, store=store)
    mod = type(source).__module__
    if mod.startswith(("pyoxigraph", "rdflib")):
        return source
    raise SparqlError(f"无法查询此对象 / cannot query a {type(source).__name__}; give a Graph, an output folder, "
                      f"an RDF file, an rdflib graph or a pyoxigraph Store")


def _is_oxi(src: Any) -> bool:
    return type(src).__module__.startswith("pyoxigraph")


# --------------------------------------------------------------------------------------------
# running


def _term(value: Any, ptype: str, oxi: bool) -> Any:
    """A Python value as an RDF literal of the parameter's type (rdflib or pyoxigraph)."""
    if ptype == "date":
        lex, dtype = value.isoformat(), _XSD + "date"
    elif ptype == "int":
        lex, dtype = str(int(value)), _XSD + "integer"
    elif ptype == "float":
        lex, dtype = repr(float(value)), _XSD + "double"
    elif ptype == "bool":
        lex, dtype = ("true" if value else "false"), _XSD + "boolean"
    else:
        lex, dtype = str(value), _XSD + "string"
    if oxi:
        import pyoxigraph as ox
        return ox.Literal(lex, datatype=ox.NamedNode(dtype))
    from rdflib import Literal, URIRef
    if dtype == _XSD + "string":
        return Literal(lex)  # rdflib keeps plain literals (what its parsers make) apart from ^^xsd:string ones
    return Literal(lex, datatype=URIRef(dtype))


def _py(lex: str, datatype: str | None, is_literal: bool) -> Any:
    """An RDF term (lexical form, datatype) as a plain Python value."""
    if not is_literal:
        return lex
    if datatype in (_XSD + "integer", _XSD + "int", _XSD + "long", _XSD + "nonNegativeInteger", _XSD + "short"):
        return int(lex)
    if datatype in (_XSD + "decimal",):
        return float(Decimal(lex))
    if datatype in (_XSD + "double", _XSD + "float"):
        return float(lex)
    if datatype == _XSD + "boolean":
        return lex in ("true", "1")
    if datatype == _XSD + "date":
        return pd.Timestamp(lex[:10])
    if datatype == _XSD + "dateTime":
        return pd.Timestamp(lex)
    return lex


def run_sparql(source: Any, text: str, *, bindings: Mapping[str, tuple[Any, str]] | None = None,
               store: str = "memory") -> pd.DataFrame:
    """Run a SELECT query; return a DataFrame of plain Python values (in the projection's order).

    Parameters
    ----------
    source
        See :func:`open_source`.
    text
        The SPARQL text.
    bindings
        Variable name -> (value, type) with type one of :data:`PARAM_TYPES`; bound as RDF terms
        (rdflib ``initBindings``; Oxigraph ``substitutions``, which need the variable projected).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> q = "SELECT ?id WHERE { ?o a <http://www.w3.org/ns/org#Membership> ; <http://purl.org/dc/terms/identifier> ?id ; <http://www.w3.org/ns/org#role>/<http://www.w3.org/2004/02/skos/core#notation> ?role } ORDER BY ?id"
    >>> run_sparql(example_graph(), q, bindings={"role": ("lead", "string")})["id"].tolist()
    ['mem-0001', 'mem-0005', 'mem-0007']
    """
    src = open_source(source, store=store)
    bindings = dict(bindings or {})
    if _is_oxi(src):
        import pyoxigraph as ox
        subs = {ox.Variable(k): _term(v, t, True) for k, (v, t) in bindings.items()}
        try:
            res = src.query(text, use_default_graph_as_union=True, substitutions=subs or None)
        except (SyntaxError, RuntimeError, ValueError) as exc:
            raise SparqlError(f"SPARQL 查询失败 / query failed (Oxigraph): {exc}") from None
        if not isinstance(res, ox.QuerySolutions):
            raise SparqlError("只支持 SELECT 查询 / only SELECT queries are supported")
        cols = [v.value for v in res.variables]
        rows = []
        for sol in res:
            row: list[Any] = []
            for i in range(len(cols)):
                term = sol[i]
                if term is None:
                    row.append(None)
                elif isinstance(term, ox.Literal):
                    row.append(_py(term.value, term.datatype.value, True))
                else:
                    row.append(_py(term.value, None, False))
            rows.append(row)
    else:
        from rdflib import Literal, Variable
        init = {Variable(k): _term(v, t, False) for k, (v, t) in bindings.items()}
        union = getattr(src, "default_union", None)
        if union is not None:
            src.default_union = True
        try:
            res = src.query(text, initBindings=init)
        except Exception as exc:  # rdflib's parser and evaluator raise many exception types
            raise SparqlError(f"SPARQL 查询失败 / query failed (rdflib): {exc}") from None
        finally:
            if union is not None:
                src.default_union = union
        if res.type != "SELECT":
            raise SparqlError("只支持 SELECT 查询 / only SELECT queries are supported")
        cols = [str(v) for v in res.vars]
        rows = [[None if term is None else _py(str(term), str(term.datatype) if isinstance(term, Literal) and term.datatype
                                                else (None if not isinstance(term, Literal) or term.language else _XSD + "string"),
                                                isinstance(term, Literal))
                 for term in r] for r in res]
    return _frame(cols, rows)


def _frame(cols: list[str], rows: list[list[Any]]) -> pd.DataFrame:
    data: dict[str, Any] = {}
    for i, c in enumerate(cols):
        vals = [r[i] for r in rows]
        present = [v for v in vals if v is not None]
        if present and all(isinstance(v, pd.Timestamp) for v in present):
            data[c] = pd.to_datetime(pd.Series(vals, dtype=object)).astype("datetime64[s]")
        elif present and all(isinstance(v, bool) for v in present):
            data[c] = pd.array(vals, dtype="boolean") if len(present) < len(vals) else pd.array(vals, dtype=bool)
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            data[c] = pd.array(vals, dtype="Int64") if len(present) < len(vals) else pd.array(vals, dtype="int64")
        elif present and all(isinstance(v, float) for v in present):
            data[c] = pd.array([float("nan") if v is None else v for v in vals], dtype="float64")
        else:
            data[c] = pd.Series(vals, dtype=object)
    return pd.DataFrame(data, columns=cols)


def reference_date(source: Any, *, store: str = "memory", model: Model | None = None) -> dt.date:
    """The analyses' default ``as_of`` from RDF data: the month end of the latest recorded event.

    The latest event is taken over every declared date property that is not the end of an
    interval: interval beginnings (``time:hasBeginning``) and plain date properties (activity
    dates), as :func:`graphkit.analyses.toolkit.reference_date` does on tables. Today when the data holds
    no dates.

    >>> from graphkit.analyses.toolkit import example_graph, reference_date as py_ref
    >>> g = example_graph()
    >>> reference_date(g), py_ref(g).date()
    (datetime.date(2024, 11, 30), datetime.date(2024, 11, 30))
    """
    from . import rdf

    t = rdf.terms(model or load_schema())
    preds: set[str] = set()
    for tt in t.types.values():
        for pt in tt.props.values():
            if pt.kind == "begin":
                preds.add(f"<{pt.iri}>/<{t.iri('time:inXSDDate')}>")
            elif pt.kind == "literal" and pt.prop.type == "date":
                preds.add(f"<{pt.iri}>")
    latest: list[str] = []
    for p in sorted(preds):
        # one ordered query per predicate: MAX over strings is not portable (rdflib returns an error)
        df = run_sparql(source, f"SELECT ?d WHERE {{ ?x {p} ?d }} ORDER BY DESC(?d) LIMIT 1", store=store)
        if len(df) and df["d"].iat[0] is not None:
            latest.append(pd.Timestamp(df["d"].iat[0]).date().isoformat())
    if not latest:
        return dt.date.today()
    # ledgers are kept by month: the month of the latest event counts as complete
    return (pd.Timestamp(max(latest)) + pd.offsets.MonthEnd(0)).date()


def resolve_params(query: Query, given: Mapping[str, Any], source: Any, *, store: str = "memory") -> dict[str, Any]:
    """Every parameter's value: the given ones parsed, the others from their defaults.

    Raises
    ------
    SparqlError
        For an unknown parameter name or a value of the wrong type.
    """
    return _resolve(query, given, lambda: reference_date(source, store=store))


def run_query(source: Any, name: str, *, params: Mapping[str, Any] | None = None, store: str = "memory",
              folder: str | Path | None = None) -> pd.DataFrame:
    """Run a query of the pack by name; return a DataFrame of plain Python values.

    Parameters
    ----------
    source
        A :class:`graphkit.Graph`, an output folder, an RDF file, an rdflib graph or a pyoxigraph
        Store (convert once with :func:`open_source` when running several queries).
    name
        The query's name (see :func:`list_queries`).
    params
        Parameter values (text or Python values); the others take their defaults.
    store
        ``memory`` (rdflib) or ``oxigraph`` when ``source`` still has to be loaded.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> df = run_query(example_graph(), "unpaired_weak", params={"as_of": "2024-06-30"}, store="oxigraph")
    >>> df[["name", "reason"]].values.tolist()
    [['县司法局机关党支部', 'no_pairing'], ['丙村党支部', 'no_pairing'], ['丁村党支部', 'partner_not_strong']]
    """
    q = get_query(name, folder)
    src = open_source(source, store=store)
    values = resolve_params(q, params or {}, src, store=store)
    df = run_sparql(src, q.text, bindings={k: (v, q.params[k].type) for k, v in values.items()}, store=store)
    return df.drop(columns=[c for c in q.params if c in df.columns])
