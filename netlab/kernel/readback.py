"""Read a lab's namespaces back from the kernel: what `status` shows is what the kernel holds.

Each namespace is read with one pyroute2 IPRoute opened inside it (the thread enters, the socket
stays bound to the namespace): its links with state, MAC and bridge, their IPv4 addresses, and its
main-table routes. A namespace that is gone reads as None.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field

from netlab.kernel import netns


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
    addresses: list[str] = field(default_factory=list)


@dataclass
class NamespaceView:
    name: str
    links: dict[str, Link]
    routes: list[str]

    def ip(self, link: str = "eth0") -> str | None:
        """The first address of a link, without its prefix length."""
        found = self.links.get(link)
        return found.addresses[0].split("/")[0] if found and found.addresses else None


def read(name: str) -> NamespaceView | None:
    if not netns.exists(name):
        return None
    with netns.iproute(name) as ipr:
        links = ipr.get_links()
        names = {msg["index"]: msg.get("IFLA_IFNAME") for msg in links}
        by_index: dict[int, Link] = {}
        for msg in links:
            info = msg.get("IFLA_LINKINFO")
            by_index[msg["index"]] = Link(
                name=names[msg["index"]], index=msg["index"],
                state="up" if msg["flags"] & 1 else "down",
                mac=msg.get("IFLA_ADDRESS") or "", mtu=msg.get("IFLA_MTU") or 0,
                master=names.get(msg.get("IFLA_MASTER")),
                kind=info.get("IFLA_INFO_KIND") if info else None,
                alias=msg.get("IFLA_IFALIAS"),
            )
        for msg in ipr.get_addr(family=socket.AF_INET):
            if msg["index"] in by_index:
                by_index[msg["index"]].addresses.append(f"{msg.get('IFA_ADDRESS')}/{msg['prefixlen']}")
        routes = [_route_text(msg, by_index) for msg in ipr.get_routes(family=socket.AF_INET, table=254)]
    return NamespaceView(name, {link.name: link for link in by_index.values()}, routes)


def _route_text(msg: dict, links: dict[int, Link]) -> str:
    dst = msg.get("RTA_DST")
    text = f"{dst}/{msg['dst_len']}" if dst else "default"
    if msg.get("RTA_GATEWAY"):
        text += f" via {msg.get('RTA_GATEWAY')}"
    oif = links.get(msg.get("RTA_OIF"))
    return text + (f" dev {oif.name}" if oif else "")
