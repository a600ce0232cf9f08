"""netlab.readback.nft_rules: `nft -a list ruleset` read as rules with their table, chain, hook, handle."""

from __future__ import annotations

from netlab.readback.nft_rules import listed_rules

LISTED = """\
table ip kube-proxy { # handle 3
\tmap service-ips { # handle 12
\t\ttype ipv4_addr . inet_proto . inet_service : verdict
\t\telements = { 10.96.0.10 . udp . 53 : goto service-x }
\t}
\tchain nat-prerouting { # handle 20
\t\ttype nat hook prerouting priority dstnat; policy accept;
\t\tjump services # handle 21
\t}
}
table ip learn { # handle 7
\tchain out { # handle 1
\t\ttype nat hook output priority -100; policy accept;
\t\tip daddr 10.108.209.100 tcp dport 80 dnat to 10.244.1.3:8080 # handle 2
\t}
}
"""


def test_rules_carry_their_table_chain_hook_and_handle() -> None:
    rules = listed_rules(LISTED)
    learner = [r for r in rules if r.table == "learn"]
    assert [(r.family, r.chain, r.hook, r.handle) for r in learner] == [("ip", "out", "output", "2")]
    assert "10.108.209.100" in learner[0].words


def test_a_maps_elements_have_no_chain() -> None:
    element = next(r for r in listed_rules(LISTED) if "10.96.0.10" in r.text)
    assert (element.table, element.chain, element.handle) == ("kube-proxy", "", None)
    jump = next(r for r in listed_rules(LISTED) if r.text.startswith("jump"))
    assert (jump.chain, jump.hook, jump.handle) == ("nat-prerouting", "prerouting", "21")
