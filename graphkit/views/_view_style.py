"""Styling: node colours and legends, link groups and their toggles."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..analyses.toolkit import mechanisms, natural_key
from ..analyses.toolkit import isin
from ..core.errors import GraphkitError
from ._view_base import COLOR_BY, _bi, _Ctx, _ix, _obj, _Scene

# Presentation only (not a list of types: types missing here get the defaults).
_TYPE_SHAPE = {"Collaboration": "hexagon", "Person": "star", "Activity": "square", "IndustryChain": "box",
               "ChainStage": "box", "Unit": "triangleDown", "Place": "dot"}
_PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f",
            "#17becf", "#bcbd22", "#8c564b", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#e377c2", "#7f7f7f",
            "#aec7e8", "#ffbb78"]
_MECH_PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#d62728", "#17becf", "#bcbd22"]
_CATEGORY_COLORS = ["#2ca02c", "#1f77b4", "#d62728"]  # 一类 / 二类 / 三类, by code-list order
_CATEGORY_SHAPES = ["diamond", "dot", "triangle"]
_EDGE_PALETTE = ["#7f7f7f", "#8c564b", "#bcbd22", "#9e9e9e", "#17becf", "#9467bd", "#c49c94", "#e377c2",
                 "#2ca02c", "#ff7f0e", "#dbdb8d", "#7f7f7f", "#1f77b4", "#d62728", "#98df8a", "#c5b0d5"]
_NONE_COLOR = "#c7c7c7"
_NONE_LABEL = "（未填）not given"
_MULTI_COLOR = "#6a3d9a"
_TYPE_COLORS = {"Person": "#f1c40f", "Activity": "#b0bec5", "IndustryChain": "#8d6e63", "ChainStage": "#d7ccc8",
                "Unit": "#80cbc4", "Place": "#90a4ae"}
# Marks: node border overrides (one per node; 软弱涣散 only where a view sets no other mark).
_MARKS = {
    "unpaired_weak": ("#d62728", 5, False, "未结对的后进党组织", "weak org without a strong partner"),
    "weak_strong_side": ("#9467bd", 4, True, "帮扶方不是一类", "strong side is not 一类"),
    "overloaded_strong": ("#ff7f0e", 5, False, "帮扶任务过重", "strong org carrying too many pairs"),
    "focus": ("#000000", 5, False, "所查看的党组织", "the org in question"),
    "lead": ("#b8860b", 4, False, "牵头单位", "lead unit"),
    "empty_stage": ("#d62728", 4, True, "无党组织覆盖的环节", "stage without a party org"),
    "weak_lax": ("#8b0000", 3, True, "软弱涣散", "weak and lax"),
}


# ---- styling and facts ------------------------------------------------------------------------------------

def _codes_palette(codes: Sequence[str], palette: Sequence[str]) -> dict[str, str]:
    return {c: palette[i % len(palette)] for i, c in enumerate(codes)}


def _org_color(ctx: _Ctx, scene: _Scene, org_ids: np.ndarray) -> tuple[np.ndarray, list[dict[str, Any]], str]:
    """Colour of each org and the legend entries, by ``scene.color_by``."""
    by = scene.color_by
    f = ctx.facts.reindex(_ix(org_ids))
    model = ctx.model
    if by in ("sector", "category"):
        cl = model.codelists[by]
        pal = _codes_palette(cl.codes, _CATEGORY_COLORS if by == "category" and len(cl.codes) <= 3 else _PALETTE)
        vals = f[by].to_numpy(dtype=object)
        colors = np.array([pal.get(v, _NONE_COLOR) for v in vals], dtype=object)
        present = set(vals)
        items = [{"label": f"{cl.zh(c)} {cl.en(c)}", "color": pal[c]} for c in cl.codes if c in present]
        if any(v not in pal for v in vals):
            items.append({"label": _NONE_LABEL, "color": _NONE_COLOR})
        return colors, items, _bi(cl.label)
    if by == "mechanism":
        mechs = mechanisms(model)
        pal = _codes_palette([m[0] for m in mechs], _MECH_PALETTE)
        mm = _org_mechanisms(ctx, org_ids)
        n_mech = mm.groupby("org_id").size()
        first = mm.drop_duplicates("org_id").set_index("org_id")["mechanism"].map(pal)
        n = n_mech.reindex(org_ids).fillna(0).to_numpy()
        one = first.reindex(org_ids).to_numpy(dtype=object)
        colors = np.where(n == 0, _NONE_COLOR, np.where(n == 1, one, _MULTI_COLOR)).astype(object)
        items = [{"label": f"{zh} {en}", "color": pal[code]} for code, zh, en in mechs]
        items += [{"label": "多种机制 several mechanisms", "color": _MULTI_COLOR},
                  {"label": "未参与联建 no joint building", "color": _NONE_COLOR}]
        return colors, items, "联建机制 Mechanism"
    if by in ("town", "cluster"):
        # colours keyed by the whole graph's towns / cluster numbers, so pages agree with each other
        if by == "town":
            def towns() -> tuple[pd.Series, dict[int, str]]:
                names = ctx.names("Place")
                all_towns = sorted(set(ctx.facts["town"].dropna()), key=lambda t: (natural_key(names.get(t, t)), str(t)))
                return (pd.Series(np.arange(len(all_towns)), index=_obj(all_towns), dtype="float64"),
                        {i: str(names.get(t, t)) for i, t in enumerate(all_towns)})
            rank, label_of = ctx.once("town_rank", towns)
            key = f["town"].map(rank)
        else:
            cl_table = ctx._cache.get("clusters")
            number = (ctx.once("cluster_number", lambda: pd.Series(cl_table["cluster"].to_numpy(dtype=np.float64),
                                                                   index=_obj(cl_table["org_id"].to_numpy())))
                      if cl_table is not None else pd.Series(dtype="float64"))
            key = pd.Series(org_ids).map(number) - 1
            label_of = {int(i): f"集群 {int(i) + 1} cluster" for i in sorted(set(key.dropna()))}
        k = key.to_numpy(dtype=np.float64)
        ok = ~np.isnan(k)
        colors = np.full(len(org_ids), _NONE_COLOR, dtype=object)
        colors[ok] = np.asarray(_PALETTE, dtype=object)[k[ok].astype(np.int64) % len(_PALETTE)]
        shown = sorted({int(i) for i in k[ok]})
        items = [{"label": label_of[i], "color": _PALETTE[i % len(_PALETTE)]} for i in shown[:20]]
        if len(shown) > 20:
            items.append({"label": f"… 共 {len(shown)} 个，颜色循环使用 colours repeat", "color": _NONE_COLOR})
        if not ok.all():
            items.append({"label": _NONE_LABEL, "color": _NONE_COLOR})
        return colors, items, "镇(街道) Town" if by == "town" else "集群 Cluster"
    raise GraphkitError(f"不支持的着色方式 color_by={by!r}；可选 choices: {', '.join(COLOR_BY)}")


def _org_mechanisms(ctx: _Ctx, org_ids: np.ndarray) -> pd.DataFrame:
    """``(org_id, mechanism)`` of the orgs, as declared in ``schema/mechanisms.yaml``."""
    model = ctx.model
    kind_key = {m.collaboration_kind: m.key for m in model.mechanisms if m.collaboration_kind is not None}
    mem = ctx.memberships
    a = mem.loc[isin(mem["member"], org_ids) & isin(mem["kind"], list(kind_key)), ["member", "kind"]].rename(
        columns={"member": "org_id", "kind": "mechanism"})
    a["mechanism"] = a["mechanism"].map(kind_key)
    frames = [a]
    for m in model.link_mechanisms():
        assert m.link is not None
        edge = model[m.link].edge
        assert edge is not None
        p = ctx.active_nodes(m.link)
        ends = np.concatenate([_obj(p[edge.source].to_numpy()), _obj(p[edge.target].to_numpy())])
        b = pd.DataFrame({"org_id": ends, "mechanism": m.key})
        frames.append(b[isin(b["org_id"], org_ids)])
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def _group_keys(edges: pd.DataFrame, special: dict[str, tuple[str, str, bool]]) -> np.ndarray:
    """Toggle group of each edge: its relationship type, or a special group (e.g. expired pairs)."""
    rel = edges["rel"].to_numpy(dtype=object)
    if not special or not len(edges):
        return rel.copy()
    sp = edges["id"].map({k: v[0] for k, v in special.items()})
    return np.where(sp.notna().to_numpy(), sp.to_numpy(dtype=object), rel)


def _link_groups(ctx: _Ctx, keys: np.ndarray, weights: np.ndarray,
                 special: dict[str, tuple[str, str, bool]]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Legend/toggle entries per link group, in the schema's relationship order, with counts."""
    rel_order = ctx.rel_order()
    rel_color = {r: _EDGE_PALETTE[i % len(_EDGE_PALETTE)] for i, r in enumerate(rel_order)}
    declared_ref = {r.rel: not r.is_link for r in ctx.model.relationships}
    spec = {v[0]: v for v in special.values()}
    counts = pd.Series(np.asarray(weights, dtype=np.float64)).groupby(pd.Series(keys, dtype=object)).sum()

    def order(k: str) -> tuple[int, str]:
        rel = k.split(":")[0]
        return (rel_order.index(rel) if rel in rel_order else len(rel_order), k)

    groups: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    for key in sorted(counts.index, key=order):
        rel = key.split(":")[0]
        sp = spec.get(key)
        index[key] = len(groups)
        groups.append({"key": key, "label": sp[1] if sp else ctx.rel_label(rel),
                       "color": "#9e9e9e" if sp else rel_color.get(rel, "#7f7f7f"),
                       "dashes": bool(sp[2] if sp else declared_ref.get(rel, False)),
                       "width": 1.0 if declared_ref.get(rel, False) else 2.0, "count": int(counts[key])})
    return groups, index


def _dominant_colors(ctx: _Ctx, scene: _Scene, orgs: np.ndarray,
                     group: pd.Series) -> tuple[dict[str, str], list[dict[str, Any]], str]:
    """Most common org colour per group (ties: the smallest colour code), the legend entries in use, the title."""
    colors, items, title = _org_color(ctx, scene, orgs)
    g_code, g_uniq = pd.factorize(pd.Series(group.to_numpy(dtype=object), dtype=object), sort=True)
    c_code, c_uniq = pd.factorize(pd.Series(_obj(colors), dtype=object), sort=True)
    ok = (g_code >= 0) & (c_code >= 0)
    table = np.zeros((len(g_uniq), len(c_uniq)), dtype=np.int64)
    np.add.at(table, (g_code[ok], c_code[ok]), 1)
    seen = table.sum(axis=1) > 0
    top = _obj(c_uniq)[table.argmax(axis=1)] if len(c_uniq) else _obj([None] * len(g_uniq))
    dominant = {g: c for g, c, s in zip(_obj(g_uniq).tolist(), top.tolist(), seen.tolist()) if s}
    used = set(dominant.values())
    return dominant, [i for i in items if i.get("color") in used], title
