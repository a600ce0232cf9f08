"""Each node's rules against what netlab's kube-proxy, kube-router and ip-masq-agent write (pure).

- iptables mode: every `-A` line of the ruleset kube-proxy's sync renders for the node must be in
  `iptables-save`, every jump from a built-in chain too, and no KUBE-* chain may hold a line the
  sync did not write (a rule changed in place reads as one missing and one extra).
- nftables mode: the table `ip kube-proxy` holds every chain, set and map element the sync writes,
  and nothing more (what the sync's own read-back compares).
- IPVS mode: its virtual servers are not compared (this kernel has no IPVS to prove it on).
- NetworkPolicies: kube-router's chains hold as many rules as rendered, each built-in chain jumps
  to its kube-router chain first (what kernel/netpol.py's read-back compares).
- The egress NAT (a lab with an outside world): ip-masq-agent's MASQUERADE on every node, the
  internet gateway's rules (render/egress.py).
- A rule of the learner's own: any line of a built-in chain that none of those writes (a DROP in
  FORWARD is judged before kube-router and kube-proxy see the packet), and any nftables table
  besides kube-proxy's and those iptables-nft keeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from netlab.doctor.facts import Facts
from netlab.doctor.finding import Finding
from netlab.doctor.iptables_key import rule_key
from netlab.plan.model import LabPlan, NodePlan
from netlab.probe.trace import TABLE as TRACE_TABLE
from netlab.readback.iptables import KUBE_ROUTER_RULES, Saved
from netlab.readback.nftables import expected_chains, expected_elements, listed_chains, listed_elements
from netlab.render.egress import MASQ_CHAIN, gateway_rules, masq_agent_rules
from netlab.render.iptables import quote, render_iptables
from netlab.render.netpol import TOP_CHAINS, compliant_accept
from netlab.render.netpol import render as render_netpol
from netlab.render.nftables import render_nftables

BUILTIN = ("PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING")
# iptables-nft's own tables (iptables-save shows what they hold), kube-proxy's, and netlab trace's
KNOWN_TABLES = {"ip filter", "ip nat", "ip mangle", "ip raw", "ip security", "ip kube-proxy", f"ip {TRACE_TABLE}"}

_KUBE_PROXY = "the Service's packets are not translated as kube-proxy would: connections to it fail or skip an endpoint"
_KUBE_ROUTER = "NetworkPolicies are not enforced as kube-router would: traffic is let through or dropped wrongly"
_MASQ = "pods' traffic leaves the node with its pod address: egress goes out, its replies never come back"
_GATEWAY = "the internet gateway does not translate as the cloud's would: the way in or out of the VPC fails"
_FOREIGN = "a rule netlab did not make: what it matches is judged by it, not only by kube-proxy's and kube-router's"


def rule_findings(proxied: LabPlan, enforced: LabPlan, facts: Facts) -> list[Finding]:
    """Every node's (and the gateway's) rule deviations."""
    found: list[Finding] = []
    for node in proxied.nodes:
        saved = facts.saved.get(node.netns)
        if saved is None:
            continue
        owned: set[str] = set()
        if proxied.services and proxied.proxy_mode == "iptables":
            found += _kube_proxy(proxied, node, saved, owned)
        if proxied.services and proxied.proxy_mode == "nftables":
            found += _nftables(proxied, node, facts.nft.get(node.netns))
        if enforced.lab.network_policies:
            found += _kube_router(enforced, node, saved, owned)
        if proxied.internet_hosts:
            wanted = masq_agent_rules(proxied.lab.cluster.pod_cidr)
            owned.update(wanted)
            found += _missing(node.netns, "nat", wanted, saved, _MASQ)
        found += _foreign(node.netns, saved, owned)
        found += _tables(node.netns, facts.tables.get(node.netns, ()))
    gateway = facts.saved.get(proxied.gateway.netns)
    if proxied.internet_hosts and gateway is not None:
        owned = set()
        for table, lines in gateway_rules(proxied).items():
            owned.update(lines)
            found += _missing(proxied.gateway.netns, table, lines, gateway, _GATEWAY)
        found += _foreign(proxied.gateway.netns, gateway, owned)
    return found


def _restore_lines(restore: str) -> dict[str, list[str]]:
    """The `-A` lines of restore input, per table."""
    lines: dict[str, list[str]] = {}
    table = ""
    for line in restore.splitlines():
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith("-A "):
            lines.setdefault(table, []).append(line)
    return lines


def _kube_proxy(plan: LabPlan, node: NodePlan, saved: Saved, owned: set[str]) -> Iterator[Finding]:
    ruleset = render_iptables(plan.services, plan.lab.cluster.pod_cidr, node)
    for table, lines in _restore_lines(ruleset.restore).items():
        owned.update(lines)
        yield from _missing(node.netns, table, lines, saved, _KUBE_PROXY)
        wanted = {rule_key(line) for line in lines}
        for line in saved.rules.get(table, []):
            if line.startswith("-A KUBE-") and not line.startswith(KUBE_ROUTER_RULES) and rule_key(line) not in wanted:
                yield _rule(
                    node.netns, table, line, "present", "absent (kube-proxy's sync does not write it)", _KUBE_PROXY
                )
    for jump in ruleset.jumps:
        if not saved.has_jump(jump.table, jump.chain, jump.rule):
            text = " ".join(quote(a) for a in jump.rule)
            yield _rule(node.netns, jump.table, f"-A {jump.chain} {text}", "missing", "present", _KUBE_PROXY)


def _nftables(plan: LabPlan, node: NodePlan, listed: str | None) -> Iterator[Finding]:
    ns, show = node.netns, f"ip netns exec {node.netns} nft list table ip kube-proxy"
    if listed is None:
        yield Finding(ns, "rule", "nft table ip kube-proxy", "missing", "present", show, _KUBE_PROXY)
        return
    script = render_nftables(plan.services, plan.lab.cluster.pod_cidr, plan.lab.cluster.service_cidr, node)
    want, have = expected_chains(script), listed_chains(listed)
    for chain in sorted(want - have):
        yield Finding(ns, "rule", f"nft chain ip kube-proxy {chain}", "missing", "present", show, _KUBE_PROXY)
    for chain in sorted(have - want):
        yield Finding(ns, "rule", f"nft chain ip kube-proxy {chain}", "present", "absent", show, _KUBE_PROXY)
    want_elements, held = expected_elements(script), listed_elements(listed)
    for name in sorted(want_elements.keys() | held.keys()):
        wanted, holding = want_elements.get(name, set()), held.get(name, set())
        for element in sorted(wanted - holding):
            yield Finding(ns, "rule", f"nft element {name} {{ {element} }}", "missing", "present", show, _KUBE_PROXY)
        for element in sorted(holding - wanted):
            yield Finding(ns, "rule", f"nft element {name} {{ {element} }}", "present", "absent", show, _KUBE_PROXY)


def _kube_router(plan: LabPlan, node: NodePlan, saved: Saved, owned: set[str]) -> Iterator[Finding]:
    rules = render_netpol(plan, node)
    held = saved.rules.get("filter", [])
    wanted, holding = _per_chain(rules.rules), _per_chain(held)
    show = f"ip netns exec {node.netns} iptables -t filter -S"
    for chain in rules.chains:
        if wanted[chain] != holding[chain]:
            yield Finding(
                node.netns,
                "rule",
                f"iptables filter chain {chain}",
                f"{holding[chain]} rules",
                f"{wanted[chain]} rules",
                f"{show} {chain}",
                _KUBE_ROUTER,
            )
    accept = " ".join(map(quote, compliant_accept()))
    for builtin, target in TOP_CHAINS.items():
        first = next((line for line in held if line.startswith(f"-A {builtin} ")), "")
        if not first.endswith(f"-j {target}"):
            yield Finding(
                node.netns,
                "rule",
                f"iptables filter chain {builtin}",
                f"first rule: {first or 'none'}",
                f"first rule jumps to {target}",
                f"{show} {builtin}",
                _KUBE_ROUTER,
            )
        owned.add(f"-A {builtin} {accept}")
        yield from _missing(node.netns, "filter", [f"-A {builtin} {accept}"], saved, _KUBE_ROUTER)


def _per_chain(lines: list[str]) -> Counter[str]:
    return Counter(line.split(" ", 2)[1] for line in lines if line.startswith("-A "))


def _missing(ns: str, table: str, lines: list[str], saved: Saved, symptom: str) -> Iterator[Finding]:
    held = {rule_key(line) for line in saved.rules.get(table, [])}
    for line in lines:
        if rule_key(line) not in held:
            yield _rule(ns, table, line, "missing", "present", symptom)


def _foreign(ns: str, saved: Saved, owned_lines: set[str]) -> Iterator[Finding]:
    """Lines of built-in chains that jump to none of the owners' chains and that no owner writes."""
    owned = {rule_key(line) for line in owned_lines}
    for table, lines in sorted(saved.rules.items()):
        for line in lines:
            chain, _, rest = line[3:].partition(" ")
            target = rest.rsplit("-j ", 1)[-1] if "-j " in rest else ""
            if chain not in BUILTIN or target.startswith(("KUBE-", MASQ_CHAIN)) or rule_key(line) in owned:
                continue
            yield _rule(
                ns, table, line, "present", "absent (no kube-proxy, kube-router or ip-masq-agent rule)", _FOREIGN
            )


def _tables(ns: str, tables: tuple[str, ...] | list[str]) -> Iterator[Finding]:
    for table in tables:
        if table not in KNOWN_TABLES:
            yield Finding(
                ns,
                "rule",
                f"nft table {table}",
                "present",
                "absent (netlab makes no such table)",
                f"ip netns exec {ns} nft list table {table}",
                _FOREIGN,
            )


def _rule(ns: str, table: str, line: str, found: str, should: str, symptom: str) -> Finding:
    chain = line.split(" ", 2)[1]
    return Finding(
        ns,
        "rule",
        f"iptables -t {table} {line}",
        found,
        should,
        f"ip netns exec {ns} iptables -t {table} -S {chain}",
        symptom,
    )
