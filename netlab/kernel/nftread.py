"""Read single objects of a node's `table ip kube-proxy` over netlink: whether the table, a chain
or a set exists, and what a set or map holds for one key.

Why not nft: before it answers anything, nft 1.0.6 fetches every chain and set of the table into
its cache (`get element` for one key: ~3 s at 10000 Services; `list chain` also every rule). The
kernel answers a GET for one named object in tens of microseconds. The applier uses this after a
partial sync, to read back exactly the objects the transaction touched.

Messages are encoded and decoded with pyroute2's nftables message classes and sent on a plain
NETLINK_NETFILTER socket opened inside the node's namespace (as kernel.netlink does for
rtnetlink). This module only reads; it knows the key shapes of kube-proxy's sets and maps
(`ipv4_addr`, `ipv4_addr . inet_proto . inet_service` and `inet_proto . inet_service`), nothing
else.
"""

from __future__ import annotations

import errno
import os
import socket
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from ipaddress import IPv4Address

from pyroute2.netlink import NLM_F_ACK, NLM_F_REQUEST
from pyroute2.netlink.nfnetlink import nfgen_msg
from pyroute2.netlink.nfnetlink.nftsocket import (
    NFPROTO_IPV4,
    NFT_MSG_GETCHAIN,
    NFT_MSG_GETSET,
    NFT_MSG_GETSETELEM,
    NFT_MSG_GETTABLE,
    nft_chain_msg,
    nft_set_elem_list_msg,
    nft_set_msg,
    nft_table_msg,
)

from netlab.errors import KernelError
from netlab.kernel import netns
from netlab.readback.nftables import Touched
from netlab.render.nftables import TABLE

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NLMSG_ERROR = 2
ANSWER_TIMEOUT = 5.0  # seconds; the kernel answers a GET at once, so this only bounds a hang
PROTOCOLS = {"tcp": socket.IPPROTO_TCP, "udp": socket.IPPROTO_UDP, "sctp": socket.IPPROTO_SCTP}
VERDICTS = {"NFT_GOTO": "goto", "NFT_JUMP": "jump", "NF_DROP": "drop", "NF_ACCEPT": "accept"}


class _Reader:
    """A netfilter netlink socket bound inside one namespace, asking one question at a time."""

    def __init__(self, netns_name: str) -> None:
        self.where = netns_name
        with netns.entered(netns_name):  # a socket stays in the namespace it was made in
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.settimeout(ANSWER_TIMEOUT)
        self.sock.bind((0, 0))
        self.seq = 0

    def get(self, msg_class: type, msg_type: int, attrs: list) -> nfgen_msg | None:
        """The object the kernel returns, decoded; None if it does not exist (ENOENT)."""
        self.seq += 1
        self.sock.send(self._encoded(msg_class, msg_type, attrs, NLM_F_REQUEST | NLM_F_ACK))
        return self._answer(msg_class)

    def _encoded(self, msg_class: type, msg_type: int, attrs: list, flags: int) -> bytes:
        msg = msg_class()
        msg["nfgen_family"] = NFPROTO_IPV4  # `table ip kube-proxy`
        msg["attrs"] = attrs
        msg["header"]["type"] = (NFNL_SUBSYS_NFTABLES << 8) | msg_type
        msg["header"]["flags"] = flags
        msg["header"]["sequence_number"] = self.seq
        msg.encode()
        return msg.data

    def _answer(self, msg_class: type, first: int | None = None) -> nfgen_msg | None:
        """Read until the kernel acks message `self.seq`: the object it sent, None on ENOENT.
        An error for any message from `first` on ends it too."""
        answer = None
        while True:
            data = self.sock.recv(1 << 16)
            offset = 0
            while offset < len(data):
                length, kind, _flags, seq, _pid = struct.unpack_from("=IHHII", data, offset)
                if kind == NLMSG_ERROR and (seq == self.seq or (first is not None and first <= seq)):
                    (code,) = struct.unpack_from("=i", data, offset + 16)
                    if code == 0 and seq == self.seq:
                        return answer
                    if code == -errno.ENOENT and first is None:
                        return None
                    if code:
                        raise KernelError(f"in {self.where}: {TABLE}: {os.strerror(-code)}")
                elif seq == self.seq:
                    answer = msg_class(data[offset : offset + length])
                    answer.decode()
                offset += (length + 3) & ~3

    def close(self) -> None:
        self.sock.close()


@contextmanager
def _reading(netns_name: str) -> Iterator[_Reader]:
    reader = _Reader(netns_name)
    try:
        yield reader
    finally:
        reader.close()


def table_exists(netns_name: str) -> bool:
    """Whether the node holds `table ip kube-proxy` (a partial sync needs one to change)."""
    with _reading(netns_name) as reader:
        return reader.get(nft_table_msg, NFT_MSG_GETTABLE, [("NFTA_TABLE_NAME", TABLE)]) is not None


def mismatches(netns_name: str, expected: Touched) -> list[str]:
    """Each touched object the kernel does not hold as `expected` says, in words (none: all agree).

    Raises:
        KernelError: the kernel refused a question (other than "no such object").
    """
    found = []
    with _reading(netns_name) as reader:
        for name, present in expected.chains.items():
            held = reader.get(nft_chain_msg, NFT_MSG_GETCHAIN, [("NFTA_CHAIN_TABLE", TABLE), ("NFTA_CHAIN_NAME", name)])
            if (held is not None) != present:
                found.append(f"chain {name} is {'missing' if present else 'still there'}")
        for name, present in expected.sets.items():
            held = reader.get(nft_set_msg, NFT_MSG_GETSET, [("NFTA_SET_TABLE", TABLE), ("NFTA_SET_NAME", name)])
            if (held is not None) != present:
                found.append(f"set {name} is {'missing' if present else 'still there'}")
        for (name, key), value in expected.elements.items():
            held_value = _element(reader, name, key)
            if held_value != value:
                found.append(f"{name} holds {key} : {held_value!r}, not {value!r}")
    return found


def _element(reader: _Reader, name: str, key: str) -> str | None:
    """What set or map `name` holds for `key`: its verdict (`goto X`), "" in a plain set, or None."""
    wanted = {"attrs": [("NFTA_SET_ELEM_KEY", {"attrs": [("NFTA_DATA_VALUE", _key_bytes(key))]})]}
    answer = reader.get(
        nft_set_elem_list_msg,
        NFT_MSG_GETSETELEM,
        [
            ("NFTA_SET_ELEM_LIST_TABLE", TABLE),
            ("NFTA_SET_ELEM_LIST_SET", name),
            ("NFTA_SET_ELEM_LIST_ELEMENTS", [wanted]),
        ],
    )
    if answer is None:
        return None
    (element,) = answer.get_attr("NFTA_SET_ELEM_LIST_ELEMENTS")
    data = element.get_attr("NFTA_SET_ELEM_DATA")
    if data is None:
        return ""
    verdict = data.get_attr("NFTA_DATA_VERDICT")
    word = VERDICTS.get(verdict.get_attr("NFTA_VERDICT_CODE"), str(verdict.get_attr("NFTA_VERDICT_CODE")))
    chain = verdict.get_attr("NFTA_VERDICT_CHAIN")
    return f"{word} {chain}" if chain else word


def _key_bytes(key: str) -> bytes:
    """A key as the kernel stores it: `10.96.0.10`, `10.96.0.10 . udp . 53` or (NodePorts) `tcp .
    30080`, each field of a concatenation in a 32-bit register of its own (address, protocol
    byte, port big-endian)."""
    if " . " not in key:
        return IPv4Address(key).packed
    *address, protocol, port = key.split(" . ")
    proto_port = struct.pack("=B3x", PROTOCOLS[protocol]) + struct.pack(">H2x", int(port))
    return b"".join(IPv4Address(a).packed for a in address) + proto_port
