"""Which of a lab's tasks are left undone, and what each task is in kernel objects (pure).

A guide step may name what it builds (`builds:`, model/tasks.py). Everything no step names is
the lab's base, always built. `up --until-step N` leaves the tasks of the steps after N, `up
--leave S` those of step S; `step` and `solve` build them later, from the same description:

* `veth POD`: the node's end of the pod's veth pair on cni0 (hairpin on), and in the pod eth0 up
  with its address and default route: what the CNI bridge plugin's ADD makes;
* `routes NODE`: the node's routes to each other node's pod subnet (host-gw: via that node;
  vxlan: via its VTEP on flannel.1, with the neighbour and forwarding entries flannel programs);
* `service NAME`: the Service's part of kube-proxy's ruleset on every node: kube-proxy syncs the
  lab's Services without the Services left.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netlab.errors import BadInput
from netlab.model.lab import Lab, Task
from netlab.model.tasks import service_key
from netlab.plan.model import LabPlan
from netlab.render.ops import Address, Fdb, LinkUp, NamespaceSpec, Neighbour, Op, Route
from netlab.render.topology import DEFAULT, ETH0, node_spec, pod_attachment, pod_spec


@dataclass(frozen=True)
class StepTask:
    """A task and the guide step (1-based) that builds it."""

    step: int
    task: Task

    def __str__(self) -> str:
        return f"step {self.step}: {self.task}"


def lab_tasks(lab: Lab) -> list[StepTask]:
    return [StepTask(number, task) for number, step in enumerate(lab.guide, start=1) for task in step.builds]


def left_tasks(lab: Lab, until_step: int | None = None, leave: int | None = None) -> list[StepTask]:
    """The tasks `up` leaves undone: those after step `until_step`, or those of step `leave`.

    Raises:
        BadInput: both given, a step the guide does not have, or a step that builds nothing.
    """
    if until_step is not None and leave is not None:
        raise BadInput("--until-step and --leave do not go together: one builds up to a step, the other all but one")
    steps = len(lab.guide)
    tasks = lab_tasks(lab)
    if until_step is not None:
        if not 0 <= until_step <= steps:
            raise BadInput(f"lab {lab.name} has steps 1 to {steps}: --until-step {until_step} is not one of them")
        return [t for t in tasks if t.step > until_step]
    if leave is not None:
        chosen = [t for t in tasks if t.step == leave]
        if not chosen:
            raise BadInput(f"step {leave} of lab {lab.name} builds nothing to leave to you ({_with_tasks(tasks)})")
        return chosen
    return []


def step_tasks(lab: Lab, step: int) -> list[StepTask]:
    """The tasks of one step (`solve LAB STEP`).

    Raises:
        BadInput: the step builds nothing.
    """
    tasks = lab_tasks(lab)
    chosen = [t for t in tasks if t.step == step]
    if not chosen:
        raise BadInput(f"step {step} of lab {lab.name} builds nothing ({_with_tasks(tasks)})")
    return chosen


def _with_tasks(tasks: list[StepTask]) -> str:
    steps = sorted({t.step for t in tasks})
    return f"steps that do: {', '.join(map(str, steps))}" if steps else "no step of its guide does"


def task_ops(plan: LabPlan, task: Task) -> dict[str, tuple[Op, ...]]:
    """The kernel objects of a `veth` or `routes` task, per namespace, in the order they must be
    made (the node's veth end creates the pod's eth0); a `service` task has none (rules instead)."""
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


def proxied(plan: LabPlan, left: list[Task]) -> LabPlan:
    """The plan kube-proxy syncs: the lab's Services but those whose rules are left to the learner."""
    skipped = {service_key(t.target) for t in left if t.kind == "service"}
    return replace(plan, services=tuple(s for s in plan.services if (s.name, s.namespace) not in skipped))
