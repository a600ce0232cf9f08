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

from netlab.cli.common import netns_named, require_root
from netlab.errors import BadInput
from netlab.kernel.procs import exec_in
from netlab.render.workloads import container_env
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
    running = RunningLab.open(lab)
    plan = running.plan
    member_name, _, container_name = name.partition("/")
    netns = netns_named(plan, member_name)
    env: dict[str, str] = {}
    pod = next((p for p in plan.pods if p.name == member_name), None)
    if pod is not None:
        container = next((c for c in pod.containers if c.name == container_name or not container_name), None)
        if container is None:
            raise BadInput(
                f"pod {member_name} has no container {container_name!r} "
                f"(it has {', '.join(c.name for c in pod.containers)})"
            )
        env = container_env(running.state.service_env().get(pod.name, {}), container)
    try:
        exec_in(netns, member_name, list(command), env)
    except FileNotFoundError:
        raise BadInput(f"command not found: {command[0]}") from None
