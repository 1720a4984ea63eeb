#!/usr/bin/env bash
# Set up graphkit on a fresh machine (Debian, Python >= 3.11): a virtual environment in .venv with
# graphkit and its extras, and — with --browser — Debian's chromium and CJK fonts for the view tests;
# with --neo4j, Java 17 when a Neo4j server home is at hand (NEO4J_HOME or ../shared/neo4j/home).
# Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-python3}"
if ! "$PY" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
  echo "graphkit 需要 Python >= 3.11 / needs Python >= 3.11 (found: $("$PY" --version 2>&1))" >&2
  exit 1
fi

want_browser=0
want_neo4j=0
extras="all"
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    --test) extras="all,test" ;;
    --neo4j) want_neo4j=1 ;;
  esac
done

if [ ! -x .venv/bin/python ]; then
  echo "== 创建虚拟环境 creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=".venv/.graphkit-installed-$extras"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== 安装依赖 installing graphkit[$extras]" >&2
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[$extras]"
  touch "$stamp"
fi

if [ "$want_browser" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  echo "== 安装 chromium installing Debian's chromium and CJK fonts" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
fi

if [ "$want_neo4j" = 1 ] && ! command -v java >/dev/null 2>&1; then
  home="${NEO4J_HOME:-../shared/neo4j/home}"
  if [ -x "$home/bin/neo4j" ]; then
    echo "== 安装 Java installing Debian's openjdk-17-jre-headless for the Neo4j test server" >&2
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends openjdk-17-jre-headless >/dev/null
  fi
fi
