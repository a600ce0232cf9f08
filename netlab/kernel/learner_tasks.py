"""Build learner tasks for the learner (`netlab solve`, `netlab step`), as `up` would have.

A stuck learner may have made half of a task, or made it wrong: first what they made of it goes
(the pod's links, whose veth peers go with them; the node's routes into the pod network that are
not its own subnet's, and flannel.1's neighbours and forwarding entries; the nat rules outside
kube-proxy's chains, and the nftables rules outside its table, that name the Service's ClusterIP),
then the task's objects are made in one netlink batch per namespace, or kube-proxy syncs every
node for the Services no longer left, or kube-router for the NetworkPolicies (a learner's own
policies were taken out of the lab file before: `RunningLab.build_step`).
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Network

from netlab.errors import KernelError
from netlab.kernel import netns, netpol
from netlab.kernel.build import Namespaces
from netlab.kernel.ruletools import iptables_restore, iptables_save, run_in
from netlab.model.lab import Task
from netlab.model.tasks import service_key
from netlab.plan.model import LabPlan
from netlab.plan.tasks import enforced, proxied
from netlab.proxy.sync import SyncResult, sync
from netlab.readback.nft_rules import listed_rules
from netlab.render.namespaces import CNI0, FLANNEL
from netlab.render.nftables import TABLE as NFT_TABLE
from netlab.render.ops import NamespaceSpec
from netlab.render.taskops import task_ops

NUD_PERMANENT = 0x80


def build_tasks(plan: LabPlan, tasks: list[Task], still_left: list[Task]) -> list[SyncResult]:
    """Make `tasks` (the learner's attempts at them removed first); `still_left` stay undone.

    Returns:
        each node's kube-proxy sync, if a task was a Service's.
    """
    for task in tasks:
        clear(plan, task)
    handles = Namespaces()
    try:
        specs = [NamespaceSpec(ns, ops) for task in tasks for ns, ops in task_ops(plan, task).items()]
        for spec in specs:
            if spec.netns not in handles.fds:
                handles.open(spec.netns)
        for spec in specs:
            handles.apply(spec)
    finally:
        handles.close()
    if any(task.kind == "policy" for task in tasks):
        netpol.sync(enforced(plan, still_left), force=True)
    if any(task.kind == "service" for task in tasks):
        return sync(proxied(plan, still_left), force=True)
    return []


def clear(plan: LabPlan, task: Task) -> None:
    """Remove what a learner made of the task, so that it can be made as planned (a policy's are
    NetworkPolicies of the lab file, gone before: nothing here)."""
    if task.kind == "veth":
        pod = next(p for p in plan.pods if p.name == task.target)
        node = next(n for n in plan.nodes if n.name == pod.node)
        with netns.iproute(pod.netns) as ipr:
            for link in ipr.get_links():
                if link["index"] != 1:
                    ipr.link("del", index=link["index"])  # a veth's peer goes with it
        with netns.iproute(node.netns) as ipr:
            for index in ipr.link_lookup(ifname=pod.host_veth):
                ipr.link("del", index=index)
    elif task.kind == "routes":
        node = next(n for n in plan.nodes if n.name == task.target)
        _clear_routes(node.netns, plan.lab.cluster.pod_cidr)
    elif task.kind == "service":
        _clear_rules(plan, str(plan.known_service(*service_key(task.target)).cluster_ip))


def _clear_routes(netns_name: str, pod_cidr: IPv4Network) -> None:
    with netns.iproute(netns_name) as ipr:
        for route in ipr.get_routes(family=socket.AF_INET, table=254):
            dst = route.get("RTA_DST")
            network = IPv4Network(f"{dst}/{route['dst_len']}", strict=False) if dst else None
            if network and route.get("RTA_OIF") != CNI0 and network.overlaps(pod_cidr):
                ipr.route("del", dst=str(network), table=254)
        if ipr.link_lookup(index=FLANNEL):
            for entry in ipr.get_neighbours(family=socket.AF_INET, ifindex=FLANNEL):
                if entry["state"] & NUD_PERMANENT:
                    ipr.neigh("del", dst=entry.get("NDA_DST"), ifindex=FLANNEL)
            for entry in ipr.get_neighbours(family=socket.AF_BRIDGE, ifindex=FLANNEL):
                if entry.get("NDA_DST"):
                    ipr.fdb("del", ifindex=FLANNEL, lladdr=entry.get("NDA_LLADDR"), dst=entry.get("NDA_DST"))


def _clear_rules(plan: LabPlan, cluster_ip: str) -> None:
    """The learner's own rules for the ClusterIP, iptables nat rules and nftables rules alike
    (kube-proxy's sync replaces its own chains and table)."""
    for node in plan.nodes:
        mine = [
            line
            for line in iptables_save(node.netns).rules.get("nat", [])
            if cluster_ip in line.split() or f"{cluster_ip}/32" in line.split()
            if not line.split()[1].startswith("KUBE-")
        ]
        if mine:
            iptables_restore(node.netns, "*nat\n" + "".join("-D" + line[2:] + "\n" for line in mine) + "COMMIT\n")
        listed = run_in(node.netns, ["nft", "-a", "list", "ruleset"])
        doomed = (
            [
                r
                for r in listed_rules(listed.stdout)
                if r.chain and r.table != NFT_TABLE and cluster_ip in r.words and r.handle
            ]
            if listed.returncode == 0
            else []
        )
        if doomed:
            script = "".join(f"delete rule {r.family} {r.table} {r.chain} handle {r.handle}\n" for r in doomed)
            done = run_in(node.netns, ["nft", "-f", "-"], script)
            if done.returncode:
                raise KernelError(f"in {node.netns}: nft could not delete the learner's rules: {done.stderr.strip()}")
