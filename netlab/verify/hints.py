"""Is a learner's task done, and if not, what is missing (pure: read-back state in, one hint out).

Each function compares what the kernel holds (readback.netns's views, iptables-save's lines)
with what the task would have built, and names the first difference the way an instructor
would: what is wrong, where, and the command that mends it. None means the kernel holds what
the task asks; the traffic is proved separately (verify/learner_tasks.py). Learners may name their
own veth end as they like and reach a Service's endpoints by rules of their own: hints judge
what the packet needs, not netlab's naming.
"""

from __future__ import annotations

import shlex

from netlab.plan.model import LabPlan, NodePlan, PodPlan, ServicePlan, ServicePortPlan
from netlab.readback.netns import Link, NamespaceView
from netlab.readback.nft_rules import NftRule, listed_rules
from netlab.render.nftables import TABLE as NFT_TABLE

BUILT_IN = {"PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"}


def veth_hint(pod: PodPlan, node: NodePlan, pod_view: NamespaceView, node_view: NamespaceView) -> str | None:
    """The pod's veth pair: eth0 in the pod, its peer on the node's cni0, both up; the pod's
    address with the node subnet's prefix length; the default route via cni0."""
    eth0 = pod_view.links.get("eth0")
    if eth0 is None:
        others = [link.name for link in pod_view.links.values() if link.name != "lo"]
        if others:
            return f"{pod.name} has {others[0]} but no eth0: the pod's end must be named eth0 (peer name eth0)"
        return (
            f"{pod.name} has no eth0 yet: make the pair in {node.name}: ip -n {node.netns} link add "
            f"{pod.host_veth} type veth peer name eth0 netns {pod.netns}"
        )
    if eth0.kind != "veth":
        return f"{pod.name}'s eth0 is a {eth0.kind or 'plain'} link, not one end of a veth pair"
    peer = _peer(eth0, node_view)
    if peer is None:
        return (
            f"the other end of {pod.name}'s eth0 is not in {node.name}: make the pair from {node.name}'s "
            f"namespace (ip -n {node.netns} link add ... peer name eth0 netns {pod.netns})"
        )
    if peer.master != "cni0":
        where = f"on {peer.master}" if peer.master else "on no bridge"
        return (
            f"{peer.name}, {node.name}'s end of the pair, is {where}, not on cni0: "
            f"ip -n {node.netns} link set {peer.name} master cni0"
        )
    if peer.state != "up":
        return f"{peer.name}, {node.name}'s end of the pair, is down: ip -n {node.netns} link set {peer.name} up"
    if eth0.state != "up":
        return f"{pod.name}'s eth0 is down: ip -n {pod.netns} link set eth0 up"
    return _address_hint(pod, node, eth0) or _default_route_hint(pod, pod_view)


def _peer(eth0: Link, node_view: NamespaceView) -> Link | None:
    """The node's link that is eth0's peer: each names the other's index."""
    return next(
        (
            link
            for link in node_view.links.values()
            if link.index == eth0.peer_index and link.peer_index == eth0.index and link.kind == "veth"
        ),
        None,
    )


def _address_hint(pod: PodPlan, node: NodePlan, eth0: Link) -> str | None:
    if str(pod.ip) in eth0.addresses:
        return None
    if not eth0.addresses:
        return f"{pod.name}'s eth0 has no address: ip -n {pod.netns} addr add {pod.ip} dev eth0"
    same = next((a for a in eth0.addresses if a.split("/")[0] == str(pod.ip.ip)), None)
    if same:
        return (
            f"{pod.name}'s eth0 has {same}: wrong prefix length, {node.name}'s pod subnet is {node.pod_cidr} "
            f"(/{pod.ip.network.prefixlen}: the pods beside it and the gateway are on its link)"
        )
    return (
        f"{pod.name}'s eth0 has {eth0.addresses[0]}, not {pod.ip}: the address the lab gives {pod.name} "
        f"(its Services and checks expect it)"
    )


def _default_route_hint(pod: PodPlan, pod_view: NamespaceView) -> str | None:
    default = next((r for r in pod_view.routes if r.dst.prefixlen == 0), None)
    if default is None:
        return f"{pod.name} has no default route: ip -n {pod.netns} route add default via {pod.gateway}"
    if default.gateway != str(pod.gateway):
        return (
            f"{pod.name}'s default route goes via {default.gateway or 'no gateway'}, not via {pod.gateway} "
            f"(cni0, its node's bridge)"
        )
    return None


def routes_hint(
    plan: LabPlan, node: NodePlan, view: NamespaceView, neighbours: dict[str, str], fdb: dict[str, str]
) -> str | None:
    """A route to each other node's pod subnet: host-gw via that node's underlay address;
    vxlan via its VTEP on flannel.1, whose MAC (neighbour) and underlay address (fdb) are known."""
    for other in (n for n in plan.nodes if n is not node):
        route = next((r for r in view.routes if r.dst == other.pod_cidr), None)
        if route is None:
            near = next(
                (r for r in view.routes if r.dst.prefixlen and r.dst.overlaps(other.pod_cidr) and r.dev != "cni0"), None
            )
            if near:
                return (
                    f"{node.name} has a route to {near.dst}: wrong prefix length, {other.name}'s pods are "
                    f"{other.pod_cidr} (one subnet per node)"
                )
            nexthop = f"{other.vtep_ip} dev flannel.1 onlink" if plan.network == "vxlan" else str(other.ip.ip)
            return (
                f"{node.name} has no route to {other.name}'s pods ({other.pod_cidr}): "
                f"ip -n {node.netns} route add {other.pod_cidr} via {nexthop}"
            )
        hint = (
            _vxlan_hint(node, other, route.gateway, route.dev, neighbours, fdb)
            if plan.network == "vxlan"
            else _host_gw_hint(plan, node, other, route.gateway)
        )
        if hint:
            return hint
    return None


def _host_gw_hint(plan: LabPlan, node: NodePlan, other: NodePlan, gateway: str | None) -> str | None:
    if gateway == str(other.ip.ip):
        return None
    owner = next((n.name for n in plan.nodes if str(n.ip.ip) == gateway), None)
    return (
        f"{node.name}'s route to {other.pod_cidr} goes via {gateway or 'no next hop'}"
        + (f" ({owner})" if owner else "")
        + f", but {other.name}'s pods live behind {other.ip.ip}, {other.name}"
    )


def _vxlan_hint(
    node: NodePlan,
    other: NodePlan,
    gateway: str | None,
    dev: str | None,
    neighbours: dict[str, str],
    fdb: dict[str, str],
) -> str | None:
    vtep = str(other.vtep_ip)
    if (gateway, dev) != (vtep, "flannel.1"):
        return (
            f"{node.name}'s route to {other.pod_cidr} goes via {gateway or 'no next hop'} dev {dev}: with vxlan "
            f"it goes via {vtep} dev flannel.1 onlink ({other.name}'s VTEP)"
        )
    if neighbours.get(vtep) != other.vtep_mac:
        return (
            f"flannel.1 in {node.name} does not know {vtep}'s MAC: ip -n {node.netns} neigh replace {vtep} "
            f"lladdr {other.vtep_mac} dev flannel.1 nud permanent"
        )
    if fdb.get(other.vtep_mac) != str(other.ip.ip):
        return (
            f"flannel.1 in {node.name} does not know where {other.vtep_mac} lives: bridge -n {node.netns} fdb "
            f"append {other.vtep_mac} dev flannel.1 dst {other.ip.ip}"
        )
    return None


def service_hint(svc: ServicePlan, node: NodePlan, saved: dict[str, list[str]]) -> str | None:
    """iptables (`saved`: table -> its `-A` lines): for each port of the Service, a nat rule that
    a pod's packet meets (PREROUTING, or a chain it jumps to) matching the ClusterIP, protocol and
    port, that leads to DNAT to the port's endpoints."""
    nat = [shlex.split(line) for line in saved.get("nat", [])]
    ip = str(svc.cluster_ip)
    mine = [rule for rule in nat if _matches_ip(rule, ip)]
    if not mine:
        elsewhere = next(
            (
                table
                for table, lines in saved.items()
                if table != "nat" and any(_matches_ip(shlex.split(line), ip) for line in lines)
            ),
            None,
        )
        if elsewhere:
            return (
                f"{node.name}'s rule for {ip} is in table {elsewhere}: rewriting a destination (DNAT) is done "
                f"in table nat"
            )
        return f"{node.name} has no nat rule for {svc.name}'s ClusterIP {ip}: {_dnat_command(svc, svc.ports[0], node)}"
    reached = _reachable(nat, "PREROUTING")
    for port in svc.ports:
        hint = _port_hint(svc, port, node, nat, mine, reached)
        if hint:
            return hint
    return None


def _port_hint(
    svc: ServicePlan,
    port: ServicePortPlan,
    node: NodePlan,
    nat: list[list[str]],
    mine: list[list[str]],
    reached: set[str],
) -> str | None:
    ip = str(svc.cluster_ip)
    rules = [rule for rule in mine if _matches_port(rule, port)]
    if not rules:
        other = next((rule for rule in mine if not any(_matches_port(rule, p) for p in svc.ports)), None)
        if other is None:  # the rules there serve the Service's other ports: this one has none
            return (
                f"{node.name} has no nat rule for {svc.name}'s port {port.port}/{port.protocol} "
                f"({ip}:{port.port}): {_dnat_command(svc, port, node)}"
            )
        said = f"{_option(other, '-p') or 'any protocol'} port {_option(other, '--dport') or 'any'}"
        target = (
            " (that is the pods' targetPort; a client sends to the Service's port)"
            if port.endpoints and _option(other, "--dport") == str(port.endpoints[0].port)
            else ""
        )
        return (
            f"{node.name}'s rule for {ip} matches {said}{target}, but {svc.name}'s port is {port.port}/{port.protocol}"
        )
    live = [rule for rule in rules if rule[1] in reached]
    if not live:
        chain = rules[0][1]
        if chain == "OUTPUT":
            return (
                f"{node.name}'s rule for {ip}:{port.port} is in OUTPUT, which only the node's own packets pass: "
                f"a pod's packet enters the node through PREROUTING"
            )
        return f"{node.name}'s rule for {ip}:{port.port} is in chain {chain}, which PREROUTING never jumps to"
    targets = {t for rule in live for t in _dnat_targets(nat, rule)}
    return _targets_hint(svc, port, node, targets, "-j DNAT --to-destination")


def _targets_hint(
    svc: ServicePlan, port: ServicePortPlan, node: NodePlan, targets: set[str], syntax: str
) -> str | None:
    """Where the rules send a Service port's packets must be its endpoints (`syntax`: how the
    rule tool names the DNAT target, for the hint's command)."""
    ip = str(svc.cluster_ip)
    if not targets:
        return f"{node.name}'s rule for {ip}:{port.port} does not rewrite the destination ({syntax} POD_IP:PORT)"
    endpoints = {str(e) for e in port.endpoints}
    # DNAT without a port keeps the packet's: right where the Service's port is the targetPort
    same_port = {str(e.ip) for e in port.endpoints if e.port == port.port}
    for target in sorted(targets - same_port):
        if target in endpoints:
            continue
        address = target.partition(":")[0]
        if any(str(e.ip) == address for e in port.endpoints):
            return (
                f"{node.name} DNATs {ip}:{port.port} to {target}: the pods listen on {port.endpoints[0].port} "
                f"(the targetPort), so {syntax} {address}:{port.endpoints[0].port}"
            )
        listed = ", ".join(sorted(endpoints)) or "none"
        return f"{node.name} DNATs {ip}:{port.port} to {target}, which is not an endpoint of {svc.name} ({listed})"
    return None


def nft_service_hint(svc: ServicePlan, node: NodePlan, ruleset: str) -> str | None:
    """nftables (`ruleset`: `nft list ruleset`): kube-proxy's table holding the ClusterIP (its
    sets and maps do), or, for each port, a learner's rule in a nat chain a pod's packet passes
    (hook prerouting, or a chain one jumps to) matching the address, protocol and port, with
    `dnat to` an endpoint."""
    ip = str(svc.cluster_ip)
    rules = listed_rules(ruleset)
    if any(ip in rule.text for rule in rules if rule.table == NFT_TABLE):
        return None
    mine = [rule for rule in rules if rule.chain and ip in rule.words]
    if not mine:
        port = svc.ports[0]
        example = str(port.endpoints[0]) if port.endpoints else "POD_IP:TARGET_PORT"
        return (
            f"no nftables rule in {node.name} matches {svc.name}'s ClusterIP {ip}: ip netns exec {node.netns} "
            f"nft 'add table ip learn; add chain ip learn pre {{ type nat hook prerouting priority dstnat; }}; "
            f"add rule ip learn pre ip daddr {ip} {port.protocol.lower()} dport {port.port} dnat to {example}'"
        )
    reached = _nft_reached(rules)
    for port in svc.ports:
        serving = [rule for rule in mine if _nft_matches_port(rule.words, port)]
        if not serving:
            return (
                f"{node.name} has no nftables rule for {svc.name}'s port {port.port}/{port.protocol} "
                f"({ip} {port.protocol.lower()} dport {port.port})"
            )
        live = [rule for rule in serving if (rule.table, rule.chain) in reached]
        if not live:
            rule = serving[0]
            if rule.hook == "output":
                return (
                    f"{node.name}'s rule for {ip}:{port.port} is in chain {rule.chain}, hook output, which only "
                    f"the node's own packets pass: a pod's packet enters the node through hook prerouting"
                )
            return (
                f"{node.name}'s rule for {ip}:{port.port} is in chain {rule.chain}, which no chain with hook "
                f"prerouting jumps to"
            )
        targets = {t for rule in live for t in _nft_dnat_targets(rules, rule)}
        hint = _targets_hint(svc, port, node, targets, "dnat to")
        if hint:
            return hint
    return None


def _nft_dnat_targets(rules: list[NftRule], rule: NftRule, depth: int = 0) -> set[str]:
    """Where an nftables rule sends a packet: its own `dnat to`, or those of the chain it jumps to."""
    words = rule.words
    if "dnat" in words and "to" in words[words.index("dnat") : -1]:
        return {words[words.index("to", words.index("dnat")) + 1]}
    verb = next((v for v in ("jump", "goto") if v in words[:-1]), None)
    if verb is None or depth > 8:
        return set()
    chain = words[words.index(verb) + 1]
    return {
        t
        for inner in rules
        if (inner.table, inner.chain) == (rule.table, chain)
        for t in _nft_dnat_targets(rules, inner, depth + 1)
    }


def _nft_reached(rules: list[NftRule]) -> set[tuple[str, str]]:
    """The chains a pod's packet may pass: those with hook prerouting and those they jump or go to."""
    seen = {(r.table, r.chain) for r in rules if r.hook == "prerouting"}
    todo = list(seen)
    while todo:
        table, chain = todo.pop()
        for rule in rules:
            words = rule.words
            for verb in ("jump", "goto"):
                if (rule.table, rule.chain) == (table, chain) and verb in words[:-1]:
                    target = (table, words[words.index(verb) + 1])
                    if target not in seen:
                        seen.add(target)
                        todo.append(target)
    return seen


def _nft_matches_port(words: list[str], port: ServicePortPlan) -> bool:
    protocol = next((w for w in words if w in ("tcp", "udp", "sctp")), None)
    dport = words[words.index("dport") + 1] if "dport" in words[:-1] else None
    return protocol in (None, port.protocol.lower()) and dport in (None, str(port.port))


def _dnat_command(svc: ServicePlan, port: ServicePortPlan, node: NodePlan) -> str:
    """The rule that serves one port of the Service, as a command to run in the node's namespace."""
    example = str(port.endpoints[0]) if port.endpoints else "POD_IP:TARGET_PORT"
    return (
        f"ip netns exec {node.netns} iptables -t nat -A PREROUTING -d {svc.cluster_ip}/32 "
        f"-p {port.protocol.lower()} --dport {port.port} -j DNAT --to-destination {example}"
    )


def _matches_port(rule: list[str], port: ServicePortPlan) -> bool:
    return _option(rule, "-p") in (None, port.protocol.lower()) and _option(rule, "--dport") in (None, str(port.port))


def _matches_ip(rule: list[str], ip: str) -> bool:
    return _option(rule, "-d") in (ip, f"{ip}/32")


def _option(rule: list[str], name: str) -> str | None:
    return rule[rule.index(name) + 1] if name in rule[:-1] else None


def _reachable(nat: list[list[str]], start: str) -> set[str]:
    """The chains a packet entering `start` may pass, by following jumps (to chains with rules)."""
    chains = {rule[1] for rule in nat}
    seen, todo = {start}, [start]
    while todo:
        chain = todo.pop()
        for rule in nat:
            target = _option(rule, "-j") or _option(rule, "-g")
            if rule[1] == chain and target in chains and target not in seen and target not in BUILT_IN:
                seen.add(target)
                todo.append(target)
    return seen


def _dnat_targets(nat: list[list[str]], rule: list[str], depth: int = 0) -> set[str]:
    """Where a rule sends a packet: its own DNAT, or the DNATs of the chains it jumps to."""
    target = _option(rule, "-j") or _option(rule, "-g")
    if target == "DNAT":
        return {_option(rule, "--to-destination") or ""}
    if not target or depth > 8:
        return set()
    return {t for inner in nat if inner[1] == target for t in _dnat_targets(nat, inner, depth + 1)}
