"""Scenes: what each kind of view selects (nodes, links, marks, panels), before styling."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from ..analyses.toolkit import natural_key, positions
from ..analyses.toolkit import isin, join_names
from ..core.errors import GraphkitError
from ._view_base import _NO_GROUP, _bi, _Ctx, _ix, _obj, _Only, _Scene, _sort_str
from ._view_layout import _layout_chain, _layout_components, _layout_district, _layout_grouped, _layout_org


def _edges_between(ctx: _Ctx, ids: dict[str, np.ndarray], *, by: Iterable[str] | None = None) -> pd.DataFrame:
    allowed = np.concatenate([_obj(v) for v in ids.values()]) if ids else _obj([])
    types = [t for t, v in ids.items() if len(v)]
    e = ctx.links(types, by=by)
    index, f, t = ctx.link_codes(types, by=by)
    ok = np.zeros(len(index) + 1, dtype=bool)  # the last slot: ends that are missing (code -1)
    pos = positions(allowed, index)
    ok[pos[pos >= 0]] = True
    keep = ok[f] & ok[t]
    return e[keep].reset_index(drop=True)


def _only(index: pd.Index, values: np.ndarray, only: Iterable[str]) -> np.ndarray:
    """Which ``values`` are in ``only`` (``index``: the unique ``values``, in order; its hash table is reused)."""
    keep = np.zeros(len(index), dtype=bool)
    pos = index.get_indexer(_ix(only if isinstance(only, np.ndarray) else list(only)))
    keep[pos[pos >= 0]] = True
    if len(index) == len(values):
        return keep
    return keep[index.get_indexer(_ix(values))]


def _member_rows(ctx: _Ctx, orgs: np.ndarray) -> np.ndarray:
    """Which active memberships have one of ``orgs`` as member (as ``isin(mem["member"], orgs)``)."""
    index = ctx.org_index()
    pos = ctx.once("mem_member_pos", lambda: index.get_indexer(ctx.memberships["member"].to_numpy(dtype=object)))
    ok = np.zeros(len(index) + 1, dtype=bool)  # the last slot: members that are not orgs (-1)
    p = positions(orgs, index)
    ok[p[p >= 0]] = True
    return ok[pos]


def _find(ctx: _Ctx, type_name: str, name: str | None, *, what: str, frame: pd.DataFrame | None = None,
          choices: pd.DataFrame | None = None) -> pd.Series:
    """The record of ``type_name`` whose name is ``name`` (exact, else a unique substring).

    ``choices`` (default: the records searched) are the names offered when none matches, in natural
    order (第二片区 before 第十片区).
    """
    t = ctx.graph.tables[type_name] if frame is None else frame
    col = "name" if "name" in t else "title"
    names = t[col].astype(object)
    offer = names if choices is None else choices[col].astype(object)
    if not name:
        sample = join_names(sorted(offer.dropna().astype(str).unique(), key=natural_key), limit=10)
        raise GraphkitError(f"请用 --name 指定{what} / give the {ctx.model[type_name].label['en'].lower()} with "
                            f"--name (name=...); 可选 choices: {sample or '（无 none）'}")
    hit = t[names == name]
    if len(hit) == 0:
        hit = t[names.fillna("").astype(str).str.contains(name, regex=False)]
    if len(hit) == 1:
        return hit.iloc[0]
    if len(hit) > 1:
        raise GraphkitError(f"“{name}”匹配到多个{what} / {name!r} matches several: "
                            f"{join_names(sorted(hit[col].astype(str), key=natural_key), limit=10)}；请写全名 / give the full name")
    sample = join_names(sorted(offer.dropna().astype(str).unique(), key=natural_key), limit=10)
    raise GraphkitError(f"找不到{what}“{name}” / no {ctx.model[type_name].label['en'].lower()} named {name!r}; "
                        f"可选 choices: {sample or '（无 none）'}")


def _town_groups(ctx: _Ctx, orgs: np.ndarray) -> tuple[pd.Series, pd.Series]:
    town = ctx.facts["town"].reindex(pd.Index(orgs, dtype=object)).to_numpy(dtype=object)
    grp = pd.Series(np.where(pd.notna(town), town, _NO_GROUP).astype(object), index=pd.Index(orgs, dtype=object),
                    dtype=object)
    names = ctx.names("Place")
    gids = sorted(set(grp))
    gnames = pd.Series({g: (f"{ctx.county or '县'}直属及未填镇 county level / no town" if g == _NO_GROUP
                            else str(names.get(g, g))) for g in gids}, dtype=object)
    return grp, gnames


def _town_filter(ctx: _Ctx, name: str | None) -> set[str] | None:
    if not name:
        return None
    places = ctx.graph.tables["Place"]
    towns = places[isin(places["id"], ctx.facts["town"].dropna())]
    row = _find(ctx, "Place", name, what="镇(街道)", frame=towns)
    return {str(row["id"])}


# -- county -----------------------------------------------------------------------------------------

def _scene_county(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    orgs = _obj(ctx.graph.tables["Organization"]["id"].to_numpy())
    if only is not None:
        orgs = orgs[_only(ctx.org_index(), orgs, only)]
    grp, gnames = _town_groups(ctx, orgs)
    groups = _town_filter(ctx, name)
    if groups is not None:
        orgs = orgs[isin(grp, groups)]
    mem = ctx.memberships
    collabs = _obj(sorted(set(mem["organization"].to_numpy(dtype=object)[_member_rows(ctx, orgs)])))
    ids = {"Organization": _sort_str(orgs), "Collaboration": collabs}
    edges = _edges_between(ctx, ids)
    where = "、".join(str(gnames.get(g, g)) for g in sorted(groups)) if groups is not None else ""
    title = f"{ctx.county}{where}党组织联建网络 / Joint-building network{' of ' + ctx.county if ctx.county else ''}"
    sub = (f"党组织 {len(ids['Organization'])} 个 orgs · 联建组织 {len(collabs)} 个 collaborations · "
           f"截至 as of {ctx.ts.date()}")
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_grouped,
                  color_by=ctx.color_by or "sector", group_of_org=grp, group_names=gnames,
                  rebuild=lambda only_: _scene_county(ctx, name, only_))


# -- district -------------------------------------------------------------------------------------

def _scene_district(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    col = ctx.graph.tables["Collaboration"]
    shown = isin(col["kind"], ctx.model.collab_kinds(view="district"))
    collab = _find(ctx, "Collaboration", name, what="联建组织（片区）",
                   choices=col[shown] if shown.any() else None)
    cid = str(collab["id"])
    mem = ctx.memberships[ctx.memberships["organization"] == cid]
    members = _obj(sorted(set(mem["member"])))
    acts = ctx.graph.tables["Activity"]
    lo = ctx.ts - pd.DateOffset(years=1)
    acts = acts[(acts["group"] == cid) & (acts["date"] > lo) & (acts["date"] <= ctx.ts)]
    persons = [collab["guide"]] if pd.notna(collab.get("guide")) else []
    if only is not None:
        members = members[isin(members, only)]
    ids = {"Collaboration": _obj([cid]), "Organization": members, "Person": _obj(sorted(persons)),
           "Activity": _obj(sorted(acts["id"]))}
    edges = _edges_between(ctx, ids)
    kinds = ctx.model.codelists["collab_kind"]
    roles = ctx.model.codelists["role"]
    labels: dict[str, str] = {}
    marks: dict[str, str] = {}
    names = ctx.names("Organization")
    for row in mem.itertuples(index=False):  # one district: tens of rows
        lab = str(names.get(row.member, row.member))
        if row.role == "lead":
            marks[row.member] = "lead"
            lab += f"\n（{roles.zh('lead')}）"
        if pd.notna(row.host_month):
            lab += f"\n轮值 {int(row.host_month)} 月"
        labels[row.member] = lab
    widths = {str(e): 4.0 for e in mem.loc[mem["role"] == "lead", "id"]}
    kind_zh = kinds.zh(collab["kind"]) if collab["kind"] in kinds.codes else str(collab["kind"])
    title = f"{collab['name']}（{kind_zh}）/ {kinds.en(collab['kind']) if collab['kind'] in kinds.codes else 'Group'}"
    sub = (f"成员单位 {len(members)} 个 members · 近 12 个月活动 {len(acts)} 次 activities in the last 12 months · "
           f"截至 as of {ctx.ts.date()}")
    host_months = mem.dropna(subset=["host_month"])
    leads = names.reindex(mem.loc[mem["role"] == "lead", "member"]).tolist()
    panel_rows = [["牵头单位 Lead", join_names(leads, limit=8) or "—"],
                  ["联片指导 Guide", str(ctx.names("Person").get(persons[0], "")) if persons else "—"],
                  ["轮值月份 Hosting months", "、".join(str(int(m)) for m in sorted(host_months["host_month"])) or "—"],
                  ["活动（近12个月）Activities", str(len(acts))]]
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_district, marks=marks,
                  labels=labels, edge_widths=widths, color_by=ctx.color_by or "sector",
                  panels=[{"title": "片区概况 Summary", "rows": panel_rows}],
                  rebuild=lambda only_: _scene_district(ctx, name, only_))


# -- chain ---------------------------------------------------------------------------------------------

def _scene_chain(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    chains = ctx.graph.tables["IndustryChain"]
    collabs_all = ctx.active_nodes("Collaboration")
    if name and (chains["name"] == name).any():
        chain = chains[chains["name"] == name].iloc[0]
    elif name and ((collabs_all["name"] == name) & collabs_all["chain"].notna()).any():
        c = collabs_all[(collabs_all["name"] == name) & collabs_all["chain"].notna()].iloc[0]
        chain = chains[chains["id"] == c["chain"]].iloc[0]
    else:
        chain = _find(ctx, "IndustryChain", name, what="产业链")
    chid = str(chain["id"])
    stages = ctx.graph.tables["ChainStage"]
    stages = stages[stages["chain"] == chid]
    collabs = collabs_all.loc[collabs_all["chain"] == chid, "id"]
    mem = ctx.memberships[isin(ctx.memberships["organization"], set(collabs))]
    members = _obj(sorted(set(mem["member"])))
    if only is not None:
        members = members[isin(members, only)]
    ids = {"IndustryChain": _obj([chid]), "ChainStage": _obj(sorted(stages["id"])),
           "Collaboration": _obj(sorted(collabs)), "Organization": members}
    edges = _edges_between(ctx, ids)
    staffed = set(mem.loc[isin(mem["member"], members), "stage"].dropna())
    empty = stages.loc[~isin(stages["id"], staffed), "name"].astype(str).tolist()
    marks = {str(s): "empty_stage" for s in stages.loc[~isin(stages["id"], staffed), "id"]}
    marks.update({str(m): "lead" for m in mem.loc[(mem["role"] == "lead") & isin(mem["member"], members), "member"]})
    ordered = stages.sort_values("order")
    labels = {str(r.id): f"{int(r.order)}. {r.name}" for r in ordered.itertuples(index=False)}
    title = f"{chain['name']}产业链 链上联建 / Industry chain: {chain['name']}"
    sub = (f"环节 {len(stages)} 个 stages · 成员党组织 {len(members)} 个 member orgs · 截至 as of {ctx.ts.date()}")
    panel = [["环节 Stages", " → ".join(ordered["name"].astype(str)) or "—"],
             ["无党组织覆盖的环节 Stages without a party org", "、".join(empty) or "无 none"]]
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_chain, marks=marks, labels=labels,
                  color_by=ctx.color_by or "sector", panels=[{"title": "产业链概况 Summary", "rows": panel}],
                  rebuild=lambda only_: _scene_chain(ctx, name, only_))


# -- pairing -------------------------------------------------------------------------------------------

def _pairing_base(ctx: _Ctx) -> dict[str, Any]:
    """What the pairing view needs that does not depend on the org subset (computed once per view)."""
    from ..analyses.pairing import pairing_gaps

    def build() -> dict[str, Any]:
        gaps = ctx.once("gaps", lambda: pairing_gaps(ctx.graph, as_of=ctx.ts, max_per_strong=ctx.max_per_strong))
        p = ctx.graph.tables["Pairing"]
        started = p["start"].isna() | (p["start"] <= ctx.ts)
        p = p[started]
        expired = (p["end"].notna() & (p["end"] < ctx.ts)).to_numpy()
        unpaired = _obj(gaps["unpaired_weak"]["org_id"].to_numpy())
        orgs = _obj(sorted(set(p["strong"]) | set(p["weak"]) | set(unpaired)))
        uw, wss, ov, ended = (gaps["unpaired_weak"], gaps["weak_strong_side"], gaps["overloaded_strong"],
                              gaps["ended_without_successor"])
        marks: dict[str, str] = {}
        flag_text: dict[str, list[str]] = {}
        reason_zh = {"no_pairing": "没有结对 no pairing", "partner_not_strong": "帮扶方不是一类 partner not 一类"}
        for o, r in zip(uw["org_id"], uw["reason"]):  # one step per flagged org
            marks[str(o)] = "unpaired_weak"
            flag_text.setdefault(str(o), []).append("未结对后进 unpaired weak：" + reason_zh.get(str(r), str(r)))
        for o, k in zip(ov["org_id"], ov["pairs"]):
            marks.setdefault(str(o), "overloaded_strong")
            flag_text.setdefault(str(o), []).append(f"帮扶任务过重 overloaded：{int(k)} 对 pairs > {ctx.max_per_strong}")
        for o in wss["strong_id"]:
            marks.setdefault(str(o), "weak_strong_side")
            flag_text.setdefault(str(o), []).append("帮扶方不是一类 strong side not 一类")
        for o in ended["weak_id"]:
            flag_text.setdefault(str(o), []).append("结对到期未接续 ended without successor")
        flags = pd.Series({k: "；".join(v) for k, v in flag_text.items()}, dtype=object)
        flags.index = pd.Index(_obj(flags.index), dtype=object)
        return {"p": p, "expired": expired, "orgs": orgs, "org_index": pd.Index(orgs, dtype=object), "gaps": gaps,
                "marks": marks, "flags": flags}
    return ctx.once("pairing_base", build)


def _scene_pairing(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    base = _pairing_base(ctx)
    gaps, p, expired = base["gaps"], base["p"], base["expired"]
    orgs = base["orgs"]
    grp, gnames = ctx.once("pairing_groups", lambda: _town_groups(ctx, orgs))
    groups = _town_filter(ctx, name)
    if groups is not None:
        orgs = orgs[isin(grp.reindex(orgs), groups)]
    if only is not None:
        orgs = orgs[_only(base["org_index"], orgs, only)]
    ids = {"Organization": orgs}
    keep = isin(p["strong"], orgs) & isin(p["weak"], orgs)
    pk = p[keep]
    ex = expired[keep]
    rel = ctx.model["Pairing"].edge.rel  # type: ignore[union-attr]
    edges = pd.DataFrame({"id": _obj(pk["id"].to_numpy()), "from": _obj(pk["strong"].to_numpy()),
                          "to": _obj(pk["weak"].to_numpy()), "rel": rel, "by": "Pairing"})
    edges = edges.sort_values("id", kind="stable").reset_index(drop=True)
    ex_ids = set(pk.loc[ex, "id"])
    label = _bi(ctx.model["Pairing"].label)
    edge_groups = {str(i): (f"{rel}:expired", f"{label}（已到期 expired）", True) for i in ex_ids}
    uw, wss, ov, ended = (gaps["unpaired_weak"], gaps["weak_strong_side"], gaps["overloaded_strong"],
                          gaps["ended_without_successor"])
    n_org = len(orgs)
    title = f"{ctx.county}结对共建网络 / Pairing network{' of ' + ctx.county if ctx.county else ''}"
    sub = (f"党组织 {n_org} 个 orgs · 结对 {len(edges)} 对 pairs（已到期 {len(ex_ids)} expired）· "
           f"截至 as of {ctx.ts.date()}")
    in_view = orgs
    panel = [["未结对的后进党组织 Unpaired weak orgs", str(int(isin(uw["org_id"], in_view).sum()))],
             ["帮扶方不是一类的结对 Pairs whose strong side is not 一类", str(int(isin(wss["weak_id"], in_view).sum()))],
             [f"帮扶任务过重（>{ctx.max_per_strong} 对）Overloaded strong orgs", str(int(isin(ov["org_id"], in_view).sum()))],
             ["已到期结对 Expired pairs", str(len(ex_ids))],
             ["到期未接续 Ended without successor", str(int(isin(ended["weak_id"], in_view).sum()))]]
    extra = {"flags": ("结对问题 Pairing gaps", base["flags"])}
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_components, marks=base["marks"],
                  edge_groups=edge_groups, extra_facts=extra, color_by=ctx.color_by or "sector",
                  panels=[{"title": f"结对缺口 Pairing gaps（截至 {ctx.ts.date()}）", "rows": panel}],
                  group_of_org=grp, group_names=gnames, rebuild=lambda only_: _scene_pairing(ctx, name, only_))


# -- org neighbourhood ------------------------------------------------------------------------------------

_NEIGHBOUR_TYPES = ("Organization", "Collaboration", "Person", "Unit")


def _scene_org(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    org = _find(ctx, "Organization", name, what="党组织")
    oid = str(org["id"])
    types = [t for t in _NEIGHBOUR_TYPES if t in ctx.model]
    e = ctx.links(types)
    collab_set = set(ctx.active_nodes("Collaboration")["id"])
    alive = pd.Index(np.concatenate([_obj(ctx.graph.tables[t]["id"].to_numpy()) if t != "Collaboration"
                                     else _obj(sorted(collab_set)) for t in types]))
    e = e[isin(e["from"], alive) & isin(e["to"], alive)]
    a = np.concatenate([_obj(e["from"].to_numpy()), _obj(e["to"].to_numpy())])
    b = np.concatenate([_obj(e["to"].to_numpy()), _obj(e["from"].to_numpy())])
    adj = pd.DataFrame({"a": a, "b": b})
    tree_parent: dict[str, str | None] = {oid: None}
    frontier = {oid}
    for _hop in range(max(1, ctx.radius)):
        nb = adj[isin(adj["a"], frontier) & ~isin(adj["b"], set(tree_parent))]
        nb = nb.sort_values(["b", "a"], kind="stable").drop_duplicates("b")
        new = dict(zip(nb["b"], nb["a"]))
        tree_parent.update(new)
        # collaborations are transparent: their members are the org's partners
        via = [c for c in new if c in collab_set]
        nb2 = adj[isin(adj["a"], via) & ~isin(adj["b"], set(tree_parent))]
        nb2 = nb2.sort_values(["b", "a"], kind="stable").drop_duplicates("b")
        new2 = dict(zip(nb2["b"], nb2["a"]))
        tree_parent.update(new2)
        frontier = set(new) | set(new2)
    chosen = pd.Index(sorted(tree_parent))
    ids = {t: _obj(sorted(chosen.intersection(ctx.graph.tables[t]["id"]))) for t in types}
    if only is not None:
        keep = isin(ids["Organization"], only) | (ids["Organization"] == oid)
        ids["Organization"] = ids["Organization"][keep]
    ids = {t: v for t, v in ids.items() if len(v)}
    edges = _edges_between(ctx, ids)
    title = f"{org['name']} 的联建关系 / Neighbourhood of {org['name']}"
    sub = f"相关节点 {sum(len(v) for v in ids.values())} 个 nodes · 截至 as of {ctx.ts.date()}"
    marks = {oid: "focus"}
    scene = _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_org, marks=marks,
                   color_by=ctx.color_by or "sector", rebuild=lambda only_: _scene_org(ctx, name, only_))
    ctx._cache["org_tree"] = (oid, tree_parent)
    return scene


# -- clusters ---------------------------------------------------------------------------------------------

#: community detection algorithms as the cluster view's subtitle names them
_ALGORITHMS = {"leiden": "Leiden", "louvain": "Louvain", "none": "无 none", "": "未知 unknown"}


def _scene_cluster(ctx: _Ctx, name: str | None, only: _Only | None = None) -> _Scene:
    from ..analyses.clusters import detect_clusters

    cl = ctx.once("clusters", lambda: detect_clusters(ctx.graph, as_of=ctx.ts, seed=ctx.seed))

    def groups_of() -> tuple[pd.Series, pd.Series]:
        grp = pd.Series(_obj(("cluster-" + cl["cluster"].astype(int).astype(str)).to_numpy()),
                        index=pd.Index(_obj(cl["org_id"].to_numpy()), dtype=object))
        sizes = cl.groupby("cluster").size()
        gnames = pd.Series({f"cluster-{int(c)}": f"集群 {int(c)} Cluster {int(c)}（{int(n)} 个 orgs）"
                            for c, n in sizes.items()}, dtype=object)
        return grp, gnames
    grp, gnames = ctx.once("cluster_groups", groups_of)
    groups = None
    if name:
        key = str(name).strip().removeprefix("cluster-").removeprefix("集群").strip()
        if not key.isdigit() or f"cluster-{int(key)}" not in gnames.index:
            raise GraphkitError(f"没有集群 {name!r} / no cluster {name!r}; 集群编号 1–{len(gnames)} / clusters are "
                                f"numbered 1–{len(gnames)}")
        groups = {f"cluster-{int(key)}"}
    orgs = _obj(grp.index.to_numpy())
    if groups is not None:
        orgs = orgs[isin(grp, groups)]
    if only is not None:
        orgs = orgs[_only(grp.index, orgs, only)]
    mem = ctx.memberships
    collabs = _obj(sorted(set(mem["organization"].to_numpy(dtype=object)[_member_rows(ctx, orgs)])))
    ids = {"Organization": _sort_str(orgs), "Collaboration": collabs}
    edges = _edges_between(ctx, ids, by=("Membership", "Pairing"))
    facts = {"cluster": ("集群 Cluster", {str(o): str(g).replace("cluster-", "") for o, g in grp.reindex(orgs).items()})}
    backend = str(cl.attrs.get("backend", ""))
    title = f"{ctx.county}联建集群 / Joint-building clusters{' of ' + ctx.county if ctx.county else ''}"
    sub = (f"集群 {grp.reindex(orgs).nunique()} 个 clusters · 党组织 {len(orgs)} 个 orgs · "
           f"截至 as of {ctx.ts.date()}（算法 algorithm {_ALGORITHMS.get(backend, backend)}，随机种子 seed {ctx.seed}）")
    return _Scene(title=title, subtitle=sub, ids=ids, edges=edges, layout=_layout_grouped, extra_facts=facts,
                  color_by=ctx.color_by or "cluster", group_of_org=grp, group_names=gnames,
                  group_word=("集群", "cluster"), rebuild=lambda only_: _scene_cluster(ctx, name, only_))


_SCENES: dict[str, Callable[..., _Scene]] = {
    "county": _scene_county, "district": _scene_district, "chain": _scene_chain, "pairing": _scene_pairing,
    "org": _scene_org, "cluster": _scene_cluster,
}
