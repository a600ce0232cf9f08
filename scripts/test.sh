#!/usr/bin/env bash
# The whole test suite, as root, on a fresh Debian/Ubuntu machine: provision (with the test and lint
# tools), the static checks (scripts/lint.sh: ruff, mypy), then pytest: unit tests of the pure layer
# and integration tests that build real labs.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/unit -x).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/provision.sh" --dev
cd "$repo"
scripts/lint.sh
exec /opt/netlab/venv/bin/python -m pytest -p no:cacheprovider "$@"
