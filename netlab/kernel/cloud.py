"""The way in for LoadBalancer IPs (article section 5, ingress steps 1-2): which nodes the cloud's
load balancer sends each LoadBalancer IP's flows to (or, in a lab with `loadBalancer: metallb-l2`,
which node announces each IP: kernel/metallb.py).

A cloud load balancer health-checks the nodes and spreads flows over the healthy ones. With
externalTrafficPolicy Cluster every node can forward (clouds check kube-proxy's own health, which
netlab's nodes always pass); with Local the Service's healthCheckNodePort decides: kube-proxy
answers 200 there on nodes with a local endpoint and 503 elsewhere, and this module asks each node
that question over HTTP from the load balancer's namespace, as the cloud would. The choice becomes
an ECMP route in the load balancer's namespace (`LBIP/32 nexthop via node ...`), hashed per flow
(fib_multipath_hash_policy 1, set by the topology); with no healthy node, an unreachable route.
Run after the nodes' rules and health check ports are up, and again after every change.
plan/cloud.py predicts the same choice from the plan (`netlab explain` scripts the route from it).
"""

from __future__ import annotations

import http.client
from ipaddress import IPv4Address

from pyroute2.netlink.exceptions import NetlinkError

from netlab.errors import KernelError
from netlab.kernel import metallb, netns
from netlab.plan.model import LabPlan, NodePlan

PROBE_TIMEOUT = 1.0  # seconds per probe: a health check port answers at once or is down
# Probes without an answer before a node counts as down, as a cloud's health check has an unhealthy
# threshold (GCP's and AWS's default to 2-3): a loaded machine misses one now and then, while a
# node without a local endpoint answers 503 at once and is judged by that one answer.
UNHEALTHY_THRESHOLD = 3
RTN_UNREACHABLE = 7  # linux/rtnetlink.h route type: the sender gets "host unreachable"


def sync(plan: LabPlan) -> None:
    """Health-check the nodes for every LoadBalancer IP and route its flows to the healthy ones
    (with MetalLB in L2 mode: elect and announce a node per IP instead).

    Raises:
        KernelError: the load balancer's namespace (or a node) refused a route (an address).
    """
    if plan.lab.cluster.load_balancer == "metallb-l2":
        metallb.announce(plan)
        return
    lb = plan.cloud_lb
    if lb is None:
        return
    for svc in plan.services:
        if svc.load_balancer_ip is None:
            continue
        healthy = [
            node.ip.ip
            for node in plan.nodes
            if svc.health_check_node_port is None or _healthy(lb.netns, node, svc.health_check_node_port)
        ]
        _route(lb.netns, svc.load_balancer_ip, healthy)


def _healthy(lb_netns: str, node: NodePlan, port: int) -> bool:
    """Whether the node passes: 200 (it has a local endpoint) from its health check port; any
    other answer fails it at once, and so do UNHEALTHY_THRESHOLD probes in a row without one."""
    for _ in range(UNHEALTHY_THRESHOLD):
        status = _probe(lb_netns, node, port)
        if status is not None:
            return status == 200
    return False


def _probe(lb_netns: str, node: NodePlan, port: int) -> int | None:
    """GET the node's health check port from the load balancer: the HTTP status, or None."""
    with netns.entered(lb_netns):  # the connection's socket is made (and stays) in the namespace
        conn = http.client.HTTPConnection(str(node.ip.ip), port, timeout=PROBE_TIMEOUT)
        try:
            conn.request("GET", "/healthz")
            return conn.getresponse().status
        except OSError:
            return None
        finally:
            conn.close()


def _route(lb_netns: str, ip: IPv4Address, nodes: list[IPv4Address]) -> None:
    with netns.iproute(lb_netns) as ipr:
        try:
            if nodes:
                ipr.route("replace", dst=f"{ip}/32", multipath=[{"gateway": str(node)} for node in nodes])
            else:
                ipr.route("replace", dst=f"{ip}/32", type=RTN_UNREACHABLE)
        except NetlinkError as exc:
            raise KernelError(f"in {lb_netns}: route {ip}/32: {exc.args[-1]}") from None
