"""Ingress controller pods: nginx, run by netlab where a container runs ingress-nginx's controller.

Start (`up`, or a controller pod added by a change): in the lab's state directory,
`ingress/<pod>/nginx.conf` is root's and readable by all (netlab.render.ingress writes it from the
lab's Ingresses and the Services' endpoints) and `ingress/<pod>/run/` is nobody's alone (nginx's
pid file and temporary files). The container's process is then the controller's
(netlab.workloads.ingress), started through `procs.start_command`: as nobody, in the pod's network
namespace, tagged with the lab; it runs nginx as its child (nginx hides its own tag when it sets
its process titles; the parent keeps it readable, and nginx dies with it). nginx's error log and
access log are the container's log (logs/<pod>_<container>.log, handed to nobody so that nginx can
open it by its path). It is ready once nginx listens in the pod.

Reload (after `scale`, `apply`, `delete`): render again; if the text differs, have nginx test it
(`nginx -t`, as nobody, in the pod), put it in place, send the master SIGHUP and wait until the old
workers are gone: the master has read the new configuration and its new workers serve it. That is
what ingress-nginx does when an Ingress or an endpoint changes (it tests, then reloads). A master
that is gone is started again. Every wait is bounded.

The processes are found by what they are, never by name alone: the controller process is the one
in the pod's namespace that carries the lab's tag and runs netlab.workloads.ingress, nginx's master
is its nginx child, the workers are the master's (a pid file written by nobody is not trusted).
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from netlab.errors import KernelError
from netlab.kernel import procs, tls
from netlab.kernel.tools import locate
from netlab.model.ingress import ControllerFlags, controller_flags
from netlab.model.lab import Container
from netlab.plan.ingress import controllers
from netlab.plan.model import LabPlan, PodPlan
from netlab.render.ingress import Certificates, planned_certificates, render_nginx_conf
from netlab.render.workloads import container_env
from netlab.state import LabState

START_TIMEOUT = 5.0  # nginx listens within milliseconds; a failure shows in its log at once
RELOAD_TIMEOUT = 12.0  # the old workers finish their requests: worker_shutdown_timeout (10 s) at most
TEST_TIMEOUT = 10.0
CONTROLLER = "netlab.workloads.ingress"


def nginx_binary() -> str:
    """Where nginx is.

    Raises:
        EnvironmentProblem: it is not installed.
    """
    return os.path.realpath(locate("nginx", "the lab's ingress controller runs it"))


def require_tools() -> None:
    """What a controller pod needs on the machine: nginx, and openssl for its fake certificate.

    Raises:
        EnvironmentProblem: one is not installed.
    """
    nginx_binary()
    tls.openssl_binary()


@cache
def _takes_error_log_flag(nginx: str) -> bool:
    """nginx 1.19.5+ takes `-e stderr`: no attempt at its compiled-in error log before the config."""
    try:
        done = subprocess.run([nginx, "-h"], capture_output=True, text=True, timeout=TEST_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "-e filename" in done.stdout + done.stderr


def _argv(nginx: str, conf: Path, *extra: str) -> list[str]:
    return [nginx, *(["-e", "stderr"] if _takes_error_log_flag(nginx) else []), "-c", str(conf), *extra]


def _dirs(state: LabState, pod: str) -> tuple[Path, Path]:
    """The pod's configuration directory (root's) and nginx's run directory (nobody's)."""
    base = state.dir / "ingress" / pod
    return base, base / "run"


def _log(state: LabState, pod: PodPlan, container: Container) -> Path:
    return state.logs / f"{pod.name}_{container.name}.log"


def _render(plan: LabPlan, state: LabState, pod: PodPlan, container: Container, run: Path) -> str:
    flags = controller_flags(container)[0]
    certs = _certificates(plan, run.parent / "certs", flags)
    return render_nginx_conf(plan, flags, pod.name, str(run), str(_log(state, pod, container)), certs)


def _certificates(plan: LabPlan, directory: Path, flags: ControllerFlags) -> Certificates:
    """The controller's certificate files, as ingress-nginx keeps them: its fake default certificate
    (made once, at the pod's start), and the PEM of every Secret it uses that the TLS library loads."""
    tls.prepare(directory)
    planned = planned_certificates(plan, flags, str(directory))
    loaded = tls.write_secrets(directory, planned.usable)
    return Certificates(planned.directory, loaded, planned.default if planned.default in loaded else "")


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.chmod(0o644)
    tmp.replace(path)


def start(plan: LabPlan, state: LabState, pod: PodPlan, container: Container, env: dict[str, str]) -> int:
    """Write the pod's nginx configuration and start nginx in the pod (the controller's process
    with the container's environment); return once it listens.

    Raises:
        EnvironmentProblem: nginx is not installed.
        KernelError: nginx did not start (its log's last line says why).
    """
    nginx = nginx_binary()
    nobody = pwd.getpwnam(procs.WORKLOAD_USER)
    base, run = _dirs(state, pod.name)
    base.mkdir(mode=0o755, parents=True, exist_ok=True)
    shutil.rmtree(run, ignore_errors=True)  # a replaced pod's leftovers
    shutil.rmtree(base / "certs", ignore_errors=True)  # its fake certificate too: each start makes its own
    run.mkdir(mode=0o700)
    os.chown(run, nobody.pw_uid, nobody.pw_gid)
    conf = base / "nginx.conf"
    _write(conf, _render(plan, state, pod, container, run))
    log = _log(state, pod, container)
    log.touch()
    os.chown(log, nobody.pw_uid, nobody.pw_gid)
    argv = [sys.executable, "-m", CONTROLLER, *_argv(nginx, conf)]
    pid = procs.start_command(plan.name, pod, container.name, argv, {**env, "PYTHONPATH": procs.package_root()}, log)
    port = controller_flags(container)[0].http_port
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        family = _family(plan.name, pod, nginx)
        if family.controller == pid and family.master and _listens(family.master, port):
            return pid
        if not procs.alive(pid) or time.monotonic() > deadline:
            raise KernelError(f"pod {pod.name}: nginx did not start: {_last_line(log)} (log: {log})")
        time.sleep(0.02)


def _listens(pid: int, port: int) -> bool:
    """Whether process `pid` holds a socket listening on TCP `port` (in its namespace)."""
    try:
        lines = Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]
        held = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return False
    wanted = f":{port:04X}"
    return any(
        f[1].endswith(wanted) and f[3] == "0A" and f"socket:[{f[9]}]" in held
        for f in (line.split() for line in lines)
        if len(f) > 9
    )


def _last_line(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no output"
    return lines[-1] if lines else "no output"


def sync(plan: LabPlan, state: LabState, skip: set[str]) -> list[str]:
    """Bring every running controller pod (not those in `skip`, just started) to the plan's
    Ingresses and endpoints; returns the pods whose nginx reloaded (or started again).

    Raises:
        KernelError: nginx refused the new configuration (the old one keeps serving) or did not reload.
    """
    changed = []
    for pod in plan.pods:
        if pod.name in skip:
            continue
        for container in controllers(pod):
            if reload(plan, state, pod, container):
                changed.append(pod.name)
    return changed


def reload(plan: LabPlan, state: LabState, pod: PodPlan, container: Container) -> bool:
    """Render the pod's configuration again and, if it changed, test it and reload nginx (start
    nginx again if its master is gone). Returns whether anything was done."""
    nginx = nginx_binary()
    base, run = _dirs(state, pod.name)
    conf = base / "nginx.conf"
    text = _render(plan, state, pod, container, run)
    family = _family(plan.name, pod, nginx)
    master = family.master
    if master is None:  # nginx is gone: start the container again, as the kubelet would
        procs.stop({family.controller} if family.controller else set())
        env = container_env(plan, pod, container, state.service_env().get(pod.name, {}))
        state.record("pid", start(plan, state, pod, container, env))
        return True
    if conf.is_file() and conf.read_text() == text:
        return False
    candidate = base / "nginx.conf.new"
    _write(candidate, text)
    try:
        _test(plan.name, nginx, candidate, pod)
    except KernelError:
        candidate.unlink(missing_ok=True)  # the running configuration stays what it was
        raise
    candidate.replace(conf)
    old = family.workers
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + RELOAD_TIMEOUT
    while True:
        now = _family(plan.name, pod, nginx).workers
        if now and not now & old:
            return True
        if not procs.alive(master) or time.monotonic() > deadline:
            log = _log(state, pod, container)
            raise KernelError(f"pod {pod.name}: nginx did not reload: {_last_line(log)} (log: {log})")
        time.sleep(0.02)


def _test(lab: str, nginx: str, conf: Path, pod: PodPlan) -> None:
    """`nginx -t` on a candidate configuration, as nobody in the pod, as ingress-nginx tests before
    it reloads (it opens the access log, the pod's log, for appending, and writes nothing there).

    Raises:
        KernelError: nginx refused it, with its reason.
    """
    try:
        done = subprocess.run(
            _argv(nginx, conf, "-t", "-q"),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=TEST_TIMEOUT,
            cwd="/",
            env=procs.tagged_env(lab, {"HOME": "/"}),
            preexec_fn=lambda: procs.enter(pod.netns, pod.name, procs.WORKLOAD_USER),
        )
    except subprocess.TimeoutExpired:
        raise KernelError(f"pod {pod.name}: nginx -t did not finish in {TEST_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["no reason given"])[-1]
        raise KernelError(f"pod {pod.name}: nginx refused the new configuration (the old one keeps serving): {why}")


@dataclass(frozen=True)
class Family:
    """The controller's processes in a pod: the tagged controller, its nginx master, the workers."""

    controller: int | None
    master: int | None
    workers: frozenset[int]


def _family(lab: str, pod: PodPlan, nginx: str) -> Family:
    infos: dict[int, tuple[int, str, list[bytes], bool]] = {}  # pid -> ppid, exe, argv, tagged
    for pid, tag in procs.tags_in([pod.netns]).items():
        try:
            exe = os.readlink(f"/proc/{pid}/exe")
            with open(f"/proc/{pid}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
        if procs.alive(pid):
            infos[pid] = (ppid, exe, argv, tag == lab)
    controller = next(
        (pid for pid, (_, _, argv, tagged) in infos.items() if tagged and CONTROLLER.encode() in argv), None
    )
    master = next(
        (pid for pid, (ppid, exe, _, _) in infos.items() if controller and ppid == controller and exe == nginx), None
    )
    workers = frozenset(pid for pid, (ppid, exe, _, _) in infos.items() if master and ppid == master and exe == nginx)
    return Family(controller, master, workers)


def forget(state: LabState, pods: list[PodPlan]) -> None:
    """Remove the configuration and run directories of controller pods that went away."""
    for pod in pods:
        if controllers(pod):
            shutil.rmtree(_dirs(state, pod.name)[0], ignore_errors=True)
