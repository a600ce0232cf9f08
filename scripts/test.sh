#!/usr/bin/env bash
# The whole test suite, as root, on a fresh Debian/Ubuntu machine: provision (with the test and lint
# tools), the static checks (scripts/lint.sh: ruff, mypy), then pytest: unit tests of the pure layer
# and integration tests that build real labs. Where this machine's kernel has no IPVS (ip_vs), the
# IPVS tests run at the same time in a QEMU VM with a Debian kernel (scripts/ipvs-vm.sh): the VM
# leaves most of one core unused by the host suite, so side by side the whole run takes about as
# long as the VM alone. Its output follows the host suite's; the exit code is non-zero if either
# failed. Where the kernel has IPVS (the Vagrant VM, a distribution kernel), pytest runs them here.
#
#   sudo scripts/test.sh                      # everything (CI runs exactly this: .ci/run)
#   sudo scripts/test.sh tests/unit -x        # arguments go to pytest; a selection of tests
#                                             # (an argument not starting with -) runs on the host only
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/provision.sh" --dev
cd "$repo"
scripts/lint.sh

selection=""
for arg in "$@"; do
    case $arg in -*) ;; *) selection=1 ;; esac
done
vm="" vm_log=""
# shellcheck disable=SC2317  # run by the traps
stop_vm() {
    if [ -n "$vm" ]; then
        kill -TERM "$vm" 2>/dev/null || true   # ipvs-vm.sh stops QEMU and removes its folder
        wait "$vm" 2>/dev/null || true
    fi
    if [ -n "$vm_log" ]; then rm -f "$vm_log"; fi
}
trap stop_vm EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ ! -e /proc/net/ip_vs ] && [ -z "$selection" ]; then
    vm_log=$(mktemp /tmp/netlab-test-vm.XXXXXX)
    # Under a parent-death signal: if this script is killed outright, the VM runner goes too (and
    # QEMU with it). An hour bounds the VM: it takes about 35 minutes beside the host suite.
    NETLAB_VM_TIMEOUT=${NETLAB_VM_TIMEOUT:-3600} setpriv --pdeathsig KILL -- \
        scripts/ipvs-vm.sh -m ipvs tests/integration "$@" > "$vm_log" 2>&1 < /dev/null &
    vm=$!
    echo "test.sh: the IPVS tests run beside this suite in a VM (scripts/ipvs-vm.sh); their output follows it"
fi

host_rc=0
/opt/netlab/venv/bin/python -m pytest -p no:cacheprovider "$@" || host_rc=$?
vm_rc=0
if [ -n "$vm" ]; then
    wait "$vm" || vm_rc=$?
    vm=""
    echo "test.sh: the IPVS tests in the VM (scripts/ipvs-vm.sh -m ipvs tests/integration $*), exit $vm_rc:"
    cat "$vm_log"
fi
if [ "$host_rc" != 0 ]; then exit "$host_rc"; fi
exit "$vm_rc"
