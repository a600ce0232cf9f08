"""What the learner sees of NetworkPolicies in a running lab: `netlab status` (text and --json) lists
each policy in kubectl describe's words with the pods it selects, and each pod's isolation;
`netlab diagram` marks the isolated pods and names the policies in every format. Before the first
policy and after the last is deleted, neither shows anything of them. iptables mode is enough: what
is shown comes from the lab's policies (netlab.render.netpolstatus), the same in every mode."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from harness import REPO, lab_up, netlab

MANIFESTS = REPO / "tests" / "manifests"
LAB = MANIFESTS / "network-policy-lab.yaml"
POLICIES = (
    MANIFESTS / "network-policy-lab-policies.yaml",
    MANIFESTS / "k8s-docs/network-policy-default-deny-ingress.yaml",
)
GOLDEN = REPO / "tests" / "golden" / "netpol"


def _shown() -> tuple[str, dict, dict[str, str]]:
    """status's text, status --json, and the diagram in each format but svg (it is dot drawn)."""
    status, as_json = netlab("status", "netpol"), netlab("status", "netpol", "--json")
    drawn = {form: netlab("diagram", "netpol", "--format", form) for form in ("ascii", "mermaid", "dot")}
    for run in (status, as_json, *drawn.values()):
        assert run.code == 0 and run.err == "", run.err
    return status.out, json.loads(as_json.out), {form: run.out for form, run in drawn.items()}


def _nothing_of_policies(status: str, report: dict, drawn: dict[str, str]) -> None:
    assert "NetworkPolicies" not in status and "🔒" not in status
    assert "networkPolicies" not in report and all("isolation" not in pod for pod in report["pods"])
    assert not [form for form, text in drawn.items() if "🔒" in text or "NetworkPolicies" in text]


def test_status_and_diagram_show_the_policies_and_the_isolated_pods(golden: Callable[[Path, str], None]) -> None:
    with lab_up(str(LAB), "--proxy-mode", "iptables"):
        _nothing_of_policies(*_shown())
        for path in POLICIES:
            done = netlab("apply", "netpol", "-f", str(path))
            assert done.code == 0, done.err
        status, report, drawn = _shown()

        assert status[status.index("NetworkPolicies") :] == (GOLDEN / "status.txt").read_text()  # the unit golden
        rows = {line.split()[1]: line for line in status.splitlines() if line.startswith("pod ")}
        assert "node-1 🔒 in,out" in rows["db"] and "node-2 🔒 in" in rows["frontend"]
        assert "🔒" not in rows["outsider"]

        assert report["networkPolicies"] == json.loads((GOLDEN / "status.json").read_text())
        pods = {pod["name"]: pod["isolation"] for pod in report["pods"]}
        assert pods["db"] == {
            "ingress": ["default/test-network-policy", "default/default-deny-ingress"],
            "egress": ["default/test-network-policy"],
        }
        assert pods["outsider"] == {"ingress": [], "egress": []}

        golden(GOLDEN / "diagram-live.txt", drawn["ascii"])
        assert "db<br/>" in drawn["mermaid"] and "🔒 in,out" in drawn["mermaid"]
        assert "🔒 default/test-network-policy (Ingress, Egress) selects db" in drawn["dot"]

        done = netlab("delete", "netpol", "netpol/test-network-policy", "networkpolicy/default-deny-ingress")
        assert done.code == 0, done.err
        _nothing_of_policies(*_shown())
