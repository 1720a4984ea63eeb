"""RDF import: an RDF file or store back to a :class:`~graphkit.core.model.Graph` (:mod:`graphkit.exports.rdf`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote

import numpy as np
import pandas as pd

from ..core.errors import GraphkitError
from ..core.model import Graph
from ..core.problems import Problems
from ..core.schema import Model, RecordType, load_schema

from ._rdf_terms import FORMATS, Terms, _NS, terms
from ._rdf_write import _enc_ids, _format_from_suffix, _oxi_format


# --------------------------------------------------------------------------------------------
# import: RDF -> Graph


def load_rdf(path: str | Path, *, fmt: str | None = None, store: str = "memory") -> Any:
    """Parse an RDF file into an rdflib Dataset (``memory``) or a pyoxigraph Store (``oxigraph``).

    Examples
    --------
    >>> import tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> from graphkit.exports.rdf import export_rdf
    >>> p = export_rdf(example_graph(), tempfile.mkdtemp() + "/county.nt")
    >>> len(load_rdf(p, store="oxigraph")) > 500
    True
    """
    path = Path(path)
    if not path.is_file():
        raise GraphkitError(f"找不到 RDF 文件 / RDF file not found: {path}")
    fmt = fmt or _format_from_suffix(path)
    if store == "oxigraph":
        import pyoxigraph as ox
        st = ox.Store()
        try:
            st.bulk_load(path=str(path), format=_oxi_format(fmt))
        except (SyntaxError, ValueError) as exc:
            raise GraphkitError(f"{path}: RDF 解析失败 / cannot parse as {fmt}: {exc}") from None
        return st
    from rdflib import Dataset
    ds = Dataset()
    try:
        ds.parse(str(path), format=FORMATS[fmt][1])
    except Exception as exc:  # rdflib raises many parser-specific exception types
        raise GraphkitError(f"{path}: RDF 解析失败 / cannot parse as {fmt}: {exc}") from None
    return ds


class _Source:
    """Uniform triple access over an rdflib graph/dataset or a pyoxigraph store (all graphs)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.oxi = type(source).__module__.startswith("pyoxigraph")
        self._cache: dict[str, pd.DataFrame] = {}

    def frame(self, pred: str) -> pd.DataFrame:
        """Triples of one predicate: columns s, o (lexical form or IRI), iri (bool), dt, lang."""
        if pred in self._cache:
            return self._cache[pred]
        s_: list[str] = []
        o_: list[str] = []
        iri_: list[bool] = []
        dt_: list[str | None] = []
        lang_: list[str | None] = []
        if self.oxi:
            import pyoxigraph as ox
            for q in self.source.quads_for_pattern(None, ox.NamedNode(pred), None, None):
                s_.append(q.subject.value)
                o = q.object
                o_.append(o.value)
                if isinstance(o, ox.Literal):
                    iri_.append(False)
                    dt_.append(o.datatype.value)
                    lang_.append(o.language)
                else:
                    iri_.append(isinstance(o, ox.NamedNode))
                    dt_.append(None)
                    lang_.append(None)
        else:
            from rdflib import Literal, URIRef
            src = self.source
            it = (src.quads((None, URIRef(pred), None, None)) if hasattr(src, "quads") and hasattr(src, "graphs")
                  else ((s, p, o, None) for s, p, o in src.triples((None, URIRef(pred), None))))
            for s, _p, o, *_ in it:
                s_.append(str(s))
                o_.append(str(o))
                if isinstance(o, Literal):
                    iri_.append(False)
                    dt_.append(str(o.datatype) if o.datatype else (None if o.language else _NS["xsd"] + "string"))
                    lang_.append(o.language)
                else:
                    iri_.append(isinstance(o, URIRef))
                    dt_.append(None)
                    lang_.append(None)
        df = pd.DataFrame({"s": pd.Series(s_, dtype=object), "o": pd.Series(o_, dtype=object),
                           "iri": pd.Series(iri_, dtype=bool), "dt": pd.Series(dt_, dtype=object),
                           "lang": pd.Series(lang_, dtype=object)})
        df = df.drop_duplicates(["s", "o", "iri", "dt", "lang"]).reset_index(drop=True)
        self._cache[pred] = df
        return df


def _one_value(frame: pd.DataFrame, subjects: pd.Series, what: str, problems: Problems, src_name: str) -> pd.DataFrame:
    """The first value per subject (sorted); extra values become ``conflicting_values`` warnings."""
    f = frame[frame["s"].isin(subjects)]
    if f["s"].duplicated().any():
        f = f.sort_values(["s", "o"], kind="stable")
        dup = f[f["s"].duplicated(keep=False)]
        for s, grp in dup.groupby("s", sort=True):
            problems.add(file=src_name, column=what, value=" ≠ ".join(grp["o"].astype(str).head(3)),
                         rule="conflicting_values", severity="warning", zh=f"<{s}> 有多个取值，取第一个",
                         en=f"<{s}> has several values; the first is kept")
        f = f.drop_duplicates("s", keep="first")
    return f


def read_rdf(source: Any, *, fmt: str | None = None, store: str = "memory", model: Model | None = None) -> Graph:
    """Read RDF written by graphkit (any format) back into a :class:`graphkit.Graph`.

    Records are found by their class (``rdf:type``) and their IRI ``…/{type}/{id}``; values by
    the declared predicates; intervals through ``time:Interval`` instants; provenance through
    ``prov:wasDerivedFrom`` source rows. Tables come back with the same ids, values and dtypes as
    ``build_graph`` gives. Values that cannot be read are dropped and listed in ``graph.problems``.

    Parameters
    ----------
    source
        A path (format from the suffix or ``fmt``), an rdflib Graph/Dataset or a pyoxigraph Store.
    store
        For a path: parse with rdflib (``memory``) or pyoxigraph (``oxigraph``, much faster).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> g = example_graph()
    >>> from graphkit.exports.rdf import to_oxigraph
    >>> back = read_rdf(to_oxigraph(g))
    >>> back.tables["Pairing"][["id", "strong", "weak"]].values.tolist()
    [['p1', 'v1', 'v2'], ['p2', 'a2', 'v4'], ['p3', 'a1', 'v3']]
    """
    src_name = ""
    if isinstance(source, (str, Path)):
        src_name = Path(source).name
        source = load_rdf(source, fmt=fmt, store=store)
    model = model or load_schema()
    t = terms(model)
    src = _Source(source)
    problems = Problems()
    rdf_type = _NS["rdf"] + "type"
    types_f = src.frame(rdf_type)
    ident = src.frame(t.iri("dcterms:identifier"))
    ident = ident[~ident["iri"]]
    # records per type
    subjects: dict[str, pd.DataFrame] = {}
    for name, tt in t.types.items():
        subs = types_f.loc[types_f["iri"] & (types_f["o"] == tt.class_iri), ["s"]].drop_duplicates()
        subs = subs.merge(_one_value(ident, subs["s"], "id", problems, src_name)[["s", "o"]], on="s", how="left")
        last = subs["s"].str.rsplit("/", n=1).str[-1].map(unquote)
        subs["id"] = subs["o"].where(subs["o"].notna(), last)
        expect = ("/" + tt.segment + "/" + _enc_ids(subs["id"])).tolist() if len(subs) else []
        ok = np.array([s.endswith(e) for s, e in zip(subs["s"].tolist(), expect)], dtype=bool)
        subjects[name] = subs.loc[ok, ["s", "id"]].sort_values("id").reset_index(drop=True)
    iri_to_id = pd.concat([d.set_index("s")["id"] for d in subjects.values()]) if subjects else pd.Series(dtype=object)
    iri_to_id = iri_to_id[~iri_to_id.index.duplicated()]
    code_of = {t.concept(cl.name, c): c for cl in model.codelists.values() for c in cl.codes}
    tables: dict[str, pd.DataFrame] = {}
    for name, tt in t.types.items():
        subs = subjects[name]
        df = pd.DataFrame({"id": subs["id"].astype(str)})
        for pname, pt in tt.props.items():
            col_label = f"{name}.{pname}"
            if pt.kind in ("begin", "end"):
                link = src.frame(t.iri(tt.interval_link))  # type: ignore[arg-type]
                link = _one_value(link[link["iri"] | ~link["iri"]], subs["s"], col_label, problems, src_name)
                ends = src.frame(pt.iri)
                ends = _one_value(ends, link["o"], col_label, problems, src_name)
                dates = src.frame(t.iri("time:inXSDDate"))
                dates = _one_value(dates, ends["o"], col_label, problems, src_name)
                chain = (link[["s", "o"]].rename(columns={"o": "iv"})
                         .merge(ends[["s", "o"]].rename(columns={"s": "iv", "o": "inst"}), on="iv")
                         .merge(dates[["s", "o"]].rename(columns={"s": "inst", "o": "v"}), on="inst"))
                vals = subs[["s"]].merge(chain[["s", "v"]], on="s", how="left")["v"]
                df[pname] = _typed(vals, "date", col_label, problems, src_name)
                continue
            f = _one_value(src.frame(pt.iri), subs["s"], col_label, problems, src_name)
            vals = subs[["s"]].merge(f[["s", "o", "iri"]], on="s", how="left")
            v, is_iri = vals["o"], vals["iri"].fillna(False).astype(bool)
            if pt.kind == "code":
                codes = v.where(is_iri).map(code_of)
                bad = v.notna() & codes.isna()
                for x in v[bad].head(20):
                    problems.add(file=src_name, column=col_label, value=x, rule="unknown_code", severity="warning",
                                 zh="不是代码表中的概念", en="not a concept of the code list")
                df[pname] = codes.astype(object).where(codes.notna(), None).to_numpy()
            elif pt.kind == "ref":
                ids = v.where(is_iri).map(iri_to_id)
                dangling = v.notna() & is_iri & ids.isna()
                if dangling.any():
                    fallback = v[dangling].str.rsplit("/", n=1).str[-1].map(unquote)
                    ids = ids.astype(object)
                    ids[dangling] = fallback
                    for x in v[dangling].head(20):
                        problems.add(file=src_name, column=col_label, value=x, rule="dangling_ref", severity="warning",
                                     zh="引用的记录不在数据中", en="the referenced record is not in the data")
                df[pname] = ids.astype(object).where(ids.notna(), None).to_numpy()
            else:
                df[pname] = _typed(v.where(~is_iri), pt.prop.type, col_label, problems, src_name,
                                   datetime=pt.datatype == "xsd:dateTime")
        _read_provenance(df, src, t, subs)
        tables[name] = _final_dtypes(df, tt.rtype).sort_values("id", kind="stable").reset_index(drop=True)
    sources = _read_sources(src, t)
    return Graph(tables, model=model, sources=sources, problems=problems.frame(),
                 settings={"county": "", "rdf_source": src_name})


def _typed(values: pd.Series, ptype: str, what: str, problems: Problems, src_name: str, *,
           datetime: bool = False) -> pd.Series:
    values = values.reset_index(drop=True)
    if ptype == "date":
        lex = values.astype(object).where(values.notna(), None)
        if datetime:
            lex = lex.map(lambda x: x[:10] if isinstance(x, str) else x)
        out = pd.to_datetime(lex, format="%Y-%m-%d", errors="coerce")
    elif ptype == "integer":
        out = pd.to_numeric(values, errors="coerce")
    elif ptype == "boolean":
        out = values.map({"true": True, "1": True, "false": False, "0": False})
    else:
        return values.astype(object).where(values.notna(), None)
    bad = values.notna() & out.isna()
    for x in values[bad].head(20):
        problems.add(file=src_name, column=what, value=x, rule={"date": "bad_date", "integer": "bad_integer"}.get(ptype, "bad_boolean"),
                     severity="warning", zh="字面量无法解析", en="literal cannot be read")
    return out


def _final_dtypes(df: pd.DataFrame, rtype: RecordType) -> pd.DataFrame:
    """The dtypes ``build_graph`` gives (dates datetime64[s], Int64, boolean, objects with None)."""
    for pname, prop in rtype.properties.items():
        col = df[pname]
        if prop.type == "date":
            df[pname] = pd.to_datetime(col).astype("datetime64[s]")
        elif prop.type == "integer":
            df[pname] = pd.array(col.tolist() if len(col) else [], dtype="Int64") if col.dtype == object else col.astype("Int64")
        elif prop.type == "boolean":
            df[pname] = pd.array([None if pd.isna(x) else bool(x) for x in col], dtype="boolean")
        else:
            df[pname] = col.astype(object).where(col.notna(), None)
    for c in ("src_file", "src_sheet", "src_hash"):
        df[c] = df[c].astype(object).where(df[c].notna(), None)
    df["src_row"] = df["src_row"].astype("int64") if df["src_row"].notna().all() else df["src_row"].astype("Int64")
    df["id"] = df["id"].astype(object)
    return df[rtype.columns()]


def _read_provenance(df: pd.DataFrame, src: _Source, t: Terms, subs: pd.DataFrame) -> None:
    der = src.frame(t.iri("prov:wasDerivedFrom"))
    der = der[der["iri"]].sort_values(["s", "o"]).drop_duplicates("s")
    rows = subs[["s"]].merge(der[["s", "o"]].rename(columns={"o": "row"}), on="s", how="left")

    def attach(frame: pd.DataFrame, key: str, pred: str, col: str) -> pd.DataFrame:
        f = src.frame(t.iri(pred)).sort_values(["s", "o"]).drop_duplicates("s")
        return frame.merge(f[["s", "o"]].rename(columns={"s": key, "o": col}), on=key, how="left")

    rows = attach(rows, "row", "gk:sheet", "src_sheet")
    rows = attach(rows, "row", "gk:row", "src_row")
    rows = attach(rows, "row", "gk:sourceFile", "file")
    rows = attach(rows, "file", "gk:fileName", "src_file")
    rows = attach(rows, "file", "gk:fileHash", "src_hash")
    df["src_file"] = rows["src_file"].to_numpy()
    df["src_sheet"] = rows["src_sheet"].to_numpy()
    df["src_row"] = pd.to_numeric(rows["src_row"], errors="coerce").astype("Int64").to_numpy()
    df["src_hash"] = rows["src_hash"].to_numpy()


def _read_sources(src: _Source, t: Terms) -> pd.DataFrame:
    types_f = src.frame(_NS["rdf"] + "type")
    files = types_f.loc[types_f["o"] == t.iri("gk:LedgerFile"), ["s"]].drop_duplicates()
    for pred, col in (("gk:fileName", "file"), ("gk:fileHash", "sha256"), ("gk:byteSize", "bytes")):
        f = src.frame(t.iri(pred)).sort_values(["s", "o"]).drop_duplicates("s")
        files = files.merge(f[["s", "o"]].rename(columns={"o": col}), on="s", how="left")
    out = files.drop(columns="s").sort_values("file").reset_index(drop=True)
    # 0 when the RDF does not give the size (the output folder's manifest needs a number)
    out["bytes"] = pd.to_numeric(out["bytes"], errors="coerce").fillna(0).astype("int64")
    out["sheets"] = ""
    out["layouts"] = ""
    return out[["file", "sha256", "bytes", "sheets", "layouts"]]


