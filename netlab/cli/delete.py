"""netlab delete LAB KIND/NAME...: delete pods, Services, Deployments, StatefulSets, Ingresses,
IngressClasses, ConfigMaps, Secrets, EndpointSlices or Endpoints of a running lab.

Steps:
* remove the objects from the lab's recorded manifests, validate and plan the result
* remove their pods, resync every node's kube-proxy rules, flush stale UDP conntrack entries
  (a failure on the way rolls all of it back: the lab is as it was)
A pod that belongs to a Deployment or StatefulSet is not an object of the lab: scale it instead.
"""

from __future__ import annotations

import click

from netlab.cli.common import change, print_change, require_root
from netlab.model import edit


@click.command("delete")
@click.argument("lab")
@click.argument("refs", nargs=-1, required=True, metavar="KIND/NAME...")
@click.option("-n", "--namespace", default="default", show_default=True)
def cmd(lab: str, refs: tuple[str, ...], namespace: str) -> None:
    """Delete objects (pod/NAME, svc/NAME, deploy/NAME, sts/NAME, ing/NAME, ingressclass/NAME, secret/NAME,
    endpointslice/NAME, ep/NAME, netpol/NAME, ns/NAME) from LAB (like kubectl delete)."""
    require_root("delete")
    print_change(*change(lab, lambda text: edit.delete(text, list(refs), namespace)))
