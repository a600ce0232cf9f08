"""Send one request and watch it cross the lab: `netlab trace` (the recipe: netlab.probe.trace).

Steps, every one bounded and undone:
* in every node (and the gateway, in a lab with an outside), load netlab's trace table, which
  marks the client's packets, and start `nft monitor trace`;
* send one request from the client pod (curl, or one UDP datagram for a UDP port);
* stop the monitors, read each node's conntrack entries of the client (and in IPVS mode, whose
  decision is not a netfilter rule, its entries of IPVS's connection table, `ipvsadm -Lnc`; in a
  lab with NetworkPolicies, the filter table, which names kube-router's rules: netlab.probe.policytrace);
* delete the trace tables, whatever happened (also on Ctrl-C).
What a node printed for the connection's first packet is the walk through its rules; conntrack
shows the NAT the walk decided.
"""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass

from netlab.errors import BadInput
from netlab.kernel import netns
from netlab.kernel.ruletools import iptables_save, run_in
from netlab.model.schema import is_ipv4
from netlab.plan.model import HostPlan, LabPlan, NodePlan, PodPlan
from netlab.probe import http, policytrace, trace, udp
from netlab.proxy import mode_of

MONITOR_READY_S = 0.5  # nft monitor prints nothing when it starts: give it this long to listen
MONITOR_MAX_S = 30  # a monitor stops by itself after this long, whatever happens to netlab
SETTLE_S = 0.3  # after the request, for the last events to be printed


@dataclass(frozen=True)
class Hop:
    """What one node saw: the first packet's events, and its conntrack entries of the client."""

    name: str
    events: tuple[trace.Event, ...]
    flows: tuple[trace.Flow, ...]
    ipvs: tuple[str, ...] = ()  # IPVS mode: the client's entries of IPVS's own connection table
    filter: policytrace.FilterTable | None = None  # with NetworkPolicies: the filter table, to name rules


@dataclass(frozen=True)
class Traced:
    source: str
    target: str
    address: str
    port: int
    protocol: str
    answer: str  # who answered, or why nobody did
    hops: tuple[Hop, ...]


def destination_of(plan: LabPlan, target: str, port: int | None) -> tuple[str, int, str]:
    """(address, port, protocol) of a Service (`NAME`, `NAME.NAMESPACE`), pod, host or address.

    Raises:
        BadInput: the lab has no such target, or no port can be chosen.
    """
    name, _, namespace = target.partition(".")
    svc = plan.service(name, namespace or "default") if not is_ipv4(target) else None
    if svc is not None and svc.cluster_ip is not None:
        chosen = next((p for p in svc.ports if port in (None, p.port)), None)
        if chosen is None:
            raise BadInput(f"Service {target} has no port {port} (it has {', '.join(str(p.port) for p in svc.ports)})")
        return str(svc.cluster_ip), chosen.port, chosen.protocol
    member = plan.member(target)
    if member is None and not is_ipv4(target):
        raise BadInput(f"lab {plan.name} has no Service with a ClusterIP, pod or host named {target!r}")
    address = str(member.ip.ip) if member is not None else target
    ports = member.echo_ports() if isinstance(member, (PodPlan, HostPlan)) else []
    if port is None and not ports:
        raise BadInput(f"say which port of {target} to trace (--port)")
    protocol = next((proto for number, proto in ports if number == port), "TCP") if port else ports[0][1]
    return address, port or ports[0][0], protocol


def run_trace(plan: LabPlan, source: str, target: str, port: int | None) -> Traced:
    """Trace one request from pod `source` to `target` (see the module's steps).

    Raises:
        BadInput: the source is not a pod of the lab, or the target is unknown.
    """
    pod = next((p for p in plan.pods if p.name == source), None)
    if pod is None:
        raise BadInput(f"lab {plan.name} has no pod named {source!r}: a trace starts in a pod")
    address, number, protocol = destination_of(plan, target, port)
    watched: list[NodePlan | HostPlan] = [*plan.nodes, *([plan.gateway] if plan.internet_hosts else [])]
    monitors: dict[str, subprocess.Popen] = {}
    try:
        for member in watched:
            run_in(member.netns, ["nft", "-f", "-"], trace.mark_script(pod.ip.ip))
            monitors[member.name] = subprocess.Popen(
                [
                    "nsenter",
                    f"--net={netns.path(member.netns)}",
                    "timeout",
                    str(MONITOR_MAX_S),
                    "nft",
                    "-a",  # each rule's handle: with the filter table, it names kube-router's rules
                    "monitor",
                    "trace",
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        time.sleep(MONITOR_READY_S)
        answer = _request(pod, address, number, protocol)
        time.sleep(SETTLE_S)
    finally:
        outputs = {}
        for name, monitor in monitors.items():
            monitor.terminate()
            outputs[name] = monitor.communicate(timeout=5)[0]
        for member in watched:
            run_in(member.netns, ["nft", "-f", "-"], trace.unmark_script())
    hops = []
    for member in watched:
        events = trace.first_packet(trace.read_events(outputs.get(member.name, "")))
        if not events:
            continue
        listed = run_in(member.netns, ["conntrack", "-L", "-s", str(pod.ip.ip)])
        hops.append(
            Hop(
                member.name,
                tuple(events),
                tuple(trace.read_flows(listed.stdout)),
                mode_of(plan).connections(member.netns, pod.ip.ip),
                _filter_table(member.netns) if plan.lab.network_policies else None,
            )
        )
    return Traced(source, target, address, number, protocol, answer, tuple(hops))


def _filter_table(netns_name: str) -> policytrace.FilterTable:
    """The node's filter table as nft numbers its rules and iptables-save prints them, read right
    after the trace (a change between the two would show as rules that do not line up)."""
    listing = run_in(netns_name, ["nft", "-a", "list", "table", "ip", "filter"])
    return policytrace.read_filter(listing.stdout, iptables_save(netns_name).rules.get("filter", []))


def _request(pod: PodPlan, address: str, port: int, protocol: str) -> str:
    if protocol == "UDP":
        said = subprocess.run(
            udp.command(pod.netns, address, port, "hostname", 1), capture_output=True, text=True, timeout=30
        )
        (heard,) = udp.read(said.stdout, 1)
        return f"answered by {heard.body}" if heard.ok else heard.error
    done = subprocess.run(  # bytes: the probe cuts the body out by its size
        http.command(pod.netns, f"http://{address}:{port}/hostname", 1), capture_output=True, timeout=30
    )
    (got,) = http.read(done.returncode, done.stdout, done.stderr, 1)
    return f"answered by {got.body.strip()}" if got.ok else got.error
