"""A learner's task as the kernel objects it is (pure): a subset of the ops `up` applies, so a
task built later is exactly what `up` would have built. plan/tasks.py says which tasks are left.

* `veth POD`: the node's end of the pod's veth pair on cni0 (hairpin on), and in the pod eth0 up
  with its address and default route: what the CNI bridge plugin's ADD makes;
* `routes NODE`: the node's routes to each other node's pod subnet (host-gw: via that node;
  vxlan: via its VTEP on flannel.1, with the neighbour and forwarding entries flannel programs);
* `service NAME`: no objects; its rules are kube-proxy's (plan.tasks.proxied);
* `policy NAME`: no objects; its sets and chains are kube-router's (plan.tasks.enforced).
"""

from __future__ import annotations

from dataclasses import replace

from netlab.model.lab import Task
from netlab.plan.model import LabPlan
from netlab.render.namespaces import DEFAULT, ETH0, node_spec, pod_attachment, pod_spec
from netlab.render.ops import Address, Fdb, LinkUp, NamespaceSpec, Neighbour, Op, Route


def task_ops(plan: LabPlan, task: Task) -> dict[str, tuple[Op, ...]]:
    """The kernel objects of a `veth` or `routes` task, per namespace, in the order they must be
    made (the node's veth end creates the pod's eth0); a `service` or `policy` task has none (rules instead)."""
    if task.kind == "veth":
        pod = next(p for p in plan.pods if p.name == task.target)
        node = next(n for n in plan.nodes if n.name == pod.node)
        own = tuple(op for op in pod_spec(plan, pod).ops if _on_eth0(op))
        return {node.netns: tuple(pod_attachment(plan, pod)), pod.netns: own}
    if task.kind == "routes":
        node = next(n for n in plan.nodes if n.name == task.target)
        others = {n.pod_cidr for n in plan.nodes if n is not node}
        return {
            node.netns: tuple(
                op
                for op in node_spec(plan, node).ops
                if isinstance(op, (Neighbour, Fdb)) or (isinstance(op, Route) and op.dst in others)
            )
        }
    return {}


def _on_eth0(op: Op) -> bool:
    """The pod's own side of its veth task: eth0 up, its address, its default route."""
    if isinstance(op, (LinkUp, Address)):
        return op.index == ETH0
    return isinstance(op, Route) and op.dev_index == ETH0 and op.dst == DEFAULT


def without(specs: list[NamespaceSpec], plan: LabPlan, left: list[Task]) -> list[NamespaceSpec]:
    """The lab's namespaces without the objects of the tasks left."""
    removed: dict[str, set[Op]] = {}
    for task in left:
        for netns, ops in task_ops(plan, task).items():
            removed.setdefault(netns, set()).update(ops)
    return [replace(spec, ops=tuple(op for op in spec.ops if op not in removed.get(spec.netns, ()))) for spec in specs]
