"""The desired kernel objects of one namespace, as plain data.

`render.namespaces` produces these from a plan; `kernel.netlink` encodes them as rtnetlink messages
and applies a namespace's list in one batch; `render.ipcmd` writes the same list as the `ip`
commands a person would type. One description, two encoders: what netlab builds and what it
explains cannot drift apart.

Interface indexes are chosen, not discovered (lo is 1 everywhere), so a whole namespace is one
batch with no lookups in between.
"""

from __future__ import annotations

from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv4Network


@dataclass(frozen=True)
class Sysctl:
    """A /proc/sys/net value of this namespace (e.g. `net/ipv4/ip_forward`)."""

    path: str
    value: str


@dataclass(frozen=True)
class LinkUp:
    """Bring an existing link up; `alias` tags it (lo carries `netlab:<lab>`, netlab's ownership mark)."""

    index: int
    name: str
    alias: str | None = None


@dataclass(frozen=True)
class Bridge:
    name: str
    index: int
    mac: str
    mtu: int = 1500


@dataclass(frozen=True)
class Veth:
    """A veth pair made from this namespace; the peer is created directly in `peer_netns`, down
    (the kernel will not bring a peer up as it creates it; the peer's namespace does that)."""

    name: str
    index: int
    peer: str
    peer_index: int
    peer_netns: str
    peer_mac: str
    master: int | None = None
    master_name: str | None = None
    mtu: int = 1500


@dataclass(frozen=True)
class Hairpin:
    """Hairpin mode on a bridge port: a frame may leave by the port it came in on. A pod that
    reaches its own Service is DNATed back to itself, so its packet must go back out of its own
    port (the CNI bridge plugin's hairpinMode, on in flannel's configuration)."""

    index: int
    name: str


@dataclass(frozen=True)
class Vxlan:
    """A flannel-like VTEP: no learning, forwarding programmed statically."""

    name: str
    index: int
    vni: int
    local: IPv4Address
    dev_index: int
    dev: str
    port: int
    mac: str
    mtu: int


@dataclass(frozen=True)
class Address:
    index: int
    dev: str
    address: IPv4Interface


@dataclass(frozen=True)
class Route:
    dst: IPv4Network
    dev_index: int
    dev: str
    via: IPv4Address | None = None
    onlink: bool = False


@dataclass(frozen=True)
class Neighbour:
    """A permanent ARP entry (flannel programs the other VTEPs' MACs this way)."""

    dev_index: int
    dev: str
    address: IPv4Address
    lladdr: str


@dataclass(frozen=True)
class Fdb:
    """A static forwarding entry on a VXLAN device: this MAC lives behind that underlay IP."""

    dev_index: int
    dev: str
    lladdr: str
    dst: IPv4Address


Op = Sysctl | LinkUp | Bridge | Veth | Hairpin | Vxlan | Address | Route | Neighbour | Fdb


@dataclass(frozen=True)
class NamespaceSpec:
    """Everything netlab puts in one namespace, in the order it must be applied."""

    netns: str
    ops: tuple[Op, ...]
