"""netlab.render.netpolstatus: a lab's NetworkPolicies as `status` prints them (golden, text and
JSON) in kubectl describe networkpolicy's words, and as `diagram` marks the pods they isolate
(golden ascii; Mermaid and dot carry the same marks and legend). A lab without policies shows none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netlab.model.edit import apply
from netlab.model.load import load_lab
from netlab.model.policytypes import LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule, Requirement
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.render.diagram import DrawnNode, DrawnPod, Iface, Picture, ascii_art, dot, mermaid
from netlab.render.netpolstatus import (
    direction_lines,
    isolation,
    isolation_mark,
    legend_lines,
    policy_lines,
    policy_report,
    rule_text,
    selector_text,
)

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "tests" / "manifests"
DOCS = MANIFESTS / "k8s-docs"
LAB = MANIFESTS / "network-policy-lab.yaml"
GOLDEN = REPO / "tests" / "golden" / "netpol"
POLICIES = (MANIFESTS / "network-policy-lab-policies.yaml", DOCS / "network-policy-default-deny-ingress.yaml")


def plan_with(*manifests: Path) -> LabPlan:
    text = LAB.read_text()
    for path in manifests:
        text = apply(text, path.read_text(), str(path))
    return make_plan(load_lab(LAB, text))


def picture(plan: LabPlan) -> Picture:
    """The picture `diagram` draws, with the planned addresses where the kernel's would be."""
    nodes = tuple(
        DrawnNode(n.name, Iface("eth0", (str(n.ip),)), (Iface("cni0", (str(n.bridge_ip),)),), ()) for n in plan.nodes
    )
    pods = tuple(
        DrawnPod(p.name, p.node, Iface("eth0", (str(p.ip),)), Iface(p.host_veth), isolation_mark(plan, p))
        for p in plan.pods
    )
    return Picture(plan.name, plan.network, plan.proxy_mode, nodes, pods, (), (), (), tuple(legend_lines(plan)))


def test_status_lines_are_golden(golden) -> None:
    golden(GOLDEN / "status.txt", "\n".join(policy_lines(plan_with(*POLICIES))) + "\n")


def test_status_json_is_golden(golden) -> None:
    golden(GOLDEN / "status.json", json.dumps(policy_report(plan_with(*POLICIES)), indent=2) + "\n")


def test_a_lab_without_policies_shows_none() -> None:
    plan = plan_with()
    assert policy_lines(plan) == [] and policy_report(plan) == [] and legend_lines(plan) == []
    assert all(isolation_mark(plan, pod) == "" for pod in plan.pods)
    assert isolation(plan, plan.pods[0]) == {"ingress": [], "egress": []}


def test_each_pods_isolation_names_the_policies_per_direction() -> None:
    plan = plan_with(*POLICIES)
    marks = {pod.name: isolation_mark(plan, pod) for pod in plan.pods}
    assert marks == {"db": "🔒 in,out", "frontend": "🔒 in", "client": "🔒 in", "outsider": ""}
    db = next(pod for pod in plan.pods if pod.name == "db")
    assert isolation(plan, db) == {
        "ingress": ["default/test-network-policy", "default/default-deny-ingress"],
        "egress": ["default/test-network-policy"],
    }
    deny_egress = plan_with(DOCS / "network-policy-default-deny-egress.yaml")
    assert isolation_mark(deny_egress, db) == "🔒 out"


@pytest.mark.parametrize(
    ("selector", "text"),
    [
        (LabelSelector(), "<none>"),
        (LabelSelector({"role": "db", "app": "web"}), "app=web,role=db"),  # sorted by key, as kubectl
        (LabelSelector(match_expressions=(Requirement("tier", "In", ("b", "a")),)), "tier in (a,b)"),
        (LabelSelector(match_expressions=(Requirement("tier", "NotIn", ("x",)),)), "tier notin (x)"),
        (
            LabelSelector({"z": "1"}, (Requirement("a", "Exists"), Requirement("m", "DoesNotExist"))),
            "a,!m,z=1",
        ),
    ],
)
def test_a_selector_reads_as_kubectl_prints_it(selector: LabelSelector, text: str) -> None:
    assert selector_text(selector) == text


def test_rules_read_as_kubectl_describe_words_them() -> None:
    web = PolicyPeer(pod_selector=LabelSelector({"app": "web"}))
    assert rule_text(PolicyRule((web,), (PolicyPort("TCP", 5432),)), "Ingress") == (
        "To Port: 5432/TCP; From: PodSelector: app=web"
    )
    both = PolicyPeer(pod_selector=LabelSelector({"app": "web"}), namespace_selector=LabelSelector())
    assert rule_text(PolicyRule((both,), (PolicyPort("UDP"),)), "Egress") == (
        "To Port: <any>/UDP; To: NamespaceSelector: <none>, PodSelector: app=web"
    )
    assert rule_text(PolicyRule(), "Ingress") == (
        "To Port: <any> (traffic allowed to all ports); From: <any> (traffic not restricted by source)"
    )
    assert rule_text(PolicyRule(), "Egress").endswith("To: <any> (traffic not restricted by destination)")


def test_several_rules_are_numbered_as_the_evaluators_reasons_number_them() -> None:
    web = PolicyRule((PolicyPeer(pod_selector=LabelSelector({"app": "web"})),))
    policy = NetworkPolicy("p", "default", LabelSelector(), ("Ingress",), (web, PolicyRule(ports=(PolicyPort(),))))
    assert direction_lines(policy, "Ingress") == [
        "Allowing ingress traffic, rule 1: To Port: <any> (traffic allowed to all ports); From: PodSelector: app=web",
        "Allowing ingress traffic, rule 2: To Port: <any>/TCP; From: <any> (traffic not restricted by source)",
    ]
    assert direction_lines(policy, "Egress") == ["Not affecting egress traffic"]
    egress = plan_with(DOCS / "network-policy-multi-port-egress.yaml").lab.network_policies[0]
    assert direction_lines(egress, "Egress") == [
        "Allowing egress traffic: To Port Range: 32000-32768/TCP; To: IPBlock: CIDR: 10.0.0.0/24"
    ]


def test_the_diagram_marks_isolated_pods_and_names_the_policies(golden) -> None:
    drawn = picture(plan_with(*POLICIES))
    golden(REPO / "tests" / "golden" / "diagram" / "network-policy.txt", ascii_art(drawn))
    text = mermaid(drawn)
    assert 'pod_db["pod db<br/>eth0 10.244.1.2/24<br/>🔒 in,out"]' in text
    assert 'policies>"NetworkPolicies (enforced by kube-router; ' in text
    assert "🔒 default/default-deny-ingress (Ingress) selects db, frontend, client" in text
    graph = dot(drawn)
    assert 'pod_db [label="pod db\\neth0 10.244.1.2/24\\n🔒 in,out"];' in graph
    assert "policies [label=" in graph and ", shape=note];" in graph


def test_the_diagram_of_a_lab_without_policies_has_no_mark_nor_legend() -> None:
    drawn = picture(plan_with())
    assert "🔒" not in ascii_art(drawn) + mermaid(drawn) + dot(drawn)
    assert "NetworkPolicies" not in ascii_art(drawn)
