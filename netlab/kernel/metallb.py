"""MetalLB's speaker in layer 2 mode: the elected node answers ARP for a LoadBalancer IP.

The election is pure (plan/metallb.py). MetalLB's speaker answers ARP from user space; netlab lets
the node's kernel do it instead, by putting the IP on the elected node's eth0 (/32), and takes it
off every other node. That is also why IPVS mode needs kube-proxy's strictARP there: kube-ipvs0
holds the IP on every node, and only arp_ignore=1 keeps the others quiet. When the announcing
node changes (a scale), the new one sends a gratuitous ARP, as the speaker does on failover, so
the gateway's neighbour entry moves at once.
"""

from __future__ import annotations

import socket
import struct
from ipaddress import IPv4Address

from pyroute2.netlink.exceptions import NetlinkError

from netlab.errors import KernelError
from netlab.kernel import netns
from netlab.plan.metallb import announcer
from netlab.plan.model import LabPlan, NodePlan
from netlab.render.namespaces import ETH0

ETH_P_ARP = 0x0806
BROADCAST = b"\xff" * 6


def announce(plan: LabPlan) -> None:
    """Elect a node per LoadBalancer IP, move the IP there, and announce it.

    Raises:
        KernelError: a node refused the address change.
    """
    for svc in plan.services:
        if svc.load_balancer_ip is None:
            continue
        chosen = announcer(svc, plan.nodes)
        for node in plan.nodes:
            if _hold(node, svc.load_balancer_ip, node is chosen) and node is chosen:
                _gratuitous_arp(node, svc.load_balancer_ip)


def withdraw(plan: LabPlan, ips: list[IPv4Address]) -> None:
    """Take addresses whose Services are gone (or no longer LoadBalancers) off every node.

    Raises:
        KernelError: a node refused the address change.
    """
    for ip in ips:
        for node in plan.nodes:
            _hold(node, ip, False)


def _hold(node: NodePlan, ip: IPv4Address, wanted: bool) -> bool:
    """Put the IP on (or take it off) the node's eth0; True if that changed anything."""
    with netns.iproute(node.netns) as ipr:
        try:
            if bool(ipr.get_addr(index=ETH0, address=str(ip))) == wanted:
                return False
            ipr.addr("add" if wanted else "del", index=ETH0, address=str(ip), prefixlen=32)
            return True
        except NetlinkError as exc:
            raise KernelError(f"in {node.netns}: address {ip}/32 on eth0: {exc.args[-1]}") from None


def _gratuitous_arp(node: NodePlan, ip: IPv4Address) -> None:
    """One unsolicited ARP reply, broadcast on the node's eth0: `ip` is at this node's MAC."""
    mac = bytes.fromhex(node.mac.replace(":", ""))
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, mac, ip.packed, BROADCAST, ip.packed)
    with netns.entered(node.netns):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    try:
        sock.bind(("eth0", 0))
        sock.send(BROADCAST + mac + struct.pack("!H", ETH_P_ARP) + arp)
    finally:
        sock.close()
