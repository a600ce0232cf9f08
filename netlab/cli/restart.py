"""netlab restart LAB POD: restart a pod's containers (the pod keeps its name and address).

Steps:
* find the pod in the running lab
* stop its processes, give it the Service variables of every Service that exists now, start its
  containers again (`kernel.restart`): how a pod made before a Service comes to see it
* print how many Service variables its containers have
"""

from __future__ import annotations

import click

from netlab.cli.common import out, require_root
from netlab.running import RunningLab


@click.command("restart")
@click.argument("lab")
@click.argument("pod")
def cmd(lab: str, pod: str) -> None:
    """Restart POD's containers in LAB: they get the Service variables of the Services that exist now."""
    require_root("restart")
    env = RunningLab.open(lab).restart(pod)
    services = sorted({name[: -len("_SERVICE_HOST")] for name in env if name.endswith("_SERVICE_HOST")})
    out.print(
        f"pod {pod} restarted: its containers see {len(services)} Service(s) in their environment"
        + (f" ({', '.join(services)})" if services else "")
    )
