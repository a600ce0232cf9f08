"""netlab diagram LAB [--format ascii|mermaid|dot|svg]: the running lab drawn from the kernel.

Steps:
* read the lab back from the kernel (`RunningLab.read`: every namespace's links, addresses and
  routes, the Services' endpoints from the nodes' rules), the same object `status` reports
* shape them as the article's figures (netlab.render.diagram): nodes on the underlay, each pod's
  veth on its node's cni0, Services pointing at their endpoints, a mark on each pod NetworkPolicies
  isolate and a legend of the policies
* print ascii (the default), Mermaid or Graphviz dot; svg is dot rendered by Graphviz
"""

from __future__ import annotations

import subprocess

import click

from netlab.cli.common import require_root
from netlab.errors import KernelError
from netlab.kernel.tools import require_tools
from netlab.readback.lab import HeldLab
from netlab.render import diagram
from netlab.render.gateway import route_rows
from netlab.render.netpolstatus import isolation_mark, legend_lines
from netlab.running import RunningLab


@click.command("diagram")
@click.argument("lab")
@click.option("--format", "form", type=click.Choice(diagram.FORMATS), default="ascii", show_default=True)
def cmd(lab: str, form: str) -> None:
    """Draw LAB as the kernel holds it."""
    require_root("diagram")
    if form == "svg":
        require_tools("dot")
    picture = read_picture(RunningLab.open(lab).read())
    if form == "ascii":
        click.echo(diagram.ascii_art(picture), nl=False)
    elif form == "mermaid":
        click.echo(diagram.mermaid(picture), nl=False)
    else:
        text = diagram.dot(picture)
        click.echo(text if form == "dot" else _svg(text), nl=False)


def _svg(text: str) -> str:
    done = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    if done.returncode:
        raise KernelError(f"Graphviz could not draw the lab: {done.stderr.strip()}")
    return done.stdout


def read_picture(held: HeldLab) -> diagram.Picture:
    """The lab as the kernel holds it, shaped as the picture's parts."""
    plan, views = held.plan, held.views

    def iface(netns: str, name: str) -> diagram.Iface | None:
        view = views.get(netns)
        link = view.links.get(name) if view else None
        return diagram.Iface(name, tuple(link.addresses), link.state == "up") if link else None

    node_netns = {n.name: n.netns for n in plan.nodes}
    nodes = tuple(
        diagram.DrawnNode(
            n.name,
            iface(n.netns, "eth0"),
            tuple(i for bridge in ("cni0", "flannel.1") if (i := iface(n.netns, bridge))),
            tuple(map(str, view.routes)) if (view := views[n.netns]) else (),
        )
        for n in plan.nodes
    )
    pods = tuple(
        diagram.DrawnPod(
            p.name, p.node, iface(p.netns, "eth0"), iface(node_netns[p.node], p.host_veth), isolation_mark(plan, p)
        )
        for p in plan.pods
    )
    hosts = tuple(diagram.DrawnHost(h.name, iface(h.netns, "eth0")) for h in plan.hosts)
    drawn = tuple(
        diagram.DrawnService(
            s.service.name,
            s.service.namespace,
            str(s.service.cluster_ip) if s.service.cluster_ip else "None",
            s.service.ports_text,
            tuple((str(e), plan.name_of(str(e.ip)) or "?") for e in s.endpoints),
            s.service.type,
            s.service.external_name or (str(s.service.load_balancer_ip) if s.service.load_balancer_ip else ""),
        )
        for s in held.services
    )
    routes = tuple(
        diagram.DrawnRoute(r.pod, f":{r.port} {r.host} {r.path} {r.conditions}".rstrip(), r.targets, r.answer)
        for r in route_rows(plan)
    )
    return diagram.Picture(
        plan.name, plan.network, plan.proxy_mode, nodes, pods, hosts, drawn, routes, tuple(legend_lines(plan))
    )
