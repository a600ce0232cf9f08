"""Plan -> kube-proxy's nftables ruleset for a node, as one `nft -f` transaction (pure).

What it mirrors: kube-proxy's nftables mode in the 1.33-1.35 layout (kk/pkg/proxy/nftables/
proxier.go, its TestOverallNFTablesRules golden, docs/kube-proxy.md, nftables mode), with the
`mark-for-masquerade` chain and one chain per endpoint. 1.36 squashed the endpoint chains into the
service's vmap and dropped mark-for-masquerade; the labs pin the older layout, which shows each
step a packet takes. Everything lives in `table ip kube-proxy`, named as kube-proxy names it: the
node namespace is netlab's own, so the table needs no netlab name.

Names: `service-`/`local-`/`external-`/`endpoint-`/`affinity-` + HASH8 +
`-ns/svc/proto/portname[__ip/port]`, HASH8 = base32(sha256(the rest))[:8], truncated as
kube-proxy's hashAndTruncate does (never, in practice).
nft takes them unquoted: `/`, `.` and `_` are identifier characters. A name holds at most 255
characters (the kernel's NFT_NAME_MAXLEN is 256 with the NUL; nft 1.0.6 refuses 256).

The transaction is written line by line as knftables writes kube-proxy's (`add chain ...`,
`add rule ...`, `add element ...`, priorities as numbers, which nft 1.0.6 needs for NAT on the
output hook), in kube-proxy's order, so each object is declared before a rule refers to it.

Two kinds of sync, as kube-proxy has:
* full (`render_nftables`): kube-proxy keeps its table and flushes what it rewrites; netlab adds,
  deletes and rebuilds the whole table in the one transaction, which is just as atomic and makes
  loading it twice a no-op (affinity sets start empty again). `netlab up` uses it.
* partial (`render_nftables_changes`): only the Service ports whose rendering differs between two
  plans are rewritten, as kube-proxy's partial sync does (see there). `scale`/`apply`/`delete`
  use it: at 10000 Services a full sync takes nft tens of seconds, and it empties affinity sets.

The partial transaction is written by `nftables_changes`, and what the applier compares after
loading either kind comes from `readback.nftables`.

The ruleset is the one node's kube-proxy writes: nodeport-ips holds the node's primary IP
(nodePortAddresses `primary`, the nftables default), and externalTrafficPolicy Local picks among the
endpoints on that node only. NodePorts and LoadBalancer IPs reach an `external-` chain that
masquerades (Cluster) or keeps the client's address and sends to the `local-` chain (Local), as
kube-proxy's syncProxyRules does. Without a node (benchmarks, ClusterIP-only tests) nodeport-ips
stays empty and no endpoint is local.

A LoadBalancer Service's IP is an element of service-ips leading to the same `external-` chain as
its NodePort (`LBIP . tcp . 80 : goto external-...`, without a comment, as kube-proxy writes it),
and of no other set (cluster-ips and its check are for ClusterIPs only). With no endpoint at all
it is rejected, and with policy Local and no endpoint on this node outside traffic to it is
dropped, by an element of no-endpoint-services (commented with the port's name), as its NodePort
is by no-endpoint-nodeports. netlab's Services have no loadBalancerSourceRanges: firewall-ips
stays empty and there are no `firewall-` chains. The healthCheckNodePort gets no rule: kube-proxy's
nftables mode answers it from its own HTTP server and writes nothing for it (filter-input accepts
by default). Headless Services get nothing, as in kube-proxy.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from ipaddress import IPv4Network

from netlab.plan.model import Endpoint, NodePlan, ServicePlan, ServicePortPlan

TABLE = "kube-proxy"
FAMILY = "ip"
MASQUERADE_MARK = "0x00004000"  # masqueradeBit 14, formatted with Go's %#08x as kube-proxy does
NAME_LENGTH_MAX = 255  # kernel NFT_NAME_MAXLEN 256, NUL included
_CHAIN_BASE_MAX = 256 - 16  # kube-proxy: knftables.NameLengthMax - chainNamePrefixLengthMax

# (name, type, hook, priority): priorities as knftables writes them, i.e. as numbers.
BASE_CHAINS = (
    ("filter-prerouting-pre-dnat", "filter", "prerouting", -110),
    ("filter-output-pre-dnat", "filter", "output", -110),
    ("filter-input", "filter", "input", 0),
    ("filter-forward", "filter", "forward", 0),
    ("filter-output", "filter", "output", 0),
    ("nat-prerouting", "nat", "prerouting", -100),
    ("nat-output", "nat", "output", -100),
    ("nat-postrouting", "nat", "postrouting", 100),
)

# (chain, from base chain, match): kube-proxy's nftablesJumpChains, in its order.
JUMPS = (
    ("nodeport-endpoints-check", "filter-input", "ct state new"),
    ("service-endpoints-check", "filter-input", "ct state new"),
    ("service-endpoints-check", "filter-forward", "ct state new"),
    ("service-endpoints-check", "filter-output", "ct state new"),
    ("firewall-check", "filter-prerouting-pre-dnat", "ct state new"),
    ("firewall-check", "filter-output-pre-dnat", "ct state new"),
    ("services", "nat-output", ""),
    ("services", "nat-prerouting", ""),
    ("masquerading", "nat-postrouting", ""),
    ("cluster-ips-check", "filter-forward", "ct state new"),
    ("cluster-ips-check", "filter-output", "ct state new"),
)

_IP_PROTO_PORT = "ipv4_addr . inet_proto . inet_service : verdict"
_PROTO_PORT = "inet_proto . inet_service : verdict"


def _hash_and_truncate(name: str) -> str:
    """kube-proxy's hashAndTruncate: the hash keeps a name unique and tells near-twins apart."""
    hashed = base64.b32encode(hashlib.sha256(name.encode()).digest()).decode()[:8] + "-" + name
    return hashed if len(hashed) <= _CHAIN_BASE_MAX else hashed[: _CHAIN_BASE_MAX - 3] + "..."


def _port_base(port: ServicePortPlan) -> str:
    return f"{port.namespace}/{port.service}/{port.protocol.lower()}/{port.name or ''}"


def _endpoint_base(port: ServicePortPlan, endpoint: Endpoint) -> str:
    return _hash_and_truncate(f"{_port_base(port)}__{endpoint.ip}/{endpoint.port}")


def service_chain(port: ServicePortPlan) -> str:
    """The Service port's chain (Cluster traffic policy): it picks an endpoint."""
    return "service-" + _hash_and_truncate(_port_base(port))


def local_chain(port: ServicePortPlan) -> str:
    """The Service port's chain for externalTrafficPolicy Local: it picks a local endpoint."""
    return "local-" + _hash_and_truncate(_port_base(port))


def external_chain(port: ServicePortPlan) -> str:
    """Where NodePort and LoadBalancer IP traffic enters: it applies the external traffic policy."""
    return "external-" + _hash_and_truncate(_port_base(port))


def endpoint_chain(port: ServicePortPlan, endpoint: Endpoint) -> str:
    """One endpoint's chain: hairpin masquerade, affinity bookkeeping, DNAT."""
    return "endpoint-" + _endpoint_base(port, endpoint)


def affinity_set(port: ServicePortPlan, endpoint: Endpoint) -> str:
    """The client IPs stuck to this endpoint (sessionAffinity: ClientIP)."""
    return "affinity-" + _endpoint_base(port, endpoint)


class Tx:
    """Lines of a transaction on the kube-proxy table, formatted as knftables formats them."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, kind: str, name: str, body: str = "") -> None:
        """`add table|chain|set|map`; a body on one line ends in ` ; }`, as nft 1.0.6 needs."""
        target = f"{FAMILY} {TABLE}" + (f" {name}" if kind != "table" else "")
        self.lines.append(f"add {kind} {target}" + (f" {{ {body} ; }}" if body else ""))

    def rule(self, chain: str, rule: str, comment: str | None = None) -> None:
        self.lines.append(f"add rule {FAMILY} {TABLE} {chain} {rule}" + (f' comment "{comment}"' if comment else ""))

    def element(self, name: str, key: str, value: str | None = None, comment: str | None = None) -> None:
        text = key + (f' comment "{comment}"' if comment else "") + (f" : {value}" if value else "")
        self.lines.append(f"add element {FAMILY} {TABLE} {name} {{ {text} }}")

    def blank(self) -> None:
        self.lines.append("")

    def command(self, verb: str, kind: str, name: str) -> None:
        """`flush chain`, `delete chain`, `delete set`: objects that exist already."""
        self.lines.append(f"{verb} {kind} {FAMILY} {TABLE} {name}")

    def delete_element(self, name: str, key: str) -> None:
        self.lines.append(f"delete element {FAMILY} {TABLE} {name} {{ {key} }}")


def render_nftables(
    services: Sequence[ServicePlan], cluster_cidr: IPv4Network, service_cidr: IPv4Network, node: NodePlan | None = None
) -> str:
    """One `nft -f` transaction that replaces the whole kube-proxy table atomically.

    `add table` then `delete table` (so the delete never fails on a fresh node), then the table
    rebuilt: base chains with their hooks and priorities, the fixed chains, sets and maps, then
    per Service port its endpoint and service chains, rules and map elements. Loading it twice
    gives the same table.

    Args:
        services: the lab's Services, in the plan's order (sorted by namespace and name).
        cluster_cidr: the pod network: traffic from outside it is masqueraded (detectLocalMode
            ClusterCIDR, kube-proxy's default).
        service_cidr: traffic to an address in it that no Service holds is dropped.
        node: the node the ruleset is for: its primary IP takes NodePorts, its endpoints are the
            local ones. None: no node-specific parts.

    Returns:
        The script, one command a line, ending with a newline.
    """
    tx = Tx()
    tx.add("table", TABLE, 'comment "rules for kube-proxy"')
    tx.lines.append(f"delete table {FAMILY} {TABLE}")
    tx.add("table", TABLE, 'comment "rules for kube-proxy"')
    _setup(tx, service_cidr, node)
    for svc in services:
        if svc.cluster_ip is None:
            continue
        tx.blank()
        tx.element("cluster-ips", str(svc.cluster_ip))
        for port in svc.ports:
            service_port(tx, svc, port, cluster_cidr, node)
    return "\n".join(tx.lines) + "\n"


def _setup(tx: Tx, service_cidr: IPv4Network, node: NodePlan | None) -> None:
    """The fixed part, in the order of kube-proxy's setupNFTables."""
    for name, kind, hook, priority in BASE_CHAINS:
        tx.add("chain", name, f"type {kind} hook {hook} priority {priority}")
    created: set[str] = set()
    for chain, base, match in JUMPS:
        if chain not in created:
            tx.add("chain", chain)
            created.add(chain)
        tx.rule(base, f"{match} jump {chain}".strip())
    tx.add("chain", "mark-for-masquerade")
    tx.rule("mark-for-masquerade", f"mark set mark or {MASQUERADE_MARK}")
    tx.rule("masquerading", f"mark and {MASQUERADE_MARK} == 0 return")
    tx.rule("masquerading", f"mark set mark xor {MASQUERADE_MARK}")
    tx.rule("masquerading", "masquerade fully-random")

    tx.add("set", "cluster-ips", 'type ipv4_addr ; comment "Active ClusterIPs"')
    tx.rule("cluster-ips-check", "ip daddr @cluster-ips reject", "Reject traffic to invalid ports of ClusterIPs")
    tx.rule("cluster-ips-check", f"ip daddr {{ {service_cidr} }} drop", "Drop traffic to unallocated ClusterIPs")
    tx.add("set", "nodeport-ips", 'type ipv4_addr ; comment "IPs that accept NodePort traffic"')
    if node is not None:
        tx.element("nodeport-ips", str(node.ip.ip))

    tx.add(
        "map",
        "no-endpoint-services",
        f'type {_IP_PROTO_PORT} ; comment "vmap to drop or reject packets to services with no endpoints"',
    )
    tx.add(
        "map",
        "no-endpoint-nodeports",
        f'type {_PROTO_PORT} ; comment "vmap to drop or reject packets to service nodeports with no endpoints"',
    )
    tx.add("chain", "reject-chain", 'comment "helper for @no-endpoint-services / @no-endpoint-nodeports"')
    tx.rule("reject-chain", "reject")
    tx.rule("service-endpoints-check", "ip daddr . meta l4proto . th dport vmap @no-endpoint-services")
    tx.rule("nodeport-endpoints-check", "ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports")

    tx.add(
        "map",
        "firewall-ips",
        f'type {_IP_PROTO_PORT} ; comment "destinations that are subject to LoadBalancerSourceRanges"',
    )
    tx.rule("firewall-check", "ip daddr . meta l4proto . th dport vmap @firewall-ips")

    tx.add("map", "service-ips", f'type {_IP_PROTO_PORT} ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic"')
    tx.add("map", "service-nodeports", f'type {_PROTO_PORT} ; comment "NodePort traffic"')
    tx.rule("services", "ip daddr . meta l4proto . th dport vmap @service-ips")
    tx.rule("services", "ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports")


def service_port(
    tx: Tx, svc: ServicePlan, port: ServicePortPlan, cluster_cidr: IPv4Network, node: NodePlan | None
) -> None:
    """One Service port, in the order of kube-proxy's syncProxyRules: chains before the rules,
    sets and map elements that name them."""
    proto = port.protocol.lower()
    key = f"{svc.cluster_ip} . {proto} . {port.port}"
    lb_key = f"{svc.load_balancer_ip} . {proto} . {port.port}" if svc.load_balancer_ip else None
    node_port = f"{proto} . {port.node_port}" if port.node_port else None
    endpoints = sorted(port.endpoints, key=str)
    if not endpoints:  # no chains at all: the filter chains reject it (kube-proxy's hasEndpoints)
        tx.element("no-endpoint-services", key, "goto reject-chain", comment=port.port_name)
        if lb_key:
            tx.element("no-endpoint-services", lb_key, "goto reject-chain", comment=port.port_name)
        if node_port:
            tx.element("no-endpoint-nodeports", node_port, "goto reject-chain", comment=port.port_name)
        return
    chain = service_chain(port)
    # Local policy: outside traffic goes to this node's endpoints only, so it needs no SNAT.
    local = [ep for ep in endpoints if node is not None and ep.node == node.name] if svc.external_local else []
    external = bool(node_port or lb_key)  # kube-proxy's ExternallyAccessible (no externalIPs in netlab)
    for ep in endpoints:
        tx.add("chain", endpoint_chain(port, ep))
    tx.add("chain", chain)
    if local:
        tx.add("chain", local_chain(port))
    if external:
        tx.add("chain", external_chain(port))
    # The elements in kube-proxy's order: ClusterIP, LoadBalancer IP, NodePort. What the external
    # chain does not short-circuit (policy Local, no endpoint here) is dropped in the filter chains.
    no_local = svc.external_local and not local
    tx.element("service-ips", key, f"goto {chain}")
    if lb_key:
        tx.element("service-ips", lb_key, f"goto {external_chain(port)}")
        if no_local:
            tx.element("no-endpoint-services", lb_key, "drop", comment=port.port_name)
    if node_port:
        tx.element("service-nodeports", node_port, f"goto {external_chain(port)}")
        if no_local:
            tx.element("no-endpoint-nodeports", node_port, "drop", comment=port.port_name)

    # Masquerade off-cluster clients, who may have come in through another node. It comes first,
    # as in kube-proxy: an affinity `goto` below would skip it.
    tx.rule(chain, f"ip daddr {svc.cluster_ip} ip saddr != {cluster_cidr} jump mark-for-masquerade")
    if external:
        _external_rules(tx, svc, port, cluster_cidr, bool(local))
    if svc.session_affinity:
        for ep in endpoints:
            tx.add(
                "set",
                affinity_set(port, ep),
                f"type ipv4_addr ; flags dynamic,timeout ; timeout {svc.affinity_timeout}s",
            )
    _pick_endpoint(tx, chain, svc, port, endpoints)
    if local:
        _pick_endpoint(tx, local_chain(port), svc, port, local)

    for ep in endpoints:
        ep_chain = endpoint_chain(port, ep)
        tx.rule(ep_chain, f"ip saddr {ep.ip} jump mark-for-masquerade")  # hairpin: a pod reaching itself
        if svc.session_affinity:
            tx.rule(ep_chain, f"update @{affinity_set(port, ep)} {{ ip saddr }}")
        tx.rule(ep_chain, f"meta l4proto {proto} dnat to {ep}")


def _external_rules(
    tx: Tx, svc: ServicePlan, port: ServicePortPlan, cluster_cidr: IPv4Network, has_local: bool
) -> None:
    """The external chain, where NodePort and LoadBalancer IP traffic enters. Cluster policy
    masquerades everything: the endpoint may be on another node, and its reply must come back
    through this one. Local keeps the client's address and sends it to a local endpoint; pods and
    the node itself may still use any endpoint, as if they had gone out to a load balancer and
    come back in (the node masqueraded: the address it sent from may be the one it sent to). With
    no local endpoint outside traffic falls through, to be dropped in the filter chains: by
    no-endpoint-nodeports (filter-input) for the NodePort, by no-endpoint-services (filter-input,
    -forward) for the LoadBalancer IP."""
    chain, service = external_chain(port), service_chain(port)
    if not svc.external_local:
        tx.rule(chain, "jump mark-for-masquerade")
        tx.rule(chain, f"goto {service}")
        return
    tx.rule(chain, f"ip saddr {cluster_cidr} goto {service}", "short-circuit pod traffic")
    tx.rule(chain, "fib saddr type local jump mark-for-masquerade", "masquerade local traffic")
    tx.rule(chain, f"fib saddr type local goto {service}", "short-circuit local traffic")
    if has_local:
        tx.rule(chain, f"goto {local_chain(port)}")


def _pick_endpoint(tx: Tx, chain: str, svc: ServicePlan, port: ServicePortPlan, endpoints: Sequence[Endpoint]) -> None:
    """kube-proxy's writeServiceToEndpointRules: a client stuck to an endpoint goes back to it,
    others get one at random."""
    if svc.session_affinity:
        for ep in endpoints:
            tx.rule(chain, f"ip saddr @{affinity_set(port, ep)} goto {endpoint_chain(port, ep)}")
    choices = " , ".join(f"{i} : goto {endpoint_chain(port, ep)}" for i, ep in enumerate(endpoints))
    tx.rule(chain, f"numgen random mod {len(endpoints)} vmap {{ {choices} }}")
