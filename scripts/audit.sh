#!/usr/bin/env bash
# Audit graphkit's installed dependencies.
#
#   bash scripts/audit.sh          # local use: exit 0 clean, 1 findings, 3 could not audit
#   bash scripts/audit.sh --ci     # CI: "could not audit" (no network) is a loud SKIP, exit 0;
#                                  # real findings and broken version ranges still fail (exit 1)
#
# Steps
#   1. ranges (offline): every requirement declared in pyproject.toml (dependencies and extras) is
#      satisfied by what is installed in .venv, and `pip check` finds no conflicts.
#   2. vulnerabilities (online): pip-audit against the installed environment (editable graphkit
#      itself skipped), first with the PyPI advisory service, then OSV. pip-audit reports "No known
#      vulnerabilities found" even when it could not look a single package up (a mirror without
#      the JSON API, no network): this script counts the packages actually audited and says
#      clearly when the service was unreachable or returned nothing.
#
# Accepted findings are listed below, each with its reason; pip-audit is told to ignore exactly
# those IDs. See docs/reliability.md.
set -uo pipefail
cd "$(dirname "$0")/.."

CI_MODE=0
for arg in "$@"; do
  case "$arg" in
    --ci) CI_MODE=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "未知参数 unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# ID  reason — keep this list short and dated; remove an entry when the fix is installable.
ACCEPTED=(
  # (none as of 2026-11: the last audit with a reachable service found nothing)
)

PY=.venv/bin/python
if [ ! -x "$PY" ]; then
  echo "找不到 .venv，请先运行 bash scripts/setup.sh --test / no .venv: run bash scripts/setup.sh --test first" >&2
  exit 2
fi

echo "== 1/2 依赖版本范围 declared version ranges (offline)"
if ! "$PY" - <<'PYEOF'
import sys, tomllib
from importlib.metadata import PackageNotFoundError, version
from packaging.requirements import Requirement

with open("pyproject.toml", "rb") as fh:
    project = tomllib.load(fh)["project"]
reqs = list(project.get("dependencies", []))
for extra, items in project.get("optional-dependencies", {}).items():
    reqs += [r for r in items if not r.startswith("graphkit[")]
bad, missing = [], []
for text in reqs:
    req = Requirement(text)
    try:
        have = version(req.name)
    except PackageNotFoundError:
        missing.append(req.name)
        continue
    if not req.specifier.contains(have, prereleases=True):
        bad.append(f"{req.name} {have} (declared {req.specifier})")
for b in bad:
    print(f"  超出声明范围 outside the declared range: {b}")
for m in missing:
    print(f"  未安装 not installed (extra not set up?): {m}")
print(f"  {len(reqs) - len(bad) - len(missing)}/{len(reqs)} 个声明满足 declared requirements satisfied")
sys.exit(1 if bad else 0)
PYEOF
then
  echo "失败 FAILED: 已安装版本不在 pyproject.toml 声明的范围内 / installed versions outside the declared ranges" >&2
  exit 1
fi
if ! "$PY" -m pip check --disable-pip-version-check; then
  echo "失败 FAILED: pip check 发现依赖冲突 / pip check found conflicting dependencies" >&2
  exit 1
fi

echo "== 2/2 已知漏洞 known vulnerabilities (pip-audit; needs the advisory service)"
AUDIT=.venv/bin/pip-audit
if [ ! -x "$AUDIT" ]; then
  echo "找不到 pip-audit，请运行 bash scripts/setup.sh --test / pip-audit not installed: run bash scripts/setup.sh --test" >&2
  exit 2
fi
ignore_args=()
for entry in "${ACCEPTED[@]}"; do
  ignore_args+=(--ignore-vuln "${entry%% *}")
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
status=unreachable
for service in pypi osv; do
  "$AUDIT" --progress-spinner off --skip-editable --timeout 20 -s "$service" -f json -o "$tmp/$service.json" \
    "${ignore_args[@]}" >"$tmp/$service.out" 2>"$tmp/$service.err"
  rc=$?
  verdict="$("$PY" - "$tmp/$service.json" "$service" "$rc" <<'PYEOF'
import json, sys
path, service, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with open(path, encoding="utf-8") as fh:
        deps = json.load(fh)["dependencies"]
except (OSError, ValueError, KeyError):
    print("unreachable")
    sys.exit()
editable = [d for d in deps if "editable" in (d.get("skip_reason") or "")]
skipped = [d for d in deps if d.get("skip_reason") and d not in editable]
audited = [d for d in deps if not d.get("skip_reason")]
vulns = [(d["name"], d["version"], v) for d in audited for v in d.get("vulns", [])]
print(f"  [{service}] 已审计 audited {len(audited)}，未能查询 could not look up {len(skipped)}，"
      f"可编辑安装跳过 editable skipped {len(editable)}", file=sys.stderr)
if not audited:
    print("unreachable")
    sys.exit()
for name, ver, v in vulns:
    fix = ", ".join(v.get("fix_versions") or []) or "无 none"
    print(f"  漏洞 VULNERABLE {name} {ver}: {v['id']} (aliases {', '.join(v.get('aliases') or []) or '-'}; "
          f"修复版本 fixed in {fix})", file=sys.stderr)
for d in skipped:
    print(f"  未审计 not audited: {d['name']} {d.get('version', '')}: {d['skip_reason']}", file=sys.stderr)
print("findings" if vulns else ("partial" if skipped else "clean"))
PYEOF
)"
  case "$verdict" in
    clean|partial|findings) status="$verdict"; break ;;
    *) echo "  [$service] 漏洞服务不可达或未返回任何数据 / the $service service was unreachable or returned no data" \
            "($(tail -n 1 "$tmp/$service.err" 2>/dev/null | cut -c1-160))" >&2 ;;
  esac
done

case "$status" in
  clean)
    echo "通过 PASSED: 未发现已知漏洞 / no known vulnerabilities (${#ACCEPTED[@]} accepted)"; exit 0 ;;
  partial)
    echo "通过（部分）PASSED, PARTIAL: 已审计的依赖没有已知漏洞，上列依赖未能查询 / no known vulnerabilities in" \
         "the packages that could be looked up; the packages listed above were not audited"; exit 0 ;;
  findings)
    echo "失败 FAILED: 发现已知漏洞；升级，或在 scripts/audit.sh 的 ACCEPTED 中写明理由 / known vulnerabilities:" \
         "upgrade, or list them with a reason in ACCEPTED in scripts/audit.sh" >&2; exit 1 ;;
  *)
    msg="未审计 NOT AUDITED: 无法访问漏洞服务（PyPI JSON API 与 OSV 均不可用，可能无网络或镜像不提供该接口）/ the vulnerability services (PyPI JSON API, OSV) were unreachable or returned nothing"
    if [ "$CI_MODE" = 1 ]; then
      echo "跳过 SKIPPED — $msg; CI treats this as a skip, run the audit where the network is available" >&2
      exit 0
    fi
    echo "$msg" >&2
    exit 3 ;;
esac
