"""The one implementation behind both query packs (Cypher ``*.cypher`` and SPARQL ``*.rq``).

A pack file starts with a comment header (``//`` in Cypher, ``#`` in SPARQL)::

    // name: unpaired_weak
    // title: 无结对帮扶的后进党组织 / Weak organizations without a strong partner
    // description: 三类或软弱涣散的党组织在统计日没有任何有效结对。
    //   Third-class or weak-and-lax organizations with no pairing active on the date.
    // param: as_of date = reference  统计日期 / the date links must be active on
    // matches: graphkit.analyses.pairing.pairing_gaps(graph, as_of=...)["unpaired_weak"]

followed by one statement. A line indented by two spaces after the comment mark continues the
field (or the parameter's documentation) above it. This module reads the header, checks it,
types the parameters and fills in their defaults; ``graphkit.exports.queries`` and ``graphkit.exports.sparql``
only add what their engines need (a Neo4j variant file; projected parameters for Oxigraph).

Parameter defaults: a literal (``1``, ``'town'``, ``''``), ``reference`` (the analyses' default
``as_of``: the month end of the latest recorded event), ``reference_year``, or a derived value
computed from earlier parameters (:data:`DERIVED`: ``year_of(as_of)``,
``years_before(as_of, rotation_years)``, …).

Examples
--------
>>> p = Param("as_of", "date", "reference", "统计日期")
>>> p.parse("2024-06-30")
datetime.date(2024, 6, 30)
>>> Param("by", "string", "'town'", "", ("town", "sector")).parse("sector")
'sector'
"""
from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import GraphkitError
from ..core.problems import clip

__all__ = ["PARAM_TYPES", "DERIVED", "QueryError", "SparqlError", "Param", "Query", "Dialect", "read_pack",
           "find_query", "parse_items", "resolve_params"]

PARAM_TYPES = ("string", "int", "float", "bool", "date", "list")
#: ``NAME TYPE = DEFAULT  doc``; a string parameter may declare its values: ``by string(town|sector) = 'town'``
_PARAM = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)\s+(?P<type>[a-z]+)(?:\((?P<choices>[A-Za-z0-9_|]+)\))?\s*=\s*"
                    r"(?P<default>'[^']*'|\S+)\s*(?P<doc>.*)$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_DERIVED = re.compile(r"^(?P<fn>[a-z_]+)\((?P<args>[a-z0-9_,\s]*)\)$")
_TRUE = {"true", "1", "yes", "y", "是", "t"}
_FALSE = {"false", "0", "no", "n", "否", "f"}
_REQUIRED = ("name", "title", "description", "matches")


class QueryError(GraphkitError):
    """A query of the pack is unknown, malformed, or was given a bad parameter."""


class SparqlError(QueryError):
    """A SPARQL query of the pack is unknown, malformed, or was given a bad parameter."""


@dataclass(frozen=True)
class Param:
    """A declared query parameter: name, type, default (text as written) and documentation."""

    name: str
    type: str
    default: str
    doc: str
    #: the values a string parameter may take (empty: any)
    choices: tuple[str, ...] = ()
    #: the error raised for a bad value (the pack's own error class)
    error: builtins.type[QueryError] = field(default=QueryError, compare=False, repr=False)

    def _check_choice(self, value: str) -> str:
        if self.choices and value not in self.choices:
            raise self.error(f"参数 {self.name} 只能取 {'、'.join(self.choices)}，收到 {clip(value)!r} / parameter "
                             f"{self.name} must be one of {', '.join(self.choices)}, got {clip(value)!r}")
        return value

    def parse(self, value: Any) -> Any:
        """Turn a value (text from the command line, or a Python value) into this parameter's type.

        Raises
        ------
        QueryError
            If the value is not one of the type (the message names the parameter); the pack's
            own subclass (:class:`SparqlError` for SPARQL).
        """
        if self.type == "list":
            raise self.error(f"参数 {self.name} 由其他参数计算，不能直接给出 / parameter {self.name} is computed "
                             f"from the others ({self.default}) and cannot be given")
        try:
            if self.type == "string":
                t = str(value)
                s = t.strip()
                return self._check_choice(s[1:-1] if len(s) >= 2 and s[0] == s[-1] == "'" else t)
            if self.type == "date":
                if isinstance(value, (dt.datetime, pd.Timestamp)):
                    return pd.Timestamp(value).date()
                if isinstance(value, dt.date):
                    return value
                return dt.date.fromisoformat(str(value).strip())
            if self.type == "int":
                if isinstance(value, bool):
                    raise ValueError(value)
                return value if isinstance(value, int) else int(str(value).strip())
            if self.type == "float":
                return float(value)
            if self.type == "bool":
                if isinstance(value, bool):
                    return value
                v = str(value).strip().lower()
                if v in _TRUE:
                    return True
                if v in _FALSE:
                    return False
                raise ValueError(value)
        except (ValueError, TypeError):
            pass
        raise self.error(f"参数 {self.name} 应为 {self.type}，收到 {clip(str(value))!r} / parameter {self.name} must be "
                         f"a {self.type}{' (YYYY-MM-DD)' if self.type == 'date' else ''}, got {clip(str(value))!r}")


@dataclass(frozen=True)
class Query:
    """One named query of a pack."""

    name: str
    title: str
    description: str
    params: dict[str, Param]
    matches: str
    text: str
    path: Path
    #: engine -> the text of that engine's variant file (e.g. ``neo4j``: ``<name>.neo4j.cypher``)
    variants: Mapping[str, str] = field(default_factory=dict)
    #: header fields beyond the required ones
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def neo4j_text(self) -> str | None:
        """The Neo4j variant of a Cypher query, if it has one."""
        return self.variants.get("neo4j")

    def text_for(self, engine: str) -> str:
        """The query text for an engine: its variant when there is one, else the common text."""
        return self.variants.get(engine) or self.text


@dataclass(frozen=True)
class Dialect:
    """What differs between the packs: file suffix, comment mark, error class, variants, checks."""

    #: the pack's files: ``*.cypher`` or ``*.rq``
    suffix: str
    #: the comment mark of the header
    comment: str
    error: type[QueryError]
    #: what the messages call a query ("查询 query", "SPARQL 查询 SPARQL query")
    what: tuple[str, str]
    #: engine -> file suffix of its variant (``{"neo4j": ".neo4j.cypher"}``)
    variants: Mapping[str, str] = field(default_factory=dict)
    #: how a parameter is written in the statement (to check every used one is declared)
    param_use: str | None = None
    #: a further check of one file: (path, statement, params) -> None, raising ``error``
    check: Callable[[Path, str, Mapping[str, Param]], None] | None = None


def _read_file(path: Path, dialect: Dialect) -> tuple[dict[str, str], list[Param], str]:
    """The header fields, the parameters and the statement of one pack file."""
    mark, err = dialect.comment, dialect.error
    head_re = re.compile(rf"^{re.escape(mark)}\s?(?P<key>[a-z_]+):\s*(?P<value>.*)$")
    cont_re = re.compile(rf"^{re.escape(mark)}\s{{2,}}(?P<value>\S.*)$")
    lines = path.read_text(encoding="utf-8").splitlines()
    head: dict[str, str] = {}
    params: list[Param] = []
    last: str | None = None
    i = len(lines)
    for n, line in enumerate(lines):
        if not line.strip():
            last = None
            continue
        if not line.startswith(mark):
            i = n
            break
        c = cont_re.match(line)
        if c and last is not None:
            if last == "param":
                p = params[-1]
                params[-1] = dataclasses.replace(p, doc=(p.doc + " " + c.group("value")).strip())
            else:
                head[last] = (head[last] + "\n" + c.group("value")).strip()
            continue
        m = head_re.match(line)
        if not m:
            last = None
            continue
        key, value = m.group("key"), m.group("value").strip()
        if key == "param":
            pm = _PARAM.match(value)
            if not pm or pm.group("type") not in PARAM_TYPES:
                raise err(f"{path.name}: 参数声明无效 / bad parameter line {value!r}; write "
                          f"`{mark} param: name type = default  doc` with type in {PARAM_TYPES}")
            params.append(Param(pm.group("name"), pm.group("type"), pm.group("default"), pm.group("doc").strip(),
                                tuple(pm.group("choices").split("|")) if pm.group("choices") else (), err))
        else:
            head[key] = value
        last = key
    text = "\n".join(lines[i:]).strip().rstrip(";").strip()
    return head, params, text


def read_pack(folder: Path, dialect: Dialect) -> dict[str, Query]:
    """Read every query of a pack folder, by name.

    Raises
    ------
    QueryError
        (the dialect's subclass) If a file lacks its header fields, its name differs from the file
        name, a parameter is badly declared, or used but not declared.
    """
    err = dialect.error
    if not folder.is_dir():
        raise err(f"找不到查询包目录 / query pack folder not found: {folder}")
    variant_suffixes = tuple(dialect.variants.values())
    out: dict[str, Query] = {}
    for path in sorted(folder.glob(f"*{dialect.suffix}")):
        if path.name.endswith(variant_suffixes) and variant_suffixes:
            continue
        head, params, text = _read_file(path, dialect)
        name = head.get("name", "")
        if name != path.stem or not _NAME.match(name):
            raise err(f"{path.name}: 头部 name {name!r} 须与文件名相同 / header `{dialect.comment} name:` must equal "
                      f"the file name stem ({path.stem})")
        for key in _REQUIRED:
            if not head.get(key):
                raise err(f"{path.name}: 缺少头部字段 / header field `{dialect.comment} {key}:` missing")
        if not text:
            raise err(f"{path.name}: 没有查询语句 / no query text after the header")
        by_name = {p.name: p for p in params}
        variants: dict[str, str] = {}
        bodies = [(text, path.name)]
        for engine, suffix in dialect.variants.items():
            vpath = path.with_name(name + suffix)
            if vpath.exists():
                _, vparams, vtext = _read_file(vpath, dialect)
                if [p.name for p in vparams] != [p.name for p in params]:
                    raise err(f"{vpath.name}: 参数须与 {path.name} 相同 / parameters must equal those of {path.name}")
                variants[engine] = vtext
                bodies.append((vtext, vpath.name))
        if dialect.param_use:
            for body, fname in bodies:
                used = set(re.findall(dialect.param_use, body))
                if used - set(by_name):
                    raise err(f"{fname}: 使用了未声明的参数 / uses undeclared parameters {sorted(used - set(by_name))}")
        if dialect.check is not None:
            dialect.check(path, text, by_name)
        extra = {k: v for k, v in head.items() if k not in _REQUIRED}
        out[name] = Query(name, head["title"], head["description"], by_name, head["matches"], text, path,
                          variants, extra)
    return out


def find_query(pack: Mapping[str, Query], name: str, dialect: Dialect) -> Query:
    """One query by name; the error lists the known names."""
    if name not in pack:
        zh, en = dialect.what
        raise dialect.error(f"没有名为 {name!r} 的{zh} / no {en} named {name!r}; 可用 available: {', '.join(pack)}")
    return pack[name]


def parse_items(query: Query, items: Any) -> dict[str, Any]:
    """Parse ``k=v`` strings (the CLI's ``-p``) into typed values for ``query``."""
    err = next(iter(query.params.values())).error if query.params else QueryError
    out: dict[str, Any] = {}
    for item in items:
        if "=" not in item:
            raise err(f"参数应写成 k=v / a parameter must be written k=v, got {item!r}")
        k, v = item.split("=", 1)
        k = k.strip()
        if k not in query.params:
            raise err(f"查询 {query.name} 没有参数 {k!r} / query {query.name} has no parameter {k!r}; "
                      f"它的参数 its parameters: {', '.join(query.params) or '(none)'}")
        out[k] = query.params[k].parse(v)
    return out


_HALF = {1: "上半年", 2: "下半年"}


def _periods(year: int, as_of: dt.date, kind: str) -> list[dict[str, Any]]:
    """The months, quarters or half-years of ``year``: ``p, label, first, last, due`` (due: ended by as_of).

    Labels are those of ``graphkit.analyses.cadence`` (``2024年03月``, ``2024年第2季度``, ``2024年上半年``).
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
        raise p.error(f"{query.path.name}: {p.default} 的类型是 {typ} / gives a {typ}, parameter {p.name} is a {p.type}")
    args = []
    for a in filter(None, (x.strip() for x in m.group("args").split(","))):
        if a in params:
            args.append(params[a])
        elif re.fullmatch(r"-?\d+", a):
            args.append(int(a))
        elif a in query.params:
            raise p.error(f"{query.path.name}: 派生参数须引用前面声明的参数 / {p.name}: a derived default must "
                          f"refer to an earlier parameter, not {a!r}")
        else:
            args.append(a)
    return fn(*args)


def resolve_params(query: Query, given: Mapping[str, Any], reference: Callable[[], dt.date]) -> dict[str, Any]:
    """Every parameter's value: the given ones parsed by type, the others from their defaults.

    ``reference`` computes the reference date on the engine that runs the query; it is called at
    most once, and only when a default needs it.

    Raises
    ------
    QueryError
        (the pack's subclass) For an unknown parameter name or a value of the wrong type.
    """
    unknown = sorted(set(given) - set(query.params))
    if unknown:
        err = next(iter(query.params.values())).error if query.params else QueryError
        raise err(f"查询 {query.name} 没有参数 {unknown} / unknown parameter(s) {unknown}: query {query.name} has "
                  f"no such parameter; 它的参数 its parameters: {', '.join(query.params) or '(none)'}")
    ref: list[dt.date] = []

    def ref_date() -> dt.date:
        if not ref:
            ref.append(reference())
        return ref[0]

    out: dict[str, Any] = {}
    for name, p in query.params.items():
        if given.get(name) is not None:
            out[name] = p.parse(given[name])
        elif p.default == "reference" and p.type == "date":
            out[name] = ref_date()
        elif p.default == "reference_year" and p.type == "int":
            out[name] = ref_date().year
        else:
            out[name] = _derived(query, p, out)
    return out
