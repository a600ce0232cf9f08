"""What several verbs share: root and tool checks, opening a running lab, output."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console

from netlab.errors import BadInput, EnvironmentProblem
from netlab.model import load_lab
from netlab.plan import LabPlan, make_plan
from netlab.plan.ingress import lab_has_controllers
from netlab.plan.model import PodPlan
from netlab.state import LabState

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


def require_tools(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        raise EnvironmentProblem(f"{', '.join(missing)} not found (scripts/provision.sh installs it)")


@dataclass
class RunningLab:
    """A lab that is up: its recorded lab file, re-planned exactly as it was brought up."""

    state: LabState
    plan: LabPlan


def open_running(name: str) -> RunningLab:
    """The running lab of that name (its recorded copy of the lab file, not the file on disk).

    Raises:
        LabStateError: it is not up.
    """
    state = LabState.open(name)
    return RunningLab(state, replan(state, state.lab_file.read_text()))


def netns_named(plan: LabPlan, name: str) -> str:
    """The namespace of a pod, node, outside host or `underlay` of a running lab (exec, capture).

    Raises:
        BadInput: the lab has no such member (the message lists those it has).
    """
    netns = plan.netns_of(name)
    if netns is None:
        known = [*(m.name for m in plan.members), "underlay"]
        raise BadInput(f"lab {plan.name} has no pod, node or host named {name!r} (it has {', '.join(known)})")
    return netns


def replan(state: LabState, text: str, changed: bool | None = None) -> LabPlan:
    """Plan lab-file text as the running lab is planned: its modes, its pods' nodes and addresses
    (`changed`: the text is an edit of the lab, see `load_lab`; by default, as recorded).

    Raises:
        LabValidationError, PlanError: the text is not a valid lab.
    """
    settings = state.settings()
    if changed is None:
        changed = settings.get("changed", False)
    lab = load_lab(Path(settings.get("source", state.lab_file)), text, changed=changed)
    keep = {pod: (node, ip) for pod, (node, ip) in settings.get("pods", {}).items()}
    return make_plan(lab, network=settings.get("network"), proxy_mode=settings.get("proxyMode"), keep=keep)


def remember(state: LabState, plan: LabPlan) -> None:
    """Record where each pod runs and its address, so later changes keep them (IPAM's memory)."""
    state.write_settings({**state.settings(), "pods": {p.name: [p.node, str(p.ip.ip)] for p in plan.pods}})


def change(name: str, edit: Callable[[str], str]) -> tuple[LabPlan, Change]:
    """Apply an edit of the running lab's manifests: validate and plan it, then reconcile the
    kernel and record the new lab file. A change that does not validate changes nothing; one that
    fails on the way rolls back (`reconcile`), leaving the lab and its recorded files as they were.

    Raises:
        LabStateError: the lab is not up. BadInput: the edit is invalid.
    """
    # Imported here: reconcile brings all of pyroute2 (0.15 s, seconds under CI's emulation), which
    # only the verbs that change a lab need, not every verb that imports this module.
    from netlab.kernel import ingress
    from netlab.kernel.reconcile import reconcile

    running = open_running(name)
    left = running.state.tasks("left")
    if left:
        raise BadInput(
            f"lab {name} leaves step {left[0].step} to you: change it once every step is built "
            f"(netlab step {name}, netlab solve {name} STEP)"
        )
    text = edit(running.state.lab_file.read_text())
    new = replan(running.state, text, changed=True)
    if new.lab.cluster != running.plan.lab.cluster:
        raise BadInput("a change may not alter the cluster section (netlab down, then up the new lab)")
    if lab_has_controllers(new):
        ingress.nginx_binary()  # before anything changes: exit 3 if it is missing
    running.state.lock()
    with progress.status(f"{name}: changing the running lab"):
        result = reconcile(running.plan, new, running.state)
    running.state.lab_file.write_text(text)
    running.state.write_settings({**running.state.settings(), "changed": True})
    remember(running.state, new)
    return new, result


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
    out.print(f"lab {plan.name}: " + "; ".join(parts))
    for svc in plan.services:
        for port in svc.ports:
            endpoints = ", ".join(f"{e} ({e.pod})" for e in port.endpoints) or "none"
            out.print(f"  {port.port_name} {svc.cluster_ip}:{port.port}/{port.protocol} -> {endpoints}")
    note_ignored_args(p for p in plan.pods if p.name in result.added)
