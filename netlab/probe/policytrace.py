"""What kube-router's chains did to a traced packet, in words (pure): `netlab trace` in a lab with
NetworkPolicies (docs/packet-trace.md, docs/network-policy.md).

`nft monitor trace` names the chains a packet met and each matching rule's verdict, but prints
iptables-nft's `-m comment` and `-m set` without their arguments, so it cannot say which policy
rule matched. With `-a` it gives each rule's handle; the node's `nft -a list table ip filter` places
the handle in its chain (the n-th rule), and the n-th line of that chain in `iptables-save` is the
rule as kube-router wrote it, comment included. A KUBE-NWPLCY- chain's n-th rule comes from one
ingress or egress rule of its policy (netlab.render.netpol.rule_at), a KUBE-POD-FW- chain is one
pod's firewall: so a visit of a pod's chain reads as "allowed by ns/name ingress rule 1", "no
policy selects it for egress" (KUBE-NWPLCY-DEFAULT), "from the pod's own node", or REJECTed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from netlab.plan.model import LabPlan, PodPlan
from netlab.plan.netpol import EGRESS, INGRESS, isolated, verdict
from netlab.probe.trace import PACKET_FIELD, Event
from netlab.render.netpol import DEFAULT_CHAIN, POD_CHAIN, POLICY_CHAIN, pod_of_chain, policy_of_chain, rule_at

FILTER = "ip filter"  # iptables-nft's filter table, where kube-router's chains live
CHAIN_LINE = re.compile(r"^\s*chain (\S+) \{")
RULE_HANDLE = re.compile(r"# handle (\d+)\s*$")
COMMENT = re.compile(r'--comment (?:"((?:[^"\\]|\\.)*)"|(\S+))')


@dataclass(frozen=True)
class FilterTable:
    """A node's filter table as the kernel holds it: each nft handle's chain and position, and each
    chain's rules as iptables-save prints them (in the same order)."""

    places: dict[int, tuple[str, int]] = field(default_factory=dict)
    lines: dict[str, list[str]] = field(default_factory=dict)

    def line(self, event: Event) -> str | None:
        """The iptables rule a filter-table event's handle names."""
        place = self.places.get(event.handle or -1) if event.table == FILTER else None
        if place is None or place[1] >= len(self.lines.get(place[0], [])):
            return None
        return self.lines[place[0]][place[1]]

    def comment(self, event: Event) -> str:
        """The rule's comments (kube-router and kube-proxy say what each rule is for), joined."""
        found = COMMENT.findall(self.line(event) or "")
        return "; ".join(quoted or bare for quoted, bare in found)


def read_filter(listing: str, saved_rules: list[str]) -> FilterTable:
    """`nft -a list table ip filter` and the filter table's `-A` lines of iptables-save."""
    places: dict[int, tuple[str, int]] = {}
    chain, position = "", 0
    for line in listing.splitlines():
        if found := CHAIN_LINE.match(line):
            chain, position = found.group(1), 0
        elif chain and (handle := RULE_HANDLE.search(line)) and not line.strip().startswith(("chain", "table")):
            places[int(handle.group(1))] = (chain, position)
            position += 1
    lines: dict[str, list[str]] = {}
    for rule in saved_rules:
        if rule.startswith("-A "):
            lines.setdefault(rule.split()[1], []).append(rule)
    return FilterTable(places, lines)


@dataclass
class _Visit:
    """One pass of the packet through a pod's firewall chain."""

    pod: PodPlan
    chain: str
    direction: str  # Ingress (the packet goes to the pod) | Egress (it comes from the pod)
    consulted: list[str] = field(default_factory=list)  # ns/name of each policy chain jumped to
    allowed_by: list[str] = field(default_factory=list)
    outcome: str = ""
    bridged: bool = False  # jumped to by the rule for bridged traffic (a pod of the same cni0)

    def line(self, plan: LabPlan) -> str:
        again = ", again: kube-router's jump for bridged traffic" if self.bridged else ""
        side = f"{self.pod.name}'s {self.direction.lower()} ({self.chain}{again})"
        if self.allowed_by:
            return f"{side}: allowed by {', '.join(self.allowed_by)}"
        if self.outcome == "default":
            return f"{side}: allowed: no policy selects {self.pod.name} for {self.direction.lower()} ({DEFAULT_CHAIN})"
        if self.outcome == "rejected":
            by = [p.key for p in isolated(plan, self.pod, self.direction)] or self.consulted
            return (
                f"{side}: REJECTED: no policy selecting {self.pod.name} allows it "
                f"(isolated for {self.direction.lower()} by {', '.join(by)})"
            )
        return f"{side}: {self.outcome or 'left the chain without a verdict'}"


def judgements(plan: LabPlan, events: list[Event], table: FilterTable) -> list[str]:
    """A line per pod firewall chain the packet went through on this node, in order: who allowed it
    or why it was refused, as the kernel's walk shows it. Between pods of one node a packet passes
    each chain twice: KUBE-ROUTER-FORWARD jumps to it for the pod's address, then again for the
    same address when bridged (`-m physdev --physdev-is-bridged`)."""
    visits: list[_Visit] = []
    current: _Visit | None = None
    for event in events:
        target = event.verdict.removeprefix("jump ")
        if current is not None and not event.chain.startswith((POD_CHAIN, POLICY_CHAIN)):
            current = None  # back in kube-router's top chain or a built-in one
        if event.table == FILTER and target.startswith(POD_CHAIN) and (pod := pod_of_chain(plan, target)):
            direction = INGRESS if f"ip daddr {pod.ip.ip}" in event.rule else EGRESS
            current = _Visit(pod, target, direction, bridged="physdev" in event.rule)
            visits.append(current)
        elif current is not None:
            _step(plan, current, event, table, target)
    return [visit.line(plan) for visit in visits]


def _step(plan: LabPlan, visit: _Visit, event: Event, table: FilterTable, target: str) -> None:
    """What one event inside a visit says (its chain is the pod's, a policy's or the default one)."""
    if event.chain == DEFAULT_CHAIN:
        visit.outcome = visit.outcome or "default"
    elif event.chain.startswith(POLICY_CHAIN) and event.verdict == "return":
        policy = policy_of_chain(plan, event.chain)
        place = table.places.get(event.handle or -1)
        origin = rule_at(plan, policy, place[1]) if policy and place else None
        name = policy.key if policy else event.chain
        visit.allowed_by.append(f"{name} {origin[0]} rule {origin[1]}" if origin else f"a rule of {name}")
    elif event.chain == visit.chain:
        if target.startswith(POLICY_CHAIN) and (policy := policy_of_chain(plan, target)):
            visit.consulted.append(policy.key)
        elif event.verdict == "accept" and "ct state" in event.rule:
            visit.outcome = "accepted: a reply or a later packet of a connection already allowed (ESTABLISHED)"
        elif event.verdict == "accept":
            visit.outcome = f"allowed: it comes from {visit.pod.name}'s own node (a local address: always allowed)"
        elif event.verdict == "drop":
            visit.outcome = "dropped: conntrack calls it INVALID" if "invalid" in event.rule else "rejected"


def destination(plan: LabPlan, events: list[Event]) -> tuple[PodPlan, int] | None:
    """The pod the packet went to once NAT had its say, and the port: the first packet line whose
    destination is a pod's address."""
    for event in (e for e in events if e.what.startswith("packet:")):
        address = dict(PACKET_FIELD.findall(event.what)).get("ip daddr")
        port = re.search(r"(?:tcp|udp|sctp) dport (\d+)", event.what)
        pod = next((p for p in plan.pods if str(p.ip.ip) == address), None)
        if pod is not None and port:
            return pod, int(port.group(1))
    return None


def expected(plan: LabPlan, source: str, events: list[Event], protocol: str) -> str | None:
    """What netlab's evaluator (netlab.plan.netpol) says of the connection to the pod the packet
    went to, beside what the kernel did; None when it went to no pod."""
    found = destination(plan, events)
    return verdict(plan, source, found[0].name, found[1], protocol).reason if found else None
