"""Pods with init containers: their runner (netlab.workloads.pod), the kubelet's part for one pod.

`start` opens, as root, each container's log (logs/<pod>_<container>.log, appended to across
restarts, as `kubectl logs` shows a container's) and the pod's status file (logs/<pod>.status,
emptied: a pod made anew starts from nothing), then starts the runner as nobody in the pod with
those descriptors and a manifest of the containers, in order: the init containers (sidecars among
them), then the containers, each with its whole environment and its command (for an echo container:
netlab's echo server, and the sockets it serves). The runner lives in the pod's namespace and
carries the lab's tag, like any container's process: stopping a pod's processes, `down` and `clean`
find it and its children.

`status` reads the status file's last line back: what the runner last said of each container
(the pod's phase Unknown if the runner is gone: killed, it can say nothing more).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from netlab.kernel import procs
from netlab.plan.model import LabPlan, PodPlan
from netlab.render.workloads import ECHO_SERVER, Workload
from netlab.state import LabState


def status_file(state: LabState, pod: str) -> Path:
    return state.logs / f"{pod}.status"


def start(plan: LabPlan, state: LabState, pod: PodPlan, workloads: list[Workload]) -> int:
    """Start the pod's runner for its workloads (render.workloads: init containers first); returns its pid."""
    fds: list[int] = []
    try:
        fds.append(os.open(status_file(state, pod.name), os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644))
        entries: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
        for workload in workloads:
            fds.append(os.open(state.logs / f"{workload.name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644))
            entries[workload.init].append(_entry(plan, pod, workload, fds[-1]))
        manifest = {
            "restartPolicy": pod.restart_policy,
            "status": fds[0],
            "init": entries[True],
            "containers": entries[False],
        }
        return procs.start_pod_runner(plan.name, pod, manifest, fds, state.logs / f"{pod.name}.runner.log")
    finally:
        for fd in fds:
            os.close(fd)


def _entry(plan: LabPlan, pod: PodPlan, workload: Workload, log: int) -> dict[str, Any]:
    """One container as the runner's manifest says it."""
    assert workload.container is not None  # a pod's container
    entry: dict[str, Any] = {
        "name": workload.container.name,
        "sidecar": workload.container.sidecar,
        "log": log,
        "env": procs.container_environ(plan.name, pod, dict(workload.env)),
    }
    if workload.kind == "echo":
        return {**entry, "argv": [sys.executable, "-m", ECHO_SERVER], "echo": procs.echo_entries(workload)}
    return {**entry, "argv": list(workload.args)}


def status(state: LabState, pod: str) -> dict[str, Any] | None:
    """What the pod's runner last said of its containers (None: it said nothing yet, or the pod has no runner)."""
    try:
        lines = status_file(state, pod).read_text().splitlines()
    except OSError:
        return None
    for line in reversed(lines):
        try:
            said = json.loads(line)
        except ValueError:
            continue  # a line being written
        if said["phase"] != "Failed" and not procs.alive(said["runner"]):
            said["phase"] = "Unknown"  # its runner is gone (killed): what it said last may be stale
        return said
    return None
