"""ping: is an address reachable at the IP layer, and if not, why."""

from __future__ import annotations

import re
from dataclasses import dataclass

COUNT, WAIT_S = 2, 1


@dataclass(frozen=True)
class PingResult:
    reachable: bool
    detail: str


def command(netns: str, address: str) -> list[str]:
    """Two echo requests 0.2 s apart, one second to wait for each: bounded at ~1.5 s."""
    return ["ip", "netns", "exec", netns, "ping", "-n", "-c", str(COUNT), "-i", "0.2", "-W", str(WAIT_S), address]


def read(returncode: int, stdout: str, stderr: str) -> PingResult:
    received = re.search(r"(\d+) received", stdout)
    rtt = re.search(r"= [\d.]+/([\d.]+)/", stdout)
    if returncode == 0 and received and int(received.group(1)) > 0:
        return PingResult(True, f"{received.group(1)}/{COUNT} replies" + (f", rtt {rtt.group(1)} ms" if rtt else ""))
    text = (stderr + stdout).lower()
    if "port unreachable" in text:
        return PingResult(False, "rejected (ICMP port unreachable)")
    if "host unreachable" in text or " errors" in text:
        return PingResult(False, "no route (host unreachable)")
    if "unreachable" in text:
        return PingResult(False, "no route (network unreachable)")
    return PingResult(False, "no reply (timeout)")
