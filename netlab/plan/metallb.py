"""Which node announces a LoadBalancer IP in MetalLB's layer 2 mode (pure).

In L2 mode one node answers ARP for each LoadBalancer IP, so all of that IP's traffic enters the
cluster there; kube-proxy's rules on that node take it on. The speakers agree on the node without
talking, as MetalLB's layer2 controller does (ShouldAnnounce): every eligible node is ranked by
sha256("<node>#<ip>") and the lowest wins. Eligible: every node for externalTrafficPolicy
Cluster; only nodes with a local endpoint for Local (a node that would drop the traffic must not
attract it). No endpoint at all: nobody announces.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from netlab.plan.model import NodePlan, ServicePlan


def announcer(svc: ServicePlan, nodes: Sequence[NodePlan]) -> NodePlan | None:
    """The node whose speaker answers ARP for the Service's LoadBalancer IP (None: no one)."""
    if svc.load_balancer_ip is None or not any(port.endpoints for port in svc.ports):
        return None
    eligible = [n for n in nodes if not svc.external_local or svc.local_endpoints(n.name)]
    return min(
        eligible, key=lambda n: hashlib.sha256(f"{n.name}#{svc.load_balancer_ip}".encode()).digest(), default=None
    )
