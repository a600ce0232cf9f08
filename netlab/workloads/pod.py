"""A pod with init containers, run as the kubelet runs it: the init containers one after another,
each to completion, then the containers; sidecars (init containers with restartPolicy Always)
start in their turn and keep running beside them.

Started as `python -m netlab.workloads.pod`, already as nobody in the pod (its network, UTS and
mount namespaces, which every child inherits), by netlab.kernel.podrunner. stdin carries a JSON
manifest; the log files and the status file are inherited descriptors (nobody cannot open the
lab's state directory itself):
    {"restartPolicy": "Always" | "OnFailure" | "Never", "status": FD,
     "init": [CONTAINER...], "containers": [CONTAINER...]}
    CONTAINER: {"name": NAME, "sidecar": bool, "log": FD, "env": {...}, "argv": [...],
                "echo": [{"port", "protocol", ...}]}  argv is netlab's echo server: bind these first

The kubelet's rules it keeps (pkg/kubelet/kuberuntime; docs/init-containers.md):
- an init container that exits non-zero runs again (restartPolicy Always or OnFailure): the
  first time at the kubelet's next look (its PLEG relists every second; meanwhile kubectl shows
  Init:Error), then after a back-off of 10 s, doubled each time up to 300 s (CrashLoopBackOff);
  with Never the pod fails. The containers never start while an init container has not succeeded;
- a sidecar counts as started once its process runs (netlab's echo server: once it serves; probes
  are not simulated, so a startupProbe is not waited for); one that exits is started again;
- the containers start once every init container is done; one that exits is started again as
  restartPolicy says (Always: always; OnFailure: after a failure), with the same back-off.
Every change of state is appended to the status file as one JSON line (what `netlab status`
reads: kubectl's STATUS column is made from it, readback/podstatus.py). SIGTERM stops every child
(its whole process group) and then the runner.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

from netlab.workloads.echo_sockets import bound
from netlab.workloads.ingress import PR_SET_PDEATHSIG

BACKOFF_FIRST, BACKOFF_MAX = 10.0, 300.0  # the kubelet's container restart back-off, in seconds
RELIST = 1.0  # the kubelet's PLEG relist period: how soon it sees an exit and acts on it the first time
START_TIMEOUT = 30.0  # netlab's echo server says ready within it (as kernel.procs waits for it)
STOP_GRACE = 1.0
HELD = (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT)


@dataclass
class Container:
    """One container of the pod and its state, as the kubelet's container status says it."""

    spec: dict[str, Any]
    init: bool
    state: str = "waiting"  # waiting | running | terminated
    reason: str = ""  # waiting: PodInitializing, CrashLoopBackOff; terminated: Completed, Error, StartError
    exit_code: int | None = None  # how it ended last
    restarts: int = 0
    started: bool = False  # it ran once: a sidecar that did lets the next init container start
    proc: subprocess.Popen | None = None
    again_at: float | None = None  # when its back-off ends and it starts again
    backoff: float = 0.0

    @property
    def name(self) -> str:
        return str(self.spec["name"])

    @property
    def sidecar(self) -> bool:
        return bool(self.spec.get("sidecar"))

    @property
    def done(self) -> bool:
        """An init container that exited 0 (a sidecar is never done: it keeps running)."""
        return not self.sidecar and self.state == "terminated" and self.exit_code == 0

    def status(self) -> dict[str, Any]:
        found: dict[str, Any] = {"name": self.name, "state": self.state, "restarts": self.restarts}
        if self.init:
            found["sidecar"] = self.sidecar
        if self.reason:
            found["reason"] = self.reason
        if self.exit_code is not None:
            found["exitCode"] = self.exit_code
        return found


def _child_setup() -> None:
    """In a child before exec: it dies with the runner, and takes no blocked signal along."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


class Pod:
    """The pod's containers, and what the kubelet does with them."""

    def __init__(self, manifest: dict[str, Any]) -> None:
        self.policy = manifest.get("restartPolicy", "Always")
        self.status_fd = int(manifest["status"])
        self.init = [Container(c, init=True) for c in manifest["init"]]
        self.containers = [Container(c, init=False, reason="PodInitializing") for c in manifest["containers"]]
        self.phase = "Pending"

    def every(self) -> list[Container]:
        return [*self.init, *self.containers]

    def snapshot(self) -> dict[str, Any]:
        return {
            "runner": os.getpid(),
            "phase": self.phase,
            "init": [c.status() for c in self.init],
            "containers": [c.status() for c in self.containers],
        }

    def start(self, c: Container) -> None:
        """Start the container's process (an echo server: once it serves); one that cannot start
        ends at once with StartError, as the kubelet reports it."""
        c.again_at = None
        log = int(c.spec["log"])
        try:
            c.proc = self._echo(c, log) if "echo" in c.spec else _spawn(list(c.spec["argv"]), c.spec["env"], log)
        except (OSError, subprocess.SubprocessError, RuntimeError) as exc:
            os.write(log, f"netlab: container {c.name} cannot start: {exc}\n".encode())
            self.exited(c, 128)
            c.reason = "StartError" if c.state == "terminated" else c.reason
            return
        c.state, c.reason, c.started = "running", "", True

    def _echo(self, c: Container, log: int) -> subprocess.Popen:
        """netlab's echo server on the container's ports, bound here in the pod; returns once it serves."""
        entries = c.spec["echo"]
        sockets = [bound(int(e["port"]), str(e["protocol"])) for e in entries]
        try:
            fds = [sock.fileno() for sock in sockets]
            env = {**c.spec["env"], "PYTHONPATH": os.environ.get("PYTHONPATH", "")}  # it imports netlab as this does
            proc = _spawn(list(c.spec["argv"]), env, log, pipes=True, pass_fds=fds)
        finally:
            for sock in sockets:
                sock.close()  # the server holds them now
        assert proc.stdin is not None and proc.stdout is not None
        manifest = {"user": None, "sockets": [{**e, "fd": fd} for e, fd in zip(entries, fds, strict=True)]}
        proc.stdin.write(json.dumps(manifest).encode())
        proc.stdin.close()
        ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
        said = proc.stdout.readline().decode().strip() if ready else ""
        proc.stdout.close()
        if said != "ready":
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()
            raise RuntimeError("the echo server did not say ready")
        return proc

    def exited(self, c: Container, code: int) -> None:
        """Record how the container ended, and when it runs again: the kubelet's next sync the
        first time (its PLEG relists every second), then after a back-off (CrashLoopBackOff)."""
        c.proc, c.state, c.exit_code = None, "terminated", code
        c.reason = "Completed" if code == 0 else "Error"
        if self._runs_again(c, code):
            c.again_at = time.monotonic() + (c.backoff or RELIST)
            if c.backoff:
                c.state, c.reason = "waiting", "CrashLoopBackOff"
            c.backoff = min(BACKOFF_MAX, c.backoff * 2 or BACKOFF_FIRST)

    def _runs_again(self, c: Container, code: int) -> bool:
        if c.sidecar:
            return True  # a sidecar always starts again, whatever the pod's restartPolicy
        if c.init:
            return code != 0 and self.policy != "Never"
        return self.policy == "Always" or (self.policy == "OnFailure" and code != 0)

    def step(self) -> None:
        """Start what is due: those whose back-off ended; the init containers in order, the next
        once the one before is done (a sidecar: once it started); then every container."""
        now = time.monotonic()
        for c in self.every():
            if c.again_at is not None and c.again_at <= now:
                c.restarts += 1
                self.start(c)
        for c in self.init:
            if not c.started and c.again_at is None and c.state == "waiting":
                self.start(c)
            if c.done or (c.sidecar and c.started):
                continue
            if c.state == "terminated" and c.again_at is None:
                self.phase = "Failed"  # restartPolicy Never: the pod fails
            return
        self.phase = "Running"
        for c in self.containers:
            if not c.started and c.again_at is None:
                self.start(c)

    def next_due(self) -> float:
        """Seconds until the next back-off ends (an hour when none is running)."""
        due = [c.again_at for c in self.every() if c.again_at is not None]
        return max(0.0, min(due) - time.monotonic()) if due else 3600.0

    def reap(self) -> None:
        for c in self.every():
            if c.proc is not None and (code := c.proc.poll()) is not None:
                self.exited(c, code if code >= 0 else 128 - code)

    def stop(self) -> None:
        """SIGTERM every child's process group (the containers first, then the sidecars in
        reverse order, as the kubelet stops them), SIGKILL what is left after the grace."""
        living = [c.proc for c in reversed(self.every()) if c.proc is not None]
        for proc in living:
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while any(p.poll() is None for p in living) and time.monotonic() < deadline:
            time.sleep(0.02)
        for proc in living:
            _signal_group(proc.pid, signal.SIGKILL)
            proc.wait()


def _spawn(argv: list[str], env: dict[str, str], log: int, pipes: bool = False, **extra: Any) -> subprocess.Popen:
    """A child in a session (process group) of its own, its output in the container's log."""
    return subprocess.Popen(
        argv,
        stdin=subprocess.PIPE if pipes else subprocess.DEVNULL,
        stdout=subprocess.PIPE if pipes else log,
        stderr=log,
        start_new_session=True,
        cwd="/",
        env=dict(env),
        preexec_fn=_child_setup,
        **extra,
    )


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run(pod: Pod) -> None:
    """Until SIGTERM, or the pod failed: start what is due, write the status when it changed,
    then wait for a child to exit or a back-off to end."""
    signal.signal(signal.SIGCHLD, lambda _signum, _frame: None)  # delivered (held) rather than discarded
    signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
    written: dict[str, Any] = {}
    while True:
        pod.reap()
        pod.step()
        if (now := pod.snapshot()) != written:
            os.write(pod.status_fd, (json.dumps(now) + "\n").encode())
            written = now
        if pod.phase == "Failed":
            pod.stop()
            return
        got = signal.sigtimedwait(HELD, pod.next_due())
        if got is not None and got.si_signo != signal.SIGCHLD:
            pod.stop()
            return


def main() -> None:
    run(Pod(json.load(sys.stdin)))


if __name__ == "__main__":
    main()
