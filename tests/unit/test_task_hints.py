"""netlab.verify.hints: a learner's task judged from what the kernel holds, with one hint line when
it is not done. The read-backs are made by hand, as kernel.netnsread and iptables-save give them,
from the plans of the bundled labs."""

from __future__ import annotations

import re
from dataclasses import replace
from ipaddress import IPv4Network

import pytest

from netlab.model import find_lab, load_lab
from netlab.model.lab import Task
from netlab.plan import make_plan
from netlab.plan.tasks import proxied
from netlab.readback.netns import Link, NamespaceView, RouteView
from netlab.render.iptables import IptablesRuleset, render_iptables
from netlab.verify.hints import nft_service_hint, routes_hint, service_hint, veth_hint

DEFAULT = IPv4Network("0.0.0.0/0")
UNDERLAY = IPv4Network("192.168.56.0/24")
LO = Link("lo", 1, "up", "00:00:00:00:00:00", 65536, None, None, addresses=["127.0.0.1/8"])


def plan_of(name: str, network: str | None = None):
    return make_plan(load_lab(find_lab(name)), network=network)


# -- veth -----------------------------------------------------------------------------------------
class Veth:
    """pod-to-pod's pod-b and node-1, as the kernel holds them once pod-b's veth task is done."""

    def __init__(self) -> None:
        self.plan = plan_of("pod-to-pod")
        self.pod = next(p for p in self.plan.pods if p.name == "pod-b")
        self.node = self.plan.nodes[0]
        pod, node = self.pod, self.node
        self.eth0 = Link(
            "eth0", 2, "up", pod.mac, 1500, None, "veth", peer_index=pod.host_ifindex, addresses=[str(pod.ip)]
        )
        self.routes = [RouteView(DEFAULT, str(pod.gateway), "eth0"), RouteView(node.pod_cidr, None, "eth0")]
        self.host_end = Link(
            pod.host_veth, pod.host_ifindex, "up", "0a:58:0a:f4:01:99", 1500, "cni0", "veth", peer_index=2
        )
        pod_a = next(p for p in self.plan.pods if p.name == "pod-a")
        self.node_links = [
            LO,
            Link("eth0", 2, "up", node.mac, 1500, None, "veth", peer_index=10, addresses=[str(node.ip)]),
            Link("cni0", 3, "up", node.bridge_mac, 1500, None, "bridge", addresses=[str(node.bridge_ip)]),
            Link(pod_a.host_veth, pod_a.host_ifindex, "up", "0a:58:0a:f4:01:98", 1500, "cni0", "veth", peer_index=2),
        ]

    def views(
        self,
        eth0: Link | None = None,
        host_end: Link | None = None,
        routes: list[RouteView] | None = None,
        pod_links: list[Link] | None = None,
    ) -> tuple[NamespaceView, NamespaceView]:
        links = pod_links if pod_links is not None else [LO, eth0 or self.eth0]
        pod_view = NamespaceView(
            self.pod.netns, {link.name: link for link in links}, self.routes if routes is None else routes
        )
        node_links = [*self.node_links, host_end or self.host_end]
        node_view = NamespaceView(
            self.node.netns,
            {link.name: link for link in node_links},
            [
                RouteView(DEFAULT, "192.168.56.1", "eth0"),
                RouteView(UNDERLAY, None, "eth0"),
                RouteView(self.node.pod_cidr, None, "cni0"),
            ],
        )
        return pod_view, node_view

    def hint(self, **changes) -> str | None:
        return veth_hint(self.pod, self.node, *self.views(**changes))


@pytest.fixture
def veth() -> Veth:
    return Veth()


def test_veth_done(veth: Veth) -> None:
    assert veth.hint() is None


def test_veth_done_with_a_learners_own_name_for_the_node_end(veth: Veth) -> None:
    assert veth.hint(host_end=replace(veth.host_end, name="veth-b")) is None


def test_veth_no_eth0(veth: Veth) -> None:
    assert veth.hint(pod_links=[LO]) == (
        f"pod-b has no eth0 yet: make the pair in node-1: ip -n {veth.node.netns} link add {veth.pod.host_veth} "
        f"type veth peer name eth0 netns {veth.pod.netns}"
    )


def test_veth_eth0_with_another_name(veth: Veth) -> None:
    hint = veth.hint(pod_links=[LO, replace(veth.eth0, name="veth0")])
    assert hint == "pod-b has veth0 but no eth0: the pod's end must be named eth0 (peer name eth0)"


def test_veth_eth0_not_a_veth(veth: Veth) -> None:
    hint = veth.hint(eth0=replace(veth.eth0, kind="dummy", peer_index=None))
    assert hint == "pod-b's eth0 is a dummy link, not one end of a veth pair"


def test_veth_peer_not_in_the_node(veth: Veth) -> None:
    # the pair made inside the pod: eth0's peer is the pod's own link 3, the node has no end of it
    made_in_pod = replace(veth.eth0, peer_index=3)
    stray = Link("veth-b", 3, "down", "0a:58:0a:f4:01:77", 1500, None, "veth", peer_index=2)
    hint = veth.hint(pod_links=[LO, made_in_pod, stray])
    assert hint is not None and hint.startswith("the other end of pod-b's eth0 is not in node-1: ")
    assert f"ip -n {veth.node.netns} link add ... peer name eth0 netns {veth.pod.netns}" in hint


@pytest.mark.parametrize(("master", "where"), [(None, "on no bridge"), ("br0", "on br0")])
def test_veth_node_end_not_on_cni0(veth: Veth, master: str | None, where: str) -> None:
    hint = veth.hint(host_end=replace(veth.host_end, master=master))
    host = veth.pod.host_veth
    assert hint == (
        f"{host}, node-1's end of the pair, is {where}, not on cni0: "
        f"ip -n {veth.node.netns} link set {host} master cni0"
    )


def test_veth_node_end_down(veth: Veth) -> None:
    host = veth.pod.host_veth
    assert veth.hint(host_end=replace(veth.host_end, state="down")) == (
        f"{host}, node-1's end of the pair, is down: ip -n {veth.node.netns} link set {host} up"
    )


def test_veth_eth0_down(veth: Veth) -> None:
    assert veth.hint(eth0=replace(veth.eth0, state="down")) == (
        f"pod-b's eth0 is down: ip -n {veth.pod.netns} link set eth0 up"
    )


def test_veth_no_address(veth: Veth) -> None:
    assert veth.hint(eth0=replace(veth.eth0, addresses=[])) == (
        f"pod-b's eth0 has no address: ip -n {veth.pod.netns} addr add 10.244.1.3/24 dev eth0"
    )


@pytest.mark.parametrize("address", ["10.244.1.3/32", "10.244.1.3/16"])
def test_veth_wrong_prefix_length(veth: Veth, address: str) -> None:
    hint = veth.hint(eth0=replace(veth.eth0, addresses=[address]))
    assert hint is not None and hint.startswith(f"pod-b's eth0 has {address}: wrong prefix length")
    assert "10.244.1.0/24" in hint and "\n" not in hint


def test_veth_wrong_address(veth: Veth) -> None:
    hint = veth.hint(eth0=replace(veth.eth0, addresses=["10.244.1.2/24"]))
    assert hint is not None and hint.startswith("pod-b's eth0 has 10.244.1.2/24, not 10.244.1.3/24")


def test_veth_no_default_route(veth: Veth) -> None:
    assert veth.hint(routes=[RouteView(veth.node.pod_cidr, None, "eth0")]) == (
        f"pod-b has no default route: ip -n {veth.pod.netns} route add default via 10.244.1.1"
    )


@pytest.mark.parametrize(
    ("default", "said"),
    [
        (RouteView(DEFAULT, "10.244.1.2", "eth0"), "via 10.244.1.2"),
        (RouteView(DEFAULT, None, "eth0"), "via no gateway"),
    ],
)
def test_veth_wrong_gateway(veth: Veth, default: RouteView, said: str) -> None:
    hint = veth.hint(routes=[default, RouteView(veth.node.pod_cidr, None, "eth0")])
    assert hint == f"pod-b's default route goes {said}, not via 10.244.1.1 (cni0, its node's bridge)"


# -- routes ---------------------------------------------------------------------------------------
def node_view(plan, node, *task_routes: RouteView) -> NamespaceView:
    """A node as the lab builds it, with `task_routes` as the learner left them."""
    routes = [
        RouteView(DEFAULT, "192.168.56.1", "eth0"),
        RouteView(UNDERLAY, None, "eth0"),
        RouteView(node.pod_cidr, None, "cni0"),
        *task_routes,
    ]
    return NamespaceView(node.netns, {"lo": LO}, routes)


@pytest.fixture(scope="module")
def host_gw():
    return plan_of("pod-to-pod-cross-node")


@pytest.fixture(scope="module")
def vxlan():
    return plan_of("pod-to-pod-cross-node", network="vxlan")


def test_routes_done_host_gw(host_gw) -> None:
    node_1, node_2 = host_gw.nodes
    view = node_view(host_gw, node_1, RouteView(node_2.pod_cidr, "192.168.56.12", "eth0"))
    assert routes_hint(host_gw, node_1, view, {}, {}) is None


def test_routes_missing_host_gw(host_gw) -> None:
    node_1 = host_gw.nodes[0]
    assert routes_hint(host_gw, node_1, node_view(host_gw, node_1), {}, {}) == (
        f"node-1 has no route to node-2's pods (10.244.2.0/24): "
        f"ip -n {node_1.netns} route add 10.244.2.0/24 via 192.168.56.12"
    )


def test_routes_missing_vxlan(vxlan) -> None:
    node_1 = vxlan.nodes[0]
    assert routes_hint(vxlan, node_1, node_view(vxlan, node_1), {}, {}) == (
        f"node-1 has no route to node-2's pods (10.244.2.0/24): "
        f"ip -n {node_1.netns} route add 10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink"
    )


def test_routes_wrong_prefix(host_gw) -> None:
    node_1 = host_gw.nodes[0]
    view = node_view(host_gw, node_1, RouteView(IPv4Network("10.244.0.0/16"), "192.168.56.12", "eth0"))
    hint = routes_hint(host_gw, node_1, view, {}, {})
    assert hint == (
        "node-1 has a route to 10.244.0.0/16: wrong prefix length, node-2's pods are 10.244.2.0/24 "
        "(one subnet per node)"
    )


def test_routes_wrong_via_names_the_node(make_lab) -> None:
    lab = make_lab("""\
        name: three
        cluster: {nodes: [node-1, node-2, node-3], dns: false}
    """)
    plan = make_plan(lab)
    node_1, node_2, node_3 = plan.nodes
    view = node_view(
        plan,
        node_1,
        RouteView(node_2.pod_cidr, str(node_3.ip.ip), "eth0"),
        RouteView(node_3.pod_cidr, str(node_3.ip.ip), "eth0"),
    )
    assert routes_hint(plan, node_1, view, {}, {}) == (
        "node-1's route to 10.244.2.0/24 goes via 192.168.56.13 (node-3), but node-2's pods live behind "
        "192.168.56.12, node-2"
    )


def test_routes_wrong_via_not_a_node(host_gw) -> None:
    node_1 = host_gw.nodes[0]
    view = node_view(host_gw, node_1, RouteView(IPv4Network("10.244.2.0/24"), "192.168.56.1", "eth0"))
    assert routes_hint(host_gw, node_1, view, {}, {}) == (
        "node-1's route to 10.244.2.0/24 goes via 192.168.56.1, but node-2's pods live behind 192.168.56.12, node-2"
    )


def vxlan_state(plan):
    node_1, node_2 = plan.nodes
    route = RouteView(node_2.pod_cidr, str(node_2.vtep_ip), "flannel.1")
    return node_1, node_2, route, {str(node_2.vtep_ip): node_2.vtep_mac}, {node_2.vtep_mac: str(node_2.ip.ip)}


def test_routes_done_vxlan(vxlan) -> None:
    node_1, _, route, neighbours, fdb = vxlan_state(vxlan)
    assert routes_hint(vxlan, node_1, node_view(vxlan, node_1, route), neighbours, fdb) is None


@pytest.mark.parametrize(("gateway", "dev"), [("10.244.2.0", "eth0"), ("192.168.56.12", "eth0")])
def test_routes_vxlan_wrong_dev(vxlan, gateway: str, dev: str) -> None:
    node_1, _, route, neighbours, fdb = vxlan_state(vxlan)
    view = node_view(vxlan, node_1, replace(route, gateway=gateway, dev=dev))
    assert routes_hint(vxlan, node_1, view, neighbours, fdb) == (
        f"node-1's route to 10.244.2.0/24 goes via {gateway} dev eth0: with vxlan it goes via 10.244.2.0 "
        f"dev flannel.1 onlink (node-2's VTEP)"
    )


@pytest.mark.parametrize("neighbours", [{}, {"10.244.2.0": "02:00:00:00:00:01"}])
def test_routes_vxlan_missing_neighbour(vxlan, neighbours: dict) -> None:
    node_1, node_2, route, _, fdb = vxlan_state(vxlan)
    assert routes_hint(vxlan, node_1, node_view(vxlan, node_1, route), neighbours, fdb) == (
        f"flannel.1 in node-1 does not know 10.244.2.0's MAC: ip -n {node_1.netns} neigh replace 10.244.2.0 "
        f"lladdr {node_2.vtep_mac} dev flannel.1 nud permanent"
    )


@pytest.mark.parametrize("fdb", [{}, {"00:00:00:00:00:00": "192.168.56.12"}])
def test_routes_vxlan_missing_fdb(vxlan, fdb: dict) -> None:
    node_1, node_2, route, neighbours, _ = vxlan_state(vxlan)
    assert routes_hint(vxlan, node_1, node_view(vxlan, node_1, route), neighbours, fdb) == (
        f"flannel.1 in node-1 does not know where {node_2.vtep_mac} lives: bridge -n {node_1.netns} fdb "
        f"append {node_2.vtep_mac} dev flannel.1 dst 192.168.56.12"
    )


def test_routes_vxlan_fdb_to_the_wrong_node(vxlan) -> None:
    node_1, node_2, route, neighbours, _ = vxlan_state(vxlan)
    hint = routes_hint(vxlan, node_1, node_view(vxlan, node_1, route), neighbours, {node_2.vtep_mac: "192.168.56.11"})
    assert hint is not None and "does not know where" in hint


# -- service (iptables) ---------------------------------------------------------------------------
def saved(ruleset: IptablesRuleset, *learner: tuple[str, str]) -> dict[str, list[str]]:
    """What iptables-save gives (table -> its `-A` lines) after kube-proxy wrote `ruleset` and the
    learner added `learner` (table, line): addresses with their /32, as iptables-save prints them."""
    tables: dict[str, list[str]] = {"filter": [], "nat": []}
    for jump in ruleset.jumps:
        tables[jump.table].append(jump.text().split(" ", 2)[2].replace("-I ", "-A ", 1))
    table = ""
    for line in ruleset.restore.splitlines():
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith("-A "):
            tables[table].append(line)
    for table, line in learner:
        tables[table].append(line)
    return {
        t: [re.sub(r"(-[sd] \d+\.\d+\.\d+\.\d+)(?=\s)", r"\1/32", line + " ")[:-1] for line in lines]
        for t, lines in tables.items()
    }


class Services:
    def __init__(self, lab: str, name: str, namespace: str = "default") -> None:
        self.plan = plan_of(lab)
        self.svc = self.plan.known_service(name, namespace)
        self.node = self.plan.nodes[0]
        self.ip = str(self.svc.cluster_ip)
        target = name if namespace == "default" else f"{name}.{namespace}"
        # kube-proxy syncs every Service but the learner's: what the node holds before the learner starts
        self.others = render_iptables(
            proxied(self.plan, [Task("service", target)]).services, self.plan.lab.cluster.pod_cidr, self.node
        )
        self.full = render_iptables(self.plan.services, self.plan.lab.cluster.pod_cidr, self.node)

    def hint(self, *learner: tuple[str, str]) -> str | None:
        return service_hint(self.svc, self.node, saved(self.others, *learner))


@pytest.fixture(scope="module")
def web() -> Services:
    return Services("pod-to-service", "web")


def nat(line: str) -> tuple[str, str]:
    return "nat", line


def test_saved_is_as_iptables_save_writes_it(web: Services) -> None:
    lines = saved(web.full)["nat"]
    assert '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES' in lines
    assert any(f"-d {web.ip}/32 --dport 80 -j KUBE-SVC-" in line for line in lines)


def test_service_no_rule(web: Services) -> None:
    hint = web.hint()
    assert hint is not None and hint.startswith(f"node-1 has no nat rule for web's ClusterIP {web.ip}: ")
    assert (
        f"iptables -t nat -A PREROUTING -d {web.ip}/32 -p tcp --dport 80 -j DNAT --to-destination 10.244.1.3:8080"
    ) in hint
    assert f"ip netns exec {web.node.netns} iptables" in hint, "a command the learner can run as it is"


def test_service_rule_in_filter_table(web: Services) -> None:
    hint = web.hint(("filter", f"-A FORWARD -d {web.ip}/32 -p tcp -m tcp --dport 80 -j ACCEPT"))
    assert hint == f"node-1's rule for {web.ip} is in table filter: rewriting a destination (DNAT) is done in table nat"


def test_service_dnat_in_output_only(web: Services) -> None:
    hint = web.hint(nat(f"-A OUTPUT -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.3:8080"))
    assert hint is not None and "is in OUTPUT" in hint and "PREROUTING" in hint


def test_service_rule_in_a_chain_nothing_jumps_to(web: Services) -> None:
    hint = web.hint(nat(f"-A MINE -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.3:8080"))
    assert hint == f"node-1's rule for {web.ip}:80 is in chain MINE, which PREROUTING never jumps to"


@pytest.mark.parametrize(
    ("dport", "why"),
    [
        ("8080", " (that is the pods' targetPort; a client sends to the Service's port)"),
        ("81", ""),
    ],
)
def test_service_wrong_dport(web: Services, dport: str, why: str) -> None:
    hint = web.hint(
        nat(f"-A PREROUTING -d {web.ip}/32 -p tcp -m tcp --dport {dport} -j DNAT --to-destination 10.244.1.3:8080")
    )
    assert hint == f"node-1's rule for {web.ip} matches tcp port {dport}{why}, but web's port is 80/TCP"


def test_service_wrong_protocol(web: Services) -> None:
    hint = web.hint(
        nat(f"-A PREROUTING -d {web.ip}/32 -p udp -m udp --dport 80 -j DNAT --to-destination 10.244.1.3:8080")
    )
    assert hint == f"node-1's rule for {web.ip} matches udp port 80, but web's port is 80/TCP"


def test_service_rule_without_dnat(web: Services) -> None:
    hint = web.hint(nat(f"-A PREROUTING -d {web.ip}/32 -p tcp -m tcp --dport 80 -j ACCEPT"))
    assert hint == (
        f"node-1's rule for {web.ip}:80 does not rewrite the destination (-j DNAT --to-destination POD_IP:PORT)"
    )


def test_service_dnat_to_a_non_endpoint(web: Services) -> None:
    hint = web.hint(
        nat(f"-A PREROUTING -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.2:8080")
    )
    assert hint == (
        f"node-1 DNATs {web.ip}:80 to 10.244.1.2:8080, which is not an endpoint of web "
        f"(10.244.1.3:8080, 10.244.2.2:8080)"
    )


@pytest.mark.parametrize("to", ["10.244.1.3", "10.244.1.3:80"])
def test_service_dnat_without_the_target_port(web: Services, to: str) -> None:
    hint = web.hint(nat(f"-A PREROUTING -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination {to}"))
    assert hint == (
        f"node-1 DNATs {web.ip}:80 to {to}: the pods listen on 8080 (the targetPort), "
        f"so -j DNAT --to-destination 10.244.1.3:8080"
    )


def test_service_one_endpoint_is_enough(web: Services) -> None:
    assert (
        web.hint(nat(f"-A PREROUTING -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.2.2:8080"))
        is None
    )


def test_service_a_learners_own_chain_from_prerouting(web: Services) -> None:
    assert (
        web.hint(
            nat("-A PREROUTING -j LEARNER"),
            nat(f"-A LEARNER -d {web.ip}/32 -p tcp -m tcp --dport 80 -j LEARNER-WEB"),
            nat("-A LEARNER-WEB -m statistic --mode random --probability 0.5 -j DNAT --to-destination 10.244.1.3:8080"),
            nat("-A LEARNER-WEB -j DNAT --to-destination 10.244.2.2:8080"),
        )
        is None
    )


def test_service_a_rule_in_kube_proxys_services_chain(web: Services) -> None:
    assert (
        web.hint(
            nat(f"-A KUBE-SERVICES -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.1.3:8080")
        )
        is None
    )


def test_service_a_learners_chain_with_a_wrong_endpoint(web: Services) -> None:
    hint = web.hint(
        nat("-A PREROUTING -j LEARNER"),
        nat(f"-A LEARNER -d {web.ip}/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 10.244.9.9:8080"),
    )
    assert hint is not None and "10.244.9.9:8080, which is not an endpoint of web" in hint


SERVICE_LABS = [
    ("pod-to-service", "web", "default"),
    ("service-discovery", "kube-dns", "kube-system"),
    ("service-types", "web", "default"),
]


@pytest.mark.parametrize(("lab", "name", "namespace"), SERVICE_LABS)
def test_service_kube_proxys_full_ruleset_is_done(lab: str, name: str, namespace: str) -> None:
    services = Services(lab, name, namespace)
    for node in services.plan.nodes:
        ruleset = render_iptables(services.plan.services, services.plan.lab.cluster.pod_cidr, node)
        for svc in (s for s in services.plan.services if s.cluster_ip and any(p.endpoints for p in s.ports)):
            assert service_hint(svc, node, saved(ruleset)) is None, (lab, svc.name, node.name)


@pytest.mark.parametrize(("lab", "name", "namespace"), SERVICE_LABS)
def test_service_left_to_the_learner_is_not_done(lab: str, name: str, namespace: str) -> None:
    services = Services(lab, name, namespace)
    hint = services.hint()
    assert hint is not None and f"no nat rule for {name}'s ClusterIP {services.ip}" in hint


# kube-dns: three ports (53/UDP, 53/TCP, 9153/TCP), each the same as its targetPort
@pytest.fixture(scope="module")
def dns() -> Services:
    return Services("service-discovery", "kube-dns", "kube-system")


def dns_rules(ip: str, endpoint: str, ports=(("udp", 53), ("tcp", 53), ("tcp", 9153)), to_port: bool = True):
    return [
        nat(
            f"-A PREROUTING -d {ip}/32 -p {proto} -m {proto} --dport {port} -j DNAT "
            f"--to-destination {endpoint}" + (f":{port}" if to_port else "")
        )
        for proto, port in ports
    ]


def test_service_every_port(dns: Services) -> None:
    endpoint = str(dns.svc.ports[0].endpoints[0].ip)
    assert dns.hint(*dns_rules(dns.ip, endpoint)) is None


def test_service_dnat_without_port_when_port_is_the_target_port(dns: Services) -> None:
    """DNAT without a port keeps the packet's: right when the Service's port is the targetPort."""
    endpoint = str(dns.svc.ports[0].endpoints[0].ip)
    assert dns.hint(*dns_rules(dns.ip, endpoint, to_port=False)) is None


def test_service_a_port_without_a_rule_is_named(dns: Services) -> None:
    endpoint = str(dns.svc.ports[0].endpoints[0].ip)
    hint = dns.hint(*dns_rules(dns.ip, endpoint, ports=(("udp", 53), ("tcp", 53))))
    assert hint is not None and "9153/TCP" in hint
    assert "matches" not in hint, "the rules there are right: the port without one is what is missing"
    assert f"--dport 9153 -j DNAT --to-destination {endpoint}:9153" in hint


# -- service, nftables ------------------------------------------------------------------------------
def learner_table(rule: str, hook: str = "prerouting") -> str:
    """`nft list ruleset` as it prints a learner's table of one nat chain."""
    return (
        "table ip learn {\n\tchain pre {\n"
        f"\t\ttype nat hook {hook} priority dstnat; policy accept;\n\t\t{rule}\n\t}}\n}}\n"
    )


NFT_CASES = [
    ("", "no nftables rule in node-1 matches web's ClusterIP 10.108.209.100"),
    (
        learner_table("ip daddr 10.108.209.100 tcp dport 80 dnat to 10.244.1.3:8080", hook="output"),
        "hook output, which only the node's own packets pass",
    ),
    (
        learner_table("ip daddr 10.108.209.100 tcp dport 8080 dnat to 10.244.1.3:8080"),
        "no nftables rule for web's port 80/TCP",
    ),
    (learner_table("ip daddr 10.108.209.100 tcp dport 80 dnat to 10.244.9.9:8080"), "which is not an endpoint of web"),
    (learner_table("ip daddr 10.108.209.100 tcp dport 80 dnat to 10.244.1.3"), "so dnat to 10.244.1.3:8080"),
    (learner_table("ip daddr 10.108.209.100 tcp dport 80 counter"), "does not rewrite the destination (dnat to"),
    (
        "table ip learn {\n\tchain svc {\n\t\tip daddr 10.108.209.100 tcp dport 80 dnat to 10.244.1.3:8080\n\t}\n}\n",
        "in chain svc, which no chain with hook prerouting jumps to",
    ),
]


@pytest.mark.parametrize(("ruleset", "said"), NFT_CASES)
def test_nft_service_hints(web: Services, ruleset: str, said: str) -> None:
    hint = nft_service_hint(web.svc, web.node, ruleset)
    assert hint is not None and said in hint, hint


@pytest.mark.parametrize(
    "ruleset",
    [
        learner_table("ip daddr 10.108.209.100 tcp dport 80 dnat to 10.244.1.3:8080"),
        learner_table("ip daddr 10.108.209.100 tcp dport 80 jump svc").replace(
            "\t}\n}", "\t}\n\tchain svc {\n\t\tdnat to 10.244.2.2:8080\n\t}\n}"
        ),
        "table ip kube-proxy {\n\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n"
        "\t\telements = { 10.108.209.100 . tcp . 80 : goto service-x }\n\t}\n}\n",
    ],
)
def test_nft_service_done(web: Services, ruleset: str) -> None:
    assert nft_service_hint(web.svc, web.node, ruleset) is None
