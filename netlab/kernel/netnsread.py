"""Read a lab's namespaces back from the kernel: what `status` shows is what the kernel holds.

Each namespace is read with one pyroute2 IPRoute opened inside it (the thread enters, the socket
stays bound to the namespace): its links with state, MAC and bridge, their IPv4 addresses, and its
main-table routes; on request a device's neighbours and forwarding entries (flannel's VXLAN
programming). A namespace that is gone reads as None.
"""

from __future__ import annotations

import socket
from ipaddress import IPv4Network

from netlab.kernel import netns
from netlab.readback.netns import Link, NamespaceView, RouteView


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
                name=names[msg["index"]],
                index=msg["index"],
                state="up" if msg["flags"] & 1 else "down",
                mac=msg.get("IFLA_ADDRESS") or "",
                mtu=msg.get("IFLA_MTU") or 0,
                master=names.get(msg.get("IFLA_MASTER")),
                kind=info.get("IFLA_INFO_KIND") if info else None,
                alias=msg.get("IFLA_IFALIAS"),
                peer_index=msg.get("IFLA_LINK") if msg.get("IFLA_LINK") != msg["index"] else None,
            )
        for msg in ipr.get_addr(family=socket.AF_INET):
            if msg["index"] in by_index:
                by_index[msg["index"]].addresses.append(f"{msg.get('IFA_ADDRESS')}/{msg['prefixlen']}")
        routes = [_route(msg, by_index) for msg in ipr.get_routes(family=socket.AF_INET, table=254)]
    return NamespaceView(name, {link.name: link for link in by_index.values()}, routes)


def _route(msg: dict, links: dict[int, Link]) -> RouteView:
    oif = links.get(index) if (index := msg.get("RTA_OIF")) is not None else None
    return RouteView(
        IPv4Network(f"{msg.get('RTA_DST') or '0.0.0.0'}/{msg['dst_len']}", strict=False),
        msg.get("RTA_GATEWAY"),
        oif.name if oif else None,
    )


def forwarding(name: str, index: int) -> tuple[dict[str, str], dict[str, str]]:
    """A device's permanent IPv4 neighbours (address -> MAC) and its forwarding entries (MAC ->
    underlay address): what flannel programs on flannel.1 for each other node."""
    with netns.iproute(name) as ipr:
        neighbours = {
            msg.get("NDA_DST"): msg.get("NDA_LLADDR")
            for msg in ipr.get_neighbours(family=socket.AF_INET, ifindex=index)
        }
        fdb = {
            msg.get("NDA_LLADDR"): msg.get("NDA_DST")
            for msg in ipr.get_neighbours(family=socket.AF_BRIDGE, ifindex=index)
            if msg.get("NDA_DST")
        }
    return neighbours, fdb
