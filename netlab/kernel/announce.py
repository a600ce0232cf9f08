"""A new pod announces its address: one gratuitous ARP from its eth0, as the CNI bridge plugin sends
one after ADD, so that a pod taking a deleted pod's address is reached at once (its neighbours
replace the old MAC: an ARP for an address they hold updates the entry, arp_accept or not).

It is sent once the pod's port on cni0 forwards: a bridge port that just got its carrier drops
frames until the kernel's link watch enables it (up to a second later), so an announcement at the
moment eth0 goes up (arp_notify) is lost as often as not. Bounded: a port that does not forward
within PORT_WAIT_S gets the announcement anyway.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Sequence

from netlab.kernel import netns
from netlab.plan.model import LabPlan, PodPlan

BR_STATE_FORWARDING = 3  # linux/if_bridge.h
ETH_P_ARP = 0x0806
ARPOP_REQUEST = 1
PORT_WAIT_S = 3.0
POLL_S = 0.05


def announce(plan: LabPlan, pods: Sequence[PodPlan]) -> None:
    """A gratuitous ARP from each pod's eth0, once its bridge port forwards."""
    for node in plan.nodes:
        mine = [pod for pod in pods if pod.node == node.name]
        if mine:
            _await_forwarding(node.netns, {pod.host_veth for pod in mine})
        for pod in mine:
            with netns.entered(pod.netns):
                sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
            with sock:
                sock.bind(("eth0", ETH_P_ARP))
                sock.send(gratuitous_arp(bytes.fromhex(pod.mac.replace(":", "")), socket.inet_aton(str(pod.ip.ip))))


def gratuitous_arp(mac: bytes, ip: bytes) -> bytes:
    """An Ethernet broadcast ARP request for the sender's own address (RFC 5227's announcement)."""
    ethernet = b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP)
    arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, ARPOP_REQUEST) + mac + ip + b"\x00" * 6 + ip
    return ethernet + arp


def _await_forwarding(node_netns: str, ports: set[str]) -> None:
    """Until every one of these bridge ports forwards (PORT_WAIT_S at most)."""
    deadline = time.monotonic() + PORT_WAIT_S
    with netns.iproute(node_netns) as ipr:
        while time.monotonic() < deadline:
            forwarding = {
                link.get("IFLA_IFNAME")
                for link in ipr.get_links()
                if link.get(("IFLA_LINKINFO", "IFLA_INFO_SLAVE_DATA", "IFLA_BRPORT_STATE")) == BR_STATE_FORWARDING
            }
            if ports <= forwarding:
                return
            time.sleep(POLL_S)
