"""What building a learner's tasks adds to the kernel, as the commands a person would type (pure).

`netlab step` and `netlab solve` print it: a veth or routes task as its `ip`/`bridge` commands
(render.ipcmd, from the same ops netlab applies); a Service's task as the lines its rules add to
each node's kube-proxy transaction (the difference between the node's ruleset without and with
the Service, as `netlab explain` writes it); a NetworkPolicy's task as the `ipset` and `iptables`
commands of what kube-router's sets and chains gain or lose (render.netpol without and with the
policy): what every node gains alike once, then what only some nodes' pods' chains do.
"""

from __future__ import annotations

from netlab.model.lab import Task
from netlab.plan.model import LabPlan, NodePlan
from netlab.plan.tasks import enforced, proxied
from netlab.proxy import mode_of
from netlab.render.ipcmd import command
from netlab.render.iptables import quote
from netlab.render.netpol import TOP_CHAINS, NodeRules, compliant_accept, render, top_jump
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
    if any(task.kind == "policy" for task in built):
        lines += policy_commands(enforced(plan, still_left + built), enforced(plan, still_left))
    return lines


def policy_commands(before: LabPlan, after: LabPlan) -> list[str]:
    """kube-router's changes from `before`'s policies to `after`'s on each node, as commands."""
    changes = {node.name: _changes(_held(before, node), _held(after, node)) for node in after.nodes}
    common = [line for line in changes[after.nodes[0].name] if all(line in c for c in changes.values())]
    lines = ["# every node: kube-router adds"]
    lines += [f"  {line}" for line in common]
    for node, node_lines in changes.items():
        own = [line for line in node_lines if line not in common]
        if own:
            lines += [f"# {node}: and in its pods' chains"] + [f"  {line}" for line in own]
    return lines


def _held(plan: LabPlan, node: NodePlan) -> NodeRules | None:
    """What kube-router holds on the node for the plan's policies: nothing without any."""
    return render(plan, node) if plan.lab.network_policies else None


def _changes(old: NodeRules | None, new: NodeRules | None) -> list[str]:
    """`ipset` and `iptables` commands from the node's `old` sets and chains to `new` (None: none)."""
    was, now = old or NodeRules(chains=[]), new or NodeRules(chains=[])
    lines = []
    for name, ipset in sorted(now.sets.items()):
        held = was.sets.get(name)
        if held is None:
            lines.append(f"ipset create {name} {ipset.type}")
        lines += [f"ipset add {name} {entry}" for entry in ipset.entries if held is None or entry not in held.entries]
        lines += [f"ipset del {name} {entry}" for entry in (held.entries if held else ()) if entry not in ipset.entries]
    lines += [f"iptables -N {chain}" for chain in now.chains if chain not in was.chains]
    if old is None and new is not None:
        lines += [f"iptables -I {builtin} 1 {' '.join(map(quote, top_jump(builtin)))}" for builtin in TOP_CHAINS]
    lines += [f"iptables {rule}" for rule in now.rules if rule not in set(was.rules)]
    lines += [f"iptables -D{rule[2:]}" for rule in was.rules if rule not in set(now.rules)]
    if old is None and new is not None:
        lines += [f"iptables -A {builtin} {' '.join(map(quote, compliant_accept()))}" for builtin in TOP_CHAINS]
    lines += [f"iptables -X {chain}" for chain in was.chains if chain not in now.chains]
    lines += [f"ipset destroy {name}" for name in sorted(was.sets.keys() - now.sets.keys())]
    return lines
