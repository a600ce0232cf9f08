"""`nft list ruleset` text as rules, each with its table, chain and the chain's hook (pure).

What learner mode reads a learner's own nftables rules from: `check` judges where a rule sits
and where it sends a packet (verify/hints.py), `solve` deletes those for a Service's ClusterIP
by their handles (`nft -a list ruleset`; kernel/learner_tasks.py). A set's or map's lines are kept with
no chain: kube-proxy's ClusterIPs live in its maps' elements.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NftRule:
    family: str
    table: str
    chain: str  # "" for a set's or map's lines
    hook: str | None
    text: str

    @property
    def words(self) -> list[str]:
        return self.text.split()

    @property
    def handle(self) -> str | None:
        """The rule's handle, listed with `nft -a`."""
        words = self.words
        return words[words.index("handle") + 1] if words[-2:-1] == ["handle"] else None


def listed_rules(ruleset: str) -> list[NftRule]:
    rules, family, table, chain, hook = [], "", "", "", None
    for line in (raw.strip() for raw in ruleset.splitlines()):
        words = line.split()
        if words[:1] == ["table"] and len(words) >= 3:
            family, table, chain = words[1], words[2], ""
        elif words[:1] in (["set"], ["map"]):
            chain = ""
        elif words[:1] == ["chain"] and len(words) >= 2:
            chain, hook = words[1], None
        elif words[:1] == ["type"] and "hook" in words[:-1]:
            hook = words[words.index("hook") + 1].rstrip(";")
        elif table and line and line != "}" and not line.startswith(("policy", "#")):
            rules.append(NftRule(family, table, chain, hook, line))
    return rules
