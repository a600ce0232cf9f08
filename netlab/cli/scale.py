"""netlab scale LAB NAME N: set a Deployment's or StatefulSet's replicas in a running lab.

Steps:
* set spec.replicas in the lab's recorded manifests (NAME: a Deployment's or StatefulSet's name, or
  deployment/NAME, statefulset/NAME), validate and plan the result
* add or remove the pods (a StatefulSet's in ordinal order, and from the highest ordinal down),
  resync every node's kube-proxy rules, flush stale UDP conntrack entries (a failure on the way rolls
  all of it back: the lab is as it was)
* print the Services' endpoints as they are now
"""

from __future__ import annotations

import click

from netlab.cli.common import change, print_change, require_root
from netlab.model import edit


@click.command("scale")
@click.argument("lab")
@click.argument("workload", metavar="NAME")
@click.argument("replicas", type=click.IntRange(min=0))
@click.option("-n", "--namespace", default="default", show_default=True)
def cmd(lab: str, workload: str, replicas: int, namespace: str) -> None:
    """Scale the Deployment or StatefulSet NAME of LAB to REPLICAS pods (like kubectl scale)."""
    require_root("scale")
    print_change(*change(lab, lambda text: edit.scale(text, workload, replicas, namespace)))
