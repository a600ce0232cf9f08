"""Stale UDP conntrack entries, flushed the way kube-proxy flushes them after a sync.

UDP has no close: an entry keeps DNATing a client's flow to the backend it first picked (or to
nothing) for as long as the client keeps sending. After endpoints change, for every UDP Service
port that has endpoints, kube-proxy deletes the entries whose original destination is the
Service and whose reply source is not one of its endpoints (pkg/proxy/conntrack/cleanup.go).
TCP entries are never touched. The equivalent command:
`conntrack -D -p udp --orig-dst <ClusterIP> --orig-port-dst <port> --reply-src <stale endpoint>`.
"""

from __future__ import annotations

import re
import subprocess

from netlab.kernel import netns
from netlab.plan.model import LabPlan

DELETED = re.compile(r"(\d+) flow entries have been deleted")


def stale_reply_sources(listing: str, endpoints: set[str]) -> set[str]:
    """Reply sources in `conntrack -L` output that are not endpoints (pure)."""
    stale = set()
    for line in listing.splitlines():
        sources = re.findall(r"src=(\S+)", line)
        if len(sources) >= 2 and sources[1] not in endpoints:
            stale.add(sources[1])
    return stale


def flush_stale_udp(plan: LabPlan) -> int:
    """Delete every node's stale UDP entries for the lab's Services; returns how many flows went."""
    removed = 0
    for node in plan.nodes:
        enter = ["nsenter", f"--net={netns.path(node.netns)}", "conntrack"]
        for svc in plan.services:
            for port in svc.ports:
                if port.protocol != "UDP" or not port.endpoints or svc.cluster_ip is None:
                    continue
                frontend = ["-p", "udp", "--orig-dst", str(svc.cluster_ip), "--orig-port-dst", str(port.port)]
                listing = subprocess.run([*enter, "-L", *frontend], capture_output=True, text=True, timeout=10)
                for source in stale_reply_sources(listing.stdout, {str(e.ip) for e in port.endpoints}):
                    done = subprocess.run(
                        [*enter, "-D", *frontend, "--reply-src", source], capture_output=True, text=True, timeout=10
                    )
                    found = DELETED.search(done.stderr)
                    removed += int(found.group(1)) if found else 0
    return removed
