#!/usr/bin/env bash
# Installs what netlab needs on a fresh Debian 12 / Ubuntu 22.04+ machine, and netlab itself, so
# that `sudo netlab ...` works. Idempotent: run it again after pulling a new version.
#
#   sudo scripts/provision.sh          # the system tools + netlab
#   sudo scripts/provision.sh --dev    # the same + the test tools (pytest, pytest-order)
#
# Shared by the Vagrantfile, .ci/run (through scripts/test.sh) and users.
# netlab lives in /opt/netlab/venv, built from the distribution's /usr/bin/python3 and readable by
# every user: the workloads drop to `nobody`, which must be able to run that interpreter.
set -euo pipefail

if [ "$(id -u)" != 0 ]; then
    echo "provision.sh: run it as root (sudo scripts/provision.sh)" >&2
    exit 3
fi
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=/opt/netlab/venv
extras=""
[ "${1:-}" = "--dev" ] && extras="[test]"

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    iproute2 iptables nftables conntrack ipset curl iputils-ping tcpdump dnsutils \
    python3 python3-venv procps ca-certificates

[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check "$repo$extras"
# pip keeps an installed netlab of the same version: reinstall it so this checkout is what runs.
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$repo"
chmod -R a+rX /opt/netlab
ln -sf "$venv/bin/netlab" /usr/local/bin/netlab
echo "netlab $("$venv/bin/netlab" --version | awk '{print $NF}') is installed: try 'sudo netlab list'"
