#!/usr/bin/env bash
# netlab's IPVS tests in a small QEMU VM, for machines whose kernel has no ip_vs (and cannot load
# modules). The VM boots a Debian distribution kernel, which has IPVS, and runs pytest from this
# checkout with the host's own /usr, /etc and venv. As root, on Debian 12:
#
#   sudo scripts/ipvs-vm.sh                                   # pytest -m ipvs tests/integration
#   sudo scripts/ipvs-vm.sh tests/integration/test_labs.py -k pod-to-pod     # any pytest arguments
#
# Exit code: the guest's pytest exit code, passed through as is (5: no tests collected); 1 if the VM
# crashed or a step preparing it failed, 124 if it hung, 3 if this machine cannot run it (not root,
# no room for the kernel). Each failure of ours is one line on stderr, starting "ipvs-vm:". NETLAB_VM_OUT=DIR keeps the output directory (console.log, guest.rc);
# NETLAB_VM_TIMEOUT=SECONDS bounds the VM (default 2400). QEMU ends with this script whatever kills
# it, and a later run removes what a killed one left: scripts/vm/selftest.sh proves both.
#
# The guest sees /usr, /etc, the kernel tree, /opt/netlab (a snapshot) and this checkout read-only
# over 9p, at the same paths, and writes only to the output directory. It has no network device:
# no packet leaves it and nothing of the host's network namespace is touched. The kernel tree,
# vmlinux and initramfs are cached in /var/cache/netlab-vm/<kernel version>; nothing else is left
# behind.
# The measured recipe behind every step: docs/ipvs-vm.md.
set -eEuo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
vmdir=$repo/scripts/vm
venv=/opt/netlab/venv
cache=/var/cache/netlab-vm
# Qemu, a busybox for the initramfs, depmod/modprobe (the host has neither kmod nor /lib/modules),
# and the IPVS tools the guest runs from the shared /usr.
packages=(qemu-system-x86 busybox-static kmod ipvsadm ipset)
# Peak disk use of a cold prepare: the .deb (71 MB), the reduced tree (196 MB), vmlinux (66 MB).
need_mb=400
# KVM is no use here (measured 2026-12-03): this machine is itself a Firecracker guest, and its
# /dev/kvm is PVM (the kvm_pvm module, no vmx/svm), which runs only kernels built as PVM guests.
# With a Debian kernel, -cpu host and max abort at once (QEMU cannot set MSR 0x10a,
# arch-capabilities); with -arch-capabilities, or -cpu qemu64, the guest crawls through its first
# boot messages and dies on "KVM internal error ... emulation failure" (cmpxchg16b in SLUB;
# xrstors with -cx16) or stalls, never reaching /init. So the VM runs on TCG, 10-40 times slower
# than the host (a Python start takes 0.3-1.0 s, importing pyroute2 4-7 s; docs/ipvs-vm.md has the
# timing). The 26 IPVS tests took 36 minutes in the VM on a mostly idle 2-core machine: 40 minutes
# is little room for a loaded runner (raise it with NETLAB_VM_TIMEOUT), but still ends a hung
# guest before a CI job's own limit.
vm_timeout=${NETLAB_VM_TIMEOUT:-2400}

build=""   # a temporary build directory under $cache, while one exists
out=""     # the output directory shared with the guest
vm_pid=""  # timeout(1) wrapping QEMU, while it runs

say() { echo "ipvs-vm: $*" >&2; }
die() { local code=$1; shift; say "$*"; exit "$code"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b - a}'; }

# shellcheck disable=SC2317  # run by the traps
cleanup() {
    if [ -n "$vm_pid" ]; then
        kill -TERM "$vm_pid" 2>/dev/null || true   # timeout passes it on to QEMU
        wait "$vm_pid" 2>/dev/null || true
    fi
    if [ -n "$build" ]; then rm -rf "$build"; fi
    if [ -n "$out" ]; then
        if [ -z "${NETLAB_VM_OUT:-}" ]; then rm -rf "$out"; else rm -rf "$out/.opt"; fi
    fi
}
trap cleanup EXIT
trap 'die 1 "failed: $BASH_COMMAND (line $LINENO)"' ERR   # with set -E, in functions too
trap 'exit 130' INT
trap 'exit 143' TERM

install_tools() {
    local p missing=()
    for p in "${packages[@]}"; do
        [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q
        apt-get install -y -q --no-install-recommends "${missing[@]}"
    fi
    # The guest runs the venv's Python; provision.sh --dev builds it (and the tools it needs).
    if ! [ -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import pytest' 2>/dev/null; then
        "$repo/scripts/provision.sh" --dev
    fi
}

# The ABI name linux-image-amd64 points at now (the mirror drops old ones), e.g. 6.1.0-56-amd64.
kernel_package() {
    apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-/{print $2; exit}'
}

need_room() {
    local free
    free=$(df -Pm "$cache" | awk 'NR==2{print $4}')
    [ "$free" -ge "$need_mb" ] ||
        die 3 "$cache has $free MB free; preparing the guest kernel needs about $need_mb MB"
}

# $cache/$kver/tree: the kernel's modules (only the subtrees the tests, 9p and the overlay on /etc
# need) with a fresh modules.dep, and boot/vmlinux-$kver. Built under a temporary name, moved in
# place when complete. The marker names the version of that list: a tree from an older list is built again.
ready=ready-2
prepare_kernel() {
    local pkg=$1 kver=$2 m old
    [ -f "$cache/$kver/$ready" ] && return
    need_room
    say "preparing the guest kernel $kver in $cache (once per kernel version)"
    build=$(mktemp -d "$cache/.build.XXXXXX")
    chmod 777 "$build"   # apt-get download fetches as the _apt user
    if ! (cd "$build" && apt-get download -q "$pkg"); then
        apt-get update -q && (cd "$build" && apt-get download -q "$pkg")
    fi
    m=./lib/modules/$kver
    mkdir -p "$build/$kver/tree"
    dpkg-deb --fsys-tarfile "$build/${pkg}"_*.deb | tar -x -C "$build/$kver/tree" --wildcards \
        "./boot/vmlinuz-$kver" "$m/modules.order" "$m/modules.builtin*" \
        "$m/kernel/net" "$m/kernel/fs/9p" "$m/kernel/fs/netfs" "$m/kernel/fs/fscache" "$m/kernel/fs/overlayfs" \
        "$m/kernel/drivers/virtio" "$m/kernel/drivers/net" "$m/kernel/lib" "$m/kernel/crypto" \
        "$m/kernel/arch/x86/crypto"
    rm "$build/${pkg}"_*.deb
    depmod -b "$build/$kver/tree" "$kver"   # the .deb ships no modules.dep
    /usr/bin/python3 "$vmdir/vmlinux.py" "$build/$kver/tree/boot/vmlinuz-$kver" "$build/$kver/tree/boot/vmlinux-$kver"
    rm "$build/$kver/tree/boot/vmlinuz-$kver"
    touch "$build/$kver/$ready"
    rm -rf "${cache:?}/$kver"
    mv "$build/$kver" "$cache/$kver"
    rm -rf "$build"; build=""
    for old in "$cache"/*/"$ready"; do   # an older kernel's tree is of no more use
        old=${old%/"$ready"}
        if [ -e "$old" ] && [ "$old" != "$cache/$kver" ]; then rm -rf "$old"; fi
    done
}

# An uncompressed newc cpio: /init, /guest.sh, a static busybox and the modules that mount 9p, in
# insmod order. Cached beside the tree under a hash of its inputs, so editing scripts/vm rebuilds it.
initrd=""
prepare_initramfs() {
    local kver=$1 tree=$cache/$1/tree mods key stage f
    mods=$(modprobe -d "$tree" -S "$kver" --show-depends -a virtio_pci 9pnet_virtio 9p |
        awk '$1 == "insmod" && !seen[$2]++ {print $2}')
    key=$({ cat "$vmdir/init" "$vmdir/guest.sh" /usr/bin/busybox; echo "$mods"; } | sha256sum | cut -c1-16)
    initrd=$cache/$kver/initramfs-$key.cpio
    [ -f "$initrd" ] && return
    build=$(mktemp -d "$cache/.build.XXXXXX")
    stage=$build/root
    mkdir -p "$stage/bb" "$stage/modules"
    cp /usr/bin/busybox "$stage/bb/busybox"
    install -m 755 "$vmdir/init" "$stage/init"
    install -m 755 "$vmdir/guest.sh" "$stage/guest.sh"
    for f in $mods; do
        cp "$f" "$stage/modules/"
        basename "$f" .ko >> "$stage/modules/order"
    done
    (cd "$stage" && find . | busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$build/initramfs.cpio"
    rm -f "$cache/$kver"/initramfs-*.cpio
    mv "$build/initramfs.cpio" "$initrd"
    rm -rf "$build"; build=""
}

# Boots the guest on TCG (KVM cannot run it here, see above), q35, no NIC, console on our stdout (and
# in $out/console.log). One vCPU: the guest runs one test at a time, and scripts/test.sh runs two VMs
# beside the host suite on a 2-core machine, where a second vCPU each made every step 2-3 times
# slower (docs/ipvs-vm.md). QEMU exits when the guest powers off, and after a guest panic too
# (panic=-1, -no-reboot): only $out/guest.rc says pytest ran.
run_vm() {
    local kver=$1 tree=$cache/$1/tree color=0
    [ -t 1 ] && color=1
    # shellcheck disable=SC2054  # the commas are QEMU's
    qemu=(qemu-system-x86_64 -accel tcg,thread=multi -M q35 -cpu max -smp 1 -m 1024
        -nodefaults -no-user-config -display none -no-reboot -nic none
        -chardev "stdio,id=console,signal=off,logfile=$out/console.log" -serial chardev:console
        -kernel "$tree/boot/vmlinux-$kver" -initrd "$initrd"
        -append "console=ttyS0 loglevel=3 panic=-1 share=$out repo=$repo color=$color")
    share usr /usr ro; share etc /etc ro; share kernel "$tree" ro
    share opt "$out/.opt" ro; share repo "$repo" ro; share share "$out"
    # Started in the background and waited for, so that Ctrl-C or SIGTERM reaches our trap at
    # once (and with it QEMU), instead of after the VM has finished. A SIGKILL runs no trap: each
    # link of script -> timeout -> QEMU gets SIGKILL from the kernel when its parent dies
    # (PR_SET_PDEATHSIG, which setpriv sets and exec keeps), so QEMU never outlives the script.
    setpriv --pdeathsig KILL -- timeout -k 10 "$vm_timeout" \
        setpriv --pdeathsig KILL -- "${qemu[@]}" < /dev/null &
    vm_pid=$!
    wait "$vm_pid" && vm_rc=0 || vm_rc=$?
    vm_pid=""
}
share() {   # TAG PATH [ro]
    qemu+=(-virtfs "local,path=$2,mount_tag=$1,security_model=none${3:+,readonly=on}")
}

# A process's PID and start time (in clock ticks since boot): a PID alone can be reused.
owner_id() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0
    stat=${stat##*) }   # the fields after the command name, which may hold spaces
    echo "$1 $(echo "$stat" | cut -d' ' -f20)"
}

# Output directories of runs that were SIGKILLed (no trap ran) stay behind: remove those whose
# recorded owner no longer runs. A directory without an owner file is not ours to judge.
remove_stale_outputs() {
    local d pid
    for d in /tmp/netlab-vm.*; do
        [ -f "$d/owner" ] || continue
        read -r pid _ < "$d/owner" || continue
        [[ "$pid" =~ ^[0-9]+$ ]] || continue
        [ "$(owner_id "$pid")" = "$(cat "$d/owner")" ] && continue
        rm -rf "$d" && say "removed $d, left by a run that was killed (PID $pid)"
    done
}

main() {
    [ "$(id -u)" = 0 ] || die 3 "run it as root (sudo scripts/ipvs-vm.sh)"
    local args=("$@") started pkg kver rc
    [ "${#args[@]}" -gt 0 ] || args=(-m ipvs tests/integration)
    case "$repo" in *[[:space:],]*) die 3 "the checkout's path has a space or comma, which QEMU's -virtfs cannot take: $repo";; esac

    started=$(now)
    mkdir -p "$cache"
    # One prepare at a time, apt-get's included: scripts/test.sh starts two of us at once, and a
    # second apt-get fails at once on dpkg's lock rather than wait for it.
    exec 9> "$cache/.lock"
    flock -w 900 9 || die 1 "another ipvs-vm.sh has been preparing $cache for 15 minutes"
    install_tools
    rm -rf "$cache"/.build.*   # builds happen under the lock: any left was a killed run's
    pkg=$(kernel_package)
    [ -n "$pkg" ] || { apt-get update -q; pkg=$(kernel_package); }
    [ -n "$pkg" ] || die 1 "apt knows no linux-image-amd64 dependency (is this Debian 12?)"
    kver=${pkg#linux-image-}
    prepare_kernel "$pkg" "$kver"
    prepare_initramfs "$kver"
    exec 9>&-
    say "prepared in $(since "$started") s: kernel $kver"

    if [ -n "${NETLAB_VM_OUT:-}" ]; then
        out=$(mkdir -p "$NETLAB_VM_OUT" && cd "$NETLAB_VM_OUT" && pwd)
        rm -rf "$out/guest.rc" "$out/guest.error" "$out/pytest.args" "$out/console.log" "$out/.opt"
    else
        remove_stale_outputs
        out=$(mktemp -d /tmp/netlab-vm.XXXXXX)
        owner_id $$ > "$out/owner"
    fi
    case "$out" in *[[:space:],]*) die 3 "the output directory's path has a space or comma: $out";; esac
    printf '%s\0' "${args[@]}" > "$out/pytest.args"
    # The guest runs a snapshot of /opt/netlab: a provision.sh or pip install on the host (CI's host
    # suite beside the VM) reinstalls netlab under it otherwise. Hard links: instant, and pip
    # replaces files (new inodes), never rewrites them in place.
    cp -al /opt/netlab "$out/.opt" 2>/dev/null || { rm -rf "$out/.opt" && cp -a /opt/netlab "$out/.opt"; }

    started=$(now)
    run_vm "$kver"
    say "the VM (TCG) ran $(since "$started") s"
    case $vm_rc in
        0) ;;
        124|137) die 124 "the VM did not finish within $vm_timeout s and was stopped (a hung guest or test)";;
        *) die 1 "QEMU failed (exit $vm_rc)";;
    esac
    [ ! -f "$out/guest.error" ] || die 1 "in the guest: $(cat "$out/guest.error")"
    rc=$(cat "$out/guest.rc" 2>/dev/null || true)
    [[ "$rc" =~ ^[0-9]+$ ]] || die 1 "the guest stopped without an exit code (a kernel panic or crash: see its console above)"
    exit "$rc"
}

main "$@"
