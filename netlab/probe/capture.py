"""tcpdump: count the packets matching a filter in a namespace while other traffic runs."""

from __future__ import annotations

import re

MAX_PACKETS = 1000


def command(netns: str, bpf_filter: str, interface: str | None = None) -> list[str]:
    """Line-buffered, no name lookups, bounded in count; stopped by the runner after the traffic."""
    return [
        "ip",
        "netns",
        "exec",
        netns,
        "tcpdump",
        "-n",
        "-l",
        "-c",
        str(MAX_PACKETS),
        "-i",
        interface or "any",
        *bpf_filter.split(),
    ]


def read(stdout: str, stderr: str) -> tuple[int, str]:
    """(packets matched, the first matching line as an example)."""
    found = re.search(r"(\d+) packets? captured", stderr)
    lines = [line for line in stdout.splitlines() if line.strip()]
    count = int(found.group(1)) if found else len(lines)
    return count, lines[0] if lines else ""
