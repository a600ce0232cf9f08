"""UDP conntrack entries that still carry a Service's flow to an address that is no longer one of
its endpoints (pure). UDP has no close: such an entry keeps sending the client to a gone backend
for as long as it keeps talking; kube-proxy deletes them after each sync (kernel/conntrack.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from netlab.doctor.facts import Facts
from netlab.doctor.finding import Finding
from netlab.plan.model import LabPlan

_ENTRY = re.compile(r"src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+) .*?src=(\S+) ")


def stale_udp(plan: LabPlan, facts: Facts) -> list[Finding]:
    """Every node's UDP entries to a ClusterIP port whose reply comes from no endpoint of it."""
    return [f for node in plan.nodes for f in _node(plan, node.netns, facts.conntrack.get(node.netns, ""))]


def _node(plan: LabPlan, ns: str, listing: str) -> Iterator[Finding]:
    endpoints = {
        (str(svc.cluster_ip), str(port.port)): {str(e.ip) for e in port.endpoints}
        for svc in plan.services
        if svc.cluster_ip is not None
        for port in svc.ports
        if port.protocol == "UDP"
    }
    for line in listing.splitlines():
        m = _ENTRY.search(line)
        if not m or (m[2], m[4]) not in endpoints or m[5] in endpoints[(m[2], m[4])]:
            continue
        yield Finding(
            ns,
            "conntrack",
            f"udp flow {m[1]}:{m[3]} -> {m[2]}:{m[4]}",
            f"replies from {m[5]}",
            "replies from an endpoint: " + (", ".join(sorted(endpoints[(m[2], m[4])])) or "none (no entry at all)"),
            f"ip netns exec {ns} conntrack -L -p udp --orig-dst {m[2]} --orig-port-dst {m[4]}",
            "the client's datagrams keep going to a backend that is gone: its UDP requests get no answer",
        )
