"""Build a planned lab in the kernel (CNI's ADD, for a whole lab); `kernel.teardown` is its DEL.

Steps:
1. render the desired state of every namespace (`render.namespaces`);
2. journal every namespace name, then create the namespaces, each with a netlink socket and its
   sysctls (written while the thread is inside it);
3. apply each namespace's objects as one netlink batch, in build order (underlay, hosts, nodes, pods);
4. write each namespace's /etc files (a pod's resolv.conf, hosts: `kernel.etcfiles`) and each
   pod's Service environment variables (those of the Services the lab file creates before it);
5. sync each node's kube-proxy rules for the lab's Services (`proxy.sync`), the egress NAT;
6. `start_workloads`, the steps every change of a running lab ends with too (`kernel.reconcile`):
   the DNS zones; the workloads as `render.workloads` describes them: one echo server for all pods
   (its sockets bound inside each pod), the internet's resolver, and each container's own command
   (nginx for an ingress controller's, `kernel.ingress`; netlab's DNS server for CoreDNS's,
   `kernel.dns`); the cloud load balancer's routes.
Any failure, Ctrl-C or SIGTERM on the way tears down what the journal lists: nothing half-built.
A namespace that exists already is never journaled or touched: the build refuses to start.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from netlab.errors import LabStateError
from netlab.kernel import cloud, dns, egress, etcfiles, ingress, netlink, netns, netpol, podrunner, procs
from netlab.kernel.teardown import teardown
from netlab.model.lab import Task
from netlab.plan.model import LabPlan, PodPlan
from netlab.plan.tasks import enforced, proxied
from netlab.proxy.sync import SyncResult, sync
from netlab.render.envvars import pod_service_env
from netlab.render.namespaces import render_namespaces
from netlab.render.ops import NamespaceSpec
from netlab.render.resolvconf import etc_files
from netlab.render.taskops import without
from netlab.render.workloads import Workload, container_workloads, echo_workloads
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


class Namespaces:
    """Open handles on lab namespaces while building: an fd of each (the target of a veth peer)
    and a netlink socket bound inside each. `close` (also on failure) lets go of all of them."""

    def __init__(self) -> None:
        self.fds: dict[str, int] = {}
        self.sockets: dict[str, socket.socket] = {}

    def create(self, spec: NamespaceSpec) -> None:
        """Make the namespace and write its sysctls, from inside it."""
        with netns.created(spec.netns) as fd:
            self.fds[spec.netns] = fd
            self.sockets[spec.netns] = netlink.open_socket()
            netlink.write_sysctls(spec.ops)

    def open(self, name: str) -> None:
        """Take handles on a namespace that exists already (a node, when pods are added)."""
        self.fds[name] = netns.open_fd(name)
        with netns.entered(name):
            self.sockets[name] = netlink.open_socket()

    def apply(self, spec: NamespaceSpec) -> None:
        netlink.apply_ops(spec.ops, self.fds, self.sockets[spec.netns], spec.netns)

    def close(self) -> None:
        for fd in self.fds.values():
            os.close(fd)
        for sock in self.sockets.values():
            sock.close()
        self.fds.clear()
        self.sockets.clear()


def refuse_taken(names: list[str]) -> None:
    """A namespace with one of our names that we did not make is someone else's: stop.

    Raises:
        LabStateError: naming the first one (it is never journaled, so never removed).
    """
    taken = [name for name in names if netns.exists(name)]
    if taken:
        raise LabStateError(
            f"network namespace {taken[0]} exists already and is not this lab's: netlab leaves it alone"
        )


def build(plan: LabPlan, state: LabState, left: list[Task] | None = None) -> list[SyncResult]:
    """Create everything the plan describes but the tasks `left` to the learner (render/taskops.py);
    roll back on any failure or interrupt.

    Returns:
        how each node's kube-proxy rules were synced (none for a lab without Services).

    Raises:
        LabStateError: one of the lab's namespace names is taken (nothing was made).
    """
    procs.raise_fd_limit()  # ~2 descriptors per namespace while building, the echo server's sockets
    handles = Namespaces()
    try:
        with interrupts_roll_back():
            specs = without(render_namespaces(plan), plan, left or [])
            refuse_taken([spec.netns for spec in specs])
            state.record_many("netns", [spec.netns for spec in specs])
            netns.ensure_run_dir()
            for spec in specs:
                handles.create(spec)
            for spec in specs:
                handles.apply(spec)
            handles.close()
            etcfiles.write(state, etc_files(plan, nsswitch=not etcfiles.machine_nsswitch_will_do()))
            state.write_service_env({pod.name: pod_service_env(plan, pod) for pod in plan.pods})
            synced = sync(proxied(plan, left or []))
            netpol.sync(enforced(plan, left or []))  # after kube-proxy's: kube-router's jumps go first in line
            egress.program(plan)
            start_workloads(plan, state, plan.pods, resolver=True)
    except BaseException:
        handles.close()  # first: a teardown needs descriptors of its own
        teardown(state)
        raise
    return synced


def start_workloads(plan: LabPlan, state: LabState, pods: Sequence[PodPlan], resolver: bool = False) -> list[str]:
    """What follows the rules, in `up` and in every change of a running lab (kernel.reconcile) alike:
    the DNS zones, the echo server (every pod's), the internet's resolver (`resolver`: at `up`), the
    containers of `pods`, the other ingress controllers' nginx brought to the plan, and the cloud
    load balancer's routes (it health-checks the nodes: after their rules and health check ports).

    Returns:
        the controller pods whose nginx reloaded.
    """
    dns.write_zones(plan, state)
    start_echo(plan, state)
    internet_dns = dns.start_resolver(plan, state) if resolver else None
    if internet_dns is not None:
        state.record("pid", internet_dns.pid)
    start_containers(plan, state, pods, also_waiting=[internet_dns] if internet_dns else [])
    reloaded = ingress.sync(plan, state, skip={p.name for p in pods})
    cloud.sync(plan)
    return reloaded


def start_echo(plan: LabPlan, state: LabState) -> None:
    """One echo server for the echo workloads of every pod and internet host, and every node's
    health check ports (render.workloads): each socket is bound inside its own namespace."""
    listeners: list[tuple[socket.socket, dict]] = []
    try:
        for workload in echo_workloads(plan):
            with netns.entered(workload.member.netns):
                listeners += procs.open_echo_sockets(workload)
        if listeners:
            pid = procs.start_echo(plan.name, listeners, state.logs / "echo.log")
            state.record("pid", pid)
            state.update_settings(echo_pid=pid)
    finally:
        for sock, _ in listeners:
            sock.close()


def start_containers(
    plan: LabPlan, state: LabState, pods: Iterable[PodPlan], also_waiting: list[procs.Starting] | None = None
) -> None:
    """The process of each container of these pods but the echo server's (render.workloads), with
    the Service variables the pod got: a container's own command; nginx for one that runs
    ingress-nginx's controller, configured from the lab's Ingresses; netlab's DNS server for one
    that runs CoreDNS; for a pod with init containers, its runner (kernel.podrunner), which starts
    them and then its containers in their turn. Servers of netlab's own start side by side: return
    once all of them (and those `also_waiting`) serve."""
    waiting = list(also_waiting or [])
    initialized: dict[str, list[Workload]] = {}
    for workload in container_workloads(plan, pods, state.service_env(), str(state.dns_dir)):
        pod, container, env = workload.member, workload.container, dict(workload.env)
        assert isinstance(pod, PodPlan) and container is not None  # a pod's container
        if pod.init_containers:
            initialized.setdefault(pod.name, []).append(workload)  # its runner starts them in their turn
            continue
        if workload.kind == "echo":
            continue  # the echo server's: it serves every pod from one process (start_echo)
        if workload.kind == "ingress":
            state.record("pid", ingress.start(plan, state, pod, container, env))
        elif workload.kind == "dns":
            waiting.append(dns.start_server(plan, state, workload))
            state.record("pid", waiting[-1].pid)
        else:
            log = state.logs / f"{workload.name}.log"
            state.record("pid", procs.start_command(plan.name, pod, container.name, list(workload.args), env, log))
    for pod in pods:
        if pod.name in initialized:
            state.record("pid", podrunner.start(plan, state, pod, initialized[pod.name]))
    for server in waiting:
        server.wait_ready()
