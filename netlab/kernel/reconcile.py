"""Move a running lab from one plan to the next, changing only what differs (scale, apply, delete).

Steps, as a cluster would take them:
* stop the echo server: its sockets hold the namespaces of the pods that go;
* remove the pods that go (their processes, then their namespaces: their veths go too);
* add the new pods: namespaces, the node side of each (veth on cni0), their own side, their /etc
  files, and the Service variables their containers get (every Service that exists by now);
* resync kube-proxy's rules on every node in one atomic step each (in nftables mode only what
  changed, as kube-proxy's partial sync), and flush the UDP conntrack entries that still point at
  endpoints that left, as kube-proxy does;
* render the DNS zones again: cluster DNS answers from them with its next query;
* start the echo server again for every pod, and the new pods' own commands;
* render every ingress controller's nginx configuration again and reload nginx where it changed
  (new endpoints, Ingresses applied or deleted), as the controller does.
A pod is replaced when its node or containers change; a label change only moves endpoints.
Ctrl-C waits until the change is done.
"""

from __future__ import annotations

from dataclasses import dataclass

from netlab.errors import BadInput
from netlab.kernel import cloud, conntrack, dns, etcfiles, ingress, netns, procs, proxy
from netlab.kernel.build import Namespaces, refuse_taken, start_containers, start_echo
from netlab.kernel.teardown import signals_deferred
from netlab.plan.model import LabPlan, PodPlan
from netlab.render.envvars import pod_service_env
from netlab.render.ops import NamespaceSpec
from netlab.render.resolvconf import pod_files
from netlab.render.topology import pod_attachment, pod_spec
from netlab.state import LabState


@dataclass(frozen=True)
class Change:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    synced: tuple[proxy.SyncResult, ...]
    flushed: int
    reloaded: tuple[str, ...] = ()  # ingress controller pods whose nginx took a new configuration


def _replaced(old: PodPlan, new: PodPlan) -> bool:
    return (old.node, old.namespace, old.containers) != (new.node, new.namespace, new.containers)


def reconcile(old: LabPlan, new: LabPlan, state: LabState) -> Change:
    """Change the kernel from `old` to `new`.

    Raises:
        LabStateError: a new pod's namespace name is taken by something not netlab's.
        KernelError: the kernel refused a change (the lab may need `netlab down`).
    """
    if (old.load_balancer_ips, old.lab.outside) != (new.load_balancer_ips, new.lab.outside):
        raise BadInput(
            f"lab {new.name}: this change adds, removes or moves a LoadBalancer IP or an outside "
            f"host, which rebuilds the lab's outside world: run `netlab down {new.name}` and `up` again"
        )
    before = {p.name: p for p in old.pods}
    after = {p.name: p for p in new.pods}
    gone = [p for name, p in before.items() if name not in after or _replaced(p, after[name])]
    added = [p for name, p in after.items() if name not in before or _replaced(before[name], p)]
    procs.raise_fd_limit()
    with signals_deferred():
        echo = state.settings().get("echoPid")
        procs.stop(procs.lab_pids(new.name, []) & {echo})
        for pod in gone:
            procs.stop(procs.pids_in([pod.netns]))
            netns.remove(pod.netns)
        etcfiles.remove([str(etcfiles.ETC_NETNS / pod.netns) for pod in gone])
        ingress.forget(state, gone)
        _add_pods(new, state, added)
        existing = {f"{s.namespace}/{s.name}" for s in old.services}
        kept = {name: env for name, env in state.service_env().items() if name in after}
        state.write_service_env({**kept, **{p.name: pod_service_env(new, p, existing) for p in added}})
        synced = proxy.sync(new, force=bool(old.services), previous=old)
        flushed = conntrack.flush_stale_udp(new)
        dns.write_zones(new, state)
        start_echo(new, state)
        start_containers(new, state, added)
        reloaded = ingress.sync(new, state, skip={p.name for p in added})
        cloud.sync(new)
    return Change(tuple(p.name for p in added), tuple(p.name for p in gone), tuple(synced), flushed, tuple(reloaded))


def _add_pods(plan: LabPlan, state: LabState, pods: list[PodPlan]) -> None:
    if not pods:
        return
    specs = [pod_spec(plan, pod) for pod in pods]
    refuse_taken([spec.netns for spec in specs])
    state.record_many("netns", [spec.netns for spec in specs])
    nsswitch = not etcfiles.machine_nsswitch_will_do()
    etcfiles.write(state, {pod.netns: pod_files(plan, pod, nsswitch) for pod in pods})
    handles = Namespaces()
    try:
        for spec in specs:
            handles.create(spec)
        for node in plan.nodes:
            attach = [op for pod in pods if pod.node == node.name for op in pod_attachment(plan, pod)]
            if attach:
                handles.open(node.netns)
                handles.apply(NamespaceSpec(node.netns, tuple(attach)))
        for spec in specs:
            handles.apply(spec)
    finally:
        handles.close()
