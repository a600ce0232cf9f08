"""netlab up LAB|FILE: build a lab and start its workloads.

Steps:
* load and validate the lab file, lay out the plan (bad input stops here, nothing is made)
* claim the lab's state directory and lock (a lab that is up stays as it is)
* build namespaces, links, addresses, routes; start the echo server and containers
* print the nodes and pods with their addresses, and what to try next
"""

from __future__ import annotations

import time

import click

from netlab.cli.common import out, remember, require_root, require_tools
from netlab.kernel.build import build
from netlab.kernel.ingress import lab_has_controllers, nginx_binary
from netlab.kernel.proxy import SyncResult, check_kernel
from netlab.model import find_lab, load_lab
from netlab.model.lab import NETWORK_MODES, PROXY_MODES
from netlab.plan import LabPlan, make_plan
from netlab.state import LabState


@click.command("up")
@click.argument("lab")
@click.option("--network", type=click.Choice(NETWORK_MODES), help="Pod network between nodes (default: the lab's).")
@click.option("--proxy-mode", type=click.Choice(PROXY_MODES), help="kube-proxy mode (default: the lab's).")
def cmd(lab: str, network: str | None, proxy_mode: str | None) -> None:
    """Build LAB (a bundled lab's name or a lab file) and start its workloads."""
    path = find_lab(lab)
    text = path.read_text()
    model = load_lab(path, text)
    plan = make_plan(model, network=network, proxy_mode=proxy_mode)
    require_root("up")
    if plan.services:
        check_kernel(plan.proxy_mode)
        require_tools("nsenter", "iptables-restore" if plan.proxy_mode != "nftables" else "nft")
    if lab_has_controllers(plan):
        nginx_binary()  # the ingress controller pods run it
    started = time.perf_counter()
    state = LabState.create(model.name, text, {"source": str(path), "network": plan.network,
                                               "proxyMode": plan.proxy_mode})
    synced = build(plan, state)
    remember(state, plan)
    state.mark_complete()
    summarize(plan, synced, time.perf_counter() - started)


def summarize(plan: LabPlan, synced: list[SyncResult], seconds: float) -> None:
    out.print(f"lab [bold]{plan.name}[/] is up in {seconds:.2f} s  ({plan.lab.title}; network {plan.network})")
    for node in plan.nodes:
        out.print(f"  node {node.name:<14} {str(node.ip.ip):<15} pods {node.pod_cidr}  netns {node.netns}")
    for pod in plan.pods:
        out.print(f"  pod  {pod.name:<14} {str(pod.ip.ip):<15} on {pod.node}")
    for svc in plan.services:
        ports = ", ".join(f"{p.port}/{p.protocol}" + (f" (node port {p.node_port})" if p.node_port else "")
                          + f" -> {len(p.endpoints)} endpoint(s)" for p in svc.ports)
        address = svc.cluster_ip or ("None (ExternalName)" if svc.external_name else "None (headless)")
        out.print(f"  svc  {svc.name:<14} {str(address):<15} {ports}" + (f"-> {svc.external_name}"
                                                                          if svc.external_name else ""))
    if synced:
        slowest = max(r.seconds for r in synced)
        counts = sorted({r.rules for r in synced})
        rules = f"{counts[0]} rules on each node" if len(counts) == 1 else "/".join(
            str(r.rules) for r in synced) + " rules on " + "/".join(r.node for r in synced)
        out.print(f"  kube-proxy ({plan.proxy_mode}): {rules}, synced in {slowest * 1000:.0f} ms at most")
    ignored = sorted({f.rsplit(".", 1)[-1] for f in plan.lab.ignored_fields} - {"image"})
    if ignored:
        out.print(f"  note: accepted but not simulated: {', '.join(ignored)}")
    if plan.lab.ingresses and not lab_has_controllers(plan):
        out.print("  note: no ingress controller (a container running /nginx-ingress-controller) serves the "
                  "lab's Ingresses")
    out.print(f"next: sudo netlab verify {plan.name}   (the guide: netlab guide {plan.name})")
