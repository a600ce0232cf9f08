"""netlab status [LAB] [--json]: what the kernel holds for a lab (or which labs are up).

Steps:
* without LAB: one line per lab that is up
* with LAB: read every namespace back from the kernel (addresses, links, routes) and the lab's
  processes; show it as a table, or as JSON in the shape of the CLI contract
"""

from __future__ import annotations

import json

import click
from rich.table import Table

from netlab.cli.common import out, require_root
from netlab.kernel import dns, netnsread, procs
from netlab.proxy import mode_of
from netlab.running import RunningLab
from netlab.state import LabState


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
    report = collect(RunningLab.open(lab))
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        show(report)


def collect(running: RunningLab) -> dict:
    """The contract's status document, with every address read from the kernel."""
    plan = running.plan
    views = {name: netnsread.read(name) for name in plan.all_netns()}
    pids = procs.lab_pids(plan.name, plan.all_netns())
    left = running.state.settings().left

    def ip(netns: str) -> str | None:
        view = views.get(netns)
        return view.ip() if view else None

    return {
        "name": plan.name,
        "title": plan.lab.title,
        "network": plan.network,
        "proxyMode": plan.proxy_mode,
        "complete": running.state.settings().complete,
        "nodes": [
            {
                "name": n.name,
                "netns": n.netns,
                "ip": ip(n.netns),
                "podCIDR": str(n.pod_cidr),
                **({"publicIP": str(n.public_ip)} if plan.internet_hosts else {}),
                "present": views[n.netns] is not None,
                "routes": [str(r) for r in view.routes] if (view := views[n.netns]) else [],
            }
            for n in plan.nodes
        ],
        "pods": [
            {
                "name": p.name,
                "namespace": p.namespace,
                "node": p.node,
                "netns": p.netns,
                "ip": ip(p.netns),
                "labels": p.labels,
                "present": views[p.netns] is not None,
            }
            for p in plan.pods
        ],
        "services": services(running),
        "hosts": [
            {"name": h.name, "netns": h.netns, "ip": ip(h.netns), "present": views[h.netns] is not None}
            for h in plan.hosts
        ],
        "processes": len(pids),
        "learnerTasks": [
            {"step": t.step, "task": str(t.task), "built": t not in left} for t in running.state.settings().learner
        ],
    }


def services(running: RunningLab) -> list[dict]:
    """The contract's services, the endpoints and ClusterIP as the first node's rules hold them
    (every node holds the same rules for ClusterIP Services); a headless Service's endpoints as
    cluster DNS's zone holds them (no rules anywhere: DNS is all there is of it)."""
    plan = running.plan
    programmed = mode_of(plan).programmed(plan, plan.nodes[0]) if plan.services else {}
    in_dns = dns.held_addresses(plan, running.state)
    report = []
    for svc in plan.services:
        held = [programmed.get(p.port_name) for p in svc.ports]
        answered = in_dns.get(f"{svc.name}.{svc.namespace}", set())
        endpoints = (
            {str(e) for p in svc.ports for e in p.endpoints if str(e.ip) in answered}
            if svc.headless
            else {e for h in held if h for e in h[1]}
        )
        report.append(
            {
                "name": svc.name,
                "namespace": svc.namespace,
                "type": svc.type,
                "clusterIP": str(svc.cluster_ip) if svc.cluster_ip else "None",
                "ports": [
                    {
                        "name": p.name,
                        "port": p.port,
                        "targetPort": p.target,
                        "protocol": p.protocol,
                        "nodePort": p.node_port,
                    }
                    for p in svc.ports
                ],
                "endpoints": sorted(endpoints),
                "programmed": all(h and h[0] for h in held) if svc.cluster_ip else None,
                **({"healthCheckNodePort": svc.health_check_node_port} if svc.health_check_node_port else {}),
                **({"externalName": svc.external_name} if svc.external_name else {}),
                # what a cloud controller writes back: kubectl shows it as EXTERNAL-IP
                **(
                    {"status": {"loadBalancer": {"ingress": [{"ip": str(svc.load_balancer_ip)}]}}}
                    if svc.load_balancer_ip
                    else {}
                ),
            }
        )
    return report


def ports_text(svc: dict) -> str:
    """A status Service's ports as kubectl shows them: `80/TCP`, `80:30080/TCP` with a node port."""
    return ", ".join(
        f"{p['port']}" + (f":{p['nodePort']}" if p["nodePort"] else "") + f"/{p['protocol']}" for p in svc["ports"]
    )


def external_ip(svc: dict) -> str:
    """A status Service's LoadBalancer IP, as the cloud wrote it back ("" if none)."""
    return next((i["ip"] for i in svc.get("status", {}).get("loadBalancer", {}).get("ingress", [])), "")


def show(report: dict) -> None:
    out.print(
        f"lab [bold]{report['name']}[/] ({report['title']}): network {report['network']}, "
        f"proxy {report['proxyMode']}, {report['processes']} processes" + ("" if report["complete"] else ", INCOMPLETE")
    )
    table = Table("kind", "name", "ip", "where", "netns", box=None, pad_edge=False)
    for node in report["nodes"]:
        public = f" public {node['publicIP']}" if "publicIP" in node else ""
        table.add_row("node", node["name"], node["ip"] or "missing", node["podCIDR"] + public, node["netns"])
    for pod in report["pods"]:
        table.add_row("pod", pod["name"], pod["ip"] or "missing", pod["node"], pod["netns"])
    for host in report["hosts"]:
        table.add_row("host", host["name"], host["ip"] or "missing", "outside", host["netns"])
    for svc in report["services"]:
        external = external_ip(svc)
        state = "" if svc["programmed"] in (True, None) else " NOT PROGRAMMED"
        where = (
            f"{svc['type']} {ports_text(svc)}"
            + (f" external {external}" if external else "")
            + (f" -> {svc['externalName']}" if "externalName" in svc else "")
            + state
        )
        table.add_row("svc", svc["name"], svc["clusterIP"], where, " ".join(svc["endpoints"]) or "no endpoints")
    out.print(table)
    for node in report["nodes"]:
        out.print(f"routes in {node['name']}: " + "; ".join(node["routes"]))
    for task in report["learnerTasks"]:
        out.print(
            f"learner task, step {task['step']}: {task['task']} "
            + ("(built by netlab step/solve)" if task["built"] else "(left to the learner: netlab check)"),
            markup=False,
        )
