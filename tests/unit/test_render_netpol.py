"""netlab.render.netpol: kube-router's sets and chains for one node, from the plan (goldens), and the
NetworkPolicy and Namespace kinds as lab files and `apply -f` read them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from netlab.errors import BadInput
from netlab.model.edit import apply, delete
from netlab.model.load import load_lab
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.readback.iptables import parse_save
from netlab.render.iptables import quote
from netlab.render.netpol import (
    DEFAULT_CHAIN,
    DST_SET,
    FORWARD,
    POD_CHAIN,
    TMP_SET,
    render,
    render_lab,
    short_hash,
    top_jump,
)

REPO = Path(__file__).resolve().parents[2]
MANIFESTS = REPO / "tests" / "manifests"
DOCS = MANIFESTS / "k8s-docs"
GOLDEN = REPO / "tests" / "golden" / "netpol"
LAB = MANIFESTS / "network-policy-lab.yaml"


def plan_with(*manifests: Path, network: str = "host-gw") -> LabPlan:
    text = LAB.read_text()
    for path in manifests:
        text = apply(text, path.read_text(), str(path))
    return make_plan(load_lab(LAB, text), network=network)


def test_the_rules_and_sets_of_node_1_are_golden(golden) -> None:
    plan = plan_with(MANIFESTS / "network-policy-lab-policies.yaml", DOCS / "network-policy-default-deny-ingress.yaml")
    rules = render(plan, plan.nodes[0])
    golden(GOLDEN / "node-1.ipset", rules.ipset_restore())
    golden(GOLDEN / "node-1.iptables", rules.iptables_restore())


def test_what_every_node_shares_is_rendered_once_and_gives_each_node_the_same_rules() -> None:
    plan = plan_with(MANIFESTS / "network-policy-lab-policies.yaml", DOCS / "network-policy-default-deny-ingress.yaml")
    shared = render_lab(plan)
    for node in plan.nodes:
        alone, together = render(plan, node), render(plan, node, shared)
        assert (alone.sets, alone.chains, alone.rules) == (together.sets, together.chains, together.rules)
    db = next(p for p in plan.pods if p.name == "db")
    assert [p.name for p in shared.policies_of[db.netns]] == ["test-network-policy", "default-deny-ingress"]


def test_only_the_sets_asked_for_are_restored_each_through_its_own_type_s_temporary_set() -> None:
    plan = plan_with(MANIFESTS / "network-policy-lab-policies.yaml")
    rules = render(plan, plan.nodes[0])
    net = next(s for s in rules.sets.values() if s.type == "hash:net")
    text = rules.ipset_restore({net.name})
    assert f"swap {TMP_SET}{short_hash('hash:net')} {net.name}" in text
    assert [line.split()[1] for line in text.splitlines() if line.startswith("create KUBE-")] == [net.name]
    assert text.endswith(f"destroy {TMP_SET}{short_hash('hash:net')}\n")  # the hash:ip one is not made
    assert rules.ipset_restore(set()) == ""


def test_every_pod_of_the_node_gets_a_chain_and_one_no_policy_selects_runs_the_default_both_ways() -> None:
    plan = plan_with(MANIFESTS / "network-policy-lab-policies.yaml")
    node1, node2 = (render(plan, node) for node in plan.nodes)
    db, frontend = (POD_CHAIN + short_hash(f"default{name}") for name in ("db", "frontend"))
    assert db in node1.chains and db not in node2.chains and frontend in node2.chains
    defaults = [r for r in node2.rules if r.startswith(f"-A {frontend} ") and r.endswith(f"-j {DEFAULT_CHAIN}")]
    assert [r.split()[2] for r in defaults] == ["-s", "-d"]  # egress, then ingress
    assert not [r for r in node1.rules if r.startswith(f"-A {db} ") and r.endswith(f"-j {DEFAULT_CHAIN}")]


def test_a_named_port_is_resolved_per_pod_into_a_set_of_the_pods_that_have_it() -> None:
    plan = plan_with(MANIFESTS / "network-policy-lab-policies.yaml")
    rules = render(plan, plan.nodes[0])
    named = rules.sets[DST_SET + short_hash("defaulttest-network-policyingressrule00.0namedport")]
    assert named.entries == ("10.244.1.2 timeout 0",)  # db: its container port redis is 6379
    assert sum(f"--match-set {named.name} dst -p tcp --dport 6379 " in r for r in rules.rules) == 4  # peers, ipBlock


def test_a_namespace_selector_sees_the_namespace_labels_and_the_name_label() -> None:
    plan = plan_with(MANIFESTS / "network-policy-lab-policies.yaml")
    sources = {e for s in render(plan, plan.nodes[0]).sets.values() for e in s.entries}
    outsider = next(p for p in plan.pods if p.name == "outsider")
    assert f"{outsider.ip.ip} timeout 0" in sources  # namespace myproject, project=myproject
    assert plan.lab.namespace_labels("myproject") == {
        "project": "myproject",
        "kubernetes.io/metadata.name": "myproject",
    }


def test_peers_that_name_the_same_pods_put_each_in_the_set_once_and_a_shared_peer_is_read_per_namespace() -> None:
    """Peers are matched once per distinct peer and namespace (many policies share one): two peers
    naming one pod give one entry, and the same podSelector in two namespaces names each one's pods."""
    policies = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: twice, namespace: default}
spec:
  podSelector: {matchLabels: {role: db}}
  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}, {podSelector: {}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: clients, namespace: myproject}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {matchLabels: {role: client}}}]}]
"""
    plan = make_plan(load_lab(LAB, apply(LAB.read_text(), policies, "policies.yaml")))
    rules = render(plan, plan.nodes[0])
    ip = {p.name: f"{p.ip.ip} timeout 0" for p in plan.pods}
    twice = next(s for s in rules.sets.values() if ip["client"] in s.entries and ip["frontend"] in s.entries)
    assert sorted(twice.entries) == sorted({ip["db"], ip["frontend"], ip["client"]})  # default's pods, once each
    own = [s.entries for s in rules.sets.values() if ip["outsider"] in s.entries and ip["client"] not in s.entries]
    assert (ip["outsider"],) in own  # myproject's client peer: its own namespace's pod, not default's


def test_default_deny_ingress_judges_what_comes_in_and_lets_out_what_goes_out_on_either_network() -> None:
    for network in ("host-gw", "vxlan"):
        plan = plan_with(DOCS / "network-policy-default-deny-ingress.yaml", network=network)
        rules = render(plan, plan.nodes[0])
        client = POD_CHAIN + short_hash("defaultclient")
        mine = [r for r in rules.rules if r.startswith(f"-A {client} ")]
        assert any(r.startswith(f"-A {client} -d 10.244.1.3 ") and "nw policy default-deny-ingress" in r for r in mine)
        assert any(r.startswith(f"-A {client} -s 10.244.1.3 ") and r.endswith(DEFAULT_CHAIN) for r in mine)
        assert len([r for r in rules.rules if r.startswith(f"-A {FORWARD} ") and "physdev" in r]) == 4  # 2 pods x 2


def test_the_docs_examples_load() -> None:
    for path in sorted(DOCS.glob("network*.yaml")):
        lab = load_lab(LAB, apply(LAB.read_text(), path.read_text(), str(path)))
        assert lab.network_policies, path.name


def test_the_default_policy_types_are_the_api_servers() -> None:
    egress = {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "e"}}
    egress["spec"] = {"podSelector": {}, "egress": [{}]}
    lab = load_lab(LAB, apply(LAB.read_text(), yaml.safe_dump(egress)))
    assert lab.network_policies[0].policy_types == ("Ingress", "Egress")


def test_delete_takes_a_policy_and_a_namespace_by_their_aliases() -> None:
    text = apply(LAB.read_text(), (DOCS / "network-policy-default-deny-ingress.yaml").read_text())
    lab = load_lab(LAB, delete(delete(text, ["netpol/default-deny-ingress"]), ["ns/myproject"]))
    assert not lab.network_policies and not lab.namespaces
    with pytest.raises(BadInput, match="no NetworkPolicy"):
        delete(LAB.read_text(), ["networkpolicies/nothing"])


def test_kube_routers_jumps_go_first_and_its_stale_chains_go() -> None:
    from netlab.kernel.netpol import _stale_chains, _top_jumps

    saved = parse_save(
        "*filter\n:FORWARD ACCEPT [0:0]\n:KUBE-POD-FW-OLD - [0:0]\n:KUBE-FORWARD - [0:0]\n"
        '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD\n'
        f"-A FORWARD {' '.join(map(quote, top_jump('FORWARD')))}\n"
        "-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP\n-A KUBE-POD-FW-OLD -j ACCEPT\nCOMMIT\n"
    )
    lines = _top_jumps(saved)
    forward = [line for line in lines if " FORWARD " in line]
    assert forward[0].startswith("-D FORWARD -m comment") and forward[1].startswith("-I FORWARD 1 -m comment")
    assert [line.split()[0] for line in lines if " INPUT " in line] == ["-I", "-A"]  # absent: inserted; ACCEPT last
    plan = plan_with()
    assert _stale_chains(saved, render(plan, plan.nodes[0])) == [":KUBE-POD-FW-OLD - [0:0]", "-X KUBE-POD-FW-OLD"]
    assert saved.kube_rules == 1  # kube-proxy's: kube-router's own are not counted
