"""Program the way out of the cluster (render/egress.py) into a lab with an outside world: the
ip-masq-agent chain on every node, the internet gateway's 1:1 NAT on the gateway. Each is one
atomic iptables-restore, then read back with iptables-save: every rendered line must be there.
"""

from __future__ import annotations

from netlab.errors import ApplyError
from netlab.kernel.ruletools import iptables_restore, iptables_save
from netlab.plan.model import LabPlan
from netlab.render.egress import gateway_rules, masq_agent_rules, render_gateway, render_masq_agent


def program(plan: LabPlan) -> None:
    """Load and read back the egress NAT of every node and of the gateway (none without an outside).

    Raises:
        ApplyError: a tool refused a ruleset, or the read-back lacks a rule.
    """
    if not plan.internet_hosts:
        return
    cidr = plan.lab.cluster.pod_cidr
    for node in plan.nodes:
        iptables_restore(node.netns, render_masq_agent(cidr))
        _check(node.netns, {"nat": masq_agent_rules(cidr)})
    iptables_restore(plan.gateway.netns, render_gateway(plan), noflush=False)
    _check(plan.gateway.netns, gateway_rules(plan))


def _check(netns_name: str, wanted: dict[str, list[str]]) -> None:
    saved = iptables_save(netns_name)
    for table, lines in wanted.items():
        held = set(saved.rules.get(table, []))
        missing = [line for line in lines if line not in held]
        if missing:
            raise ApplyError(f"in {netns_name}: after iptables-restore, table {table} lacks: {missing[0]}")
