"""The services and dns faults on real labs: inject, the proof fails, the canonical fix, the proof
passes and the lab's own checks pass; inject again, undo, the lab's checks pass.

Until `netlab break` lands, the test plays its part: it renders the Breakage from the running lab's
plan (`RunningLab.open`, as the CLI will) and runs its commands with a shell, as root; the
commands themselves run the installed `netlab` (harness.py's PATH) or `ip netns exec`.
"""

from __future__ import annotations

import random
import subprocess

import pytest
from harness import IPVS, lab_up, netlab

from netlab.faults.catalogue import Breakage, catalogue
from netlab.running import RunningLab
from netlab.verify import judge

SEED = 17
COMMAND_TIMEOUT = 120


def _run(commands: tuple[str, ...]) -> None:
    for command in commands:
        done = subprocess.run(
            ["sh", "-c", command], capture_output=True, text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL
        )
        assert done.returncode == 0, f"{command}: {done.stderr}"


def _failing(lab: str, breakage: Breakage) -> list[str]:
    """The proof checks that fail now, judged against the running lab's plan as it is now."""
    plan = RunningLab.open(lab).plan
    return [check.name for check in breakage.proof if not judge(plan, check).passed]


def _verified(lab: str) -> None:
    done = netlab("verify", lab)
    assert done.code == 0, done.out + done.err


def _break_fix_undo(lab: str, fault_id: str) -> None:
    fault = catalogue()[fault_id]
    plan = RunningLab.open(lab).plan
    assert fault.fits(plan)
    breakage = fault.render(plan, random.Random(SEED))
    names = [c.name for c in breakage.proof]
    assert _failing(lab, breakage) == []  # the healthy lab passes its proof
    _run(breakage.inject)
    assert _failing(lab, breakage) == names  # every proof check fails because of the fault
    _run(breakage.fix)
    assert _failing(lab, breakage) == []
    _verified(lab)
    _run(breakage.inject)
    assert _failing(lab, breakage) == names
    _run(breakage.undo)
    _verified(lab)


CASES = [
    ("pod-to-service", "selector-matches-nothing", "iptables", "host-gw"),
    ("pod-to-service", "selector-matches-nothing", "nftables", "vxlan"),
    pytest.param("pod-to-service", "selector-matches-nothing", "ipvs", "host-gw", marks=IPVS.marks),
    ("pod-to-service", "wrong-target-port", "nftables", "host-gw"),
    ("pod-to-service", "wrong-target-port", "iptables", "vxlan"),
    pytest.param("pod-to-service", "wrong-target-port", "ipvs", "host-gw", marks=IPVS.marks),
    ("ingress-loadbalancer", "etp-local-no-endpoint", "iptables", "host-gw"),
    ("ingress-loadbalancer", "etp-local-no-endpoint", "nftables", "vxlan"),
    ("egress", "masquerade-gone", "iptables", "host-gw"),
    ("egress", "masquerade-gone", "nftables", "vxlan"),
    ("service-discovery", "pod-before-service", "iptables", "host-gw"),
    ("pod-to-service", "dns-down", "iptables", "vxlan"),
    ("pod-to-service", "dns-down", "nftables", "host-gw"),
    ("pod-to-service", "wrong-nameserver", "nftables", "host-gw"),
    ("pod-to-service", "policy-dns-egress", "iptables", "host-gw"),
    ("pod-to-service", "policy-dns-egress", "nftables", "vxlan"),
]


@pytest.mark.parametrize(("lab", "fault", "mode", "network"), CASES)
def test_fault_is_proved_fixed_and_undone(lab: str, fault: str, mode: str, network: str) -> None:
    with lab_up(lab, "--proxy-mode", mode, network=network):
        _break_fix_undo(lab, fault)
