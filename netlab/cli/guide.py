"""netlab guide LAB: the lab's workshop steps: what to do, what to look at, what each check proves.

Placeholders in the commands, `{node-1}`, `{pod-a}`, stand for that member's namespace, so
`ip -n {node-1} route` prints as a command that works on this machine; `{svc:web}` stands for
the Service's ClusterIP.
"""

from __future__ import annotations

import click

from netlab.cli.common import out
from netlab.model import find_lab, load_lab
from netlab.model.lab import NETWORK_MODES
from netlab.plan import LabPlan, make_plan


@click.command("guide")
@click.argument("lab")
@click.option("--network", type=click.Choice(NETWORK_MODES), help="Show the steps for this pod network.")
def cmd(lab: str, network: str | None) -> None:
    """Print LAB's guided steps."""
    plan = make_plan(load_lab(find_lab(lab)), network=network)
    out.print(f"[bold]{plan.lab.title}[/]  (article: {plan.lab.seed})\n")
    checks = {c.name: c for c in plan.lab.checks}
    for number, step in enumerate(plan.lab.guide, start=1):
        out.print(f"[bold]{number}. {step.title}[/]" + (f"  [dim]({step.article})[/]" if step.article else ""))
        if step.text:
            out.print(expand(plan, step.text), markup=False)
        for command in step.run:
            out.print(f"  $ sudo {expand(plan, command)}", markup=False)
        for name in step.checks:
            out.print(f"  proves: {name} (from {checks[name].source})", markup=False)
        out.print()
    out.print(f"bring it up: sudo netlab up {plan.name}; prove it: sudo netlab verify {plan.name}")


def expand(plan: LabPlan, command: str) -> str:
    """Replace `{name}` with that member's namespace, `{svc:name}` with the Service's ClusterIP."""
    for name in [m.name for m in (*plan.nodes, *plan.pods, *plan.hosts)] + ["underlay"]:
        command = command.replace("{" + name + "}", plan.netns_of(name) or name)
    for svc in plan.services:
        command = command.replace("{svc:" + svc.name + "}", str(svc.cluster_ip))
    return command
