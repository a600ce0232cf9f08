"""netlab.render.explain: a lab as the commands that build it by hand (golden), valid shell for every
lab and mode, holding the same topology commands and rules that `up` applies."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from netlab.model import list_labs
from netlab.plan import make_plan
from netlab.render.explain import explain
from netlab.render.ipcmd import script
from netlab.render.iptables import render_iptables
from netlab.render.topology import render_topology

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "explain"
CASES = [(lab, mode) for lab in list_labs() for mode in ("iptables", "nftables", "ipvs")]


def test_pod_to_service_golden(bundled_lab, golden) -> None:
    golden(GOLDEN / "pod-to-service.sh", explain(make_plan(bundled_lab("pod-to-service"))))


@pytest.mark.parametrize(("lab", "mode"), CASES, ids=[f"{lab.name}-{mode}" for lab, mode in CASES])
def test_every_lab_explains_as_valid_shell(lab, mode: str) -> None:
    text = explain(make_plan(lab, proxy_mode=mode))
    done = subprocess.run(["sh", "-n"], input=text, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_it_holds_what_up_applies(bundled_lab) -> None:
    """The topology as ip commands (the same the benchmark's bash variant runs) and each node's
    restore input, verbatim."""
    plan = make_plan(bundled_lab("pod-to-service"))
    text = explain(plan)
    assert script(render_topology(plan)) in text
    for node in plan.nodes:
        assert render_iptables(plan.services, plan.lab.cluster.pod_cidr, node).restore in text
        assert f"ip netns exec {node.netns} iptables -t nat -I PREROUTING" in text
