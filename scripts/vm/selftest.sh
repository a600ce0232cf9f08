#!/usr/bin/env bash
# Self-test of scripts/ipvs-vm.sh's cleanup, as root (about a minute; boots the VM twice):
#   1. SIGKILL the script while QEMU runs: QEMU must be gone within 5 s (parent-death signals);
#   2. a second run removes the output folder the killed one left, and SIGTERM stops it cleanly.
# Exit 0 if all holds; each failed check is one line on stderr, starting "selftest:".
set -euo pipefail
script=$(cd "$(dirname "$0")/.." && pwd)/ipvs-vm.sh
log=$(mktemp /tmp/netlab-vm-selftest.XXXXXX)
trap 'rm -f "$log"' EXIT
fail() { echo "selftest: $*" >&2; exit 1; }

alive() {   # PID: a running process (not a zombie waiting to be reaped)
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [ "$state" != Z ]
}
wait_for() {   # SECONDS COMMAND...: poll the command every 0.2 s until it succeeds
    local end=$((SECONDS + $1)); shift
    until "$@"; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}
qemu_of() {   # SCRIPT-PID: prints the PID of its QEMU (script -> timeout -> QEMU), once it runs
    local t q
    t=$(pgrep -P "$1" -x timeout) && q=$(pgrep -P "$t" -f qemu-system) && echo "$q"
}
start() {   # a run that boots the VM and collects nothing; sets $pid
    NETLAB_VM_OUT='' "$script" --collect-only -q tests/integration/test_installed_cli.py \
        < /dev/null > "$log" 2>&1 &
    pid=$!
}

start
wait_for 300 qemu_of "$pid" > /dev/null || fail "QEMU did not start: $(tail -3 "$log")"
qemu=$(qemu_of "$pid")
out=$(grep -lx "$pid .*" /tmp/netlab-vm.*/owner) && out=${out%/owner} || fail "no output folder owned by $pid"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
wait_for 5 eval '! alive "$qemu"' || fail "QEMU ($qemu) still runs 5 s after its script was killed"
[ -d "$out" ] || fail "the killed run's folder $out is gone already (expected it left behind)"

start
wait_for 300 grep -q "removed $out" "$log" || fail "the second run did not remove $out: $(tail -3 "$log")"
wait_for 300 qemu_of "$pid" > /dev/null || fail "QEMU did not start the second time"
qemu=$(qemu_of "$pid")
kill -TERM "$pid"
wait "$pid" 2>/dev/null || true
! alive "$qemu" || fail "QEMU ($qemu) remains after its script's SIGTERM"
! grep -qlx "$pid .*" /tmp/netlab-vm.*/owner 2>/dev/null || fail "SIGTERM left the output folder"
echo "selftest: ok (QEMU died with its SIGKILLed script; the next run removed $out)"
