"""netlab matrix on a running lab without NetworkPolicies: every pair is expected allowed, and real
traffic from every pod and node gets through (exit 0); outside hosts' rows are expectations only."""

from __future__ import annotations

import json

import pytest
from harness import lab_up, netlab

from netlab.model import find_lab, load_lab
from netlab.plan import make_plan
from netlab.plan.netpol import peer_of

LAB = "pod-to-pod-cross-node"


@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
def test_without_policies_every_pod_and_node_reaches_every_pod(network: str) -> None:
    """A node's traffic to the other node's pod leaves from eth0 (host-gw) or flannel.1 (vxlan)."""
    with lab_up(LAB, network=network):
        done = netlab("matrix", LAB, "--json")
        assert done.code == 0, done.err
        doc = json.loads(done.out)
        assert doc["agrees"] and [t["name"] for t in doc["targets"]] == ["pod-1", "pod-4"]
        assert doc["sources"] == ["pod-1", "pod-4", "node-1", "node-2", "gateway"]
        probed = [c for c in doc["cells"] if c["probed"]]
        assert len(probed) == 8 and all(c["expected"] and c["reached"] for c in probed), probed
        assert [c["from"] for c in doc["cells"] if not c["probed"]] == ["gateway", "gateway"]

        table = netlab("matrix", LAB)
        assert table.code == 0, table.err
        assert "8 probed, 0 disagreed with the policies" in table.out
        assert "→" not in table.out.split("✓ allowed")[0]  # no disagreement marked in the table


def test_a_port_nothing_listens_on_is_judged_but_not_probed() -> None:
    with lab_up(LAB):
        done = netlab("matrix", LAB, "--port", "9", "--json")
        assert done.code == 0, done.err
        doc = json.loads(done.out)
        assert not any(c["probed"] for c in doc["cells"]) and all(c["expected"] for c in doc["cells"])
        udp = netlab("matrix", LAB, "--protocol", "udp")
        assert udp.code == 0 and "pod-1 has no UDP echo port" in udp.out


@pytest.mark.parametrize("network", ["host-gw", "vxlan"])
def test_a_nodes_address_is_the_one_the_evaluator_judges(network: str) -> None:
    """What the target sees of a node (eth0's, flannel.1's, or to its own pods cni0's) is the
    address the evaluator matches against ipBlocks."""
    plan = make_plan(load_lab(find_lab(LAB)), network=network)
    with lab_up(LAB, network=network):
        for pod in plan.pods:
            seen = netlab("exec", LAB, "node-1", "--", "curl", "-s", "-m", "5", f"http://{pod.ip.ip}:8080/clientip")
            assert seen.out.rpartition(":")[0] == str(peer_of(plan, "node-1", pod).address), (pod.name, seen.out)
