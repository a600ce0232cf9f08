"""netlab status [LAB] [--json]: what the kernel holds for a lab (or which labs are up).

Steps:
* without LAB: one line per lab that is up
* with LAB: read every namespace back from the kernel (addresses, links, routes) and the lab's
  processes; show it as a table, or as JSON in the shape of the CLI contract
* a lab with NetworkPolicies: each policy in kubectl describe's words and the pods it selects, each
  pod's isolation (netlab.render.netpolstatus, from the lab's policies)
"""

from __future__ import annotations

import json

import click
from rich.table import Table

from netlab.cli.common import out, require_root
from netlab.plan.model import PodPlan
from netlab.readback.lab import HeldLab, HeldService
from netlab.readback.podstatus import container_line, pod_status
from netlab.render.gatewaystatus import gateway_lines, gateway_report
from netlab.render.netpolstatus import isolation, isolation_mark, policy_lines, policy_report
from netlab.running import RunningLab
from netlab.state import LabState, Settings


@click.command("status")
@click.argument("lab", required=False)
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def cmd(lab: str | None, as_json: bool) -> None:
    """Show what the kernel holds for LAB, or which labs are up."""
    if lab is None:
        labs = [{"name": n, "complete": LabState.open(n).settings().complete} for n in LabState.names()]
        if as_json:
            click.echo(json.dumps({"labs": labs}, indent=2))
        else:
            for item in labs:
                out.print(f"{item['name']:<24} {'up' if item['complete'] else 'incomplete (netlab down it)'}")
            if not labs:
                out.print("no lab is up (netlab list shows the labs)")
        return
    require_root("status")
    running = RunningLab.open(lab)
    held, settings = running.read(), running.state.settings()
    if as_json:
        click.echo(json.dumps(report(held, settings), indent=2))
    else:
        show(held, settings)


def report(held: HeldLab, settings: Settings) -> dict:
    """The contract's status document, with every address read from the kernel."""
    plan = held.plan
    return {
        "name": plan.name,
        "title": plan.lab.title,
        "network": plan.network,
        "proxyMode": plan.proxy_mode,
        "complete": settings.complete,
        "nodes": [
            {
                "name": n.name,
                "netns": n.netns,
                "ip": held.ip(n.netns),
                "podCIDR": str(n.pod_cidr),
                **({"publicIP": str(n.public_ip)} if plan.internet_hosts else {}),
                "present": held.views[n.netns] is not None,
                "routes": _routes(held, n.netns),
            }
            for n in plan.nodes
        ],
        "pods": [
            {
                "name": p.name,
                "namespace": p.namespace,
                "node": p.node,
                "netns": p.netns,
                "ip": held.ip(p.netns),
                "labels": p.labels,
                "present": held.views[p.netns] is not None,
                **(_init(held, p) if p.init_containers else {}),
                **({"isolation": isolation(plan, p)} if plan.lab.network_policies else {}),
            }
            for p in plan.pods
        ],
        "services": [_service(s) for s in held.services],
        "hosts": [
            {"name": h.name, "netns": h.netns, "ip": held.ip(h.netns), "present": held.views[h.netns] is not None}
            for h in plan.hosts
        ],
        "processes": held.processes,
        "learnerTasks": [
            {"step": t.step, "task": str(t.task), "built": t not in settings.left} for t in settings.learner
        ],
        **(
            {"gatewayAPI": gateway_report(plan)} if plan.lab.gateway_api.gateways or plan.lab.gateway_api.routes else {}
        ),
        **({"networkPolicies": policy_report(plan)} if plan.lab.network_policies else {}),
    }


def _init(held: HeldLab, pod: PodPlan) -> dict:
    """A pod with init containers: kubectl's STATUS, and each init container's and container's state."""
    said = held.init_status.get(pod.name)
    return {
        "status": pod_status(said, len(pod.init_containers)),
        "initContainerStatuses": said["init"] if said else [],
        "containerStatuses": said["containers"] if said else [],
    }


def _routes(held: HeldLab, netns: str) -> list[str]:
    view = held.views[netns]
    return [str(r) for r in view.routes] if view else []


def _service(held: HeldService) -> dict:
    svc = held.service
    return {
        "name": svc.name,
        "namespace": svc.namespace,
        "type": svc.type,
        "clusterIP": str(svc.cluster_ip) if svc.cluster_ip else "None",
        "ports": [
            {"name": p.name, "port": p.port, "targetPort": p.target, "protocol": p.protocol, "nodePort": p.node_port}
            for p in svc.ports
        ],
        "endpoints": [str(e) for e in held.endpoints],
        "programmed": held.programmed,
        **({"healthCheckNodePort": svc.health_check_node_port} if svc.health_check_node_port else {}),
        **({"externalName": svc.external_name} if svc.external_name else {}),
        # what a cloud controller writes back: kubectl shows it as EXTERNAL-IP
        **(
            {"status": {"loadBalancer": {"ingress": [{"ip": str(svc.load_balancer_ip)}]}}}
            if svc.load_balancer_ip
            else {}
        ),
    }


def show(held: HeldLab, settings: Settings) -> None:
    plan = held.plan
    out.print(
        f"lab [bold]{plan.name}[/] ({plan.lab.title}): network {plan.network}, "
        f"proxy {plan.proxy_mode}, {held.processes} processes" + ("" if settings.complete else ", INCOMPLETE")
    )
    table = Table("kind", "name", "ip", "where", "netns", box=None, pad_edge=False)
    for node in plan.nodes:
        public = f" public {node.public_ip}" if plan.internet_hosts else ""
        table.add_row("node", node.name, held.ip(node.netns) or "missing", f"{node.pod_cidr}{public}", node.netns)
    for pod in plan.pods:
        status = f" {_init(held, pod)['status']}" if pod.init_containers else ""
        mark = f" {mark}" if (mark := isolation_mark(plan, pod)) else ""
        table.add_row("pod", pod.name, held.ip(pod.netns) or "missing", pod.node + status + mark, pod.netns)
    for host in plan.hosts:
        table.add_row("host", host.name, held.ip(host.netns) or "missing", "outside", host.netns)
    for service in held.services:
        svc = service.service
        where = (
            f"{svc.type} {svc.ports_text}"
            + (f" external {svc.load_balancer_ip}" if svc.load_balancer_ip else "")
            + (f" -> {svc.external_name}" if svc.external_name else "")
            + ("" if service.programmed in (True, None) else " NOT PROGRAMMED")
        )
        endpoints = " ".join(map(str, service.endpoints)) or "no endpoints"
        table.add_row("svc", svc.name, str(svc.cluster_ip) if svc.cluster_ip else "None", where, endpoints)
    out.print(table)
    for node in plan.nodes:
        out.print(f"routes in {node.name}: " + "; ".join(_routes(held, node.netns)))
    for pod in plan.pods:
        if pod.init_containers:
            said = _init(held, pod)
            states = [*(f"init {container_line(c)}" for c in said["initContainerStatuses"])]
            states += [container_line(c) for c in said["containerStatuses"]]
            out.print(f"pod {pod.name} {said['status']}: " + ("; ".join(states) or "not started yet"), markup=False)
    for line in gateway_lines(plan):  # the status NGINX Gateway Fabric writes
        out.print(line, markup=False)
    for line in policy_lines(plan):
        out.print(line, markup=False)
    for task in settings.learner:
        out.print(
            f"learner task, step {task.step}: {task.task} "
            + ("(built by netlab step/solve)" if task not in settings.left else "(left to the learner: netlab check)"),
            markup=False,
        )
