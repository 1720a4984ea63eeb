"""SHACL validation of RDF data, reported in the problem table (:mod:`graphkit.exports.rdf`).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import pandas as pd

from ..core.errors import GraphkitError
from ..core.problems import RULES, Problems
from ..core.schema import Model, Property

from ._rdf_ontology import _ShapeInfo, _shape_index, shapes_graph
from ._rdf_read import load_rdf
from ._rdf_terms import Terms, terms

if TYPE_CHECKING:  # pragma: no cover
    import rdflib


# --------------------------------------------------------------------------------------------
# SHACL validation -> the problem table


# rules only RDF validation can name (not in the loaders' RULES table)
_EXTRA_RULES: dict[str, tuple[str, str]] = {
    "wrong_value_type": ("取值类型不符", "value has the wrong RDF type"),
    "shacl": ("不符合 SHACL 约束", "SHACL constraint violated"),
}
_COMPONENT_RULES = {
    "MinCountConstraintComponent": "required",
    "MaxCountConstraintComponent": "conflicting_values",
    "InConstraintComponent": "unknown_code",
    "MaxLengthConstraintComponent": "too_long",
    "MinInclusiveConstraintComponent": "out_of_range",
    "MaxInclusiveConstraintComponent": "out_of_range",
    "ClassConstraintComponent": "dangling_ref",
    "DisjointConstraintComponent": "self_reference",
    "NodeKindConstraintComponent": "wrong_value_type",
}
_DATATYPE_RULES = {"date": "bad_date", "integer": "bad_integer", "boolean": "bad_boolean"}
_SHADOWED_BY_DATATYPE = frozenset({"MinInclusiveConstraintComponent", "MaxInclusiveConstraintComponent",
                                   "MaxLengthConstraintComponent"})


def _as_data_graph(source: Any, fmt: str | None) -> rdflib.Graph:
    """One rdflib Graph holding every triple of the source (named graphs merged)."""
    from rdflib import Graph as RGraph

    if isinstance(source, (str, Path)):
        source = load_rdf(source, fmt=fmt, store="memory")
    g = RGraph()
    if type(source).__module__.startswith("pyoxigraph"):
        import pyoxigraph as ox
        data = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in source), format=ox.RdfFormat.N_TRIPLES)
        assert data is not None  # no output stream given: pyoxigraph returns the bytes
        g.parse(data=data.decode("utf-8"), format="nt")
        return g
    if hasattr(source, "quads") and hasattr(source, "graphs"):
        for s, p, o, _ in source.quads((None, None, None, None)):
            g.add((s, p, o))
    else:
        for tr in source.triples((None, None, None)):
            g.add(tr)
    return g


@dataclass
class _Result:
    """One SHACL validation result, from pySHACL's report or from a SPARQL constraint run here."""

    focus: Any
    value: Any
    component: str
    shape: str
    constraint: str
    severity: str
    messages: dict[str | None, str]


def _pyshacl_results(data: rdflib.Graph, sg: rdflib.Graph) -> list[_Result]:
    import pyshacl
    from rdflib.namespace import RDF, SH

    conforms, report, _text = pyshacl.validate(data, shacl_graph=sg, inference="none", advanced=False,
                                               allow_warnings=True, meta_shacl=False)
    if conforms:
        return []
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        sev = str(report.value(r, SH.resultSeverity) or SH.Violation).rsplit("#", 1)[-1]
        out.append(_Result(report.value(r, SH.focusNode), report.value(r, SH.value),
                           str(report.value(r, SH.sourceConstraintComponent) or "").rsplit("#", 1)[-1],
                           str(report.value(r, SH.sourceShape) or ""), str(report.value(r, SH.sourceConstraint) or ""),
                           sev, {getattr(m, "language", None): str(m) for m in report.objects(r, SH.resultMessage)}))
    return out


def _split_sparql(sg: rdflib.Graph) -> tuple[rdflib.Graph, list[tuple[str, str, list[str], str, dict[str | None, str]]]]:
    """Take the SPARQL-based constraints out of a shapes graph.

    Returns the remaining shapes and, per constraint: (shape IRI, constraint IRI, target classes,
    SELECT text, messages).
    """
    from rdflib import Graph as RGraph
    from rdflib.namespace import SH

    core = RGraph()
    for tr in sg:
        core.add(tr)
    found = []
    for shape, c in sorted(sg.subject_objects(SH.sparql), key=lambda x: (str(x[0]), str(x[1]))):
        core.remove((shape, SH.sparql, c))
        classes = sorted(str(x) for x in sg.objects(shape, SH.targetClass))
        select = str(sg.value(c, SH.select))
        msgs = {getattr(m, "language", None): str(m) for m in sg.objects(c, SH.message)}
        found.append((str(shape), str(c), classes, select, msgs))
    return core, found


def _sparql_results(data: rdflib.Graph, constraints: list[tuple[str, str, list[str], str, dict[str | None, str]]]) -> list[_Result]:
    """Evaluate SPARQL-based constraints once each over all focus nodes (``$this`` free)."""
    from rdflib.namespace import RDF
    from rdflib.query import ResultRow

    out = []
    for shape, c, classes, select, msgs in constraints:
        q = select.replace("$this", "?this")
        head, brace, body = q.partition("{")
        for cls in classes:
            query = f"{head}{brace} ?this <{RDF.type}> <{cls}> . {body}"
            for row in data.query(query):
                assert isinstance(row, ResultRow)  # a SELECT query yields result rows
                out.append(_Result(row.this, getattr(row, "value", None), "SPARQLConstraintComponent", shape, c,
                                   "Violation", msgs))
    return out


def validate_rdf(source: Any, *, fmt: str | None = None, shapes: rdflib.Graph | None = None,
                 model: Model | None = None, engine: str = "fast") -> pd.DataFrame:
    """Validate RDF with pySHACL against graphkit's shapes; return the loaders' problem table.

    Each violation becomes one row (``severity, file, sheet, row, column, value, rule,
    message_zh, message_en``) pointing back to the ledger row the record came from
    (through ``prov:wasDerivedFrom``). An empty table means the data conforms.

    Parameters
    ----------
    source
        A path, an rdflib Graph/Dataset or a pyoxigraph Store (named graphs are merged first).
    shapes
        Other shapes (default: :func:`shapes_graph`, the same as ``schema/shapes.ttl``).
    engine
        ``fast`` (default): pySHACL checks the core constraints and each SPARQL-based constraint
        (interval order, cycles) is run once over all focus nodes — the same results, many times
        faster, because pySHACL re-parses a SPARQL constraint for every focus node.
        ``pyshacl``: pySHACL evaluates everything.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> from graphkit.exports.rdf import to_oxigraph, to_rdflib
    >>> validate_rdf(to_rdflib(g)).empty
    True
    >>> g.tables["Pairing"].loc[0, "weak"] = "v1"      # pair v1 with itself
    >>> validate_rdf(to_oxigraph(g))[["row", "column", "rule"]].values.tolist()
    [[1, '帮扶方(强)', 'self_reference']]
    """
    if engine not in ("fast", "pyshacl"):
        raise GraphkitError(f"未知校验引擎 unknown engine {engine!r}; 可选 choose fast or pyshacl")
    t = terms(model)
    model = t.model
    data = _as_data_graph(source, fmt)
    sg = shapes if shapes is not None else shapes_graph(model)
    if engine == "fast":
        core, constraints = _split_sparql(sg)
        results = _pyshacl_results(data, core) + _sparql_results(data, constraints)
    else:
        results = _pyshacl_results(data, sg)
    problems = Problems()
    if not results:
        return problems.frame()
    # like the loaders, a value of the wrong type is reported once (not also as out of range)
    mistyped = {(str(r.focus), r.shape) for r in results if r.component == "DatatypeConstraintComponent"}
    results = [r for r in results if not (r.component in _SHADOWED_BY_DATATYPE and (str(r.focus), r.shape) in mistyped)]
    index = _shape_index(t)
    prov = _provenance_lookup(data, t)
    names = _display_names(data, t)
    code_of = {t.concept(cl.name, c): (cl.name, c) for cl in model.codelists.values() for c in cl.codes}
    rows: list[dict[str, Any]] = []
    for r in results:
        severity = {"Violation": "error", "Warning": "warning"}.get(r.severity, "info")
        info = index.get(r.constraint) or index.get(r.shape)
        file, sheet, row = prov.get(str(r.focus), ("", "", None))
        tt = t.types.get(info.type_name) if info else None
        prop = tt.rtype.properties.get(info.prop) if (tt and info and info.prop and info.prop != "id") else None
        col_zh = prop.label["zh"] if prop else ("标识" if info and info.prop == "id" else "")
        col_en = prop.label["en"] if prop else ("id" if info and info.prop == "id" else "")
        rule = (info.rule if info and info.rule else None) or _COMPONENT_RULES.get(r.component)
        if r.component == "DatatypeConstraintComponent":
            rule = _DATATYPE_RULES.get(prop.type if prop else "", "wrong_value_type")
        rule = rule or "shacl"
        shown = _show(r.value, names, code_of, t)
        zh, en = _detail(rule, col_zh, col_en, prop, info, model, r.messages)
        label = names.get(str(r.focus), _short_iri(r.focus))
        what_zh = f"{tt.rtype.label['zh']}「{label}」" if tt else f"<{r.focus}>"
        what_en = f"{tt.rtype.label['en']} {label!r}" if tt else f"<{r.focus}>"
        title_zh, title_en = RULES.get(rule) or _EXTRA_RULES[rule]
        rows.append({"severity": severity, "file": file, "sheet": sheet, "row": row, "column": col_zh, "value": shown,
                     "rule": rule, "message_zh": f"{title_zh}：{what_zh}{zh}", "message_en": f"{title_en}: {what_en}: {en}"})
    problems.extend(rows)
    return problems.frame().drop_duplicates().reset_index(drop=True)


def _short_iri(node: Any) -> str:
    return unquote(str(node).rsplit("/", 1)[-1])


def _show(value: Any, names: dict[str, str], code_of: dict[str, tuple[str, str]], t: Terms) -> str:
    if value is None:
        return ""
    s = str(value)
    if s in code_of:
        return code_of[s][1]
    if s in names:
        return names[s]
    if s.startswith(t.code_ns):
        return unquote(s[len(t.code_ns):].split("-", 1)[-1])
    if s.startswith(("http://", "https://")):
        return _short_iri(s)
    return s


def _detail(rule: str, col_zh: str, col_en: str, prop: Property | None, info: _ShapeInfo | None, model: Model,
            messages: dict[str | None, str]) -> tuple[str, str]:
    if rule == "required":
        return f"「{col_zh}」不能为空", f"{col_en!r} must not be empty"
    if rule == "unknown_code" and prop is not None and prop.codelist:
        cl = model.codelists[prop.codelist]
        return (f"「{col_zh}」可选值：{', '.join(cl.zh(c) for c in cl.codes)}",
                f"{col_en}: not one of {', '.join(cl.codes)}")
    if rule == "too_long" and prop is not None:
        return f"「{col_zh}」超过 {prop.max_length} 个字符", f"{col_en} longer than {prop.max_length} characters"
    if rule == "out_of_range" and prop is not None:
        return f"「{col_zh}」应在 {prop.min}–{prop.max} 之间", f"{col_en} must be within {prop.min}–{prop.max}"
    if rule == "dangling_ref" and prop is not None:
        rng = model[prop.range]  # type: ignore[index]
        return f"「{col_zh}」所指的{rng.label['zh']}不存在", f"{col_en}: no {rng.label['en']} with that IRI"
    if rule == "self_reference" and info is not None:
        rtype = model[info.type_name]
        a, b = next(((x, y) for x, y in rtype.distinct if info.prop in (x, y)), (info.prop, info.prop))
        pa, pb = rtype.properties[a], rtype.properties[b]  # type: ignore[index]
        return (f"「{pa.label['zh']}」与「{pb.label['zh']}」是同一个组织",
                f"{pa.label['en']} and {pb.label['en']} are the same record")
    if rule == "interval_order" and info is not None:
        rtype = model[info.type_name]
        a, b = next(((x, y) for x, y in rtype.intervals if y == info.prop), (info.prop, info.prop))
        pa, pb = rtype.properties[a], rtype.properties[b]  # type: ignore[index]
        return f"「{pb.label['zh']}」早于「{pa.label['zh']}」", f"{pb.label['en']} is before {pa.label['en']}"
    if rule == "cycle" and prop is not None:
        return f"「{col_zh}」关系形成循环", f"the {col_en.lower()} chain loops back on itself"
    if rule == "conflicting_values":
        return f"「{col_zh}」有多个取值", f"{col_en} has more than one value"
    if rule in ("bad_date", "bad_integer", "bad_boolean", "wrong_value_type"):
        return f"「{col_zh}」取值类型不符", f"{col_en}: value of the wrong type"
    zh = messages.get("zh") or messages.get(None) or next(iter(messages.values()), "")
    en = messages.get("en") or messages.get(None) or next(iter(messages.values()), "")
    return zh, en


def _provenance_lookup(data: rdflib.Graph, t: Terms) -> dict[str, tuple[str, str, int | None]]:
    """focus node IRI -> (file, sheet, row) via prov:wasDerivedFrom."""
    from rdflib import URIRef

    X = lambda c: URIRef(t.iri(c))  # noqa: E731
    out: dict[str, tuple[str, str, int | None]] = {}
    for s, row in data.subject_objects(X("prov:wasDerivedFrom")):
        f = data.value(row, X("gk:sourceFile"))
        fname = str(data.value(f, X("gk:fileName")) or "") if f is not None else ""
        sheet = str(data.value(row, X("gk:sheet")) or "")
        rn = data.value(row, X("gk:row"))
        out[str(s)] = (fname, sheet, int(str(rn)) if rn is not None else None)
        # intervals and instants of a record point back to it as well
        for suffix in ("/interval", "/start", "/end"):
            out.setdefault(str(s) + suffix, out[str(s)])
    return out


def _display_names(data: rdflib.Graph, t: Terms) -> dict[str, str]:
    from rdflib import URIRef

    out: dict[str, str] = {}
    for curie in ("dcterms:identifier", "rdfs:label", "foaf:name", "skos:prefLabel"):
        for s, o in data.subject_objects(URIRef(t.iri(curie))):
            if getattr(o, "language", None) in (None, "zh"):
                out[str(s)] = str(o)
    return out
