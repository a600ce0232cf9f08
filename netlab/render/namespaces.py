"""Plan -> the desired links, addresses, routes and sysctls of every namespace (pure).

Build order matters across namespaces and is the order returned: the underlay makes each node's
and host's eth0 (a veth whose peer it creates in their namespace), each node makes its pods' eth0,
so underlay, then hosts, then nodes, then pods.

Interface indexes: underlay br0 = 2 and ports 10+; every node and host eth0 = 2; node cni0 = 3,
flannel.1 = 4, pod veths 100 + the pod's slot on the node; pod eth0 = 2; the gateway's pub0 = 3
and its internet hosts' ports 10+.

The outside world (labs with `outside:`): the gateway's pub0 bridge is the internet side, with
the gateway's public address and the internet hosts' router address; each internet host's eth0
plugs into it and routes everything via the gateway. The gateway's NAT is rules, not links
(render/egress.py).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network

from netlab.plan.model import GATEWAY_INTERNET, GATEWAY_PUBLIC, HostPlan, LabPlan, NodePlan, PodPlan
from netlab.proxy import mode_of
from netlab.render.ops import (
    Address,
    Bridge,
    Fdb,
    Hairpin,
    LinkUp,
    NamespaceSpec,
    Neighbour,
    Op,
    Route,
    Sysctl,
    Veth,
    Vxlan,
)

ETH0, CNI0, FLANNEL = 2, 3, 4
UNDERLAY_BRIDGE, CLOUD_LB_PORT, FIRST_UNDERLAY_PORT = 2, 3, 10
PUB0, FIRST_INTERNET_PORT = 3, 10
VXLAN_VNI, VXLAN_PORT = 1, 8472
DEFAULT = IPv4Network("0.0.0.0/0")
IP_FORWARD = Sysctl("net/ipv4/ip_forward", "1")
MULTIPATH_HASH_L4 = Sysctl("net/ipv4/fib_multipath_hash_policy", "1")  # ECMP per flow (5-tuple), not per address pair
# Bridged pod traffic must pass the node's netfilter, or a same-node backend's reply skips the
# Service's reverse NAT (kubeadm's prerequisite; needs br_netfilter, built into this kernel).
BRIDGE_NF_CALL_IPTABLES = Sysctl("net/bridge/bridge-nf-call-iptables", "1")


def owner_tag(lab: str) -> str:
    """The alias every lab namespace's lo carries: how `clean` knows a namespace is netlab's."""
    return f"netlab:{lab}"


def render_namespaces(plan: LabPlan) -> list[NamespaceSpec]:
    """Every namespace of the lab with its objects, in build order."""
    return (
        [underlay_spec(plan)]
        + [gateway_spec(plan)]
        + ([cloud_lb_spec(plan, plan.cloud_lb)] if plan.cloud_lb else [])
        + [internet_host_spec(plan, h) for h in plan.internet_hosts]
        + [node_spec(plan, n) for n in plan.nodes]
        + [pod_spec(plan, p) for p in plan.pods]
    )


def _lo(plan: LabPlan) -> LinkUp:
    return LinkUp(1, "lo", alias=owner_tag(plan.name))


def underlay_spec(plan: LabPlan) -> NamespaceSpec:
    """The underlay: one bridge that every node's and host's eth0 plugs into (the VPC subnet)."""
    ops: list[Op] = [_lo(plan), Bridge("br0", UNDERLAY_BRIDGE, plan.underlay_bridge_mac)]
    members: list[NodePlan | HostPlan] = [plan.gateway, *plan.nodes]
    ops += [_underlay_port(m, FIRST_UNDERLAY_PORT + i) for i, m in enumerate(members)]
    if plan.cloud_lb:
        ops.append(cloud_lb_port(plan.cloud_lb))
    return NamespaceSpec(plan.underlay_netns, tuple(ops))


def cloud_lb_port(lb: HostPlan) -> Veth:
    """The cloud load balancer's eth0 and its underlay bridge port, at an index of its own: it joins
    a running lab with the lab's first LoadBalancer Service (kernel/loadbalancers.py)."""
    return _underlay_port(lb, CLOUD_LB_PORT)


def _underlay_port(member: NodePlan | HostPlan, index: int) -> Veth:
    return Veth(
        member.underlay_port, index, "eth0", ETH0, member.netns, member.mac, master=UNDERLAY_BRIDGE, master_name="br0"
    )


def gateway_spec(plan: LabPlan) -> NamespaceSpec:
    """The gateway: the VPC router on the underlay and, in a lab with an outside world, the
    internet gateway too (pub0, one port per internet host)."""
    gateway = plan.gateway
    ops: list[Op] = [IP_FORWARD, _lo(plan), LinkUp(ETH0, "eth0"), Address(ETH0, "eth0", gateway.ip)]
    if plan.internet_hosts:
        ops += [
            Bridge("pub0", PUB0, gateway.bridge_mac),
            Address(PUB0, "pub0", GATEWAY_PUBLIC),
            Address(PUB0, "pub0", GATEWAY_INTERNET),
        ]
        ops += [
            Veth(
                h.underlay_port, FIRST_INTERNET_PORT + i, "eth0", ETH0, h.netns, h.mac, master=PUB0, master_name="pub0"
            )
            for i, h in enumerate(plan.internet_hosts)
        ]
    ops += [gateway_route(plan, ip) for ip in plan.load_balancer_ips]
    return NamespaceSpec(gateway.netns, tuple(ops))


def gateway_route(plan: LabPlan, ip: IPv4Address) -> Route:
    """The gateway's way to a LoadBalancer IP: to the cloud's load balancer; or, with MetalLB in L2
    mode, on the link (whichever node answers ARP for it gets it)."""
    return Route(IPv4Network(f"{ip}/32"), ETH0, "eth0", via=plan.cloud_lb.ip.ip if plan.cloud_lb else None)


def cloud_lb_spec(plan: LabPlan, lb: HostPlan) -> NamespaceSpec:
    """The cloud's load balancer, on the underlay: it forwards each flow to one healthy node,
    unchanged (the node's kube-proxy rules match the LoadBalancer IP), by an ECMP route hashed on
    the flow's 5-tuple; which nodes are healthy the cloud controller decides (kernel/cloud.py)."""
    return NamespaceSpec(
        lb.netns, (IP_FORWARD, MULTIPATH_HASH_L4, _lo(plan), LinkUp(ETH0, "eth0"), Address(ETH0, "eth0", lb.ip))
    )


def internet_host_spec(plan: LabPlan, host: HostPlan) -> NamespaceSpec:
    """A host on the internet side: its eth0 on the gateway's pub0, everything routed via the gateway;
    the internet's resolver binds port 53 as an unprivileged server."""
    server = (Sysctl("net/ipv4/ip_unprivileged_port_start", "0"),) if host.dns_records else ()
    return NamespaceSpec(
        host.netns,
        (
            *server,
            _lo(plan),
            LinkUp(ETH0, "eth0"),
            Address(ETH0, "eth0", host.ip),
            Route(DEFAULT, ETH0, "eth0", via=GATEWAY_INTERNET.ip),
        ),
    )


def node_spec(plan: LabPlan, node: NodePlan) -> NamespaceSpec:
    """A node: eth0 on the underlay, cni0 for its pods, routes to the other nodes' pod CIDRs."""
    gateway = plan.hosts[0].ip.ip
    ops: list[Op] = [
        IP_FORWARD,
        *([BRIDGE_NF_CALL_IPTABLES] if plan.services else []),
        *mode_of(plan).node_sysctls(plan),
        _lo(plan),
        Bridge("cni0", CNI0, node.bridge_mac, mtu=plan.mtu),
        Address(CNI0, "cni0", node.bridge_ip),
        LinkUp(ETH0, "eth0"),
        Address(ETH0, "eth0", node.ip),
        Route(DEFAULT, ETH0, "eth0", via=gateway),
    ]
    others = [n for n in plan.nodes if n is not node]
    if plan.network == "vxlan":
        ops += [
            Vxlan("flannel.1", FLANNEL, VXLAN_VNI, node.ip.ip, ETH0, "eth0", VXLAN_PORT, node.vtep_mac, plan.mtu),
            Address(FLANNEL, "flannel.1", IPv4Interface(f"{node.vtep_ip}/32")),
        ]
        for other in others:
            ops += [
                Neighbour(FLANNEL, "flannel.1", other.vtep_ip, other.vtep_mac),
                Fdb(FLANNEL, "flannel.1", other.vtep_mac, other.ip.ip),
                Route(other.pod_cidr, FLANNEL, "flannel.1", via=other.vtep_ip, onlink=True),
            ]
    else:
        ops += [Route(other.pod_cidr, ETH0, "eth0", via=other.ip.ip) for other in others]
    for pod in plan.pods:
        if pod.node == node.name:
            ops += pod_attachment(plan, pod)
    return NamespaceSpec(node.netns, tuple(ops))


def pod_attachment(plan: LabPlan, pod: PodPlan) -> list[Op]:
    """The node's side of a pod (what the CNI bridge plugin's ADD makes): the veth pair with its
    peer as the pod's eth0, on cni0, in hairpin mode."""
    return [
        Veth(
            pod.host_veth,
            pod.host_ifindex,
            "eth0",
            ETH0,
            pod.netns,
            pod.mac,
            master=CNI0,
            master_name="cni0",
            mtu=plan.mtu,
        ),
        Hairpin(pod.host_ifindex, pod.host_veth),
    ]


def pod_spec(plan: LabPlan, pod: PodPlan) -> NamespaceSpec:
    """A pod: lo, eth0 with its address, a default route via cni0; unprivileged ports from 0."""
    return NamespaceSpec(
        pod.netns,
        (
            Sysctl("net/ipv4/ip_unprivileged_port_start", "0"),
            _lo(plan),
            LinkUp(ETH0, "eth0"),
            Address(ETH0, "eth0", pod.ip),
            Route(DEFAULT, ETH0, "eth0", via=pod.gateway),
        ),
    )
