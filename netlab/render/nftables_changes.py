"""Two plans -> the partial `nft -f` transaction between their kube-proxy tables (pure).

kube-proxy's partial sync: only the Service ports whose rendering differs are rewritten, the rest
of the table is not named at all. `scale`/`apply`/`delete` use it: at 10000 Services a full sync
takes nft tens of seconds, and it empties affinity sets. The lines are those `render_nftables`
writes, kept per part of the table (`_Block`) so two renderings can be compared part by part.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from ipaddress import IPv4Network

from netlab.plan.model import NodePlan, ServicePlan
from netlab.render.nftables import Tx, service_chain, service_port


class _Block(Tx):
    """The lines of one part of the table (a ClusterIP's element, or one Service port), also kept
    object by object: a partial sync compares two blocks and rewrites only what differs."""

    def __init__(self) -> None:
        super().__init__()
        self.chains: list[str] = []
        self.sets: dict[str, str] = {}  # name -> its `add set` line
        self.rules: list[str] = []
        self.elements: dict[tuple[str, str], str] = {}  # (set or map, key) -> its `add element` line

    def add(self, kind: str, name: str, body: str = "") -> None:
        super().add(kind, name, body)
        if kind == "chain":
            self.chains.append(name)
        else:
            self.sets[name] = self.lines[-1]

    def rule(self, chain: str, rule: str, comment: str | None = None) -> None:
        super().rule(chain, rule, comment)
        self.rules.append(self.lines[-1])

    def element(self, name: str, key: str, value: str | None = None, comment: str | None = None) -> None:
        super().element(name, key, value, comment)
        self.elements[name, key] = self.lines[-1]


_NOTHING = _Block()  # the block of a part that does not exist (on one side of a change)
_Part = tuple[_Block, _Block]  # one part of the table: its block before and after the change


def render_nftables_changes(
    old: Sequence[ServicePlan],
    new: Sequence[ServicePlan],
    cluster_cidr: IPv4Network,
    service_cidr: IPv4Network,
    node: NodePlan | None = None,
) -> str:
    """One `nft -f` transaction that turns the table `render_nftables(old)` made into the table
    `render_nftables(new)` makes, touching only the Service ports whose rendering differs.

    As kube-proxy's partial sync (syncProxyRules with tryPartialSync): each changed port's chains
    get `add chain` + `flush chain` and all their rules again, its affinity sets an `add set` (an
    existing set keeps the client IPs it holds); map and set elements are added or deleted one by
    one (kube-proxy's nftElementStorage), a changed value as delete + add; affinity sets no longer
    used are deleted. Stale chains are flushed and then deleted in this same transaction: kube-
    proxy deletes them a second later, because on kernels before 6.2 a chain may still count as
    referenced for a moment after the map element naming it went; this kernel (6.18) takes it in
    one transaction, and where a kernel refuses, netlab's applier falls back to a full sync. A set
    whose declaration changed (its timeout) is deleted and added again: not every kernel changes
    a timeout on `add set` (6.18 does), and delete + add works on all, at the price of the client
    IPs the set held.

    The order: chains declared, stale chains flushed, sets deleted and declared, rules, elements
    deleted then added, stale chains deleted; so nothing is referred to before it exists or
    deleted while a rule or element still names it.

    Args:
        old: the Services the node's table was rendered for.
        new: the Services it must hold now.
        cluster_cidr: as `render_nftables` takes it (the same for both: the cluster section of a
            running lab does not change).
        service_cidr: as `render_nftables` takes it; only the fixed part of the table uses it,
            which a partial sync, as kube-proxy's, leaves alone.
        node: as `render_nftables` takes it (the same for both). An endpoint moving between
            nodes changes the Local-policy parts of a NodePort or LoadBalancer IP, which are
            then rewritten.

    Returns:
        The script, one command a line, ending with a newline; "" when nothing differs.
    """
    parts = _differing_parts(*_changed_blocks(old, new, cluster_cidr, node))
    if not parts:
        return ""
    stale = [chain for was, now in parts for chain in was.chains if chain not in now.chains]
    tx = Tx()
    _declare_chains(tx, parts, stale)
    _declare_sets(tx, parts)
    for _, now in parts:
        tx.lines.extend(now.rules)
    _change_elements(tx, parts)
    for chain in stale:
        tx.command("delete", "chain", chain)
    return "\n".join(tx.lines) + "\n"


def _differing_parts(before: dict[str, _Block], after: dict[str, _Block]) -> list[_Part]:
    """The parts whose lines differ, in the new plan's order, then those only the old one had; a
    part on one side only is `_NOTHING` on the other."""
    parts = [(before.get(key, _NOTHING), after.get(key, _NOTHING)) for key in dict.fromkeys([*after, *before])]
    return [(was, now) for was, now in parts if was.lines != now.lines]


def _declare_chains(tx: Tx, parts: list[_Part], stale: list[str]) -> None:
    """`add chain` + `flush chain` for each chain of a changed part (its rules all follow again),
    and a flush of each stale chain: once none of them jumps anywhere, each can be deleted last."""
    for _, now in parts:
        for chain in now.chains:
            tx.add("chain", chain)
            tx.command("flush", "chain", chain)
    for chain in stale:
        tx.command("flush", "chain", chain)


def _declare_sets(tx: Tx, parts: list[_Part]) -> None:
    """Delete the sets no longer used or declared otherwise, then `add set` each set of a changed
    part: one that exists keeps the client IPs it holds."""
    for was, now in parts:
        for name, line in was.sets.items():
            if now.sets.get(name) != line:
                tx.command("delete", "set", name)
    for _, now in parts:
        tx.lines.extend(now.sets.values())


def _change_elements(tx: Tx, parts: list[_Part]) -> None:
    """Map and set elements one by one, as kube-proxy's nftElementStorage: those gone or changed
    deleted, then those new or changed added (a changed value is delete + add)."""
    had = {key: line for was, _ in parts for key, line in was.elements.items()}
    has = {key: line for _, now in parts for key, line in now.elements.items()}
    for (name, key), line in had.items():
        if has.get((name, key)) != line:
            tx.delete_element(name, key)
    tx.lines.extend(line for key, line in has.items() if had.get(key) != line)


def _changed_blocks(
    old: Sequence[ServicePlan], new: Sequence[ServicePlan], cluster_cidr: IPv4Network, node: NodePlan | None
) -> tuple[dict[str, _Block], dict[str, _Block]]:
    """The blocks of the Services that differ between the two plans, before and after. Equal
    Services (most of them, and the same objects when a caller changes one Service) are skipped
    without rendering: rendering all 10000 costs half a second."""
    was = {(s.namespace, s.name): s for s in old}
    now = {(s.namespace, s.name): s for s in new}
    differ = {key for key in was.keys() | now.keys() if not _same(was.get(key), now.get(key))}
    return (
        _blocks((s for s in old if (s.namespace, s.name) in differ), cluster_cidr, node),
        _blocks((s for s in new if (s.namespace, s.name) in differ), cluster_cidr, node),
    )


def _same(a: ServicePlan | None, b: ServicePlan | None) -> bool:
    return a is b or a == b  # dataclass equality does not look at identity first


def _blocks(services: Iterable[ServicePlan], cluster_cidr: IPv4Network, node: NodePlan | None) -> dict[str, _Block]:
    """Per Service its ClusterIP's element (keyed `ns/name`), per Service port what `service_port`
    writes, the external chain and the elements of its NodePort and LoadBalancer IP included
    (keyed by its service chain's name, which names the port: ns/svc/proto/port): a change of
    endpoints rewrites them with the port."""
    blocks: dict[str, _Block] = {}
    for svc in services:
        if svc.cluster_ip is None:
            continue
        blocks[f"{svc.namespace}/{svc.name}"] = address = _Block()
        address.element("cluster-ips", str(svc.cluster_ip))
        for port in svc.ports:
            blocks[service_chain(port)] = block = _Block()
            service_port(block, svc, port, cluster_cidr, node)
    return blocks
