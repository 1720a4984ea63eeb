#!/usr/bin/env bash
# Set up everything (Python packages, Debian's chromium, Java for a Neo4j test server) and run the
# whole test suite.
#
# Neo4j server tests: with NEO4J_URI set they run against that server (they empty its database).
# Otherwise, when a Neo4j 5 server home is at hand — NEO4J_HOME, or ../shared/neo4j/home beside the
# checkout — a disposable server is started from a copy of it on 127.0.0.1 and stopped at the end,
# whatever happens. With neither, the server tests are skipped and the reason is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test --browser --neo4j
export PYTHONDONTWRITEBYTECODE=1

started_home=""
stop_server() {
  if [ -n "$started_home" ]; then
    echo "== 停止 Neo4j 测试服务器 / stopping the Neo4j test server" >&2
    .venv/bin/python tests/_neo4j_home.py stop "$started_home" || true
    started_home=""
  fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT
trap 'stop_server; exit 143' TERM HUP

if [ -n "${NEO4J_URI:-}" ]; then
  echo "== Neo4j 服务器测试使用 / Neo4j server tests use NEO4J_URI (its database is emptied)" >&2
elif why=$(.venv/bin/python tests/_neo4j_home.py find); then
  echo "== 启动 Neo4j 测试服务器 / starting a Neo4j test server from the $why" >&2
  line=$(.venv/bin/python tests/_neo4j_home.py start)
  eval "$line"
  started_home=$NEO4J_TEST_HOME
  echo "== Neo4j 测试服务器 / Neo4j test server at $NEO4J_URI" >&2
else
  echo "== 跳过 Neo4j 服务器测试 / Neo4j server tests will be SKIPPED: $why" >&2
fi

# Lint and types first: quick, and a failure names the line.
echo "== ruff（代码检查 lint）" >&2
.venv/bin/ruff check graphkit tests benchmarks scripts
echo "== mypy（类型检查 type check）" >&2
.venv/bin/mypy
.venv/bin/python -m pytest tests graphkit --doctest-modules -p no:cacheprovider "$@"
# Known-vulnerability audit of the installed packages (reports SKIPPED when the service is unreachable).
bash scripts/audit.sh --ci
