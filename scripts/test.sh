#!/usr/bin/env bash
# The whole test suite, as root, on a fresh Debian/Ubuntu machine: provision (with the test and lint
# tools), the static checks (scripts/lint.sh: ruff, mypy), then pytest: unit tests of the pure layer
# and integration tests that build real labs. Where this machine's kernel has no IPVS (ip_vs), the
# IPVS tests run at the same time in QEMU VMs with a Debian kernel (scripts/ipvs-vm.sh), two by
# default (NETLAB_VMS), each with about half of them by their durations: a VM keeps one core busy
# with one test at a time, so two of them beside the host suite (which mostly waits on its labs)
# share the machine's two cores. They start first, being the longest part. Their output follows the
# host suite's; the exit code is non-zero if anything failed. Where the kernel has IPVS (the Vagrant
# VM, a distribution kernel), pytest runs them here.
#
#   sudo scripts/test.sh                      # everything (CI runs exactly this: .ci/run)
#   sudo scripts/test.sh tests/unit -x        # arguments go to pytest; a selection of tests
#                                             # (an argument not starting with -) runs on the host only
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
"$repo/scripts/provision.sh" --dev
cd "$repo"

selection=""
for arg in "$@"; do
    case $arg in -*) ;; *) selection=1 ;; esac
done
# Where the kernel has no IPVS: the IPVS tests in VMs, each with its share of them (pytest-split, by
# the durations measured in the VM: tests/integration/ipvs-durations.json), beside the host suite.
vms=${NETLAB_VMS:-2}
durations=tests/integration/ipvs-durations.json
vm_pids=() vm_logs=()
# shellcheck disable=SC2317  # run by the traps
stop_vms() {
    local pid
    for pid in "${vm_pids[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true   # ipvs-vm.sh stops QEMU and removes its folder
    done
    for pid in "${vm_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "${#vm_logs[@]}" -gt 0 ]; then rm -f "${vm_logs[@]}"; fi
}
trap stop_vms EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
vm_args() {   # GROUP: the VM's pytest arguments
    echo -m ipvs tests/integration --splits "$vms" --group "$1" --splitting-algorithm least_duration \
        --durations-path "$durations"
}
if [ ! -e /proc/net/ip_vs ] && [ -z "$selection" ]; then
    for group in $(seq 1 "$vms"); do
        vm_logs+=("$(mktemp /tmp/netlab-test-vm.XXXXXX)")
        # Under a parent-death signal: if this script is killed outright, the VM runner goes too (and
        # QEMU with it). An hour bounds each VM.
        # shellcheck disable=SC2046  # vm_args's words are separate arguments
        NETLAB_VM_TIMEOUT=${NETLAB_VM_TIMEOUT:-3600} setpriv --pdeathsig KILL -- \
            scripts/ipvs-vm.sh $(vm_args "$group") "$@" > "${vm_logs[-1]}" 2>&1 < /dev/null &
        vm_pids+=($!)
    done
    echo "test.sh: the IPVS tests run beside this suite in $vms VMs (scripts/ipvs-vm.sh); their output follows it"
fi
# After the VMs have started: they are the longest part, and the static checks take a minute.
lint_rc=0
scripts/lint.sh || lint_rc=$?

# The whole suite builds the bundled labs under their own names and proves the host untouched: it
# starts from no lab at all. A lab stays up when the run that built it is killed (as any lab does,
# by design), so a killed earlier run would fail this one's first tests ("already up").
if [ -z "$selection" ] && { [ -n "$(ls -A /run/netlab 2>/dev/null)" ] || compgen -G "/etc/netns/nl-*" > /dev/null \
    || ip netns list | grep -q '^nl-'; }; then
    echo "test.sh: netlab labs or leftovers were here before the suite (a killed earlier run?): taking them down"
    netlab down --all
    netlab clean
fi
host_rc=0
/opt/netlab/venv/bin/python -m pytest -p no:cacheprovider "$@" || host_rc=$?
vm_rc=0
for i in "${!vm_pids[@]}"; do
    rc=0
    wait "${vm_pids[$i]}" || rc=$?
    echo "test.sh: the IPVS tests in VM $((i + 1)) of $vms (scripts/ipvs-vm.sh $(vm_args $((i + 1))) $*), exit $rc:"
    cat "${vm_logs[$i]}"
    if [ "$rc" != 0 ] && [ "$vm_rc" = 0 ]; then vm_rc=$rc; fi
done
vm_pids=()
if [ "$lint_rc" != 0 ]; then echo "test.sh: the static checks failed (scripts/lint.sh, exit $lint_rc: see above)"; exit "$lint_rc"; fi
if [ "$host_rc" != 0 ]; then exit "$host_rc"; fi
exit "$vm_rc"
