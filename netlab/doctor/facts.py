"""What the kernel holds of a running lab, as doctor reads it (pure data; kernel/doctorread.py
fills it, the unit tests build it by hand)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from netlab.probe.dns import Lookup
from netlab.readback.iptables import Saved
from netlab.readback.netns import NamespaceView


@dataclass(frozen=True)
class Facts:
    views: Mapping[str, NamespaceView | None]  # per namespace; None: it is gone
    sysctls: Mapping[str, Mapping[str, str | None]]  # per namespace: path -> value (None: not there)
    hairpin: Mapping[str, Mapping[str, bool]]  # per node: bridge port -> hairpin mode on
    neighbours: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # per node: flannel.1's IP -> MAC
    fdb: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # per node: flannel.1's MAC -> underlay IP
    saved: Mapping[str, Saved | None] = field(default_factory=dict)  # per node (and gateway): iptables-save
    nft: Mapping[str, str | None] = field(default_factory=dict)  # per node: `nft -j list table ip kube-proxy`
    tables: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # per node: `nft list tables` (`ip nat`...)
    conntrack: Mapping[str, str] = field(default_factory=dict)  # per node: `conntrack -L -p udp`
    listening: Mapping[str, set[tuple[int, str]]] = field(default_factory=dict)  # per pod: (port, TCP|UDP)
    dns: Mapping[str, Lookup] = field(default_factory=dict)  # per cluster DNS pod: its own server's answer
    etc: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)  # per namespace: /etc/netns file -> text
