"""Each pod's echo ports against the sockets listening in its namespace (pure): netlab's echo
server binds every port the plan gives a pod's containers (`PodPlan.echo_ports`); one that is not
listening refuses every connection, whatever the path and the rules do. Pods with init containers
are left out: their ports open only once the init containers are done, which may be later."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from netlab.doctor.finding import Finding
from netlab.plan.model import LabPlan, PodPlan

_SYMPTOM = {
    "TCP": "connections to this port are refused at once (TCP RST), by the Service or the pod's IP",
    "UDP": "datagrams to this port get an ICMP port unreachable: UDP requests to it fail",
}


def checked(plan: LabPlan) -> list[PodPlan]:
    """The pods whose listening sockets doctor reads."""
    return [p for p in plan.pods if p.echo_ports() and not p.init_containers]


def parse_ss(text: str) -> set[tuple[int, str]]:
    """(port, protocol) of every listening socket `ss -ltnuH` prints."""
    found = set()
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0] in ("tcp", "udp"):
            port = fields[4].rsplit(":", 1)[-1]
            if port.isdigit():
                found.add((int(port), fields[0].upper()))
    return found


def listening_findings(plan: LabPlan, held: Mapping[str, set[tuple[int, str]]]) -> Iterator[Finding]:
    for pod in checked(plan):
        if pod.netns not in held:
            continue
        for port, protocol in pod.echo_ports():
            if (port, protocol) not in held[pod.netns]:
                yield Finding(
                    pod.netns,
                    "listening",
                    f"{protocol.lower()} port {port}",
                    "nothing listens",
                    "the echo server listens",
                    f"ip netns exec {pod.netns} ss -ltnu",
                    _SYMPTOM[protocol],
                )
