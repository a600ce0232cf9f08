"""Services -> what kube-proxy's IPVS mode programs on one node (pure).

Mirrors pkg/proxy/ipvs/proxier.go and ipset.go of kube-proxy v1.30-v1.33 (docs/kube-proxy.md,
IPVS mode; the mode is deprecated from 1.35) with its defaults: scheduler rr, masqueradeBit 14,
detectLocalMode ClusterCIDR. Four parts:
- addresses: every ClusterIP and LoadBalancer IP, bound as /32 on the dummy `kube-ipvs0`, so
  packets to it are local and reach IPVS in LOCAL_IN (kube-proxy skips binding an LB IP that is
  already a node address; the lab's pool, 198.51.100.200 upward, never is);
- virtual servers: one per ClusterIP:port, real servers weight 1 with Masq (NAT) forwarding;
  ClientIP affinity sets `persistent` with the Service's timeout. A port without endpoints still
  gets its virtual server (with no real servers), as in kube-proxy. A NodePort adds one on the
  node's IP:nodePort, not bound on kube-ipvs0 (the address is the node's already). kube-proxy
  (nodePortAddresses unset) makes one per non-loopback node address outside kube-ipvs0; netlab
  uses only the node's primary IP (eth0), the one labs reach NodePorts on. Policy Cluster: every
  endpoint. Local: this node's endpoints; with none, every endpoint after all (syncEndpoint's
  fallback, kubernetes PR 97081, so local pods still reach it). Unlike iptables mode nothing drops
  outside traffic then: it is forwarded unmasqueraded, and the pod's reply, sent from its own address
  and not back through this node, is lost to the client. A LoadBalancer adds one on LBIP:port, on
  every node, with the same real servers as its NodePort (policy Cluster: all; Local: the local
  ones, else all), written between the ClusterIP's and the NodePort's as syncProxyRules does;
- ipsets: every set kube-proxy creates, with their types, most of them empty here; KUBE-LOOP-BACK
  holds only the endpoints on this node (the hairpin case); KUBE-NODE-PORT-TCP/-UDP every nodePort,
  their -LOCAL twins those of policy Local; KUBE-LOAD-BALANCER every LBIP,proto:port and
  KUBE-LOAD-BALANCER-LOCAL those of policy Local; KUBE-HEALTH-CHECK-NODE-PORT the
  healthCheckNodePort of each LoadBalancer with policy Local (kube-proxy skips it, like the
  NodePort, when it has no node IPs);
- iptables: the rules IPVS mode still needs (masquerade by set match, the VIP access filter), built
  from the same fixed rules and helpers as iptables mode. NodePorts reach nat KUBE-NODE-PORT through
  KUBE-SERVICES' `--dst-type LOCAL` rule, where the -LOCAL sets RETURN before their twins mark for
  masquerade, so policy Local keeps the client's IP. LoadBalancer IPs jump from KUBE-SERVICES to nat
  KUBE-LOAD-BALANCER, which RETURNs the -LOCAL set's and marks the rest for masquerade; filter
  KUBE-NODE-PORT accepts the health check ports (kube-proxy answers on them). No
  loadBalancerSourceRanges (the -FW/-SOURCE-* sets stay empty, KUBE-IPVS-OUT-FILTER too). The
  restore input is `*nat` then `*filter`, the order the IPVS proxier writes it; the jumps are
  ensured the same way (see iptables.py).
Rules are written in proxier.go's order and form, not iptables-save's.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network

from netlab.plan.model import Endpoint, NodePlan, ServicePlan, ServicePortPlan
from netlab.render.iptables import (
    FORWARD,
    LOCALHOST,
    MARK_MASQ,
    POSTROUTING,
    PROXY_FIREWALL,
    SERVICES,
    IptablesRuleset,
    comment,
    forward_accept_rules,
    jump,
    line,
    masquerade_rules,
    section,
)

SCHEDULER = "rr"
NODE_PORT, LOAD_BALANCER = "KUBE-NODE-PORT", "KUBE-LOAD-BALANCER"
SOURCE_RANGES_FIREWALL = "KUBE-SOURCE-RANGES-FIREWALL"
IPVS_FILTER, IPVS_OUT_FILTER = "KUBE-IPVS-FILTER", "KUBE-IPVS-OUT-FILTER"

LOOP_BACK, CLUSTER_IP, IPVS_IPS = "KUBE-LOOP-BACK", "KUBE-CLUSTER-IP", "KUBE-IPVS-IPS"
EXTERNAL_IP, EXTERNAL_IP_LOCAL = "KUBE-EXTERNAL-IP", "KUBE-EXTERNAL-IP-LOCAL"
LB, LB_LOCAL, LB_FW = "KUBE-LOAD-BALANCER", "KUBE-LOAD-BALANCER-LOCAL", "KUBE-LOAD-BALANCER-FW"
LB_SOURCE_IP, LB_SOURCE_CIDR = "KUBE-LOAD-BALANCER-SOURCE-IP", "KUBE-LOAD-BALANCER-SOURCE-CIDR"
NODE_PORT_TCP, NODE_PORT_LOCAL_TCP = "KUBE-NODE-PORT-TCP", "KUBE-NODE-PORT-LOCAL-TCP"
NODE_PORT_UDP, NODE_PORT_LOCAL_UDP = "KUBE-NODE-PORT-UDP", "KUBE-NODE-PORT-LOCAL-UDP"
NODE_PORT_SCTP, NODE_PORT_LOCAL_SCTP = "KUBE-NODE-PORT-SCTP-HASH", "KUBE-NODE-PORT-LOCAL-SCTP-HASH"
HEALTH_CHECK_NODE_PORT = "KUBE-HEALTH-CHECK-NODE-PORT"

# Every set kube-proxy creates, in its ipsetInfo order: (name, type, comment used in iptables rules).
IPSETS = (
    (LOOP_BACK, "hash:ip,port,ip", "Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose"),
    (CLUSTER_IP, "hash:ip,port", "Kubernetes service cluster ip + port for masquerade purpose"),
    (EXTERNAL_IP, "hash:ip,port", "Kubernetes service external ip + port for masquerade and filter purpose"),
    (EXTERNAL_IP_LOCAL, "hash:ip,port", "Kubernetes service external ip + port with externalTrafficPolicy=local"),
    (LB, "hash:ip,port", "Kubernetes service lb portal"),
    (LB_FW, "hash:ip,port", "Kubernetes service load balancer ip + port for load balancer with sourceRange"),
    (LB_LOCAL, "hash:ip,port", "Kubernetes service load balancer ip + port with externalTrafficPolicy=local"),
    (
        LB_SOURCE_IP,
        "hash:ip,port,ip",
        "Kubernetes service load balancer ip + port + source IP for packet filter purpose",
    ),
    (
        LB_SOURCE_CIDR,
        "hash:ip,port,net",
        "Kubernetes service load balancer ip + port + source cidr for packet filter purpose",
    ),
    (NODE_PORT_TCP, "bitmap:port", "Kubernetes nodeport TCP port for masquerade purpose"),
    (NODE_PORT_LOCAL_TCP, "bitmap:port", "Kubernetes nodeport TCP port with externalTrafficPolicy=local"),
    (NODE_PORT_UDP, "bitmap:port", "Kubernetes nodeport UDP port for masquerade purpose"),
    (NODE_PORT_LOCAL_UDP, "bitmap:port", "Kubernetes nodeport UDP port with externalTrafficPolicy=local"),
    (NODE_PORT_SCTP, "hash:ip,port", "Kubernetes nodeport SCTP port for masquerade purpose with type 'hash ip:port'"),
    (
        NODE_PORT_LOCAL_SCTP,
        "hash:ip,port",
        "Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type 'hash ip:port'",
    ),
    (HEALTH_CHECK_NODE_PORT, "bitmap:port", "Kubernetes health check node port"),
    (IPVS_IPS, "hash:ip", "Addresses on the ipvs interface"),
)
# Per protocol, the bitmap:port sets of every nodePort and of those with externalTrafficPolicy Local.
NODE_PORT_SETS = {"TCP": (NODE_PORT_TCP, NODE_PORT_LOCAL_TCP), "UDP": (NODE_PORT_UDP, NODE_PORT_LOCAL_UDP)}

# Sets matched by one rule each when not empty (ipsetWithIptablesChain): set, table, chain, target, match
# flags, protocol. The -LOCAL sets RETURN before their masquerading twins, so Local policy keeps the source.
SET_RULES = (
    (LOOP_BACK, "nat", POSTROUTING, "MASQUERADE", "dst,dst,src", ""),
    (LB, "nat", SERVICES, LOAD_BALANCER, "dst,dst", ""),
    (LB_LOCAL, "nat", LOAD_BALANCER, "RETURN", "dst,dst", ""),
    (NODE_PORT_LOCAL_TCP, "nat", NODE_PORT, "RETURN", "dst", "tcp"),
    (NODE_PORT_TCP, "nat", NODE_PORT, MARK_MASQ, "dst", "tcp"),
    (NODE_PORT_LOCAL_UDP, "nat", NODE_PORT, "RETURN", "dst", "udp"),
    (NODE_PORT_UDP, "nat", NODE_PORT, MARK_MASQ, "dst", "udp"),
    (NODE_PORT_LOCAL_SCTP, "nat", NODE_PORT, "RETURN", "dst,dst", "sctp"),
    (NODE_PORT_SCTP, "nat", NODE_PORT, MARK_MASQ, "dst,dst", "sctp"),
    (LB_FW, "filter", PROXY_FIREWALL, SOURCE_RANGES_FIREWALL, "dst,dst", ""),
    (LB_SOURCE_CIDR, "filter", SOURCE_RANGES_FIREWALL, "RETURN", "dst,dst,src", ""),
    (LB_SOURCE_IP, "filter", SOURCE_RANGES_FIREWALL, "RETURN", "dst,dst,src", ""),
)

NAT_CHAINS = (SERVICES, POSTROUTING, NODE_PORT, LOAD_BALANCER, MARK_MASQ)
FILTER_CHAINS = (FORWARD, NODE_PORT, PROXY_FIREWALL, SOURCE_RANGES_FIREWALL, IPVS_FILTER, IPVS_OUT_FILTER)
IPVS_JUMPS = (
    jump("nat", "OUTPUT", SERVICES, "kubernetes service portals"),
    jump("nat", "PREROUTING", SERVICES, "kubernetes service portals"),
    jump("nat", "POSTROUTING", POSTROUTING, "kubernetes postrouting rules"),
    jump("filter", "FORWARD", FORWARD, "kubernetes forwarding rules"),
    jump("filter", "INPUT", NODE_PORT, "kubernetes health check rules"),
    jump("filter", "INPUT", PROXY_FIREWALL, "kube-proxy firewall rules"),
    jump("filter", "FORWARD", PROXY_FIREWALL, "kube-proxy firewall rules"),
    jump("filter", "INPUT", IPVS_FILTER, "kubernetes ipvs access filter"),
    jump("filter", "OUTPUT", IPVS_OUT_FILTER, "kubernetes ipvs access filter"),
)


@dataclass(frozen=True)
class RealServer:
    ip: IPv4Address
    port: int
    weight: int = 1


@dataclass(frozen=True)
class VirtualServer:
    protocol: str  # "TCP" | "UDP" | "SCTP"
    ip: IPv4Address
    port: int
    scheduler: str
    persistent: int | None  # ClientIP affinity timeout in seconds
    reals: tuple[RealServer, ...]


@dataclass(frozen=True)
class IpSet:
    name: str
    type: str
    comment: str
    entries: tuple[str, ...]  # sorted, in ipset's own entry syntax


@dataclass(frozen=True)
class IpvsRuleset:
    addresses: tuple[IPv4Address, ...]  # bound as /32 on the dummy kube-ipvs0
    virtual_servers: tuple[VirtualServer, ...]
    ipsets: tuple[IpSet, ...]
    iptables: IptablesRuleset  # the few iptables rules IPVS mode still uses


def render_ipvs(
    services: Sequence[ServicePlan], cluster_cidr: IPv4Network, node: NodePlan | None = None
) -> IpvsRuleset:
    """What kube-proxy's IPVS mode programs for these Services on one node.

    Args:
        services: the plan's Services; headless ones get nothing.
        cluster_cidr: the pod CIDR: ClusterIP traffic from outside it is masqueraded.
        node: the node it is for: only its endpoints go into KUBE-LOOP-BACK and serve policy Local,
            and its IP gets the NodePort virtual servers. None: nothing node-specific (no NodePort
            virtual servers or set entries, no health check ports, as kube-proxy without node IPs;
            LoadBalancer IPs keep theirs, with every endpoint), for ClusterIP-only callers.
    """
    addresses: list[IPv4Address] = []
    servers: list[VirtualServer] = []
    entries: dict[str, set[str]] = {name: set() for name, _, _ in IPSETS}
    for svc in services:
        if svc.cluster_ip is None:
            continue
        if svc.cluster_ip not in addresses:
            addresses.append(svc.cluster_ip)
        persistent = svc.affinity_timeout if svc.session_affinity else None
        for port in svc.ports:
            proto = port.protocol.lower()
            local = [ep for ep in port.endpoints if node is not None and ep.node == node.name]
            entries[LOOP_BACK] |= {f"{ep.ip},{proto}:{ep.port},{ep.ip}" for ep in local}
            entries[CLUSTER_IP].add(f"{svc.cluster_ip},{proto}:{port.port}")
            servers.append(
                VirtualServer(port.protocol, svc.cluster_ip, port.port, SCHEDULER, persistent, _reals(port.endpoints))
            )
            if svc.load_balancer_ip is not None:
                servers.append(_load_balancer(svc, svc.load_balancer_ip, port, local, entries))
                if svc.load_balancer_ip not in addresses:
                    addresses.append(svc.load_balancer_ip)
            if node is not None and port.node_port is not None:
                servers.append(_node_port(svc, port, port.node_port, node, local, entries))
            # After the nodePort's part, whose `continue` skips this too when there are no node IPs.
            if svc.health_check_node_port is not None and (node is not None or port.node_port is None):
                entries[HEALTH_CHECK_NODE_PORT].add(str(svc.health_check_node_port))
    entries[IPVS_IPS] = {str(ip) for ip in addresses}
    ipsets = tuple(IpSet(name, kind, text, tuple(sorted(entries[name]))) for name, kind, text in IPSETS)
    return IpvsRuleset(tuple(addresses), tuple(servers), ipsets, _iptables(ipsets, cluster_cidr))


def _node_port(
    svc: ServicePlan,
    port: ServicePortPlan,
    node_port: int,
    node: NodePlan,
    local: list[Endpoint],
    entries: dict[str, set[str]],
) -> VirtualServer:
    """The virtual server on the node's IP:nodePort; its port goes into the set that marks it for
    masquerade and, for policy Local, into the -LOCAL set that RETURNs first (the client IP is kept)."""
    every, only_local = NODE_PORT_SETS[port.protocol]
    entries[every].add(str(node_port))
    if svc.external_local:
        entries[only_local].add(str(node_port))
    return VirtualServer(
        port.protocol,
        node.ip.ip,
        node_port,
        SCHEDULER,
        svc.affinity_timeout if svc.session_affinity else None,
        _external_reals(svc, port, local),
    )


def _load_balancer(
    svc: ServicePlan, ip: IPv4Address, port: ServicePortPlan, local: list[Endpoint], entries: dict[str, set[str]]
) -> VirtualServer:
    """The virtual server on LBIP:port; the LB IP and port go into KUBE-LOAD-BALANCER (whose chain marks
    for masquerade) and, for policy Local, into KUBE-LOAD-BALANCER-LOCAL too (RETURNed first)."""
    entry = f"{ip},{port.protocol.lower()}:{port.port}"
    entries[LB].add(entry)
    if svc.external_local:
        entries[LB_LOCAL].add(entry)
    return VirtualServer(
        port.protocol,
        ip,
        port.port,
        SCHEDULER,
        svc.affinity_timeout if svc.session_affinity else None,
        _external_reals(svc, port, local),
    )


def _external_reals(svc: ServicePlan, port: ServicePortPlan, local: list[Endpoint]) -> tuple[RealServer, ...]:
    """syncEndpoint for an external address (NodePort, LB IP): policy Local takes this node's
    endpoints, or all of them when there are none here (kubernetes PR 97081); Cluster takes all."""
    return _reals(local if svc.external_local and local else port.endpoints)


def _reals(endpoints: Sequence[Endpoint]) -> tuple[RealServer, ...]:
    return tuple(RealServer(ep.ip, ep.port) for ep in endpoints)


def _iptables(ipsets: tuple[IpSet, ...], cluster_cidr: IPv4Network) -> IptablesRuleset:
    """The iptables part, in the order writeIptablesRules writes it."""
    sets = {s.name: s for s in ipsets}

    def match(name: str, flags: str) -> tuple[str, ...]:
        return ("-m", "set", "--match-set", name, flags)

    nat = [line("-A", SERVICES, "-s", LOCALHOST, "-j", "RETURN")]  # connections to localhost skip it all
    filt: list[str] = []
    for name, table, chain, target, flags, proto in SET_RULES:
        if sets[name].entries:
            rule = line(
                "-A",
                chain,
                ("-p", proto) if proto else (),
                comment(sets[name].comment),
                match(name, flags),
                "-j",
                target,
            )
            (nat if table == "nat" else filt).append(rule)
    if sets[CLUSTER_IP].entries:
        nat.append(
            line(
                "-A",
                SERVICES,
                comment(sets[CLUSTER_IP].comment),
                match(CLUSTER_IP, "dst,dst"),
                "!",
                "-s",
                str(cluster_cidr),
                "-j",
                MARK_MASQ,
            )
        )
    nat.append(line("-A", SERVICES, "-m", "addrtype", "--dst-type", "LOCAL", "-j", NODE_PORT))
    nat.append(line("-A", LOAD_BALANCER, "-j", MARK_MASQ))
    filt.append(line("-A", SOURCE_RANGES_FIREWALL, "-j", "DROP"))
    # Accept VIP traffic here at the end of KUBE-SERVICES, so no later nat rule gets in IPVS's way.
    nat += [
        line("-A", SERVICES, match(name, "dst,dst"), "-j", "ACCEPT") for name in (CLUSTER_IP, LB) if sets[name].entries
    ]
    filt += forward_accept_rules()
    filt.append(
        line(
            "-A",
            NODE_PORT,
            comment(sets[HEALTH_CHECK_NODE_PORT].comment),
            match(HEALTH_CHECK_NODE_PORT, "dst"),
            "-j",
            "ACCEPT",
        )
    )
    # Known VIP:ports pass; anything else to an address on kube-ipvs0 would reach the node's own
    # sockets (the VIP is local), so new connections to it are rejected. The node's IP is not on
    # kube-ipvs0 (not in KUBE-IPVS-IPS), so its NodePorts are left alone.
    filt += [
        line("-A", IPVS_FILTER, match(name, flags), "-j", "RETURN")
        for name, flags in (
            (LB, "dst,dst"),
            (CLUSTER_IP, "dst,dst"),
            (EXTERNAL_IP, "dst,dst"),
            (EXTERNAL_IP_LOCAL, "dst,dst"),
            (HEALTH_CHECK_NODE_PORT, "dst"),
        )
    ]
    filt.append(line("-A", IPVS_FILTER, "-m", "conntrack", "--ctstate", "NEW", match(IPVS_IPS, "dst"), "-j", "REJECT"))
    nat += masquerade_rules()
    restore = section("nat", NAT_CHAINS, nat) + section("filter", FILTER_CHAINS, filt)
    return IptablesRuleset(
        IPVS_JUMPS, "\n".join(restore) + "\n", {"nat": frozenset(NAT_CHAINS), "filter": frozenset(FILTER_CHAINS)}
    )


DUMMY = "kube-ipvs0"  # where kube-proxy binds every ClusterIP (and LB IP) as /32
SYSCTLS = {
    "net/ipv4/vs/conntrack": "1",
    "net/ipv4/vs/expire_nodest_conn": "1",
    "net/ipv4/vs/expire_quiescent_template": "1",
}  # what kube-proxy sets on each node


def ipset_restore_text(ruleset: IpvsRuleset) -> str:
    """Input for `ipset restore`: create every set (as kube-proxy's CreateSet, -exist), then refill each.

    kube-proxy adds and deletes single entries against what it lists; a flush then the adds reaches
    the same content in one `ipset restore` call.
    """
    lines = []
    for s in ruleset.ipsets:
        options = "range 0-65535" if s.type == "bitmap:port" else "family inet hashsize 1024 maxelem 65536"
        lines.append(f"create {s.name} {s.type} {options} -exist")
    for s in ruleset.ipsets:
        lines.append(f"flush {s.name}")
        lines += [f"add {s.name} {entry} -exist" for entry in s.entries]
    return "\n".join(lines) + "\n"
