"""What building a learner's tasks adds to the kernel, as the commands a person would type (pure).

`netlab step` and `netlab solve` print it: a veth or routes task as its `ip`/`bridge` commands
(render.ipcmd, from the same ops netlab applies); a Service's task as the lines its rules add to
each node's kube-proxy transaction (the difference between the node's ruleset without and with
the Service, as `netlab explain` writes it).
"""

from __future__ import annotations

from netlab.model.lab import Task
from netlab.plan.model import LabPlan
from netlab.plan.tasks import proxied
from netlab.proxy import mode_of
from netlab.render.ipcmd import command
from netlab.render.taskops import task_ops


def task_commands(plan: LabPlan, built: list[Task], still_left: list[Task]) -> list[str]:
    lines = [
        " ".join(command(netns, op)) for task in built for netns, ops in task_ops(plan, task).items() for op in ops
    ]
    if any(task.kind == "service" for task in built):
        before, after = proxied(plan, still_left + built), proxied(plan, still_left)
        mode = mode_of(plan)
        for node in plan.nodes:
            old = set(mode.commands(before, node).splitlines())
            added = [line for line in mode.commands(after, node).splitlines() if line not in old]
            lines += [f"# {node.name}: kube-proxy ({plan.proxy_mode}) adds"] + [f"  {line}" for line in added]
    return lines
