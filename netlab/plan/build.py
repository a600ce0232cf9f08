"""Lab -> LabPlan: placement, addresses, names, MACs. Pure and deterministic.

The same lab gives the same plan on every run (addresses, MACs, veth names), so a guide can print
`10.244.1.2` and a learner sees exactly that. Defaults are docs/lab-format.md's:
node N: underlay .10+N, pod CIDR N (10.244.N.0/24), cni0 .1, pods from .2 in creation order;
gateway .1 on the underlay. A lab with an `outside:` also gets node N's public IP 198.51.100.10+N
(the gateway's 1:1 NAT) and its internet hosts, from 203.0.113.10 in the order given.

Placement: a pod with nodeName goes there; otherwise its eligible nodes are those matching
nodeSelector (all nodes without one), in the cluster's order. Replica i of a Deployment (or a
StatefulSet, in ordinal order) goes to eligible node i mod n (the replicas spread over the nodes in
order); a standalone Pod goes to the first eligible node.
"""

from __future__ import annotations

import hashlib
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from netlab.errors import PlanError
from netlab.model.lab import NETWORK_MODES, PROXY_MODES, Lab, Pod, PodTemplate
from netlab.plan.model import (
    CLOUD_LB,
    CLOUD_LB_OFFSET,
    FIRST_INTERNET_HOST,
    FIRST_PUBLIC_NODE,
    GATEWAY_INTERNET,
    INTERNET,
    PUBLIC_SIDE,
    HostPlan,
    LabPlan,
    NodePlan,
    PodPlan,
    netns_name,
)
from netlab.plan.services import plan_services

# Documentation ranges used by the outside world of the edge labs; nothing in a lab may overlap them.
OUTSIDE_RANGES = {
    f"the public side ({PUBLIC_SIDE})": PUBLIC_SIDE,
    f"the internet hosts ({INTERNET})": INTERNET,
}
FIRST_POD_VETH_INDEX = 100  # ifindexes are chosen, not discovered: no lookups while building
IFNAMSIZ = 15


def mac_for(*parts: str) -> str:
    """A stable, locally administered unicast MAC for one interface of one lab."""
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return "02:" + ":".join(f"{b:02x}" for b in digest[:5])


def host_veth_name(namespace: str, pod: str) -> str:
    """The node-side veth name, `veth` + 8 hex of a hash, as the CNI plugins name it."""
    return "veth" + hashlib.sha256(f"{namespace}/{pod}".encode()).hexdigest()[:8]


RESERVED_IFNAMES = {"lo", "br0"}  # the underlay namespace's own links
GATEWAY_IFNAMES = {"lo", "eth0", "pub0"}  # the gateway's own links, beside its internet hosts' ports


def port_name(name: str, reserved: frozenset[str] | set[str] = RESERVED_IFNAMES) -> str:
    """The bridge port of a node or host (on the underlay, or on the gateway's pub0): its own
    name when it fits IFNAMSIZ and is not one of that namespace's own links."""
    if len(name) <= IFNAMSIZ and name not in reserved:
        return name
    return "veth" + hashlib.sha256(name.encode()).hexdigest()[:8]


Allocations = dict[str, tuple[str, str]]  # pod -> (node, IP) of a running lab: host-local IPAM's memory


def make_plan(
    lab: Lab,
    network: str | None = None,
    proxy_mode: str | None = None,
    keep: Allocations | None = None,
    load_balancers: dict[str, str] | None = None,
) -> LabPlan:
    """Lay out the whole lab.

    Args:
        lab: a validated lab.
        network: overrides the lab's cluster.network (`netlab up --network`).
        proxy_mode: overrides the lab's cluster.proxyMode (`netlab up --proxy-mode`).
        keep: pods of the running lab that keep their node and address (a scale or apply
            changes only what it must, as a real cluster's IPAM does).
        load_balancers: the LoadBalancer IPs the running lab's Services hold (`ns/name` -> IP),
            which they keep, as a cloud keeps a load balancer's address while its Service lives.

    Raises:
        PlanError: the CIDRs overlap or do not hold the nodes or pods.
    """
    _check_overrides(network, proxy_mode)
    _check_ranges(lab)
    nodes = _nodes(lab)
    pods = tuple(_place_pods(lab, nodes, keep or {}))
    hosts = (_gateway(lab), *_cloud_lb(lab), *_internet_hosts(lab))
    return LabPlan(
        lab=lab,
        network=network or lab.cluster.network,
        proxy_mode=proxy_mode or lab.cluster.proxy_mode,
        underlay_netns=netns_name(lab.name, "underlay"),
        underlay_bridge_mac=mac_for(lab.name, "underlay", "br0"),
        nodes=nodes,
        pods=pods,
        hosts=hosts,
        services=plan_services(lab, pods, load_balancers or {}),
    )


def _check_overrides(network: str | None, proxy_mode: str | None) -> None:
    """The command line's modes are checked here: the lab file's were checked when it was read."""
    if network not in (None, *NETWORK_MODES):
        raise PlanError(f"network {network!r} is not one of {', '.join(NETWORK_MODES)}")
    if proxy_mode not in (None, *PROXY_MODES):
        raise PlanError(f"proxy mode {proxy_mode!r} is not one of {', '.join(PROXY_MODES)}")


def _underlay_ip(lab: Lab, offset: int) -> IPv4Interface:
    """Address `offset` of the underlay, with its prefix: the gateway is .1, node N .10+N."""
    underlay = lab.cluster.underlay
    return IPv4Interface(f"{underlay.network_address + offset}/{underlay.prefixlen}")


def _nodes(lab: Lab) -> tuple[NodePlan, ...]:
    """Node N (from 1, in the cluster's order): underlay .10+N, pod CIDR N with cni0 on its .1, and in
    a lab with an outside world the public IP 198.51.100.10+N."""
    cluster = lab.cluster
    node_cidrs = list(_node_cidrs(lab, len(cluster.nodes)))
    underlay_hosts = cluster.underlay.num_addresses - 2
    if len(cluster.nodes) + 10 > underlay_hosts:
        raise PlanError(
            f"{lab.source}: cluster.underlay {cluster.underlay} holds at most "
            f"{underlay_hosts - 10} nodes, the lab has {len(cluster.nodes)}"
        )
    return tuple(
        NodePlan(
            name=spec.name,
            index=i,
            netns=netns_name(lab.name, spec.name),
            ip=_underlay_ip(lab, 10 + i),
            mac=mac_for(lab.name, spec.name, "eth0"),
            pod_cidr=cidr,
            bridge_ip=IPv4Interface(f"{cidr.network_address + 1}/{cidr.prefixlen}"),
            bridge_mac=mac_for(lab.name, spec.name, "cni0"),
            vtep_mac=mac_for(lab.name, spec.name, "flannel.1"),
            underlay_port=port_name(spec.name),
            labels=spec.labels,
            public_ip=PUBLIC_SIDE.network_address + FIRST_PUBLIC_NODE + i if lab.outside else None,
        )
        for i, (spec, cidr) in enumerate(zip(cluster.nodes, node_cidrs, strict=True), start=1)
    )


def _underlay_host(lab: Lab, name: str, offset: int, bridge_mac: str = "") -> HostPlan:
    """A namespace of netlab's own on the underlay (the gateway, the cloud load balancer): its bridge
    port keeps its name, which no node, pod or outside host may take."""
    return HostPlan(
        name=name,
        netns=netns_name(lab.name, name),
        ip=_underlay_ip(lab, offset),
        underlay_port=name,
        mac=mac_for(lab.name, name, "eth0"),
        bridge_mac=bridge_mac,
    )


def _gateway(lab: Lab) -> HostPlan:
    """The gateway, underlay .1; in a lab with an outside world its pub0 bridges the internet hosts."""
    return _underlay_host(lab, "gateway", 1, bridge_mac=mac_for(lab.name, "gateway", "pub0") if lab.outside else "")


def _cloud_lb(lab: Lab) -> tuple[HostPlan, ...]:
    """The cloud's load balancer, in a cluster whose LoadBalancer Services it serves (loadBalancer:
    cloud) and only when there is one: the other labs' plans hold no host they do not use."""
    if lab.cluster.load_balancer == "cloud" and any(s.type == "LoadBalancer" for s in lab.services):
        return (_underlay_host(lab, CLOUD_LB, CLOUD_LB_OFFSET),)
    return ()


def _internet_hosts(lab: Lab) -> list[HostPlan]:
    """The lab's outside hosts, addressed as given or from 203.0.113.10 upward (skipping given ones)."""
    taken = {h.address for h in lab.outside if h.address is not None}
    free = (
        a for a in INTERNET.hosts() if int(a) - int(INTERNET.network_address) >= FIRST_INTERNET_HOST and a not in taken
    )
    addresses = {h.name: h.address or next(free) for h in lab.outside}
    return [
        HostPlan(
            name=h.name,
            netns=netns_name(lab.name, h.name),
            ip=IPv4Interface(f"{addresses[h.name]}/{GATEWAY_INTERNET.network.prefixlen}"),
            underlay_port=port_name(h.name, GATEWAY_IFNAMES),
            mac=mac_for(lab.name, h.name, "eth0"),
            internet=True,
            ports=h.ports,
            dns_records=tuple((name, addresses.get(value) or IPv4Address(value)) for name, value in h.dns),
        )
        for h in lab.outside
    ]


def _check_ranges(lab: Lab) -> None:
    c = lab.cluster
    ranges = {
        f"cluster.podCIDR {c.pod_cidr}": c.pod_cidr,
        f"cluster.serviceCIDR {c.service_cidr}": c.service_cidr,
        f"cluster.underlay {c.underlay}": c.underlay,
        **OUTSIDE_RANGES,
    }
    names = list(ranges)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            if ranges[a].overlaps(ranges[b]):
                raise PlanError(f"{lab.source}: {a} overlaps {b}")


def _node_cidrs(lab: Lab, count: int):
    """Node N's pod CIDR is subnet number N of the cluster's pod CIDR (10.244.N.0/24)."""
    c = lab.cluster
    if c.node_cidr_mask < c.pod_cidr.prefixlen:
        raise PlanError(
            f"{lab.source}: cluster.nodeCIDRMaskSize /{c.node_cidr_mask} is larger than cluster.podCIDR {c.pod_cidr}"
        )
    available = 2 ** (c.node_cidr_mask - c.pod_cidr.prefixlen) - 1
    if count > available:
        raise PlanError(
            f"{lab.source}: cluster.podCIDR {c.pod_cidr} holds {available} node CIDRs of "
            f"/{c.node_cidr_mask}, the lab has {count} nodes"
        )
    size = 2 ** (32 - c.node_cidr_mask)
    for n in range(1, count + 1):
        yield IPv4Network(f"{c.pod_cidr.network_address + n * size}/{c.node_cidr_mask}")


def _eligible(template: PodTemplate, nodes: tuple[NodePlan, ...]) -> list[NodePlan]:
    if template.node_name:
        return [n for n in nodes if n.name == template.node_name]
    return [n for n in nodes if all(n.labels.get(k) == v for k, v in template.node_selector.items())]


def _place_pods(lab: Lab, nodes: tuple[NodePlan, ...], keep: Allocations):
    """Each pod's node and address: kept ones as they are, new ones on their rule's node with the
    lowest free address from .2 (on a fresh lab: .2, .3, ... in creation order)."""
    by_name = {n.name: n for n in nodes}
    taken: dict[str, set[int]] = {n.name: set() for n in nodes}
    for kept_node, ip in keep.values():
        if kept_node in taken:
            taken[kept_node].add(int(IPv4Address(ip)) - int(by_name[kept_node].pod_cidr.network_address) - 2)
    for obj in lab.objects:
        eligible = _eligible(obj.template, nodes)
        before = frozenset(f"{s.namespace}/{s.name}" for s in lab.services if s.position < obj.position)
        owner = "" if isinstance(obj, Pod) else obj.name
        for i, (name, template) in enumerate(obj.members()):
            node = eligible[i % len(eligible)]
            if name in keep and keep[name][0] in by_name:
                node = by_name[keep[name][0]]
                slot = int(IPv4Address(keep[name][1])) - int(node.pod_cidr.network_address) - 2
            else:
                slot = _free_slot(lab, node, taken[node.name], name)
                taken[node.name].add(slot)
            yield PodPlan(
                name=name,
                namespace=obj.namespace,
                node=node.name,
                netns=netns_name(lab.name, name),
                ip=IPv4Interface(f"{node.pod_cidr.network_address + 2 + slot}/{node.pod_cidr.prefixlen}"),
                gateway=node.bridge_ip.ip,
                host_veth=host_veth_name(obj.namespace, name),
                host_ifindex=FIRST_POD_VETH_INDEX + slot,
                mac=mac_for(lab.name, name, "eth0"),
                labels=template.labels,
                containers=template.containers,
                owner=owner,
                sees_services=before,
                enable_service_links=template.enable_service_links,
                dns_policy=template.dns_policy,
                dns_config=template.dns_config,
                host_aliases=template.host_aliases,
                service_account=template.service_account,
                hostname=template.hostname,
                subdomain=template.subdomain,
                host_domain=_host_domain(lab, obj.namespace, template.subdomain),
                init_containers=template.init_containers,
                restart_policy=template.restart_policy,
            )


def _host_domain(lab: Lab, namespace: str, subdomain: str) -> str:
    """The kubelet's host domain for a pod with a subdomain (`<subdomain>.<ns>.svc.<domain>`), else none."""
    return f"{subdomain}.{namespace}.svc.{lab.cluster.cluster_domain}" if subdomain else ""


def _free_slot(lab: Lab, node: NodePlan, taken: set[int], pod: str) -> int:
    capacity = node.pod_cidr.num_addresses - 3  # network, cni0 (.1), broadcast
    slot = next((i for i in range(capacity) if i not in taken), None)
    if slot is None:
        raise PlanError(
            f"{lab.source}: node {node.name}'s pod CIDR {node.pod_cidr} holds "
            f"{capacity} pods; {pod} would be one too many"
        )
    return slot
