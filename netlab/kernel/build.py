"""Build a planned lab in the kernel (CNI's ADD, for a whole lab); `kernel.teardown` is its DEL.

Steps:
1. render the desired state of every namespace (`render.topology`);
2. journal every namespace name, then create the namespaces, each with a netlink socket, its
   sysctls and, for pods, the echo server's listening sockets (all while the thread is inside it);
3. apply each namespace's objects as one netlink batch, in build order (underlay, hosts, nodes, pods);
4. sync each node's kube-proxy rules for the lab's Services (`kernel.proxy`);
5. start the workloads: one echo server for all pods, and each container's own command.
Any failure, Ctrl-C or SIGTERM on the way tears down what the journal lists: nothing half-built.
A namespace that exists already is never journaled or touched: the build refuses to start.
"""

from __future__ import annotations

import os
import signal
import socket
from contextlib import contextmanager
from typing import Iterator

from netlab.errors import LabStateError
from netlab.kernel import netlink, netns, procs, proxy
from netlab.kernel.teardown import teardown
from netlab.plan.model import LabPlan, PodPlan
from netlab.render.topology import render_topology
from netlab.state import LabState


class Interrupted(KeyboardInterrupt):
    """SIGTERM or SIGHUP while building: handled like Ctrl-C, by rolling back."""


@contextmanager
def interrupts_roll_back() -> Iterator[None]:
    """Turn SIGTERM/SIGHUP into an exception for the duration, so `finally` and rollback run."""
    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def build(plan: LabPlan, state: LabState) -> list[proxy.SyncResult]:
    """Create everything the plan describes; roll back on any failure or interrupt.

    Returns:
        how each node's kube-proxy rules were synced (none for a lab without Services).

    Raises:
        LabStateError: one of the lab's namespace names is taken (nothing was made).
    """
    specs = render_topology(plan)
    pods = {p.netns: p for p in plan.pods}
    fds: dict[str, int] = {}
    sockets: dict[str, socket.socket] = {}
    listeners: list[tuple[socket.socket, dict]] = []
    procs.raise_fd_limit()
    synced: list[proxy.SyncResult] = []  # ~3 descriptors per pod while building, and the echo server's sockets
    try:
        with interrupts_roll_back():
            taken = [spec.netns for spec in specs if netns.exists(spec.netns)]
            if taken:  # never journaled, so the rollback leaves it alone
                raise LabStateError(f"network namespace {taken[0]} exists already and is not this lab's: "
                                    f"netlab leaves it alone")
            state.record_many("netns", [spec.netns for spec in specs])
            netns.ensure_run_dir()
            for spec in specs:
                with netns.created(spec.netns) as fd:
                    fds[spec.netns] = fd
                    sockets[spec.netns] = netlink.open_socket()
                    netlink.write_sysctls(spec.ops)
                    if spec.netns in pods:
                        listeners += procs.open_echo_sockets(pods[spec.netns])
            for spec in specs:
                netlink.apply_ops(spec.ops, fds, sockets[spec.netns], spec.netns)
            synced = proxy.sync(plan)
            start_workloads(plan, state, listeners)
    except BaseException:
        _close(fds, sockets, listeners)  # first: a teardown needs descriptors of its own
        teardown(state)
        raise
    _close(fds, sockets, listeners)
    return synced


def _close(fds: dict[str, int], sockets: dict[str, socket.socket], listeners: list) -> None:
    for fd in fds.values():
        os.close(fd)
    for sock in sockets.values():
        sock.close()
    for sock, _ in listeners:
        sock.close()
    fds.clear()
    sockets.clear()
    listeners.clear()


def start_workloads(plan: LabPlan, state: LabState, listeners: list[tuple[socket.socket, dict]]) -> None:
    """One echo server for every echo port of every pod, then each container's own command."""
    if listeners:
        state.record("pid", procs.start_echo(plan.name, listeners, state.logs / "echo.log"))
    for pod in plan.pods:
        for container in pod.containers:
            if not container.runs_echo:
                start_container(plan, state, pod, container.name)


def start_container(plan: LabPlan, state: LabState, pod: PodPlan, container: str) -> None:
    spec = next(c for c in pod.containers if c.name == container)
    argv = list(spec.command + spec.args)
    log = state.logs / f"{pod.name}_{container}.log"
    state.record("pid", procs.start_command(plan.name, pod, container, argv, dict(spec.env), log))
