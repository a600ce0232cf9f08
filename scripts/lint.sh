#!/usr/bin/env bash
# The static checks, with the pinned tools of /opt/netlab/venv (provision.sh --dev installs them):
# ruff's lint and format check, then mypy. scripts/test.sh runs this before pytest; pre-commit too.
# mypy runs once for the package, the scripts and tests/*.py, then once per test directory: each
# has a conftest.py and imports its helpers by bare name, as pytest puts each directory on sys.path.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=/opt/netlab/venv/bin
"$bin/ruff" check --no-cache --quiet .
"$bin/ruff" format --no-cache --check --quiet .
for target in "" tests/unit tests/integration; do
    "$bin/mypy" $target  # the cache is under /tmp (pyproject.toml)
done
