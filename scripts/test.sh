#!/usr/bin/env bash
# The whole test suite, as root, on a fresh Debian/Ubuntu machine: provision (with the test tools),
# then pytest: unit tests of the pure layer and integration tests that build real labs.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/unit -x).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/provision.sh" --dev
cd "$repo"
exec /opt/netlab/venv/bin/python -m pytest -p no:cacheprovider "$@"
