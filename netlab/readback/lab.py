"""A running lab as the kernel holds it (pure data): what `status` reports and `diagram` draws.

`RunningLab.read` fills it from the kernel: every namespace's view, each Service's endpoints as the
first node's rules hold them (every node holds the same rules for ClusterIP Services) or, for a
headless Service, as cluster DNS's zone holds them (no rules anywhere: DNS is all there is of it),
and how many processes the lab runs. Both verbs read this one object, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address

from netlab.plan.model import LabPlan, ServicePlan
from netlab.readback.netns import NamespaceView

Programmed = dict[str, tuple[str | None, list[str]]]  # per service port (`ns/svc:port`): its frontend and endpoints


@dataclass(frozen=True)
class HeldEndpoint:
    """An endpoint a Service's rules (or its DNS records) hold."""

    ip: IPv4Address
    port: int

    def __str__(self) -> str:
        return f"{self.ip}:{self.port}"


@dataclass(frozen=True)
class HeldService:
    service: ServicePlan
    endpoints: tuple[HeldEndpoint, ...]  # sorted by `ip:port`, as kube-proxy sorts them
    programmed: bool | None  # every port's frontend is in the rules; None: no ClusterIP, no rules


@dataclass(frozen=True)
class HeldLab:
    plan: LabPlan
    views: Mapping[str, NamespaceView | None]  # per namespace; None: it is gone
    services: tuple[HeldService, ...]
    processes: int
    init_status: Mapping[str, dict | None] = field(
        default_factory=dict
    )  # pods with init containers: their runner's word

    def ip(self, netns: str) -> str | None:
        """The namespace's eth0 address as the kernel holds it (None: none, or the namespace is gone)."""
        view = self.views.get(netns)
        return view.ip() if view else None


def held_services(
    plan: LabPlan, programmed: Mapping[str, tuple[str | None, list[str]]], in_dns: Mapping[str, set[str]]
) -> tuple[HeldService, ...]:
    """Each Service of the plan with what the rules (`programmed`, per service port) or cluster
    DNS (`in_dns`: the addresses per `name.namespace`) hold of it."""
    found = []
    for svc in plan.services:
        held = [programmed.get(p.port_name) for p in svc.ports]
        if svc.headless:
            answered = in_dns.get(f"{svc.name}.{svc.namespace}", set())
            endpoints = {HeldEndpoint(e.ip, e.port) for p in svc.ports for e in p.endpoints if str(e.ip) in answered}
        else:
            endpoints = {_endpoint(text) for h in held if h for text in h[1]}
        programmed_all = all(h and h[0] for h in held) if svc.cluster_ip else None
        found.append(HeldService(svc, tuple(sorted(endpoints, key=str)), programmed_all))
    return tuple(found)


def _endpoint(text: str) -> HeldEndpoint:
    """`ip:port`, as the rules' read-back gives it."""
    ip, _, port = text.rpartition(":")
    return HeldEndpoint(IPv4Address(ip), int(port))
