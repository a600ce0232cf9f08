"""The kernel's own share of a partial nftables sync (`commit_floor`): a probe of scripts/bench_proxy.py,
and of the integration test that it leaves the table as it was. netlab writes its rules with nft and
only reads them over netlink (kernel.nftread), so this one netlink writer, on nftread's socket, is a
test helper, not part of netlab.
"""

from __future__ import annotations

import time
from contextlib import closing

from pyroute2.netlink import NLM_F_ACK, NLM_F_CREATE, NLM_F_REQUEST
from pyroute2.netlink.nfnetlink import nfgen_msg
from pyroute2.netlink.nfnetlink.nftsocket import (
    NFT_MSG_DELCHAIN,
    NFT_MSG_DELSETELEM,
    NFT_MSG_NEWCHAIN,
    NFT_MSG_NEWSETELEM,
    nft_chain_msg,
    nft_set_elem_list_msg,
)

from netlab.kernel.nftread import NFNL_SUBSYS_NFTABLES, _key_bytes, _Reader
from netlab.render.nftables import TABLE

NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END = 0x10, 0x11  # linux/netfilter/nfnetlink.h; pyroute2 has no names
NFT_GOTO = -4  # linux/netfilter/nf_tables.h, enum nft_verdicts
FLOOR_CHAIN = "netlab-commit-floor"  # a throwaway chain, deleted again at once
FLOOR_KEY = "0.0.0.0 . tcp . 0"  # a service-ips key no Service has


class _Writer(_Reader):
    """The reading socket, sending batches too."""

    def transaction(self, messages: list[tuple[type, int, list]]) -> None:
        """Send (class, type, attrs) messages as one batch, the kernel's unit of atomicity, and
        wait for its verdict on the last one.

        Raises:
            KernelError: the kernel refused the batch.
        """
        self.seq += 1
        first = self.seq
        batch = [self._batch_mark(NFNL_MSG_BATCH_BEGIN)]
        for msg_class, msg_type, attrs in messages:
            self.seq += 1
            batch.append(self._encoded(msg_class, msg_type, attrs, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_ACK))
        self.seq += 1
        batch.append(self._batch_mark(NFNL_MSG_BATCH_END))
        self.sock.send(b"".join(batch))
        self.seq -= 1  # the last message's ack ends it; an error names its own sequence number
        try:
            self._answer(nfgen_msg, first=first)
        finally:
            self.seq += 1

    def _batch_mark(self, kind: int) -> bytes:
        mark = nfgen_msg()
        mark["res_id"] = NFNL_SUBSYS_NFTABLES
        mark["header"]["type"] = kind
        mark["header"]["flags"] = NLM_F_REQUEST
        mark["header"]["sequence_number"] = self.seq
        mark.encode()
        return mark.data


def commit_floor(netns_name: str) -> float:
    """Seconds the kernel takes to commit the smallest change a Service's endpoint change makes:
    one `goto` into the table (a map element naming a new chain). Any new jump or goto makes
    the kernel check the whole table for loops at commit (nft_table_validate), so no tool that
    writes such a change, nft or netlink, can take less. Nothing stays: the chain and the
    element are removed in a second, untimed transaction.

    Raises:
        KernelError: no kube-proxy table with a `service-ips` map in the namespace.
    """
    element = [("NFTA_SET_ELEM_LIST_TABLE", TABLE), ("NFTA_SET_ELEM_LIST_SET", "service-ips")]
    key = {"attrs": [("NFTA_DATA_VALUE", _key_bytes(FLOOR_KEY))]}
    goto = {
        "attrs": [
            ("NFTA_DATA_VERDICT", {"attrs": [("NFTA_VERDICT_CODE", NFT_GOTO), ("NFTA_VERDICT_CHAIN", FLOOR_CHAIN)]})
        ]
    }
    chain = [("NFTA_CHAIN_TABLE", TABLE), ("NFTA_CHAIN_NAME", FLOOR_CHAIN)]
    with closing(_Writer(netns_name)) as socket_:
        started = time.perf_counter()
        socket_.transaction(
            [
                (nft_chain_msg, NFT_MSG_NEWCHAIN, chain),
                (
                    nft_set_elem_list_msg,
                    NFT_MSG_NEWSETELEM,
                    [
                        *element,
                        (
                            "NFTA_SET_ELEM_LIST_ELEMENTS",
                            [{"attrs": [("NFTA_SET_ELEM_KEY", key), ("NFTA_SET_ELEM_DATA", goto)]}],
                        ),
                    ],
                ),
            ]
        )
        took = time.perf_counter() - started
        socket_.transaction(
            [
                (
                    nft_set_elem_list_msg,
                    NFT_MSG_DELSETELEM,
                    [*element, ("NFTA_SET_ELEM_LIST_ELEMENTS", [{"attrs": [("NFTA_SET_ELEM_KEY", key)]}])],
                ),
                (nft_chain_msg, NFT_MSG_DELCHAIN, chain),
            ]
        )
    return took
