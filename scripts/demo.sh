#!/usr/bin/env bash
# The main job on the bundled sample county (示例县, fictional), with the embedded defaults — no server:
# validate → build → info → analyses → report (HTML + Excel) → network views → Cypher (embedded) →
# Neo4j import files → RDF → Gephi. Every output goes under $OUT (default out/sample_county).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
GK=.venv/bin/graphkit
DATA=data/sample_county
OUT="${OUT:-out/sample_county}"
step() { echo; echo "== $*"; }

step "校验台账 validate ledgers"; $GK validate "$DATA"
step "构建图谱 build";            $GK build "$DATA" -o "$OUT/graph"
step "图谱统计 info";             $GK info "$OUT/graph"
step "全部分析 analyses";         $GK analyze "$OUT/graph" -o "$OUT/analysis"
step "分析报告 report";           $GK report "$OUT/graph" -o "$OUT/report.html" --xlsx "$OUT/report.xlsx"
step "网络视图 views"
$GK view "$OUT/graph" --kind county -o "$OUT/views/county.html"
$GK view "$OUT/graph" --kind pairing -o "$OUT/views/pairing.html"
$GK view "$OUT/graph" --kind cluster -o "$OUT/views/clusters.html"
$GK view "$OUT/graph" --kind district --name 第一片区 -o "$OUT/views/district-1.html"
$GK view "$OUT/graph" --kind chain --name 蚕桑 -o "$OUT/views/chain-sericulture.html"
step "嵌入式 Cypher embedded Cypher (no server)"
$GK query "$OUT/graph" --name unpaired_weak
step "Neo4j 批量导入文件与脚本 Neo4j import files and cypher-shell script"
$GK neo4j export-import "$OUT/graph" -o "$OUT/neo4j-import"
$GK neo4j export-cypher "$OUT/graph" -o "$OUT/graph.cypher"
step "RDF（Turtle、TriG）与 SHACL 校验 RDF and SHACL validation"
$GK rdf export "$OUT/graph" -f turtle -o "$OUT/graph.ttl"
$GK rdf export "$OUT/graph" -f trig -o "$OUT/graph.trig"
$GK rdf validate "$OUT/graph.ttl"
step "Gephi (GEXF)";              $GK gephi "$OUT/graph" -o "$OUT/graph.gexf"

echo
echo "输出 outputs in $OUT:"
bash scripts/list_outputs.sh "$OUT"
