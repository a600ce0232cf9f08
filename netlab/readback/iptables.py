"""What `iptables-save` prints, read (pure): each table's chains and rules, and what kube-proxy's
chains program per service port (`status`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

KUBE_ROUTER_RULES = ("-A KUBE-ROUTER-", "-A KUBE-POD-FW-", "-A KUBE-NWPLCY-")  # netlab.render.netpol's chains


@dataclass
class Saved:
    """What `iptables-save` printed, by table: chain names and rule lines."""

    chains: dict[str, set[str]]
    rules: dict[str, list[str]]

    def has_jump(self, table: str, chain: str, rule: tuple[str, ...]) -> bool:
        target = rule[rule.index("-j") + 1]
        comment = rule[rule.index("--comment") + 1] if "--comment" in rule else ""
        return any(
            line.startswith(f"-A {chain} ") and f"-j {target}" in line and comment in line
            for line in self.rules.get(table, [])
        )

    @property
    def kube_rules(self) -> int:
        """kube-proxy's rules (kube-router's network policy chains share the KUBE- prefix: not counted)."""
        return sum(
            1
            for lines in self.rules.values()
            for line in lines
            if line.startswith("-A KUBE-") and not line.startswith(KUBE_ROUTER_RULES)
        )


def parse_save(text: str) -> Saved:
    chains: dict[str, set[str]] = {}
    rules: dict[str, list[str]] = {}
    table = ""
    for line in text.splitlines():
        if line.startswith("*"):
            table = line[1:]
            chains.setdefault(table, set())
            rules.setdefault(table, [])
        elif line.startswith(":"):
            chains[table].add(line[1:].split()[0])
        elif line.startswith("-A "):
            rules[table].append(line)
    return Saved(chains, rules)


_SEP_DNAT = re.compile(r'^-A KUBE-SEP-\S+ .*--comment "?([^"]+?)"? .*-j DNAT --to-destination (\S+)$')
_CLUSTER_IP = re.compile(
    r'^-A KUBE-SERVICES -d (\S+)/32 -p (\w+) .*--comment "(\S+) (cluster IP|has no endpoints)" '
    r".*--dport (\d+) "
)


def programmed(save_text: str) -> dict[str, tuple[str | None, list[str]]]:
    """What `iptables-save` says is programmed, per service port (`ns/svc:port`): its ClusterIP
    frontend (`ip:port/PROTO`: DNATed in nat, or REJECTed in filter when it has no endpoints)
    and the endpoints its KUBE-SEP chains DNAT to."""
    found: dict[str, tuple[str | None, list[str]]] = {}
    for line in save_text.splitlines():
        if m := _CLUSTER_IP.match(line):
            found[m[3]] = (f"{m[1]}:{m[5]}/{m[2].upper()}", found.get(m[3], (None, []))[1])
        elif m := _SEP_DNAT.match(line):
            frontend, endpoints = found.get(m[1], (None, []))
            found[m[1]] = (frontend, sorted([*endpoints, m[2]]))
    return found
