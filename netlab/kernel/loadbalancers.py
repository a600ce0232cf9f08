"""LoadBalancer IPs that come and go in a running lab (`apply`, `delete`): the cloud controller's
part of a change, as a cloud provider (or MetalLB) does it while the cluster runs.

A Service that becomes a LoadBalancer gets an address from the pool (a Service that had one keeps
it: plan/services.py), the gateway routes it into the cluster (to the cloud's load balancer, or
on the link for MetalLB's L2 mode), and the gateway's filter lets the nodes answer its clients.
The lab's first LoadBalancer Service brings the cloud's load balancer itself (its namespace, its
port on the underlay bridge); the last one to go takes it away. A Service that leaves gives its
address back: routes gone from the gateway and the load balancer, or the address off the node
that announced it. The health-checked routes of the addresses that stay or come are
kernel/cloud.py's, run after the nodes' rules (kernel/build.start_workloads). Outside hosts stay
as they are.
"""

from __future__ import annotations

from ipaddress import IPv4Address

from pyroute2.netlink.exceptions import NetlinkError

from netlab.errors import KernelError
from netlab.kernel import egress, etcfiles, metallb, netns
from netlab.kernel.build import Namespaces, refuse_taken
from netlab.plan.model import HostPlan, LabPlan
from netlab.render.namespaces import ETH0, cloud_lb_port, cloud_lb_spec, gateway_route
from netlab.render.ops import NamespaceSpec
from netlab.render.resolvconf import node_files
from netlab.state import LabState


def change(old: LabPlan, new: LabPlan, state: LabState) -> tuple[list[IPv4Address], list[IPv4Address]]:
    """Move the way in from `old`'s LoadBalancer IPs to `new`'s (nothing to do when they are the same).

    Returns:
        the addresses handed out, and those taken back.

    Raises:
        LabStateError: the load balancer's namespace name is taken by something not netlab's.
        KernelError, ApplyError: the kernel refused a route, an address or the gateway's rules.
    """
    gone = [ip for ip in old.load_balancer_ips if ip not in new.load_balancer_ips]
    came = [ip for ip in new.load_balancer_ips if ip not in old.load_balancer_ips]
    if not gone and not came:
        return came, gone
    if new.cloud_lb and not netns.exists(new.cloud_lb.netns):  # (a rollback may find it still there)
        _add_cloud_lb(new, new.cloud_lb, state)
    _route_gateway(new, came, gone)
    if old.lab.cluster.load_balancer == "metallb-l2":
        metallb.withdraw(old, gone)
    elif old.cloud_lb and new.cloud_lb:
        _unroute(old.cloud_lb.netns, gone)
    egress.program(new)
    if old.cloud_lb and not new.cloud_lb:
        netns.remove(old.cloud_lb.netns)  # its underlay port goes with its eth0
        etcfiles.remove([str(etcfiles.ETC_NETNS / old.cloud_lb.netns)])
    return came, gone


def _add_cloud_lb(plan: LabPlan, lb: HostPlan, state: LabState) -> None:
    """The cloud's load balancer, as `up` makes it: its namespace, journaled first, its port on the
    underlay bridge, its address, its /etc files."""
    spec = cloud_lb_spec(plan, lb)
    refuse_taken([spec.netns])
    state.record("netns", spec.netns)
    handles = Namespaces()
    try:
        handles.create(spec)
        handles.open(plan.underlay_netns)
        handles.apply(NamespaceSpec(plan.underlay_netns, (cloud_lb_port(lb),)))
        handles.apply(spec)
    finally:
        handles.close()
    etcfiles.write(state, {lb.netns: node_files(plan)})


def _route_gateway(plan: LabPlan, came: list[IPv4Address], gone: list[IPv4Address]) -> None:
    """The gateway's routes: one for each address that came (as `up` renders it), none for those gone."""
    with netns.iproute(plan.gateway.netns) as ipr:
        for ip in came:
            route = gateway_route(plan, ip)
            try:
                ipr.route("replace", dst=str(route.dst), oif=ETH0, **({"gateway": str(route.via)} if route.via else {}))
            except NetlinkError as exc:
                raise KernelError(f"in {plan.gateway.netns}: route {route.dst}: {exc.args[-1]}") from None
    _unroute(plan.gateway.netns, gone)


def _unroute(netns_name: str, ips: list[IPv4Address]) -> None:
    """Delete the /32 routes of these addresses (one already gone is fine)."""
    with netns.iproute(netns_name) as ipr:
        for ip in ips:
            try:
                ipr.route("del", dst=f"{ip}/32")
            except NetlinkError as exc:
                if exc.code != 3:  # ESRCH: no such route
                    raise KernelError(f"in {netns_name}: route {ip}/32: {exc.args[-1]}") from None
