"""A pod's STATUS as kubectl prints it, from what its runner last said of its containers (pure).

The runner (netlab.workloads.pod) writes each container's state as the kubelet's container
status says it: `waiting` (reason PodInitializing, CrashLoopBackOff), `running`, `terminated`
(reason Completed, Error or StartError, the exit code). kubectl's column (its printer's PodStatus,
pkg/printers/internalversion/printers.go) comes from the init containers first: the first one
that is neither done (exited 0) nor a sidecar that runs says `Init:<reason>` (terminated,
waiting with a reason) or `Init:<i>/<n>`; once all are, the containers, last to first, say their
waiting or terminated reason; a Completed one beside a running one reads Running.
"""

from __future__ import annotations

from typing import Any

Snapshot = dict[str, Any]  # one line of the runner's status file


def pod_status(snapshot: Snapshot | None, init_containers: int) -> str:
    """kubectl's STATUS for a pod with init containers; None: its runner said nothing yet."""
    if snapshot is None:
        return f"Init:0/{init_containers}"
    if snapshot["phase"] == "Unknown":
        return "Unknown"  # no one knows the containers' state any more, as kubectl says of a lost node's pods
    for i, c in enumerate(snapshot["init"]):
        if (c["state"] == "terminated" and c.get("exitCode") == 0) or (c.get("sidecar") and c["state"] == "running"):
            continue
        if c["state"] == "terminated":
            return f"Init:{c['reason']}" if c.get("reason") else f"Init:ExitCode:{c.get('exitCode')}"
        if c["state"] == "waiting" and c.get("reason") and c["reason"] != "PodInitializing":
            return f"Init:{c['reason']}"
        return f"Init:{i}/{len(snapshot['init'])}"
    reason, running = str(snapshot["phase"]), False
    for c in reversed(snapshot["containers"]):
        if c["state"] in ("waiting", "terminated") and c.get("reason"):
            reason = c["reason"]
        running = running or c["state"] == "running"
    return "Running" if reason == "Completed" and running else reason


def container_line(c: dict[str, Any]) -> str:
    """One container's state in a few words: `init-mydb running`, `init-myservice terminated Completed (exit 0)`."""
    words = [c["name"], c["state"], *([c["reason"]] if c.get("reason") else [])]
    if c["state"] == "terminated" and c.get("exitCode") is not None:
        words.append(f"(exit {c['exitCode']})")
    if c.get("restarts"):
        words.append(f"restarts {c['restarts']}")
    return " ".join(words)
