"""Which nodes the cloud's load balancer sends a LoadBalancer IP's flows to (pure).

kernel/cloud.py asks the nodes' health check ports at run time, as the cloud does; this is the
answer the plan predicts, as kube-proxy would give it (`netlab explain` scripts the route from it).
With externalTrafficPolicy Cluster every node passes (clouds check kube-proxy's own health); with
Local only nodes with a local endpoint answer 200.
"""

from __future__ import annotations

from collections.abc import Sequence

from netlab.plan.model import NodePlan, ServicePlan


def healthy_nodes(svc: ServicePlan, nodes: Sequence[NodePlan]) -> list[NodePlan]:
    """The nodes whose health check the Service's LoadBalancer IP passes (none: an unreachable route)."""
    return [n for n in nodes if svc.health_check_node_port is None or svc.local_endpoints(n.name)]
