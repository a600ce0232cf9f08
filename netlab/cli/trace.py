"""netlab trace LAB FROM TO [--port P]: one real request, and the path the kernel made it take.

Steps:
* find the client pod FROM and what TO stands for (a Service's ClusterIP and port, a pod, an
  outside host, an address)
* trace one request through every node's netfilter rules (netlab.kernel.packettrace)
* print, node by node, each rule the connection's first packet met, in order, with its verdict
  (the article's numbered steps: KUBE-SERVICES, KUBE-SVC, KUBE-SEP, the DNAT), and the conntrack
  entry with the NAT it holds (in IPVS mode also IPVS's own connection table's entry)
* in a lab with NetworkPolicies, each rule of the filter table with its comment, a line per pod
  firewall chain the packet went through (the policy and rule that allowed it, or the REJECT and
  the policies isolating the pod: netlab.probe.policytrace), and what netlab's evaluator expects
"""

from __future__ import annotations

import click

from netlab.cli.common import out, progress, require_root
from netlab.kernel.packettrace import Traced, run_trace
from netlab.kernel.tools import require_tools
from netlab.plan.model import LabPlan
from netlab.probe import policytrace
from netlab.render.gateway import trace_notes
from netlab.running import RunningLab


@click.command("trace")
@click.argument("lab")
@click.argument("source", metavar="FROM")
@click.argument("target", metavar="TO")
@click.option("--port", type=click.IntRange(1, 65535), help="The port to reach (default: the Service's first).")
def cmd(lab: str, source: str, target: str, port: int | None) -> None:
    """Send one request FROM a pod TO a Service, pod or host of LAB and show the rules it met."""
    require_root("trace")
    require_tools("nft", "conntrack", "curl", "nsenter", "ipvsadm")
    plan = RunningLab.open(lab).plan
    with progress.status(f"trace {lab}: one request from {source} to {target}, watched in every node"):
        traced = run_trace(plan, source, target, port)
    show(traced, plan)
    for note in trace_notes(plan, source, target):
        out.print(f"\nnote: {note}", markup=False)


def show(traced: Traced, plan: LabPlan) -> None:
    out.print(
        f"[bold]{traced.source} -> {traced.target}[/] ({traced.address}:{traced.port}/{traced.protocol}): "
        f"{traced.answer}"
    )
    for hop in traced.hops:
        out.print(f"\n[bold]{hop.name}[/]: the connection's first packet, rule by rule")
        for event in hop.events:
            said = hop.filter.comment(event) if hop.filter else ""
            out.print(f"  {event.table} {event.chain}: {event.summary()}{f'  # {said}' if said else ''}", markup=False)
        for line in policytrace.judgements(plan, list(hop.events), hop.filter) if hop.filter else ():
            out.print(f"  NetworkPolicy: {line}", markup=False)
        for flow in hop.flows:
            nat = "; ".join(flow.rewrites()) or "no NAT"
            out.print(f"  conntrack: {flow.text()}: {nat}", markup=False)
        for entry in hop.ipvs:
            out.print(f"  IPVS connection (pro expire state source virtual destination): {entry}", markup=False)
    if not traced.hops:
        out.print("no node saw the request (a route missing in the pod?)")
    walked = [event for hop in traced.hops for event in hop.events]
    if plan.lab.network_policies and (expects := policytrace.expected(plan, traced.source, walked, traced.protocol)):
        out.print(f"\nnetlab's evaluator expects: {expects}", markup=False)
