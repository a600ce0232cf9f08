"""netlab.probe.trace: reading `nft monitor trace` and conntrack as docs/packet-trace.md
measured them, and what NAT the two directions of a flow show."""

from __future__ import annotations

from ipaddress import IPv4Address

from netlab.probe.trace import Flow, first_packet, mark_script, read_events, read_flows, read_ipvs_connections

SVC, SEP = "KUBE-SVC-CDGGSHYLG3RE2FKL", "KUBE-SEP-AFGSLHOD2HFNCBX4"
MONITOR = (
    "\n".join(
        [  # as measured (docs/packet-trace.md), lines abridged
            'trace id baa81d57 ip netlab-trace pre packet: iif "cni0" ip saddr 10.244.1.2 ip daddr 10.96.44.201 '
            "tcp dport 80",
            "trace id baa81d57 ip netlab-trace pre rule ip saddr 10.244.1.2 meta nftrace set 1 (verdict continue)",
            "trace id baa81d57 ip nat PREROUTING rule  counter packets 2 bytes 138 jump KUBE-SERVICES "
            "(verdict jump KUBE-SERVICES)",
            f"trace id baa81d57 ip nat KUBE-SERVICES rule meta l4proto tcp ip daddr 10.96.44.201  tcp dport 80 "
            f"counter packets 0 bytes 0 jump {SVC} (verdict jump {SVC})",
            f"trace id baa81d57 ip nat {SVC} rule  counter packets 0 bytes 0 jump {SEP} (verdict jump {SEP})",
            f"trace id baa81d57 ip nat {SEP} rule meta l4proto tcp   counter packets 0 bytes 0 dnat to 10.244.1.3:8080 "
            "(verdict accept)",
            "trace id baa81d57 ip filter FORWARD policy accept",
            'trace id 1c2d3e4f ip netlab-trace pre packet: iif "cni0" ip saddr 10.244.1.2 ip daddr 10.96.44.201 '
            "tcp dport 80",
            "trace id 1c2d3e4f ip filter FORWARD policy accept",
        ]
    )
    + "\n"
)
CONNTRACK = (
    "tcp      6 119 TIME_WAIT src=10.244.1.2 dst=10.96.44.201 sport=40968 dport=80 src=10.244.1.3 "
    "dst=10.244.1.2 sport=8080 dport=40968 [ASSURED] mark=0 use=1\n"
    "conntrack v1.4.7 (conntrack-tools): 1 flow entries have been shown.\n"
)


def test_the_first_packet_walks_kube_proxys_chains() -> None:
    events = first_packet(read_events(MONITOR))
    assert [e.chain for e in events] == ["PREROUTING", "KUBE-SERVICES", SVC, SEP, "FORWARD"]
    dnat = events[3]
    assert (dnat.table, dnat.rule, dnat.verdict) == ("ip nat", "meta l4proto tcp dnat to 10.244.1.3:8080", "accept")
    assert events[0].verdict == "jump KUBE-SERVICES" and events[-1].verdict == "accept"


def test_conntrack_shows_the_dnat_and_no_snat() -> None:
    flows = read_flows(CONNTRACK)
    assert flows == [
        Flow("tcp", ("10.244.1.2", "10.96.44.201", "40968", "80"), ("10.244.1.3", "10.244.1.2", "8080", "40968"))
    ]
    assert flows[0].rewrites() == ["DNAT 10.96.44.201:80 -> 10.244.1.3:8080"]
    masqueraded = Flow("tcp", ("10.244.1.2", "10.96.1.1", "5000", "80"), ("10.244.2.2", "10.244.1.1", "8080", "5000"))
    assert masqueraded.rewrites() == ["DNAT 10.96.1.1:80 -> 10.244.2.2:8080", "SNAT 10.244.1.2:5000 -> 10.244.1.1:5000"]


def test_the_marking_table_hooks_before_conntrack() -> None:
    script = mark_script(IPv4Address("10.244.1.2"))
    assert "hook prerouting priority -350; ip saddr 10.244.1.2 meta nftrace set 1;" in script
    assert "hook output priority -350;" in script


def test_a_trace_id_reused_by_later_packets_ends_the_walk() -> None:
    """The same packet shows once per hook (one IP id); the flow's next packet may keep the id."""
    lines = [
        'trace id aa ip nat PREROUTING packet: iif "cni0" ip saddr 10.244.1.2 ip daddr 10.96.0.10 ip id 7 '
        "udp sport 4000 udp dport 53",
        "trace id aa ip nat PREROUTING rule jump KUBE-SERVICES (verdict jump KUBE-SERVICES)",
        'trace id aa ip filter FORWARD packet: iif "cni0" oif "cni0" ip saddr 10.244.1.2 ip daddr 10.244.1.4 '
        "ip id 7 udp sport 4000 udp dport 53",
        'trace id aa ip filter FORWARD packet: iif "cni0" ip saddr 10.244.1.2 ip daddr 10.244.1.4 ip id 8 '
        "udp sport 4000 udp dport 53",
    ]
    walk = first_packet(read_events("\n".join(lines)))
    assert [e.summary() for e in walk] == [
        "packet iif cni0 10.244.1.2:4000 -> 10.96.0.10:53 udp",
        "jump KUBE-SERVICES",
        "packet iif cni0 oif cni0 10.244.1.2:4000 -> 10.244.1.4:53 udp",
    ]


def test_ipvs_connections_of_the_client() -> None:
    listed = (
        "IPVS connection entries\npro expire state       source             virtual            destination\n"
        "TCP 01:59  TIME_WAIT   10.244.1.2:40968   10.96.44.201:80    10.244.1.3:8080\n"
        "TCP 01:58  TIME_WAIT   10.244.1.20:5000   10.96.44.201:80    10.244.1.3:8080\n"
    )
    assert read_ipvs_connections(listed, IPv4Address("10.244.1.2")) == [
        "TCP 01:59 TIME_WAIT 10.244.1.2:40968 10.96.44.201:80 10.244.1.3:8080"
    ]
