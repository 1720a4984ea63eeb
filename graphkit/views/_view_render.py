"""Rendering a scene into a page, and aggregating a large one into an overview with drill-down pages."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ..analyses.toolkit import mechanisms, natural_key
from ..core import layout as lay
from ..analyses.toolkit import isin
from ..core.errors import GraphkitError
from ._view_base import (
    _NO_GROUP,
    _OTHERS,
    SIZE_BY,
    _bi,
    _Ctx,
    _group_order,
    _ix,
    _none_where,
    _obj,
    _scale_size,
    _Scene,
    _str_or_none,
)
from ._view_facts import _edge_facts, _node_facts
from ._view_layout import _group_labels
from ._view_page import View, _Cols, _Facts, _options, _Page
from ._view_style import (
    _CATEGORY_SHAPES,
    _MARKS,
    _MECH_PALETTE,
    _NONE_COLOR,
    _PALETTE,
    _TYPE_COLORS,
    _TYPE_SHAPE,
    _codes_palette,
    _dominant_colors,
    _group_keys,
    _link_groups,
    _org_color,
)


def _best_group(n: np.ndarray, g: np.ndarray) -> pd.Series:
    """Per node ``n``: the group ``g`` it is paired with most often (ties: the smallest group id).

    The same as ``groupby(["n", "g"]).size()`` sorted by count (descending) then group, first per
    node; rows without a group are ignored.

    >>> _best_group(np.array(["a", "a", "a", "b"], dtype=object), np.array(["y", "x", "y", None], dtype=object)).to_dict()
    {'a': 'y'}
    """
    ok = pd.notna(g)
    n, g = _obj(n)[ok], _obj(g)[ok]
    if not len(n):
        return pd.Series(dtype=object)
    n_code, n_uniq = pd.factorize(pd.Series(n, dtype=object), sort=True)
    g_code, g_uniq = pd.factorize(pd.Series(g, dtype=object), sort=True)
    pair, count = np.unique(n_code.astype(np.int64) * len(g_uniq) + g_code, return_counts=True)
    pn, pg = pair // len(g_uniq), pair % len(g_uniq)
    order = np.lexsort((pg, -count, pn))
    first = order[np.r_[True, pn[order][1:] != pn[order][:-1]]]
    return pd.Series(_obj(g_uniq)[pg[first]], index=pd.Index(_obj(n_uniq)[pn[first]], dtype=object), dtype=object)


def _parallel_rank(edges: pd.DataFrame) -> np.ndarray:
    """Rank of each edge among the edges joining the same two nodes (by relationship, then id): 0, 1, 2, ..."""
    n = len(edges)
    if not n:
        return np.zeros(0, dtype=np.int64)
    f = _obj([str(v) for v in edges["from"].tolist()])
    t = _obj([str(v) for v in edges["to"].tolist()])
    swap = f > t
    lo, hi = np.where(swap, t, f), np.where(swap, f, t)
    codes = [pd.factorize(pd.Series(_obj(c), dtype=object), sort=True)[0]
             for c in (edges["id"].to_numpy(dtype=object), edges["rel"].to_numpy(dtype=object), hi, lo)]
    order = np.lexsort(codes)
    key_lo, key_hi = codes[3][order], codes[2][order]
    start = np.r_[True, (key_lo[1:] != key_lo[:-1]) | (key_hi[1:] != key_hi[:-1])]
    run_start = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n) - run_start
    return rank


def _render_scene(ctx: _Ctx, scene: _Scene, *, kind: str) -> View:
    """Style, describe and lay out a scene into a View (kept in columns; see :class:`_Cols`)."""
    parts = [(t, _obj(ids)) for t, ids in scene.ids.items() if len(ids)]
    id_all = np.concatenate([v for _t, v in parts]) if parts else _obj([])
    type_all = np.concatenate([np.full(len(v), t, dtype=object) for t, v in parts]) if parts else _obj([])
    nodes = pd.DataFrame({"id": pd.Series(id_all, dtype=object), "type": pd.Series(type_all, dtype=object)})
    nm = np.array(ctx.all_names().reindex(_ix(id_all)).to_numpy(), dtype=object) if len(id_all) else _obj([])
    missing = pd.isna(nm)
    nm[missing] = id_all[missing]
    nodes["nm"] = pd.Series(nm, dtype=object)
    id_arr_all = id_all
    if scene.group_of_org is not None:
        g = scene.group_of_org.reindex(_ix(id_all))
        nodes["grp"] = _obj(g.where(g.notna(), _NO_GROUP).to_numpy())
        collabs = (nodes["type"] != "Organization").to_numpy()
        if collabs.any():  # other nodes go with the group holding most of their neighbours in the view
            e = scene.edges
            ef, et = e["from"].to_numpy(dtype=object), e["to"].to_numpy(dtype=object)
            best = _best_group(np.concatenate([ef, et]),
                               scene.group_of_org.reindex(_ix(np.concatenate([et, ef]))).to_numpy(dtype=object))
            nodes.loc[collabs, "grp"] = _obj(nodes.loc[collabs, "id"].map(best).fillna(_NO_GROUP).to_numpy())
    else:
        nodes["grp"] = _NO_GROUP
    nodes["grp"] = nodes["grp"].astype(object)
    edges = scene.edges.reset_index(drop=True)
    n = len(nodes)
    types = [t.name for t in ctx.model.node_types if t.name in scene.ids and len(scene.ids[t.name])]
    t_index = {t: i for i, t in enumerate(types)}
    type_arr = nodes["type"].to_numpy(dtype=object)

    # colours, shapes, borders ------------------------------------------------------------------
    color = np.full(n, _NONE_COLOR, dtype=object)
    shape = np.full(n, "dot", dtype=object)
    legend: list[dict[str, Any]] = []
    is_org = type_arr == "Organization"
    org_ids = _obj(nodes["id"].to_numpy(dtype=object)[is_org])
    if is_org.any():
        c, items, ltitle = _org_color(ctx, scene, org_ids)
        color[is_org] = c
        legend.append({"title": f"颜色：{ltitle} Colour", "items": items})
        cat = ctx.facts["category"].reindex(_ix(org_ids)).to_numpy(dtype=object)
        cl = ctx.model.codelists["category"]
        shape_of = {code: _CATEGORY_SHAPES[i] if i < len(_CATEGORY_SHAPES) else "dot" for i, code in enumerate(cl.codes)}
        shape_pos = pd.Index(_obj(list(shape_of)), dtype=object).get_indexer(_ix(cat))
        shape[is_org] = np.where(shape_pos >= 0, _obj([*shape_of.values(), "square"])[shape_pos], "square")
        items = [{"label": f"{cl.zh(code)} {cl.en(code)}", "shape": shape_of[code]} for code in cl.codes]
        items.append({"label": "未定级 unrated", "shape": "square"})
        legend.append({"title": f"形状：{_bi(cl.label)} Shape", "items": items})
    mechs = {code: (zh, en) for code, zh, en in mechanisms(ctx.model)}
    mech_pal = _codes_palette(list(mechs), _MECH_PALETTE)
    type_items = []
    for t in types:
        if t == "Organization":
            continue
        m = type_arr == t
        shape[m] = _TYPE_SHAPE.get(t, "dot")
        if t == "Collaboration":
            kinds = ctx.collab_kinds().reindex(_ix(nodes["id"].to_numpy(dtype=object)[m]))
            color[m] = np.array([mech_pal.get(k, _NONE_COLOR) for k in kinds], dtype=object)
            for k in sorted(set(kinds.dropna()), key=lambda k: list(mechs).index(k) if k in mechs else 99):
                zh, en = mechs.get(k, (k, k))
                type_items.append({"label": f"{_bi(ctx.model[t].label)}：{zh} {en}", "color": mech_pal.get(k, _NONE_COLOR),
                                   "shape": _TYPE_SHAPE.get(t, "dot")})
        else:
            color[m] = _TYPE_COLORS.get(t, _PALETTE[list(t_index).index(t) % len(_PALETTE)])
            type_items.append({"label": _bi(ctx.model[t].label), "color": color[m][0], "shape": _TYPE_SHAPE.get(t, "dot")})
    if type_items:
        legend.append({"title": "其他节点 Other nodes", "items": type_items})
    border = color.copy()
    border_w = np.full(n, 1.5)
    dashes = np.zeros(n, dtype=bool)
    mark = nodes["id"].map(scene.marks).to_numpy(dtype=object) if scene.marks else np.full(n, None, dtype=object)
    if is_org.any():
        lax = ctx.facts["weak_lax"].reindex(_ix(org_ids)).fillna(False).to_numpy(dtype=bool)
        org_pos = np.flatnonzero(is_org)
        no_mark = mark[org_pos] == None  # noqa: E711  (object array)
        mark[org_pos[lax & no_mark]] = "weak_lax"
    used_marks = []
    for key, (bc, bw, bd, zh, en) in _MARKS.items():
        m = mark == key
        if m.any():
            border[m] = bc
            border_w[m] = bw
            dashes[m] = bd
            used_marks.append({"label": f"{zh} {en}", "border": bc, "dashes": bd})
    if used_marks:
        legend.append({"title": "边框 Border", "items": used_marks})

    # sizes -----------------------------------------------------------------------------------
    idx = _ix(id_arr_all)
    deg = np.bincount(np.concatenate([idx.get_indexer(_ix(edges["from"].to_numpy(dtype=object))),
                                      idx.get_indexer(_ix(edges["to"].to_numpy(dtype=object)))]) + 1,
                      minlength=n + 1)[1:] if len(edges) else np.zeros(n)
    if ctx.size_by == "members":
        val = np.asarray(deg, dtype=np.float64)
        if is_org.any():
            val[is_org] = ctx.org_members().reindex(_ix(org_ids)).fillna(0).to_numpy()
        m = type_arr == "Collaboration"
        if m.any():
            cnt = ctx.collab_member_counts().reindex(_ix(nodes["id"].to_numpy(dtype=object)[m]))
            val[m] = cnt.fillna(0).to_numpy(dtype=np.float64)
            val[m] = val[m] / max(1.0, val[m].max()) * max(1.0, np.nanmax(val[is_org]) if is_org.any() else 1.0)
        size_title = "大小：党员数 / 成员数 Size: members"
    elif ctx.size_by == "degree":
        val = np.asarray(deg, dtype=np.float64)
        size_title = "大小：连接数 Size: number of links"
    else:
        raise GraphkitError(f"不支持的大小方式 size_by={ctx.size_by!r}；可选 choices: {', '.join(SIZE_BY)}")
    size = _scale_size(val)
    legend.append({"title": size_title, "items": []})

    # facts -------------------------------------------------------------------------------------
    fact_keys: list[list[str]] = []
    blocks: list[_Facts] = []
    id_arr = nodes["id"].to_numpy(dtype=object)
    for t in types:
        rows = np.flatnonzero(type_arr == t)
        ids_t = id_arr[rows]
        keys, cols = _node_facts(ctx, t, ids_t)
        extra = []
        for label, mapping in scene.extra_facts.values():
            vals = pd.Series(ids_t, dtype=object).map(mapping)
            if vals.notna().any():
                keys = keys + [label]
                extra.append(_str_or_none(vals).to_numpy(dtype=object))
        fact_keys.append(keys)
        blocks.append(_Facts(rows, cols + extra))

    # layout ---------------------------------------------------------------------------------------
    x, y = scene.layout(ctx, nodes, edges) if n else (np.zeros(0), np.zeros(0))
    x = np.round(np.asarray(x, dtype=np.float64), 1)
    y = np.round(np.asarray(y, dtype=np.float64), 1)

    labels = nodes["nm"].astype(str).to_numpy(dtype=object)
    if scene.labels:
        over = nodes["id"].map(scene.labels)
        labels = np.where(over.notna().to_numpy(), over.to_numpy(dtype=object), labels)
    grp = nodes["grp"].to_numpy(dtype=object)
    group_labels = _group_labels(scene, type_arr, grp, x, y) if n else []

    # edges --------------------------------------------------------------------------------------------
    group_key = _group_keys(edges, scene.edge_groups)
    groups, g_index = _link_groups(ctx, group_key, np.ones(len(group_key)), scene.edge_groups)
    # parallel links between the same two nodes: all kept, drawn as curves with growing bend
    k_par = _parallel_rank(edges)
    e_k, e_keys, e_blocks = _edge_facts(ctx, edges)
    e_g = np.array([g_index[k] for k in group_key.tolist()], dtype=np.int64)
    g_color = _obj([g["color"] for g in groups])
    g_width = np.array([g["width"] for g in groups], dtype=np.float64)
    g_dashes = np.array([g["dashes"] for g in groups], dtype=bool)
    width = g_width[e_g] if len(e_g) else np.zeros(0)
    if scene.edge_widths and len(edges):
        w_over = edges["id"].map(scene.edge_widths).to_numpy(dtype=np.float64)
        width = np.where(np.isnan(w_over), width, w_over)
    meta = {"types": types, "typeLabels": [_bi(ctx.model[t].label) for t in types], "nodeFactKeys": fact_keys,
            "edgeFactKeys": e_keys, "groups": groups, "legend": legend, "panels": scene.panels, "links": [],
            "asOf": str(ctx.ts.date()), "physicsToggle": n <= 600, "groupLabels": group_labels}
    page_cols = _Cols(options=_options(n, len(edges), ctx.seed),
                 n_id=id_arr, n_label=_obj(labels), n_nm=nodes["nm"].to_numpy(dtype=object),
                 n_t=np.array([t_index[t] for t in type_arr.tolist()], dtype=np.int64), n_facts=blocks,
                 n_x=x, n_y=y, n_shape=shape, n_size=np.round(size, 1), n_color=color, n_border=border,
                 n_border_w=border_w, n_dashes=dashes, n_g=_none_where(grp, grp == _NO_GROUP),
                 e_id=edges["id"].to_numpy(dtype=object), e_from=edges["from"].to_numpy(dtype=object),
                 e_to=edges["to"].to_numpy(dtype=object), e_g=e_g, e_k=e_k, e_facts=e_blocks,
                 e_color=g_color[e_g] if len(e_g) else _obj([]), e_width=width,
                 e_dashes=g_dashes[e_g] if len(e_g) else np.zeros(0, dtype=bool),
                 e_par=np.asarray(k_par, dtype=np.int64))
    return View(kind=kind, title=scene.title, subtitle=scene.subtitle, _cols=page_cols, meta=meta)


# ---- aggregation: towns or clusters as nodes, drill-down pages ----------------------------------------------

def _plural(word: str) -> str:
    """The English plural of a group word (town, cluster, county).

    >>> _plural("county"), _plural("town")
    ('counties', 'towns')
    """
    return word[:-1] + "ies" if word.endswith("y") else word + "s"


def _split_groups(ctx: _Ctx, og: pd.Series, names: pd.Series, limit: int) -> tuple[pd.Series, pd.Series]:
    """Split groups of more than ``limit`` orgs by 隶属 root (then in name order) so pages fit.

    At province scale the county-level orgs of every county share the "no town" group; their
    隶属 roots (each county's committees) separate them again.
    """
    size = og.value_counts()
    big = size.index[size.to_numpy() > limit]
    if not len(big):
        return og, names
    sel_mask = isin(og, big)
    ids = _obj(og.index[sel_mask])
    grp = og.to_numpy(dtype=object)[sel_mask]
    index = pd.Index(ids, dtype=object)
    par = index.get_indexer(ctx.facts["parent"].reindex(index).to_numpy(dtype=object))
    own = np.arange(len(ids))
    par = np.where((par >= 0) & (grp[np.where(par >= 0, par, 0)] == grp), par, own)
    for _ in range(64):  # pointer jumping: log2(depth) steps
        nxt = par[par]
        if np.array_equal(nxt, par):
            break
        par = nxt
    org_names = ctx.names("Organization")
    nm = pd.Series(ids, dtype=object).map(org_names).fillna("").astype(str).to_numpy(dtype=object)
    d = pd.DataFrame({"id": pd.Series(ids, dtype=object), "grp": pd.Series(grp, dtype=object),
                      "root": pd.Series(ids[par], dtype=object), "nm": pd.Series(nm, dtype=object)})
    d = d.sort_values(["grp", "root", "nm", "id"], kind="stable")
    d["chunk"] = d.groupby(["grp", "root"]).cumcount() // max(1, limit)
    d["sub"] = d["grp"].astype(str) + "#" + d["root"].astype(str) + "/" + d["chunk"].astype(str)
    root_name = d["root"].map(org_names).fillna("").astype(str)
    counts = d.groupby("sub")["id"].transform("size").astype(str)
    where = d["grp"].map(names).fillna("").astype(str)
    d["label"] = (np.where(d["grp"] == _NO_GROUP, "", where + "·") + root_name + " 等 " + counts + " 个"
                  + np.where(d["chunk"] > 0, "（" + (d["chunk"] + 1).astype(str) + "）", ""))
    out = og.copy()
    out.loc[d["id"].to_numpy(dtype=object)] = d["sub"].to_numpy(dtype=object)
    new_names = pd.concat([names.drop(labels=[g for g in big if g in names.index]),
                           d.drop_duplicates("sub").set_index("sub")["label"]])
    return out, new_names


def _aggregate(ctx: _Ctx, scene: _Scene, *, kind: str) -> View:
    """One node per group (town / cluster) with link counts between groups; pages for drill-down.

    Non-org nodes (collaborations, ...) count in the group holding most of their neighbours. If
    there are more groups than ``max_nodes``, the smallest are shown together as one "others"
    node (their drill-down pages still exist). Drill-down pages hold whole groups, packed in
    display order up to ``max_nodes`` nodes each.
    """
    assert scene.group_of_org is not None and scene.group_names is not None and scene.rebuild is not None
    orgs = _obj(scene.ids.get("Organization", _obj([])))
    org_index = pd.Index(orgs, dtype=object)
    og = scene.group_of_org.reindex(org_index)
    og = pd.Series(_obj(og.where(og.notna(), _NO_GROUP).to_numpy()), index=org_index, dtype=object)
    og, names_all = _split_groups(ctx, og, scene.group_names, max(1, int(ctx.max_nodes * 0.9)))
    e = scene.edges
    e_from = e["from"].to_numpy(dtype=object)
    e_to = e["to"].to_numpy(dtype=object)
    node_group = og
    others = (np.concatenate([_obj(v) for t, v in scene.ids.items() if t != "Organization"])
              if len(scene.ids) > 1 else _obj([]))
    if len(others):
        n_end = np.concatenate([e_from, e_to])
        o_end = np.concatenate([e_to, e_from])
        sel = isin(n_end, others)
        a = pd.DataFrame({"n": pd.Series(n_end[sel], dtype=object),
                          "g": pd.Series(_obj(og.reindex(o_end[sel]).to_numpy()), dtype=object)})
        a = a.dropna(subset=["g"])
        best = (a.groupby(["n", "g"]).size().rename("k").reset_index()
                .sort_values(["n", "k", "g"], ascending=[True, False, True]).drop_duplicates("n").set_index("n")["g"])
        node_group = pd.concat([og, pd.Series(_obj(best.reindex(others).fillna(_NO_GROUP).to_numpy()),
                                              index=pd.Index(others, dtype=object), dtype=object)])
    f = ctx.facts.reindex(org_index)
    cl = ctx.model.codelists["category"]
    og_arr = og.to_numpy(dtype=object)
    g_code, g_uniq = pd.factorize(pd.Series(og_arr, dtype=object), sort=True)
    cat_cols = [*cl.codes, "none"]
    cat_code = pd.Index(_obj(cat_cols), dtype=object).get_indexer(f["category"].fillna("none").to_numpy(dtype=object))
    lax = f["weak_lax"].fillna(False).to_numpy(dtype=bool)
    weak = f["weak"].fillna(False).to_numpy(dtype=bool)
    n_g = len(g_uniq)
    counts = pd.DataFrame({"orgs": np.bincount(g_code, minlength=n_g),
                           "lax": np.bincount(g_code, weights=lax, minlength=n_g).astype(np.int64),
                           "weak": np.bincount(g_code, weights=weak, minlength=n_g).astype(np.int64)},
                          index=pd.Index(_obj(g_uniq), dtype=object))
    known = cat_code >= 0  # categories outside the code list are not counted per category (as unstack+reindex)
    per_cat = np.zeros((n_g, len(cat_cols)), dtype=np.int64)
    np.add.at(per_cat, (g_code[known], cat_code[known]), 1)
    per_cat = pd.DataFrame(per_cat, index=counts.index, columns=cat_cols)
    nodes_in = node_group.value_counts()
    names_all_d = {g: str(nm) for g, nm in zip(names_all.index.tolist(), names_all.tolist())}
    if scene.group_word[1] == "cluster":
        gids = sorted(counts.index, key=_group_order)
    else:
        gids = sorted(counts.index, key=lambda g: (not str(g).startswith(_NO_GROUP), natural_key(names_all_d.get(g, str(g))),
                                                   str(g)))
    # drill-down pages: whole groups, packed in display order up to max_nodes nodes each
    pages: list[list[str]] = []
    load = 0
    capacity = max(1, int(ctx.max_nodes * 0.9))  # room for collaborations shared with other pages
    nodes_in_d = nodes_in.to_dict()
    for g in gids:  # one step per group
        k = int(nodes_in_d.get(g, 0))
        if pages and load + k <= capacity and not scene.one_group_per_page:
            pages[-1].append(g)
            load += k
        else:
            pages.append([g])
            load = k
    page_of = {g: f"{i + 1:03d}.html" for i, gs in enumerate(pages) for g in gs}
    # groups shown as nodes: all, or the largest ones plus one node for the rest
    position = {g: i for i, g in enumerate(gids)}
    org_count = counts["orgs"].to_dict()
    if len(gids) > ctx.max_nodes:
        keep = set(sorted(gids, key=lambda g: (-org_count[g], position[g]))[: ctx.max_nodes - 1])
        shown = [g for g in gids if g in keep]
        rest = [g for g in gids if g not in keep]
    else:
        shown, rest = list(gids), []
    word_zh, word_en = scene.group_word
    show_of = pd.Series({g: g for g in shown} | {g: _OTHERS for g in rest}, dtype=object)
    show_of.index = pd.Index(_obj(show_of.index), dtype=object)
    names = {g: names_all_d.get(g, str(g)) for g in shown}
    if rest:
        names[_OTHERS] = f"其余 {len(rest)} 个较小的{word_zh} other smaller {_plural(word_en)}"
    # per shown node: counts and facts
    sc = counts.join(per_cat).assign(show=show_of.reindex(counts.index).to_numpy(dtype=object)).groupby("show").sum()
    show_node = node_group.map(show_of)
    eg = pd.DataFrame({"a": pd.Series(_obj(show_node.reindex(e_from).to_numpy()), dtype=object),
                       "b": pd.Series(_obj(show_node.reindex(e_to).to_numpy()), dtype=object),
                       "key": pd.Series(_group_keys(e, scene.edge_groups), dtype=object)}).dropna(subset=["a", "b"])
    same = (eg["a"] == eg["b"]).to_numpy()
    inner = eg[same].groupby("a").size()
    cross = eg[~same]
    ca, cb = cross["a"].to_numpy(dtype=object), cross["b"].to_numpy(dtype=object)
    swap = ca > cb
    agg = pd.DataFrame({"lo": pd.Series(np.where(swap, cb, ca), dtype=object),
                        "hi": pd.Series(np.where(swap, ca, cb), dtype=object),
                        "key": pd.Series(cross["key"].to_numpy(dtype=object), dtype=object)})
    agg = agg.groupby(["lo", "hi", "key"]).size().rename("n").reset_index().sort_values(["lo", "hi", "key"])
    agg = agg.reset_index(drop=True)
    order = [*shown, *([_OTHERS] if rest else [])]
    shown_count = sc["orgs"].to_dict()
    ranked = sorted(order, key=lambda g: (-int(shown_count[g]), position.get(g, len(position))))  # biggest in the centre
    x, y = lay.sunflower(len(ranked), spacing=190.0)
    pos = {g: (float(round(xx, 1)), float(round(yy, 1))) for g, xx, yy in zip(ranked, x, y)}  # numpy rounding
    scr = sc.reindex(order)
    size = dict(zip(order, _scale_size(scr["orgs"].to_numpy(dtype=np.float64), lo=12, hi=48).tolist()))
    keys = ["名称 Name", "党组织 Orgs", *[f"{cl.zh(c)} {cl.en(c)}" for c in cl.codes], "未定级 Unrated",
            "后进（三类/软弱涣散）Weak", "软弱涣散 Weak and lax", "组内联系 Links inside", "下钻页面 Drill-down page"]
    flagged = None
    if "flags" in scene.extra_facts:
        keys.append("有结对问题的党组织 Orgs with pairing gaps")
        flag_map = scene.extra_facts["flags"][1]
        fl = _obj(flag_map.index if isinstance(flag_map, pd.Series) else list(flag_map))
        flagged = pd.Series(_obj(og.reindex(fl).map(show_of).to_numpy()), dtype=object).value_counts().to_dict()
    dominant, colour_items, colour_title = _dominant_colors(ctx, scene, orgs, og.map(show_of))
    as_text = {c: [str(int(v)) for v in scr[c].to_numpy(dtype=np.int64).tolist()]
               for c in ["orgs", *cl.codes, "none", "weak", "lax"]}
    inner_d = inner.to_dict()
    shown_text = [names[g] for g in order]
    fact_cols = [shown_text, as_text["orgs"], *[as_text[c] for c in cl.codes], as_text["none"], as_text["weak"],
                 as_text["lax"], [str(int(inner_d.get(g, 0))) for g in order],
                 [page_of[g] if g != _OTHERS else f"{len(rest)} 个{word_zh}分布在各下钻页面 / spread over the pages"
                  for g in order]]
    if flagged is not None:
        fact_cols.append([str(int(flagged.get(g, 0))) for g in order])
    n_shown = len(order)
    groups, g_index = _link_groups(ctx, agg["key"].to_numpy(dtype=object), agg["n"].to_numpy(), scene.edge_groups)
    for gr in groups:
        gr["width"] = 1.0
    k_par = agg.groupby(["lo", "hi"]).cumcount().to_numpy().tolist()
    n_arr = agg["n"].to_numpy()
    widths = [float(w) for w in np.round(1 + 1.5 * np.log2(n_arr), 2).tolist()] if len(n_arr) else []
    e_g = np.array([g_index[key] for key in agg["key"].tolist()], dtype=np.int64)
    lo_names = [names[g] for g in agg["lo"].tolist()]
    hi_names = [names[g] for g in agg["hi"].tolist()]
    legend = [{"title": f"颜色：多数党组织的{colour_title} Colour: most common value", "items": colour_items},
              {"title": f"节点：{word_zh} {word_en}（大小 = 党组织数 size = orgs）", "items": []},
              {"title": "双击节点打开下钻页面 / double-click a node to open its drill-down page", "items": []}]
    if len(gids) <= 300:
        links = [{"label": names_all_d.get(g, str(g)), "page": page_of[g], "anchor": g,
                  "count": int(org_count[g])} for g in gids]
    else:
        links = [{"label": f"第 {i + 1} 页 page {i + 1}：{names_all_d.get(gs[0], gs[0])} … "
                           f"{names_all_d.get(gs[-1], gs[-1])}（{len(gs)} 个{word_zh}）", "page": f"{i + 1:03d}.html",
                  "count": int(sum(org_count[g] for g in gs))} for i, gs in enumerate(pages)]
    title = scene.title + f"（按{word_zh}汇总 / by {word_en}）"
    sub = (f"{word_zh} {len(gids)} 个 {_plural(word_en)} · 党组织 {len(orgs)} 个 orgs · 共 {scene.n_nodes} 个节点 nodes，"
           f"超过上限 {ctx.max_nodes} 个，已汇总 aggregated above the limit · 截至 as of {ctx.ts.date()}")
    meta = {"types": [word_en], "typeLabels": [f"{word_zh} {word_en}"], "nodeFactKeys": [keys],
            "edgeFactKeys": [["关系 Link", "起点 From", "终点 To", "联系数 Links"]], "groups": groups, "legend": legend,
            "panels": scene.panels, "links": links, "asOf": str(ctx.ts.date()), "physicsToggle": False}
    page_cols = _Cols(
        options=_options(n_shown, len(agg), ctx.seed),
        n_id=_obj(order), n_label=_obj([f"{nm}\n{k}" for nm, k in zip(shown_text, as_text["orgs"])]),
        n_nm=_obj(shown_text), n_t=np.zeros(n_shown, dtype=np.int64),
        n_facts=[_Facts(np.arange(n_shown), [_obj(c) for c in fact_cols])],
        n_x=np.array([pos[g][0] for g in order], dtype=np.float64), n_y=np.array([pos[g][1] for g in order], dtype=np.float64),
        n_shape=_obj(["dot" if g != _OTHERS else "square" for g in order]),
        n_size=np.array([round(size[g], 1) for g in order], dtype=np.float64),
        n_color=_obj([dominant.get(g, _NONE_COLOR) for g in order]), n_border=np.full(n_shown, "#333333", dtype=object),
        n_border_w=np.full(n_shown, 1.5), n_dashes=np.zeros(n_shown, dtype=bool), n_g=np.full(n_shown, None, dtype=object),
        n_page=_obj([page_of[g] if g != _OTHERS else None for g in order]),
        e_id=_obj([f"agg|{key}|{lo}|{hi}" for lo, hi, key in zip(agg["lo"].tolist(), agg["hi"].tolist(),
                                                                 agg["key"].tolist())]),
        e_from=_obj(agg["lo"].tolist()), e_to=_obj(agg["hi"].tolist()), e_g=e_g, e_k=np.zeros(len(agg), dtype=np.int64),
        e_facts=[_Facts(np.arange(len(agg)), [_obj([groups[i]["label"] for i in e_g.tolist()]), _obj(lo_names),
                                              _obj(hi_names), _obj([str(int(k)) for k in n_arr.tolist()])])],
        e_color=_obj([groups[i]["color"] for i in e_g.tolist()]), e_width=np.array(widths, dtype=np.float64),
        e_dashes=np.array([groups[i]["dashes"] for i in e_g.tolist()], dtype=bool),
        e_par=np.asarray(k_par, dtype=np.int64), bend=0.15, arrows=False)
    rebuild = scene.rebuild
    page_names = {g: names_all_d.get(g, str(g)) for g in gids}

    og_codes, og_uniq = pd.factorize(pd.Series(og.to_numpy(dtype=object), dtype=object))
    og_sorted = np.argsort(og_codes, kind="stable")
    og_bounds = np.r_[0, np.cumsum(np.bincount(og_codes, minlength=len(og_uniq)))]
    og_ids = og.index.to_numpy(dtype=object)
    og_pos = {g: i for i, g in enumerate(_obj(og_uniq).tolist())}

    def orgs_of(gs: list[str]) -> np.ndarray:
        """The orgs of some groups (as ``og.index[isin(og, gs)]``, in any order)."""
        parts = [og_ids[og_sorted[og_bounds[og_pos[g]]:og_bounds[og_pos[g] + 1]]] for g in gs if g in og_pos]
        return np.concatenate(parts) if parts else _obj([])

    def page_builder(gs: list[str], number: int) -> Callable[[], View]:
        def build() -> View:
            sub = rebuild(orgs_of(gs))
            sub.group_of_org = og  # node "g" = the overview's group ids (drill-down anchors)
            v = _render_scene(ctx, sub, kind=kind)
            listed = "、".join(page_names[g] for g in gs[:3]) + (f" 等 {len(gs)} 个{word_zh}" if len(gs) > 3 else "")
            v.title = f"{scene.title.split(' / ')[0]} · 下钻 drill-down {number}/{len(pages)}：{listed}"
            return v
        return build

    # pages take their row-wise facts from one computation over the whole scene
    ctx.prefetch = {**{t: _obj(v) for t, v in scene.ids.items() if len(v)}, "__edges__": scene.edges}
    view_pages = [_Page(filename=f"{i + 1:03d}.html", label="、".join(page_names[g] for g in gs),
                        build=page_builder(gs, i + 1)) for i, gs in enumerate(pages)]
    return View(kind=kind, title=title, subtitle=sub, _cols=page_cols, meta=meta, aggregated=True, pages=view_pages)
