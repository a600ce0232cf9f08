"""netlab.model.outside, the plan's outside world and netlab.render.egress: the way out of the
cluster (the article's section 5): ip-masq-agent on the nodes, the internet gateway's 1:1 NAT, the hosts beyond."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from pathlib import Path

from netlab.plan import make_plan
from netlab.render.egress import gateway_rules, masq_agent_rules, render_gateway, render_masq_agent
from netlab.render.namespaces import render_namespaces
from netlab.render.ops import Veth

REPO = Path(__file__).resolve().parents[2]
GOLDEN = REPO / "tests" / "golden" / "egress"
WITH_OUTSIDE = """\
    name: out
    cluster:
      nodes: [node-1, node-2, node-3]
    outside:
      - name: a
      - name: b
        address: 203.0.113.11
        ports: [80, 8443]
      - name: eth0
"""


def test_the_rules_of_the_egress_lab_are_golden(bundled_lab, golden) -> None:
    plan = make_plan(bundled_lab("egress"))
    text = (
        "# every node: iptables-restore --noflush\n"
        + render_masq_agent(plan.lab.cluster.pod_cidr)
        + "# the gateway: iptables-restore\n"
        + render_gateway(plan)
    )
    golden(GOLDEN / "egress.rules", text)


def test_outside_hosts_get_addresses_from_10_around_the_given_ones(make_lab) -> None:
    plan = make_plan(make_lab(WITH_OUTSIDE))
    assert [(h.name, h.ip, h.ports) for h in plan.internet_hosts] == [
        ("a", IPv4Interface("203.0.113.10/24"), (80,)),
        ("b", IPv4Interface("203.0.113.11/24"), (80, 8443)),
        ("eth0", IPv4Interface("203.0.113.12/24"), (80,)),
    ]
    assert plan.gateway.name == "gateway" and not plan.gateway.internet
    assert plan.address_of("b") == IPv4Address("203.0.113.11")


def test_nodes_get_public_ips_only_in_a_lab_with_an_outside(make_lab, bundled_lab) -> None:
    plan = make_plan(make_lab(WITH_OUTSIDE))
    assert [str(n.public_ip) for n in plan.nodes] == ["198.51.100.11", "198.51.100.12", "198.51.100.13"]
    assert plan.name_of("198.51.100.12") == "node-2's public IP"
    inside_only = make_plan(bundled_lab("pod-to-pod"))
    assert all(n.public_ip is None for n in inside_only.nodes) and not inside_only.internet_hosts


def test_internet_hosts_plug_into_the_gateways_pub0_under_free_names(make_lab) -> None:
    specs = {spec.netns: spec for spec in render_namespaces(make_plan(make_lab(WITH_OUTSIDE)))}
    gateway = specs["nl-out.gateway"].ops
    ports = [op.name for op in gateway if isinstance(op, Veth)]
    assert ports[:2] == ["a", "b"] and ports[2].startswith("veth")  # a host named eth0 gets a hashed port
    underlay = [op.name for op in specs["nl-out.underlay"].ops if isinstance(op, Veth)]
    assert "a" not in underlay and "gateway" in underlay


def test_masq_agent_spares_link_local_and_the_pod_cidr_then_masquerades() -> None:
    jump, *chain = masq_agent_rules(IPv4Network("10.244.0.0/16"))
    assert "-m addrtype ! --dst-type LOCAL -j IP-MASQ-AGENT" in jump
    assert [line.split(" -d ")[1].split()[0] for line in chain[:2]] == ["169.254.0.0/16", "10.244.0.0/16"]
    assert chain[-1].endswith("-j MASQUERADE") and "must be last in chain" in chain[-1]


def test_the_gateway_maps_each_node_one_to_one_and_drops_other_sources(bundled_lab) -> None:
    rules = gateway_rules(make_plan(bundled_lab("egress")))
    dnat = [r for r in rules["nat"] if "-j DNAT" in r]
    snat = [r for r in rules["nat"] if "-j SNAT" in r]
    assert [r.split()[-1] for r in dnat] == ["192.168.56.11", "192.168.56.12"]
    assert [r.split()[-1] for r in snat] == ["198.51.100.11", "198.51.100.12"]
    (drop,) = rules["filter"]
    assert drop.startswith("-A FORWARD ! -s 192.168.56.0/24 -i eth0 -o pub0") and drop.endswith("-j DROP")
