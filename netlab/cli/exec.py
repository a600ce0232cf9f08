"""netlab exec LAB NAME -- CMD...: run a command inside a pod, node or outside host.

Steps:
* find NAME's namespace in the running lab
* enter it (network namespace, a UTS namespace whose hostname is NAME, /sys of the namespace, its
  /etc files: a pod's resolv.conf and hosts)
* in a pod, take the container's environment (NAME/CONTAINER, else the first container): the
  pod's Service variables as its containers got them, the container's own `env` over them
* replace this process with CMD: its exit code is netlab's
"""

from __future__ import annotations

import click

from netlab.cli.common import require_root
from netlab.running import RunningLab


@click.command("exec", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("lab")
@click.argument("name")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def cmd(lab: str, name: str, command: tuple[str, ...]) -> None:
    """Run COMMAND in NAME (a pod, node, outside host, or `underlay`) of LAB, like kubectl exec."""
    require_root("exec")
    if command and command[0] == "--":
        command = command[1:]
    RunningLab.open(lab).exec(name, list(command))
