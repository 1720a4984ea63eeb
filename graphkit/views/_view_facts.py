"""Tooltip facts of nodes and links, as display text."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..analyses.toolkit import na_to_none
from ..analyses.toolkit import isin, join_names
from ._view_base import _as_text, _bi, _Ctx, _fmt_date, _ix, _obj, _str_or_none, _zh_map
from ._view_page import _Facts


def _generic_facts(ctx: _Ctx, type_name: str, ids: np.ndarray) -> tuple[list[str], pd.DataFrame]:
    """Declared properties of records as display text: codes → labels, refs → names, dates ISO."""
    rtype = ctx.model[type_name]
    t = ctx.graph.tables[type_name].set_index("id").reindex(ids)
    keys: list[str] = []
    cols: dict[str, pd.Series] = {}
    for pname, prop in rtype.properties.items():
        s = t[pname]
        if prop.type == "code":
            v = s.astype(object).map(_zh_map(ctx.model.codelists[prop.codelist]))  # type: ignore[index]
            v = v.where(v.notna(), s.astype(object))
        elif prop.type == "ref":
            v = s.astype(object).map(ctx.all_names())
        elif prop.type == "date":
            v = _fmt_date(s)
        elif prop.type == "boolean":
            v = s.astype(object).map({True: "是 yes", False: "否 no"}).astype(object)
        else:
            v = _as_text(s)
        keys.append(_bi(prop.label))
        cols[pname] = _str_or_none(pd.Series(v.to_numpy(dtype=object)))
    return keys, pd.DataFrame(cols)


def _group_join(keys: Any, texts: Any, *, sep: str, limit: int | None = None) -> pd.Series:
    """``groupby(keys)[texts].agg(...)`` joining each group's texts in their order, vectorized.

    With ``limit`` it is :func:`_join` per group: missing texts dropped, at most ``limit`` shown,
    then `` … 等 N 个``; without, ``sep.join`` of the group. Indexed by the sorted distinct keys.

    >>> _group_join(["b", "a", "b"], ["x", "y", None], sep="、", limit=1).to_dict()
    {'a': 'y', 'b': 'x'}
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    k = keys.to_numpy(dtype=object) if isinstance(keys, pd.Series) else np.asarray(keys, dtype=object)
    t = texts.to_numpy(dtype=object) if isinstance(texts, pd.Series) else np.asarray(texts, dtype=object)
    present = pd.notna(k)
    k, t = k[present], t[present]
    codes, uniq = pd.factorize(pd.Series(k, dtype=object), sort=True)
    if limit is not None:
        valid = pd.notna(t)
        codes, t = codes[valid], np.array([v if type(v) is str else str(v) for v in t[valid].tolist()], dtype=object)
    order = np.argsort(codes, kind="stable")
    codes, t = codes[order], t[order]
    count = np.bincount(codes, minlength=len(uniq))
    if limit is not None:
        first = np.r_[0, np.cumsum(count)[:-1]]
        rank = np.arange(len(codes)) - first[codes]
        shown = rank < limit
        codes, t = codes[shown], t[shown]
    n_shown = np.bincount(codes, minlength=len(uniq))
    offsets = pa.array(np.r_[0, np.cumsum(n_shown)].astype(np.int64), type=pa.int64())
    lists = pa.LargeListArray.from_arrays(offsets, pa.array(t, type=pa.string()))
    joined = np.asarray(pc.binary_join(lists, sep).to_numpy(zero_copy_only=False), dtype=object)
    if limit is not None:
        over = np.flatnonzero(count > limit)
        joined[over] = [f"{j} … 等 {c} 个" for j, c in zip(joined[over].tolist(), count[over].tolist())]
    return pd.Series(joined, index=pd.Index(_obj(uniq), dtype=object), dtype=object)


def _org_facts_table(ctx: _Ctx, org_ids: np.ndarray) -> tuple[list[str], pd.DataFrame]:
    """The tooltip facts of orgs: name, form, sector, level, town, category, mechanisms, partners."""
    model = ctx.model
    props = model["Organization"].properties
    f = ctx.facts.reindex(org_ids)
    o = ctx.graph.tables["Organization"][["id", "members"]].set_index("id").reindex(org_ids)
    cols: dict[str, Any] = {}
    keys: list[str] = []

    def add(key: str, values: Any) -> None:
        keys.append(key)
        cols[key] = _str_or_none(pd.Series(np.asarray(values, dtype=object)))

    def code(pname: str, values: pd.Series) -> pd.Series:
        return values.astype(object).map(_zh_map(model.codelists[props[pname].codelist]))  # type: ignore[index]

    add(_bi(props["name"].label), f["name"].to_numpy(dtype=object))
    add(_bi(props["form"].label), code("form", f["form"]).to_numpy(dtype=object))
    add(_bi(props["sector"].label), code("sector", f["sector"]).to_numpy(dtype=object))
    add(_bi(props["level"].label), code("level", f["level"]).to_numpy(dtype=object))
    add(_bi(props["town"].label), f["town_name"].to_numpy(dtype=object))
    add(_bi(props["village"].label), f["village_name"].to_numpy(dtype=object))
    cat = code("category", f["category"]).fillna("未定级 unrated").astype(str)
    cat = cat.where(~f["weak_lax"].fillna(False).astype(bool), cat + "，软弱涣散 weak and lax")
    add(_bi(props["category"].label), cat.to_numpy(dtype=object))
    add(_bi(props["parent"].label), f["parent"].map(ctx.names("Organization")).to_numpy(dtype=object))
    add(_bi(props["members"].label), _as_text(o["members"]).to_numpy(dtype=object))
    # mechanisms: every active membership with kind, group and role
    mem = ctx.memberships[isin(ctx.memberships["member"], org_ids)].copy()
    kinds = _zh_map(model.codelists["collab_kind"])
    roles = _zh_map(model.codelists["role"])
    stage = mem["stage"].map(ctx.names("ChainStage"))
    month = mem["host_month"].astype("float64")
    mem["txt"] = (mem["kind"].map(kinds).fillna(mem["kind"]).astype(str) + "：" + mem["collab_name"].astype(str) + "（"
                  + mem["role"].map(roles).fillna(mem["role"]).astype(str)
                  + ("·" + stage.astype(str)).where(stage.notna(), "")
                  + ("·轮值" + month.fillna(0).astype(int).astype(str) + "月").where(month.notna(), "") + "）")
    p = ctx.active_nodes("Pairing")
    names = ctx.names("Organization")
    ps = p[isin(p["strong"], org_ids)]
    pw = p[isin(p["weak"], org_ids)]
    pair_txt = pd.concat([
        pd.DataFrame({"org": _obj(ps["strong"].to_numpy()), "txt": "帮扶 helps " + ps["weak"].map(names).astype(str),
                      "side": "帮扶方 strong side"}),
        pd.DataFrame({"org": _obj(pw["weak"].to_numpy()), "txt": "受援于 helped by " + pw["strong"].map(names).astype(str),
                      "side": "受援方 weak side"}),
    ], ignore_index=True)
    pairing_zh = model["Pairing"].label["zh"]
    sides = pair_txt.drop_duplicates(["org", "side"])
    other = []  # link mechanisms other than Pairing (declared in schema/mechanisms.yaml): "<label>（与 partner）"
    for lm in model.link_mechanisms():
        if lm.link == "Pairing" or lm.link is None:
            continue
        edge = model[lm.link].edge
        assert edge is not None
        lt = ctx.active_nodes(lm.link)
        for here, there in ((edge.source, edge.target), (edge.target, edge.source)):
            sel = lt[isin(lt[here], org_ids)]
            other.append(pd.DataFrame({"org": _obj(sel[here].to_numpy()),
                                       "txt": lm.label["zh"] + "（与 with " + sel[there].map(names).astype(str) + "）"}))
    mech_rows = pd.concat([mem[["member", "txt"]].rename(columns={"member": "org"}),
                           pd.DataFrame({"org": sides["org"], "txt": pairing_zh + "（" + sides["side"] + "）"}), *other],
                          ignore_index=True)
    mech = _group_join(mech_rows["org"], mech_rows["txt"], sep="；")
    add("联建机制 Mechanisms", mech.reindex(org_ids).to_numpy(dtype=object))
    pair_sorted = pair_txt.sort_values(["org", "txt"], kind="stable")
    partners = _group_join(pair_sorted["org"], pair_sorted["txt"], sep="；", limit=6)
    add("结对伙伴 Pairing partners", partners.reindex(org_ids).to_numpy(dtype=object))
    all_mem = ctx.memberships[["member", "organization"]]
    co = mem[["member", "organization"]].merge(all_mem, on="organization", suffixes=("", "_o"))
    co = co[co["member"] != co["member_o"]].drop_duplicates(["member", "member_o"])
    co["nm"] = co["member_o"].map(names)
    co = co.sort_values(["member", "nm"], kind="stable")
    mates = _group_join(co["member"], co["nm"], sep="、", limit=6)
    add("联建伙伴 Joint-building partners", mates.reindex(org_ids).to_numpy(dtype=object))
    return keys, pd.DataFrame(cols)


def _collab_extra(ctx: _Ctx, ids: np.ndarray) -> pd.DataFrame:
    mem = ctx.memberships[isin(ctx.memberships["organization"], ids)]
    names = ctx.names("Organization")
    n = mem.groupby("organization")["member"].nunique()
    lead = mem[mem["role"] == "lead"].assign(nm=lambda d: d["member"].map(names)).groupby("organization")["nm"].agg(
        lambda s: join_names(sorted(s.astype(str)), limit=8))
    return pd.DataFrame({"成员数 Members": _as_text(n.reindex(ids)).to_numpy(dtype=object),
                         "牵头单位 Lead": lead.reindex(ids).to_numpy(dtype=object)})


def _strify(arr: Any) -> np.ndarray:
    """Edge fact values: None and NaN as None, anything else as ``str(v)``."""
    out = np.asarray(arr, dtype=object)
    if len(out) and pd.api.types.infer_dtype(out, skipna=False) == "string":
        return out
    return _obj([None if (v is None or (isinstance(v, float) and v != v)) else (v if type(v) is str else str(v))
                 for v in out.tolist()])


def _cached_rows(ctx: _Ctx, key: str, pre: Any, frame: Any, ids: np.ndarray,
                 compute: Callable[[Any], tuple[list[str], list[np.ndarray]]]) -> tuple[list[str], list[np.ndarray]]:
    """Row-wise values for ``ids``: computed once for a whole prefetched set (drill-down pages), else here.

    ``compute`` is row-independent, so rows taken from the whole set equal rows computed alone.
    """
    if pre is not None and len(ids):
        def build() -> tuple[list[str], list[np.ndarray], pd.Index]:
            keys, cols = compute(pre[0])
            return keys, cols, pd.Index(_obj(pre[1]), dtype=object)
        keys, cols, index = ctx.once(key, build)
        pos = index.get_indexer(_ix(ids))
        if len(pos) and (pos >= 0).all():
            return list(keys), [c[pos] for c in cols]
    return compute(frame)


def _node_facts(ctx: _Ctx, type_name: str, ids: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
    """Tooltip fact keys and values (str or None) of nodes of one type."""
    def compute(ids_: np.ndarray) -> tuple[list[str], list[np.ndarray]]:
        if type_name == "Organization":
            keys, table = _org_facts_table(ctx, ids_)
        else:
            keys, table = _generic_facts(ctx, type_name, ids_)
            if type_name == "Collaboration":
                extra = _collab_extra(ctx, ids_)
                keys = keys + list(extra.columns)
                table = pd.concat([table, extra], axis=1)
        return keys, [na_to_none(table.iloc[:, i].to_numpy(dtype=object)) for i in range(table.shape[1])]
    pre_ids = ctx.prefetch.get(type_name)
    pre = None if pre_ids is None else (pre_ids, pre_ids)
    return _cached_rows(ctx, f"nodefacts:{type_name}", pre, ids, ids, compute)


def _edge_fact_cols(ctx: _Ctx, by: str, sub: pd.DataFrame) -> tuple[list[str], list[np.ndarray]]:
    """Fact keys and values of the edges of one declaring type (``Type.property`` or a link type)."""
    names = ctx.all_names()
    label = ctx.rel_label(str(sub["rel"].iloc[0]))
    ends = ["起点 From", "终点 To"]
    head = [_obj([label] * len(sub)), _strify(sub["from"].map(names).astype(object).to_numpy(dtype=object)),
            _strify(sub["to"].map(names).astype(object).to_numpy(dtype=object))]
    if "." in by:
        return ["关系 Link", *ends], head
    rtype = ctx.model[by]
    edge = rtype.edge
    k2, t2 = _generic_facts(ctx, by, _obj(sub["id"].to_numpy()))
    drop = {_bi(rtype.properties[edge.source].label), _bi(rtype.properties[edge.target].label)}  # type: ignore[union-attr]
    keep = [i for i, k in enumerate(k2) if k not in drop]
    cols = [_strify(na_to_none(t2.iloc[:, i].to_numpy(dtype=object))) for i in keep]
    return ["关系 Link", *ends, *[k2[i] for i in keep]], head + cols


def _edge_facts(ctx: _Ctx, edges: pd.DataFrame) -> tuple[np.ndarray, list[list[str]], list[_Facts]]:
    """Per edge: index of its fact keys (by declaring type, sorted), the key lists and the values."""
    n = len(edges)
    kidx = np.zeros(n, dtype=np.int64)
    keys_out: list[list[str]] = []
    blocks: list[_Facts] = []
    if not n:
        return kidx, keys_out, blocks
    by_vals = edges["by"].to_numpy(dtype=object)
    pre_edges = ctx.prefetch.get("__edges__")
    for by in sorted(set(by_vals.tolist())):
        rows = np.flatnonzero(by_vals == by)
        sub = edges.iloc[rows]
        pre = None
        if pre_edges is not None:
            def split(by: Any = by) -> tuple[pd.DataFrame, np.ndarray]:
                pe = pre_edges[pre_edges["by"].to_numpy(dtype=object) == by]
                return pe, pe["id"].to_numpy(dtype=object)
            pre = ctx.once(f"prefetch_edges:{by}", split)
        def fact_cols(frame: pd.DataFrame, by: Any = by) -> Any:
            return _edge_fact_cols(ctx, str(by), frame)
        keys, cols = _cached_rows(ctx, f"edgefacts:{by}", pre, sub, sub["id"].to_numpy(dtype=object), fact_cols)
        kidx[rows] = len(keys_out)
        keys_out.append(keys)
        blocks.append(_Facts(rows, cols))
    return kidx, keys_out, blocks
