"""netlab doctor's judgement (pure): a running lab as the kernel holds it (`Facts`) against what
netlab builds for its plan, as findings.

It knows nothing of `netlab break` or any fault: every "should" comes from the plan, through the
same renderers `up` uses (render/namespaces.py's ops, the proxy mode's ruleset, kube-router's
chains, render/egress.py's NAT), so a fault made by hand is found exactly as an injected one.
The kernel layer reads the facts (kernel/doctorread.py); docs/doctor.md lists every comparison.
"""

from __future__ import annotations

from netlab.doctor.conntrack import stale_udp
from netlab.doctor.dns import dns_findings
from netlab.doctor.etcfiles import etc_findings
from netlab.doctor.facts import Facts
from netlab.doctor.finding import Finding
from netlab.doctor.links import namespace_findings
from netlab.doctor.listening import listening_findings
from netlab.doctor.rules import rule_findings
from netlab.plan.model import LabPlan
from netlab.render.ops import NamespaceSpec


def routed(plan: LabPlan) -> set[str]:
    """The namespaces whose every route and rp_filter is netlab's: the nodes' and the pods'."""
    return {n.netns for n in plan.nodes} | {p.netns for p in plan.pods}


def diagnose(specs: list[NamespaceSpec], proxied: LabPlan, enforced: LabPlan, facts: Facts) -> list[Finding]:
    """Every deviation of `facts` from the lab's desired state.

    Args:
        specs: each namespace's objects as `up` builds them (the learner's tasks left out).
        proxied: the plan whose Services kube-proxy programs (a Service task left: not its rules).
        enforced: the plan whose NetworkPolicies kube-router enforces.
    """
    return [
        *namespace_findings(specs, facts, routed(proxied)),
        *rule_findings(proxied, enforced, facts),
        *stale_udp(proxied, facts),
        *etc_findings(proxied, facts.etc),
        *listening_findings(proxied, facts.listening),
        *dns_findings(proxied, facts.dns),
    ]


__all__ = ["Facts", "Finding", "diagnose", "routed"]
