"""netlab matrix on a running lab: without NetworkPolicies every pair is expected allowed, and real
traffic from every pod and node gets through (exit 0); outside hosts' rows are expectations only.
With policies, kube-router's rules in the kernel and netlab's own evaluator agree on every pair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from harness import PROXY_MODES, lab_up, netlab

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


POLICY_LAB = """\
name: t-matrix
cluster:
  nodes: [node-1, node-2]
  dns: false
objects:
  - apiVersion: v1
    kind: Namespace
    metadata: {name: other, labels: {project: myproject}}
  - {apiVersion: v1, kind: Pod, metadata: {name: db, labels: {role: db}},
     spec: {nodeName: node-1, containers: [{name: c, ports: [{containerPort: 6379}, {containerPort: 8080}]}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: frontend, labels: {role: frontend}},
     spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 6379}, {containerPort: 8080}]}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: stranger, labels: {role: x}},
     spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 6379}, {containerPort: 8080}]}]}}
  - {apiVersion: v1, kind: Pod, metadata: {name: friend, namespace: other, labels: {role: x}},
     spec: {nodeName: node-1, containers: [{name: c, ports: [{containerPort: 6379}, {containerPort: 8080}]}]}}
  - apiVersion: networking.k8s.io/v1
    kind: NetworkPolicy
    metadata: {name: test-network-policy, namespace: default}
    spec:
      podSelector: {matchLabels: {role: db}}
      policyTypes: [Ingress, Egress]
      ingress:
      - from:
        - ipBlock: {cidr: 172.17.0.0/16, except: [172.17.1.0/24]}
        - namespaceSelector: {matchLabels: {project: myproject}}
        - podSelector: {matchLabels: {role: frontend}}
        ports: [{protocol: TCP, port: 6379}]
      egress:
      - to: [{ipBlock: {cidr: 10.0.0.0/24}}]
        ports: [{protocol: TCP, port: 5978}]
"""


@pytest.mark.parametrize("mode", PROXY_MODES)
def test_the_engine_and_the_evaluator_agree_on_every_pair(mode: str, tmp_path: Path) -> None:
    """The docs' test-network-policy on db: frontend and the namespace labelled project=myproject
    reach its 6379, nobody its 8080, and db itself reaches no other pod (its egress allows only
    10.0.0.0/24:5978); every other pair stays open. Real traffic through kube-router's rules says
    the same as netlab's evaluator, on both ports."""
    lab = tmp_path / "t-matrix.yaml"
    lab.write_text(POLICY_LAB)
    with lab_up(str(lab), "--proxy-mode", mode):
        for port in (6379, 8080):
            done = netlab("matrix", "t-matrix", "--port", str(port), "--json")
            assert done.code == 0, done.out + done.err
            cells = {(c["from"], c["to"]): c for c in json.loads(done.out)["cells"]}
            assert all(c["agrees"] for c in cells.values()), [c for c in cells.values() if not c["agrees"]]
            to_db = {src: cells[src, "db"]["reached"] for src in ("frontend", "stranger", "friend")}
            assert to_db == (
                {"frontend": True, "stranger": False, "friend": True} if port == 6379 else dict.fromkeys(to_db, False)
            )
            assert not cells["db", "frontend"]["reached"] and cells["stranger", "frontend"]["reached"]
