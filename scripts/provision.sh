#!/usr/bin/env bash
# Installs what netlab needs on a fresh Debian 12 / Ubuntu 22.04+ machine, and netlab itself, so
# that `sudo netlab ...` works. Idempotent: run it again after pulling a new version.
#
#   sudo scripts/provision.sh          # the system tools + netlab
#   sudo scripts/provision.sh --dev    # the same + the test and lint tools (pytest, ruff, mypy)
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
[ "${1:-}" = "--dev" ] && extras="[test,lint]"

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
    iproute2 iptables nftables conntrack ipset curl iputils-ping tcpdump dnsutils graphviz \
    python3 python3-venv procps ca-certificates openssl

# nginx, for the ingress controller pods (lab ingress-http): netlab runs it itself, as nobody, inside
# the controller pod's network namespace, never on the host. Debian's package would start it on the
# host's port 80 as it installs (its postinst asks invoke-rc.d / deb-systemd-invoke), and netlab must
# leave nothing listening on the host. So, only when nginx is not installed yet (one the machine had
# already is its owner's business): a temporary /usr/sbin/policy-rc.d answering 101 ("action
# forbidden") stops the package from starting it (an existing policy-rc.d is set aside and put back),
# then the service is disabled, so neither a boot nor a later package upgrade starts it. Not masked:
# whoever wants nginx on the host can still enable it.
if ! dpkg-query -W -f='${Status}' nginx 2>/dev/null | grep -q "ok installed"; then
    policy=/usr/sbin/policy-rc.d
    saved=/usr/sbin/policy-rc.d.netlab-saved
    [ -e "$policy" ] && mv "$policy" "$saved"
    trap 'rm -f "$policy"; [ -e "$saved" ] && mv "$saved" "$policy"' EXIT
    printf '#!/bin/sh\n# scripts/provision.sh (netlab): no service starts while nginx is installed\nexit 101\n' > "$policy"
    chmod 755 "$policy"
    apt-get install -y -q --no-install-recommends nginx
    if command -v systemctl >/dev/null; then  # works without a running systemd too: the package's symlink goes
        systemctl disable --quiet nginx.service 2>/dev/null || true
    fi
    update-rc.d nginx disable >/dev/null 2>&1 || true  # sysvinit's links, where there are any
    rm -f "$policy"
    [ -e "$saved" ] && mv "$saved" "$policy"
    trap - EXIT
fi

[ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv "$venv"
# setuptools builds in the checkout's build/, and ships whatever an earlier build left there (a
# module deleted since would be installed again): start from none.
rm -rf "$repo/build"
"$venv/bin/pip" install -q --disable-pip-version-check "$repo$extras"
# pip keeps an installed netlab of the same version: reinstall it so this checkout is what runs.
"$venv/bin/pip" install -q --disable-pip-version-check --no-deps --force-reinstall "$repo"
chmod -R a+rX /opt/netlab
ln -sf "$venv/bin/netlab" /usr/local/bin/netlab
echo "netlab $("$venv/bin/netlab" --version | awk '{print $NF}') is installed: try 'sudo netlab list'"
