"""Plan -> the NAT rules on the way out of the cluster: two translations (the article's section 5) (pure).

1. On each node, ip-masq-agent's chain: traffic to anywhere outside the pod CIDR (and not to the
   node itself) leaves with the node's address. It is configured as `nonMasqueradeCIDRs:
   [<podCIDR>]`, `masqLinkLocal: false`: the agent's default list would also spare every RFC 1918
   and documentation range, the lab's "internet" (203.0.113.0/24) among them. Chain name, rule
   order and comments are the agent's own; it loads them as one `iptables-restore --noflush`.
2. On the gateway, the cloud's internet gateway: each node's private address <-> its public one,
   1:1 (DNAT in, SNAT out), and nothing else leaves: a packet still carrying a pod IP is dropped
   there (the article's step 3 says why the node must translate first), except replies from a
   LoadBalancer IP (the cloud's load balancer hands flows to the nodes unchanged, and the nodes
   answer the clients directly). The gateway is netlab's own, so its ruleset is written whole.

Lines are written as `iptables-save` prints them (matches in its order), so the applier can find
each one again in the read-back.
"""

from __future__ import annotations

from ipaddress import IPv4Network

from netlab.plan.model import LabPlan

MASQ_CHAIN = "IP-MASQ-AGENT"
LINK_LOCAL = IPv4Network("169.254.0.0/16")  # spared unless masqLinkLocal: true (the agent's default)
_JUMP_COMMENT = (
    "ip-masq-agent: ensure nat POSTROUTING directs all non-LOCAL destination traffic to our custom IP-MASQ-AGENT chain"
)
_NON_MASQ_COMMENT = "ip-masq-agent: local traffic is not subject to MASQUERADE"
_MASQ_COMMENT = "ip-masq-agent: outbound traffic is subject to MASQUERADE (must be last in chain)"
_VPC_ONLY_COMMENT = "internet gateway: only VPC addresses have a public IP, anything else is dropped"
_BUILTIN = {"filter": ("INPUT", "FORWARD", "OUTPUT"), "nat": ("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING")}


def masq_agent_rules(pod_cidr: IPv4Network) -> list[str]:
    """The node's `-A` lines in table nat: the POSTROUTING jump, then the agent's chain."""
    return [
        f'-A POSTROUTING -m comment --comment "{_JUMP_COMMENT}" -m addrtype ! --dst-type LOCAL -j {MASQ_CHAIN}',
        *(
            f'-A {MASQ_CHAIN} -d {cidr} -m comment --comment "{_NON_MASQ_COMMENT}" -j RETURN'
            for cidr in (LINK_LOCAL, pod_cidr)
        ),
        f'-A {MASQ_CHAIN} -m comment --comment "{_MASQ_COMMENT}" -j MASQUERADE',
    ]


def render_masq_agent(pod_cidr: IPv4Network) -> str:
    """`iptables-restore --noflush` input for a fresh node: declares (and so empties) the chain."""
    return "\n".join(["*nat", f":{MASQ_CHAIN} - [0:0]", *masq_agent_rules(pod_cidr), "COMMIT"]) + "\n"


def gateway_rules(plan: LabPlan) -> dict[str, list[str]]:
    """The gateway's `-A` lines per table: the VPC-only egress filter, each node's 1:1 NAT."""
    underlay = plan.lab.cluster.underlay
    nat: list[str] = []
    for node in plan.nodes:
        private, public = node.ip.ip, node.public_ip
        nat.append(
            f'-A PREROUTING -d {public}/32 -i pub0 -m comment --comment "{node.name}: public {public} '
            f'-> private {private} (1:1 NAT)" -j DNAT --to-destination {private}'
        )
    for node in plan.nodes:
        private, public = node.ip.ip, node.public_ip
        nat.append(
            f'-A POSTROUTING -s {private}/32 -o pub0 -m comment --comment "{node.name}: private {private} '
            f'-> public {public} (1:1 NAT)" -j SNAT --to-source {public}'
        )
    replies = [
        f'-A FORWARD -s {ip}/32 -i eth0 -o pub0 -m comment --comment "load balancer {ip}: nodes answer '
        f'its clients directly" -j ACCEPT'
        for ip in plan.load_balancer_ips
    ]
    drop = f'-A FORWARD ! -s {underlay} -i eth0 -o pub0 -m comment --comment "{_VPC_ONLY_COMMENT}" -j DROP'
    return {"filter": [*replies, drop], "nat": nat}


def render_gateway(plan: LabPlan) -> str:
    """`iptables-restore` input that replaces the gateway's filter and nat tables."""
    lines: list[str] = []
    for table, rules in gateway_rules(plan).items():
        lines += [f"*{table}", *(f":{chain} ACCEPT [0:0]" for chain in _BUILTIN[table]), *rules, "COMMIT"]
    return "\n".join(lines) + "\n"
