"""netlab solve LAB STEP: build a guide step's tasks for a learner who is stuck;
netlab solve LAB (no STEP): repair the fault `netlab break` put in, with its canonical fix.

Steps:
* open the running lab; the step must build something (its guide's `builds:`)
* remove what the learner made of those tasks, then build them as `up` does (kernel/learner_tasks.py)
* a NetworkPolicy task: the learner's own NetworkPolicies go first, the lab's own are back (said)
* record that they are built, and print what was added, as `ip`/`iptables`/`nft`/`ipset` commands
`netlab step LAB` (cli/step.py) is the same for the first step not built yet.
Without STEP: print the fault's fix, run it, prove the fault gone (its proof passes), clear it.
"""

from __future__ import annotations

import click

from netlab import broken
from netlab.cli.common import out, require_root
from netlab.errors import LabStateError
from netlab.plan.tasks import step_tasks
from netlab.render.taskcmds import task_commands
from netlab.running import RunningLab


@click.command("solve")
@click.argument("lab")
@click.argument("step", type=int, required=False)
def cmd(lab: str, step: int | None) -> None:
    """Build guide step STEP's tasks of the running LAB (learner mode's way out); without STEP,
    repair the fault `netlab break` put in."""
    require_root("solve")
    running = RunningLab.open(lab)
    if step is None:
        repair(running)
        return
    step_tasks(running.plan.lab, step)  # bad input before the lock: the step builds nothing
    build_step(running, step)


def build_step(running: RunningLab, step: int) -> None:
    """Build one step's tasks and say what changed in the kernel."""
    chosen, left, undone = running.build_step(step)
    plan = running.plan  # as built: a policy task's step takes the learner's own policies out
    guide_step = plan.lab.guide[step - 1]
    out.print(f"lab {plan.name}: built step {step} ({guide_step.title}): {', '.join(map(str, chosen))}", markup=False)
    if undone:
        out.print(
            f"  your NetworkPolicies {', '.join(undone)} are replaced by the lab's own "
            f"(policies add up: one of yours could allow what the step's does not)",
            markup=False,
        )
    for line in task_commands(plan, chosen, [t.task for t in left]):
        out.print(f"  {line}", markup=False, soft_wrap=True)
    following = sorted({t.step for t in left})
    out.print(
        f"next: netlab check {plan.name}"
        + (f"; netlab step {plan.name} builds step {following[0]}" if following else ""),
        markup=False,
    )


def repair(running: RunningLab) -> None:
    """Run the fault's canonical fix, say what it ran, and prove the fault gone."""
    lab = running.plan.name
    if running.state.settings().fault is None:
        raise LabStateError(f"lab {lab} has no fault to repair: netlab solve {lab} STEP builds a guide step")
    injected = broken.repair(running)
    out.print(f"lab {lab}: fault {injected.breakage.fault} ({injected.breakage.target}), repaired with:", markup=False)
    for line in injected.breakage.fix:
        out.print(f"  {line}", markup=False, soft_wrap=True)
    out.print(f"next: netlab verify {lab}", markup=False)
