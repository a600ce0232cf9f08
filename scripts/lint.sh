#!/usr/bin/env bash
# The static checks, with the pinned tools of /opt/netlab/venv (provision.sh --dev installs them):
# ruff's lint and format check, then mypy; `scripts/lint.sh mypy` runs mypy alone (pre-commit's hook).
# scripts/test.sh runs this before pytest. mypy runs once for the package, the scripts and
# tests/*.py, then once per test directory: each has a conftest.py and imports its helpers by bare
# name, as pytest puts each directory on sys.path. Its cache is under /tmp (pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=/opt/netlab/venv/bin
if [ "${1:-}" != mypy ]; then
    "$bin/ruff" check --no-cache --quiet .
    "$bin/ruff" format --no-cache --check --quiet .
fi
for target in "" tests/unit tests/integration; do
    "$bin/mypy" $target
done
