#!/usr/bin/env bash
# List every output under a folder (any depth, caches left out), each with what it is, in Chinese
# and English. Files of one kind in one folder (Parquet tables, analysis CSVs, Neo4j import files)
# are summarised on one line with their count.   Usage: scripts/list_outputs.sh OUT
set -euo pipefail
OUT="${1:?usage: scripts/list_outputs.sh OUT}"
label() {
  case "$1" in
    */tables/*.parquet)          echo "图谱数据表 graph tables (Parquet)";;
    */manifest.json)             echo "图谱清单：计数与来源 manifest: counts and sources";;
    */sources.parquet)           echo "台账来源 source files";;
    */problems.csv)              echo "问题清单 problem table";;
    */analysis.json)             echo "分析参数 analysis settings";;
    */analysis/*.csv)            echo "分析表 analysis tables (CSV)";;
    *report.html)                echo "分析报告 analyst report (HTML)";;
    *.xlsx)                      echo "Excel 工作簿 workbook";;
    */views/*.html)              echo "网络视图 network views (HTML)";;
    */nodes/*.csv)               echo "Neo4j 节点文件 node files";;
    */relationships/*.csv)       echo "Neo4j 关系文件 relationship files";;
    */import.sh)                 echo "Neo4j 批量导入命令 bulk-import command";;
    */IMPORT.md)                 echo "Neo4j 导入说明 import notes";;
    */constraints.cypher)        echo "Neo4j 约束与索引 constraints and indexes";;
    *.grass)                     echo "Neo4j Browser 样式 style";;
    *guide*.html)                echo "Neo4j Browser 查询指南 query guide";;
    *.cypher)                    echo "cypher-shell 脚本 script";;
    *.ttl)                       echo "RDF Turtle";;
    *.trig)                      echo "RDF TriG（含命名图 with named graphs）";;
    *.nt|*.nq)                   echo "RDF N-Triples/N-Quads";;
    *.gexf)                      echo "Gephi 图文件 graph (GEXF)";;
    *.graphml)                   echo "GraphML 图文件 graph";;
    *.html)                      echo "网页 page (HTML)";;
    *.csv)                       echo "表格 table (CSV)";;
    *.json)                      echo "JSON";;
    *)                           echo "文件 file";;
  esac
}
find "$OUT" -path '*/.cache' -prune -o -type f -print | sort | while IFS= read -r f; do
  printf '%s\t%s\n' "$(dirname "${f#"$OUT"/}")" "$(label "$f")"$'\t'"${f#"$OUT"/}"
done | awk -F'\t' '
  { key = $1 "\t" $2; n[key]++; if (!(key in first)) { order[++k] = key; first[key] = $3 } }
  END {
    for (i = 1; i <= k; i++) {
      split(order[i], p, "\t")
      if (n[order[i]] > 1) printf "  %-44s %s，%d 个 files\n", p[1] "/", p[2], n[order[i]]
      else                 printf "  %-44s %s\n", first[order[i]], p[2]
    }
  }'
