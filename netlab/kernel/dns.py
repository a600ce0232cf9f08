"""A lab's DNS servers: cluster DNS in the coredns pods, and the internet's resolver.

Both are netlab's DNS server (netlab.workloads.dns), started as their container would be: as
nobody, in their namespace, bound to port 53 (UDP and TCP) themselves; each answers from a zone
file in the lab's state directory (dns/, readable by nobody) that netlab renders
(netlab.render.dns) at `up` and after every change. The servers look at the file before each
query, so a change shows in the very next answer, as CoreDNS's API watch makes it show.

- cluster DNS (a container that runs /coredns): `kubernetes cluster.local` with `pods insecure`
  from cluster.zone; other names go to the lab's internet resolver (CoreDNS's `forward .
  /etc/resolv.conf`, the pod's dnsPolicy being Default), through the node's masquerade and the
  gateway, like any pod's traffic. Without a resolver in the lab, those names get SERVFAIL.
- the internet's resolver (an outside host with `dns:`): authoritative for every name, from
  internet.zone: anything it does not hold is NXDOMAIN.
"""

from __future__ import annotations

import sys
import time

from dnslib import QTYPE, RR

from netlab.kernel import procs
from netlab.plan.model import HostPlan, LabPlan, PodPlan
from netlab.render.dns import cluster_zone, internet_zone
from netlab.render.workloads import CLUSTER_ZONE, DNS_SERVER, INTERNET_ZONE, Workload, host_workloads
from netlab.state import LabState


def write_zones(plan: LabPlan, state: LabState) -> None:
    """Render the lab's zones into place (each replaced in one rename: a server never reads half)."""
    serial = int(time.time())
    zones = {
        CLUSTER_ZONE: cluster_zone(plan, serial) if plan.cluster_dns else None,
        INTERNET_ZONE: internet_zone(plan, serial) if plan.resolver else None,
    }
    folder = state.dns_dir
    for name, text in zones.items():
        if text is None:
            continue
        folder.mkdir(mode=0o755, exist_ok=True)
        tmp = folder / f".{name}.tmp"
        tmp.write_text(text)
        tmp.chmod(0o644)
        tmp.replace(folder / name)


def held_addresses(plan: LabPlan, state: LabState) -> dict[str, set[str]]:
    """The addresses cluster DNS answers for each Service name (`name.namespace`), as its zone
    holds them now: a headless Service's endpoints live there and nowhere else."""
    try:
        text = (state.dns_dir / CLUSTER_ZONE).read_text()
    except FileNotFoundError:
        return {}
    suffix = f".svc.{plan.lab.cluster.cluster_domain.rstrip('.')}."
    held: dict[str, set[str]] = {}
    for rr in RR.fromZone(text):
        name = str(rr.rname)
        if rr.rtype == QTYPE.A and name.endswith(suffix) and name.count(".") == suffix.count(".") + 1:
            held.setdefault(name[: -len(suffix)], set()).add(str(rr.rdata))
    return held


def start_server(plan: LabPlan, state: LabState, workload: Workload) -> procs.Starting:
    """A dns workload (render.workloads: cluster DNS in a coredns pod, or the internet's resolver)
    in its namespace (wait for it: `wait_ready`)."""
    member = workload.member
    assert isinstance(member, (PodPlan, HostPlan))  # nodes run no DNS server
    return procs.start_server(
        plan.name,
        member,
        workload.container.name if workload.container else "dns",
        [sys.executable, "-m", DNS_SERVER, *workload.args],
        {**dict(workload.env), "PYTHONPATH": procs.package_root()},
        state.logs / f"{workload.name}.log",
    )


def start_resolver(plan: LabPlan, state: LabState) -> procs.Starting | None:
    """The internet's resolver, if the lab has one (wait for it: `wait_ready`)."""
    resolver = [w for w in host_workloads(plan, str(state.dns_dir)) if w.kind == "dns"]
    return start_server(plan, state, resolver[0]) if resolver else None
