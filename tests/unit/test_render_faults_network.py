"""The `network` faults rendered for the bundled labs (pure): commands in the lab's own namespaces,
naming its own addresses; fix and undo put back what inject took; proofs are valid checks."""

from __future__ import annotations

import random
import shlex
from urllib.parse import urlsplit

import pytest

from netlab.faults import network
from netlab.faults.catalogue import FAMILIES, Breakage, catalogue
from netlab.model import find_lab, load_lab
from netlab.model.fields import EXPECT_BY_CHECK
from netlab.model.load import bundled_labs_dir
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.verify.probes import PROBES

NETWORK_FAULTS = (
    "hostgw-route-missing",
    "vxlan-mtu",
    "vxlan-fdb-missing",
    "vxlan-port-dropped",
    "rp-filter-strict",
    "bridge-nf-off",
    "hairpin-off",
)
LABS = sorted(p.stem for p in bundled_labs_dir().glob("*.yaml"))


def plan_of(name: str, network: str, proxy_mode: str = "iptables") -> LabPlan:
    return make_plan(load_lab(find_lab(name)), network=network, proxy_mode=proxy_mode)


def renderings() -> list[tuple[str, str, str, str]]:
    """(lab, network, proxy mode, fault) for every fault each bundled lab fits."""
    found = []
    for lab in LABS:
        for net in ("host-gw", "vxlan"):
            for mode in ("iptables", "nftables", "ipvs"):
                plan = plan_of(lab, net, mode)
                found += [(lab, net, mode, f) for f in NETWORK_FAULTS if catalogue()[f].fits(plan)]
    return found


RENDERINGS = renderings()


def test_the_family_is_in_the_catalogue() -> None:
    assert "network" in FAMILIES
    assert [f for f in catalogue() if f in NETWORK_FAULTS] == list(NETWORK_FAULTS)


def test_every_fault_fits_some_bundled_lab_in_each_network_it_names() -> None:
    for fault_id in NETWORK_FAULTS:
        for net in catalogue()[fault_id].networks:
            assert any(f == fault_id and n == net for _, n, _, f in RENDERINGS), (fault_id, net)


@pytest.mark.parametrize("fault_id", ["vxlan-mtu", "vxlan-fdb-missing", "vxlan-port-dropped", "rp-filter-strict"])
def test_vxlan_faults_never_fit_host_gw(fault_id: str) -> None:
    assert not any(f == fault_id and n == "host-gw" for _, n, _, f in RENDERINGS)


def test_route_missing_fits_host_gw_only_and_no_lab_with_policies_or_one_node() -> None:
    assert not any(f == "hostgw-route-missing" and n == "vxlan" for _, n, _, f in RENDERINGS)
    for lab in ("network-policy", "pod-to-pod", "container-to-container"):
        assert not any(name == lab for name, *_ in RENDERINGS), lab


def commands_of(b: Breakage) -> list[list[str]]:
    return [shlex.split(c) for c in (*b.inject, *b.fix, *b.undo)]


@pytest.mark.parametrize(("lab", "net", "mode", "fault_id"), RENDERINGS)
def test_commands_run_in_the_labs_own_namespaces(lab: str, net: str, mode: str, fault_id: str) -> None:
    plan = plan_of(lab, net, mode)
    b = catalogue()[fault_id].render(plan, random.Random(7))
    assert b.fault == fault_id and b.inject and b.fix and b.undo
    for argv in commands_of(b):
        assert argv[:2] in (["ip", "-n"], ["ip", "netns"]), argv
        netns = argv[2] if argv[1] == "-n" else argv[3]
        assert argv[1] == "-n" or argv[2] == "exec", argv
        assert netns in plan.all_netns(), argv


@pytest.mark.parametrize(("lab", "net", "mode", "fault_id"), RENDERINGS)
def test_proofs_are_valid_checks_of_the_lab(lab: str, net: str, mode: str, fault_id: str) -> None:
    plan = plan_of(lab, net, mode)
    b = catalogue()[fault_id].render(plan, random.Random(7))
    assert b.proof
    for check in b.proof:
        assert check.kind in PROBES and set(check.expect) <= EXPECT_BY_CHECK[check.kind].simulated
        assert plan.member(check.source) is not None, check
        assert check.applies_to(plan.network, plan.proxy_mode)
        host = urlsplit(check.target).hostname if check.kind == "http" else check.target
        assert host and (plan.address_of(host) is not None or plan.name_of(host)), check


@pytest.mark.parametrize(("lab", "net", "mode", "fault_id"), RENDERINGS)
def test_texts_in_both_languages_and_the_last_hint_names_the_fix(lab: str, net: str, mode: str, fault_id: str) -> None:
    fault = catalogue()[fault_id]
    b = fault.render(plan_of(lab, net, mode), random.Random(7))
    for text in (fault.symptom, *b.hints):
        assert text.en and text.zh_tw and text.say("zh-TW") != text.say("en")
    assert all(command in b.hints[2].en and command in b.hints[2].zh_tw for command in b.fix)


@pytest.mark.parametrize("fault_id", NETWORK_FAULTS)
def test_a_seed_picks_the_same_target_again(fault_id: str) -> None:
    lab, net, mode, _ = next(r for r in RENDERINGS if r[3] == fault_id)
    plan = plan_of(lab, net, mode)
    fault = catalogue()[fault_id]
    assert fault.render(plan, random.Random(3)) == fault.render(plan, random.Random(3))


def test_route_missing_deletes_the_planned_route_and_adds_it_back() -> None:
    b = catalogue()["hostgw-route-missing"].render(plan_of("pod-to-pod-cross-node", "host-gw"), random.Random(1))
    ns = "nl-pod-to-pod-cross-node.node-1"
    assert b.inject == (f"ip -n {ns} route del 10.244.2.0/24 via 192.168.56.12 dev eth0",)
    assert b.fix == b.undo == (f"ip -n {ns} route replace 10.244.2.0/24 via 192.168.56.12 dev eth0",)
    assert [(c.source, c.kind, c.target) for c in b.proof] == [("pod-1", "ping", "pod-4"), ("pod-4", "ping", "pod-1")]


def test_fdb_missing_takes_a_forwarding_or_a_neighbour_entry() -> None:
    plan = plan_of("pod-to-pod-cross-node", "vxlan")
    node_2 = next(n for n in plan.nodes if n.name == "node-2")
    injected = {catalogue()["vxlan-fdb-missing"].render(plan, random.Random(s)).inject[0] for s in range(8)}
    ns = "nl-pod-to-pod-cross-node"
    assert injected == {
        f"ip netns exec {ns}.node-1 bridge fdb del {node_2.vtep_mac} dev flannel.1 dst 192.168.56.12 self permanent",
        f"ip -n {ns}.node-1 neigh del 10.244.2.0 lladdr {node_2.vtep_mac} dev flannel.1 nud permanent",
        f"ip netns exec {ns}.node-2 bridge fdb del {next(n for n in plan.nodes if n.name == 'node-1').vtep_mac} "
        f"dev flannel.1 dst 192.168.56.11 self permanent",
        f"ip -n {ns}.node-2 neigh del 10.244.1.0 lladdr "
        f"{next(n for n in plan.nodes if n.name == 'node-1').vtep_mac} dev flannel.1 nud permanent",
    }


def test_vxlan_mtu_lowers_the_underlay_port_below_flannels_frames_and_asks_for_a_large_answer() -> None:
    plan = plan_of("pod-to-pod-cross-node", "vxlan")
    b = catalogue()["vxlan-mtu"].render(plan, random.Random(1))
    underlay = "nl-pod-to-pod-cross-node.underlay"
    node_2 = "nl-pod-to-pod-cross-node.node-2"
    assert b.inject == (
        f"ip -n {underlay} link set node-2 mtu {network.UNDERLAY_MTU_BROKEN}",
        f"ip -n {node_2} link set eth0 gso_max_segs 1",
    )
    assert b.fix == (f"ip -n {underlay} link set node-2 mtu 1500", f"ip -n {node_2} link set eth0 gso_max_segs 65535")
    assert network.UNDERLAY_MTU_BROKEN < plan.mtu + 50
    (check,) = b.proof
    assert check.kind == "http" and check.target.endswith("x" * network.LARGE_BODY)


def test_port_dropped_inserts_and_deletes_one_drop_for_vxlans_port() -> None:
    b = catalogue()["vxlan-port-dropped"].render(plan_of("pod-to-pod-cross-node", "vxlan"), random.Random(1))
    rule = "INPUT -p udp --dport 8472 -j DROP"
    assert b.inject == (f"ip netns exec nl-pod-to-pod-cross-node.node-2 iptables -I {rule}",)
    assert b.fix == (f"ip netns exec nl-pod-to-pod-cross-node.node-2 iptables -D {rule}",)


def test_bridge_nf_off_calls_a_service_whose_every_endpoint_shares_the_clients_node() -> None:
    plan = plan_of("pod-to-service", "host-gw")
    for seed in range(6):
        b = catalogue()["bridge-nf-off"].render(plan, random.Random(seed))
        (check,) = b.proof
        client = next(p for p in plan.pods if p.name == check.source)
        svc = next(s for s in plan.services if str(s.cluster_ip) == urlsplit(check.target).hostname)
        backends = [p for p in plan.pods for port in svc.ports for ep in port.endpoints if ep.ip == p.ip.ip]
        assert backends and client not in backends and {p.node for p in backends} == {client.node}
        assert b.inject[0].endswith("sysctl -qw net/bridge/bridge-nf-call-iptables=0")


def test_hairpin_off_has_the_pod_call_a_service_it_alone_backs() -> None:
    plan = plan_of("pod-to-service", "host-gw")
    for seed in range(6):
        b = catalogue()["hairpin-off"].render(plan, random.Random(seed))
        (check,) = b.proof
        pod = next(p for p in plan.pods if p.name == check.source)
        svc = next(s for s in plan.services if str(s.cluster_ip) == urlsplit(check.target).hostname)
        assert {ep.ip for port in svc.ports for ep in port.endpoints} == {pod.ip.ip}
        assert b.inject[0].endswith(f"link set {pod.host_veth} type bridge_slave hairpin off")
        assert b.fix[0].endswith(f"link set {pod.host_veth} type bridge_slave hairpin on")
