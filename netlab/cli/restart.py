"""netlab restart LAB POD: restart a pod's containers (the pod keeps its name and address).

Steps:
* find the pod in the running lab
* stop its processes, give it the Service variables of every Service that exists now, start its
  containers again (`kernel.restart`): how a pod made before a Service comes to see it
* print how many Service variables its containers have
"""

from __future__ import annotations

import click

from netlab.cli.common import open_running, out, require_root
from netlab.errors import BadInput
from netlab.kernel.restart import restart


@click.command("restart")
@click.argument("lab")
@click.argument("pod")
def cmd(lab: str, pod: str) -> None:
    """Restart POD's containers in LAB: they get the Service variables of the Services that exist now."""
    require_root("restart")
    running = open_running(lab)
    member = next((p for p in running.plan.pods if p.name == pod), None)
    if member is None:
        raise BadInput(f"lab {lab} has no pod named {pod!r} (it has {', '.join(p.name for p in running.plan.pods)})")
    running.state.lock()
    env = restart(running.plan, running.state, member)
    services = sorted({name[: -len("_SERVICE_HOST")] for name in env if name.endswith("_SERVICE_HOST")})
    out.print(
        f"pod {pod} restarted: its containers see {len(services)} Service(s) in their environment"
        + (f" ({', '.join(services)})" if services else "")
    )
