"""kube-proxy's IPVS mode on one node: the kube-ipvs0 dummy, IPVS services, ipsets, a few rules.

Sync, in kube-proxy's order: the IPVS sysctls; the ClusterIPs bound as /32 on the dummy device
kube-ipvs0 (so packets to them reach IPVS's LOCAL_IN hook; stale ones unbound); the ipsets
(`ipset restore`, before the iptables rules that match them); the iptables rules; then the IPVS
virtual and real servers through pyroute2's netlink API, added, changed or deleted to match the
render, and dumped back to check. Needs a kernel with ip_vs (and dummy): this machine's kernel has
neither, so these run in the QEMU VM of scripts/ipvs-vm.sh, or on a distribution kernel.
"""

from __future__ import annotations

import errno
import socket
import subprocess
from ipaddress import IPv4Address

from pyroute2 import IPVS, IPRoute, IPVSDest, IPVSService
from pyroute2.netlink.exceptions import NetlinkError

from netlab.errors import ApplyError, EnvironmentProblem
from netlab.kernel import netns
from netlab.render.ipvs import DUMMY, SYSCTLS, IpvsRuleset, VirtualServer, ipset_restore_text

PROTOCOLS = {"TCP": socket.IPPROTO_TCP, "UDP": socket.IPPROTO_UDP}
MASQ = 0  # IP_VS_CONN_F_MASQ; pyroute2's IPVSDest defaults to 3 (direct routing)
PERSISTENT = 0x1  # IP_VS_SVC_F_PERSISTENT: ClientIP session affinity

Key = tuple[int, str, int]  # (protocol number, address, port)


def apply(netns_name: str, ruleset: IpvsRuleset) -> None:
    """Bring the node's IPVS state to the ruleset, except its iptables part (the caller loads that
    after this, since its rules match the ipsets made here).

    Raises:
        EnvironmentProblem: the kernel lacks ip_vs or dummy devices.
        ApplyError: the kernel refused or did not hold a part of it.
    """
    with netns.entered(netns_name):
        _write_sysctls()
        ipr = IPRoute()
        ipvs = IPVS()
    with ipr:
        _bind_addresses(ipr, netns_name, ruleset.addresses)
    done = subprocess.run(
        ["nsenter", f"--net={netns.path(netns_name)}", "ipset", "restore"],
        input=ipset_restore_text(ruleset),
        capture_output=True,
        text=True,
        timeout=60,
    )
    if done.returncode:
        raise ApplyError(f"in {netns_name}: ipset restore refused the sets: {done.stderr.strip()}")
    with ipvs:
        _sync_servers(ipvs, netns_name, ruleset.virtual_servers)


def _write_sysctls() -> None:
    try:
        for path, value in SYSCTLS.items():
            with open(f"/proc/sys/{path}", "w") as f:
                f.write(value)
    except FileNotFoundError:
        raise EnvironmentProblem("this kernel has no IPVS (ip_vs): /proc/sys/net/ipv4/vs is missing") from None


def _bind_addresses(ipr: IPRoute, netns_name: str, wanted: tuple[IPv4Address, ...]) -> None:
    """kube-ipvs0 holds exactly the wanted addresses as /32."""
    found = ipr.link_lookup(ifname=DUMMY)
    if not found:
        try:
            ipr.link("add", ifname=DUMMY, kind="dummy")
        except NetlinkError as exc:
            if exc.code == errno.EOPNOTSUPP:
                raise EnvironmentProblem("this kernel cannot make dummy links (kube-ipvs0)") from None
            raise ApplyError(f"in {netns_name}: ip link add {DUMMY} type dummy: {exc}") from None
        found = ipr.link_lookup(ifname=DUMMY)
    index = found[0]
    have = {msg.get("IFA_ADDRESS") for msg in ipr.get_addr(index=index, family=socket.AF_INET)}
    for ip in sorted({str(a) for a in wanted} - have):
        ipr.addr("add", index=index, address=ip, prefixlen=32)
    for ip in sorted(have - {str(a) for a in wanted}):
        ipr.addr("del", index=index, address=ip, prefixlen=32)


def _service(server: VirtualServer) -> IPVSService:
    fields = {
        "addr": str(server.ip),
        "port": server.port,
        "protocol": PROTOCOLS[server.protocol],
        "sched_name": server.scheduler,
    }
    if server.persistent:
        fields.update(flags={"flags": PERSISTENT, "mask": 0xFFFF}, timeout=server.persistent)
    return IPVSService(**fields)


def _sync_servers(ipvs: IPVS, netns_name: str, wanted: tuple[VirtualServer, ...]) -> None:
    """Add, change and delete virtual and real servers until the kernel holds `wanted`."""
    desired = {(PROTOCOLS[s.protocol], str(s.ip), s.port): s for s in wanted}
    current = dump(ipvs)
    try:
        for key in current.keys() - desired.keys():
            ipvs.service("del", service=IPVSService(protocol=key[0], addr=key[1], port=key[2]))
        for key, server in desired.items():
            service = _service(server)
            if key not in current:
                ipvs.service("add", service=service)
            elif current[key][0] != (server.scheduler, server.persistent or 0):
                ipvs.service("set", service=service)
            reals = {(str(r.ip), r.port): r.weight for r in server.reals}
            have = current.get(key, (None, {}))[1]
            for ip, port in have.keys() - reals.keys():
                ipvs.dest("del", service=service, dest=IPVSDest(addr=ip, port=port))
            for (ip, port), weight in reals.items():
                dest = IPVSDest(addr=ip, port=port, weight=weight, fwd_method=MASQ)
                if (ip, port) not in have:
                    ipvs.dest("add", service=service, dest=dest)
                elif have[ip, port] != weight:
                    ipvs.dest("set", service=service, dest=dest)
    except NetlinkError as exc:
        raise ApplyError(f"in {netns_name}: IPVS refused a change: {exc}") from None
    held = dump(ipvs)
    for key, server in desired.items():
        reals = {(str(r.ip), r.port): r.weight for r in server.reals}
        if key not in held or held[key][1] != reals:
            raise ApplyError(
                f"in {netns_name}: after the sync IPVS does not hold {server.protocol} "
                f"{server.ip}:{server.port} as rendered"
            )


def dump(ipvs: IPVS) -> dict[Key, tuple[tuple[str, int], dict[tuple[str, int], int]]]:
    """What the kernel holds: per (protocol, address, port), (scheduler, persistence timeout) and
    the real servers with their weights."""
    held = {}
    for msg in ipvs.service("dump"):
        service = IPVSService.from_message(msg)
        key = (service["protocol"], str(service["addr"]), service["port"])
        flags = service.get("flags", {})
        persistent = service.get("timeout", 0) if isinstance(flags, dict) and flags.get("flags", 0) & PERSISTENT else 0
        reals = {}
        for dmsg in ipvs.dest("dump", service=service):
            raw = dmsg.get("IPVS_CMD_ATTR_DEST")
            address, port = str(raw.get("IPVS_DEST_ATTR_ADDR")), raw.get("IPVS_DEST_ATTR_PORT")
            reals[address, port] = raw.get("IPVS_DEST_ATTR_WEIGHT")
        held[key] = ((service.get("sched_name"), persistent), reals)
    return held


def programmed(netns_name: str) -> dict[Key, list[str]]:
    """Per virtual server, its real servers as `ip:port` (for `status`)."""
    with netns.entered(netns_name):
        ipvs = IPVS()
    with ipvs:
        return {key: sorted(f"{ip}:{port}" for ip, port in reals) for key, (_, reals) in dump(ipvs).items()}
