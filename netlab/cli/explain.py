"""netlab explain LAB: the lab as the plain commands that would build it by hand.

Steps:
* load and plan the lab (its file, or a running lab's own copy: the pods as they are now)
* print it as a shell script (netlab.render.explain): ip/bridge/sysctl, the /etc files, kube-proxy's
  iptables-restore / nft / ipvsadm input per node, the egress NAT, the commands that start the
  workloads (netlab's own servers in it run with this interpreter: it imports netlab), and the
  LoadBalancer IPs' way in (the cloud's routes, MetalLB's addresses)
"""

from __future__ import annotations

import sys

import click

from netlab.model import find_lab, load_lab
from netlab.model.lab import NETWORK_MODES, PROXY_MODES
from netlab.plan import make_plan
from netlab.render.explain import explain
from netlab.running import RunningLab
from netlab.state import LabState


@click.command("explain")
@click.argument("lab")
@click.option("--network", type=click.Choice(NETWORK_MODES), help="Explain it with this pod network.")
@click.option("--proxy-mode", type=click.Choice(PROXY_MODES), help="Explain it with this kube-proxy mode.")
def cmd(lab: str, network: str | None, proxy_mode: str | None) -> None:
    """Print LAB as the ip, iptables/nft/ipvsadm commands that build it by hand."""
    if LabState.is_up(lab) and not (network or proxy_mode):
        plan = RunningLab.open(lab).plan
    else:
        plan = make_plan(load_lab(find_lab(lab)), network=network, proxy_mode=proxy_mode)
    click.echo(explain(plan, python=sys.executable), nl=False)
