"""A namespace as read back from the kernel (pure data): its links, IPv4 addresses and routes.

kernel.netnsread fills it; `status`, `diagram` and verify's hints only read it, so judging what
the kernel holds needs no kernel (the unit tests build views by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Network


@dataclass
class Link:
    name: str
    index: int
    state: str
    mac: str
    mtu: int
    master: str | None
    kind: str | None
    alias: str | None = None
    peer_index: int | None = None  # a veth's: its peer's index, in the peer's namespace
    addresses: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class RouteView:
    dst: IPv4Network
    gateway: str | None
    dev: str | None

    def __str__(self) -> str:
        text = "default" if self.dst.prefixlen == 0 else str(self.dst)
        return text + (f" via {self.gateway}" if self.gateway else "") + (f" dev {self.dev}" if self.dev else "")


@dataclass
class NamespaceView:
    name: str
    links: dict[str, Link]
    routes: list[RouteView]

    def ip(self, link: str = "eth0") -> str | None:
        """The first address of a link, without its prefix length."""
        found = self.links.get(link)
        return found.addresses[0].split("/")[0] if found and found.addresses else None
