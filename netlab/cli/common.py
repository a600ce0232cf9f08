"""What several verbs share: root and tool checks, a change shown as it runs, output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from netlab.errors import EnvironmentProblem
from netlab.plan import LabPlan
from netlab.plan.endpointslices import endpoints_notes
from netlab.plan.model import PodPlan
from netlab.running import RunningLab

if TYPE_CHECKING:
    from netlab.kernel.reconcile import Change

# A terminal gets rich's own width; a pipe or a CI log gets lines long enough for a table row.
# rich turns colours off where the output is not a terminal, and wherever NO_COLOR is set.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 200)
# Progress of what may take more than a second (up, changes, verify, check, trace), on stderr: shown on a terminal
# only, so that stdout stays the report (or the JSON).
progress = Console(stderr=True, highlight=False)


def report_options(command: Callable) -> Callable:
    """`--json` and `--junit FILE`: how verify and check report to scripts and CI."""
    command = click.option(
        "--junit",
        "junit",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Also write the verdicts as a JUnit XML report to this file (for CI).",
    )(command)
    return click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")(command)


def require_root(verb: str) -> None:
    if os.geteuid() != 0:
        raise EnvironmentProblem(f"netlab {verb} needs root: it makes network namespaces (sudo netlab {verb} ...)")


def change(name: str, edit: Callable[[str], str]) -> tuple[LabPlan, Change]:
    """Change the running lab by an edit of its manifests (`RunningLab.change`), showing progress."""
    running = RunningLab.open(name)
    with progress.status(f"{name}: changing the running lab"):
        return running.change(edit)


def note_ignored_args(pods: Iterable[PodPlan]) -> None:
    """One note for the `args` the echo server ignores, standing in for images' entrypoints (each
    container's once, however many replicas run it)."""
    ignored = dict.fromkeys(
        f"{c.name}: {' '.join(c.ignored_args)}" for p in pods for c in p.containers if c.ignored_args
    )
    if ignored:
        out.print(f"  note: args the echo server (the image's entrypoint) ignores: {'; '.join(ignored)}")


def print_change(plan: LabPlan, result: Change) -> None:
    parts = [
        f"{len(result.added)} pod(s) added" + (f" ({', '.join(result.added)})" if result.added else ""),
        f"{len(result.removed)} removed" + (f" ({', '.join(result.removed)})" if result.removed else ""),
    ]
    if result.synced:
        parts.append(f"kube-proxy ({plan.proxy_mode}) resynced on {len(result.synced)} node(s)")
    if result.flushed:
        parts.append(f"{result.flushed} stale UDP conntrack entries flushed")
    if result.reloaded:
        parts.append(f"nginx reloaded in {', '.join(result.reloaded)}")
    owners = {s.load_balancer_ip: f"{s.namespace}/{s.name}" for s in plan.services if s.load_balancer_ip}
    if result.handed_out:
        parts.append("LoadBalancer IP " + ", ".join(f"{ip} handed out to {owners[ip]}" for ip in result.handed_out))
    if result.taken_back:
        parts.append(f"LoadBalancer IP {', '.join(map(str, result.taken_back))} taken back")
    if result.policies:
        parts.append(
            f"NetworkPolicy {', '.join(result.policies)}: kube-router resynced on {result.policy_nodes} node(s)"
        )
    out.print(f"lab {plan.name}: " + "; ".join(parts))
    for svc in plan.services:
        for port in svc.ports:
            endpoints = ", ".join(f"{e} ({e.pod or plan.name_of(str(e.ip)) or 'no pod'})" for e in port.endpoints)
            endpoints = endpoints or "none"
            out.print(f"  {port.port_name} {svc.cluster_ip}:{port.port}/{port.protocol} -> {endpoints}")
    note_ignored_args(p for p in plan.pods if p.name in result.added)
    note_endpoints(plan)


def note_endpoints(plan: LabPlan) -> None:
    """What the lab's EndpointSlices and Endpoints do not do (kube-proxy ignores them, or they are not mirrored)."""
    for note in endpoints_notes(plan):
        out.print(f"  note: {note}", markup=False)
