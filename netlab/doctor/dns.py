"""Each cluster DNS pod answering (pure judgement of one bounded lookup per pod): the pod asks its
own server, on its own address, for the kube-dns Service's name; the answer must be the Service's
ClusterIP. Asked from inside the pod, it judges the server alone, not the paths or policies to it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from netlab.doctor.finding import Finding
from netlab.model import clusterdns
from netlab.model.clusterdns import is_coredns
from netlab.plan.model import LabPlan, PodPlan
from netlab.probe.dns import TIMEOUT_S, Lookup


def servers(plan: LabPlan) -> list[PodPlan]:
    """The pods that run cluster DNS (a CoreDNS container, no init containers to wait for)."""
    if plan.cluster_dns is None:
        return []
    return [p for p in plan.pods if not p.init_containers and any(is_coredns(c) for c in p.containers)]


def question(plan: LabPlan) -> str:
    return f"{clusterdns.SERVICE}.{clusterdns.NAMESPACE}.svc.{plan.lab.cluster.cluster_domain.rstrip('.')}"


def dig_argv(plan: LabPlan, pod: PodPlan) -> list[str]:
    """The lookup, run in the pod's namespace: one try, bounded."""
    return ["dig", f"@{pod.ip.ip}", "+tries=1", f"+time={TIMEOUT_S}", "+nocookie", question(plan), "A"]


def dns_findings(plan: LabPlan, answers: Mapping[str, Lookup]) -> Iterator[Finding]:
    want = str(plan.cluster_dns)
    for pod in servers(plan):
        got = answers.get(pod.netns)
        if got is None or (got.status == "NOERROR" and want in got.of_type("A")):
            continue
        found = got.error or f"status {got.status}" + (f", A {', '.join(got.of_type('A'))}" if got.of_type("A") else "")
        yield Finding(
            pod.netns,
            "dns",
            f"cluster DNS on {pod.ip.ip}:53",
            found,
            f"answers {question(plan)} A {want}",
            f"ip netns exec {pod.netns} {' '.join(dig_argv(plan, pod))}",
            "lookups this DNS pod gets are not answered: they time out (5 s, then glibc asks again), or fail",
        )
