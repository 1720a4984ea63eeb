#!/usr/bin/env bash
# The main job on the bundled sample county (示例县, fictional), with the embedded defaults — no server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
GK=.venv/bin/graphkit
OUT="${OUT:-out/sample_county}"
$GK build data/sample_county -o "$OUT"
$GK info "$OUT"
# Further steps are added here as the analyses, exports and views land (see README).
echo
echo "输出 outputs in $OUT:"
find "$OUT" -maxdepth 2 -type f | sort | sed 's/^/  /'
