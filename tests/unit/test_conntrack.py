"""netlab.kernel.conntrack's pure part: which UDP flows still point at endpoints that left."""

from __future__ import annotations

from netlab.kernel.conntrack import stale_reply_sources

# conntrack -L output as the kernel prints it: one entry a line, however long.
LISTING = """\
udp      17 27 src=10.244.1.2 dst=10.108.179.110 sport=41000 dport=53 src=10.244.2.2 dst=10.244.1.2 sport=5353 dport=41000 mark=0 use=1
udp      17 29 src=10.244.1.2 dst=10.108.179.110 sport=41001 dport=53 src=10.244.1.3 dst=10.244.1.2 sport=5353 dport=41001 [ASSURED] mark=0 use=1
"""  # noqa: E501


def test_flows_whose_reply_source_is_not_an_endpoint_are_stale() -> None:
    assert stale_reply_sources(LISTING, {"10.244.1.3"}) == {"10.244.2.2"}
    assert stale_reply_sources(LISTING, {"10.244.1.3", "10.244.2.2"}) == set()
    assert stale_reply_sources("", {"10.244.1.3"}) == set()
