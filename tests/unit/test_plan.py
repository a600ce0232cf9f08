"""netlab.plan: placement, addresses, names and MACs of a whole lab (docs/lab-format.md)."""

from __future__ import annotations

import re
from dataclasses import replace
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from netlab.errors import EXIT_BAD_INPUT, PlanError
from netlab.plan import make_plan

IFNAMSIZ = 15
MAC = re.compile(r"^02(:[0-9a-f]{2}){5}$")


def cluster_lab(nodes: str, objects: str = "", cluster: str = "") -> str:
    """A lab file's text: the nodes (a YAML flow list), extra cluster lines, then objects; without
    cluster DNS, whose pods would join every placement (its own tests add it)."""
    return f"name: plan\ncluster:\n  nodes: {nodes}\n  dns: false\n{cluster}objects:\n{objects}"


def deployment(name: str, replicas: int, spec: str = "") -> str:
    return (
        f"  - apiVersion: apps/v1\n    kind: Deployment\n    metadata: {{name: {name}}}\n"
        f"    spec:\n      replicas: {replicas}\n      selector: {{matchLabels: {{app: {name}}}}}\n"
        f"      template:\n        metadata: {{labels: {{app: {name}}}}}\n"
        f"        spec: {{containers: [{{name: c}}]{spec}}}\n"
    )


def pod(name: str, spec: str = "") -> str:
    return f"  - {{apiVersion: v1, kind: Pod, metadata: {{name: {name}}}, spec: {{containers: [{{name: c}}]{spec}}}}}\n"


def placement(plan) -> dict[str, tuple[str, str]]:
    return {p.name: (p.node, str(p.ip)) for p in plan.pods}


# -- addresses ------------------------------------------------------------------------------------
def test_node_addresses(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod-cross-node"))
    assert [(n.name, n.index, str(n.ip), str(n.pod_cidr), str(n.bridge_ip)) for n in plan.nodes] == [
        ("node-1", 1, "192.168.56.11/24", "10.244.1.0/24", "10.244.1.1/24"),
        ("node-2", 2, "192.168.56.12/24", "10.244.2.0/24", "10.244.2.1/24"),
    ]
    assert [n.vtep_ip for n in plan.nodes] == [IPv4Address("10.244.1.0"), IPv4Address("10.244.2.0")]


def test_gateway_is_the_first_underlay_address(bundled_lab) -> None:
    (gateway,) = make_plan(bundled_lab("pod-to-pod")).hosts
    assert (gateway.name, gateway.ip) == ("gateway", IPv4Interface("192.168.56.1/24"))


def test_pods_are_numbered_from_2_in_creation_order_per_node(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod-cross-node"))
    assert placement(plan) == {"pod-1": ("node-1", "10.244.1.2/24"), "pod-4": ("node-2", "10.244.2.2/24")}
    assert [p.gateway for p in plan.pods] == [IPv4Address("10.244.1.1"), IPv4Address("10.244.2.1")]


def test_lookups_by_name_and_address(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod"))
    assert plan.address_of("pod-b") == IPv4Address("10.244.1.3")
    assert plan.name_of("192.168.56.11") == "node-1"
    assert plan.netns_of("underlay") == "nl-pod-to-pod.underlay"
    assert plan.member("nobody") is plan.name_of("10.9.9.9") is plan.netns_of("nobody") is None


# -- placement --------------------------------------------------------------------------------
def test_replicas_spread_round_robin_and_pods_fill_in_order(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1, node-2]", deployment("web", 3) + pod("client") + deployment("db", 2)))
    assert placement(make_plan(lab)) == {
        "web-0": ("node-1", "10.244.1.2/24"),
        "web-1": ("node-2", "10.244.2.2/24"),
        "web-2": ("node-1", "10.244.1.3/24"),
        "client": ("node-1", "10.244.1.4/24"),  # a standalone Pod goes to the first eligible node
        "db-0": ("node-1", "10.244.1.5/24"),
        "db-1": ("node-2", "10.244.2.3/24"),
    }


def test_node_name_pins_a_pod(make_lab) -> None:
    lab = make_lab(
        cluster_lab(
            "[node-1, node-2, node-3]", pod("a", ", nodeName: node-3") + deployment("web", 2, ", nodeName: node-2")
        )
    )
    assert {name: node for name, (node, _) in placement(make_plan(lab)).items()} == {
        "a": "node-3",
        "web-0": "node-2",
        "web-1": "node-2",
    }


def test_node_selector_limits_the_eligible_nodes(make_lab) -> None:
    nodes = "[node-1, {name: node-2, labels: {disk: ssd}}, node-3, {name: node-4, labels: {disk: ssd}}]"
    lab = make_lab(
        cluster_lab(
            nodes, deployment("db", 3, ", nodeSelector: {disk: ssd}") + pod("cache", ", nodeSelector: {disk: ssd}")
        )
    )
    assert {name: node for name, (node, _) in placement(make_plan(lab)).items()} == {
        "db-0": "node-2",
        "db-1": "node-4",
        "db-2": "node-2",
        "cache": "node-2",
    }


def test_node_selector_can_name_the_hostname_label(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1, node-2]", pod("a", ", nodeSelector: {kubernetes.io/hostname: node-2}")))
    assert make_plan(lab).pods[0].node == "node-2"


def test_pods_keep_labels_namespace_and_owner(make_lab) -> None:
    lab = make_lab(
        cluster_lab(
            "[node-1]",
            deployment("web", 1) + "  - {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: shop, "
            "labels: {app: a}}, spec: {containers: [{name: c}]}}\n",
        )
    )
    assert [(p.name, p.namespace, p.labels, p.owner) for p in make_plan(lab).pods] == [
        ("web-0", "default", {"app": "web"}, "web"),
        ("a", "shop", {"app": "a"}, ""),
    ]


# -- names ----------------------------------------------------------------------------------------
def test_namespace_names(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod"))
    assert plan.all_netns() == [
        "nl-pod-to-pod.underlay",
        "nl-pod-to-pod.gateway",
        "nl-pod-to-pod.node-1",
        "nl-pod-to-pod.pod-a",
        "nl-pod-to-pod.pod-b",
    ]


def test_veth_names_fit_ifnamsiz_and_are_unique_per_node(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1, node-2]", deployment("a-deployment-with-a-name-longer-than-ifnamsiz", 40)))
    plan = make_plan(lab)
    for node in plan.nodes:
        pods = [p for p in plan.pods if p.node == node.name]
        assert all(re.fullmatch(r"veth[0-9a-f]{8}", p.host_veth) for p in pods)
        assert len({p.host_veth for p in pods}) == len({p.host_ifindex for p in pods}) == len(pods) == 20


def test_underlay_port_names_fit_ifnamsiz(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1, a-node-name-longer-than-ifnamsiz, another-long-node-name-here]"))
    ports = [n.underlay_port for n in make_plan(lab).nodes]
    assert ports[0] == "node-1"
    assert all(len(p) <= IFNAMSIZ for p in ports) and len(set(ports)) == 3


def test_macs_are_locally_administered_unicast_and_unique(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod-cross-node"))
    macs = (
        [plan.underlay_bridge_mac]
        + [h.mac for h in plan.hosts]
        + [p.mac for p in plan.pods]
        + [m for n in plan.nodes for m in (n.mac, n.bridge_mac, n.vtep_mac)]
    )
    assert all(MAC.match(m) for m in macs), macs
    assert len(set(macs)) == len(macs)


# -- determinism and modes ------------------------------------------------------------------
@pytest.mark.parametrize("name", ["container-to-container", "pod-to-pod", "pod-to-pod-cross-node"])
def test_plan_is_deterministic(bundled_lab, name: str) -> None:
    """Every run gives the same addresses, MACs and names, even from a fresh load of the file."""
    assert make_plan(bundled_lab(name)) == make_plan(bundled_lab(name))


def test_macs_do_not_depend_on_the_network_mode(bundled_lab) -> None:
    lab = bundled_lab("pod-to-pod-cross-node")
    host_gw, vxlan = make_plan(lab, network="host-gw"), make_plan(lab, network="vxlan")
    assert [p.mac for p in host_gw.pods] == [p.mac for p in vxlan.pods]
    assert host_gw.nodes == vxlan.nodes and host_gw.pods == vxlan.pods


@pytest.mark.parametrize(("network", "mtu"), [(None, 1500), ("host-gw", 1500), ("vxlan", 1450)])
def test_network_override_and_mtu(bundled_lab, network: str | None, mtu: int) -> None:
    plan = make_plan(bundled_lab("pod-to-pod-cross-node"), network=network)
    assert (plan.network, plan.mtu) == (network or "host-gw", mtu)


# -- what does not fit --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cluster", "first", "second"),
    [
        ("  podCIDR: 10.96.0.0/16\n", "cluster.podCIDR 10.96.0.0/16", "cluster.serviceCIDR 10.96.0.0/12"),
        ("  underlay: 10.244.7.0/24\n", "cluster.podCIDR 10.244.0.0/16", "cluster.underlay 10.244.7.0/24"),
        ("  underlay: 203.0.113.0/24\n", "cluster.underlay 203.0.113.0/24", "the internet hosts (203.0.113.0/24)"),
        (
            "  serviceCIDR: 198.51.100.0/24\n",
            "cluster.serviceCIDR 198.51.100.0/24",
            "the public side (198.51.100.0/24)",
        ),
    ],
    ids=["pod-service", "pod-underlay", "underlay-internet", "service-public"],
)
def test_overlapping_ranges_are_refused_naming_both(make_lab, cluster: str, first: str, second: str) -> None:
    lab = make_lab(cluster_lab("[node-1]", cluster=cluster))
    with pytest.raises(PlanError) as caught:
        make_plan(lab)
    assert f"{first} overlaps {second}" in str(caught.value)
    assert caught.value.exit_code == EXIT_BAD_INPUT


def test_a_node_cidr_holds_253_pods(make_lab) -> None:
    plan = make_plan(make_lab(cluster_lab("[node-1, node-2]", deployment("web", 253, ", nodeName: node-2"))))
    assert plan.pods[-1].ip == IPv4Interface("10.244.2.254/24")


def test_the_254th_pod_on_a_node_is_refused_naming_the_node(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1, node-2]", deployment("web", 254, ", nodeName: node-2")))
    with pytest.raises(PlanError, match=r"node node-2's pod CIDR 10.244.2.0/24 holds 253 pods; web-253"):
        make_plan(lab)


def test_a_smaller_node_cidr_holds_fewer_pods(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1]", deployment("web", 14), cluster="  nodeCIDRMaskSize: 28\n"))
    with pytest.raises(PlanError, match=r"node node-1's pod CIDR 10.244.0.16/28 holds 13 pods; web-13"):
        make_plan(lab)


def test_the_pod_cidr_holds_a_limited_number_of_nodes(make_lab) -> None:
    """Node N takes subnet N (subnet 0 is never used): a /22 of /24s holds three nodes."""
    three = make_plan(make_lab(cluster_lab("[n1, n2, n3]", cluster="  podCIDR: 10.244.0.0/22\n")))
    assert [n.pod_cidr for n in three.nodes][-1] == IPv4Network("10.244.3.0/24")
    with pytest.raises(PlanError, match=r"cluster.podCIDR 10.244.0.0/22 holds 3 node CIDRs of /24, the lab has 4"):
        make_plan(make_lab(cluster_lab("[n1, n2, n3, n4]", cluster="  podCIDR: 10.244.0.0/22\n")))


def test_node_cidr_larger_than_the_pod_cidr_is_refused(make_lab) -> None:
    lab = make_lab(cluster_lab("[node-1]", cluster="  podCIDR: 10.244.0.0/20\n  nodeCIDRMaskSize: 16\n"))
    with pytest.raises(PlanError, match=re.escape("nodeCIDRMaskSize /16 is larger than cluster.podCIDR 10.244.0.0/20")):
        make_plan(lab)


def test_the_underlay_holds_a_limited_number_of_nodes(make_lab) -> None:
    """Node N is .10+N: a /27 (.1-.30) holds 20 nodes."""
    nodes = ", ".join(f"n{i}" for i in range(1, 22))
    with pytest.raises(PlanError, match=r"cluster.underlay 10.0.0.0/27 holds at most 20 nodes, the lab has 21"):
        make_plan(make_lab(cluster_lab(f"[{nodes}]", cluster="  underlay: 10.0.0.0/27\n")))
    twenty = make_plan(make_lab(cluster_lab(f"[{nodes.rsplit(', ', 1)[0]}]", cluster="  underlay: 10.0.0.0/27\n")))
    assert twenty.nodes[-1].ip == IPv4Interface("10.0.0.30/27")


# -- NodePorts and LoadBalancer IPs ----------------------------------------------------------------
EXTERNAL = """\
    name: ext
    cluster:
      nodes: [node-1]
      dns: false
    objects:
      - {apiVersion: v1, kind: Service, metadata: {name: a},
         spec: {type: LoadBalancer, selector: {app: x},
                ports: [{name: a, port: 80}, {name: b, port: 81, protocol: UDP}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: b},
         spec: {type: LoadBalancer, loadBalancerIP: 198.51.100.200, externalTrafficPolicy: Local,
                selector: {app: x}, ports: [{port: 80, nodePort: 30080}]}}
      - {apiVersion: v1, kind: Service, metadata: {name: c}, spec: {selector: {app: x}, ports: [{port: 80}]}}
"""


def test_node_ports_are_given_or_hashed_once_and_the_same_every_run(make_lab) -> None:
    lab = make_lab(EXTERNAL)
    first, again = make_plan(lab), make_plan(lab)
    ports = {(s.name, p.port): p.node_port for s in first.services for p in s.ports}
    assert ports == {(s.name, p.port): p.node_port for s in again.services for p in s.ports}
    assert ports[("b", 80)] == 30080 and ports[("c", 80)] is None
    numbers = [n for n in ports.values() if n] + [
        s.health_check_node_port for s in first.services if s.health_check_node_port
    ]
    assert len(numbers) == len(set(numbers)) == 4 and all(30000 <= n <= 32767 for n in numbers)


def test_load_balancer_ips_are_asked_for_or_the_next_free_in_the_pool(make_lab) -> None:
    plan = make_plan(make_lab(EXTERNAL))
    ips = {s.name: s.load_balancer_ip for s in plan.services}
    assert ips == {"a": IPv4Address("198.51.100.201"), "b": IPv4Address("198.51.100.200"), "c": None}
    assert plan.cloud_lb is not None and plan.cloud_lb.ip == IPv4Interface("192.168.56.2/24")
    assert [s.external_local for s in plan.services] == [False, True, False]


def test_a_running_labs_load_balancer_ips_stay_with_their_services(make_lab) -> None:
    """A Service keeps the IP it holds (`load_balancers`, lab.json's memory), though one added
    later sorts before it and would take the pool's lowest free address on a fresh `up`."""
    held = {"default/a": "198.51.100.205", "default/gone": "198.51.100.201"}
    plan = make_plan(make_lab(EXTERNAL), load_balancers=held)
    ips = {s.name: str(s.load_balancer_ip) for s in plan.services if s.load_balancer_ip}
    assert ips == {"a": "198.51.100.205", "b": "198.51.100.200"}


def test_a_load_balancer_ip_outside_the_pool_is_a_plan_error(make_lab) -> None:
    lab = make_lab(EXTERNAL.replace("198.51.100.200", "198.51.100.99"))
    pool = "198.51.100.200-198.51.100.250"
    with pytest.raises(PlanError, match=re.escape(f"198.51.100.99 is not in the lab's pool {pool}")):
        make_plan(lab)


def test_a_node_port_given_twice_is_a_plan_error(make_lab) -> None:
    lab = make_lab(EXTERNAL.replace("{name: a, port: 80}", "{name: a, port: 80, nodePort: 30080}"))
    with pytest.raises(PlanError, match="port 30080/TCP is taken by default/a"):
        make_plan(lab)


def test_metallb_elects_by_hash_among_eligible_nodes_only(bundled_lab) -> None:
    from netlab.plan.metallb import announcer

    plan = make_plan(bundled_lab("ingress-metallb"))
    web, local = (s for s in plan.services if s.namespace == "default")
    elected, elected_local = announcer(web, plan.nodes), announcer(local, plan.nodes)
    assert elected is not None and elected.name == "node-1"  # min sha256("<node>#198.51.100.200") of all three
    nodes_with_pods = {ep.node for p in local.ports for ep in p.endpoints}
    assert elected_local is not None and elected_local.name in nodes_with_pods
    nobody = replace(web, ports=tuple(replace(p, endpoints=()) for p in web.ports))
    assert announcer(nobody, plan.nodes) is None
    assert plan.cloud_lb is None  # L2 mode: no cloud load balancer
