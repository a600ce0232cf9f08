"""bridge fdb: which MAC addresses a bridge has learned, and on which port."""

from __future__ import annotations

import json


def command(netns: str, bridge: str) -> list[str]:
    return ["ip", "netns", "exec", netns, "bridge", "-j", "fdb", "show", "br", bridge]


def read(stdout: str) -> dict[str, str]:
    """Learned (dynamic) entries: MAC -> port. Permanent entries (the bridge's own) are left out."""
    entries = json.loads(stdout or "[]")
    return {
        e["mac"]: e.get("ifname", "")
        for e in entries
        if "permanent" not in e.get("state", "") and "self" not in e.get("flags", [])
    }
