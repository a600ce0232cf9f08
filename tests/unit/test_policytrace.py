"""netlab.probe.policytrace: kube-router's rules in `nft -a monitor trace` named as policies and
rules, on lines measured on the netpol test lab with its policies (counters, MACs, TTLs cut out):
client -> db refused by db's chain, frontend -> db allowed by the policy's ingress rule, and on
frontend's node its egress run through the default chain."""

from __future__ import annotations

from pathlib import Path

from netlab.model.edit import apply
from netlab.model.load import load_lab
from netlab.plan import make_plan
from netlab.plan.model import LabPlan
from netlab.probe.policytrace import FilterTable, destination, expected, judgements, read_filter
from netlab.probe.trace import first_packet, read_events
from netlab.render.netpol import pod_of_chain, policy_of_chain, render, rule_at

MANIFESTS = Path(__file__).resolve().parents[2] / "tests" / "manifests"
DB_FW, POLICY, FRONTEND_FW = (
    "KUBE-POD-FW-PFRZ3ILXL3VWR4AJ",
    "KUBE-NWPLCY-BDCVV4CFXD57FKFT",
    "KUBE-POD-FW-5Z2OJTKQVRAZ4Y64",
)
SET_MATCH = "meta l4proto tcp  xt match set xt match set tcp dport 6379 "  # -m set: nft shows no arguments
LISTING = f"""\
table ip filter {{ # handle 1
    chain FORWARD {{ # handle 13
        type filter hook forward priority filter; policy accept;
         counter packets 11 bytes 811 jump KUBE-ROUTER-FORWARD # handle 77
    }}
    chain KUBE-NWPLCY-DEFAULT {{ # handle 28
         meta mark set mark or 0x10000 # handle 38
    }}
    chain KUBE-ROUTER-FORWARD {{ # handle 26
        ip daddr 10.244.1.2  jump {DB_FW} # handle 53
    }}
    chain {POLICY} {{ # handle 29
        {SET_MATCH} meta mark set mark or 0x10000 # handle 39
        {SET_MATCH} meta mark & 0x00010000 == 0x00010000 return # handle 40
        {SET_MATCH} meta mark set mark or 0x10000 # handle 41
        {SET_MATCH} meta mark & 0x00010000 == 0x00010000 return # handle 42
    }}
    chain {DB_FW} {{ # handle 30
         ct state related,established accept # handle 45
         ct state invalid drop # handle 46
        ip daddr 10.244.1.2  fib saddr type local accept # handle 47
         jump {POLICY} # handle 48
         meta mark & 0x00010000 != 0x00010000 limit rate 10/minute burst 10 packets log group 100 # handle 49
         meta mark & 0x00010000 != 0x00010000 reject # handle 50
        meta mark set mark and 0xfffeffff # handle 51
         meta mark set mark or 0x20000 # handle 52
    }}
}}
"""


def _packet(trace: str, where: str, src: str, ip_id: int, sport: int, ifaces: str, flags: str = "syn") -> str:
    """A `packet:` line to db (10.244.1.2:6379)."""
    return (
        f"trace id {trace} ip {where} packet: {ifaces} ip saddr {src} ip daddr 10.244.1.2 ip id {ip_id} "
        f"tcp sport {sport} tcp dport 6379 tcp flags == {flags}"
    )


def _rule(trace: str, where: str, text: str, handle: int, verdict: str) -> str:
    return f"trace id {trace} ip {where} rule {text} # handle {handle} (verdict {verdict})"


CLIENT = ("a30aa26c", "10.244.1.3", 12843, 33692)  # trace id, address, IP id, port
REFUSED = "\n".join(
    [
        _packet(CLIENT[0], "netlab-trace pre", *CLIENT[1:], 'iif "cni0"'),
        _packet(CLIENT[0], "nat PREROUTING", *CLIENT[1:], 'iif "cni0"'),
        _rule("a30aa26c", "nat PREROUTING", " jump KUBE-SERVICES", 20, "jump KUBE-SERVICES"),
        "trace id a30aa26c ip nat PREROUTING policy accept",
        _packet(CLIENT[0], "filter FORWARD", *CLIENT[1:], 'iif "cni0" oif "cni0"'),
        _rule("a30aa26c", "filter FORWARD", " jump KUBE-ROUTER-FORWARD", 77, "jump KUBE-ROUTER-FORWARD"),
        _rule("a30aa26c", "filter KUBE-ROUTER-FORWARD", f"ip daddr 10.244.1.2  jump {DB_FW}", 53, f"jump {DB_FW}"),
        _rule("a30aa26c", f"filter {DB_FW}", f" jump {POLICY}", 48, f"jump {POLICY}"),
        _rule("a30aa26c", f"filter {DB_FW}", " meta mark & 0x00010000 != 0x00010000 log group 100", 49, "continue"),
        _rule("a30aa26c", f"filter {DB_FW}", " meta mark & 0x00010000 != 0x00010000 reject", 50, "drop"),
    ]
)
ALLOWED = "\n".join(
    [
        _packet("28ee95a8", "filter FORWARD", "10.244.2.2", 43306, 47718, 'iif "eth0" oif "cni0"'),
        _rule("28ee95a8", "filter FORWARD", " jump KUBE-ROUTER-FORWARD", 77, "jump KUBE-ROUTER-FORWARD"),
        _rule("28ee95a8", "filter KUBE-ROUTER-FORWARD", f"ip daddr 10.244.1.2  jump {DB_FW}", 53, f"jump {DB_FW}"),
        _rule("28ee95a8", f"filter {DB_FW}", f" jump {POLICY}", 48, f"jump {POLICY}"),
        _rule("28ee95a8", f"filter {POLICY}", f"{SET_MATCH} meta mark set mark or 0x10000", 39, "continue"),
        _rule("28ee95a8", f"filter {POLICY}", f"{SET_MATCH} meta mark & 0x00010000 == 0x00010000 return", 40, "return"),
        _rule("28ee95a8", f"filter {DB_FW}", "meta mark set mark and 0xfffeffff", 51, "continue"),
        _rule("28ee95a8", f"filter {DB_FW}", " meta mark set mark or 0x20000", 52, "continue"),
        _rule("28ee95a8", "filter FORWARD", " meta mark & 0x00020000 == 0x00020000 accept", 80, "accept"),
    ]
)
# frontend's node: the packet changes trace id between nat PREROUTING and filter FORWARD (routed out of eth0)
EGRESS = "\n".join(
    [
        _packet("bb9ca260", "netlab-trace pre", "10.244.2.2", 43306, 47718, 'iif "cni0"'),
        _packet("bb9ca260", "nat PREROUTING", "10.244.2.2", 43306, 47718, 'iif "cni0"'),
        _rule("bb9ca260", "nat PREROUTING", " jump KUBE-SERVICES", 20, "jump KUBE-SERVICES"),
        "trace id bb9ca260 ip nat PREROUTING policy accept",
        _packet("5fab657e", "filter FORWARD", "10.244.2.2", 43306, 47718, 'iif "cni0" oif "eth0"'),
        _rule("5fab657e", "filter FORWARD", " jump KUBE-ROUTER-FORWARD", 78, "jump KUBE-ROUTER-FORWARD"),
        _rule(
            "5fab657e",
            "filter KUBE-ROUTER-FORWARD",
            f"ip saddr 10.244.2.2  jump {FRONTEND_FW}",
            56,
            "jump " + FRONTEND_FW,
        ),
        _rule(
            "5fab657e",
            f"filter {FRONTEND_FW}",
            "ip saddr 10.244.2.2  jump KUBE-NWPLCY-DEFAULT",
            48,
            "jump KUBE-NWPLCY-DEFAULT",
        ),
        _rule("5fab657e", "filter KUBE-NWPLCY-DEFAULT", " meta mark set mark or 0x10000", 38, "continue"),
        _rule("5fab657e", f"filter {FRONTEND_FW}", " meta mark set mark or 0x20000", 53, "continue"),
        _rule("5fab657e", "filter FORWARD", " meta mark & 0x00020000 == 0x00020000 accept", 81, "accept"),
        _packet("231d307f", "filter FORWARD", "10.244.2.2", 43307, 47718, 'iif "cni0" oif "eth0"', "ack"),
        _rule("231d307f", f"filter {FRONTEND_FW}", " ct state related,established accept", 45, "accept"),
    ]
)


def _plan(*extra: str) -> LabPlan:
    lab = MANIFESTS / "network-policy-lab.yaml"
    text = apply(lab.read_text(), (MANIFESTS / "network-policy-lab-policies.yaml").read_text(), "policies")
    for manifest in extra:
        text = apply(text, manifest, "extra")
    return make_plan(load_lab(lab, text))


def _table(plan: LabPlan) -> FilterTable:
    """The listing placed against node-1's rules as netlab renders them (iptables-save prints the same
    rules, in the same order, spelled its way)."""
    return read_filter(LISTING, render(plan, plan.nodes[0]).rules)


def test_handles_are_placed_in_their_chains_and_name_the_rule_and_its_comment() -> None:
    plan = _plan()
    table = _table(plan)
    assert table.places[40] == (POLICY, 1) and table.places[50] == (DB_FW, 5) and table.places[77] == ("FORWARD", 0)
    (reject,) = [e for e in read_events(REFUSED) if e.handle == 50]
    assert table.comment(reject) == "rule to REJECT traffic destined for POD name:db namespace: default"
    (returned,) = [e for e in read_events(ALLOWED) if e.handle == 40]
    assert "selected by policy name test-network-policy namespace default" in table.comment(returned)
    assert returned.rule.endswith("return") and "handle" not in returned.rule


def test_a_refused_connection_names_the_pod_and_the_policies_isolating_it() -> None:
    plan = _plan()
    walk = first_packet(read_events(REFUSED))
    assert judgements(plan, walk, _table(plan)) == [
        f"db's ingress ({DB_FW}): REJECTED: no policy selecting db allows it "
        "(isolated for ingress by default/test-network-policy)"
    ]
    assert expected(plan, "client", walk, "TCP") == (
        "client -> db 6379/TCP: denied: client may send anything: no policy selects it for egress; "
        "db is isolated for ingress by default/test-network-policy, and no rule of theirs allows "
        "from client on 6379/TCP"
    )


def test_an_allowed_connection_names_the_policy_rule_that_returned_it() -> None:
    plan = _plan()
    walk = first_packet(read_events(ALLOWED))
    assert judgements(plan, walk, _table(plan)) == [
        f"db's ingress ({DB_FW}): allowed by default/test-network-policy ingress rule 1"
    ]
    assert destination(plan, walk) == (plan.member("db"), 6379)


def test_the_source_nodes_walk_survives_a_new_trace_id_and_runs_the_default_chain() -> None:
    plan = _plan()
    walk = first_packet(read_events(EGRESS))
    assert [e.chain for e in walk][:4] == ["PREROUTING", "PREROUTING", "PREROUTING", "FORWARD"]
    assert not any("established" in e.rule for e in walk)  # the flow's next packet is not part of it
    assert judgements(plan, walk, read_filter("", [])) == [
        f"frontend's egress ({FRONTEND_FW}): allowed: no policy selects frontend for egress (KUBE-NWPLCY-DEFAULT)"
    ]


def test_the_nodes_own_traffic_is_told_as_such() -> None:
    plan = _plan()
    lines = [
        _packet("aa", "filter OUTPUT", "10.244.1.1", 5, 4000, 'oif "cni0"'),
        _rule("aa", "filter KUBE-ROUTER-OUTPUT", f"ip daddr 10.244.1.2  jump {DB_FW}", 60, f"jump {DB_FW}"),
        _rule("aa", f"filter {DB_FW}", "ip daddr 10.244.1.2  fib saddr type local accept", 47, "accept"),
    ]
    assert judgements(plan, read_events("\n".join(lines)), _table(plan)) == [
        f"db's ingress ({DB_FW}): allowed: it comes from db's own node (a local address: always allowed)"
    ]


def test_chains_map_back_to_their_pods_and_policies_and_rules_to_their_numbers() -> None:
    second = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: two-rules}
spec:
  podSelector: {matchLabels: {role: frontend}}
  ingress:
  - from: [{podSelector: {matchLabels: {role: client}}}]
  - ports: [{port: 8080}, {port: 9090}]
"""
    plan = _plan(second)
    assert pod_of_chain(plan, DB_FW) == plan.member("db") and pod_of_chain(plan, POLICY) is None
    policy = policy_of_chain(plan, POLICY)
    assert policy is not None and policy.key == "default/test-network-policy"
    two = next(p for p in plan.lab.network_policies if p.name == "two-rules")
    assert [rule_at(plan, two, n) for n in range(7)] == [
        *[("ingress", 1)] * 2,  # its peers, every port: mark and return
        *[("ingress", 2)] * 4,  # every peer, two ports
        None,
    ]
    assert [rule_at(plan, policy, n) for n in (0, 3, 4, 5, 6)] == [
        ("ingress", 1),
        ("ingress", 1),  # its ipBlock: the same rule
        ("egress", 1),
        ("egress", 1),
        None,
    ]


def test_a_bridged_packet_passes_the_pods_chain_twice_and_says_so() -> None:
    plan = _plan()
    client_fw = "KUBE-POD-FW-XGTLPU6HAXUCCWBC"  # db -> client, both on node-1
    jump = f"jump {client_fw}"
    lines = [
        _rule("bb", "filter KUBE-ROUTER-FORWARD", f"ip daddr 10.244.1.3  {jump}", 53, jump),
        _rule("bb", f"filter {client_fw}", " jump KUBE-NWPLCY-DEFAULT", 48, "jump KUBE-NWPLCY-DEFAULT"),
        _rule("bb", "filter KUBE-NWPLCY-DEFAULT", " meta mark set mark or 0x10000", 38, "continue"),
        _rule("bb", f"filter {client_fw}", " meta mark set mark or 0x20000", 52, "continue"),
        _rule("bb", "filter KUBE-ROUTER-FORWARD", f"ip daddr 10.244.1.3 xt match physdev {jump}", 54, jump),
        _rule("bb", f"filter {client_fw}", " jump KUBE-NWPLCY-DEFAULT", 48, "jump KUBE-NWPLCY-DEFAULT"),
        _rule("bb", "filter KUBE-NWPLCY-DEFAULT", " meta mark set mark or 0x10000", 38, "continue"),
    ]
    default = "allowed: no policy selects client for ingress (KUBE-NWPLCY-DEFAULT)"
    assert judgements(plan, read_events("\n".join(lines)), _table(plan)) == [
        f"client's ingress ({client_fw}): {default}",
        f"client's ingress ({client_fw}, again: kube-router's jump for bridged traffic): {default}",
    ]
