"""Executing one ledger mapping over one sheet's rows: the records it makes, before resolution.

:class:`_SheetMapper` turns a sheet's body (a table of raw cells, one column per logical column of the
layout) into :class:`_Staged` records of each entity the mapping declares: values parsed by their
property's type (every bad cell a problem), key parts normalized (:func:`_key_part`) and ids made
from them, references kept as names to resolve later. Part of :mod:`graphkit.ingest.load`.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Callable

import numpy as np
import pandas as pd

from ._read import RawSheet
from ._load_vec import Factors, hash_keys, hash_keys_factored, org_keys, per_value, take
from ..core.text import clean_text, infer_form, infer_place_kind, org_key, place_key
from ..core.values import _parse_one, is_ambiguous_month, is_blank, parse_boolean, parse_date, parse_integer, parse_month
from ..core.errors import GraphkitError
from ..core.mapping import EntitySpec, Mapping, ValueSpec
from ..core.schema import Property, RecordType
from ._load_config import _Context


def _join_keys(parts: list[pd.Series], sep: str = "\x1f") -> pd.Series:
    """Join key-part columns row by row (missing parts as empty text), without a row-wise apply."""
    index = parts[0].index
    cols = [["" if (v is None or v != v) else str(v) for v in p.tolist()] for p in parts]
    return pd.Series([sep.join(t) for t in zip(*cols)], index=index, dtype=object)


@dataclass
class _Staged:
    """Records of one entity spec made from one sheet, before resolution and merging."""

    mapping: str
    entity: EntitySpec
    rtype: RecordType
    frame: pd.DataFrame          # property columns + provenance + helper columns (prefixed "__")
    headers: dict[str, str]      # property -> header text shown to users
    lookups: dict[str, ValueSpec]  # property -> lookup spec still to resolve
    key_lookups: list[int]       # indexes of keys that are lookups
    #: factorized helper columns (codes over the frame's rows, distinct values): "id", "__raw__<prop>"
    codes: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)


def _header_text(v: Any) -> str | None:
    """A header cell as text: a year typed as a number reads 2023, never 2023.0."""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return None if is_blank(v) else clean_text(v)


def _key_part(values: pd.Series, spec: ValueSpec, county: str, factors: Factors | None = None) -> pd.Series:
    """Text form of a key part (normalized as the spec says)."""
    def one(v: Any) -> str | None:
        if isinstance(v, str):  # org_key, place_key and clean_text give None for blank text
            return org_key(v, county) if spec.normalize == "org" else place_key(v, county) \
                if spec.normalize == "place" else clean_text(v)
        if is_blank(v):
            return None
        if isinstance(v, (dt.date, dt.datetime)):
            return v.strftime("%Y-%m-%d")
        if spec.normalize == "org":
            return org_key(v, county)
        if spec.normalize == "place":
            return place_key(v, county)
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return clean_text(v)

    if spec.normalize == "org":  # the text values keyed together (one NFKC pass), the others one by one
        def keys(vals: list[Any]) -> list[str | None]:
            text = [v for v in vals if v.__class__ is str]
            keyed = iter(org_keys(text, county))
            return [next(keyed) if v.__class__ is str else one(v) for v in vals]
        return per_value(values, one, factors, batch=keys)
    return per_value(values, one, factors)


def _parsed_text(v: Any, parser: Callable[[Any], Any], text: Callable[[Any], str]) -> str | None:
    """The text form of a parsed key value (None if blank or it does not parse)."""
    parsed, _ = _parse_one(v, parser)
    return None if parsed is None else text(parsed)


class _SheetMapper:
    """Executes one mapping over one sheet's rows."""

    def __init__(self, ctx: _Context, mapping: Mapping, sheet: RawSheet, table: pd.DataFrame,
                 headers: dict[str, str], src_hash: str,
                 table_factors: dict[str, tuple[np.ndarray, np.ndarray]] | None = None, title: str = "") -> None:
        self.ctx, self.mapping, self.sheet, self.table, self.headers = ctx, mapping, sheet, table, headers
        self.src_hash = src_hash
        self.title = title
        # factorized columns: the table's (made while blanks were found), then every column derived
        self.factors = Factors()
        self._table_factors = table_factors or {}
        # frames made from the table by a row filter or a split: id -> (frame, table positions, split column)
        self._derived: dict[int, tuple[pd.DataFrame, np.ndarray, str | None]] = {}
        self._col_cache: dict[tuple[str, int], tuple[pd.DataFrame, pd.Series]] = {}
        # memos keyed by (spec or entity, frame identity); the frame is kept to make the identity safe
        self._id_cache: dict[tuple[str, int], tuple[pd.DataFrame, pd.Series]] = {}
        self._raw_cache: dict[tuple[int, int], tuple[ValueSpec, pd.DataFrame, pd.Series]] = {}

    # values -------------------------------------------------------------------------------
    def _raw(self, spec: ValueSpec, df: pd.DataFrame) -> pd.Series:
        """The values ``spec`` gives for the rows of ``df`` (blank cells are None: see ``_map_sheet``)."""
        key = (id(spec), id(df))
        hit = self._raw_cache.get(key)
        if hit is not None and hit[0] is spec and hit[1] is df:
            return hit[2]
        s = self._raw_uncached(spec, df)
        self._raw_cache[key] = (spec, df, s)
        return s

    def _constant(self, value: Any, df: pd.DataFrame) -> pd.Series:
        """A column holding ``value`` on every row (None: blank), registered as factorized."""
        s = pd.Series([value] * len(df), index=df.index, dtype=object)
        uniques = np.empty(1, dtype=object)
        uniques[0] = value
        codes = np.full(len(df), -1 if value is None else 0, dtype=np.intp)
        return self.factors.register(s, codes, uniques)

    def _column(self, df: pd.DataFrame, col: str) -> pd.Series:
        """Column ``col`` of ``df`` (one Series object per frame, so its factorization is reused)."""
        key = (col, id(df))
        hit = self._col_cache.get(key)
        if hit is not None and hit[0] is df:
            return hit[1]
        s = df[col]
        tf = self._table_factors.get(col)
        if tf is not None:
            if df is self.table:
                self.factors.register(s, tf[0], tf[1])
            else:
                d = self._derived.get(id(df))
                if d is not None and d[0] is df and d[2] != col:
                    self.factors.register(s, tf[0][d[1]], tf[1])
        self._col_cache[key] = (df, s)
        return s

    def _raw_uncached(self, spec: ValueSpec, df: pd.DataFrame) -> pd.Series:
        if spec.column is not None:
            s = self._column(df, spec.column) if spec.column in df else self._constant(None, df)
        elif spec.context is not None:
            s = self._constant(self._context_value(spec.context), df)
        elif spec.part:
            s = df["__part"] if "__part" in df else self._constant(1, df)
        elif spec.const is not None:
            s = self._constant(spec.const, df)
        elif spec.setting is not None:
            val = getattr(self.ctx.config, spec.setting, None) or None
            s = self._constant(val, df)
        elif spec.entity is not None:
            return self.entity_ids(spec.entity, df)
        else:
            s = self._constant(None, df)
        if spec.extract is not None:
            rx = re.compile(spec.extract)
            group = spec.group if spec.group is not None else (1 if rx.groups else 0)

            def extract(v: Any) -> Any:
                m = None if is_blank(v) else rx.search(_header_text(v) or "")
                return None if m is None else clean_text(m.group(group))
            s = per_value(s, extract, self.factors)
        if spec.map is not None:
            vmap = spec.map

            def mapped(v: Any) -> Any:
                if is_blank(v):
                    return None
                text = _header_text(v) or ""
                return vmap[text] if text in vmap else vmap.get("*", v)
            s = per_value(s, mapped, self.factors)
        if spec.normalize == "text":
            s = per_value(s, clean_text, self.factors)
        if spec.derive == "place_kind":
            s = per_value(s, lambda v: None if is_blank(v) else infer_place_kind(v), self.factors)
        elif spec.derive == "org_form":
            s = per_value(s, lambda v: None if is_blank(v) else infer_form(v), self.factors)
        if spec.default_from is not None:
            fill = self._raw(spec.default_from, df)
            s = s.where(s.notna(), fill)
        return s

    def _context_value(self, kind: str) -> str | None:
        """The sheet name, the file name (no suffix) or the title: the text above the header row."""
        if kind == "sheet":
            return self.sheet.sheet or None
        if kind == "file":
            return Path(self.sheet.file).stem
        return self.title or None

    def key_part(self, ent: EntitySpec, k: ValueSpec, df: pd.DataFrame) -> pd.Series:
        """Text form of one key of ``ent`` for the rows of ``df``.

        A key read from a column that also feeds a date or integer property of the entity is
        parsed like that property, so that 2024/3/1, 2024-03-01 and 2024年3月1日 make one id
        (a value that does not parse gives no id; the property reports it).
        """
        raw = self._raw(k, df)
        if k.column is not None and k.normalize is None and not k.lookup:
            rtype = self.ctx.model[ent.type]
            for pname, spec in ent.properties.items():
                if spec.column != k.column or spec.lookup or spec.entity or spec.parse:
                    continue
                ptype = rtype.properties[pname].type
                if ptype == "date":
                    return per_value(raw, lambda v: _parsed_text(v, parse_date, lambda d: d.strftime("%Y-%m-%d")),
                                     self.factors)
                if ptype == "integer":
                    return per_value(raw, lambda v: _parsed_text(v, parse_integer, str), self.factors)
                break
        return _key_part(raw, k, self.ctx.county, self.factors)

    def present(self, spec: ValueSpec | None, df: pd.DataFrame) -> pd.Series:
        if spec is None:
            return pd.Series(True, index=df.index)
        return self._raw(spec, df).notna()

    def entity_ids(self, name: str, df: pd.DataFrame) -> pd.Series:
        """Ids of entity ``name`` for the rows of ``df`` (None where its ``when`` is false)."""
        hit = self._id_cache.get((name, id(df)))
        if hit is not None and hit[0] is df:
            return hit[1]
        out = self._entity_ids(name, df)
        self._id_cache[(name, id(df))] = (df, out)
        return out

    def _entity_ids(self, name: str, df: pd.DataFrame) -> pd.Series:
        ent = self.mapping.entities[name]
        rtype = self.ctx.model[ent.type]
        parts = []
        for k in ent.keys:
            if k.lookup:
                raise GraphkitError("internal: ids with lookup keys are made after resolution")
            if k.fallback == "row":
                # a row without the key's value is keyed by its place: file#sheet#row (made for those rows only)
                missing = self._raw(k, df).isna().to_numpy()
                keyed = self.key_part(ent, k, df).to_numpy(dtype=object).copy()
                if missing.any():
                    prefix = f"{self.sheet.file}#{self.sheet.sheet}#"
                    keyed[missing] = [f"{prefix}{r}" for r in df["__src_row"].to_numpy()[missing].tolist()]
                parts.append(pd.Series(keyed, index=df.index, dtype=object))
            else:
                parts.append(self.key_part(ent, k, df))
        ok = self.present(ent.when, df).to_numpy(dtype=bool, copy=True)
        factored = [self.factors.get(p) for p in parts]
        for codes, _ in factored:
            ok &= codes >= 0
        codes = np.full(len(df), -1, dtype=np.intp)
        ids = np.empty(0, dtype=object)
        if ok.any():
            sub, ids = hash_keys_factored([(c[ok], u) for c, u in factored], rtype.id_prefix, rtype.name)
            codes[ok] = sub
        out = pd.Series(take(ids, codes), index=df.index, dtype=object)
        return self.factors.register(out, codes, ids)

    def _typed(self, prop: Property, spec: ValueSpec, values: pd.Series, df: pd.DataFrame) -> pd.Series:
        """Parse a column by the property's type and record problems per bad cell.

        Each distinct value is parsed once; problems are reported per row, in row order.
        """
        header = self.headers.get(spec.column or "", spec.column or "")
        model = self.ctx.model
        parser: Callable[[Any], Any] | None
        if spec.parse == "month":
            parser, rule = parse_month, "bad_integer"
        elif prop.type == "date":
            parser, rule = parse_date, "bad_date"
        elif prop.type == "integer":
            parser, rule = parse_integer, "bad_integer"
        elif prop.type == "boolean":
            parser, rule = parse_boolean, "bad_boolean"
        elif prop.type == "code":
            cl = model.codelists[prop.codelist]  # type: ignore[index]
            def code(v: Any) -> str:
                c = cl.lookup(v)
                if c is None:
                    raise ValueError(f"not one of: {', '.join(cl.labels[x]['zh'] for x in cl.codes)}")
                return c
            parser, rule = code, "unknown_code"
        else:
            parser, rule = None, ""
        codes, uniques = self.factors.get(values)
        nu = len(uniques)
        if parser is None:
            pv: list[Any] = [u if isinstance(u, str) else clean_text(u) for u in uniques.tolist()]
            ev: list[str | None] = [None] * nu
        else:
            pairs = [_parse_one(u, parser) for u in uniques.tolist()]
            pv = [p[0] for p in pairs]
            ev = [p[1] for p in pairs]
        rows = df["__src_row"].to_numpy()
        raw = values.to_numpy(dtype=object)
        err_u = np.fromiter((e is not None for e in ev), dtype=bool, count=nu)
        bad = np.append(err_u, False)[codes]
        for i in np.flatnonzero(bad):
            err = ev[codes[i]]
            zh = f"「{header}」无法识别" if rule != "unknown_code" else f"「{header}」可选值：{err.split(': ', 1)[-1]}"
            en = err
            if " / " in err:  # a bilingual reason naming the wrong part (month 13)
                why, en = err.split(" / ", 1)
                zh = f"「{header}」{why}"
            self.problem(int(rows[i]), header, raw[i], rule, zh, f"{header}: {en}")
        if prop.type == "date" and spec.parse is None:
            amb_u = np.fromiter((is_ambiguous_month(u) for u in uniques.tolist()), dtype=bool, count=nu)
            if amb_u.any():
                for i in np.flatnonzero(np.append(amb_u, False)[codes]):
                    self.problem(int(rows[i]), header, raw[i], "ambiguous_date",
                                 "数字 2023.1 读作 2023年1月；如为10月，请将单元格设为文本或写作 2023年10月",
                                 "the number 2023.1 is read as January 2023; if October was meant, type it as text "
                                 "or write 2023年10月", severity="warning")
        if prop.type == "integer" or spec.parse == "month":
            lo, hi = (1, 12) if spec.parse == "month" else (prop.min, prop.max)
            out_u = np.fromiter((v is not None and ((lo is not None and v < lo) or (hi is not None and v > hi))
                                 for v in pv), dtype=bool, count=nu)
            if out_u.any():
                out_rows = np.append(out_u, False)[codes]
                for i in np.flatnonzero(out_rows):
                    self.problem(int(rows[i]), header, raw[i], "out_of_range", f"应在 {lo}–{hi} 之间", f"must be within {lo}–{hi}")
                bad |= out_rows
                pv = [None if o else v for v, o in zip(pv, out_u.tolist())]
        if prop.type == "string" and prop.max_length:
            limit = prop.max_length
            long_u = np.fromiter((v is not None and len(v) > limit for v in pv), dtype=bool, count=nu)
            if long_u.any():
                long_rows = np.append(long_u, False)[codes]
                for i in np.flatnonzero(long_rows):
                    v = pv[codes[i]]
                    self.problem(int(rows[i]), header, raw[i], "too_long", f"超过 {limit} 个字符（{len(v)}）",
                                 f"longer than {limit} characters ({len(v)})")
                bad |= long_rows
                pv = [None if o else v for v, o in zip(pv, long_u.tolist())]
        pv_arr = np.empty(nu, dtype=object)
        pv_arr[:] = pv
        out = pd.Series(take(pv_arr, codes), index=df.index, dtype=object)
        out.attrs["bad"] = bad
        return out

    def problem(self, row: int | None, column: str, value: Any, rule: str, zh: str, en: str,
                severity: str = "error") -> None:
        self.ctx.problems.add(file=self.sheet.file, sheet=self.sheet.sheet, row=row, column=column, value=value,
                              rule=rule, zh=zh, en=en, severity=severity)

    # records ------------------------------------------------------------------------------
    def run(self) -> list[_Staged]:
        out = []
        for ent in self.mapping.entities.values():
            out.append(self._stage(ent))
        self.factors.clear()
        self._col_cache.clear()
        self._derived.clear()
        self._raw_cache.clear()
        self._id_cache.clear()
        return out

    def _stage(self, ent: EntitySpec) -> _Staged:
        rtype = self.ctx.model[ent.type]
        df = self.table
        positions: np.ndarray | None = None  # table rows of df's rows, when df is not the table
        split_col: str | None = None
        if ent.split:
            col, seps = ent.split
            pattern = "[" + re.escape(seps) + "]"
            lists = per_value(self._column(df, col), lambda v: [x for x in re.split(pattern, str(v)) if clean_text(x)],
                              self.factors)
            df = df.assign(**{col: lists}).explode(col)
            df["__part"] = df.groupby(level=0).cumcount().to_numpy() + 1
            if ent.split_unless is not None and ent.split_unless in df:
                county = self.ctx.county
                same = np.array([isinstance(a, str) and b is not None and not is_blank(b) and org_key(a, county) == org_key(b, county)
                                 for a, b in zip(df[col].tolist(), df[ent.split_unless].tolist())], dtype=bool)
                if same.any():
                    df = df[~same]
            positions, split_col = df.index.to_numpy(), col
            self._derived[id(df)] = (df, positions, split_col)
        mask = self.present(ent.when, df).to_numpy(dtype=bool)
        if not mask.all():
            df = df[mask]
            positions = (np.arange(len(mask)) if positions is None else positions)[mask]
            self._derived[id(df)] = (df, positions, split_col)
        frame = pd.DataFrame(index=df.index)
        headers: dict[str, str] = {}
        lookups: dict[str, ValueSpec] = {}
        codes: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for pname, spec in ent.properties.items():
            prop = rtype.properties[pname]
            headers[pname] = self.headers.get(spec.column or "", spec.column or pname)
            if spec.lookup:
                if spec.lookup_keys:
                    parts = [_key_part(self._raw(k, df), k, self.ctx.county, self.factors) for k in spec.lookup_keys]
                    ok = pd.concat(parts, axis=1).notna().all(axis=1) & self.present(spec.when, df)
                    target = self.ctx.model[spec.lookup]
                    ids = pd.Series([None] * len(df), index=df.index, dtype=object)
                    okn = ok.to_numpy(dtype=bool)
                    if okn.any():
                        ids[ok] = hash_keys([(c[okn], u) for c, u in (self.factors.get(p) for p in parts)],
                                            target.id_prefix, target.name)
                    frame[f"__lkid__{pname}"] = ids
                    frame[f"__raw__{pname}"] = _join_keys(parts, sep=" / ").where(ok, None)
                    headers[pname] = " / ".join(self.headers.get(k.column or "", k.column or "") for k in spec.lookup_keys)
                else:
                    raw = per_value(self._raw(spec, df), clean_text, self.factors)
                    other = f"{spec.column}_county"  # a province ledger's column naming the other county
                    if self.ctx.cross is not None and spec.column and other in df:
                        raw = _with_county(raw, self._column(df, other), self.ctx.county)
                        frame[f"__raw__{pname}"] = raw
                    else:
                        frame[f"__raw__{pname}"] = raw
                        codes[f"__raw__{pname}"] = self.factors.get(raw)
                frame[pname] = None
                lookups[pname] = spec
            elif spec.entity:
                frame[pname] = self.entity_ids(spec.entity, df)
                key_cols = [k.column for k in self.mapping.entities[spec.entity].keys if k.column]
                if key_cols:  # name the column the user wrote, not the property
                    headers[pname] = self.headers.get(key_cols[-1], key_cols[-1])
            else:
                typed = self._typed(prop, spec, self._raw(spec, df), df)
                frame[pname] = typed
                frame[f"__bad__{pname}"] = typed.attrs.get("bad", [False] * len(typed))
        key_lookups = [i for i, k in enumerate(ent.keys) if k.lookup]
        if key_lookups:
            for i, k in enumerate(ent.keys):
                if k.lookup:
                    frame[f"__key{i}"] = per_value(self._raw(k, df), clean_text, self.factors)
                elif k.entity:
                    frame[f"__key{i}"] = self.entity_ids(k.entity, df)
                else:
                    frame[f"__key{i}"] = self.key_part(ent, k, df)
            frame["id"] = None
        else:
            frame["id"] = ids = self.entity_ids(ent.name, df)
            codes["id"] = self.factors.get(ids)
        if rtype.name == "Organization" and "name" in frame:
            # the name index's key of each name (``_Index``: org_key), made here once per distinct name,
            # where it is mostly a cache hit of the id's key; a worker process ships it with the records
            county = self.ctx.county
            frame["__name_key"] = per_value(frame["name"], lambda v: org_key(v, county),
                                            batch=lambda vals: org_keys(vals, county))
        # object columns (one shared text object), as the final tables have them
        frame["src_file"] = pd.Series(np.full(len(df), self.sheet.file, dtype=object), index=df.index, dtype=object)
        frame["src_sheet"] = pd.Series(np.full(len(df), self.sheet.sheet, dtype=object), index=df.index, dtype=object)
        frame["src_row"] = df["__src_row"].astype("int64")
        frame["src_hash"] = pd.Series(np.full(len(df), self.src_hash, dtype=object), index=df.index, dtype=object)
        return _Staged(self.mapping.id, ent, rtype, frame.reset_index(drop=True), headers, lookups, key_lookups, codes)


def _with_county(names: pd.Series, counties: pd.Series, own: str) -> pd.Series:
    """Names as ``县名/名称`` where the row names another county than the folder's own.

    >>> _with_county(pd.Series(["甲村党支部", "乙局党委", None]), pd.Series(["本县", "乙县", "乙县"]), "本县").tolist()
    ['甲村党支部', '乙县/乙局党委', None]
    """
    out: list[str | None] = []
    for n, c in zip(names.tolist(), counties.tolist()):
        c = clean_text(c)
        if not isinstance(n, str):
            out.append(None)  # missing (None or NaN): stays missing
        else:
            out.append(f"{c}/{n}" if c and c != own else n)
    return pd.Series(out, index=names.index, dtype=object)
