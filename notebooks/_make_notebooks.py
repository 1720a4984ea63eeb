"""Write the tutorial notebooks in this folder from the cell sources below (run it after editing).

The notebooks are stored without outputs; ``tests/test_notebooks.py`` executes each one top to
bottom in a temporary folder. Keep every notebook self-contained (it builds what it needs from the
bundled sample county) and fast (well under a minute).

Usage::

    .venv/bin/python notebooks/_make_notebooks.py          # (re)write notebooks/*.ipynb
    .venv/bin/python notebooks/_make_notebooks.py --check  # exit 1 if a notebook differs from its source
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

Cell = tuple[str, str]  # ("md" | "py", source)


def md(text: str) -> Cell:
    return ("md", text.strip("\n"))


def py(text: str) -> Cell:
    return ("py", text.strip("\n"))


NOTEBOOKS: dict[str, list[Cell]] = {}

# ---------------------------------------------------------------------------------------------------
NOTEBOOKS["01_quickstart"] = [
    md("""
# 快速上手 / Quickstart

示例县（虚构）的台账 → 知识图谱 → 覆盖率 → 网络视图。
The fictional sample county's ledgers → a graph → coverage → a network view.

`graphkit` reads the ledgers (台账) a county organization department keeps in Excel and CSV —
rosters, 片区 districts, 联村 joint village committees, industry-chain alliances, pairings,
activities, ratings — and checks every cell. The result is one table per record type.
"""),
    py("""
import graphkit as gk

gk.__version__
"""),
    md("""
## 1. 构建图谱 / Build the graph

`gk.sample_path()` is the bundled ledger folder of 示例县. `gk.build_graph(folder)` reads every
ledger in it; a bad cell stops the build with one table listing every problem
(`gk.validate_ledgers(folder)` only lists them). The graph displays as a summary table.
"""),
    py("""
folder = gk.sample_path()
sorted(p.name for p in folder.iterdir())
"""),
    py("""
g = gk.build_graph(folder)
g
"""),
    md("""
Each record type is a pandas DataFrame: `g["Organization"]`, `g["Pairing"]`, … Codes are stored
as codes (`sector="village"`, `category="3"`); `g.labelled(type)` shows them in Chinese.
"""),
    py("""
g.labelled("Organization")[["党组织名称", "领域", "层级", "所属镇(街道)", "分类定级"]].head()
"""),
    py("""
assert g.count("Organization") == len(g["Organization"]) > 500
g["Pairing"].head(3)
"""),
    md("""
## 2. 覆盖率 / Coverage

`gk.coverage(g, by=...)` counts the orgs taking part in at least one joint-building mechanism
(片区, 联村党组织, 产业链联盟, 服务队, 结对共建), overall (`share`) and per mechanism (`n_<kind>`,
`share_<kind>`), grouped by `"town"`, `"sector"`, `"category"`, `"level"` or `None`. Links count
when active on `as_of` (default: the latest date recorded in the ledgers).

`gk.labelled(table)` turns any analysis table into Chinese labels and column titles.
"""),
    py("""
by_sector = gk.coverage(g, by="sector")
gk.labelled(by_sector)[["分组名称", "党组织数", "参与联建数", "覆盖率", "结对共建覆盖率"]]
"""),
    py("""
total = gk.coverage(g, by=None)
assert int(total.loc[0, "orgs"]) == g.count("Organization")
print(f"{int(total.loc[0, 'covered'])} / {int(total.loc[0, 'orgs'])} orgs take part ({total.loc[0, 'share']:.1%})")
"""),
    md("""
跨村联建 covers villages rather than orgs; 结对 covers weak (三类 / 软弱涣散) orgs.
"""),
    py("""
villages = gk.village_coverage(g, by=None)
weak = gk.weak_coverage(g, by=None)
villages[["committees", "villages", "villages_covered"]], weak.iloc[:, :6]
"""),
    md("""
## 3. 网络视图 / A network view

`gk.view(g, kind=..., name=...)` draws one self-contained, offline HTML page (no CDN). In a notebook
it shows inline; `.write(path)` saves it for colleagues without Python. Kinds: `county`,
`district`, `chain`, `pairing`, `org`, `cluster`.
"""),
    py("""
v = gk.view(g, kind="district", name="第八片区")
v
"""),
    py("""
path = v.write("第八片区.html")
print(path, path.stat().st_size // 1024, "KB")
"""),
    md("""
## 4. 保存与再读 / Save and read back

`gk.write_graph(g, out)` writes Parquet tables and a manifest atomically; `gk.read_graph(out)`
reads them back in a fraction of the build time. The same folder feeds the CLI
(`graphkit info OUT`), the embedded Cypher engine and the exports.
"""),
    py("""
out = gk.write_graph(g, "out/sample_county")
again = gk.read_graph(out)
assert again.count("Membership") == g.count("Membership")
again
"""),
    md("""
## 5. 默认设置 / Settings

`gk.config` holds the defaults (label language, base IRI of RDF exports, Neo4j batch size,
pairing capacity, view size). Set `GRAPHKIT_<NAME>` in the environment, or change them for a block
with `gk.override(...)`.
"""),
    py("""
gk.config
"""),
    py("""
with gk.override(lang="en"):
    print(list(gk.labelled(total).columns[:4]))
print(list(gk.labelled(total).columns[:4]))
"""),
    md("""
## 6. 全部分析与报告 / Every analysis at once, and the report

`gk.analyze(g)` runs every analysis (coverage, pairing gaps and suggestions, clusters, cadence,
change over time) and returns a dict of tables; `gk.headlines` picks the figures a county reports
upward; `gk.write_report` writes one offline Chinese HTML report and an Excel workbook.
"""),
    py("""
results = gk.analyze(g, seed=0)
print(len(results), "tables:", ", ".join(list(results)[:6]), "…")
gk.headlines(g, results)
"""),
    py("""
report = gk.write_report(g, "示例县联建分析.html", xlsx="示例县联建分析.xlsx", results=results)
print(report, report.stat().st_size // 1024, "KB")
"""),
]

# ---------------------------------------------------------------------------------------------------
NOTEBOOKS["02_pairing_gaps"] = [
    md("""
# 结对缺口与结对建议 / Pairing gaps, ending in suggestions

结对共建 pairs a strong (一类) org with a weak one (三类 or 软弱涣散). Counties ask: which weak orgs
have no strong partner? Which "partners" are not strong? Who carries too many? Which groups lack
a 一类 anchor? Which pairs are due for the yearly rotation? And finally: who should be paired with
whom?
"""),
    py("""
import graphkit as gk

g = gk.build_graph(gk.sample_path())
as_of = "2024-12-31"
"""),
    md("""
## 1. 全部缺口 / Every gap at once

`gk.pairing_gaps(g, as_of=...)` returns a dict of tables, one per kind of gap.
"""),
    py("""
gaps = gk.pairing_gaps(g, as_of=as_of)
{name: len(table) for name, table in gaps.items()}
"""),
    md("""
### 无一类帮扶的后进党组织 / Weak orgs without a strong partner

`reason` is `no_pairing` (no active pair at all) or `partner_not_strong`.
"""),
    py("""
unpaired = gaps["unpaired_weak"]
unpaired["reason"].value_counts()
"""),
    py("""
villages = unpaired[unpaired["level"] == "village"]
gk.labelled(villages)[["党组织名称", "所属镇(街道)", "分类定级", "软弱涣散", "原因"]]
"""),
    md("""
### 帮扶方不是一类 / Pairs whose strong side is not strong
"""),
    py("""
gk.labelled(gaps["weak_strong_side"])
"""),
    md("""
### 帮扶任务过重 / Strong orgs carrying more than allowed

The limit is `max_per_strong` (default `gk.config.max_per_strong`). A stricter county can lower it
for one question:
"""),
    py("""
print("limit 2:", len(gk.pairing_gaps(g, as_of=as_of, max_per_strong=2)["overloaded_strong"]))
strict = gk.pairing_gaps(g, as_of=as_of, max_per_strong=1)["overloaded_strong"]
print("limit 1:", len(strict))
strict[["name", "pairs", "capacity"]]
"""),
    md("""
### 缺少一类牵头的小组、到期轮换、结束未接续 / Groups without a 一类 anchor, pairs due, pairs ended
"""),
    py("""
gaps["groups_without_anchor"][["collab_name", "kind", "members", "class1", "problem"]].head()
"""),
    py("""
gaps["due_for_rotation"].iloc[:, :6].head()
"""),
    py("""
gaps["ended_without_successor"].iloc[:, :6]
"""),
    md("""
## 2. 网络中的缺口 / The gaps in the pairing network

The `pairing` view highlights unpaired weak orgs, strong sides that are not 一类 and overloaded
strong orgs.
"""),
    py("""
gk.view(g, kind="pairing", as_of=as_of)
"""),
    md("""
## 3. 结对建议 / Suggested pairings

`gk.suggest_pairings` gives every unpaired weak org a strong partner by solving a min-cost
assignment (not greedily): same town first, then neighbouring levels, then a shared industry
chain, never more than `capacity` pairs per strong org (counting the pairs it already has), and
never a weak org's former partner (the yearly rotation). `reason` explains each choice.
"""),
    py("""
suggestions = gk.suggest_pairings(g, as_of=as_of, capacity=2, seed=0)
suggestions[["weak_name", "strong_name", "cost", "reason"]].head(10)
"""),
    py("""
# every unpaired weak org gets a row; no strong org exceeds its capacity
assert set(suggestions["weak_id"]) == set(unpaired["org_id"])
load = suggestions.dropna(subset=["strong_id"]).groupby("strong_id").size()
assert (load + suggestions.dropna(subset=["strong_id"]).groupby("strong_id")["load"].first() <= 2).all()
print(f"{suggestions['strong_id'].notna().sum()} of {len(suggestions)} weak orgs get a partner")
"""),
    md("""
A county may rule out pairs (e.g. two orgs already linked another way) and insist on the same
sector; the assignment is solved again under the new rules.
"""),
    py("""
first = suggestions.dropna(subset=["strong_id"]).iloc[0]
again = gk.suggest_pairings(g, as_of=as_of, forbidden=[(first["weak_id"], first["strong_id"])])
again.loc[again["weak_id"] == first["weak_id"], ["weak_name", "strong_name", "reason"]]
"""),
    md("""
Save the suggestions with Chinese headers for the organization department (Excel).
"""),
    py("""
table = gk.labelled(suggestions)
table.to_excel("结对建议.xlsx", index=False)
table.head(3)
"""),
]

# ---------------------------------------------------------------------------------------------------
NOTEBOOKS["03_chain_clusters"] = [
    md("""
# 产业链集群 / Industry-chain clusters

链上联建 links party orgs of different levels and sectors along one industry chain (蚕桑:
种桑 → 养蚕 → 收茧 → 烘茧 → 产丝). Counties ask which chain stages have no party presence,
whether an alliance spans the levels and sectors it should, which orgs form cohesive groups,
and who bridges districts and chains. The last section exports the network for Gephi.
"""),
    py("""
import networkx as nx

import graphkit as gk

g = gk.build_graph(gk.sample_path())
"""),
    md("""
## 1. 产业链环节覆盖 / Chain stages with and without party orgs
"""),
    py("""
stages = gk.chain_stage_coverage(g)
stages[["chain", "order", "stage", "members", "member_names", "no_presence"]]
"""),
    py("""
print("无党组织的环节 / stages without a party org:", stages.loc[stages["no_presence"], "stage"].tolist())
"""),
    md("""
## 2. 产业链联盟 / Chain alliances: members, levels, sectors, stages
"""),
    py("""
alliances = gk.chain_alliances(g)
alliances.T
"""),
    md("""
## 3. 社区发现 / Communities

`gk.detect_clusters` runs Leiden (or Louvain) on the org + collaboration graph, seeded, so the
same data and seed give the same clusters. `gk.describe_clusters` summarizes each cluster.
"""),
    py("""
clusters = gk.detect_clusters(g, seed=0)
print(clusters.attrs["backend"], clusters["cluster"].nunique(), "clusters")
summary = gk.describe_clusters(g, clusters)
summary[["cluster", "size", "collab_names", "dominant_chain", "towns", "levels"]].head(8)
"""),
    py("""
again = gk.detect_clusters(g, seed=0)
assert again["cluster"].tolist() == clusters["cluster"].tolist()  # deterministic
"""),
    md("""
## 4. 桥梁与孤立 / Brokers and isolated orgs
"""),
    py("""
gk.brokers(g)[["name", "n_groups", "groups", "bridges"]].head(10)
"""),
    py("""
isolated = gk.isolated(g)
isolated["status"].value_counts()
"""),
    md("""
## 5. 产业链视图 / The chain view
"""),
    py("""
gk.view(g, kind="chain", name="蚕桑")
"""),
    md("""
## 6. 导出到 Gephi / Export for Gephi

`gk.write_gexf` and `gk.write_graphml` write a simple directed graph with string and number
attributes only: node `label`, `node_type`, the record's properties (codes as labels); edge
`weight` (how many links), `relationship`, and the link's own facts (role, stage, form, dates).
Choose node and relationship types to keep the file focused.
"""),
    py("""
path = gk.write_gexf(g, "chains.gexf", node_types=["Organization", "Collaboration"],
                     link_types=["MEMBER_OF", "PAIRED_WITH"])
G = nx.read_gexf(path)
print(G)
"""),
    py("""
# the same graph in memory, for networkx measures
H = gk.gephi_graph(g, node_types=["Organization", "Collaboration"], link_types=["MEMBER_OF", "PAIRED_WITH"])
assert H.number_of_edges() == G.number_of_edges()
top = sorted(nx.degree_centrality(H.to_undirected()).items(), key=lambda kv: -kv[1])[:5]
[(H.nodes[n]["label"], round(c, 3)) for n, c in top]
"""),
]

# ---------------------------------------------------------------------------------------------------
NOTEBOOKS["04_cypher"] = [
    md("""
# Cypher：嵌入式引擎与 Neo4j / Cypher on the embedded engine and on Neo4j

`gk.cypher(graph_or_folder, query, **params)` runs Cypher with **no server**, on an embedded
LadybugDB database built from the graph (cached beside an output folder, so only the first query
pays for it). The graph has the same shape as in Neo4j: labels = record types, relationships
`MEMBER_OF`, `PAIRED_WITH`, `SUB_ORGANIZATION_OF`, … (see `docs/neo4j.md`). The second half runs
the same queries on a Neo4j server when `NEO4J_URI` is set, and skips cleanly otherwise.
"""),
    py("""
import os

import graphkit as gk

g = gk.build_graph(gk.sample_path())
out = gk.write_graph(g, "out/sample_county")
"""),
    md("""
## 1. 查询 / Queries

Values go in `$parameters`, never pasted into the text.
"""),
    py("""
gk.cypher(out, '''
MATCH (o:Organization)-[m:MEMBER_OF]->(d:Collaboration {kind: $kind})
RETURN d.name AS district, count(o) AS members
ORDER BY district
''', kind="district")
"""),
    py("""
weak_unpaired = gk.cypher(out, '''
MATCH (w:Organization {category: $weak})
WHERE NOT EXISTS { MATCH (:Organization)-[:PAIRED_WITH]->(w) }
RETURN w.name AS name, w.level AS level
ORDER BY name
''', weak="3")
len(weak_unpaired), weak_unpaired.head()
"""),
    md("""
## 2. 保存的查询 / The saved query pack

`schema/queries/*.cypher` hold the analysts' questions with typed parameters;
`gk.list_queries()` lists them, `gk.run_query(source, name, params)` runs one. The pack gives the
same answers as the Python analyses.
"""),
    py("""
gk.list_queries()[["name", "title"]]
"""),
    py("""
pack = gk.run_query(out, "unpaired_weak", {"as_of": "2024-12-31"})
python = gk.pairing_gaps(g, as_of="2024-12-31")["unpaired_weak"]
assert sorted(pack["org_id"]) == sorted(python["org_id"])
len(pack)
"""),
    md("""
## 3. 一次打开、多次查询 / Open once, query many times
"""),
    py("""
with gk.open_embedded(out) as db:
    towns = db.query("MATCH (p:Place {kind: 'town'}) RETURN p.name AS town ORDER BY town")
    chains = db.query("MATCH (s:ChainStage)-[:STAGE_OF]->(c:IndustryChain) "
                      "RETURN c.name AS chain, count(s) AS stages ORDER BY chain")
towns.T, chains
"""),
    md("""
## 4. 给 Neo4j 的文件 / Files for Neo4j

Without a connection: a `cypher-shell` script and `neo4j-admin database import` CSV files
(with `import.sh` and `IMPORT.md`).
"""),
    py("""
script = gk.write_cypher_script(out, "neo4j/sample.cypher")
folder = gk.write_neo4j_import(out, "neo4j/import")
print(script, script.stat().st_size // 1024, "KB")
sorted(p.name for p in folder.iterdir())
"""),
    md("""
## 5. Neo4j 服务器 / On a Neo4j server

Set `NEO4J_URI` (and `NEO4J_USER`, `NEO4J_PASSWORD`, optionally `NEO4J_DATABASE`) to run this part.
`gk.push_neo4j` loads the graph idempotently and checks the counts; `gk.cypher_server` runs the same
Cypher there. **It replaces nothing else, but use a database meant for this graph.**
"""),
    py("""
if os.environ.get("NEO4J_URI"):
    report = gk.push_neo4j(out, uri=os.environ["NEO4J_URI"], user=os.environ.get("NEO4J_USER", "neo4j"),
                           password=os.environ.get("NEO4J_PASSWORD", ""),
                           database=os.environ.get("NEO4J_DATABASE") or None)
    on_server = gk.cypher_server(None, "MATCH (o:Organization) RETURN count(o) AS n")
    assert int(on_server.loc[0, "n"]) == g.count("Organization")
    display(report)
else:
    print("跳过：未设置 NEO4J_URI / skipped: NEO4J_URI is not set — the Neo4j part needs a server "
          "(e.g. NEO4J_URI=neo4j://localhost:7687 NEO4J_PASSWORD=…)")
"""),
]

# ---------------------------------------------------------------------------------------------------
NOTEBOOKS["05_rdf_sparql_shacl"] = [
    md("""
# RDF、SPARQL 与 SHACL / RDF, SPARQL and SHACL

The graph as linked data: W3C ORG, SKOS, PROV-O and OWL-Time terms, with graphkit's own `gk:`
namespace only where none fits (see `docs/rdf.md`). Every record keeps `prov:wasDerivedFrom` its
ledger row, so a SHACL violation points back to the file, sheet and row to fix.
"""),
    py("""
from graphkit.exports import rdf

import graphkit as gk

g = gk.build_graph(gk.sample_path())
"""),
    md("""
## 1. 导出 / Export

`gk.write_rdf(g, path)` picks the format from the suffix (`.ttl`, `.trig`, `.nq`, `.jsonld`);
`store="oxigraph"` serializes fast. The base IRI of records comes from `gk.config.base_iri`.
"""),
    py("""
path = gk.write_rdf(g, "sample_county.trig", store="oxigraph")
print(path, path.stat().st_size // 1024, "KB")
print(path.read_text(encoding="utf-8")[:600])
"""),
    md("""
## 2. SPARQL

`gk.sparql(source, query, **params)` accepts a graph, an RDF file or a store. Parameters are bound
as RDF literals (with Oxigraph, list them in `SELECT`; their columns are dropped).
"""),
    py("""
store = rdf.to_oxigraph(g)
q = '''
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX gk: <https://graphkit.example.org/ns#>
SELECT ?sector_label (COUNT(?o) AS ?orgs) ?cat WHERE {
  ?o a org:FormalOrganization ; gk:category/skos:notation ?cat ; gk:sector ?s .
  ?s skos:prefLabel ?sector_label . FILTER(LANG(?sector_label) = "zh")
}
GROUP BY ?sector_label ?cat ORDER BY DESC(?orgs)
'''
gk.sparql(store, q, cat="3")
"""),
    md("""
The saved SPARQL pack (`schema/queries/*.rq`) asks the same questions as the Python analyses and
the Cypher pack: `sparql.list_queries()`, `sparql.run_query(source, name, params=...)` in
`graphkit.exports.sparql`.
"""),
    py("""
from graphkit.exports import sparql

sparql.list_queries()[["name", "title"]].head(8)
"""),
    py("""
stages = sparql.run_query(store, "chain_stage_coverage", store="oxigraph")
python = gk.chain_stage_coverage(g)
assert sorted(stages.loc[stages["no_presence"], "stage"]) == sorted(python.loc[python["no_presence"], "stage"])
stages.head()
"""),
    md("""
## 3. SHACL 校验 / Validation with SHACL

The shapes are derived from the same schema as the loaders' checks, and `gk.validate_rdf` returns
the loaders' problem table (empty when the data conforms). To see one, break a record on purpose —
give a pairing an end date before its start — and validate: the only violation is that one, and it
points back to the ledger file, sheet and row to fix.
"""),
    py("""
import datetime as dt

from rdflib import Literal, URIRef
from rdflib.namespace import XSD

ds = rdf.to_rdflib(g)
ended = g["Pairing"].dropna(subset=["end"]).iloc[0]  # a pairing with an end date
end = URIRef(f"{gk.config.base_iri}pairing/{ended['id']}/end")
IN_DATE = URIRef("http://www.w3.org/2006/time#inXSDDate")
changed = 0
for ctx in ds.graphs():
    for s, p, o in list(ctx.triples((end, IN_DATE, None))):
        ctx.remove((s, p, o))
        ctx.add((s, p, Literal(dt.date(1999, 1, 1), datatype=XSD.date)))
        changed += 1
assert changed == 1
problems = gk.validate_rdf(ds)
problems[["file", "sheet", "row", "column", "rule", "message_en"]]
"""),
    py("""
assert len(problems) == 1 and problems["row"].iloc[0] == ended["src_row"]
print("fix:", ended["src_file"], ended["src_sheet"], "row", ended["src_row"])
"""),
    md("""
## 4. 读回 / Read RDF back into a graph

`gk.read_rdf` turns graphkit's RDF (any format) back into a `Graph` with the same ids and types.
"""),
    py("""
back = gk.read_rdf(path, store="oxigraph")
assert back["Pairing"]["id"].tolist() == g["Pairing"]["id"].tolist()
back
"""),
]

# ---------------------------------------------------------------------------------------------------
NOTEBOOKS["06_bring_your_own_ledger"] = [
    md("""
# 自带台账 / Bring your own ledger

Every county names its columns its own way. graphkit matches header spellings through the
*mappings* in `loaders/*.yaml`; a county whose headers are not known writes its own mapping (a
short YAML file) in `DATA_DIR/mappings/` — no code. This notebook does it for 青山县 (fictional),
whose roster says 组织全称 / 归属乡镇 / 评定等次 and whose pairing ledger says 帮带单位 / 受帮单位.
See `docs/mappings.md` for every key of a mapping.
"""),
    py("""
from pathlib import Path

import pandas as pd

import graphkit as gk

folder = Path("青山县台账")
(folder / "mappings").mkdir(parents=True, exist_ok=True)
(folder / "graphkit.yaml").write_text("county: 青山县\\n", encoding="utf-8")

pd.DataFrame({
    "组织全称": ["中共青山镇委员会", "青山镇机关党支部", "青山村党支部", "石门村党支部", "白水村党支部", "竹园村党支部"],
    "归属乡镇": ["青山镇"] * 6,
    "所属行业": ["机关", "机关", "农村", "农村", "农村", "农村"],
    "评定等次": ["一类", "一类", "一类", "三类", "二类", "三类"],
    "党员总数": [35, 20, 40, 12, 18, 9],
    "上级组织全称": [None, "中共青山镇委员会", "中共青山镇委员会", "中共青山镇委员会", "中共青山镇委员会", "中共青山镇委员会"],
}).to_excel(folder / "组织名册.xlsx", index=False)
pd.DataFrame({
    "帮带单位": ["青山村党支部"], "受帮单位": ["石门村党支部"], "帮带方式": ["强村带弱村"], "起始日期": ["2024-03-01"],
}).to_csv(folder / "帮带台账.csv", index=False, encoding="utf-8-sig")
sorted(p.name for p in folder.iterdir())
"""),
    md("""
## 1. 先试一下 / Try the built-in layouts first

The built-in layouts do not know these headers, so no sheet is recognized and nothing would be
loaded — graphkit says so instead of returning an empty graph.
"""),
    py("""
try:
    gk.build_graph(folder)
except gk.GraphkitError as exc:
    print(exc)
else:
    raise AssertionError("the built-in layouts should not recognize these headers")
"""),
    md("""
## 2. 写映射 / Write the mappings

A mapping says which files it reads (`match`), which header spellings mean which logical column
(`columns` → `aliases`), and which records each row makes (`entities`: a schema type, key columns
for the deterministic id, and where each property comes from). `lookup: Organization` resolves a
name written in the ledger to an org of the roster (normalized: full/half width, 中共…委员会, …).
"""),
    py("""
roster_yaml = '''
id: qingshan_roster
label: {zh: 青山县党组织名册, en: Qingshan organization roster}
match:
  files: ["*组织名册*"]
columns:
  name: {aliases: [组织全称], required: true}
  town: {aliases: [归属乡镇]}
  sector: {aliases: [所属行业]}
  category: {aliases: [评定等次]}
  members: {aliases: [党员总数]}
  parent: {aliases: [上级组织全称]}
entities:
  org:
    type: Organization
    keys: [{column: name, normalize: org}]
    properties:
      name: {column: name, normalize: text}
      sector: {column: sector}
      category: {column: category}
      members: {column: members}
      town: {entity: town}
      parent: {column: parent, lookup: Organization}
  town:
    type: Place
    keys: [{column: town, normalize: place}]
    when: {column: town}
    properties:
      name: {column: town, normalize: text}
      kind: {column: town, derive: place_kind}
'''
pairing_yaml = '''
id: qingshan_pairing
label: {zh: 青山县帮带台账, en: Qingshan pairing ledger}
match:
  files: ["*帮带*"]
columns:
  strong: {aliases: [帮带单位], required: true}
  weak: {aliases: [受帮单位], required: true}
  form: {aliases: [帮带方式], required: true}
  start: {aliases: [起始日期], required: true}
entities:
  pairing:
    type: Pairing
    keys: [{column: strong, lookup: Organization}, {column: weak, lookup: Organization}, {column: start}]
    properties:
      strong: {column: strong, lookup: Organization}
      weak: {column: weak, lookup: Organization}
      form: {column: form}
      start: {column: start}
'''
(folder / "mappings" / "qingshan_roster.yaml").write_text(roster_yaml, encoding="utf-8")
(folder / "mappings" / "qingshan_pairing.yaml").write_text(pairing_yaml, encoding="utf-8")
"""),
    md("""
`gk.load_mapping` checks a mapping against the schema before any ledger is read; a mistake names
the file, the entity and what is wrong:
"""),
    py("""
m = gk.load_mapping(folder / "mappings" / "qingshan_roster.yaml")
print(m.id, sorted(m.columns), m.required_columns)

(folder / "typo.yaml").write_text(roster_yaml.replace("members: {column: members}", "member: {column: members}"),
                                  encoding="utf-8")
try:
    gk.load_mapping(folder / "typo.yaml")
except gk.MappingError as exc:
    print(exc)
(folder / "typo.yaml").unlink()
"""),
    md("""
## 3. 构建 / Build

`graphkit.yaml` names the county; the `mappings/` folder beside it is read automatically (or pass
`mappings=[...]` / `graphkit build --mapping FILE`).
"""),
    py("""
assert gk.validate_ledgers(folder).empty
g = gk.build_graph(folder)
g
"""),
    py("""
g.labelled("Organization")[["党组织名称", "领域", "分类定级", "党员数", "上级党组织"]]
"""),
    md("""
## 4. 分析 / The same analyses

Once mapped, the county's ledgers answer the same questions.
"""),
    py("""
gaps = gk.pairing_gaps(g)
gk.labelled(gaps["unpaired_weak"])
"""),
    py("""
suggestions = gk.suggest_pairings(g, capacity=2)
assert suggestions["weak_name"].tolist() == ["竹园村党支部"]
suggestions[["weak_name", "strong_name", "reason"]]
"""),
    md("""
## 5. 坏数据 / A bad cell

A ledger row naming an org the roster does not know is reported with file, row and candidates —
never merged silently.
"""),
    py("""
pd.DataFrame({
    "帮带单位": ["青山村党支部", "青山镇机关党支部"], "受帮单位": ["石门村党支部", "竹园村支部委员会"],
    "帮带方式": ["强村带弱村", "机关联村"], "起始日期": ["2024-03-01", "2024-04-01"],
}).to_csv(folder / "帮带台账.csv", index=False, encoding="utf-8-sig")
try:
    gk.build_graph(folder)
except gk.ValidationFailed as exc:
    print(exc)
    display(exc.problems[["file", "row", "column", "value", "rule", "message_en"]])
"""),
]


def build(name: str, cells: list[Cell]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = KERNEL
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, src) in enumerate(cells):
        cell = new_markdown_cell(src) if kind == "md" else new_code_cell(src)
        cell["id"] = f"{name[:2]}-{i:02d}"  # stable ids: rewriting an unchanged notebook changes nothing
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for name, cells in NOTEBOOKS.items():
        path = HERE / f"{name}.ipynb"
        text = nbformat.writes(build(name, cells)) + "\n"
        if check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
            continue
        tmp = path.with_suffix(".ipynb.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
        print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print(f"out of date (run notebooks/_make_notebooks.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
