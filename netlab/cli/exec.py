"""netlab exec LAB NAME -- CMD...: run a command inside a pod, node or outside host.

Steps:
* find NAME's namespace in the running lab
* enter it (network namespace, a UTS namespace whose hostname is NAME, /sys of the namespace)
* replace this process with CMD: its exit code is netlab's
"""

from __future__ import annotations

import click

from netlab.cli.common import open_running, require_root
from netlab.errors import BadInput
from netlab.kernel.procs import exec_in


@click.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("lab")
@click.argument("name")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def cmd(lab: str, name: str, command: tuple[str, ...]) -> None:
    """Run COMMAND in NAME (a pod, node, outside host, or `underlay`) of LAB, like kubectl exec."""
    require_root("exec")
    if command and command[0] == "--":
        command = command[1:]
    plan = open_running(lab).plan
    netns = plan.netns_of(name.split("/")[0])
    if netns is None:
        known = [m.name for m in (*plan.nodes, *plan.pods, *plan.hosts)] + ["underlay"]
        raise BadInput(f"lab {lab} has no pod, node or host named {name!r} (it has {', '.join(known)})")
    try:
        exec_in(netns, name.split("/")[0], list(command), {})
    except FileNotFoundError:
        raise BadInput(f"command not found: {command[0]}") from None
