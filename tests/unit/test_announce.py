"""kernel.announce's frame: what a new pod sends so that its neighbours learn its MAC."""

from __future__ import annotations

from netlab.kernel.announce import gratuitous_arp


def test_a_gratuitous_arp_asks_for_the_sender_s_own_address() -> None:
    """RFC 5227's announcement: broadcast, opcode request, sender and target address the same."""
    frame = gratuitous_arp(bytes.fromhex("02e017cd6f86"), bytes([10, 244, 1, 3]))
    assert frame.hex() == (
        "ffffffffffff"
        "02e017cd6f86"
        "0806"  # Ethernet: broadcast, from the pod, ARP
        "0001"
        "0800"
        "06"
        "04"
        "0001"  # Ethernet/IPv4, a request
        "02e017cd6f86"
        "0af40103"
        "000000000000"
        "0af40103"  # who has 10.244.1.3, tell 10.244.1.3
    )
