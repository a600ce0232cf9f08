"""Which of a lab's tasks are left undone, and the Services kube-proxy syncs without them (pure).

A guide step may name what it builds (`builds:`, model/tasks.py). Everything no step names is
the lab's base, always built. `up --until-step N` leaves the tasks of the steps after N, `up
--leave S` those of step S; `step` and `solve` build them later. What a `veth` or `routes` task
is in kernel objects is render/taskops.py's; a `service` task is the Service's part of
kube-proxy's ruleset on every node, so kube-proxy syncs the lab's Services without those left; a
`policy` task is the NetworkPolicy's part of kube-router's sets and chains, so kube-router syncs
the lab's policies without those left (but a policy of that name the learner applied: theirs).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from netlab.errors import BadInput
from netlab.model.lab import Lab, Task
from netlab.model.policytypes import NetworkPolicy
from netlab.model.tasks import policy_key, service_key
from netlab.plan.model import LabPlan


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


def proxied(plan: LabPlan, left: list[Task]) -> LabPlan:
    """The plan kube-proxy syncs: the lab's Services but those whose rules are left to the learner."""
    skipped = {service_key(t.target) for t in left if t.kind == "service"}
    return replace(plan, services=tuple(s for s in plan.services if (s.name, s.namespace) not in skipped))


def enforced(plan: LabPlan, left: list[Task], own: tuple[str, ...] = ()) -> LabPlan:
    """The plan kube-router syncs: the lab's NetworkPolicies but those of the tasks left, unless
    the learner applied one of that name (`own`, ns/name): then it is theirs, and enforced."""
    skipped = {policy_key(t.target) for t in left if t.kind == "policy"} - set(own)
    return with_policies(plan, tuple(p for p in plan.lab.network_policies if p.key not in skipped))


def as_built(plan: LabPlan, canonical: tuple[NetworkPolicy, ...], step: int, left: list[StepTask]) -> LabPlan:
    """The plan as the lab file would have it with `step` built: its own policies (`canonical`, as
    `up` read them, whatever the learner applied since), but those of the other steps still left.
    What `check` expects a policy task's traffic to do."""
    skipped = {policy_key(t.task.target) for t in left if t.task.kind == "policy" and t.step != step}
    return with_policies(plan, tuple(p for p in canonical if p.key not in skipped))


def with_policies(plan: LabPlan, policies: tuple[NetworkPolicy, ...]) -> LabPlan:
    return replace(plan, lab=replace(plan.lab, network_policies=policies))
