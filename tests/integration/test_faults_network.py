"""The `network` faults on running labs: each one's proof passes, fails once the fault is injected,
passes again after its fix (and `netlab verify` with it); then inject and undo, and verify passes.

Until `netlab break` lands, the Breakage is rendered here, in-process, from the running lab's plan
(`RunningLab.open`), and its commands run as `break` and `solve` will run them: as root, each inside
a lab namespace. The lab comes up and goes down through the installed CLI (harness.py).
"""

from __future__ import annotations

import random
import subprocess

import pytest
from harness import lab_up, netlab

from netlab.faults.catalogue import Breakage, catalogue
from netlab.running import RunningLab
from netlab.verify import judge

COMMAND_TIMEOUT_S = 20


def run_all(commands: tuple[str, ...]) -> None:
    for command in commands:
        done = subprocess.run(command, shell=True, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
        assert done.returncode == 0, f"{command}: {done.stderr}"


def failing(lab: str, breakage: Breakage) -> list[str]:
    """The proof checks that fail now, each with its verdict's detail."""
    plan = RunningLab.open(lab).plan
    verdicts = [judge(plan, check) for check in breakage.proof]
    return [f"{v.name}: {v.detail}" for v in verdicts if not v.passed]


def verify_passes(lab: str) -> None:
    done = netlab("verify", lab)
    assert done.code == 0, done.out + done.err


def prove(lab: str, fault_id: str, seed: int = 1) -> Breakage:
    """Break, judge, fix, judge, verify; break, undo, verify. Returns the Breakage."""
    fault = catalogue()[fault_id]
    plan = RunningLab.open(lab).plan
    assert fault.fits(plan), f"{fault_id} does not fit {lab}"
    breakage = fault.render(plan, random.Random(seed))
    assert failing(lab, breakage) == [], "the proof fails before the fault"
    run_all(breakage.inject)
    try:
        broken = failing(lab, breakage)
        assert len(broken) == len(breakage.proof), f"the proof still passes with {breakage.target} broken: {broken}"
    finally:
        run_all(breakage.fix)
    assert failing(lab, breakage) == [], "the proof still fails after the fix"
    verify_passes(lab)
    run_all(breakage.inject)
    run_all(breakage.undo)
    assert failing(lab, breakage) == []
    verify_passes(lab)
    return breakage


@pytest.mark.parametrize("proxy_mode", ["iptables", "nftables"])
def test_route_missing_on_host_gw(proxy_mode: str) -> None:
    with lab_up("pod-to-pod-cross-node", "--proxy-mode", proxy_mode, network="host-gw"):
        prove("pod-to-pod-cross-node", "hostgw-route-missing")


@pytest.mark.parametrize("proxy_mode", ["iptables", "nftables"])
def test_vxlan_faults(proxy_mode: str) -> None:
    """One vxlan lab, each VXLAN fault in turn (the fdb one twice: a forwarding and a neighbour entry)."""
    lab = "pod-to-pod-cross-node"
    with lab_up(lab, "--proxy-mode", proxy_mode, network="vxlan"):
        prove(lab, "vxlan-mtu")
        eth0 = subprocess.run(
            ["ip", "-d", "-n", f"nl-{lab}.node-2", "link", "show", "eth0"], capture_output=True, text=True
        )
        assert "gso_max_segs 65535" in eth0.stdout, eth0.stdout  # the fix's value is the one the node had
        kinds = {prove(lab, "vxlan-fdb-missing", seed).target.split(" ")[1] for seed in (1, 4)}
        assert kinds == {"forwarding", "neighbour"}, kinds
        prove(lab, "vxlan-port-dropped")
        prove(lab, "rp-filter-strict")


@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
@pytest.mark.parametrize("proxy_mode", ["iptables", "nftables"])
def test_service_faults(network: str, proxy_mode: str) -> None:
    lab = "pod-to-service"
    with lab_up(lab, "--proxy-mode", proxy_mode, network=network):
        prove(lab, "bridge-nf-off")
        prove(lab, "hairpin-off")
