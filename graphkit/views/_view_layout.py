"""Layouts: node positions of each kind of view."""
from __future__ import annotations

import unicodedata
from typing import Any

import numpy as np
import pandas as pd

from ..core import layout as lay
from ..analyses.toolkit import isin
from ._view_base import _Ctx, _group_order, _ix, _obj, _Scene

# ---- layouts ----------------------------------------------------------------------------------------------

def _start(nodes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where every layout starts: zero positions, and the nodes' type and id columns."""
    n = len(nodes)
    return np.zeros(n), np.zeros(n), nodes["type"].to_numpy(dtype=object), nodes["id"].to_numpy(dtype=object)


def _place_by_members(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame, x: np.ndarray, y: np.ndarray,
                      placed: np.ndarray) -> None:
    """Put unplaced nodes at the centroid of their placed neighbours (nudged up), in place."""
    idx = _ix(nodes["id"].to_numpy(dtype=object))
    a = idx.get_indexer(_ix(edges["from"].to_numpy(dtype=object)))
    b = idx.get_indexer(_ix(edges["to"].to_numpy(dtype=object)))
    pairs = np.concatenate([np.stack([a, b], 1), np.stack([b, a], 1)])
    pairs = pairs[(pairs[:, 0] >= 0) & (pairs[:, 1] >= 0)]
    pairs = pairs[~placed[pairs[:, 0]] & placed[pairs[:, 1]]]
    if len(pairs):
        df = pd.DataFrame({"n": pairs[:, 0], "x": x[pairs[:, 1]], "y": y[pairs[:, 1]]}).groupby("n").mean()
        k = df.index.to_numpy()
        x[k] = df["x"].to_numpy()
        y[k] = df["y"].to_numpy() - 28.0
        placed[k] = True
    rest = np.flatnonzero(~placed)
    if len(rest):
        top = float(y[placed].min()) if placed.any() else 0.0
        gx, gy = lay.grid(len(rest), spacing=80.0, cols=max(1, int(np.sqrt(len(rest)) * 2)))
        x[rest] = gx
        y[rest] = top - 200.0 - gy


def _layout_grouped(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """A radial tree per group (town or cluster), groups shelf-packed in display order.

    Town groups use the 隶属 tree (a parent outside the group makes a root); collaborations then
    sit at the centroid of their members. Cluster groups hang each org under one collaboration
    of its cluster (the wedges are the collaborations) or, failing that, its pairing partner.
    """
    x, y, typ, ids = _start(nodes)
    grp = nodes["grp"].to_numpy(dtype=object)
    clusters = any(str(g).startswith("cluster-") for g in set(grp.tolist()))
    id_index = pd.Index(ids, dtype=object)
    gseries = pd.Series(grp, index=id_index, dtype=object)
    if clusters:
        in_tree = np.isin(typ, ["Organization", "Collaboration"])
        e = edges[["from", "to"]].copy()
        e["tt"] = e["to"].map(pd.Series(typ, index=id_index, dtype=object))
        e["ft"] = e["from"].map(pd.Series(typ, index=id_index, dtype=object))
        e = e[(e["ft"] == "Organization") & (e["from"].map(gseries) == e["to"].map(gseries))]
        e = e.assign(rank=(e["tt"] != "Collaboration").astype(int)).sort_values(["from", "rank", "to"], kind="stable")
        parent_of = pd.Series(e.drop_duplicates("from")["to"].to_numpy(dtype=object),
                              index=e.drop_duplicates("from")["from"].to_numpy(dtype=object))
        parent = parent_of.reindex(ids).to_numpy(dtype=object)
        parent[typ == "Collaboration"] = None
    else:
        in_tree = typ == "Organization"
        parent = ctx.facts["parent"].reindex(id_index).to_numpy(dtype=object)
        same = gseries.reindex(_ix(parent)).to_numpy(dtype=object) == grp
        parent = np.where(same & in_tree, parent, None)
    order = _obj([f"{t}|{'' if nm is None or (isinstance(nm, float) and nm != nm) else nm}"
                  for t, nm in zip(typ.tolist(), nodes["nm"].to_numpy(dtype=object).tolist())])
    tree_idx = np.flatnonzero(in_tree)
    g_tree = grp[tree_idx]
    gids = sorted(set(g_tree), key=_group_order)
    if gids:  # a radial layout per group (town / cluster), all groups in one pass
        lx, ly = lay.radial_forest(ids[tree_idx], parent[tree_idx], g_tree, order=order[tree_idx], gap=110.0,
                                   spacing=46.0)
        code = pd.Index(_obj(gids), dtype=object).get_indexer(g_tree)
        reach = np.full(len(gids), -np.inf)
        np.maximum.at(reach, code, lx * lx + ly * ly)
        ox, oy = lay.pack_circles(np.sqrt(reach) + 60.0, gap=140.0)  # lay.extent of each group
        x[tree_idx] = lx + ox[code]
        y[tree_idx] = ly + oy[code]
    placed = in_tree.copy()
    _place_by_members(ctx, nodes, edges, x, y, placed)
    return x, y


def _layout_district(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Collaboration in the centre, members on a clock face by hosting month, activities on a ring by date."""
    x, y, typ, ids = _start(nodes)
    mem = ctx.memberships.copy()
    collab_ids = set(ids[typ == "Collaboration"])
    mem = mem[isin(mem["organization"], collab_ids)]
    role_rank = mem["role"].map({"lead": 0}).fillna(1)
    key = pd.DataFrame({"member": mem["member"], "r": role_rank, "m": mem["host_month"].astype("float64").fillna(99)})
    key = key.sort_values(["r", "m", "member"]).drop_duplicates("member")
    rank = pd.Series(np.arange(len(key)), index=key["member"].to_numpy(dtype=object))
    orgs = np.flatnonzero(typ == "Organization")
    order = rank.reindex(ids[orgs]).fillna(len(rank)).to_numpy()
    orgs = orgs[np.lexsort((nodes["nm"].to_numpy(dtype=object)[orgs].astype(str), order))]
    r1 = max(260.0, len(orgs) * 80.0 / (2 * np.pi))
    rx, ry = lay.ring(len(orgs), r1)
    x[orgs] = rx
    y[orgs] = ry
    acts = np.flatnonzero(typ == "Activity")
    if len(acts):
        dates = ctx.graph.tables["Activity"].set_index("id")["date"].reindex(ids[acts])
        acts = acts[np.lexsort((ids[acts].astype(str), dates.to_numpy()))]
        r2 = max(r1 + 260.0, len(acts) * 55.0 / (2 * np.pi))
        ax, ay = lay.ring(len(acts), r2)
        x[acts] = ax
        y[acts] = ay
    persons = np.flatnonzero(typ == "Person")
    x[persons] = np.linspace(-60 * (len(persons) - 1), 60 * (len(persons) - 1), len(persons)) if len(persons) else 0
    y[persons] = -120.0
    return x, y


def _layout_chain(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Stages left to right (by order), each stage's member orgs stacked below it."""
    x, y, typ, ids = _start(nodes)
    dx, dy = 240.0, 70.0
    st = ctx.graph.tables["ChainStage"].set_index("id")
    s_idx = np.flatnonzero(typ == "ChainStage")
    s_order = st["order"].reindex(ids[s_idx]).astype("float64").to_numpy()
    s_idx = s_idx[np.argsort(s_order, kind="stable")]
    col = pd.Series(np.arange(1, len(s_idx) + 1), index=ids[s_idx])
    x[s_idx] = col.to_numpy() * dx
    y[s_idx] = 0.0
    for t, yy in (("IndustryChain", -220.0), ("Collaboration", -110.0)):
        k = np.flatnonzero(typ == t)
        x[k] = (len(s_idx) + 1) * dx / 2 + (np.arange(len(k)) - (len(k) - 1) / 2) * dx
        y[k] = yy
    mem = ctx.memberships
    mem = mem[isin(mem["organization"], set(ids[typ == "Collaboration"]))]
    first_stage = (mem.assign(c=mem["stage"].map(col)).sort_values(["member", "c"])
                   .drop_duplicates("member").set_index("member")["c"])
    o = np.flatnonzero(typ == "Organization")
    c = first_stage.reindex(ids[o]).fillna(0).to_numpy(dtype=np.float64)  # 0: no stage (lead, whole chain)
    names = nodes["nm"].to_numpy(dtype=object)[o].astype(str)
    order = np.lexsort((names, c))
    o, c = o[order], c[order]
    row = pd.Series(c).groupby(c).cumcount().to_numpy()
    x[o] = c * dx
    y[o] = dy * (row + 1.5)
    return x, y


def _group_labels(scene: _Scene, types: np.ndarray, grp: np.ndarray, x: np.ndarray, y: np.ndarray) -> list[dict[str, Any]]:
    """The name of each group circle (town, cluster) of a grouped layout, centred above its orgs.

    The page draws them on the canvas (they are not nodes: node counts stay the graph's).
    """
    if scene.layout is not _layout_grouped or scene.group_names is None:
        return []
    org = types == "Organization"
    if not org.any():
        return []
    box = (pd.DataFrame({"g": grp[org], "x": x[org], "y": y[org]}).groupby("g", sort=False)
           .agg(x0=("x", "min"), x1=("x", "max"), y0=("y", "min")))
    names = scene.group_names
    out = []
    for g, r in box.iterrows():
        text = names.get(g) if g in names.index else None
        if text is None:
            continue
        out.append({"text": str(text), "x": round(float(r.x0 + r.x1) / 2, 1), "y": round(float(r.y0) - 36.0, 1)})
    return out


def _label_half_width(names: np.ndarray) -> np.ndarray:
    """Half the drawn width of each label at the views' 14 px font (CJK characters are 1 em, others ~0.6)."""
    return np.array([7.0 * sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.6 for ch in str(t)) + 8.0
                     for t in names.tolist()], dtype=np.float64)


def _layout_components(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Connected components as a hub above a row of its partners, largest first, shelf-packed; singletons last.

    Every box is as wide as its labels need (a row slot per partner of the widest label in the
    component), so no two names overlap however long they are.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = len(nodes)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    idx = pd.Index(nodes["id"])
    a = idx.get_indexer(_obj(edges["from"].to_numpy()))
    b = idx.get_indexer(_obj(edges["to"].to_numpy()))
    ok = (a >= 0) & (b >= 0)
    a, b = a[ok], b[ok]
    m = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    _, comp = connected_components(m, directed=False)
    deg = np.bincount(np.concatenate([a, b]), minlength=n)
    names = nodes["nm"].fillna("").astype(str).to_numpy()
    d = pd.DataFrame({"i": np.arange(n), "comp": comp, "deg": deg, "nm": names, "half": _label_half_width(names)})
    d["size"] = d.groupby("comp")["i"].transform("size").to_numpy()
    # hub: highest degree, then name; the others in a row below it
    d = d.sort_values(["comp", "deg", "nm"], ascending=[True, False, True], kind="stable")
    d["pos"] = d.groupby("comp").cumcount()
    first = d.groupby("comp")["nm"].transform("first")
    d["key_size"] = -d["size"]
    comps = (d.drop_duplicates("comp").assign(first=first)
             .sort_values(["key_size", "first"], kind="stable")["comp"].to_numpy())
    slot = (2 * d.groupby("comp")["half"].transform("max") + 16.0).to_numpy()
    k_row = (d["size"] - 1).to_numpy()
    pos = d["pos"].to_numpy()
    lx = np.where(pos == 0, 0.0, (pos - 1 - (k_row - 1) / 2.0) * slot)
    ly = np.where(pos == 0, 0.0, 110.0)
    box_w = pd.Series(np.maximum(slot, k_row * slot), index=d["comp"].to_numpy()).groupby(level=0).first()
    box_h = pd.Series(np.where(k_row > 0, 200.0, 80.0), index=d["comp"].to_numpy()).groupby(level=0).first()
    w, h = box_w.reindex(comps).to_numpy(), box_h.reindex(comps).to_numpy()
    # shelf packing of the boxes, rows about 1.6 times as wide as the whole area is high
    row_w = max(float(w.max()), float(np.sqrt(np.sum(w * h))) * 1.6)
    cx, cy = np.zeros(len(comps)), np.zeros(len(comps))
    x0 = top = row_h = 0.0
    for j in range(len(comps)):
        if x0 > 0 and x0 + w[j] > row_w:
            x0, top, row_h = 0.0, top + row_h, 0.0
        cx[j], cy[j] = x0 + w[j] / 2, top + 20.0
        x0 += w[j]
        row_h = max(row_h, h[j])
    center = pd.DataFrame({"cx": cx, "cy": cy}, index=comps)
    x = np.zeros(n)
    y = np.zeros(n)
    i = d["i"].to_numpy()
    x[i] = lx + center["cx"].reindex(d["comp"].to_numpy()).to_numpy()
    y[i] = ly + center["cy"].reindex(d["comp"].to_numpy()).to_numpy()
    return x, y


def _layout_org(ctx: _Ctx, nodes: pd.DataFrame, edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Radial BFS tree around the focal org."""
    oid, tree_parent = ctx._cache["org_tree"]
    ids = nodes["id"].to_numpy(dtype=object)
    parents = _obj([tree_parent.get(i) for i in ids])
    order = (nodes["type"].astype(str) + "|" + nodes["nm"].fillna("").astype(str)).to_numpy()
    return lay.radial_tree(ids, parents, order=order, gap=150.0, spacing=60.0)
