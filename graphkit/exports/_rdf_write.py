"""RDF export: tables to N-Triples/N-Quads/Turtle/TriG streamed chunk by chunk, rdflib and Oxigraph
stores, JSON-LD (:mod:`graphkit.exports.rdf`).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any
from collections.abc import Iterator
from urllib.parse import quote

import numpy as np
import pandas as pd

from ..core.errors import GraphkitError, OutputError
from ..core.model import Graph
from ..core.schema import PROVENANCE

from ._rdf_ontology import _vocabulary_triples
from ._rdf_terms import FORMATS, STORES, Terms, TypeTerm, _CTRL, _NS, _SAFE_ID, _default_base, check_base, expand, terms

if TYPE_CHECKING:  # pragma: no cover
    import pyoxigraph
    import rdflib


# --------------------------------------------------------------------------------------------
# export: tables -> RDF text, streamed chunk by chunk
#
# Every term is built from whole columns with pyarrow string kernels; a chunk of records becomes
# one arrow array of lines whose bytes are written straight to the file, so memory stays bounded
# by the chunk, whatever the size of the graph. N-Triples/N-Quads lines are written as they are
# made; Turtle/TriG group each chunk's triples by subject (``s p o ; p o .``) and by named graph
# (TriG: ``<file> { … }``, a graph may have several blocks, as TriG allows).

#: Formats written directly from the tables (no store): the others (JSON-LD) go through a store.
_STREAM_FORMATS = ("nt", "nquads", "turtle", "trig")
_SAFE_ID_RE2 = "^" + _SAFE_ID + "$"
# a prefixed-name local part that needs no escaping in Turtle (PN_LOCAL without '.', ':', '%')
_PN_LOCAL_RE2 = r"^[A-Za-z0-9_][A-Za-z0-9_-]*$"
# characters an N-Triples/Turtle string literal must (or graphkit chooses to) escape
_NEEDS_ESC_RE2 = r'[\\"\n\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f]'
_CTRL_RE2 = _CTRL.pattern
_CHUNK = 100_000


def _pa() -> tuple[Any, Any]:
    import pyarrow as pa
    import pyarrow.compute as pc
    return pa, pc


def _strings(values: Any) -> Any:
    """A Series / array / list as a pyarrow ``string`` array (missing values become nulls).

    Non-string values are written with ``str()``, as ``Series.astype(str)`` would.
    """
    pa, _ = _pa()
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == pa.string() else values.cast(pa.string())
    if isinstance(values, pd.Series):
        if isinstance(values.dtype, pd.StringDtype) or str(values.dtype).startswith(("str", "string")):
            try:
                return _strings(pa.array(values.array))
            except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
                pass
        values = values.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if (v is None or v is pd.NA or (isinstance(v, float) and v != v)) else str(v)
                         for v in values], type=pa.string())


def _cat(*parts: Any) -> Any:
    """Element-wise concatenation of string arrays and constant strings (a str if all are constants)."""
    pa, pc = _pa()
    if not any(isinstance(p, pa.Array) for p in parts):
        return "".join(parts)
    args = [p if isinstance(p, pa.Array) else pa.scalar(p, pa.string()) for p in parts]
    return pc.binary_join_element_wise(*args, pa.scalar("", pa.string()))


def _any(mask: Any) -> bool:
    _, pc = _pa()
    return bool(pc.any(mask).as_py())


def _esc(values: Any) -> Any:
    """Escape strings for the inside of an N-Triples / Turtle ``"…"`` literal.

    ``\\``, ``"``, newline and carriage return get their ECHAR escapes, other control characters
    ``\\uXXXX``; everything else (any Unicode) is written as it is.

    >>> _esc(_strings(['甲"镇\\\\', "a\\nb\\x01"])).to_pylist()
    ['甲\\\\"镇\\\\\\\\', 'a\\\\nb\\\\u0001']
    """
    pa, pc = _pa()
    values = _strings(values)
    if not _any(pc.match_substring_regex(values, _NEEDS_ESC_RE2)):
        return values
    for a, b in (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r")):
        values = pc.replace_substring(values, a, b)
    ctrl = pc.match_substring_regex(values, _CTRL_RE2)
    if _any(ctrl):  # rare: per value, only where needed
        py = values.to_pylist()
        for i in np.flatnonzero(ctrl.to_numpy(zero_copy_only=False)):
            py[i] = _CTRL.sub(lambda m: f"\\u{ord(m.group(0)):04X}", py[i])
        values = pa.array(py, type=pa.string())
    return values


def _enc_ids(ids: pd.Series) -> pd.Series:
    """Percent-encode ids for use in an IRI path segment (most ids need nothing)."""
    s = ids.astype(str)
    safe = s.str.fullmatch(_SAFE_ID)
    if bool(safe.all()):
        return s
    return s.where(safe, s.map(lambda v: quote(v, safe="")))


def _enc(values: Any) -> Any:
    """:func:`_enc_ids` on a pyarrow string array."""
    pa, pc = _pa()
    values = _strings(values)
    safe = pc.match_substring_regex(values, _SAFE_ID_RE2)
    if bool(pc.all(safe).as_py()) or len(values) == 0:
        return values
    py = values.to_pylist()
    for i in np.flatnonzero(~safe.to_numpy(zero_copy_only=False)):
        py[i] = quote(py[i], safe="")
    return pa.array(py, type=pa.string())


def _sub(values: Any, mask: np.ndarray) -> Any:
    """The elements of an array where ``mask`` is true (a constant string stays as it is)."""
    pa, _ = _pa()
    if isinstance(values, str) or bool(mask.all()):
        return values
    return values.filter(pa.array(mask))


class _Style:
    """How terms are spelled: full ``<IRI>``s (N-Triples, N-Quads) or prefixed names (Turtle, TriG)."""

    def __init__(self, fmt: str, prefixes: dict[str, str]) -> None:
        self.short = fmt in ("turtle", "trig")
        self.prefixes = prefixes
        self._ns = sorted(((ns, name) for name, ns in prefixes.items()), key=lambda x: -len(x[0]))
        self._by_ns = {ns: name for name, ns in prefixes.items()}
        self._local = re.compile(_PN_LOCAL_RE2)

    def iri(self, full: str) -> str:
        """One IRI (a prefixed name where the style and the IRI allow)."""
        if self.short:
            for ns, name in self._ns:
                if full.startswith(ns) and self._local.match(full[len(ns):]):
                    return f"{name}:{full[len(ns):]}"
        return f"<{full}>"

    def pred(self, full: str) -> str:
        return "a" if self.short and full == _NS["rdf"] + "type" else self.iri(full)

    def iris(self, ns: str, local: Any) -> Any:
        """IRIs ``ns + local`` for an array of (already encoded) local parts."""
        _, pc = _pa()
        full = _cat("<" + ns, local, ">")
        if not self.short or ns not in self._by_ns:
            return full
        ok = pc.match_substring_regex(local, _PN_LOCAL_RE2)
        short = _cat(self._by_ns[ns] + ":", local)
        return short if bool(pc.all(ok).as_py()) else pc.if_else(ok, short, full)

    def typed(self, lexical: Any, datatype: str) -> Any:
        """Literals ``"lexical"^^datatype`` (``lexical`` needs no escaping: numbers, dates, booleans)."""
        return _cat('"', lexical, '"^^' + self.iri(expand(datatype, "")))

    def header(self) -> bytes:
        if not self.short:
            return b""
        return "".join(f"@prefix {k}: <{v}> .\n" for k, v in self.prefixes.items()).encode("utf-8")


class _Sink:
    """Writes batches of statements (subjects, one predicate, objects, graph names) to a binary file.

    Graph names are ``""`` (the default graph) or a term (``<IRI>``); N-Triples and Turtle ignore
    them. N-Triples/N-Quads batches are written at once; Turtle/TriG batches are kept until
    :meth:`flush`, which groups them by (graph and) subject.
    """

    def __init__(self, fh: Any, fmt: str, style: _Style) -> None:
        self.fh, self.fmt, self.style = fh, fmt, style
        self.grouped = fmt in ("turtle", "trig")
        self.named = fmt in ("nquads", "trig")
        self.batches: list[tuple[Any, Any, Any]] = []
        self.count = 0
        fh.write(style.header())

    def _write(self, arr: Any) -> None:
        pa, _ = _pa()
        if isinstance(arr, str):
            self.fh.write(arr.encode("utf-8"))
            return
        if isinstance(arr, pa.ChunkedArray):
            arr = arr.combine_chunks()
        if len(arr) == 0:
            return
        _validity, offsets, data = arr.buffers()
        off = np.frombuffer(offsets, dtype=np.int32, count=len(arr) + 1, offset=arr.offset * 4)
        if data is not None and off[-1] > off[0]:
            self.fh.write(memoryview(data)[int(off[0]):int(off[-1])])

    def add(self, s: Any, p: str, o: Any, g: Any = "") -> None:
        pa, pc = _pa()
        lengths = {len(x) for x in (s, o, g) if isinstance(x, pa.Array)}
        if len(lengths) > 1:
            raise ValueError(f"internal: columns of different lengths {sorted(lengths)}")
        n = lengths.pop() if lengths else 1
        if n == 0:
            return
        self.count += n
        pred = self.style.pred(p)
        if not self.grouped:
            parts = [s, " " + pred + " ", o]
            if self.named:
                if isinstance(g, str):
                    parts.append(" " + g if g else "")
                else:
                    parts.append(pc.if_else(pc.equal(g, ""), "", _cat(" ", g)) if _any(pc.equal(g, "")) else _cat(" ", g))
            parts.append(" .\n")
            line = _cat(*parts)
            self._write(line if isinstance(line, str) else line)
            return
        full = lambda x: x if isinstance(x, pa.Array) else pa.array([x] * n, type=pa.string())  # noqa: E731
        self.batches.append((full(s), full(_cat(pred + " ", o)), full(g) if self.named else None))

    def flush(self) -> None:
        """Write the Turtle/TriG statements kept since the last flush, grouped by (graph and) subject."""
        pa, pc = _pa()
        if not self.batches:
            return
        s = pa.concat_arrays([b[0] for b in self.batches])
        po = pa.concat_arrays([b[1] for b in self.batches])
        g = pa.concat_arrays([b[2] for b in self.batches]) if self.named else None
        self.batches = []
        skey = pc.dictionary_encode(s).indices.to_numpy()
        if g is not None:
            gkey = pc.dictionary_encode(g).indices.to_numpy()
            order = np.lexsort((skey, gkey))
        else:
            order = np.argsort(skey, kind="stable")
        idx = pa.array(order)
        s, po = s.take(idx), po.take(idx)
        n = len(order)
        skey = skey[order]
        new_s = np.ones(n, dtype=bool)
        new_s[1:] = skey[1:] != skey[:-1]
        if g is not None:
            g = g.take(idx)
            gkey = gkey[order]
            new_g = np.ones(n, dtype=bool)
            new_g[1:] = gkey[1:] != gkey[:-1]
            new_s |= new_g
        end_s = np.ones(n, dtype=bool)
        end_s[:-1] = new_s[1:]
        head = _cat(s, " ")
        tail: Any = " .\n"
        if g is not None:
            named = pc.not_equal(g, "")
            opening = pc.if_else(pc.and_(pa.array(new_g), named), _cat(g, " {\n"), "")
            head = _cat(opening, head)
            end_g = np.ones(n, dtype=bool)
            end_g[:-1] = new_g[1:]
            tail = pc.if_else(pc.and_(pa.array(end_g), named), " .\n}\n", " .\n")
        head = pc.if_else(pa.array(new_s), head, " ;\n    ")
        tail = pc.if_else(pa.array(end_s), tail, "")
        self._write(_cat(head, po, tail))


def _file_keys(graph: Graph) -> pd.DataFrame:
    """Every ledger file (name, SHA-256) of the graph's sources and provenance, with its IRI key."""
    frames = [graph.tables[t.name][["src_file", "src_hash"]].drop_duplicates() for t in graph.model
              if len(graph.tables[t.name])]
    src = graph.sources
    if len(src) and {"file", "sha256"} <= set(src.columns):
        frames.append(pd.DataFrame({"src_file": src["file"].to_numpy(dtype=object), "src_hash": src["sha256"].to_numpy(dtype=object)}))
    if not frames:
        return pd.DataFrame(columns=["src_file", "src_hash", "key"])
    files = pd.concat(frames, ignore_index=True).dropna(subset=["src_file"]).astype(object)
    files["src_hash"] = files["src_hash"].where(files["src_hash"].notna(), None)
    files["_h"] = files["src_hash"].where(files["src_hash"].notna(), "")
    files = files.drop_duplicates(["src_file", "_h"]).sort_values(["src_file", "_h"]).reset_index(drop=True)
    files["key"] = [hashlib.blake2b(f"{a}\x1f{b}".encode(), digest_size=8).hexdigest()
                    for a, b in zip(files["src_file"], files["_h"])]
    return files.drop(columns="_h")


class _Files:
    """The ledger files of a graph and the IRIs of their files and source rows."""

    def __init__(self, graph: Graph, base: str) -> None:
        pa, _ = _pa()
        self.base = base
        self.frame = _file_keys(graph)
        f = self.frame
        self.pairs = pa.array([f"{a}\x1f{b if isinstance(b, str) else ''}" for a, b in zip(f["src_file"], f["src_hash"])],
                              type=pa.string())
        self.keys = pa.array(f["key"].tolist(), type=pa.string())

    def iris(self, frame: pd.DataFrame) -> tuple[Any, Any]:
        """(file IRI, row IRI) of provenance columns (rows with a source file only)."""
        pa, pc = _pa()
        pair = _cat(_strings(frame["src_file"]), "\x1f", pc.fill_null(_strings(frame["src_hash"]), ""))
        file_iri = _cat(self.base + "ledger/", self.keys.take(pc.index_in(pair, value_set=self.pairs)))
        sheet = pc.fill_null(_strings(frame["src_sheet"]), "")
        names = pc.unique(sheet)
        parts = pa.array(["" if v == "" else "/sheet/" + quote(v, safe="") for v in names.to_pylist()], type=pa.string())
        sheet_part = parts.take(pc.index_in(sheet, value_set=names))
        row = pc.fill_null(pa.array(pd.array(frame["src_row"], dtype="Int64")).cast(pa.string()), "")
        return file_iri, _cat(file_iri, sheet_part, "/row/", row)


def _date_lex(values: pd.Series) -> Any:
    pa, pc = _pa()
    ts = pa.array(pd.to_datetime(values).astype("datetime64[s]"))
    return pc.strftime(ts, format="%Y-%m-%d")


def _literal(st: _Style, values: pd.Series, datatype: str | None, lang: str | None, ptype: str) -> Any:
    """Literal terms for non-missing values of a property."""
    pa, pc = _pa()
    if ptype == "date":
        lex = _date_lex(values)
        if datatype == "xsd:dateTime":
            return st.typed(_cat(lex, "T00:00:00"), "xsd:dateTime")
        return st.typed(lex, "xsd:date")
    if ptype == "integer":
        return st.typed(pa.array(pd.array(values, dtype="Int64")).cast(pa.string()), "xsd:integer")
    if ptype == "boolean":
        flags = pa.array(values.astype(bool).to_numpy())
        return st.typed(pc.if_else(flags, "true", "false"), "xsd:boolean")
    body = _cat('"', _esc(values), '"')
    return _cat(body, "@" + lang) if lang else body


def _py_term(st: _Style, o: Any) -> str:
    """One object of the vocabulary triples (an IRI string or an rdflib Literal)."""
    if not hasattr(o, "language"):
        return st.iri(str(o))
    body = '"' + _esc([str(o)]).to_pylist()[0] + '"'
    if o.language:
        return f"{body}@{o.language}"
    if o.datatype is not None and str(o.datatype) != _NS["xsd"] + "string":
        return f"{body}^^{st.iri(str(o.datatype))}"
    return body


def _emit(graph: Graph, sink: _Sink, *, base: str, vocabulary: bool = True) -> Iterator[None]:
    """Write a graph to ``sink``, yielding after each chunk (everything is flushed at a yield)."""
    pa, _ = _pa()
    t = terms(graph.model)
    st = sink.style
    rdf_type = _NS["rdf"] + "type"
    X = t.iri
    files = _Files(graph, base)
    if vocabulary:
        by_pred: dict[str, list[tuple[str, str]]] = {}
        for s, p, o in sorted({(s, p, _py_term(st, o)) for s, p, o in _vocabulary_triples(t)}):
            by_pred.setdefault(p, []).append((st.iri(s), o))
        for p, so in by_pred.items():
            sink.add(pa.array([x for x, _ in so], type=pa.string()), p, pa.array([y for _, y in so], type=pa.string()))
    # ledger files: described in the default graph
    f = files.frame
    if len(f):
        firi = _cat("<" + base + "ledger/", files.keys, ">")
        sink.add(firi, rdf_type, st.iri(X("gk:LedgerFile")))
        sink.add(firi, X("gk:fileName"), _cat('"', _esc(f["src_file"]), '"'))
        has_hash = f["src_hash"].notna().to_numpy()
        sink.add(_sub(firi, has_hash), X("gk:fileHash"), _cat('"', _esc(f["src_hash"][has_hash]), '"'))
        src = graph.sources
        if len(src) and {"file", "sha256", "bytes"} <= set(src.columns):
            size = f.merge(src[["file", "sha256", "bytes"]].drop_duplicates(["file", "sha256"]),
                           left_on=["src_file", "src_hash"], right_on=["file", "sha256"], how="left")["bytes"]
            known = size.notna().to_numpy()
            sink.add(_sub(firi, known), X("gk:byteSize"), _literal(st, size[known], "xsd:integer", None, "integer"))
    sink.flush()
    yield
    # source rows: in the named graph of their file
    prov = [graph.tables[n.name][list(PROVENANCE)] for n in graph.model if len(graph.tables[n.name])]
    if prov:
        rows = pd.concat([p[p["src_file"].notna()].drop_duplicates() for p in prov], ignore_index=True)
        rows = rows.astype({"src_file": object, "src_sheet": object, "src_hash": object})
        rows = rows.drop_duplicates().reset_index(drop=True)
        del prov
        for start in range(0, len(rows), _CHUNK):
            r = rows.iloc[start:start + _CHUNK]
            file_iri, row_iri = files.iris(r)
            s = _cat("<", row_iri, ">")
            g = _cat("<", file_iri, ">")
            sink.add(s, rdf_type, st.iri(X("gk:SourceRow")), g)
            sink.add(s, X("gk:sourceFile"), g, g)
            sink.add(s, X("gk:sheet"), _cat('"', _esc(r["src_sheet"].where(r["src_sheet"].notna(), "")), '"'), g)
            sink.add(s, X("gk:row"), _literal(st, r["src_row"], "xsd:integer", None, "integer"), g)
            sink.flush()
            yield
        del rows
    # records
    for name, tt in t.types.items():
        table = graph.tables[name]
        for start in range(0, len(table), _CHUNK):
            _record_batches(sink, t, tt, table.iloc[start:start + _CHUNK], base, files)
            sink.flush()
            yield


def _record_batches(sink: _Sink, t: Terms, tt: TypeTerm, table: pd.DataFrame, base: str, files: _Files) -> None:
    pa, pc = _pa()
    st = sink.style
    rdf_type = _NS["rdf"] + "type"
    X = t.iri
    n = len(table)
    ids = _strings(table["id"])
    ns = base + tt.segment + "/"
    enc = _enc(ids)
    raw = _cat(ns, enc)
    subj = st.iris(ns, enc)
    has_src = table["src_file"].notna().to_numpy()
    g: Any = pa.array([""] * n, type=pa.string())
    row_iri = None
    if has_src.any():
        file_iri, row_iri = files.iris(table[has_src])
        g = _cat("<", file_iri, ">") if has_src.all() else pc.replace_with_mask(g, pa.array(has_src), _cat("<", file_iri, ">"))
    sink.add(subj, rdf_type, st.iri(tt.class_iri), g)
    if tt.super_iri:
        sink.add(subj, rdf_type, st.iri(tt.super_iri), g)
    sink.add(subj, X("dcterms:identifier"), _cat('"', _esc(ids), '"'), g)
    if row_iri is not None:
        sink.add(_sub(subj, has_src), X("prov:wasDerivedFrom"), _cat("<", row_iri, ">"), _sub(g, has_src))
    interval = False
    for pname, pt in tt.props.items():
        vals = table[pname]
        m = vals.notna().to_numpy()
        if not m.any():
            continue
        v, s, gm = vals[m], _sub(subj, m), _sub(g, m)
        if pt.kind == "code":
            obj = st.iris(t.code_ns, _cat(pt.prop.codelist + "-", _enc(v)))  # type: ignore[operator]
        elif pt.kind == "ref":
            obj = st.iris(base + t.types[pt.prop.range].segment + "/", _enc(v))  # type: ignore[index]
        elif pt.kind in ("begin", "end"):
            if not interval:
                any_end = np.zeros(n, dtype=bool)
                for q in tt.props.values():
                    if q.kind in ("begin", "end"):
                        any_end |= table[q.name].notna().to_numpy()
                iv = _cat("<", _sub(raw, any_end), "/interval>")
                sink.add(_sub(subj, any_end), X(tt.interval_link), iv, _sub(g, any_end))  # type: ignore[arg-type]
                sink.add(iv, rdf_type, st.iri(X("time:Interval")), _sub(g, any_end))
                interval = True
            suffix = "start" if pt.kind == "begin" else "end"
            raw_m = _sub(raw, m)
            inst = _cat("<", raw_m, "/" + suffix + ">")
            sink.add(_cat("<", raw_m, "/interval>"), pt.iri, inst, gm)
            sink.add(inst, rdf_type, st.iri(X("time:Instant")), gm)
            sink.add(inst, X("time:inXSDDate"), st.typed(_date_lex(v), "xsd:date"), gm)
            continue
        else:
            obj = _literal(st, v, pt.datatype, pt.lang, pt.prop.type)
        sink.add(s, pt.iri, obj, gm)


def _prefixes(t: Terms, base: str) -> dict[str, str]:
    prefixes = dict(t.prefixes)
    for tt in t.types.values():
        prefixes[tt.segment] = f"{base}{tt.segment}/"
    return prefixes


def _write_stream(graph: Graph, fh: Any, *, fmt: str, base: str | None = None, vocabulary: bool = True) -> int:
    """Write a graph as N-Triples, N-Quads, Turtle or TriG to a binary file; return the statement count."""
    base = check_base(base or _default_base())
    sink = _Sink(fh, fmt, _Style(fmt, _prefixes(terms(graph.model), base)))
    for _ in _emit(graph, sink, base=base, vocabulary=vocabulary):
        pass
    return sink.count


def _chunks(graph: Graph, *, fmt: str, base: str | None, vocabulary: bool = True) -> Iterator[bytes]:
    """The graph as RDF text (UTF-8), chunk by chunk."""
    import io
    base = check_base(base or _default_base())
    buf = io.BytesIO()
    sink = _Sink(buf, fmt, _Style(fmt, _prefixes(terms(graph.model), base)))
    for _ in _emit(graph, sink, base=base, vocabulary=vocabulary):
        data = buf.getvalue()
        if data:
            yield data
        buf.seek(0)
        buf.truncate()


def to_nquads(graph: Graph, *, base: str | None = None, quads: bool = True, vocabulary: bool = True) -> Iterator[str]:
    """Yield the graph as N-Quads (or N-Triples with ``quads=False``) text, chunk by chunk.

    Parameters
    ----------
    graph
        The graph to export.
    base
        Base IRI of record IRIs (default: ``graphkit.config.base_iri``).
    quads
        Put each ledger file's records in a named graph (N-Quads); False gives N-Triples.
    vocabulary
        Include the SKOS code-list concepts (default graph).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> text = "".join(to_nquads(example_graph(), quads=False))
    >>> print(next(line for line in text.splitlines() if "/pairing/p1> <https://graphkit.example.org/ns#strongSide>" in line))
    <https://graphkit.example.org/id/pairing/p1> <https://graphkit.example.org/ns#strongSide> <https://graphkit.example.org/id/organization/v1> .
    """
    for data in _chunks(graph, fmt="nquads" if quads else "nt", base=base, vocabulary=vocabulary):
        yield data.decode("utf-8")


def to_rdflib(graph: Graph, *, base: str | None = None, named_graphs: bool = True) -> rdflib.Dataset:
    """The graph as an rdflib Dataset (each ledger file a named graph; vocabulary in the default graph).

    With ``named_graphs=False`` every triple goes to the default graph. Fine for a county; use
    :func:`to_oxigraph` for a province.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> ds = to_rdflib(example_graph())
    >>> sorted(str(g.identifier).rsplit("/", 1)[-1] for g in ds.graphs())[-1]  # one ledger: "hand-made"
    'urn:x-rdflib:default'
    >>> len(list(ds.graphs()))
    2
    """
    from rdflib import Dataset

    ds = Dataset()
    for k, v in terms(graph.model).prefixes.items():
        ds.bind(k, v, override=True, replace=True)
    if named_graphs:
        # one parse: rdflib's N-Quads parser starts a fresh default graph on every call
        ds.parse(data="".join(to_nquads(graph, base=base, quads=True)), format="nquads")
    else:
        for text in to_nquads(graph, base=base, quads=False):
            ds.default_graph.parse(data=text, format="nt")
    return ds


def to_oxigraph(graph: Graph, *, base: str | None = None, named_graphs: bool = True,
                store: pyoxigraph.Store | None = None) -> pyoxigraph.Store:
    """The graph loaded into a pyoxigraph Store (in memory unless ``store`` is given).

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> st = to_oxigraph(example_graph())
    >>> len(st) > 500
    True
    """
    import pyoxigraph as ox

    st = store if store is not None else ox.Store()
    fmt = ox.RdfFormat.N_QUADS if named_graphs else ox.RdfFormat.N_TRIPLES
    for data in _chunks(graph, fmt="nquads" if named_graphs else "nt", base=base):
        # lenient: skip re-validating IRIs, which are valid by construction (checked base, encoded ids)
        st.bulk_load(data, fmt, lenient=True)
    return st


def _oxi_format(fmt: str) -> Any:
    import pyoxigraph as ox
    return {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
            "trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS}[fmt]


def _check_fmt_store(fmt: str, store: str) -> None:
    if fmt not in FORMATS:
        raise GraphkitError(f"不支持的格式 unsupported format {fmt!r}; 可选 choose one of: {', '.join(FORMATS)}")
    if store not in STORES:
        raise GraphkitError(f"未知存储 unknown store {store!r}; 可选 choose one of: {', '.join(STORES)}")


def serialize(graph: Graph, *, fmt: str = "turtle", base: str | None = None, store: str = "memory") -> bytes:
    """Serialize a graph in one of :data:`FORMATS` (bytes, UTF-8).

    ``nt``, ``nquads``, ``turtle`` and ``trig`` are written directly from the tables, whatever the
    store (Turtle and TriG with the prefixes of :func:`terms` and of each record type, statements
    grouped by subject). ``jsonld`` goes through the chosen store: ``memory`` (rdflib) or
    ``oxigraph`` (pyoxigraph). TriG (and N-Quads) put each ledger file in its own named graph;
    the other formats hold one graph. To write a large graph use :func:`export_rdf`, which streams
    to the file instead of building the bytes in memory.

    Examples
    --------
    >>> from graphkit.analyses.toolkit import example_graph
    >>> data = serialize(example_graph(), fmt="trig", store="oxigraph")
    >>> b"@prefix org: <http://www.w3.org/ns/org#>" in data
    True
    """
    import io

    _check_fmt_store(fmt, store)
    if fmt in _STREAM_FORMATS:
        buf = io.BytesIO()
        _write_stream(graph, buf, fmt=fmt, base=base)
        return buf.getvalue()
    base = check_base(base or _default_base())
    prefixes = _prefixes(terms(graph.model), base)
    if store == "oxigraph":
        import pyoxigraph as ox
        st = to_oxigraph(graph, base=base, named_graphs=False)
        dumped = st.dump(format=_oxi_format(fmt), prefixes=prefixes, from_graph=ox.DefaultGraph())
        assert dumped is not None  # no output stream given: pyoxigraph returns the bytes
        return _stable_jsonld(dumped)
    g = to_rdflib(graph, base=base, named_graphs=False).default_graph
    for k, v in prefixes.items():
        g.bind(k, v, override=True, replace=True)
    return _stable_jsonld(g.serialize(format="json-ld", context=dict(prefixes), auto_compact=True, encoding="utf-8"))


def _stable_jsonld(data: bytes) -> bytes:
    """JSON-LD in one order whatever the store's: nodes by ``@id``, keys sorted, unordered values sorted.

    rdflib walks its graph in the order of Python's string hashes, which differ from process to
    process, so two exports of one graph came out in different orders. The document means the
    same after this (JSON-LD arrays are unordered sets, except ``@list``, which is kept as it is).

    Examples
    --------
    >>> import json
    >>> json.loads(_stable_jsonld(b'{"@graph": [{"@id": "b", "p": [2, 1]}, {"@id": "a"}]}'))
    {'@graph': [{'@id': 'a'}, {'@id': 'b', 'p': [1, 2]}]}
    """
    import json

    def key(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False, sort_keys=True)

    def norm(v: Any, ordered: bool = False) -> Any:
        if isinstance(v, dict):
            return {k: norm(x, ordered=k == "@list") for k, x in v.items()}
        if isinstance(v, list):
            items = [norm(x) for x in v]
            return items if ordered else sorted(items, key=key)
        return v

    doc = norm(json.loads(data))
    return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def export_rdf(graph: Graph, path: str | Path, *, fmt: str | None = None, base: str | None = None,
               store: str = "memory", force: bool = False) -> Path:
    """Write a graph as RDF to ``path`` (atomically); the format defaults from the suffix.

    N-Triples, N-Quads, Turtle and TriG are streamed to the file chunk by chunk (memory bounded
    by the chunk, not by the graph: a province exports in well under 2 GiB); JSON-LD is built
    in the chosen ``store`` first. An existing ``path`` is replaced only if it is graphkit's own
    RDF export (its first-line comment, or graphkit's vocabulary in its first 64 KB), or with
    ``force``.

    Examples
    --------
    >>> import tempfile
    >>> from graphkit.analyses.toolkit import example_graph
    >>> p = export_rdf(example_graph(), tempfile.mkdtemp() + "/county.ttl")
    >>> p.suffix
    '.ttl'
    """
    from ..store.io import atomic_file, output_signature

    path = Path(path)
    fmt = fmt or _format_from_suffix(path)
    _check_fmt_store(fmt, store)
    base = check_base(base or _default_base())
    try:
        with atomic_file(path, "wb", kind="rdf", force=force) as fh:
            if fmt in _STREAM_FORMATS:
                fh.write(f"# {output_signature('rdf', 'rdf export')}\n".encode())
                _write_stream(graph, fh, fmt=fmt, base=base)
            else:
                fh.write(serialize(graph, fmt=fmt, base=base, store=store))
    except OSError as exc:
        raise OutputError(f"无法写入 cannot write {path}: {exc}") from None
    return path


def _format_from_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    for name, (suf, _) in FORMATS.items():
        if suffix == suf:
            return name
    aliases = {".json": "jsonld", ".turtle": "turtle", ".ntriples": "nt", ".nquads": "nquads"}
    if suffix in aliases:
        return aliases[suffix]
    raise GraphkitError(f"{path}: 无法由扩展名判断 RDF 格式 / cannot tell the RDF format from the suffix; "
                        f"可选 use one of {', '.join(s for s, _ in FORMATS.values())}")


