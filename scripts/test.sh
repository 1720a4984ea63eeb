#!/usr/bin/env bash
# Set up everything (Python packages and Debian's chromium) and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test --browser
export PYTHONDONTWRITEBYTECODE=1
.venv/bin/python -m pytest tests graphkit --doctest-modules -p no:cacheprovider "$@"
# Known-vulnerability audit of the installed packages (reports SKIPPED when the service is unreachable).
bash scripts/audit.sh --ci
