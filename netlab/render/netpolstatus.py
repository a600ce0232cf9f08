"""A lab's NetworkPolicies as `netlab status` and `netlab diagram` show them (pure): each policy in
kubectl describe networkpolicy's words, the pods it selects, and each pod's isolation.

Which pods a policy selects and which policies isolate a pod are the evaluator's
(netlab.plan.netpol); the words are kubectl's (docs/network-policy.md, "What status and diagram
show"): a selector as metav1.FormatLabelSelector prints it, a rule as "To Port: 6379/TCP; From:
PodSelector: role=frontend".
"""

from __future__ import annotations

from netlab.model.policytypes import LabelSelector, NetworkPolicy, PolicyPeer, PolicyPort, PolicyRule
from netlab.plan.model import LabPlan, PodPlan
from netlab.plan.netpol import EGRESS, INGRESS, isolated, selected_pods

LOCK = "🔒"
DIRECTIONS = ((INGRESS, "in"), (EGRESS, "out"))
ALL_PODS = "<none> (Allowing the specific traffic to all pods in this namespace)"


def selector_text(selector: LabelSelector) -> str:
    """As kubectl prints a selector: requirements sorted by key, "k=v", "k in (a,b)", "k notin (a,b)",
    "k", "!k", joined by commas; the empty selector "<none>"."""
    parts = [(k, f"{k}={v}") for k, v in selector.match_labels.items()]
    for r in selector.match_expressions:
        values = ",".join(sorted(r.values))
        text = {"In": f"{r.key} in ({values})", "NotIn": f"{r.key} notin ({values})", "Exists": r.key}
        parts.append((r.key, text.get(r.operator, f"!{r.key}")))
    return ",".join(text for _, text in sorted(parts, key=lambda part: part[0])) or "<none>"


def _port_text(port: PolicyPort) -> str:
    """kubectl prints a port without number as <nil>; netlab says <any>."""
    number = "<any>" if port.port is None else str(port.port)
    if port.end_port:
        return f"To Port Range: {number}-{port.end_port}/{port.protocol}"
    return f"To Port: {number}/{port.protocol}"


def _peer_text(peer: PolicyPeer) -> str:
    if peer.ip_block is not None:
        excepted = f" Except: {', '.join(peer.ip_block.excepted)}" if peer.ip_block.excepted else ""
        return f"IPBlock: CIDR: {peer.ip_block.cidr}{excepted}"
    parts = [f"NamespaceSelector: {selector_text(peer.namespace_selector)}"] if peer.namespace_selector else []
    parts += [f"PodSelector: {selector_text(peer.pod_selector)}"] if peer.pod_selector else []
    return ", ".join(parts)


def rule_text(rule: PolicyRule, direction: str) -> str:
    """One ingress or egress rule on one line: its ports, then each peer (kubectl's lines, joined by "; ")."""
    ports = [_port_text(p) for p in rule.ports] or ["To Port: <any> (traffic allowed to all ports)"]
    word = "From" if direction == INGRESS else "To"
    if rule.peers:
        peers = [f"{word}: {_peer_text(peer)}" for peer in rule.peers]
    else:
        peers = [f"{word}: <any> (traffic not restricted by {'source' if direction == INGRESS else 'destination'})"]
    return "; ".join(ports + peers)


def _rules(policy: NetworkPolicy, direction: str) -> tuple[PolicyRule, ...]:
    return policy.ingress if direction == INGRESS else policy.egress


def direction_lines(policy: NetworkPolicy, direction: str) -> list[str]:
    """What a policy does in one direction: "Allowing ingress traffic: ..." per rule (numbered when it
    has several, as the evaluator's reasons number them), or that it isolates and allows nothing, or
    "Not affecting egress traffic"."""
    word = direction.lower()
    if direction not in policy.policy_types:
        return [f"Not affecting {word} traffic"]
    rules = _rules(policy, direction)
    if not rules:
        return [f"Allowing {word} traffic: <none> (Selected pods are isolated for {word} connectivity)"]
    if len(rules) == 1:
        return [f"Allowing {word} traffic: {rule_text(rules[0], direction)}"]
    return [f"Allowing {word} traffic, rule {i}: {rule_text(rule, direction)}" for i, rule in enumerate(rules, 1)]


def isolation(plan: LabPlan, pod: PodPlan) -> dict[str, list[str]]:
    """The policies (namespace/name) that isolate the pod, per direction ("ingress", "egress")."""
    return {direction.lower(): [p.key for p in isolated(plan, pod, direction)] for direction, _ in DIRECTIONS}


def isolation_mark(plan: LabPlan, pod: PodPlan) -> str:
    """The mark of an isolated pod ("🔒 in", "🔒 out", "🔒 in,out"); "" for one no policy selects."""
    marks = [mark for direction, mark in DIRECTIONS if isolated(plan, pod, direction)]
    return f"{LOCK} {','.join(marks)}" if marks else ""


def policy_report(plan: LabPlan) -> list[dict]:
    """`status --json`'s networkPolicies: per policy its selector, types, rules (for its policyTypes
    only: a direction it does not name it does not affect) and the pods it selects."""
    return [
        {
            "name": policy.name,
            "namespace": policy.namespace,
            "podSelector": selector_text(policy.pod_selector),
            "policyTypes": list(policy.policy_types),
            **{
                direction.lower(): [rule_text(rule, direction) for rule in _rules(policy, direction)]
                for direction, _ in DIRECTIONS
                if direction in policy.policy_types
            },
            "selectedPods": [pod.name for pod in selected_pods(plan, policy)],
        }
        for policy in plan.lab.network_policies
    ]


def policy_lines(plan: LabPlan) -> list[str]:
    """`status`'s NetworkPolicies section; none for a lab without policies."""
    if not plan.lab.network_policies:
        return []
    lines = [f"NetworkPolicies (kube-router enforces them; {LOCK} in/out: a pod isolated for ingress/egress)"]
    for policy in plan.lab.network_policies:
        selector = selector_text(policy.pod_selector)
        lines.append(
            f"  {policy.key}: Policy Types: {', '.join(policy.policy_types)}; "
            f"PodSelector: {ALL_PODS if selector == '<none>' else selector}; selects {_selected(plan, policy)}"
        )
        lines += [f"    {line}" for direction, _ in DIRECTIONS for line in direction_lines(policy, direction)]
    return lines


def legend_lines(plan: LabPlan) -> list[str]:
    """The diagram's legend: one line per policy, naming what it isolates and whom."""
    return [
        f"{LOCK} {policy.key} ({', '.join(policy.policy_types)}) selects {_selected(plan, policy)}"
        for policy in plan.lab.network_policies
    ]


def _selected(plan: LabPlan, policy: NetworkPolicy) -> str:
    return ", ".join(pod.name for pod in selected_pods(plan, policy)) or "no pod"
