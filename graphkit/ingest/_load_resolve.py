"""Passes 2 and 3 of a build: names resolved across sheets, records merged and checked.

:class:`_Index` matches names as written to record ids (exact, without the org-form suffix, folded:
:func:`_folds`); :func:`_resolve` fills the references of every staged record; :func:`_merge` applies
the per-row rules (:func:`_row_checks`), merges records with one id (duplicates and conflicting
values are problems), finds cycles (:func:`_check_cycles`) and, in lenient mode, drops dangling
references; :func:`_finish_types` gives the columns their final dtypes. Part of
:mod:`graphkit.ingest.load`.
"""
from __future__ import annotations

import difflib
import re
from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd

from ._load_vec import factorize, hash_keys, id_order, per_value, take
from ..core.text import match_key, org_key, place_key, strip_form_suffix
from ..core.problems import clip
from ..core.schema import Model, RecordType
from ._load_config import XREF_PREFIX, CrossRef, _Context
from ._load_mapper import _Staged


class _Index:
    """Name -> ids for one record type, with a looser second index for org-form suffixes."""

    def __init__(self, rtype: RecordType, frames: list[pd.DataFrame], county: str,
                 aliases: dict[str, str] | None = None, cross: CrossRef | None = None) -> None:
        self.rtype = rtype
        self.cross = cross
        self.county = county
        self.aliases = aliases or {}
        self.exact: dict[str, set[str]] = defaultdict(set)
        self._loose: dict[str, set[str]] | None = None
        #: folded keys: 工作委员会 → 工委, and a village org's name without its town prefix
        self._folded: dict[str, set[str]] | None = None
        self.names: dict[str, str] = {}
        self._resolved: dict[str, tuple[str | None, str, list[str]]] = {}  # a name met in several ledgers
        #: the key of each record's name, computed once here: references mostly write these very names
        self._keys: dict[str, str | None] = {}
        for f in frames:
            if "name" not in f or f.empty:
                continue
            if "__name_key" in f:  # keyed by the mapper (the same ``key``), in the worker that read the sheet
                sub = f[["id", "name", "__name_key"]].dropna(subset=["id", "name"]).drop_duplicates(["id", "name"])
                keys = sub["__name_key"].tolist()
            else:
                sub = f[["id", "name"]].dropna().drop_duplicates()
                keys = per_value(sub["name"], self.key).tolist()  # each distinct name keyed once
            for rid, name, k in zip(sub["id"].tolist(), sub["name"].tolist(), keys):
                self._keys[name] = k
                if not k:
                    continue
                self.exact[k].add(rid)
                self.names.setdefault(rid, name)

    @property
    def loose(self) -> dict[str, set[str]]:
        """Org key without its form suffix → ids (built on first use: only names not found exactly need it)."""
        if self._loose is None:
            self._loose = defaultdict(set)
            for k, ids in self.exact.items():
                self._loose[strip_form_suffix(k)].update(ids)
        return self._loose

    @property
    def folded(self) -> dict[str, set[str]]:
        """Folded org key (:func:`_folds`) → ids (built on first use, like :attr:`loose`)."""
        if self._folded is None:
            self._folded = defaultdict(set)
            for k, ids in self.exact.items():
                for fk in _folds(k):
                    self._folded[fk].update(ids)
        return self._folded

    def key(self, value: Any) -> str | None:
        if self.rtype.name == "Organization":
            return org_key(value, self.county)
        if self.rtype.name == "Place":
            return place_key(value, self.county)
        return match_key(value)

    def resolve(self, value: str) -> tuple[str | None, str, list[str]]:
        """Return (id, status, candidate names); status is ok, ambiguous or missing.

        With a cross hook (a province build), the hook is asked before the close matches of a
        missing name are looked for: it sees a missing name without candidates, and a name it
        answers (a cross-county reference) never costs the fuzzy search. The candidates of a name
        the hook leaves missing are the same as without a hook.
        """
        hit = self._resolved.get(value)
        if hit is None:
            hit = self._resolve(value, candidates=self.cross is None)
            if self.cross is not None:
                answer = self.cross(self.rtype.name, value, hit)
                if answer is not None:
                    hit = answer
                elif hit[1] == "missing":
                    hit = None, "missing", self._close(value)
            self._resolved[value] = hit
        return hit

    def find(self, value: str) -> tuple[str | None, str, list[str]]:
        """Like :meth:`resolve` without the cross hook and without close matches of a missing name
        (only whether and where the index holds the name: ambiguous names keep their candidates)."""
        return self._resolve(value, candidates=False)

    def _key_of(self, value: str) -> str | None:
        k = self._keys[value] if value in self._keys else self.key(value)
        if k and k in self.aliases:  # the county's name table: 县住建局 → 中共测试县住房和城乡建设局党组
            k = self.key(self.aliases[k]) or k
        return k

    def _close(self, value: str) -> list[str]:
        """Names close to a missing one (difflib, for the problem message's hint); none in a huge roster."""
        k = self._key_of(value)
        if not k or len(self.exact) >= 200_000:
            return []
        close = difflib.get_close_matches(k, list(self.exact), n=3, cutoff=0.75)
        return [self.names[next(iter(self.exact[c]))] for c in close]

    def _resolve(self, value: str, *, candidates: bool = True) -> tuple[str | None, str, list[str]]:
        k = self._key_of(value)
        if not k:
            return None, "missing", []
        ids = self.exact.get(k)
        if not ids and self.rtype.name == "Organization":
            ids = self.loose.get(strip_form_suffix(k))
        if not ids and self.rtype.name == "Organization":
            found: set[str] = set()
            for fk in _folds(k):
                found |= self.folded.get(fk, set())
            ids = found or None
        if ids and len(ids) == 1:
            return next(iter(ids)), "ok", []
        if ids:
            return None, "ambiguous", sorted(self.names[i] for i in ids)
        return None, "missing", self._close(value) if candidates else []


_TOWN_PREFIX = re.compile(r"^[^镇乡村]{1,8}?(?:镇|乡|街道)(?=.{1,12}?(?:村|社区))")


def _folds(key: str) -> set[str]:
    """Looser keys of an org key: 工作委员会/工作党委 → 工委; a village org's name without a town prefix.

    >>> sorted(_folds("中池镇青泥洞村党支部"))
    ['中池镇青泥洞村党支部', '青泥洞村党支部']
    >>> sorted(_folds("县直机关工作党委"))
    ['县直机关工委']
    """
    k = key.replace("工作委员会", "工委").replace("工作党委", "工委")
    out = {k}
    m = _TOWN_PREFIX.match(k)
    if m:
        out.add(k[m.end():])
    return out


def _resolve(ctx: _Context, staged: list[_Staged]) -> None:
    by_type: dict[str, list[pd.DataFrame]] = defaultdict(list)
    for s in staged:
        by_type[s.rtype.name].append(s.frame)
    existing_ids: dict[str, set[str]] = defaultdict(set)
    for s in staged:
        if "id" in s.codes:  # the distinct ids, already at hand
            existing_ids[s.rtype.name].update(v for v in s.codes["id"][1].tolist() if v is not None)
        else:
            existing_ids[s.rtype.name].update(s.frame["id"].dropna())
    indexes: dict[str, _Index] = {}
    model = ctx.model

    def index(t: str) -> _Index:
        if t not in indexes:
            indexes[t] = _Index(model[t], by_type.get(t, []), ctx.county, ctx.aliases if t == "Organization" else None,
                                ctx.cross)
        return indexes[t]

    for s in staged:
        f = s.frame
        if f.empty:
            continue
        for pname, spec in s.lookups.items():
            header = s.headers[pname]
            target = model[spec.lookup]  # type: ignore[index]
            raw = f[f"__raw__{pname}"]
            if spec.lookup_keys:
                ids = f[f"__lkid__{pname}"]
                known = existing_ids.get(target.name, set())
                hit = ids.isin(known) & ids.notna()
                f[pname] = ids.where(hit, None).astype(object)
                for r, v in zip(f.loc[~hit & ids.notna(), "src_row"], raw[~hit & ids.notna()]):
                    ctx.problems.add(file=f["src_file"].iat[0], sheet=f["src_sheet"].iat[0], row=int(r), column=header,
                                     value=v, rule="unresolved_ref", zh=f"找不到{target.label['zh']}「{clip(v)}」",
                                     en=f"no {target.label['en']} named {clip(v)!r}")
                continue
            idx = index(target.name)
            codes, uniques = s.codes.get(f"__raw__{pname}") or factorize(raw.to_numpy(dtype=object))
            # each distinct name is resolved once; problems are reported per row, in row order
            found = [idx.resolve(u) if isinstance(u, str) else (None, "ok", []) for u in uniques.tolist()]
            rid_u = np.empty(len(found), dtype=object)
            rid_u[:] = [x[0] for x in found]
            f[pname] = pd.Series(take(rid_u, codes), index=f.index, dtype=object)
            flag_u = np.append(np.fromiter((x[1] != "ok" for x in found), dtype=bool, count=len(found)), False)
            src_rows = f["src_row"].to_numpy()
            raw_values = raw.to_numpy(dtype=object)
            for i in np.flatnonzero(flag_u[codes]):
                r, v = src_rows[i], raw_values[i]
                rid, status, cands = found[codes[i]]
                if status == "ambiguous":
                    ctx.problems.add(file=f["src_file"].iat[0], sheet=f["src_sheet"].iat[0], row=int(r), column=header,
                                     value=v, rule="ambiguous_ref",
                                     zh=f"「{clip(v)}」可能指 {'、'.join(map(clip, cands))}，请写全称",
                                     en=f"{clip(v)!r} could be any of {', '.join(map(clip, cands))}; use the full name")
                elif status == "missing":
                    hint_zh = f"；是否是：{'、'.join(map(clip, cands))}" if cands else ""
                    hint_en = f"; did you mean: {', '.join(map(clip, cands))}" if cands else ""
                    soft = spec.optional and not s.rtype.properties[pname].required
                    ctx.problems.add(file=f["src_file"].iat[0], sheet=f["src_sheet"].iat[0], row=int(r), column=header,
                                     value=v, rule="unresolved_ref", severity="warning" if soft else "error",
                                     zh=f"{target.label['zh']}名单中没有「{clip(v)}」{hint_zh}"
                                        + ("（可选引用，原文保留在问题清单，本行照常导入）" if soft else ""),
                                     en=f"no {target.label['en']} named {clip(v)!r} in the roster{hint_en}"
                                        + (" (an optional reference: the text is kept here, the row is loaded)" if soft else ""))
        if s.key_lookups:
            parts = []
            for ki, k in enumerate(s.entity.keys):
                col = f[f"__key{ki}"]
                if k.lookup:
                    prop = next((p for p, sp in s.entity.properties.items() if sp.lookup == k.lookup and sp.column == k.column), None)
                    if prop is not None:
                        col = f[prop]
                    else:
                        idx = index(k.lookup)

                        def resolved_id(v: str, idx: _Index = idx) -> str | None:
                            return idx.resolve(v)[0]

                        col = per_value(col, resolved_id)
                parts.append(factorize(col.to_numpy(dtype=object)))
            ok = np.ones(len(f), dtype=bool)
            for c, _ in parts:
                ok &= c >= 0
            out = np.empty(len(f), dtype=object)
            if ok.any():
                out[ok] = hash_keys([(c[ok], u) for c, u in parts], s.rtype.id_prefix, s.rtype.name)
            f["id"] = pd.Series(out, index=f.index, dtype=object)


# --------------------------------------------------------------------------------------------
# pass 3: checks, merge


def _row_checks(ctx: _Context, s: _Staged) -> pd.Series:
    """Per-row rules (required values, intervals, distinct refs); returns a mask of bad rows."""
    f = s.frame
    bad = pd.Series(False, index=f.index)
    if f.empty:
        return bad
    file, sheet = f["src_file"].iat[0], f["src_sheet"].iat[0]
    rows = f["src_row"].tolist()
    for pname, prop in s.rtype.properties.items():
        if pname not in f:
            if prop.required:
                bad[:] = True
            continue
        missing = f[pname].isna()
        if prop.required and missing.any():
            bad |= missing
            has_raw = f"__raw__{pname}" in f
            for i in np.flatnonzero(missing.to_numpy()):
                if has_raw and isinstance(f[f"__raw__{pname}"].iat[i], str):
                    continue  # already reported as unresolved/ambiguous
                if f"__bad__{pname}" in f and bool(f[f"__bad__{pname}"].iat[i]):
                    continue  # already reported as a bad value
                if (file, sheet, int(rows[i]), s.headers.get(pname, pname)) in ctx.reported:
                    continue  # already reported as a formula error
                ctx.problems.add(file=file, sheet=sheet, row=rows[i], column=s.headers.get(pname, pname), rule="required",
                                 zh=f"「{s.headers.get(pname, pname)}」不能为空", en=f"{s.headers.get(pname, pname)!r} must not be empty")
    # rows whose optional value was bad are kept (the value is dropped) — bad cells were reported already
    bad |= f["id"].isna()
    for a, b in s.rtype.intervals:
        if a in f and b in f:
            sa, sb = pd.to_datetime(f[a]), pd.to_datetime(f[b])
            wrong = (sa.notna() & sb.notna() & (sb < sa)).to_numpy()
            for i in np.flatnonzero(wrong):
                ctx.problems.add(file=file, sheet=sheet, row=rows[i], column=s.headers.get(b, b),
                                 value=f"{sa.iat[i].date()} → {sb.iat[i].date()}", rule="interval_order",
                                 zh=f"「{s.headers.get(b, b)}」早于「{s.headers.get(a, a)}」", en=f"{b} is before {a}")
            bad |= wrong
    for a, b in s.rtype.distinct:
        if a in f and b in f:
            same = (f[a].notna() & (f[a] == f[b])).to_numpy()
            for i in np.flatnonzero(same):
                ctx.problems.add(file=file, sheet=sheet, row=rows[i], column=s.headers.get(b, b),
                                 value=f.get(f"__raw__{b}", f[b]).iat[i], rule="self_reference",
                                 zh=f"「{s.headers.get(a, a)}」与「{s.headers.get(b, b)}」是同一个组织",
                                 en=f"{a} and {b} are the same organization")
            bad |= same
    return bad


def _merge(ctx: _Context, staged: list[_Staged], lenient: bool) -> dict[str, pd.DataFrame]:
    model = ctx.model
    display = _LazyNames(staged)  # id -> name, built only if a message needs it
    frames: dict[str, list[tuple[_Staged, pd.DataFrame]]] = defaultdict(list)
    for s in staged:
        bad = _row_checks(ctx, s)
        keep = s.frame[~bad] if lenient else s.frame[s.frame["id"].notna()]
        frames[s.rtype.name].append((s, keep))
    tables: dict[str, pd.DataFrame] = {}
    for rtype in model:
        cols = rtype.columns()
        parts = []
        headers_of: list[dict[str, str]] = []  # each part's headers, by the part's number in ``__part``
        for s, f in frames.get(rtype.name, []):
            g = f.reindex(columns=cols)
            g["__unique"] = s.entity.unique
            g["__part"] = len(headers_of)
            headers_of.append(s.headers)
            parts.append(g)
        if not parts:
            tables[rtype.name] = _empty(rtype)
            continue
        allf = pd.concat(parts, ignore_index=True)
        # duplicates among records a row is "about" are errors
        uniq = allf[allf["__unique"].astype(bool)]
        dup = uniq["id"].duplicated(keep="first")
        if dup.any():
            first = uniq.drop_duplicates("id").set_index("id")
            for r in uniq[dup].to_dict("records"):
                f0 = first.loc[r["id"]]
                where = f"{f0.src_file}" + (f" [{f0.src_sheet}]" if f0.src_sheet else "")
                ctx.problems.add(file=r["src_file"], sheet=r["src_sheet"], row=int(r["src_row"]),
                                 column=_label_col(rtype, headers_of[int(r["__part"])]), value=_describe(rtype, r, display),
                                 rule="duplicate_id", zh=f"与 {where} 第{int(f0.src_row)}行重复",
                                 en=f"duplicates {where} row {int(f0.src_row)}")
            allf = allf.drop(index=uniq[dup].index)
        # conflicting values for one id
        props = list(rtype.properties)
        repeated = allf["id"].duplicated(keep=False).to_numpy()
        multi = allf[repeated]
        if not multi.empty:
            for pname in props:
                nun = multi.groupby("id", sort=False)[pname].nunique(dropna=True)
                for rid in nun.index[nun > 1]:
                    rows = multi[(multi["id"] == rid) & multi[pname].notna()]
                    vals = [display.get(v, v) if rtype.properties[pname].type == "ref" else v
                            for v in rows[pname].astype(str).unique().tolist()]
                    r = rows.iloc[1]
                    hdr = headers_of[int(r["__part"])].get(pname, pname)
                    ctx.problems.add(file=r.src_file, sheet=r.src_sheet, row=int(r.src_row), column=hdr,
                                     value=" ≠ ".join(vals[:3]), rule="conflicting_values",
                                     zh=f"同一{rtype.label['zh']}的「{hdr}」在不同行取值不同",
                                     en=f"the same {rtype.label['en']} has different {pname} values in different rows")
        if repeated.any():
            merged = allf.groupby("id", sort=False, dropna=True).first().reset_index()
        else:
            merged = allf
        order = id_order(merged["id"].to_numpy(dtype=object))  # ids are distinct here: any sort is the sort
        if order is not None:
            merged = merged.take(order)
        merged = merged.reset_index(drop=True)[cols]
        tables[rtype.name] = merged
    _check_cycles(ctx, tables, lenient)
    if lenient:
        _drop_dangling(ctx, tables)
    return tables


def _display_names(staged: list[_Staged]) -> dict[str, str]:
    """id -> name (or title) over every staged record, to show refs by name in messages."""
    parts = []
    for s in staged:
        col = "name" if "name" in s.frame else "title" if "title" in s.frame else None
        if col is not None and len(s.frame):
            parts.append(s.frame[["id", col]].set_axis(["id", "name"], axis=1))
    if not parts:
        return {}
    allp = pd.concat(parts, ignore_index=True).dropna().drop_duplicates("id")
    return dict(zip(allp["id"], allp["name"].astype(str)))


class _LazyNames:
    """``_display_names(staged)``, computed on the first lookup (most builds never need it)."""

    def __init__(self, staged: list[_Staged]) -> None:
        self._staged: list[_Staged] | None = staged
        self._names: dict[str, str] = {}

    def get(self, key: Any, default: Any = None) -> Any:
        if self._staged is not None:
            self._names = _display_names(self._staged)
            self._staged = None
        return self._names.get(key, default)


def _label_col(rtype: RecordType, headers: dict[str, str]) -> str:
    first = next(iter(rtype.properties))
    return headers.get(first, first)


def _describe(rtype: RecordType, r: dict[str, Any], display: _LazyNames) -> str:
    """A record as users know it: its name or title, else its refs by name (a pairing: 强 → 弱)."""
    for pname in ("name", "title"):
        if pname in rtype.properties and isinstance(r.get(pname), str):
            return r[pname]
    if rtype.edge is not None:
        a, b = r.get(rtype.edge.source), r.get(rtype.edge.target)
        return f"{display.get(a, a)} → {display.get(b, b)}"
    return str(r["id"])


def _cycle_members(ids: pd.Series, parents: pd.Series) -> list[str]:
    """Ids that lie on a cycle of ``parents`` (vectorized pointer doubling, O(n log n)).

    After k doublings ``jump[v]`` is the 2^k-th ancestor of v, or -1 once the chain has ended at a
    root. With 2^k >= n every chain that ends has ended; the nodes still pointing somewhere lie on a
    cycle or lead into one, and their jumps land exactly on the cycles' nodes.

    >>> _cycle_members(pd.Series(["a", "b", "c", "d"]), pd.Series(["b", "a", "a", None]))
    ['a', 'b']
    """
    n = len(ids)
    if n == 0:
        return []
    index = pd.Index(ids.to_numpy(dtype=object))
    jump = index.get_indexer(parents.to_numpy(dtype=object))
    for _ in range(int(np.ceil(np.log2(max(n, 2)))) + 1):
        nxt = np.where(jump >= 0, jump[np.maximum(jump, 0)], -1)
        if np.array_equal(nxt, jump):
            break
        jump = nxt
    doomed = jump >= 0
    return sorted(index[np.unique(jump[doomed])].tolist()) if doomed.any() else []


def _check_cycles(ctx: _Context, tables: dict[str, pd.DataFrame], lenient: bool) -> None:
    for rtype in ctx.model:
        for prop in rtype.properties.values():
            if not prop.acyclic:
                continue
            t = tables[rtype.name]
            in_cycle = set(_cycle_members(t["id"], t[prop.name]))
            if not in_cycle:
                continue
            sub = t[t["id"].isin(in_cycle)]
            names = dict(zip(t["id"], t.get("name", t["id"])))
            for r in sub.itertuples(index=False):
                ctx.problems.add(file=r.src_file, sheet=r.src_sheet, row=int(r.src_row), column=prop.label["zh"],
                                 value=f"{names.get(r.id)} → {names.get(getattr(r, prop.name))}", rule="cycle",
                                 zh=f"「{prop.label['zh']}」关系形成循环", en=f"the {prop.name} chain loops back on itself")
            if lenient:
                t.loc[t["id"].isin(in_cycle), prop.name] = None


def _drop_dangling(ctx: _Context, tables: dict[str, pd.DataFrame]) -> None:
    """In lenient mode, drop records whose required references were dropped; null optional ones."""
    changed = True
    while changed:
        changed = False
        # each table's ids once as an Index: its hash table is built once and reused by every lookup
        # (ids are distinct after the merge)
        ids = {name: pd.Index(t["id"].to_numpy(dtype=object), dtype=object) for name, t in tables.items()}
        for rtype in ctx.model:
            t = tables[rtype.name]
            for prop in rtype.refs.values():
                col = t[prop.name]
                known = ids[prop.range]  # type: ignore[index]
                found = known.get_indexer(col.to_numpy(dtype=object)) >= 0 if known.is_unique else col.isin(known)
                dangling = col.notna() & ~np.asarray(found, dtype=bool)
                if ctx.cross is not None and dangling.any():  # a province's cross-county reference: resolved later
                    dangling &= ~col.astype(str).str.startswith(XREF_PREFIX)
                if not dangling.any():
                    continue
                if prop.required:
                    for r in t[dangling].itertuples(index=False):
                        ctx.problems.add(file=r.src_file, sheet=r.src_sheet, row=int(r.src_row), column=prop.label["zh"],
                                         rule="dangling_ref", severity="warning",
                                         zh="所引用的记录因错误未导入，本行也未导入", en="skipped: the record it refers to was not loaded")
                    t = t[~dangling]
                    changed = True
                else:
                    t = t.copy()
                    t.loc[dangling, prop.name] = None
                tables[rtype.name] = t.reset_index(drop=True)


def _empty(rtype: RecordType) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in rtype.columns()})


def _finish_types(model: Model, tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Give every column its final dtype (dates datetime64[s], integers Int64, booleans boolean)."""
    out = {}
    for rtype in model:
        t = tables.pop(rtype.name)  # one table at a time: the input is released as its copy is made
        t = t.copy(deep=False)
        for pname, prop in rtype.properties.items():
            if prop.type == "date":
                t[pname] = pd.to_datetime(t[pname]).astype("datetime64[s]")
            elif prop.type == "integer":
                t[pname] = pd.array(t[pname].tolist(), dtype="Int64")
            elif prop.type == "boolean":
                t[pname] = pd.array(t[pname].tolist(), dtype="boolean")
            else:
                t[pname] = t[pname].astype(object).where(t[pname].notna(), None)
        t["src_row"] = t["src_row"].astype("int64")
        for col in ("id", "src_file", "src_sheet", "src_hash"):
            t[col] = t[col].astype(object)
        order = id_order(t["id"].to_numpy(dtype=object))
        out[rtype.name] = (t if order is None else t.take(order)).reset_index(drop=True)
    return out
