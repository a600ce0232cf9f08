"""Processes of a lab: the echo server, containers' own commands, and `netlab exec`.

Ownership, not patterns: every process netlab starts carries `NETLAB_LAB=<lab>` in its
environment and its pid is journaled; `down` and `clean` stop only processes that carry the tag or
live in one of the lab's namespaces. Nothing here ever kills by name.

A process "in a pod" runs in the pod's network namespace with a UTS namespace of its own whose
hostname is the pod's hostname (what a container sees), and a mount namespace where /sys shows the pod's
interfaces and /etc the pod's resolv.conf, hosts and nsswitch.conf (as `ip netns exec` arranges).
Containers run as `nobody`; `netlab exec` runs as root, as `kubectl exec` into most images does, so
learners can run ip, tcpdump and friends.
"""

from __future__ import annotations

import ctypes
import json
import os
import pwd
import resource
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from netlab.errors import KernelError
from netlab.kernel import etcfiles, netns
from netlab.plan.model import HostPlan, PodPlan, hostname_of
from netlab.render.workloads import ECHO_SERVER, POD_RUNNER, Workload
from netlab.workloads.echo_sockets import bound, health_service

TAG = "NETLAB_LAB"
WORKLOAD_USER = "nobody"
# netlab's own servers (echo, DNS) say ready within it: a Python start, under load. Generous, as only a
# server that hangs waits it out (one that dies closes its stdout at once): in CI's emulated VMs, with
# other VMs and the host suite sharing two cores, a DNS server's start once outran 10 s.
START_TIMEOUT = 30.0
_libc = ctypes.CDLL(None, use_errno=True)


def open_echo_sockets(workload: Workload) -> list[tuple[socket.socket, dict]]:
    """Bind an echo or health workload's ports; the calling thread must be inside its member's
    namespace. The sockets belong to that namespace from here on, wherever the process using them
    is. The server answers /hostname with the pod's or host's name (and every path as one, for a
    netexec container with --http-override); a node's health check port answers as kube-proxy does,
    with the Service's endpoints on that node (counted now: a change restarts the server)."""
    sockets = [(bound(entry["port"], entry["protocol"]), entry) for entry in echo_entries(workload)]
    sockets += [
        (
            bound(check.port, "TCP"),
            {
                "pod": workload.member.name,
                "protocol": "TCP",
                "port": check.port,
                "health": health_service(check.namespace, check.service, check.local_endpoints),
            },
        )
        for check in workload.health_checks
    ]
    return sockets


def echo_entries(workload: Workload) -> list[dict]:
    """What the echo server's manifest says of each of an echo workload's ports (but the descriptor)."""
    override = {"override": workload.http_override} if workload.http_override else {}
    return [
        {"pod": workload.member.name, "protocol": protocol, "port": port, **(override if protocol == "TCP" else {})}
        for port, protocol in workload.ports
    ]


def tagged_env(lab: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), TAG: lab}
    return {**env, **(extra or {})}


def start_echo(lab: str, sockets: list[tuple[socket.socket, dict]], log: Path) -> int:
    """Start one echo server process for these sockets (of many pods); return once it serves them.

    Raises:
        KernelError: it did not say "ready" in time (the reason is in its log's last line).
    """
    fds = [s.fileno() for s, _ in sockets]
    manifest = {"user": WORKLOAD_USER, "sockets": [{"fd": s.fileno(), **meta} for s, meta in sockets]}
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", ECHO_SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=out,
            pass_fds=fds,
            close_fds=True,
            start_new_session=True,
            env=tagged_env(lab, {"PYTHONPATH": package_root()}),
            cwd="/",
            preexec_fn=_unblock_signals,
        )
    assert proc.stdin is not None
    proc.stdin.write(json.dumps(manifest).encode())
    proc.stdin.close()
    _await_ready(proc, log, "the echo server")
    return proc.pid


def _unblock_signals() -> None:
    """In a child before exec: no blocked signals. A change (reconcile) starts workloads while it
    holds SIGTERM and friends blocked (`signals_deferred`), and a blocked mask survives exec: the
    workload would ignore the SIGTERM that stops it."""
    signal.pthread_sigmask(signal.SIG_SETMASK, [])


def package_root() -> str:
    """Where the running netlab package lives, so the server imports the same code."""
    return str(Path(__file__).resolve().parents[2])


def raise_fd_limit() -> None:
    """Lift this process's open-files limit to its hard limit (sudo's usual soft limit is 1024).

    The echo server inherits it with the pods' sockets: 500 pods are 500+ descriptors.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def enter(netns_name: str, hostname: str, user: str | None = None) -> None:
    """Turn the calling (single-threaded) process into one living in a lab namespace.

    Enters the network namespace, takes a UTS namespace with `hostname` and a mount namespace
    with the namespace's /sys and /etc files, then drops to `user` if given. Used right before exec.
    """
    fd = netns.open_fd(netns_name)
    netns.setns(fd)
    os.close(fd)
    netns.unshare(netns.CLONE_NEWUTS | netns.CLONE_NEWNS)
    # Our mounts stay ours: slave propagation, then a sysfs that shows this namespace's links.
    _libc.mount(b"none", b"/", None, netns.MS_REC | netns.MS_SLAVE, None)
    _libc.umount2(b"/sys", netns.MNT_DETACH)
    _libc.mount(b"sysfs", b"/sys", b"sysfs", 0, None)
    etcfiles.bind_over_etc(netns_name)
    name = hostname.encode()
    if _libc.sethostname(name, len(name)) < 0:
        raise KernelError(f"sethostname {hostname}: {os.strerror(ctypes.get_errno())}")
    if user:
        entry = pwd.getpwnam(user)
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)


def start_command(
    lab: str, member: PodPlan | HostPlan, container: str, argv: list[str], env: dict[str, str], log: Path
) -> int:
    """Start a container's own command in its pod, unprivileged; returns the pid.

    Raises:
        KernelError: the command cannot be started (not found, not executable).
    """
    return _spawn(lab, member, container, argv, env, log, says_ready=False).pid


@dataclass(frozen=True)
class Starting:
    """A server of netlab's own, started in its namespace, that has yet to say it serves: several
    start side by side, then each is waited for."""

    proc: subprocess.Popen
    log: Path
    what: str

    @property
    def pid(self) -> int:
        return self.proc.pid

    def wait_ready(self) -> None:
        """Raises: KernelError: it did not say `ready` in time (its log's last line says why)."""
        _await_ready(self.proc, self.log, self.what)


def start_server(
    lab: str, member: PodPlan | HostPlan, container: str, argv: list[str], env: dict[str, str], log: Path
) -> Starting:
    """Start a server of netlab's own (it prints `ready` once it serves) as a container would run,
    in its pod or on an outside host, unprivileged; `wait_ready` the result."""
    return Starting(
        _spawn(lab, member, container, argv, env, log, says_ready=True), log, f"{member.name}, container {container}"
    )


def start_pod_runner(lab: str, pod: PodPlan, manifest: dict, fds: list[int], log: Path) -> int:
    """Start netlab's runner of a pod with init containers (netlab.workloads.pod) in the pod, as
    nobody, with the descriptors the manifest on its stdin names; returns the pid."""
    argv = [sys.executable, "-m", POD_RUNNER]
    proc = _spawn(lab, pod, "init", argv, {"PYTHONPATH": package_root()}, log, False, json.dumps(manifest), fds)
    return proc.pid


def container_environ(lab: str, member: PodPlan | HostPlan, env: dict[str, str]) -> dict[str, str]:
    """The whole environment of a container's process: the lab's tag, PATH, its hostname and HOME, its own."""
    return tagged_env(lab, {"HOSTNAME": hostname_of(member), "HOME": "/", **env})


def _spawn(
    lab: str,
    member: PodPlan | HostPlan,
    container: str,
    argv: list[str],
    env: dict[str, str],
    log: Path,
    says_ready: bool,
    stdin: str | None = None,
    pass_fds: list[int] | None = None,
) -> subprocess.Popen:
    def inside() -> None:
        _unblock_signals()
        enter(member.netns, hostname_of(member), WORKLOAD_USER)

    with open(log, "ab") as out:
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
                stdout=subprocess.PIPE if says_ready else out,
                stderr=out,
                start_new_session=True,
                cwd="/",
                preexec_fn=inside,
                env=container_environ(lab, member, env),
                pass_fds=pass_fds or (),
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise KernelError(
                f"{member.name}, container {container}: cannot run {argv[0]}: {getattr(exc, 'strerror', None) or exc}"
            ) from None
    if stdin is not None:
        assert proc.stdin is not None
        proc.stdin.write(stdin.encode())
        proc.stdin.close()
    return proc


def _await_ready(proc: subprocess.Popen, log: Path, what: str) -> None:
    """Wait (bounded) for the process's `ready` line on its stdout, then let go of the pipe.

    Raises:
        KernelError: it did not say so in time (the reason is its log's last line).
    """
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], START_TIMEOUT)
    said = proc.stdout.readline().decode().strip() if ready else ""
    proc.stdout.close()
    if said != "ready":
        last = log.read_text(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise KernelError(f"{what} did not start: {last[0]} (log: {log})")


def exec_in(netns_name: str, hostname: str, argv: list[str], env: dict[str, str]) -> NoReturn:
    """Replace this process with `argv` running inside a lab namespace (netlab exec)."""
    enter(netns_name, hostname)
    os.execvpe(argv[0], argv, {**os.environ, "HOSTNAME": hostname, **env})


def _scan() -> Iterator[tuple[int, int, str | None]]:
    """(pid, the inode of its network namespace, its NETLAB_LAB tag) of every other process."""
    me = os.getpid()
    prefix = f"{TAG}=".encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            inode = os.stat(f"/proc/{entry}/ns/net").st_ino
            with open(f"/proc/{entry}/environ", "rb") as f:
                tag = next((v[len(prefix) :].decode() for v in f.read().split(b"\0") if v.startswith(prefix)), None)
        except OSError:
            continue
        yield int(entry), inode, tag


def pids_in(namespaces: list[str]) -> set[int]:
    """Processes living in these namespaces (a pod's containers, a learner's `netlab exec`)."""
    return set(tags_in(namespaces))


def tags_in(namespaces: list[str]) -> dict[int, str | None]:
    """The processes living in these namespaces, each with its lab tag (None: untagged)."""
    inodes = {i for name in namespaces if (i := netns.inode(name)) is not None}
    return {pid: tag for pid, inode, tag in _scan() if inode in inodes} if inodes else {}


def lab_pids(lab: str, namespaces: list[str]) -> set[int]:
    """Processes that belong to a lab: tagged with it, or living in one of its namespaces."""
    inodes = {i for name in namespaces if (i := netns.inode(name)) is not None}
    return {pid for pid, inode, tag in _scan() if tag == lab or inode in inodes}


def tagged_labs() -> set[str]:
    """Labs named by the tag of any running process (for `clean` after a lost state directory)."""
    return {tag for _, _, tag in _scan() if tag}


def stop(pids: set[int], grace: float = 1.0) -> None:
    """SIGTERM, then SIGKILL whatever is still there after `grace` seconds, and wait (as long
    again at most) until those are gone too: their sockets are closed when this returns."""
    for pid in pids:
        _signal(pid, signal.SIGTERM)
    for pid in _still_alive(set(pids), grace):
        _signal(pid, signal.SIGKILL)
    _still_alive(set(pids), grace)


def stop_all(find: Callable[[], set[int]], rounds: int = 5) -> None:
    """Stop the processes `find` finds, then look again, until it finds none (`rounds` at most): a
    container's command may fork between the look and its SIGTERM (a shell loop does), and a
    child forked then is in no list yet."""
    for _ in range(rounds):
        pids = find()
        if not pids:
            return
        stop(pids)


def _still_alive(pids: set[int], within: float) -> set[int]:
    """Wait up to `within` seconds for the processes to go; those still there."""
    deadline = time.monotonic() + within
    living = {p for p in pids if alive(p)}
    while living and time.monotonic() < deadline:
        time.sleep(0.02)
        living = {p for p in living if alive(p)}
    return living


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except (OSError, IndexError):
        return False
