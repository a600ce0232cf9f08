"""The fault catalogue, rendered for the bundled labs (pure): every fault's commands stay inside the
lab's namespaces, its texts come in both languages, its proof names what the lab has; a seed picks
the same fault and target again; a broken lab's record survives lab.json's round trip."""

from __future__ import annotations

import importlib.util
import random
from dataclasses import replace
from pathlib import Path

import pytest

from netlab.errors import KernelError
from netlab.faults.catalogue import FAMILIES, catalogue
from netlab.faults.record import Injected
from netlab.kernel.faults import check_commands
from netlab.model import list_labs
from netlab.model.lab import Capture, Check
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.state import Settings

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "faults_table.py"
PLANS = {lab.name: make_plan(lab) for lab in list_labs()}  # each bundled lab, in its default modes ...
PLANS |= {  # ... and with its other pod network (the VXLAN faults fit no lab's default)
    f"{name} --network {other}": make_plan(plan.lab, network=other)
    for name, plan in list(PLANS.items())
    for other in ["vxlan" if plan.network == "host-gw" else "host-gw"]
}
CASES = [(f, name) for f in sorted(catalogue()) for name, plan in PLANS.items() if catalogue()[f].fits(plan)]


def test_nodes_family_is_catalogued() -> None:
    assert "nodes" in FAMILIES
    assert set(NODES) <= set(catalogue())


def test_every_fault_fits_some_bundled_lab() -> None:
    assert {f for f, _ in CASES} == set(catalogue())


@pytest.mark.parametrize(("fault", "lab"), CASES)
def test_rendering_stays_in_the_lab(fault: str, lab: str) -> None:
    plan = PLANS[lab]
    b = catalogue()[fault].render(plan, random.Random(7))
    assert b.fault == fault and b.target
    assert b.inject and b.fix and b.undo and b.proof
    check_commands(plan, b)
    for check in b.proof:
        assert plan.netns_of(check.source) is not None
    for text in (catalogue()[fault].symptom, *b.hints):
        assert text.en and text.zh_tw and text.en != text.zh_tw
        assert "LAB" not in text.en  # hints name the running lab, ready to paste


def test_ip_forward_off_proof_crosses_the_node() -> None:
    plan = PLANS["pod-to-pod-cross-node"]
    b = catalogue()["ip-forward-off"].render(plan, random.Random(1))
    node = next(n for n in plan.nodes if n.name == b.target)
    (proof,) = b.proof
    assert b.inject == (f"ip netns exec {node.netns} sysctl -qw net.ipv4.ip_forward=0",)
    assert b.undo == b.fix == (f"ip netns exec {node.netns} sysctl -qw net.ipv4.ip_forward=1",)
    callee = next(p for p in plan.pods if p.name == proof.target)
    caller = next(p for p in plan.pods if p.name == proof.source)
    assert callee.node == node.name != caller.node
    assert proof.kind == "ping" and proof.expect == {"reachable": True}


def test_veth_down_and_forward_drop_name_the_pods_own_objects() -> None:
    plan = PLANS["pod-to-service"]
    veth = catalogue()["veth-down"].render(plan, random.Random(3))
    pod = next(p for p in plan.pods if p.name == veth.proof[0].source)
    assert veth.inject[0].endswith(f"ip link set {pod.host_veth} down")
    assert veth.proof[0].target == str(pod.gateway)
    drop = catalogue()["forward-drop"].render(plan, random.Random(3))
    pod = next(p for p in plan.pods if p.name == drop.proof[0].source)
    assert drop.inject[0].endswith(f"iptables -w 5 -I FORWARD 1 -s {pod.ip.ip}/32 -j DROP")
    assert drop.fix[0].endswith(f"iptables -w 5 -D FORWARD -s {pod.ip.ip}/32 -j DROP")
    assert drop.proof[0].kind == "http" and drop.proof[0].target.startswith("http://10.")


NODES = ("ip-forward-off", "veth-down", "forward-drop")  # the nodes family's


def test_no_system_pod_is_a_target() -> None:
    for fault, lab in [(f, lab) for f, lab in CASES if f in NODES]:
        for seed in range(5):
            b = catalogue()[fault].render(PLANS[lab], random.Random(seed))
            assert "coredns" not in b.target and "ingress-nginx" not in b.target


def test_labs_with_network_policies_are_left_out() -> None:
    assert all(lab != "network-policy" for f, lab in CASES if f in NODES)


def pick(plan: LabPlan, seed: int) -> tuple[str, str]:
    """As `break --random` draws: a fault among those that fit, then its target, from one Random."""
    rng = random.Random(seed)
    fault = catalogue()[rng.choice(sorted(i for i, f in catalogue().items() if f.fits(plan)))]
    return fault.id, fault.render(plan, rng).target


def test_random_with_a_seed_is_reproducible() -> None:
    plan = PLANS["pod-to-service"]
    assert pick(plan, 42) == pick(plan, 42)
    assert len({pick(plan, seed) for seed in range(30)}) > 3


def test_the_record_survives_lab_json() -> None:
    b = catalogue()["forward-drop"].render(PLANS["pod-to-service"], random.Random(5))
    extra = Check("c", "client", "http", "http://web/", {"reachable": True}, capture=Capture("underlay", "udp"))
    b = replace(b, proof=(*b.proof, extra))
    injected = Injected(b, catalogue()["forward-drop"].symptom, 5, hints_shown=2)
    settings = Settings(source="x", fault=injected)
    assert Settings.from_json(settings.to_json()) == settings
    assert Settings.from_json(Settings().to_json()).fault is None
    assert Settings.from_json({}).fault is None  # a lab.json from before faults


def test_hints_go_one_level_at_a_time_then_repeat() -> None:
    b = catalogue()["veth-down"].render(PLANS["pod-to-pod"], random.Random(0))
    injected = Injected(b, catalogue()["veth-down"].symptom, 0)
    levels = []
    for _ in range(4):
        text, level, injected = injected.next_hint()
        levels.append((level, text))
    assert [level for level, _ in levels] == [1, 2, 3, 3]
    assert [t for _, t in levels] == [*b.hints, b.hints[2]]


def test_docs_table_is_current() -> None:
    """docs/faults.md's table is scripts/faults_table.py's rendering of the catalogue."""
    spec = importlib.util.spec_from_file_location("faults_table", SCRIPT)
    assert spec and spec.loader
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    text = script.DOC.read_text()
    assert script.rendered(text) == text, "docs/faults.md is stale: python3 scripts/faults_table.py"


@pytest.mark.parametrize(
    "line",
    [
        "sysctl -w net.ipv4.ip_forward=0",  # the host's own namespace
        "ip netns exec nl-someone-else.node-1 sysctl -w net.ipv4.ip_forward=0",
        "ip netns exec nl-pod-to-pod.node-1",  # no command
        "sh -c 'ip netns exec nl-pod-to-pod.node-1 true'",
        "ip netns exec nl-pod-to-pod.node-1 true; ip link del eth0",
        "netlab down pod-to-pod && ip link add x type dummy",
    ],
)
def test_a_command_outside_the_lab_is_refused(line: str) -> None:
    plan = PLANS["pod-to-pod"]
    b = catalogue()["veth-down"].render(plan, random.Random(0))
    check_commands(plan, b)  # the fault's own lines pass
    with pytest.raises(KernelError, match="refusing"):
        check_commands(plan, replace(b, undo=(*b.undo, line)))
