"""The baseline: graphkit's analyses written the plain way a notebook user would write them.

Read the Parquet tables of a graph folder with pandas, build a networkx ``MultiDiGraph`` row by
row (``itertuples`` + ``add_node`` / ``add_edge``), then answer the same questions with loops over
nodes and edges: coverage, pairing gaps, pairing suggestions (``networkx.max_flow_min_cost``),
clusters (``networkx`` Louvain, seeded), chain alliances / brokers / isolated orgs, and district
cadence. It is meant to be honest, not
deliberately slow: dict look-ups, one pass per question, no quadratic scans where a notebook user
would obviously avoid them. Ledger loading is compared with ``pandas.read_excel`` (openpyxl) /
``pandas.read_csv``.

The node and relationship types come from the schema declaration (``graphkit.load_schema``), the
same graph ``Graph.to_networkx`` would give; only the loops are plain.

Stage functions take a :class:`_measure.Timer` first (see ``benchmarks/_measure.py``) and are run
in their own process by ``benchmarks/run.py``.

Examples
--------
>>> import graphkit as gk, tempfile
>>> out = gk.write_graph(gk.build_graph(gk.sample_path()), tempfile.mkdtemp() + "/g")  # doctest: +SKIP
>>> G = build_nx(out)                                                                     # doctest: +SKIP
>>> sorted(coverage(G, as_of=pd.Timestamp("2024-12-31")))                                 # doctest: +SKIP
['by_town', 'chain_stages', 'two_coverages', 'villages', 'weak']
"""
from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

__all__ = ["build_nx", "coverage", "pairing_gaps", "suggest_pairings", "clusters", "alliances", "cadence",
           "baseline_all", "baseline_load", "BASELINE_STAGES"]

#: Timed sections of :func:`baseline_all`, in order.
BASELINE_STAGES = ["nx_build", "coverage", "pairing_gaps", "suggest_pairings", "clusters", "chain_alliances", "cadence"]

_PROVENANCE = ("src_file", "src_sheet", "src_row", "src_hash")


def _missing(v: Any) -> bool:
    return v is None or (not isinstance(v, str) and pd.isna(v))


def _active(d: dict[str, Any], as_of: pd.Timestamp) -> bool:
    start, end = d.get("start"), d.get("end")
    return (_missing(start) or start <= as_of) and (_missing(end) or end >= as_of)


# ---- graph ---------------------------------------------------------------------------------------

def build_nx(graph_dir: str | Path) -> nx.MultiDiGraph:
    """Read ``graph_dir/tables/*.parquet`` with pandas and build a MultiDiGraph row by row.

    Nodes: every record of a node type, with its properties (``rtype`` = record type; not ``type``,
    which is a property of activities). Edges: each
    ``ref`` property (key = relationship type) and each n-ary link record (key = its id, attribute
    ``rel`` = relationship type, plus its properties).
    """
    import graphkit as gk

    model = gk.load_schema()
    tables = {t.name: pd.read_parquet(Path(graph_dir) / "tables" / f"{t.name}.parquet") for t in model}
    for rtype in model:  # Parquet dates come back as datetime.date objects
        for pname, prop in rtype.properties.items():
            if prop.type == "date":
                tables[rtype.name][pname] = pd.to_datetime(tables[rtype.name][pname])
    G = nx.MultiDiGraph()
    for rtype in model.node_types:
        df = tables[rtype.name].drop(columns=list(_PROVENANCE))
        for row in df.itertuples(index=False):
            attrs = row._asdict()
            node = attrs.pop("id")
            G.add_node(node, rtype=rtype.name, **attrs)
    for rel, _src, _tgt, by in model.relationship_types():
        if "." in by:
            tname, pname = by.split(".")
            df = tables[tname]
            for a, b in zip(df["id"], df[pname]):
                if not _missing(b):
                    G.add_edge(a, b, key=rel, rel=rel)
        else:
            edge = model[by].edge
            df = tables[by].drop(columns=list(_PROVENANCE))
            for row in df.itertuples(index=False):
                attrs = row._asdict()
                a, b = attrs.pop(edge.source), attrs.pop(edge.target)
                G.add_edge(a, b, key=attrs["id"], rel=rel, **attrs)
    return G


def _nodes(G: nx.MultiDiGraph, type_name: str) -> list[tuple[str, dict[str, Any]]]:
    return [(n, d) for n, d in G.nodes(data=True) if d.get("rtype") == type_name]


def _is_weak(d: dict[str, Any]) -> bool:
    return d.get("category") == "3" or d.get("weak_lax") is True


def _active_pairs(G: nx.MultiDiGraph, as_of: pd.Timestamp) -> list[tuple[str, str, dict[str, Any]]]:
    return [(u, v, d) for u, v, d in G.edges(data=True) if d.get("rel") == "PAIRED_WITH" and _active(d, as_of)]


# ---- coverage --------------------------------------------------------------------------------------

def coverage(G: nx.MultiDiGraph, *, as_of: pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Coverage by town (any mechanism and per mechanism), villages under joint committees, weak orgs
    with an active pairing, 两个覆盖 of units by town, and chain stages with members."""
    mechanisms: dict[str, set[str]] = defaultdict(set)
    stage_members: Counter[str] = Counter()
    jv_villages: set[Any] = set()
    for u, v, d in G.edges(data=True):
        rel = d.get("rel")
        if rel == "MEMBER_OF" and _active(d, as_of):
            kind = G.nodes[v].get("kind")
            mechanisms[u].add(kind)
            if not _missing(d.get("stage")):
                stage_members[d["stage"]] += 1
            if kind == "joint_village":
                village = G.nodes[u].get("village")
                if not _missing(village):
                    jv_villages.add(village)
        elif rel == "PAIRED_WITH" and _active(d, as_of):
            mechanisms[u].add("pairing")
            mechanisms[v].add("pairing")
    by_town: dict[Any, Counter[str]] = defaultdict(Counter)
    weak_total = weak_paired = 0
    paired_weak = {v for _u, v, _d in _active_pairs(G, as_of)}
    for n, d in _nodes(G, "Organization"):
        town = d.get("town")
        town = None if _missing(town) else town
        c = by_town[town]
        c["orgs"] += 1
        if mechanisms.get(n):
            c["covered"] += 1
            for m in mechanisms[n]:
                c[m] += 1
        if _is_weak(d):
            weak_total += 1
            weak_paired += n in paired_weak
    rows = [{"town": t, **c, "share": c["covered"] / c["orgs"]} for t, c in by_town.items()]
    villages = [n for n, d in _nodes(G, "Place") if d.get("kind") == "village"]
    units: dict[Any, Counter[str]] = defaultdict(Counter)
    for _n, d in _nodes(G, "Unit"):
        c = units[None if _missing(d.get("town")) else d["town"]]
        c["units"] += 1
        has_org = d.get("has_party_org") is True or not _missing(d.get("party_org"))
        c["org_covered"] += has_org
        c["work_covered"] += has_org or not _missing(d.get("linked_org")) or not _missing(d.get("instructor"))
    stages = [{"stage": n, "chain": d.get("chain"), "members": stage_members.get(n, 0)} for n, d in _nodes(G, "ChainStage")]
    return {
        "by_town": pd.DataFrame(rows),
        "villages": pd.DataFrame([{"villages": len(villages), "covered": len(jv_villages & set(villages))}]),
        "weak": pd.DataFrame([{"weak": weak_total, "paired": weak_paired}]),
        "two_coverages": pd.DataFrame([{"town": t, **c} for t, c in units.items()]),
        "chain_stages": pd.DataFrame(stages),
    }


# ---- pairing -------------------------------------------------------------------------------------

def pairing_gaps(G: nx.MultiDiGraph, *, as_of: pd.Timestamp, max_per_strong: int = 2,
                 rotation_years: int = 1) -> dict[str, pd.DataFrame]:
    """Unpaired weak orgs, pairs whose strong side is not 一类, overloaded strong orgs, districts and
    service teams without a 一类 member, pairs due for rotation, weak orgs whose pairing ended
    without a successor."""
    active = _active_pairs(G, as_of)
    paired_weak = {v for _u, v, _d in active}
    load: Counter[str] = Counter(u for u, _v, _d in active)
    unpaired = [n for n, d in _nodes(G, "Organization") if _is_weak(d) and n not in paired_weak]
    weak_strong_side = [d["id"] for u, _v, d in active if G.nodes[u].get("category") != "1"]
    overloaded = [{"strong": s, "pairs": k} for s, k in load.items() if k > max_per_strong]
    without_anchor = []
    for n, d in _nodes(G, "Collaboration"):
        if d.get("kind") not in ("district", "service_team"):
            continue
        members = [u for u, _v, e in G.in_edges(n, data=True) if e.get("rel") == "MEMBER_OF" and _active(e, as_of)]
        if not any(G.nodes[m].get("category") == "1" for m in members):
            without_anchor.append(n)
    due = [d["id"] for _u, _v, d in active if d["start"] + pd.DateOffset(years=rotation_years) <= as_of]
    ended = set()
    for _u, v, d in G.edges(data=True):
        if d.get("rel") == "PAIRED_WITH" and not _missing(d.get("end")) and d["end"] < as_of and v not in paired_weak:
            ended.add(v)
    return {
        "unpaired_weak": pd.DataFrame({"org_id": sorted(unpaired)}),
        "weak_strong_side": pd.DataFrame({"pairing_id": sorted(weak_strong_side)}),
        "overloaded_strong": pd.DataFrame(overloaded),
        "groups_without_anchor": pd.DataFrame({"group_id": sorted(without_anchor)}),
        "due_for_rotation": pd.DataFrame({"pairing_id": sorted(due)}),
        "ended_without_successor": pd.DataFrame({"org_id": sorted(ended)}),
    }


_LEVEL_RANK = {"province": 0, "city": 1, "county": 2, "town": 3, "village": 4}


def suggest_pairings(G: nx.MultiDiGraph, *, as_of: pd.Timestamp, capacity: int = 2) -> pd.DataFrame:
    """Assign unpaired weak orgs to 一类 orgs with spare capacity by min-cost flow
    (``networkx.max_flow_min_cost``), with graphkit's cost: 2 · [levels not neighbouring] +
    1 · [no shared industry chain]; former partners are not suggested.

    Only **same-town** candidates get an arc (a notebook user cannot afford every weak × strong
    pair: ~9,000 × 47,000 at province scale); graphkit also weighs cross-town partners (cost + 4)
    through hub nodes, so the baseline solves a smaller problem than graphkit does.
    """
    active = _active_pairs(G, as_of)
    paired_weak = {v for _u, v, _d in active}
    load: Counter[str] = Counter(u for u, _v, _d in active)
    former = {(v, u) for u, v, d in G.edges(data=True)
              if d.get("rel") == "PAIRED_WITH" and not _missing(d.get("end")) and d["end"] < as_of}
    chains: dict[str, set[Any]] = defaultdict(set)
    for u, v, d in G.edges(data=True):
        if d.get("rel") == "MEMBER_OF" and _active(d, as_of):
            chain = G.nodes[v].get("chain")
            if not _missing(chain):
                chains[u].add(chain)
    strong_by_town: dict[Any, list[str]] = defaultdict(list)
    weak = []
    for n, d in _nodes(G, "Organization"):
        if _missing(d.get("town")):
            continue
        if d.get("category") == "1" and load[n] < capacity:
            strong_by_town[d["town"]].append(n)
        elif _is_weak(d) and n not in paired_weak:
            weak.append(n)
    F = nx.DiGraph()
    for w in weak:
        dw = G.nodes[w]
        for s in strong_by_town.get(dw["town"], []):
            if (w, s) in former:
                continue
            ds = G.nodes[s]
            rank_w, rank_s = _LEVEL_RANK.get(dw.get("level")), _LEVEL_RANK.get(ds.get("level"))
            neighbouring = rank_w is not None and rank_s is not None and abs(rank_w - rank_s) <= 1
            cost = 2 * (not neighbouring) + (not (chains[s] & chains[w]))
            F.add_edge("S", ("w", w), capacity=1, weight=0)
            F.add_edge(("w", w), ("s", s), capacity=1, weight=int(cost))
            F.add_edge(("s", s), "T", capacity=capacity - load[s], weight=0)
    if not F.number_of_nodes():
        return pd.DataFrame(columns=["weak_id", "strong_id", "cost"])
    flow = nx.max_flow_min_cost(F, "S", "T")
    rows = [{"weak_id": a[1], "strong_id": b[1], "cost": F[a][b]["weight"]}
            for a, targets in flow.items() if isinstance(a, tuple) and a[0] == "w"
            for b, f in targets.items() if f > 0]
    return pd.DataFrame(rows, columns=["weak_id", "strong_id", "cost"]).sort_values(["weak_id", "strong_id"],
                                                                                   ignore_index=True)


# ---- clusters ------------------------------------------------------------------------------------

def clusters(G: nx.MultiDiGraph, *, as_of: pd.Timestamp, seed: int = 0) -> pd.DataFrame:
    """Louvain communities (networkx, seeded) on the org + collaboration graph: membership links
    (org–group) plus pairing links (org–org); then size and dominant town of each cluster."""
    H = nx.Graph()
    for u, v, d in G.edges(data=True):
        if d.get("rel") in ("MEMBER_OF", "PAIRED_WITH") and _active(d, as_of):
            H.add_edge(u, v)
    comms = nx.community.louvain_communities(H, seed=seed)
    rows = []
    for i, comm in enumerate(sorted(comms, key=lambda c: (-len(c), min(c)))):
        towns = Counter(G.nodes[n].get("town") for n in comm if G.nodes[n].get("rtype") == "Organization")
        rows.append({"cluster": i, "size": len(comm), "orgs": sum(towns.values()),
                     "main_town": towns.most_common(1)[0][0] if towns else None})
    return pd.DataFrame(rows)


def alliances(G: nx.MultiDiGraph, *, as_of: pd.Timestamp, min_groups: int = 2,
              min_component: int = 3) -> dict[str, pd.DataFrame]:
    """Chain alliances (stages covered, levels and sectors spanned), brokers (orgs in two or more
    groups) and isolated orgs (no link, or in a connected component of fewer than three orgs)."""
    stages_of_chain: dict[Any, set[str]] = defaultdict(set)
    for n, d in _nodes(G, "ChainStage"):
        stages_of_chain[d.get("chain")].add(n)
    rows = []
    groups_of: dict[str, set[str]] = defaultdict(set)
    H = nx.Graph()
    for u, v, d in G.edges(data=True):
        if d.get("rel") == "MEMBER_OF" and _active(d, as_of):
            groups_of[u].add(v)
            H.add_edge(u, v)
        elif d.get("rel") == "PAIRED_WITH" and _active(d, as_of):
            H.add_edge(u, v)
    for n, d in _nodes(G, "Collaboration"):
        if d.get("kind") != "chain_alliance":
            continue
        members, stages, levels, sectors = set(), set(), set(), set()
        for u, _v, e in G.in_edges(n, data=True):
            if e.get("rel") == "MEMBER_OF" and _active(e, as_of):
                members.add(u)
                if not _missing(e.get("stage")):
                    stages.add(e["stage"])
                levels.add(G.nodes[u].get("level"))
                sectors.add(G.nodes[u].get("sector"))
        if members:
            total = stages_of_chain.get(d.get("chain"), set())
            rows.append({"collab_id": n, "members": len(members), "stages_total": len(total),
                         "stages_covered": len(stages & total), "n_levels": len(levels), "n_sectors": len(sectors),
                         "missing_levels": sorted({"city", "county", "town", "village"} - levels)})
    brokers = [{"org_id": o, "n_groups": len(g)} for o, g in groups_of.items() if len(g) >= min_groups]
    isolated = []
    small = set()
    for comp in nx.connected_components(H):
        orgs = [n for n in comp if G.nodes[n].get("rtype") == "Organization"]
        if len(orgs) < min_component:
            small.update(orgs)
    for n, _d in _nodes(G, "Organization"):
        if n not in H:
            isolated.append({"org_id": n, "status": "no_link"})
        elif n in small:
            isolated.append({"org_id": n, "status": "small_component"})
    return {"chain_alliances": pd.DataFrame(rows), "brokers": pd.DataFrame(brokers), "isolated": pd.DataFrame(isolated)}


# ---- cadence -------------------------------------------------------------------------------------

def cadence(G: nx.MultiDiGraph, *, year: int) -> dict[str, pd.DataFrame]:
    """Per district: months without an activity, quarters without a 互督, half-years without a
    交叉巡回督导, members that never hosted, activity counts by type."""
    missed_m, missed_q, missed_h, never, counts = [], [], [], [], []
    for n, _d in [(n, d) for n, d in _nodes(G, "Collaboration") if d.get("kind") == "district"]:
        months, quarters, halves, hosts = set(), set(), set(), set()
        types: Counter[str] = Counter()
        for a, _b, e in G.in_edges(n, data=True):
            if e.get("rel") != "HELD_BY":
                continue
            act = G.nodes[a]
            if _missing(act.get("date")) or act["date"].year != year:
                continue
            month = act["date"].month
            months.add(month)
            types[act.get("type")] += 1
            if act.get("type") == "mutual_inspection":
                quarters.add((month - 1) // 3 + 1)
            if act.get("type") == "cross_inspection":
                halves.add(1 if month <= 6 else 2)
            if not _missing(act.get("host")):
                hosts.add(act["host"])
        missed_m += [{"district": n, "month": m} for m in range(1, 13) if m not in months]
        missed_q += [{"district": n, "quarter": q} for q in range(1, 5) if q not in quarters]
        missed_h += [{"district": n, "half": h} for h in (1, 2) if h not in halves]
        for u, _v, e in G.in_edges(n, data=True):
            if e.get("rel") == "MEMBER_OF" and u not in hosts:
                never.append({"district": n, "org_id": u})
        counts += [{"district": n, "type": t, "count": k} for t, k in sorted(types.items())]
    return {"missed_months": pd.DataFrame(missed_m), "missed_quarters": pd.DataFrame(missed_q),
            "missed_half_years": pd.DataFrame(missed_h), "never_hosted": pd.DataFrame(never),
            "activity_counts": pd.DataFrame(counts)}


# ---- stage functions (run in a fresh process by benchmarks/run.py) ---------------------------------

def baseline_all(timer: Any, graph_dir: str, as_of: str, seed: int = 0, year: int | None = None,
                 skip: list[str] | None = None, budget: float | None = None) -> dict[str, Any]:
    """Build the networkx graph, then run every analysis; one timed section per entry of
    :data:`BASELINE_STAGES`. ``skip`` leaves some out (e.g. those estimated to exceed the budget);
    a section still running after ``budget`` seconds is stopped and recorded as over budget."""
    from _measure import SectionTimeout

    skip = set(skip or ())
    ts = pd.Timestamp(as_of)
    year = year or ts.year
    out: dict[str, Any] = {}
    try:
        with timer("nx_build", limit=budget):
            G = build_nx(graph_dir)
    except SectionTimeout:
        return out
    out.update(nodes=G.number_of_nodes(), edges=G.number_of_edges())
    steps = {
        "coverage": (lambda: coverage(G, as_of=ts), lambda r: int(r["by_town"]["covered"].sum())),
        "pairing_gaps": (lambda: pairing_gaps(G, as_of=ts), lambda r: len(r["unpaired_weak"])),
        "suggest_pairings": (lambda: suggest_pairings(G, as_of=ts), len),
        "clusters": (lambda: clusters(G, as_of=ts, seed=seed), len),
        "chain_alliances": (lambda: alliances(G, as_of=ts), lambda r: len(r["brokers"])),
        "cadence": (lambda: cadence(G, year=year), lambda r: len(r["missed_months"])),
    }
    for name, (fn, summary) in steps.items():
        if name in skip:
            continue
        try:
            with timer(name, limit=budget):
                result = fn()
        except SectionTimeout:
            continue
        out[f"{name}_result"] = summary(result)
    return out


def baseline_load(timer: Any, ledger_dir: str) -> dict[str, Any]:
    """Read every ledger file with pandas (``read_excel`` via openpyxl, every sheet; ``read_csv``)."""
    files = sorted(p for p in Path(ledger_dir).iterdir() if p.suffix.lower() in (".xlsx", ".csv"))
    rows = 0
    with timer("load"):
        for path in files:
            if path.suffix.lower() == ".xlsx":
                sheets = pd.read_excel(path, sheet_name=None, dtype=str, engine="openpyxl")
                rows += sum(len(df) for df in sheets.values())
            else:
                rows += len(pd.read_csv(path, dtype=str))
    return {"rows": rows, "files": len(files)}
