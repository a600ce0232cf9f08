#!/usr/bin/bash
# Runs in the IPVS test VM (started by /init, see scripts/vm/init): load the kernel modules the tests
# need, then pytest from the checkout with the arguments the host wrote to $share/pytest.args
# (NUL-separated). Its exit code is pytest's; output goes to the serial console, i.e. the host's
# stdout. A problem before pytest starts is one line in $share/guest.error and exit 1.
set -uo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
share=${share:?} repo=${repo:?}   # from the kernel command line, through /init
fail() { echo "$*" > "$share/guest.error"; echo "ipvs-vm guest: $*" >&2; exit 1; }

# Loaded explicitly, before anything runs, rather than left to autoload:
# - the net.ipv4.vs.* sysctls (vs/conntrack=1 makes MASQUERADE apply to IPVS traffic) exist only
#   once ip_vs is in, and netlab writes them before anything would pull ip_vs in;
# - a module loaded midway adds /proc/sys/net entries, which the suite's "host untouched" check
#   would count as a change the tests made.
MODULES=(
    ip_vs ip_vs_rr dummy veth bridge br_netfilter vxlan nf_conntrack
    ip_set ip_set_hash_ipport ip_set_hash_ip ip_set_hash_ipportip ip_set_hash_ipportnet ip_set_bitmap_port
    xt_set xt_comment xt_mark xt_MASQUERADE xt_statistic xt_recent xt_conntrack xt_addrtype nft_chain_nat
    # what the whole integration suite autoloaded besides (iptables-nft, nftables mode, conntrack -D)
    nf_tables nft_compat nft_ct nft_nat nft_masq nft_numgen nft_reject_ipv4 nf_conntrack_netlink
    xt_nat xt_tcpudp ipt_REJECT
)
modprobe -a "${MODULES[@]}" || fail "modprobe of the test modules failed (see above)"
ip link set lo up || fail "ip link set lo up failed"

mapfile -d '' -t args < "$share/pytest.args" || fail "cannot read $share/pytest.args"
mkdir -p /tmp/home
export HOME=/tmp/home TMPDIR=/tmp LC_ALL=C.UTF-8 PYTHONDONTWRITEBYTECODE=1 COLUMNS=120
# Tests can tell they run here, emulated (TCG): 10-20 times slower than the host, so a time budget
# measured on the host does not hold.
export NETLAB_VM=1
export PY_COLORS=${color:-0}  # colours only if the host's stdout is a terminal
cd "$repo" || fail "no checkout at $repo"
echo "ipvs-vm guest: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s; pytest ${args[*]}"
dmesg --clear   # from here on, the kernel's messages are the tests' (boot has its own harmless warnings)
# Through a pipe, not straight to the console (a tty): pytest then prints plain lines, without
# rewriting its "collecting ..." line, which a log would keep as one long line of carriage returns.
/opt/netlab/venv/bin/python -u -m pytest -p no:cacheprovider "${args[@]}" 2>&1 | cat
rc=${PIPESTATUS[0]}
# The console shows only critical kernel messages (loglevel=3), so that IPVS's "no destination
# available" and the like do not cut into pytest's lines: the errors and warnings come here instead.
warnings=$(dmesg --level=emerg,alert,crit,err,warn)
[ -z "$warnings" ] || printf 'ipvs-vm guest: kernel errors and warnings of this run:\n%s\n' "$warnings"
exit "$rc"
