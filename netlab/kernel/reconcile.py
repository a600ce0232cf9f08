"""Move a running lab from one plan to the next, changing only what differs (scale, apply, delete).

Steps, as a cluster would take them:
* stop the echo server: its sockets hold the namespaces of the pods that go;
* remove the pods that go (their processes, then their namespaces: their veths go too);
* add the new pods: namespaces, the node side of each (veth on cni0), their own side, their /etc
  files, and the Service variables their containers get (every Service that exists by now);
* resync kube-proxy's rules on every node in one atomic step each (in nftables mode only what
  changed, as kube-proxy's partial sync), and flush the UDP conntrack entries that still point at
  endpoints that left, as kube-proxy does;
* then kube-router's NetworkPolicy sets and chains on every node (kernel.netpol: new pods, labels,
  policies and namespaces' labels all change what they hold);
* LoadBalancer IPs that came or went: the cloud (or MetalLB) routes or withdraws them
  (kernel.loadbalancers; the cloud's load balancer comes with the first and goes with the last);
* render the DNS zones again: cluster DNS answers from them with its next query;
* start the echo server again for every pod, and the new pods' own commands;
* each new pod announces its address (a gratuitous ARP, kernel.announce), so neighbours that held
  a deleted pod's entry for it reach the new one at once;
* render every ingress controller's nginx configuration again and reload nginx where it changed
  (new endpoints, Ingresses applied or deleted), as the controller does.
A pod is replaced when its node or its spec changes (containers, init containers, restartPolicy,
dnsPolicy, dnsConfig, hostAliases, enableServiceLinks, hostname, subdomain); a label change only
moves endpoints.
Ctrl-C waits until the change is done.

A change that fails in any step rolls back, as a failed `up` does: the namespaces it made go (their
veths with them), the pods it removed come back from the old plan (same addresses, MACs, /etc files,
Service variables and commands), every node gets the old rules whole, DNS, the echo server, nginx and
the cloud load balancer follow the old plan again, and lab.json is as before (but the new echo
server's pid). UDP conntrack entries it flushed stay flushed (the next packet makes them again).
The error that failed the change is raised then.
`NETLAB_FAULT_RULES=1` in the environment (for the tests of that rollback, not a feature) makes the
rules step fail once every node holds the new rules: no real input makes iptables-restore or nft
refuse what netlab renders.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from functools import partial
from ipaddress import IPv4Address

from netlab.errors import ApplyError, BadInput, KernelError
from netlab.kernel import conntrack, etcfiles, ingress, loadbalancers, netns, netpol, procs
from netlab.kernel.announce import announce
from netlab.kernel.build import Namespaces, refuse_taken, start_workloads
from netlab.kernel.teardown import signals_deferred
from netlab.plan.model import LabPlan, PodPlan
from netlab.proxy.sync import SyncResult, sync
from netlab.render.envvars import pod_service_env
from netlab.render.namespaces import pod_attachment, pod_spec
from netlab.render.ops import NamespaceSpec
from netlab.render.resolvconf import pod_files
from netlab.state import LabState

FAULT_RULES = "NETLAB_FAULT_RULES"


@dataclass(frozen=True)
class Change:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    synced: tuple[SyncResult, ...]
    flushed: int
    reloaded: tuple[str, ...] = ()  # ingress controller pods whose nginx took a new configuration
    handed_out: tuple[IPv4Address, ...] = ()  # LoadBalancer IPs the cloud (or MetalLB) gave new Services
    taken_back: tuple[IPv4Address, ...] = ()  # and those it took back
    policies: tuple[str, ...] = ()  # NetworkPolicies (ns/name) a learner's edit changed while a step is left
    policy_nodes: int = 0  # and the nodes kube-router resynced for them


def _replaced(old: PodPlan, new: PodPlan) -> bool:
    """Whether the pod must be made anew: its node or its spec changed (containers, DNS settings,
    hostAliases, Service links, hostname and subdomain), as a Deployment rolls out new pods when its
    template changes."""
    return _spec(old) != _spec(new)


def _spec(pod: PodPlan) -> tuple:
    return (
        pod.node,
        pod.namespace,
        pod.containers,
        pod.init_containers,
        pod.restart_policy,
        pod.dns_policy,
        pod.dns_config,
        pod.host_aliases,
        pod.enable_service_links,
        pod.hostname,
        pod.subdomain,
    )


def reconcile(old: LabPlan, new: LabPlan, state: LabState) -> Change:
    """Change the kernel from `old` to `new`.

    Raises:
        LabStateError: a new pod's namespace name is taken by something not netlab's.
        KernelError: the kernel refused a change, which was rolled back (if that failed too, the
            message says so: the lab needs `netlab down`).
    """
    if old.lab.outside != new.lab.outside:
        raise BadInput(
            f"lab {new.name}: this change adds, removes or moves an outside host, which rebuilds the "
            f"lab's outside world: run `netlab down {new.name}` and `up` again"
        )
    before = {p.name: p for p in old.pods}
    after = {p.name: p for p in new.pods}
    # pods leave in the reverse of their creation order: a StatefulSet's highest ordinal first
    gone = [p for name, p in reversed(before.items()) if name not in after or _replaced(p, after[name])]
    added = [p for name, p in after.items() if name not in before or _replaced(before[name], p)]
    refuse_taken([p.netns for p in added if p.netns not in {g.netns for g in gone}])  # before anything changes
    procs.raise_fd_limit()
    made: list[str] = []
    settings, service_env = state.settings(), state.service_env()
    with signals_deferred():
        try:
            return _change(old, new, state, gone, added, made)
        except BaseException as failed:
            try:
                _undo(old, new, state, gone, added, made, service_env)
            except Exception as exc:
                raise KernelError(
                    f"{failed}; rolling the change back failed too ({exc}): netlab down {new.name}, then up"
                ) from None
            state.write_settings(replace(settings, echo_pid=state.settings().echo_pid))
            raise


def _change(
    old: LabPlan, new: LabPlan, state: LabState, gone: list[PodPlan], added: list[PodPlan], made: list[str]
) -> Change:
    """The change's steps (module docstring); `made` fills with the namespaces it creates."""
    _stop_pods(new, state, gone)
    ingress.forget(state, gone)
    _add_pods(new, state, added, made)
    existing = {f"{s.namespace}/{s.name}" for s in old.services}
    after = {p.name for p in new.pods}
    kept = {name: env for name, env in state.service_env().items() if name in after}
    state.write_service_env({**kept, **{p.name: pod_service_env(new, p, existing) for p in added}})
    synced = sync(new, force=bool(old.services), previous=old)
    netpol.sync(new, force=bool(old.lab.network_policies))
    if os.environ.get(FAULT_RULES):
        raise ApplyError(f"lab {new.name}: the rules failed to load ({FAULT_RULES} is set)")
    flushed = conntrack.flush_stale_udp(new)
    handed_out, taken_back = loadbalancers.change(old, new, state)
    reloaded = start_workloads(new, state, added)
    announce(new, added)  # last: by now their bridge ports forward
    return Change(
        tuple(p.name for p in added),
        tuple(p.name for p in gone),
        tuple(synced),
        flushed,
        tuple(reloaded),
        tuple(handed_out),
        tuple(taken_back),
    )


def _undo(
    old: LabPlan,
    new: LabPlan,
    state: LabState,
    gone: list[PodPlan],
    added: list[PodPlan],
    made: list[str],
    service_env: dict[str, dict[str, str]],
) -> None:
    """Back to `old` from wherever the change stopped: remove the namespaces it made, bring back
    the pods it removed (with the Service variables they had), and sync the rest to the old plan in full."""
    _stop_pods(new, state, [p for p in added if p.netns in made])
    ingress.forget(state, added)
    back = [p for p in reversed(gone) if not netns.exists(p.netns)]
    _add_pods(old, state, back, [])
    state.write_service_env(service_env)
    sync(old, force=bool(old.services or new.services))  # whole: the nodes may hold either plan's
    netpol.sync(old, force=bool(new.lab.network_policies))
    loadbalancers.change(new, old, state)
    start_workloads(old, state, back)
    announce(old, back)


def _stop_pods(plan: LabPlan, state: LabState, pods: list[PodPlan]) -> None:
    """Stop the echo server (its sockets hold every pod's namespace) and the pods' processes, then
    remove their namespaces (their veths go too) and /etc files."""
    procs.stop(procs.lab_pids(plan.name, []) & {state.settings().echo_pid})
    for pod in pods:
        procs.stop_all(partial(procs.pids_in, [pod.netns]))
        _unplug(pod)
        netns.remove(pod.netns)
    etcfiles.remove([str(etcfiles.ETC_NETNS / pod.netns) for pod in pods])


def _unplug(pod: PodPlan) -> None:
    """Delete the pod's eth0, and so its veth pair, at once: a removed namespace's links go only
    when the kernel gets round to it, and a pod made again right away needs the node end's name."""
    if netns.exists(pod.netns):
        with netns.iproute(pod.netns) as ipr:
            if index := ipr.link_lookup(ifname="eth0"):
                ipr.link("del", index=index[0])


def _add_pods(plan: LabPlan, state: LabState, pods: list[PodPlan], made: list[str]) -> None:
    """Make the pods' namespaces, their veths and /etc files; `made` gets each namespace's name
    before it is created (what a rollback removes)."""
    if not pods:
        return
    specs = [pod_spec(plan, pod) for pod in pods]
    refuse_taken([spec.netns for spec in specs])
    state.record_many("netns", [spec.netns for spec in specs])
    nsswitch = not etcfiles.machine_nsswitch_will_do()
    handles = Namespaces()
    try:
        for spec in specs:
            made.append(spec.netns)
            handles.create(spec)
        etcfiles.write(state, {pod.netns: pod_files(plan, pod, nsswitch) for pod in pods})
        for node in plan.nodes:
            attach = [op for pod in pods if pod.node == node.name for op in pod_attachment(plan, pod)]
            if attach:
                handles.open(node.netns)
                handles.apply(NamespaceSpec(node.netns, tuple(attach)))
        for spec in specs:
            handles.apply(spec)
    finally:
        handles.close()
