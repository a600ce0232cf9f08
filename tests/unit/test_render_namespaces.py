"""netlab.render.namespaces: the links, addresses and routes of every namespace, as goldens and as
structure rules that must hold for any lab (build order, interface names and indexes)."""

from __future__ import annotations

from dataclasses import replace
from ipaddress import IPv4Interface, IPv4Network
from pathlib import Path

import pytest

from netlab.model import load_lab
from netlab.plan import LabPlan, make_plan
from netlab.render.ipcmd import script
from netlab.render.namespaces import render_namespaces
from netlab.render.ops import Address, Bridge, Fdb, LinkUp, NamespaceSpec, Neighbour, Route, Veth, Vxlan

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "topology"
LAB_FILES = sorted((REPO / "labs").glob("*.yaml"))
MODES = ("host-gw", "vxlan")
CASES = [(path, mode) for path in LAB_FILES for mode in MODES]
CASE_IDS = [f"{path.stem}-{mode}" for path, mode in CASES]
IFNAMSIZ = 15
LO = 1

# Three nodes, two named too long for an underlay port name, seven replicas and a standalone pod.
WIDE = """\
name: wide
cluster:
  nodes: [node-1, a-node-whose-name-is-long, yet-another-long-node-name]
  dns: false
objects:
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: a-deployment-named-well-beyond-ifnamsiz}
    spec:
      replicas: 7
      selector: {matchLabels: {app: web}}
      template: {metadata: {labels: {app: web}}, spec: {containers: [{name: web}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: client}, spec: {containers: [{name: c}]}}
"""


# -- goldens --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "mode"), CASES, ids=CASE_IDS)
def test_topology_golden(golden, path: Path, mode: str) -> None:
    plan = make_plan(load_lab(path), network=mode)
    specs = render_namespaces(plan)
    check_structure(plan, specs)
    golden(GOLDEN / f"{path.stem}.{mode}.sh", script(specs))


def test_every_topology_golden_has_its_lab() -> None:
    assert sorted(p.name for p in GOLDEN.glob("*.sh")) == sorted(f"{p.stem}.{m}.sh" for p, m in CASES)


# -- structure rules (the goldens run them too) ---------------------------------------------------
def check_structure(plan: LabPlan, specs: list[NamespaceSpec]) -> None:
    """Replays the specs in build order, tracking the links each namespace holds at each step.

    Every namespace is created before any op runs, but a veth's peer is created by the namespace
    that makes the pair, so that namespace must come first: the peer's own namespace later brings
    the peer up and addresses it. Every op that names a link by index must find it by then.
    """
    order = [s.netns for s in specs]
    assert order == plan.all_netns()
    for spec in specs:  # how `clean` tells netlab's namespaces from others
        assert LinkUp(LO, "lo", alias=f"netlab:{plan.name}") in spec.ops, spec.netns
    links: dict[str, dict[int, str]] = {netns: {LO: "lo"} for netns in order}

    def add(netns: str, index: int, name: str) -> None:
        assert len(name) <= IFNAMSIZ, f"{netns}: {name} is longer than IFNAMSIZ"
        assert index not in links[netns], f"{netns}: index {index} of {name} is {links[netns].get(index)}'s"
        assert name not in links[netns].values(), f"{netns}: two links named {name}"
        links[netns][index] = name

    def uses(netns: str, index: int, name: str) -> None:
        assert links[netns].get(index) == name, f"{netns}: no link {name} with index {index} yet"

    for position, spec in enumerate(specs):
        for op in spec.ops:
            if isinstance(op, (Bridge, Veth, Vxlan)):
                add(spec.netns, op.index, op.name)
            if isinstance(op, Veth):
                assert op.peer_netns in order[position + 1 :], (
                    f"{op.name}'s peer netns {op.peer_netns} is built earlier"
                )
                add(op.peer_netns, op.peer_index, op.peer)
                if op.master is not None:
                    assert op.master_name is not None, f"{op.name}: a master index without its name"
                    uses(spec.netns, op.master, op.master_name)
            if isinstance(op, Vxlan):
                uses(spec.netns, op.dev_index, op.dev)
            if isinstance(op, (LinkUp, Address)):
                uses(spec.netns, op.index, op.name if isinstance(op, LinkUp) else op.dev)
            if isinstance(op, (Route, Neighbour, Fdb)):
                uses(spec.netns, op.dev_index, op.dev)


def node_ops(plan: LabPlan, specs: list[NamespaceSpec]) -> dict[str, tuple]:
    by_netns = {s.netns: s.ops for s in specs}
    return {n.name: by_netns[n.netns] for n in plan.nodes}


@pytest.mark.parametrize("mode", MODES)
def test_structure_of_a_wide_lab(make_lab, mode: str) -> None:
    plan = make_plan(make_lab(WIDE), network=mode)
    check_structure(plan, render_namespaces(plan))


def test_the_structure_check_catches_a_peer_made_too_late(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod"))
    specs = render_namespaces(plan)
    node = specs[2]
    veth = next(op for op in node.ops if isinstance(op, Veth))
    specs[2] = replace(
        node, ops=tuple(replace(op, peer_netns=plan.underlay_netns) if op is veth else op for op in node.ops)
    )
    with pytest.raises(AssertionError, match="is built earlier"):
        check_structure(plan, specs)


def test_the_structure_check_catches_a_missing_link(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod"))
    specs = render_namespaces(plan)
    specs[-1] = replace(specs[-1], ops=(*specs[-1].ops, Address(3, "eth1", IPv4Interface("10.0.0.1/24"))))
    with pytest.raises(AssertionError, match="no link eth1 with index 3"):
        check_structure(plan, specs)


def test_the_wide_lab_exercises_hashed_port_names(make_lab) -> None:
    plan = make_plan(make_lab(WIDE))
    assert [n.underlay_port.startswith("veth") for n in plan.nodes] == [False, True, True]
    assert len(plan.pods) == 8


def test_pods_have_their_address_and_one_default_route_via_cni0(bundled_lab) -> None:
    plan = make_plan(bundled_lab("pod-to-pod"))
    specs = {s.netns: s for s in render_namespaces(plan)}
    for pod in plan.pods:
        ops = specs[pod.netns].ops
        assert Address(2, "eth0", pod.ip) in ops
        assert [op for op in ops if isinstance(op, Route)] == [
            Route(IPv4Network("0.0.0.0/0"), 2, "eth0", via=pod.gateway)
        ]


@pytest.mark.parametrize("mode", MODES)
def test_pod_veths_plug_into_cni0_with_the_pod_network_mtu(make_lab, mode: str) -> None:
    plan = make_plan(make_lab(WIDE), network=mode)
    nodes = node_ops(plan, render_namespaces(plan))
    for node in plan.nodes:
        veths = [op for op in nodes[node.name] if isinstance(op, Veth)]
        assert sorted(v.peer_netns for v in veths) == sorted(p.netns for p in plan.pods if p.node == node.name)
        assert {(v.master_name, v.mtu, v.peer) for v in veths} == {("cni0", plan.mtu, "eth0")}
        assert Bridge("cni0", 3, node.bridge_mac, mtu=plan.mtu) in nodes[node.name]


def test_host_gw_routes_each_pod_cidr_via_its_node(make_lab) -> None:
    plan = make_plan(make_lab(WIDE), network="host-gw")
    for name, ops in node_ops(plan, render_namespaces(plan)).items():
        routes = {(r.dst, r.via, r.dev, r.onlink) for r in ops if isinstance(r, Route) and r.dst.prefixlen}
        assert routes == {(n.pod_cidr, n.ip.ip, "eth0", False) for n in plan.nodes if n.name != name}
        assert not [op for op in ops if isinstance(op, (Vxlan, Neighbour, Fdb))]


def test_vxlan_programs_flannel_1_per_other_node(make_lab) -> None:
    plan = make_plan(make_lab(WIDE), network="vxlan")
    ops_by_node = node_ops(plan, render_namespaces(plan))
    for node in plan.nodes:
        ops = ops_by_node[node.name]
        others = [n for n in plan.nodes if n is not node]
        (vxlan,) = [op for op in ops if isinstance(op, Vxlan)]
        assert (vxlan.name, vxlan.vni, vxlan.port, vxlan.mtu, vxlan.local, vxlan.dev, vxlan.mac) == (
            "flannel.1",
            1,
            8472,
            1450,
            node.ip.ip,
            "eth0",
            node.vtep_mac,
        )
        assert Address(vxlan.index, "flannel.1", IPv4Interface(f"{node.pod_cidr.network_address}/32")) in ops
        assert {(o.address, o.lladdr) for o in ops if isinstance(o, Neighbour)} == {
            (n.vtep_ip, n.vtep_mac) for n in others
        }
        assert {(o.lladdr, o.dst) for o in ops if isinstance(o, Fdb)} == {(n.vtep_mac, n.ip.ip) for n in others}
        routes = {(r.dst, r.via, r.dev, r.onlink) for r in ops if isinstance(r, Route) and r.dst.prefixlen}
        assert routes == {(n.pod_cidr, n.vtep_ip, "flannel.1", True) for n in others}


def test_neighbours_and_fdb_entries_are_permanent_in_the_script(bundled_lab) -> None:
    text = script(render_namespaces(make_plan(bundled_lab("pod-to-pod-cross-node"), network="vxlan")))
    lines = [line for line in text.splitlines() if " neigh add " in line or " fdb add " in line]
    assert len(lines) == 4 and all(line.endswith(" permanent") for line in lines)


@pytest.mark.parametrize("node", ["br0", "lo"])
def test_node_names_never_collide_with_underlay_links(make_lab, node: str) -> None:
    plan = make_plan(make_lab(f"name: clash\ncluster:\n  nodes: [{node}]\n"))
    check_structure(plan, render_namespaces(plan))
