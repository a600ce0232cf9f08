"""netlab diagram LAB [--format ascii|mermaid|dot|svg]: the running lab drawn from the kernel.

Steps:
* read every namespace of the lab back from the kernel (links, addresses, routes) and the
  Services' endpoints from the nodes' rules (as `status` does)
* shape them as the article's figures (netlab.render.diagram): nodes on the underlay, each pod's
  veth on its node's cni0, Services pointing at their endpoints
* print ascii (the default), Mermaid or Graphviz dot; svg is dot rendered by Graphviz
"""

from __future__ import annotations

import subprocess

import click

from netlab.cli.common import require_root
from netlab.cli.status import external_ip, ports_text, services
from netlab.errors import KernelError
from netlab.kernel import netnsread
from netlab.kernel.tools import require_tools
from netlab.render import diagram
from netlab.running import RunningLab


@click.command("diagram")
@click.argument("lab")
@click.option("--format", "form", type=click.Choice(diagram.FORMATS), default="ascii", show_default=True)
def cmd(lab: str, form: str) -> None:
    """Draw LAB as the kernel holds it."""
    require_root("diagram")
    if form == "svg":
        require_tools("dot")
    picture = read_picture(RunningLab.open(lab))
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


def read_picture(running: RunningLab) -> diagram.Picture:
    plan = running.plan
    views = {name: netnsread.read(name) for name in plan.all_netns()}

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
        diagram.DrawnPod(p.name, p.node, iface(p.netns, "eth0"), iface(node_netns[p.node], p.host_veth))
        for p in plan.pods
    )
    hosts = tuple(diagram.DrawnHost(h.name, iface(h.netns, "eth0")) for h in plan.hosts)
    drawn = tuple(
        diagram.DrawnService(
            s["name"],
            s["namespace"],
            s["clusterIP"],
            ports_text(s),
            tuple((e, plan.name_of(e.split(":")[0]) or "?") for e in s["endpoints"]),
            s["type"],
            s.get("externalName") or external_ip(s),
        )
        for s in services(running)
    )
    return diagram.Picture(plan.name, plan.network, plan.proxy_mode, nodes, pods, hosts, drawn)
