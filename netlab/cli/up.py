"""netlab up LAB|FILE: build a lab and start its workloads.

Steps:
* load and validate the lab file, lay out the plan (bad input stops here, nothing is made)
* claim the lab's state directory and lock (a lab that is up stays as it is)
* build namespaces, links, addresses, routes; start the echo server and containers; with
  `--until-step N` or `--leave STEP`, all but the tasks of the later steps or of that step
  (plan/tasks.py), which are recorded for `step`, `solve` and `check`
* print the nodes and pods with their addresses, and what to try next
"""

from __future__ import annotations

import time

import click

from netlab.cli.common import note_endpoints, note_ignored_args, out, progress, require_root
from netlab.model import find_lab, load_lab
from netlab.model.lab import NETWORK_MODES, PROXY_MODES
from netlab.plan import LabPlan, make_plan
from netlab.plan.ingress import lab_has_controllers
from netlab.plan.tasks import StepTask, left_tasks
from netlab.proxy.sync import SyncResult
from netlab.running import RunningLab


@click.command("up")
@click.argument("lab")
@click.option("--network", type=click.Choice(NETWORK_MODES), help="Pod network between nodes (default: the lab's).")
@click.option("--proxy-mode", type=click.Choice(PROXY_MODES), help="kube-proxy mode (default: the lab's).")
@click.option(
    "--until-step",
    type=int,
    metavar="N",
    help="Build only what guide steps 1..N build (`netlab step` builds the next).",
)
@click.option(
    "--leave",
    type=int,
    metavar="STEP",
    help="Learner mode: build all but guide step STEP's tasks; `netlab check` judges yours.",
)
def cmd(lab: str, network: str | None, proxy_mode: str | None, until_step: int | None, leave: int | None) -> None:
    """Build LAB (a bundled lab's name or a lab file) and start its workloads."""
    path = find_lab(lab)
    text = path.read_text()
    model = load_lab(path, text)
    plan = make_plan(model, network=network, proxy_mode=proxy_mode)
    left = left_tasks(model, until_step=until_step, leave=leave)
    require_root("up")
    started = time.perf_counter()
    with progress.status(f"up {model.name}: building {len(plan.all_netns())} namespaces, rules and workloads"):
        _, synced = RunningLab.up(path, text, plan, left)
    summarize(plan, synced, time.perf_counter() - started)
    if left:
        say_left(plan, left)
    out.print(f"next: sudo netlab verify {plan.name}   (the guide: netlab guide {plan.name})")


def say_left(plan: LabPlan, left: list[StepTask]) -> None:
    """What the learner has to build, and the three ways on: by hand, step by step, or solved."""
    for step in sorted({t.step for t in left}):
        tasks = ", ".join(str(t.task) for t in left if t.step == step)
        out.print(f"  left for you, step {step} ({plan.lab.guide[step - 1].title}): {tasks}", markup=False)
    out.print(
        f"  build it by hand (netlab guide {plan.name}), then netlab check {plan.name}; "
        f"netlab step {plan.name} builds the next step, netlab solve {plan.name} STEP one step",
        markup=False,
    )


def summarize(plan: LabPlan, synced: list[SyncResult], seconds: float) -> None:
    out.print(f"lab [bold]{plan.name}[/] is up in {seconds:.2f} s  ({plan.lab.title}; network {plan.network})")
    for node in plan.nodes:
        out.print(f"  node {node.name:<14} {node.ip.ip!s:<15} pods {node.pod_cidr}  netns {node.netns}")
    for pod in plan.pods:
        out.print(f"  pod  {pod.name:<14} {pod.ip.ip!s:<15} on {pod.node}")
    for svc in plan.services:
        ports = ", ".join(
            f"{p.port}/{p.protocol}"
            + (f" (node port {p.node_port})" if p.node_port else "")
            + f" -> {len(p.endpoints)} endpoint(s)"
            for p in svc.ports
        )
        address = svc.cluster_ip or ("None (ExternalName)" if svc.external_name else "None (headless)")
        out.print(
            f"  svc  {svc.name:<14} {address!s:<15} {ports}" + (f"-> {svc.external_name}" if svc.external_name else "")
        )
    if synced:
        slowest = max(r.seconds for r in synced)
        rules = (
            f"{synced[0].rules} rules on each node"
            if len({r.rules for r in synced}) == 1
            else "/".join(str(r.rules) for r in synced) + " rules on " + "/".join(r.node for r in synced)
        )
        out.print(f"  kube-proxy ({plan.proxy_mode}): {rules}, synced in {slowest * 1000:.0f} ms at most")
    ignored = sorted({f.rsplit(".", 1)[-1] for f in plan.lab.ignored_fields} - {"image"})
    if ignored:
        out.print(f"  note: accepted but not simulated: {', '.join(ignored)}")
    note_ignored_args(plan.pods)
    note_endpoints(plan)
    if plan.lab.ingresses and not lab_has_controllers(plan):
        out.print(
            "  note: no ingress controller (a container running /nginx-ingress-controller) serves the lab's Ingresses"
        )
